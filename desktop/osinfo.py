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
    fn(NAME_SAM_COMPATIBLE, None, ctypes.byref(size))  # asks for the size
    if size.value:
        buf = ctypes.create_unicode_buffer(size.value + 1)
        if fn(NAME_SAM_COMPATIBLE, buf, ctypes.byref(size)) and buf.value:
            return buf.value
    size = ctypes.c_ulong(257)  # UNLEN + 1
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
        return f"uid-{uid}"  # an account with no name (a container): its number


def os_account() -> str:
    """The account this process runs as, from the OS (never from environment variables)."""
    if sys.platform == "win32":
        return _windows_account()
    return _posix_account()


def os_actor() -> str:
    """The audit log's name for command-line work without --as: `os:ACCOUNT`."""
    return f"os:{os_account()}"


# -- groups ---------------------------------------------------------------------------------------

TOKEN_QUERY = 0x0008
TOKEN_GROUPS_CLASS = 2
SE_GROUP_ENABLED = 0x00000004
SE_GROUP_USE_FOR_DENY_ONLY = 0x00000010


class _SidAndAttributes(ctypes.Structure):
    _fields_ = [("Sid", ctypes.c_void_p), ("Attributes", ctypes.c_uint32)]


def _kernel32() -> Any:
    return ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]


def _sid_name(advapi: Any, sid: int) -> str | None:
    name, domain = ctypes.create_unicode_buffer(256), ctypes.create_unicode_buffer(256)
    n, d, use = ctypes.c_ulong(256), ctypes.c_ulong(256), ctypes.c_ulong(0)
    if not advapi.LookupAccountSidW(
        None,
        ctypes.c_void_p(sid),
        name,
        ctypes.byref(n),
        domain,
        ctypes.byref(d),
        ctypes.byref(use),
    ):
        return None  # a SID with no name (logon session SIDs)
    return f"{domain.value}\\{name.value}" if domain.value else name.value


def _windows_groups() -> list[str]:
    """The enabled groups of this process's access token (AD groups included), as DOMAIN\\name."""
    advapi, kernel = _advapi32(), _kernel32()
    token = ctypes.c_void_p()
    if not advapi.OpenProcessToken(kernel.GetCurrentProcess(), TOKEN_QUERY, ctypes.byref(token)):
        raise OSError("could not read this process's access token")
    try:
        size = ctypes.c_ulong(0)
        advapi.GetTokenInformation(token, TOKEN_GROUPS_CLASS, None, 0, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value or 8)
        if not advapi.GetTokenInformation(token, TOKEN_GROUPS_CLASS, buf, size, ctypes.byref(size)):
            raise OSError("could not read the groups from the access token")
        count = ctypes.c_uint32.from_buffer(buf).value
        offset = ctypes.sizeof(ctypes.c_void_p)  # GroupCount, padded to pointer size
        entries = (_SidAndAttributes * count).from_buffer(buf, offset)
        names = []
        for e in entries:
            if e.Attributes & SE_GROUP_ENABLED and not e.Attributes & SE_GROUP_USE_FOR_DENY_ONLY:
                name = _sid_name(advapi, e.Sid)
                if name:
                    names.append(name)
        return names
    finally:
        kernel.CloseHandle(token)


def _posix_groups() -> list[str]:
    import grp
    import os

    names = []
    for gid in dict.fromkeys([os.getegid(), *os.getgroups()]):
        try:
            names.append(grp.getgrgid(gid).gr_name)
        except KeyError:
            continue
    return names


def os_groups() -> list[str]:
    """The groups the OS says this process's account belongs to (never from the environment)."""
    if sys.platform == "win32":
        return _windows_groups()
    return _posix_groups()
