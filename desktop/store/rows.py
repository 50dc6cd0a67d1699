"""Rows read by column name into dataclasses, never unpacked by position.

`one_as(conn, Cls, sql, params)` and `all_as(...)` build `Cls(**row)` from the names the query
gives its columns (an alias names a column after its field: `SELECT id AS run_id`). A column
added to or moved in a SELECT then cannot shift the others into the wrong fields: a name
without a field, or a field without a column, is a TypeError at once. `convert` turns a stored
value into the field's type (`active=bool`, `old=json.loads`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def named(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    """The cursor's rows as dicts keyed by column name."""
    names = [d[0] for d in cursor.description or ()]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def _build(cls: Callable[..., T], row: dict[str, Any], convert: dict[str, Callable]) -> T:
    for key, fn in convert.items():
        row[key] = fn(row[key])
    return cls(**row)


def all_as(
    conn: sqlite3.Connection,
    cls: Callable[..., T],
    sql: str,
    params: Iterable[Any] = (),
    **convert: Callable[[Any], Any],
) -> list[T]:
    return [_build(cls, row, convert) for row in named(conn.execute(sql, tuple(params)))]


def one_as(
    conn: sqlite3.Connection,
    cls: Callable[..., T],
    sql: str,
    params: Iterable[Any] = (),
    **convert: Callable[[Any], Any],
) -> T | None:
    """The first row as `cls`, or None when the query returns none."""
    cur = conn.execute(sql, tuple(params))
    names = [d[0] for d in cur.description or ()]
    row = cur.fetchone()
    if row is None:
        return None
    return _build(cls, dict(zip(names, row, strict=True)), convert)
