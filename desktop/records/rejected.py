"""Reading the rows an import could not keep (rejected_rows), for the CLI and the window alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RejectedRow:
    import_id: int
    file_name: str
    line: int
    column: str | None
    reason: str
    raw: str | None


def rejected_rows(
    conn: sqlite3.Connection, import_id: int | None = None, limit: int | None = None
) -> Iterator[RejectedRow]:
    """Rejected rows in file order (of one import, or of all), at most `limit` of them."""
    sql = (
        "SELECT r.import_id, i.file_name, r.line, r.column_name, r.reason, r.raw"
        " FROM rejected_rows r JOIN imports i ON i.id = r.import_id"
    )
    params: list[object] = []
    if import_id is not None:
        sql += " WHERE r.import_id = ?"
        params.append(import_id)
    sql += " ORDER BY r.import_id, r.line"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    for row in conn.execute(sql, params):
        yield RejectedRow(*row)


@dataclass(frozen=True)
class RowWarning:
    """A field a kept row could not read (left unknown), with where it was."""

    import_id: int
    line: int
    column: str | None
    reason: str
    value: str | None


def row_warnings(
    conn: sqlite3.Connection, import_id: int, limit: int | None = None
) -> list[RowWarning]:
    sql = (
        "SELECT import_id, line, column_name, reason, value FROM row_warnings"
        " WHERE import_id = ? ORDER BY line, id"
    )
    params: list[object] = [import_id]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [RowWarning(*r) for r in conn.execute(sql, params)]


def import_exists(conn: sqlite3.Connection, import_id: int) -> bool:
    return conn.execute("SELECT 1 FROM imports WHERE id = ?", (import_id,)).fetchone() is not None


# The two listings `reliefdesk rejected` and `reliefdesk warnings` print or export.
LISTINGS = {
    "rejected rows": (
        ["import_id", "file", "line", "column", "reason", "subject_id", "raw"],
        "SELECT r.import_id, i.file_name, r.line, r.column_name, r.reason, r.subject_key, r.raw"
        " FROM rejected_rows r JOIN imports i ON i.id = r.import_id",
    ),
    "warnings": (
        ["import_id", "file", "line", "column", "value", "reason", "subject_id"],
        "SELECT r.import_id, i.file_name, r.line, r.column_name, r.value, r.reason, r.subject_key"
        " FROM row_warnings r JOIN imports i ON i.id = r.import_id",
    ),
}


def listing(
    conn: sqlite3.Connection, what: str, import_id: int | None = None
) -> tuple[list[str], Iterator[tuple]]:
    """(header, rows) of a listing in LISTINGS, of one import or of all, in line order."""
    header, sql = LISTINGS[what]
    params: list[object] = []
    if import_id is not None:
        sql += " WHERE r.import_id = ?"
        params.append(import_id)
    sql += " ORDER BY r.import_id, r.line, r.id"
    return list(header), iter(conn.execute(sql, params))
