"""Opening the ReliefDesk database: pragmas, permissions and numbered migrations."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from importlib import resources
from pathlib import Path

import sqlite_utils

from desktop.errors import UserError
from desktop.files import make_private

BUSY_TIMEOUT_MS = 5000
SEALS_MIGRATION = 11  # 0011_trust.sql: row seals, acceptance manifests
FK_OFF_MARK = "-- migrate: foreign_keys=off"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Files this process has already quick-checked: a window opens several connections (workers,
# dialogs) and checking a large file each time would cost a second per connection.
_CHECKED: set[str] = set()


def migrations() -> list[tuple[int, str, str]]:
    """All shipped migrations as (number, file name, SQL), in order."""
    found = []
    for entry in resources.files("desktop.store.migrations").iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"two migrations share a number: {numbers}")
    return found


PAGE_SIZE = 16384


def readonly_uri(path: str | os.PathLike[str]) -> str:
    """An SQLite URI opening `path` read-only. Path.as_uri() percent-encodes what a URI would
    misread in a raw path: '#' (a fragment), '?' (the query), '%' (an escape) and spaces, as in a
    folder named "Case #7 (copy)" or "100%20"; on Windows it gives file:///C:/... as SQLite wants."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A raw connection with ReliefDesk's pragmas; no migrations."""
    path = Path(path)
    if str(path) != ":memory:":
        from desktop.store.location import refuse_network_location

        refuse_network_location(path)  # before anything is created there
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # Create the file readable by the user only before SQLite opens it.
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
            make_private(path)  # Windows: owner-only ACL (a mode sets only the read-only bit)
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Takes effect only while the file is still empty (a new database): 16 KB pages make a
    # million-row import ~0.6 s faster than 4 KB ones (fewer pages to split and to checkpoint).
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except UnicodeDecodeError:
            # A damaged header can make SQLite answer with bytes that are not text: that is a
            # damaged file, reported (and repaired by restore) like any other.
            conn.close()
            raise sqlite3.DatabaseError("file is not a database (its header is damaged)") from None
        if sys.platform == "win32":
            # SQLite creates -wal and -shm with the folder's inherited ACL on Windows (on POSIX
            # with the database's mode); a first read makes SQLite open (create) both.
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            for suffix in ("-wal", "-shm"):
                if Path(f"{path}{suffix}").exists():
                    make_private(Path(f"{path}{suffix}"))
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB page cache: bulk imports touch many pages
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration newer than the database's user_version. Returns the version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, name, sql in migrations():
        if number <= current:
            continue
        # A migration that rebuilds a table other tables point at (SQLite's documented 12-step
        # ALTER TABLE procedure) says so on its first line: foreign keys are off while it runs
        # (the pragma is a no-op inside a transaction) and every one is checked before COMMIT.
        rebuild = sql.lstrip().startswith(FK_OFF_MARK)
        fk_was = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        if rebuild:
            conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(sql):
                conn.execute(statement)
            if rebuild:
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise sqlite3.IntegrityError(
                        f"migration {name} would leave {len(broken)} broken references "
                        f"(first: {broken[0]})"
                    )
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            if rebuild and fk_was:
                conn.execute("PRAGMA foreign_keys = ON")
        current = number
    return current


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, buf = [], []
    for line in sql.splitlines():
        buf.append(line)
        candidate = "\n".join(buf)
        if sqlite3.complete_statement(candidate):
            if candidate.strip():
                statements.append(candidate)
            buf = []
    rest = "\n".join(buf).strip()
    if rest and not all(ln.strip().startswith("--") or not ln.strip() for ln in buf):
        statements.append(rest)
    return statements


def open_db(path: str | os.PathLike[str], *, check: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate a ReliefDesk database.

    With check (the default) an existing file gets SQLite's quick_check first, and a damaged one
    is refused with what to do; a backup is taken before migrating an older schema."""
    from desktop.store.integrity import check_database

    existed = str(path) != ":memory:" and Path(path).is_file() and Path(path).stat().st_size > 0
    try:
        try:
            conn = connect(path)
        except OSError as exc:
            from desktop.diagnose import from_os

            honest = from_os(exc, Path(path), "the database")
            if honest is None:
                raise
            raise honest from exc
        key = os.path.realpath(path) if existed else ""
        if existed and check and key not in _CHECKED:
            check_database(conn, path)
            _CHECKED.add(key)
        newest = migrations()[-1][0]
        if existed and schema_version(conn) > newest:
            raise UserError(
                f"{path} was written by a newer ReliefDesk (schema "
                f"{schema_version(conn)}; this version knows up to {newest}). "
                "Use the newer version, or restore a backup made by this one.",
                2,
            )
        if existed and schema_version(conn) < newest:
            from desktop.store.backup import auto_backup

            auto_backup(Path(path), "upgrade")
        before = schema_version(conn)
        migrate(conn)
        if existed and 0 < before < SEALS_MIGRATION <= schema_version(conn):
            # Rows written before row seals existed are sealed as they are at the upgrade.
            from desktop.audit.seals import seal_baseline
            from desktop.store.tx import transaction

            with transaction(conn):
                seal_baseline(conn)
        from desktop.store import workspace_guards

        workspace_guards.ensure(conn)  # a judge's package workspace keeps its guards (0029)
    except sqlite3.DatabaseError as exc:
        # Decided by SQLite's result code, not its message: a read-only folder, a full disk or a
        # lock is not damage, and restoring a backup would throw good data away.
        from desktop.diagnose import (
            SQLITE_BUSY,
            SQLITE_CANTOPEN,
            SQLITE_LOCKED,
            SQLITE_READONLY,
            from_sqlite,
            primary_code,
        )

        if primary_code(exc) in (SQLITE_BUSY, SQLITE_LOCKED):
            raise UserError(
                f"The database {path} is busy (another ReliefDesk is writing); try again.",
                exit_code=5,
            ) from exc
        if existed and primary_code(exc) in (SQLITE_CANTOPEN, SQLITE_READONLY):
            # A read-only folder or disk (or an immutable file): it can still be read. Writing
            # commands then fail with the read-only message, never a "damaged" one.
            refusal = folder_refuses_writes(Path(path))
            if refusal is not None:
                return _open_read_only(Path(path), check=check)
        honest = from_sqlite(exc, Path(path))
        if honest is not None:
            raise honest from exc
        from desktop.store.integrity import damaged_message

        raise UserError(damaged_message(path, [str(exc)]), exit_code=2) from exc
    return sqlite_utils.Database(conn)


def folder_refuses_writes(path: Path) -> OSError | None:
    """The error creating a file beside `path` gives (read-only disk, permissions, immutable
    folder), or None when the folder takes new files."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=path.parent, prefix=".reliefdesk-probe-"):
            pass
    except OSError as exc:
        return exc
    return None


def _open_read_only(path: Path, *, check: bool) -> sqlite_utils.Database:
    """Open a database whose folder cannot be written, for reading only (SQLite's immutable
    mode: no -wal/-shm files are needed, and nothing can be written)."""
    from urllib.parse import quote

    from desktop.diagnose import read_only
    from desktop.store.integrity import check_database

    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        if check:
            check_database(conn, path)
        version = schema_version(conn)
    except sqlite3.DatabaseError as exc:
        raise read_only(path) from exc
    newest = migrations()[-1][0]
    if version != newest:
        raise UserError(
            f"{path} is on a read-only folder or disk and needs upgrading (schema "
            f"{version}, this version uses {newest}), which means writing it. Nothing "
            "is damaged. Copy it to a writable folder, or ask court IT to make the "
            "folder writable.",
            6,
        )
    return sqlite_utils.Database(conn)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]
