"""The review state of a count (its review_items row) as a ReviewState, and the decision history
in review_log: reading and writing states and logging one step of decisions.

A state holds every column of review_items except count_id, so restoring an old state (undo)
puts the row back exactly as it was. review_log keeps states as JSON objects keyed by column."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from desktop.errors import RefusedError, UserError
from desktop.store.rows import named
from desktop.vocabulary import ReviewStatus


@dataclass(frozen=True)
class ReviewState:
    """A count's review_items row but its count_id: the determination under review, the clerk's
    decision (status, relief, target, reason, who, when), whether a re-evaluation reopened it,
    and the decision a judge's send-back or a re-evaluation put aside (JSON)."""

    determination_id: int
    status: str  # a ReviewStatus
    decided_relief: str | None
    decided_target: str | None
    reason: str | None
    decided_by: str | None
    decided_at: str | None
    rereview: int
    previous_decision: str | None

    def as_dict(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in STATE_COLUMNS}

    def decision(self) -> dict[str, Any]:
        """The state without determination_id (which a re-evaluation may move)."""
        return {c: getattr(self, c) for c in STATE_COLUMNS if c != "determination_id"}

    @classmethod
    def from_json(cls, text: str) -> ReviewState:
        """A state as review_log keeps it (a column missing from an old entry is empty)."""
        data = json.loads(text)
        return cls(**{c: data.get(c, 0 if c == "rereview" else None) for c in STATE_COLUMNS})


STATE_COLUMNS = tuple(f.name for f in fields(ReviewState))
_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


def chunks(ids: list[int], size: int = _CHUNK) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def unique_ids(ids: Iterable[int]) -> list[int]:
    """The ids as ints, in the order given, without repeats."""
    seen: dict[int, None] = {}
    for i in ids:
        seen.setdefault(int(i), None)
    return list(seen)


def read_states(conn: sqlite3.Connection, ids: list[int]) -> dict[int, ReviewState]:
    """State of each count; UserError naming the first id that is not in the review queue."""
    cols = ", ".join(STATE_COLUMNS)
    out: dict[int, ReviewState] = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        for row in named(
            conn.execute(
                f"SELECT count_id, {cols} FROM review_items WHERE count_id IN ({marks})", part
            )
        ):
            count_id = row.pop("count_id")
            out[count_id] = ReviewState(**row)
    missing = [i for i in ids if i not in out]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise UserError(
            f"count {missing[0]}{more} is not in the review queue; see "
            "`reliefdesk queue list` for the count ids"
        )
    return out


