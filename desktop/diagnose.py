"""Say what is true when the disk or the database file refuses: read-only, disk full, locked,
permission / immutable, or damaged, decided by the SQLite result code or the OS errno (never by
the message text), each with what to do. Advice to restore a backup is given only for damage: for a
read-only or full disk it would throw good data away."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from desktop.errors import BusyError, UserError

# SQLite primary result codes (https://www.sqlite.org/rescode.html).
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26
# Windows: ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION, ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL,
# ERROR_WRITE_PROTECT.
_WIN_LOCKED = (32, 33)
_WIN_FULL = (39, 112)
_WIN_READONLY = (19,)

EXIT_ENVIRONMENT = 6  # the disk or folder refuses (read-only, full, permission): nothing damaged


def _where(path: Path | str | None) -> str:
    return f" {path}" if path else ""


def read_only(path: Path | str | None, what: str = "the database") -> UserError:
    todo = (
        "Copy the database to a writable folder (or ask court IT to make this one writable); "
        "it can still be read where it is."
        if what == "the database"
        else "Choose a writable folder for it."
    )
    return UserError(
        f"cannot write {what}{_where(path)}: the folder or disk is read-only (or the "
        f"file is marked read-only / immutable). Nothing is damaged and nothing was "
        f"changed. {todo}",
        EXIT_ENVIRONMENT,
    )


def disk_full(path: Path | str | None, what: str = "the database") -> UserError:
    return UserError(
        f"the disk holding {what}{_where(path)} is full. Nothing from the unfinished "
        "step was saved and nothing is damaged. Free some disk space (or move it to a "
        "larger disk), then run the step again.",
        EXIT_ENVIRONMENT,
    )


def no_permission(path: Path | str | None, what: str = "the file") -> UserError:
    return UserError(
        f"not allowed to write {what}{_where(path)} (file permissions, or the file or "
        "folder is marked immutable). Nothing is damaged and nothing was changed. Ask "
        "court IT to give your account write access, or choose another location.",
        EXIT_ENVIRONMENT,
    )


def locked(path: Path | str | None, what: str = "the file") -> UserError:
    return UserError(
        f"{what}{_where(path)} is locked by another program (or another ReliefDesk). "
        "Nothing was changed. Close the other program, then try again.",
        5,
    )


def io_failure(path: Path | str | None, what: str = "the database") -> UserError:
    return UserError(
        f"the disk reported an input/output error on {what}{_where(path)} (a failing "
        "disk, a removed drive or a dropped network share). Nothing from the "
        "unfinished step was saved. Check the drive, then try again; if it keeps "
        "failing, copy the database and its backups to a sound disk.",
        EXIT_ENVIRONMENT,
    )


def cannot_open(path: Path | str | None) -> UserError:
    return UserError(
        f"cannot open the database{_where(path)}: its folder does not exist or may not "
        "be written (the database needs to create its -wal and -shm files beside it). "
        "Check the path and the folder's permissions.",
        EXIT_ENVIRONMENT,
    )


def primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def from_sqlite(exc: sqlite3.Error, path: Path | str | None = None) -> UserError | None:
    """The honest message for an SQLite failure, or None when it is not about the environment
    (a bug, or damage: the caller decides)."""
    code = primary_code(exc)
    if str(exc).startswith("package workspace: "):
        # A judge's package workspace refusing a change to the clerk's data (its guards:
        # desktop/store/workspace_guards.py).
        from desktop.errors import RefusedError

        return RefusedError(f"{str(exc)[len('package workspace: ') :]}. Nothing was changed.")
    if code == SQLITE_READONLY:
        return read_only(path)
    if code == SQLITE_FULL:
        return disk_full(path)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return BusyError()
    if code == SQLITE_CANTOPEN:
        return cannot_open(path)
    if code == SQLITE_PERM:
        return no_permission(path, "the database")
    if code == SQLITE_IOERR:
        # SQLite reports a full disk as an I/O error when it cannot grow the -shm or -wal file
        # (SQLITE_IOERR_SHMSIZE, _WRITE, _FSYNC): the free space on the disk tells.
        if path and no_space_left(Path(path)):
            return disk_full(path)
        return io_failure(path)
    return None


def no_space_left(path: Path, margin: int = 256 * 1024) -> bool:
    """True when the disk holding `path` has (almost) no free space left."""
    import shutil

    folder = path if path.is_dir() else path.parent
    try:
        return shutil.disk_usage(folder).free < margin
    except OSError:
        return False


def is_damage(exc: sqlite3.Error) -> bool:
    return primary_code(exc) in (SQLITE_CORRUPT, SQLITE_NOTADB)


def from_os(
    exc: OSError, path: Path | str | None = None, what: str = "the file"
) -> UserError | None:
    """The honest message for an OS error while writing a file, or None when unknown."""
    path = path or exc.filename
    win = getattr(exc, "winerror", None)
    if exc.errno == errno.EROFS or win in _WIN_READONLY:
        return read_only(path, what)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)) or win in _WIN_FULL:
        return disk_full(path, what)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return no_permission(path, what)
    if exc.errno in (errno.EBUSY, errno.ETXTBSY) or win in _WIN_LOCKED:
        return locked(path, what)
    if exc.errno == errno.EEXIST:
        return UserError(f"{path} already exists; nothing was replaced. Choose another name.", 4)
    if exc.errno == errno.EIO:
        return io_failure(path, what)
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return UserError(f"{path}: the folder does not exist; check the path.", 2)
    return None
