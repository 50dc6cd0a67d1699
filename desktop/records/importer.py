"""One entry point for every import: format detection, refusal of unusable files, de-duplication
by sha256, one transaction per file, an audit entry. Used by the CLI, the window and the tests.

Format modules provide `sniff(head_lines, mapping)` (raise NotImportable when the file is not of
that format) and an importer class `(conn, source, import_id, file_name, progress, mapping)` with
`run()`, `rows_read`, `rows_kept`, `has_header`. The court-CSV module also provides
`looks_like(first_line) -> bool` for format auto-detection."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop import audit, clock
from desktop.errors import UserError
from desktop.progress import ProgressFn
from desktop.records import doj_import
from desktop.records.source import LineSource, file_sha256, head_lines, looks_binary
from desktop.store.checkpoint import deferred_checkpoint
from desktop.store.tx import transaction

FORMATS = ("doj", "court-csv", "prosecution-responses")


@dataclass
class ImportSummary:
    import_id: int | None
    file: str
    sha256: str
    format: str
    rows_read: int
    rows_kept: int
    rows_rejected: int
    already_imported: bool = False
    warnings: int = 0  # fields kept unread (unknown dates, sentences): row_warnings

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class NotImportable(UserError):
    """The file as a whole cannot be imported; nothing was changed (exit 2)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path.name} was not imported: {why}. Nothing was changed.", exit_code=2)


class _AlreadyImported(Exception):
    pass


def detect_format(path: Path, mapping: dict | None = None) -> str:
    head = head_lines(path, limit=5)
    if not head:
        raise NotImportable(path, "it is empty")
    first = head[0][1].lstrip("\ufeff")
    if first.upper().startswith("RECORD_ID"):
        return "doj"
    from desktop.records import court_csv, responses

    if mapping is None and responses.looks_like(first):
        return "prosecution-responses"

    if mapping is not None or court_csv.looks_like(first):
        return "court-csv"
    return "doj"


def load_mapping(path: str | os.PathLike[str] | None) -> dict | None:
    if path is None:
        return None
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"), object_pairs_hook=_no_repeats(p))
    except FileNotFoundError:
        raise UserError(f"mapping file {p} does not exist", exit_code=2) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"mapping file {p} is not valid JSON: {exc}", exit_code=2) from None


def _no_repeats(path: Path) -> Callable[[list[tuple[str, object]]], dict]:
    """Refuse a mapping that names one key twice in an object (JSON keeps only the last one, so
    one field mapped twice would silently lose a mapping)."""

    def hook(pairs: list[tuple[str, object]]) -> dict:
        seen: dict[str, object] = {}
        for key, value in pairs:
            if key in seen:
                raise UserError(
                    f'mapping file {path} names "{key}" twice in one object '
                    f"({seen[key]!r} and {value!r}); keep one",
                    exit_code=2,
                )
            seen[key] = value
        return seen

    return hook


def db_file(db: sqlite_utils.Database) -> Path | None:
    """The file behind a connection (None for an in-memory database)."""
    for _seq, name, file in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None


