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
import time
from collections.abc import Callable
from pathlib import Path

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
            exit_code=5)
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
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        replace_file(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
