"""What both sides of a package exchange share: the workspace marker, the batch's state digests,
the machine's name."""

from __future__ import annotations

import json
import socket
import sqlite3
from typing import Any

from desktop.audit.seals import current_digests
from desktop.errors import RefusedError
from desktop.store.workspace_guards import WORKSPACE_KEY  # set in a judge's package workspace


def host_name() -> str:
    """This machine's name, as written into packages and the audit entries they make."""
    try:
        return socket.gethostname() or "unknown"
    except OSError:
        return "unknown"


def workspace_info(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The package a workspace was built from (package id, batch, judge, file ...), or None in an
    ordinary (clerk's) database."""
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (WORKSPACE_KEY,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return json.loads(row[0]) if row and row[0] else None


def refuse_in_workspace(conn: sqlite3.Connection, doing: str) -> None:
    info = workspace_info(conn)
    if info is not None:
        raise RefusedError(
            f"this is a judge's package workspace (batch {info.get('batch_id')}), not the "
            f"clerk's database; {doing} at the clerk's desk"
        )


def refuse_outside_workspace(conn: sqlite3.Connection, doing: str) -> dict[str, Any]:
    info = workspace_info(conn)
    if info is None:
        raise RefusedError(
            f"this database is not a judge's package workspace; {doing} only in a workspace "
            "opened from a package (reliefdesk package open FILE)"
        )
    return info


def batch_counts(conn: sqlite3.Connection, batch_id: int) -> list[int]:
    return [
        int(r[0])
        for r in conn.execute(
            "SELECT count_id FROM batch_items WHERE batch_id = ? ORDER BY count_id", (batch_id,)
        )
    ]


def batch_state(conn: sqlite3.Connection, batch_id: int) -> dict[str, dict[str, str]]:
    """table -> row key -> digest of every row that decides what the judge is asked: the batch,
    its items, the review decisions and determinations of its counts (desktop/audit/seals.py)."""
    ids = batch_counts(conn, batch_id)
    dets = [
        int(r[0])
        for part in _chunks(ids)
        for r in conn.execute(
            f"SELECT determination_id FROM review_items WHERE count_id IN "
            f"({','.join('?' * len(part))})",
            part,
        )
    ]
    return {
        "batches": current_digests(conn, "batches", [batch_id]),
        "batch_items": current_digests(conn, "batch_items", [(batch_id, c) for c in ids]),
        "review_items": current_digests(conn, "review_items", ids),
        "determinations": current_digests(conn, "determinations", dets),
    }


_WHAT = {
    "batches": "the batch itself (its status or sample)",
    "batch_items": "batch item {key}",
    "review_items": "the clerk's decision on count {key}",
    "determinations": "determination {key}",
}


def state_difference(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> str:
    """'' when equal; else the first difference in words."""
    for table in ("batches", "batch_items", "review_items", "determinations"):
        a, b = old.get(table, {}), new.get(table, {})
        for key in sorted(set(a) | set(b), key=lambda k: [int(p) for p in k.split(":")]):
            if a.get(key) != b.get(key):
                what = _WHAT[table].format(key=key.split(":")[-1])
                how = "was added" if key not in a else "was removed" if key not in b else "changed"
                return f"{what} {how}"
    return ""


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
