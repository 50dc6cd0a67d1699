"""The hash-chained audit log: append inside the caller's transaction, verify the chain."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from desktop import clock

GENESIS = "0" * 64
# The chain's head (last seq and hash) is also kept in the settings table when it exists, so that
# deleting the newest entries (which leaves a shorter but self-consistent chain) is detected too.
HEAD_KEY = "audit_head"


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    seq: int, at: str, user: str | None, action: str, targets: str, payload: str, prev_hash: str
) -> str:
    body = canonical([seq, at, user, action, targets, payload, prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _has_settings(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'"
        ).fetchone()
        is not None
    )


def read_head(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """The recorded chain head (seq, hash), or None when none is recorded."""
    if not _has_settings(conn):
        return None
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (HEAD_KEY,)).fetchone()
    if not row or not row[0]:
        return None
    try:
        head = json.loads(row[0])
        return int(head["seq"]), str(head["hash"])
    except (ValueError, KeyError, TypeError):
        return (-1, "")  # unreadable head: verify reports it


def _write_head(conn: sqlite3.Connection, seq: int, h: str) -> None:
    if _has_settings(conn):
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            (HEAD_KEY, canonical({"seq": seq, "hash": h})),
        )


def append(
    conn: sqlite3.Connection,
    user: str | None,
    action: str,
    targets: list[Any] | None = None,
    payload: dict[str, Any] | None = None,
    *,
    rows: dict[str, Any] | None = None,
    deleted: dict[str, Any] | None = None,
) -> int:
    """Write one entry. Call inside the transaction that makes the change, so both land or neither.

    `rows` names the rows of the sealed tables (determinations, review_items, batch_items, batches)
    the change left behind, e.g. {"review_items": [count ids]}: they are sealed under this entry
    (desktop/audit/seals.py) and the payload records the seals' digest, so `audit verify` can tell
    that the tables still hold what the program wrote."""
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    head = read_head(conn)
    if head is not None and head[0] >= seq:
        # Newest entries were removed behind our back: continue from the recorded head so the gap
        # stays visible to verify instead of being papered over by reused sequence numbers.
        seq, prev = head[0] + 1, head[1]
    at = clock.utc_stamp("microseconds")
    t = canonical(list(targets or []))
    if rows or deleted:
        from desktop.audit.seals import PAYLOAD_KEY, has_seals, seal

        if has_seals(conn):
            payload = {**(payload or {}), PAYLOAD_KEY: seal(conn, seq, rows or {}, deleted)}
    p = canonical(payload or {})
    h = entry_hash(seq, at, user, action, t, p, prev)
    conn.execute(
        "INSERT INTO audit_log (seq, at, user, action, targets, payload, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, user, action, t, p, prev, h),
    )
    _write_head(conn, seq, h)
    return seq


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    broken_seq: int | None = None
    reason: str = ""


def verify(conn: sqlite3.Connection) -> VerifyResult:
    """Walk the chain in seq order; report the first entry that was altered, removed or moved.

    Each entry is checked on its own (its hash over its content) and against its predecessor (its
    prev_hash). An entry whose own hash is right but whose predecessor's hash differs from the one
    it recorded means the predecessor was rewritten with a recomputed hash, so that one is named.
    """
    prev_seq, prev_hash_stored = 0, GENESIS
    n = 0
    for seq, at, user, action, targets, payload, prev_hash, h in conn.execute(
        "SELECT seq, at, user, action, targets, payload, prev_hash, hash FROM audit_log ORDER BY seq"
    ):
        n += 1
        self_ok = entry_hash(seq, at, user, action, targets, payload, prev_hash) == h
        if seq != prev_seq + 1:
            missing = (
                f"entry {prev_seq + 1}"
                if seq == prev_seq + 2
                else f"entries {prev_seq + 1} to {seq - 1}"
            )
            return VerifyResult(
                False,
                n,
                prev_seq + 1,
                f"{missing} missing: entry {seq} follows entry {prev_seq} (deleted or renumbered)",
            )
        if not self_ok:
            return VerifyResult(
                False, n, seq, f"entry {seq} was altered (its content does not match its hash)"
            )
        if prev_hash != prev_hash_stored:
            if seq == 1:
                return VerifyResult(
                    False, n, 1, "entry 1 was altered (it does not start the chain)"
                )
            return VerifyResult(
                False,
                n,
                seq - 1,
                f"entry {seq - 1} was rewritten (entry {seq} recorded a different hash for it)",
            )
        prev_seq, prev_hash_stored = seq, h
    head = read_head(conn)
    if head is not None:
        head_seq, head_hash = head
        if head_seq < 0:
            return VerifyResult(False, n, None, "the recorded chain head is unreadable")
        if head_seq > prev_seq:
            missing = (
                f"entry {head_seq}"
                if head_seq == prev_seq + 1
                else f"entries {prev_seq + 1} to {head_seq}"
            )
            return VerifyResult(
                False,
                n,
                prev_seq + 1,
                f"{missing} missing: the log ends at entry "
                f"{prev_seq} but entry {head_seq} was written (newest entries deleted)",
            )
        if head_seq == prev_seq and head_hash != prev_hash_stored and n:
            return VerifyResult(
                False,
                n,
                head_seq,
                f"entry {head_seq} was replaced (its hash differs from the recorded chain head)",
            )
        # head_seq < prev_seq: entries appended without a head (e.g. before the settings table
        # existed); the chain itself was verified above.
    return VerifyResult(True, n)


def head_hash(conn: sqlite3.Connection) -> tuple[int, str]:
    """The last entry's (seq, hash): a court can write these down to anchor the chain."""
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)
