"""Checking a database file before use: SQLite's quick_check, and "is this a ReliefDesk database"."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from desktop.errors import UserError

# Tables every ReliefDesk database has had since the first release (migrations 0001-0003).
CORE_TABLES = frozenset(
    {
        "imports",
        "subjects",
        "cases",
        "counts",
        "evaluation_runs",
        "determinations",
        "review_items",
        "audit_log",
    }
)


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def quick_check(conn: sqlite3.Connection, max_errors: int = 5) -> list[str]:
    """The problems PRAGMA quick_check reports (empty when the file is sound).

    quick_check verifies page structure and record formats in O(size) without the index
    cross-checks of integrity_check, so it is cheap enough to run at every start."""
    # A damaged page can put arbitrary bytes into quick_check's messages and into SQLite's own
    # error text (it quotes the damaged schema), which Python decodes strictly: read results
    # leniently, and take a decode error in SQLite's message as what it is -- damage.
    saved = conn.text_factory
    conn.text_factory = _lenient_text
    try:
        rows = conn.execute(f"PRAGMA quick_check({int(max_errors)})").fetchall()
    except sqlite3.DatabaseError as exc:
        from desktop.diagnose import from_sqlite

        if from_sqlite(exc) is not None:
            raise  # read-only, full, locked, I/O: not damage; the caller says what it is
        return [str(exc)]
    except UnicodeDecodeError:
        return ["the database schema is damaged (SQLite's error text is unreadable)"]
    finally:
        conn.text_factory = saved
    problems = [r[0] for r in rows]
    return [] if problems == ["ok"] else problems


def is_sound(path: Path | str) -> bool:
    """True when the file opens and passes quick_check (False for a missing or empty file too)."""
    path = Path(path)
    if not path.is_file() or not path.stat().st_size:
        return False
    try:
        conn = sqlite3.connect(str(path), timeout=5)
        try:
            return not quick_check(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def damaged_message(path: str | os.PathLike[str], problems: list[str]) -> str:
    from desktop.paths import backup_dir

    where = backup_dir(Path(path))
    newest = newest_backup(Path(path))
    how = (
        f"restore the newest backup with: reliefdesk --db {path} restore {newest} --as ADMIN"
        if newest
        else f"restore a backup copy (backups are kept in {where}) with "
        f"reliefdesk --db {path} restore FILE --as ADMIN"
    )
    return (
        f"The database {path} is damaged ({problems[0]}"
        f"{f'; {len(problems) - 1} more problem(s)' if len(problems) > 1 else ''}). "
        f"Do not keep working in it: {how}. The damaged file is kept as it is until you do."
    )


def check_database(conn: sqlite3.Connection, path: str | os.PathLike[str]) -> None:
    """Raise UserError (exit 2) with what is wrong and how to restore when quick_check fails.
    Meant to be called from open_db right after connecting."""
    problems = quick_check(conn)
    if problems:
        raise UserError(damaged_message(path, problems), exit_code=2)


def newest_backup(db_path: Path) -> Path | None:
    from desktop.store.backup import list_backups

    found = list_backups(db_path)
    return found[-1] if found else None


def describe_database(path: Path) -> tuple[int, set[str]]:
    """(user_version, table names) of a database file, opened read-only; UserError if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path} does not exist or is not a file")
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise UserError(f"{path} is not a ReliefDesk database (not an SQLite file)")
    from desktop.store.db import readonly_uri

    try:
        conn = sqlite3.connect(readonly_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"cannot open {path}: {exc}") from exc
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        problems = quick_check(conn)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not a ReliefDesk database or is damaged: {exc}") from exc
    finally:
        conn.close()
    if problems:
        raise UserError(
            f"{path} fails SQLite's integrity check ({problems[0]}); choose another backup",
            exit_code=2,
        )
    return version, tables


def check_reliefdesk_file(path: Path) -> int:
    """Check a file is a sound ReliefDesk database this version can open; returns its version."""
    from desktop.store.db import migrations

    version, tables = describe_database(path)
    missing = CORE_TABLES - tables
    if missing:
        raise UserError(
            f"{path} is an SQLite file but not a ReliefDesk database "
            f"(no {', '.join(sorted(missing))} table)"
        )
    newest = migrations()[-1][0]
    if version > newest:
        raise UserError(
            f"{path} was written by a newer ReliefDesk (schema {version}, this "
            f"version knows up to {newest}); upgrade ReliefDesk first"
        )
    return version
