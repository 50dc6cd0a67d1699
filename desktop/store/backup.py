"""Backups with SQLite's online backup API: automatic ones before imports, evaluations and on
window exit (the last N kept), manual ones, and restoring a backup over the live database."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop import clock
from desktop.errors import UserError
from desktop.files import FileInUseError, make_private, remove_file, replace_file
from desktop.paths import backup_dir

KEEP_SETTING = "backup_keep"
DEFAULT_KEEP = 10
_REASON = re.compile(r"[^a-z0-9-]+")


def _name_pattern(db_path: Path) -> re.Pattern[str]:
    return re.compile(
        rf"^{re.escape(db_path.stem)}-(\d{{8}}T\d{{6}}\.\d{{6}}Z)-[a-z0-9-]+\.sqlite3$"
    )


def backup_name(db_path: Path, reason: str, when: datetime | None = None) -> str:
    """<db stem>-<UTC timestamp>-<reason>.sqlite3; names sort in time order."""
    stamp = (when or clock.now()).strftime("%Y%m%dT%H%M%S.%fZ")
    slug = _REASON.sub("-", reason.lower()).strip("-") or "backup"
    return f"{db_path.stem}-{stamp}-{slug}.sqlite3"


def list_backups(db_path: Path) -> list[Path]:
    """This database's backups in backup_dir, oldest first."""
    db_path = Path(db_path)
    where = backup_dir(db_path)
    if not where.is_dir():
        return []
    pat = _name_pattern(db_path)
    found = [(m.group(1), p) for p in where.iterdir() if (m := pat.match(p.name))]
    return [p for _, p in sorted(found)]


def keep_count(conn: sqlite3.Connection) -> int:
    """The backup_keep setting (default 10; at least 1)."""
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (KEEP_SETTING,)).fetchone()
    except sqlite3.DatabaseError:
        return DEFAULT_KEEP  # no settings table yet
    try:
        return max(1, int(row[0])) if row else DEFAULT_KEEP
    except (TypeError, ValueError):
        return DEFAULT_KEEP


def _private_dir(path: Path) -> None:
    """The backups folder: created owner-only (0700, or an owner-only ACL on Windows). A folder
    that already exists keeps its permissions (`backup --out DIR/FILE` never changes DIR's)."""
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True)
    make_private(path, directory=True)


def copy_database(
    src: sqlite3.Connection, out: Path, *, private_dir: bool = True, replace: bool = True
) -> Path:
    """Copy a consistent snapshot of `src` into a new self-contained file `out` (mode 0600).

    Written under a temporary name and renamed, so a crash never leaves a half backup under a real
    backup name; the copy is switched to rollback-journal mode so it is one file with no -wal.
    private_dir makes the folder 0700 (the backups folder); a folder the user chose is left as it
    is. With replace=False an existing `out` is never replaced (hard link, not rename)."""
    out = Path(out)
    _private_dir(out.parent)  # only a folder it creates; an existing one keeps its permissions
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    make_private(tmp)  # Windows: an owner-only ACL before SQLite writes the copy
    try:
        dest = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        if replace:
            replace_file(tmp, out)
        else:
            from desktop.outputs import _place

            _place(tmp, out, False)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def backup_to(db_path: Path, out: Path, *, force: bool = False, chosen: bool = True) -> Path:
    """A manual backup of the database at db_path into `out`.

    `out` goes through the output guard: never the database, its -wal/-shm, an existing database
    or backup (even with force), never any existing file without force. A folder the user chose
    (chosen=True) keeps its permissions; the backups folder is made 0700."""
    from desktop.diagnose import from_os, from_sqlite
    from desktop.outputs import check_output

    db_path = Path(db_path)
    if not db_path.is_file():
        raise UserError(f"there is no database at {db_path} to back up")
    if Path(out).exists() and not force and not chosen:
        raise UserError(f"{out} already exists; choose a new file name for the backup")
    out = check_output(out, db=db_path if chosen else None, force=force, what="backup")
    src = sqlite3.connect(str(db_path), isolation_level=None, timeout=5)
    try:
        return copy_database(src, Path(out), private_dir=not chosen, replace=force)
    except sqlite3.DatabaseError as exc:
        raise (from_sqlite(exc, out) or UserError(f"could not back up {db_path}: {exc}")) from exc
    except OSError as exc:
        honest = from_os(exc, out, "the backup")
        if honest is None:
            raise
        raise honest from exc
    finally:
        src.close()


