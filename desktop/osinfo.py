"""Facts the operating system vouches for: the signed-in account.

The audit log records command-line work done without `--as USER` under the operating-system
account (`os:NAME`). That name must come from the OS, not from environment variables anyone can
set before running a command (getpass.getuser() reads LOGNAME, USER, LNAME and USERNAME first:
`USERNAME=judge reliefdesk ...` was recorded as `os:judge`).

- Windows: GetUserNameExW(NameSamCompatible) — `COURT\\jdoe` for a domain account, `PC\\clerk`
  for a local one — which reads the process's access token; GetUserNameW (also the token) when
  the domain part cannot be had.
- POSIX: the password database entry of the effective user id, pwd.getpwuid(os.geteuid()).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

NAME_SAM_COMPATIBLE = 2


def _secur32() -> Any:
    return ctypes.WinDLL("secur32", use_last_error=True)  # type: ignore[attr-defined]


def _advapi32() -> Any:
    return ctypes.WinDLL("advapi32", use_last_error=True)  # type: ignore[attr-defined]


def _windows_account() -> str:
    size = ctypes.c_ulong(0)
    fn = _secur32().GetUserNameExW
    fn(NAME_SAM_COMPATIBLE, None, ctypes.byref(size))          # asks for the size
    if size.value:
        buf = ctypes.create_unicode_buffer(size.value + 1)
        if fn(NAME_SAM_COMPATIBLE, buf, ctypes.byref(size)) and buf.value:
            return buf.value
    size = ctypes.c_ulong(257)                                   # UNLEN + 1
    buf = ctypes.create_unicode_buffer(size.value)
    if _advapi32().GetUserNameW(buf, ctypes.byref(size)) and buf.value:
        return buf.value
    raise OSError("Windows did not say which account runs ReliefDesk")


def _posix_account() -> str:
    import os
    import pwd

    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"            # an account with no name (a container): its number


def os_account() -> str:
    """The account this process runs as, from the OS (never from environment variables)."""
    if sys.platform == "win32":
        return _windows_account()
    return _posix_account()


def os_actor() -> str:
    """The audit log's name for command-line work without --as: `os:ACCOUNT`."""
    return f"os:{os_account()}"
