"""The guards of a judge's package workspace (issue 15): in a database built from a batch package
(settings key 'package_workspace' set) the clerk's data is read-only; triggers refuse what the
role checks already refuse (migrations/workspace_guards.sql).

They exist only in workspaces (migration 0029 dropped them from every other database): a row
trigger costs its table ~11 µs on every row a statement touches even when its WHEN clause is
false, and the clerk's database writes its tables by the hundred thousand. `install` makes them
when a workspace is built; `ensure` (run by open_db) makes any a workspace lacks, such as a
workspace built before migration 0029, which dropped them."""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from importlib import resources

WORKSPACE_KEY = "package_workspace"  # the settings key that marks a workspace


@cache
def statements() -> tuple[str, ...]:
    """The CREATE TRIGGER IF NOT EXISTS statements, in file order."""
    from desktop.store.db import _split_sql

    text = (
        resources.files("desktop.store.migrations")
        .joinpath("workspace_guards.sql")
        .read_text(encoding="utf-8")
    )
    return tuple(_split_sql(text))


@cache
def names() -> frozenset[str]:
    return frozenset(
        m.group(1)
        for s in statements()
        if (m := re.search(r"CREATE TRIGGER IF NOT EXISTS (\w+)", s)) is not None
    )


def is_workspace(conn: sqlite3.Connection) -> bool:
    try:
        row = conn.execute("SELECT 1 FROM settings WHERE key = ?", (WORKSPACE_KEY,)).fetchone()
    except sqlite3.OperationalError:  # no settings table: not a ReliefDesk database yet
        return False
    return row is not None


def install(conn: sqlite3.Connection) -> None:
    """Make every guard (inside the caller's transaction, if any)."""
    for sql in statements():
        conn.execute(sql)


def ensure(conn: sqlite3.Connection) -> None:
    """In a workspace, make the guards it lacks; elsewhere, nothing."""
    if not is_workspace(conn):
        return
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    if not names() <= have:
        install(conn)
