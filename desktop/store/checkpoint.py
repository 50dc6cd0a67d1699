"""Copying a large write-ahead log back into the database file without making the user wait.

A million-row import commits ~300 MB of pages to the -wal file. SQLite's automatic checkpoint
would then copy them into the database file inside that COMMIT and wait for the disk to confirm
(about a second on this project's test machine, more on a court PC's disk). The data is already
safely committed when the log is written, so `deferred_checkpoint` turns the automatic checkpoint
off for the bulk transaction and `copy_back` runs it afterwards: on a thread of its own (its own
connection; SQLite works without Python's lock) when the log is large, in line when it is small.
Readers and the next writer carry on meanwhile (WAL mode); the thread is not a daemon, so the
program finishes the copy before it exits, and an interrupted copy is safe (the log stays valid
and the next connection resumes it)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

BACKGROUND_MIN_BYTES = 32 << 20  # a smaller log is copied in line (milliseconds)
_threads: list[threading.Thread] = []


@contextmanager
def deferred_checkpoint(conn: sqlite3.Connection) -> Iterator[None]:
    """No automatic checkpoint while the block runs (it must start outside a transaction and
    commit inside); afterwards the log is copied back by `copy_back`."""
    was = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(was)}")
    if was > 0:
        copy_back(conn)


def copy_back(conn: sqlite3.Connection) -> threading.Thread | None:
    """Checkpoint the database's log: on a background thread (returned) when it is large."""
    from desktop.outputs import database_of

    path = database_of(conn)
    if path is None:
        return None
    wal = Path(f"{path}-wal")
    try:
        size = wal.stat().st_size
    except OSError:
        return None
    if size < BACKGROUND_MIN_BYTES:
        _checkpoint(conn)
        return None
    thread = threading.Thread(target=_copy_back, args=(path,), name="wal-checkpoint")
    thread.start()
    _threads[:] = [t for t in _threads if t.is_alive()]
    _threads.append(thread)
    return thread


def wait() -> None:
    """Wait for the copies under way (a caller that needs the database file whole)."""
    while _threads:
        _threads.pop().join()


def _checkpoint(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.Error as exc:  # busy or read-only: the next checkpoint copies it
        log.info("checkpoint skipped: %s", exc)


def _copy_back(path: Path) -> None:
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        log.info("background checkpoint not started: %s", exc)
        return
    try:
        _checkpoint(conn)
    finally:
        conn.close()
