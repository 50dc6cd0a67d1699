"""Writing, replacing and removing files: a crash never leaves a half-written file under its final
name, and a file held open by another program becomes a message, never a traceback.

On Windows a file open in Excel or a PDF viewer cannot be replaced or deleted: os.replace and
os.unlink raise PermissionError (sharing violation or access denied) for as long as it is open.
Antivirus and search indexers hold new files for a moment too. So every replacement and removal
here retries briefly, then raises FileInUseError: "close FILE in Excel (or the program showing it)
and try again". Exports, order files, backups, backup pruning and restore all go through here.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.errors import UserError

# Waits between attempts (seconds): about 1.5 s in all before giving up.
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.75)
# Windows errors for a file another process has open: access denied, sharing and lock violation.
_IN_USE_WINERRORS = {5, 32, 33}


class FileInUseError(UserError):
    """A file could not be replaced or removed because another program holds it (exit 5, like a
    busy database: trying again after closing it works)."""

    def __init__(self, path: Path, action: str) -> None:
        name = Path(path).name
        super().__init__(
            f"could not {action} {path}: it is open in another program (Excel, a PDF viewer) or "
            f"you may not change it. Close {name} in Excel or the program showing it and try "
            f"again; if it is not open anywhere, check that you may write to {Path(path).parent}.",
            exit_code=5,
        )
        self.path = Path(path)


def _locked(exc: OSError) -> bool:
    return isinstance(exc, PermissionError) or getattr(exc, "winerror", None) in _IN_USE_WINERRORS


def _retry(op: Callable[[], None], path: Path, action: str) -> None:
    for delay in (*RETRY_DELAYS, None):
        try:
            op()
            return
        except OSError as exc:
            if not _locked(exc):
                raise
            if delay is None:
                raise FileInUseError(path, action) from exc
            time.sleep(delay)


def replace_file(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """os.replace(src, dst), retried while dst (or src) is held open by another program."""
    _retry(lambda: os.replace(src, dst), Path(dst), "replace")


def remove_file(path: str | os.PathLike[str], *, missing_ok: bool = True) -> None:
    """Delete `path`, retried while another program holds it open."""
    p = Path(path)
    _retry(lambda: p.unlink(missing_ok=missing_ok), p, "delete")


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory (mode 0600), fsync, then rename over the
    final name. The temporary name is `.NAME.PID.tmp`, so leftovers of a killed writer are easy to
    recognise and remove."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if sys.platform == "win32":
            make_private(tmp)  # before any byte is written
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        replace_file(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- owner-only permissions ----------------------------------------------------------------------
#
# POSIX: mode 0600 (files) and 0700 (folders). On Windows a mode only sets the read-only bit, so the
# file gets a protected DACL instead (no inherited entries) granting full control to the account
# that runs ReliefDesk and to SYSTEM (the OS itself, backup and antivirus services); nobody else,
# other users of the PC included, may open it. Administrators can still take ownership, as on any
# Windows file: that is what they are for, and what BitLocker does not stop either.

DACL_SECURITY_INFORMATION = 0x00000004
PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000
SDDL_REVISION_1 = 1
TOKEN_QUERY = 0x0008
TOKEN_USER_CLASS = 1


def _advapi32() -> Any:  # replaced by a fake in tests on other systems
    import ctypes

    # WinDLL exists only on Windows; typeshed hides it on the platform mypy checks for.
    return ctypes.WinDLL("advapi32", use_last_error=True)  # type: ignore[attr-defined]


def _kernel32() -> Any:
    import ctypes

    # WinDLL exists only on Windows (see _advapi32).
    return ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]


def current_user_sid() -> str:
    """Windows: the SID (S-1-5-21-...) of the account this process runs as, from its token."""
    import ctypes

    advapi, kernel = _advapi32(), _kernel32()
    token = ctypes.c_void_p()
    if not advapi.OpenProcessToken(kernel.GetCurrentProcess(), TOKEN_QUERY, ctypes.byref(token)):
        raise OSError("could not read this process's access token")
    try:
        size = ctypes.c_ulong(0)
        advapi.GetTokenInformation(token, TOKEN_USER_CLASS, None, 0, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value or 64)
        if not advapi.GetTokenInformation(token, TOKEN_USER_CLASS, buf, size, ctypes.byref(size)):
            raise OSError("could not read the account from the access token")
        psid = ctypes.c_void_p.from_buffer(buf).value  # TOKEN_USER.User.Sid
        text = ctypes.c_wchar_p()
        if not advapi.ConvertSidToStringSidW(ctypes.c_void_p(psid), ctypes.byref(text)):
            raise OSError("could not convert the account's SID")
        try:
            return str(text.value)
        finally:
            kernel.LocalFree(text)
    finally:
        kernel.CloseHandle(token)


def owner_only_sddl(sid: str, directory: bool) -> str:
    """The protected DACL: full control for `sid` and SYSTEM only (inherited by a folder's files)."""
    inherit = "OICI" if directory else ""
    return f"D:P(A;{inherit};FA;;;{sid})(A;{inherit};FA;;;SY)"


def _windows_private(path: Path, directory: bool) -> None:
    import ctypes

    advapi, kernel = _advapi32(), _kernel32()
    sd = ctypes.c_void_p()
    sddl = owner_only_sddl(current_user_sid(), directory)
    if not advapi.ConvertStringSecurityDescriptorToSecurityDescriptorW(
        sddl, SDDL_REVISION_1, ctypes.byref(sd), None
    ):
        raise OSError(f"could not build the owner-only ACL {sddl}")
    try:
        if not advapi.SetFileSecurityW(
            str(path), DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, sd
        ):
            raise OSError(f"could not set the owner-only ACL on {path}")
    finally:
        kernel.LocalFree(sd)


def make_private(path: str | os.PathLike[str], *, directory: bool = False) -> None:
    """Readable and writable by the user running ReliefDesk only: mode 0600/0700 on POSIX, an
    owner-only ACL on Windows. Best effort: a file system without permissions (FAT, a USB stick)
    keeps what it has."""
    p = Path(path)
    try:
        if sys.platform == "win32":
            _windows_private(p, directory)
        else:
            os.chmod(p, 0o700 if directory else 0o600)
    except OSError:
        pass