def import_file(
    db: sqlite_utils.Database,
    path: str | os.PathLike[str],
    *,
    fmt: str = "auto",
    mapping: dict | None = None,
    progress: ProgressFn | None = None,
    user: str | None = None,
    backup: bool = True,
) -> ImportSummary:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path} does not exist or is not a file", exit_code=2)
    size = path.stat().st_size
    if size == 0:
        raise NotImportable(path, "it is empty")
    why = looks_binary(path)
    if why:
        raise NotImportable(path, why)
    if fmt == "auto":
        fmt = detect_format(path, mapping)
    if fmt not in FORMATS:
        raise UserError(f"unknown format '{fmt}'; use one of: auto, {', '.join(FORMATS)}", 2)
    if fmt == "prosecution-responses":
        from desktop.records.responses import import_responses

        return import_responses(db, path, user=user)
    conn = db.conn

    # Only files of a size already seen can be duplicates: hash those up front, before any work.
    if conn.execute("SELECT 1 FROM imports WHERE file_size = ?", (size,)).fetchone():
        sha = file_sha256(path)
        dup = _existing(db, sha, path, fmt)
        if dup:
            return dup

    module: Any
    if fmt == "doj":
        module = doj_import
        try:
            doj_import.sniff_doj(iter(head_lines(path)))
        except doj_import.NotDojFile as exc:
            raise NotImportable(path, f"it is not a DOJ research file: {exc}") from None
        make = lambda conn, src, iid: doj_import.DojImporter(conn, src, iid, path.name, progress)  # noqa: E731
    else:
        from desktop.records import court_csv as module

        module.sniff(head_lines(path), mapping, path)
        make = lambda conn, src, iid: module.CourtCsvImporter(  # noqa: E731
            conn, src, iid, path.name, progress, mapping
        )

    if backup:
        from desktop.store.backup import auto_backup

        target = db_file(db)
        if target is not None and conn.execute("SELECT 1 FROM imports LIMIT 1").fetchone():
            auto_backup(target, "import")
    src = LineSource(path)
    # A DOJ import assigns every id itself and copies workers' chunks whose references are checked
    # where they are made (doj_chunks.check_local_references), so SQLite's own foreign-key checks,
    # three look-ups per count (~1.4 s of a million-row import), are off for its transaction.
    # The pragma is a no-op inside a transaction: inside a caller's, the checks stay on.
    bulk = fmt == "doj" and not conn.in_transaction
    keys_off = bulk and foreign_keys_on(conn)
    if keys_off:
        conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with deferred_checkpoint(conn) if bulk else nullcontext(), transaction(conn):
            now = clock.utc_stamp()
            cur = conn.execute(
                "INSERT INTO imports (file_name, file_path, file_size, sha256, format, imported_by,"
                " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    path.name,
                    str(path.resolve()),
                    size,
                    f"pending-{os.getpid()}-{now}",
                    fmt,
                    user,
                    now,
                ),
            )
            import_id = int(cur.lastrowid or 0)
            imp = make(conn, src, import_id)
            try:
                imp.run()
            except doj_import.NotDojFile as exc:
                raise NotImportable(path, f"it is not a DOJ research file: {exc}") from None
            except doj_import.RecordTooLong as exc:
                raise NotImportable(path, str(exc)) from None
            sha = src.sha.hexdigest()
            if conn.execute("SELECT 1 FROM imports WHERE sha256 = ?", (sha,)).fetchone():
                raise _AlreadyImported()
            if imp.rows_kept == 0:
                raise NotImportable(
                    path,
                    f"none of its {imp.rows_read} rows could be read as a "
                    f"{'DOJ research file' if fmt == 'doj' else 'court extract'} row",
                )
            rejected = conn.execute(
                "SELECT COUNT(*) FROM rejected_rows WHERE import_id = ?", (import_id,)
            ).fetchone()[0]
            warnings = conn.execute(
                "SELECT COUNT(*) FROM row_warnings WHERE import_id = ?", (import_id,)
            ).fetchone()[0]
            summary = ImportSummary(
                import_id,
                str(path),
                sha,
                fmt,
                imp.rows_read,
                imp.rows_kept,
                rejected,
                warnings=warnings,
            )
            if summary.rows_read != summary.rows_kept + summary.rows_rejected:
                raise RuntimeError(f"import bookkeeping is off for {path}: {summary}")
            conn.execute(
                "UPDATE imports SET sha256 = ?, has_header = ?, rows_read = ?,"
                " rows_kept = ?, rows_rejected = ? WHERE id = ?",
                (sha, int(bool(imp.has_header)), imp.rows_read, imp.rows_kept, rejected, import_id),
            )
            audit.append(
                conn,
                user,
                "import",
                [import_id],
                {
                    "file": path.name,
                    "sha256": sha,
                    "format": fmt,
                    "rows_read": imp.rows_read,
                    "rows_kept": imp.rows_kept,
                    "rows_rejected": rejected,
                    "warnings": warnings,
                },
            )
    except _AlreadyImported:
        dup = _existing(db, src.sha.hexdigest(), path, fmt)
        assert dup is not None
        return dup
    finally:
        if keys_off:
            conn.execute("PRAGMA foreign_keys = ON")
    return summary


def foreign_keys_on(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])


def _existing(db: sqlite_utils.Database, sha: str, path: Path, fmt: str) -> ImportSummary | None:
    row = db.conn.execute(
        "SELECT id, format, rows_read, rows_kept, rows_rejected FROM imports WHERE sha256 = ?",
        (sha,),
    ).fetchone()
    if row is None:
        return None
    warnings = db.conn.execute(
        "SELECT COUNT(*) FROM row_warnings WHERE import_id = ?", (row[0],)
    ).fetchone()[0]
    return ImportSummary(
        row[0],
        str(path),
        sha,
        row[1],
        row[2],
        row[3],
        row[4],
        already_imported=True,
        warnings=warnings,
    )