def read_proposals(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """count id -> (relief, resentence_target) of its current determination."""
    out: dict[int, tuple[str, str | None]] = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        for cid, relief, target in conn.execute(
            f"SELECT r.count_id, d.relief, d.resentence_target FROM review_items r "
            f"JOIN determinations d ON d.id = r.determination_id "
            f"WHERE r.count_id IN ({marks})",
            part,
        ):
            out[cid] = (relief, target)
    return out


def write_state(conn: sqlite3.Connection, count_id: int, state: ReviewState) -> None:
    sets = ", ".join(f"{c} = ?" for c in STATE_COLUMNS)
    conn.execute(
        f"UPDATE review_items SET {sets} WHERE count_id = ?",
        [*(getattr(state, c) for c in STATE_COLUMNS), count_id],
    )


def dump(state: ReviewState) -> str:
    """The state as review_log keeps it (sorted keys, no spaces)."""
    return json.dumps(state.as_dict(), sort_keys=True, separators=(",", ":"))


def next_step(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(step), 0) + 1 FROM review_log").fetchone()[0])


def log_step(
    conn: sqlite3.Connection,
    user: str,
    action: str,
    at: str,
    changes: list[tuple[int, ReviewState, ReviewState]],
) -> int:
    """Write the new states and one review_log row per count, all under one step number."""
    step = next_step(conn)
    sets = ", ".join(f"{c} = ?" for c in STATE_COLUMNS)
    conn.executemany(
        f"UPDATE review_items SET {sets} WHERE count_id = ?",
        [[*(getattr(new, c) for c in STATE_COLUMNS), cid] for cid, _, new in changes],
    )
    conn.executemany(
        "INSERT INTO review_log (step, count_id, user, action, old_state, new_state, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(step, cid, user, action, dump(old), dump(new), at) for cid, old, new in changes],
    )
    return step


def in_open_batch(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[int, str]]:
    """count id -> (batch id, batch status) for counts held by a batch (not sent back)."""
    out: dict[int, tuple[int, str]] = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        for cid, bid, status in conn.execute(
            f"SELECT bi.count_id, b.id, b.status FROM batch_items bi "
            f"JOIN batches b ON b.id = bi.batch_id "
            f"WHERE bi.count_id IN ({marks}) AND COALESCE(bi.judge_status, '') != 'sent_back'",
            part,
        ):
            out[cid] = (bid, status)
    return out


def refuse_if_batched(conn: sqlite3.Connection, ids: list[int], doing: str) -> None:
    held = in_open_batch(conn, ids)
    if held:
        cid = min(held)
        bid, status = held[cid]
        more = f" (and {len(held) - 1} more)" if len(held) > 1 else ""
        if status == "accepted":
            raise RefusedError(
                f"cannot {doing} count {cid}{more}: batch {bid} holding it was "
                "accepted by the judge"
            )
        raise RefusedError(
            f"cannot {doing} count {cid}{more}: it is in batch {bid} awaiting the "
            "judge; only the judge can send it back"
        )


# A count asked about in a court matter (a petition, an application or a challenge, issue 19)
# that is not withdrawn: a judicial officer rules on it count by count (desktop/dispositions), so
# it never takes a clerk's decision, a bulk approval or a batch with its spot-check sample.
# SQL over review_items r.
IN_MATTER_SQL = (
    "EXISTS (SELECT 1 FROM matter_counts mc JOIN matters m ON m.id = mc.matter_id"
    " WHERE mc.count_id = r.count_id AND m.status != 'withdrawn')"
)


def in_matter(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[int, str]]:
    """count id -> (matter id, matter kind) for counts in a court matter not withdrawn."""
    out: dict[int, tuple[int, str]] = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        for cid, mid, kind in conn.execute(
            f"SELECT mc.count_id, m.id, m.kind FROM matter_counts mc JOIN matters m"
            f" ON m.id = mc.matter_id WHERE mc.count_id IN ({marks})"
            f" AND m.status != 'withdrawn' ORDER BY m.id",
            part,
        ):
            out[cid] = (mid, kind)
    return out


def refuse_if_in_matter(conn: sqlite3.Connection, ids: list[int], doing: str) -> None:
    held = in_matter(conn, ids)
    if held:
        cid = min(held)
        mid, kind = held[cid]
        more = f" (and {len(held) - 1} more)" if len(held) > 1 else ""
        raise RefusedError(
            f"cannot {doing} count {cid}{more}: it is in matter {mid} ({kind}) before the "
            "court, where a judicial officer rules on each count (`reliefdesk matter show "
            f"{mid}`)"
        )


_DECISION_KEYS = (
    "status",
    "decided_relief",
    "decided_target",
    "reason",
    "decided_by",
    "decided_at",
)


def sent_back_state(old: ReviewState, **why: Any) -> ReviewState:
    """The state of a count a judge sent back: pending again, its decision cleared and kept (with
    `why`: who sent it back, the batch, the note) as previous_decision for the clerk to read."""
    previous = {k: getattr(old, k) for k in _DECISION_KEYS}
    previous.update(why)
    return replace(
        old,
        status=ReviewStatus.PENDING,
        decided_relief=None,
        decided_target=None,
        reason=None,
        decided_by=None,
        decided_at=None,
        previous_decision=json.dumps(previous),
    )
