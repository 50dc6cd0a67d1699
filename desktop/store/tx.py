"""Explicit write transactions. Connections run in autocommit mode, so every change that must
land together goes inside `with transaction(conn):` (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from desktop.errors import BusyError


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    if conn.in_transaction:
        # Nested use joins the outer transaction (a savepoint keeps the inner part atomic).
        conn.execute("SAVEPOINT inner_tx")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO inner_tx")
            conn.execute("RELEASE inner_tx")
            raise
        conn.execute("RELEASE inner_tx")
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BusyError() from exc
        raise
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        conn.execute("ROLLBACK")
        if "locked" in str(exc) or "busy" in str(exc):
            raise BusyError() from exc
        raise
