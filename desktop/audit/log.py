"""The hash-chained audit log: append inside the caller's transaction, verify the chain."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(seq: int, at: str, user: str | None, action: str, targets: str, payload: str,
               prev_hash: str) -> str:
    body = canonical([seq, at, user, action, targets, payload, prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(conn: sqlite3.Connection, user: str | None, action: str,
           targets: list[Any] | None = None, payload: dict[str, Any] | None = None) -> int:
    """Write one entry. Call inside the transaction that makes the change, so both land or neither."""
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    t = canonical(list(targets or []))
    p = canonical(payload or {})
    h = entry_hash(seq, at, user, action, t, p, prev)
    conn.execute(
        "INSERT INTO audit_log (seq, at, user, action, targets, payload, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, user, action, t, p, prev, h),
    )
    return seq


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    broken_seq: int | None = None
    reason: str = ""


def verify(conn: sqlite3.Connection) -> VerifyResult:
    """Walk the chain in seq order; report the first entry whose hash, link or numbering is wrong."""
    prev = GENESIS
    expected_seq = 1
    n = 0
    for seq, at, user, action, targets, payload, prev_hash, h in conn.execute(
        "SELECT seq, at, user, action, targets, payload, prev_hash, hash FROM audit_log ORDER BY seq"
    ):
        n += 1
        if seq != expected_seq:
            return VerifyResult(False, n, seq, f"entry {seq} follows {expected_seq - 1}: "
                                "an entry is missing or out of order")
        if prev_hash != prev:
            return VerifyResult(False, n, seq, f"entry {seq} does not link to entry {seq - 1}")
        if entry_hash(seq, at, user, action, targets, payload, prev_hash) != h:
            return VerifyResult(False, n, seq, f"entry {seq} was altered (hash mismatch)")
        prev = h
        expected_seq += 1
    return VerifyResult(True, n)