def auto_backup(db_path: Path | str, reason: str) -> Path | None:
    """Back up the database before a risky step (reason: 'import', 'evaluate', 'exit', ...) into
    backup_dir(db_path), then delete all but the newest `backup_keep` backups.

    Returns the backup's path, or None when there is nothing to back up yet (no database file or
    an in-memory one). Raises UserError when the backup cannot be written (the caller should not
    go on with the risky step)."""
    if str(db_path) == ":memory:":
        return None
    db_path = Path(db_path)
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return None
    src = sqlite3.connect(str(db_path), isolation_level=None, timeout=5)
    try:
        out = backup_dir(db_path) / backup_name(db_path, reason)
        copy_database(src, out)
        keep = keep_count(src)
    except sqlite3.DatabaseError as exc:
        from desktop.diagnose import from_sqlite

        honest = from_sqlite(exc, backup_dir(db_path))
        if honest is not None:
            raise UserError(
                f"could not back up before {reason}, so nothing was done: {honest}",
                honest.exit_code,
            ) from exc
        raise UserError(
            f"could not back up {db_path} before {reason}: {exc}. Free disk space or "
            f"check {backup_dir(db_path)} is writable, then try again."
        ) from exc
    except OSError as exc:
        from desktop.diagnose import from_os

        honest = from_os(exc, backup_dir(db_path), "the backups folder")
        if honest is not None:
            raise UserError(
                f"could not back up before {reason}, so nothing was done: {honest}",
                honest.exit_code,
            ) from exc
        raise UserError(
            f"could not write a backup of {db_path} into {backup_dir(db_path)}: "
            f"{exc}. Free disk space or fix the folder's permissions."
        ) from exc
    finally:
        src.close()
    prune(db_path, keep)
    return out


def prune(db_path: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns the deleted paths. A backup held open by
    another program (a viewer, a copy in progress) is left for the next prune after a brief retry:
    pruning never stops the import or evaluation that made the new backup."""
    old = list_backups(db_path)[:-keep] if keep > 0 else []
    deleted = []
    for p in old:
        try:
            remove_file(p)
        except FileInUseError:
            continue
        deleted.append(p)
    return deleted


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    previous_saved_as: Path | None
    schema_version: int


def _save_damaged(db_path: Path) -> Path:
    """Raw copy of a database too damaged for the backup API (with its -wal), kept for analysis."""
    out = backup_dir(db_path) / backup_name(db_path, "damaged")
    _private_dir(out.parent)
    for suffix in ("", "-wal"):
        src = Path(f"{db_path}{suffix}")
        if src.exists():
            dst = Path(f"{out}{suffix}")
            os.close(os.open(dst, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
            shutil.copyfile(src, dst)
    return out


def restore(db_path: Path | str, source: Path | str) -> RestoreResult:
    """Replace the database at db_path with the backup `source`.

    Checks first that `source` is a sound ReliefDesk database this version can open, saves the
    current database as a 'pre-restore' backup, then copies `source` in through the backup API,
    which keeps the live file (and any other open connection) consistent. The caller migrates
    and audits the result."""
    from desktop.store import checkpoint
    from desktop.store.db import connect, readonly_uri
    from desktop.store.integrity import check_reliefdesk_file, is_sound

    checkpoint.wait()  # no copy of a log into the file while it may be replaced
    db_path, source = Path(db_path), Path(source)
    if db_path.exists() and source.resolve() == db_path.resolve():
        raise UserError(f"{source} is the live database itself; choose a backup file")
    version = check_reliefdesk_file(source)
    saved: Path | None = None
    damaged = False
    if db_path.is_file() and db_path.stat().st_size:
        damaged = not is_sound(db_path)
        saved = _save_damaged(db_path) if damaged else auto_backup(db_path, "pre-restore")
    src = sqlite3.connect(readonly_uri(source), uri=True)
    try:
        if damaged:
            _replace_file(db_path, src)
        else:
            dest = connect(db_path)
            try:
                src.backup(dest)
            finally:
                dest.close()
    except sqlite3.DatabaseError as exc:
        raise UserError(
            f"restoring {source} into {db_path} failed: {exc}. The previous database "
            f"was saved as {saved}."
        ) from exc
    finally:
        src.close()
    return RestoreResult(source, saved, version)


def _replace_file(db_path: Path, src: sqlite3.Connection) -> None:
    """Swap a damaged database file for a fresh copy of `src` (no other ReliefDesk may have it
    open: the backup API cannot write into a file SQLite cannot read)."""
    tmp = db_path.with_name(f".{db_path.name}.restore{os.getpid()}")
    tmp.unlink(missing_ok=True)
    copy_database(src, tmp)
    try:
        for suffix in ("-wal", "-shm"):
            remove_file(Path(f"{db_path}{suffix}"))
        replace_file(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # no stray copy left behind
        raise
