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
