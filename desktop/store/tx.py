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
    except sqlite3.Error as exc:
        _raise_honest(exc, conn)
        raise
    try:
        yield conn
    except sqlite3.Error as exc:
        _rollback(conn)
        _raise_honest(exc, conn)
        raise
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        _rollback(conn)
        _raise_honest(exc, conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (e.g. after SQLITE_FULL)


def _raise_honest(exc: sqlite3.Error, conn: sqlite3.Connection) -> None:
    """Busy, read-only, disk full, I/O: the user's message (by SQLite result code), not a
    traceback; the transaction was rolled back, nothing was saved."""
    from desktop.diagnose import SQLITE_BUSY, SQLITE_LOCKED, from_sqlite, primary_code
    from desktop.outputs import database_of

    if primary_code(exc) in (SQLITE_BUSY, SQLITE_LOCKED):
        raise BusyError() from exc
    try:
        path = database_of(conn)
    except sqlite3.Error:
        path = None
    honest = from_sqlite(exc, path)
    if honest is not None:
        raise honest from exc
