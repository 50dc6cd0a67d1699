"""The clerk's decisions on counts: approve, reject, change, defer, and undo of the last one.

Every function that changes state takes the acting User, checks the role (only clerks decide;
judges act through the spot-check in desktop.review.batches), runs in one transaction, logs one
review_log row per count for history and undo, and writes one audit entry. A refusal raises
RefusedError before anything is written.

Counts held by a batch (submitted or accepted, not sent back) cannot be decided again: the judge
sends them back first."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from desktop import audit
from desktop.errors import RefusedError, UserError
from desktop.review import state as st
from desktop.review.clock import now
from desktop.review.users import User, require_role
from desktop.store.rows import all_as
from desktop.store.tx import transaction
from desktop.vocabulary import Relief, ResentenceTarget, ReviewStatus, Role

RELIEFS: tuple[Relief, ...] = tuple(Relief)
RESENTENCE_TARGETS: tuple[ResentenceTarget, ...] = tuple(ResentenceTarget)
# A change picks a relief a court can order (or denies); 'needs_review' is what defer is for.
CHANGE_RELIEFS = tuple(r for r in RELIEFS if r != Relief.NEEDS_REVIEW)
# The reject reasons offered in the window; a reason not starting with one is filed under 'other'.
REJECT_REASONS = (
    "record inconsistent",
    "not a cannabis conviction",
    "prosecution challenge",
    "needs hearing",
    "other",
)
DECISION_ACTIONS = ("approve", "reject", "change", "defer", "bulk_approve")


@dataclass(frozen=True)
class HistoryEntry:
    step: int
    user: str
    action: str
    at: str
    old: dict[str, Any]
    new: dict[str, Any]
    undone: bool


def normalise_reason(reason: str) -> str:
    """'needs hearing: DA asked' stays; 'duplicate record' becomes 'other: duplicate record'."""
    text = " ".join((reason or "").split())
    if not text:
        raise UserError(
            "a reason is required: start with one of "
            + ", ".join(f"'{r}'" for r in REJECT_REASONS)
            + " and add details"
        )
    low = text.lower()
    for r in REJECT_REASONS:
        if (
            low == r
            or low.startswith(r + ":")
            or low.startswith(r + " -")
            or low.startswith(r + " —")
        ):
            return r + text[len(r) :]
    return f"other: {text}"


def case_count_ids(conn: sqlite3.Connection, case_number: str) -> list[int]:
    """The reviewable counts of court case `case_number`, in count order. UserError when the
    case has none, or when the number belongs to more than one person (give count ids then)."""
    rows = conn.execute(
        "SELECT c.id, c.subject_id FROM counts c JOIN cases cs ON cs.id = c.case_id "
        "JOIN review_items r ON r.count_id = c.id WHERE cs.case_number = ? "
        "ORDER BY c.count_no, c.cnt_order, c.id",
        (case_number,),
    ).fetchall()
    if not rows:
        raise UserError(
            f"case {case_number} has no counts in the review queue; check the number "
            "with `reliefdesk queue list`"
        )
    people = {r[1] for r in rows}
    if len(people) > 1:
        raise UserError(
            f"case number {case_number} appears on {len(people)} people's records; "
            "give the count ids instead"
        )
    return [r[0] for r in rows]


def mark_opened(conn: sqlite3.Connection, user: User, count_id: int) -> None:
    """Record that `user` opened (read) the count: bulk approval and the judge's acceptance
    depend on it. The first opening by a user is audited; re-opening refreshes the time."""
    at = now()
    with transaction(conn):
        st.read_states(conn, [int(count_id)])
        cur = conn.execute(
            "INSERT INTO openings (user, count_id, at) VALUES (?, ?, ?) "
            "ON CONFLICT (user, count_id) DO NOTHING",
            (user.name, count_id, at),
        )
        if cur.rowcount:
            audit.append(conn, user.name, "review.open", [int(count_id)], {})
        else:
            conn.execute(
                "UPDATE openings SET at = ? WHERE user = ? AND count_id = ?",
                (at, user.name, count_id),
            )


def apply(
    conn: sqlite3.Connection,
    user: User,
    ids: list[int],
    action: str,
    status: ReviewStatus,
    *,
    reason: str | None = None,
    relief: str | None = None,
    target: str | None = None,
    audit_payload: dict[str, Any] | None = None,
) -> list[int]:
    """Give `ids` the decision `status` as one step: one review_log row per count, one audit
    entry `review.<action>` listing them. Joins the caller's transaction when there is one."""
    require_role(user, Role.CLERK)
    ids = st.unique_ids(ids)
    if not ids:
        raise UserError("name at least one count id (or --case CASE_NUMBER)")
    at = now()
    with transaction(conn):
        states = st.read_states(conn, ids)
        st.refuse_if_batched(conn, ids, action)
        st.refuse_if_in_matter(conn, ids, action.replace("_", " "))
        proposals = st.read_proposals(conn, ids)
        changes = []
        for cid in ids:
            old = states[cid]
            proposed, proposed_target = proposals[cid]
            if action == "approve" and proposed == Relief.NEEDS_REVIEW:
                raise RefusedError(
                    f"count {cid} needs review: the engine proposed no relief to "
                    "approve; change it to a relief, reject or defer it"
                )
            if action == "change" and (relief, target) == (proposed, proposed_target):
                raise RefusedError(
                    f"count {cid} already proposes {relief}"
                    f"{' → ' + target if target else ''}; approve it instead"
                )
            new = replace(
                old,
                status=status,
                decided_relief=relief,
                decided_target=target,
                reason=reason,
                decided_by=user.name,
                decided_at=at,
                rereview=0,
            )
            changes.append((cid, old, new))
        step = st.log_step(conn, user.name, action, at, changes)
        payload = {"step": step, **(audit_payload or {})}
        if reason is not None:
            payload["reason"] = reason
        audit.append(conn, user.name, f"review.{action}", ids, payload, rows={"review_items": ids})
    return ids


def approve(conn: sqlite3.Connection, user: User, ids: list[int]) -> list[int]:
    """Approve the engine's proposed relief for each count (refused for needs_review counts)."""
    return apply(conn, user, ids, "approve", ReviewStatus.APPROVED)


def reject(conn: sqlite3.Connection, user: User, ids: list[int], reason: str) -> list[int]:
    """Reject the proposal for each count. `reason` starts with one of REJECT_REASONS, optionally
    followed by ': details'; any other text is kept as 'other: text'."""
    require_role(user, Role.CLERK)
    return apply(conn, user, ids, "reject", ReviewStatus.REJECTED, reason=normalise_reason(reason))


def change(
    conn: sqlite3.Connection,
    user: User,
    count_id: int,
    relief: str,
    target: str | None,
    reason: str,
) -> list[int]:
    """Grant another relief than proposed. A reason is required; `target` (dismissed |
    misdemeanor | infraction) is required for resentence and refused otherwise."""
    require_role(user, Role.CLERK)
    if relief not in CHANGE_RELIEFS:
        raise UserError(f"unknown relief {relief!r}: use one of {', '.join(CHANGE_RELIEFS)}")
    if relief == Relief.RESENTENCE:
        if target not in RESENTENCE_TARGETS:
            raise UserError(
                "a change to resentence needs --target: one of " + ", ".join(RESENTENCE_TARGETS)
            )
    elif target:
        raise UserError(f"--target applies only to resentence, not to {relief}")
    text = " ".join((reason or "").split())
    if not text:
        raise UserError("a change needs a reason (--reason TEXT)")
    return apply(
        conn,
        user,
        [count_id],
        "change",
        ReviewStatus.CHANGED,
        reason=text,
        relief=relief,
        target=target,
        audit_payload={"relief": relief, "target": target},
    )


def defer(
    conn: sqlite3.Connection, user: User, ids: list[int], reason: str | None = None
) -> list[int]:
    """Put counts aside for later; an optional note says why."""
    text = " ".join((reason or "").split()) or None
    return apply(conn, user, ids, "defer", ReviewStatus.DEFERRED, reason=text)


def undo(conn: sqlite3.Connection, user: User) -> list[int]:
    """Undo `user`'s last decision step (all the counts it touched) and return their ids.
    Repeated calls step further back. Refused when a count changed since (another decision,
    a re-evaluation, the judge) or is held by a batch."""
    require_role(user, Role.CLERK)
    at = now()
    with transaction(conn):
        row = conn.execute(
            f"SELECT MAX(step) FROM review_log WHERE user = ? AND undone = 0 AND action IN "
            f"({','.join('?' * len(DECISION_ACTIONS))})",
            (user.name, *DECISION_ACTIONS),
        ).fetchone()
        if not row or row[0] is None:
            raise RefusedError(f"{user.name} has no decision left to undo")
        step = row[0]
        logged = conn.execute(
            "SELECT count_id, action, old_state, new_state FROM review_log "
            "WHERE step = ? ORDER BY id",
            (step,),
        ).fetchall()
        ids = [r[0] for r in logged]
        action = logged[0][1]
        st.refuse_if_batched(conn, ids, "undo the decision on")
        current = st.read_states(conn, ids)
        changes = []
        for cid, _, old_json, new_json in logged:
            # A re-evaluation that kept the relief only moves determination_id (evaluation's
            # column): the decision still stands, so it is compared and kept as it is now.
            cur = current[cid]
            if cur.decision() != st.ReviewState.from_json(new_json).decision():
                raise RefusedError(
                    f"cannot undo {action} of count {cid}: it changed since "
                    f"(now {cur.status}); decide it again instead"
                )
            old = st.ReviewState.from_json(old_json)
            changes.append((cid, cur, replace(old, determination_id=cur.determination_id)))
        conn.execute("UPDATE review_log SET undone = 1 WHERE step = ?", (step,))
        st.log_step(conn, user.name, "undo", at, changes)
        audit.append(
            conn,
            user.name,
            "review.undo",
            ids,
            {"undone_step": step, "action": action},
            rows={"review_items": ids},
        )
    return ids


def history(conn: sqlite3.Connection, count_id: int) -> list[HistoryEntry]:
    """Every decision on the count, oldest first (undos included, undone steps marked)."""
    return all_as(
        conn,
        HistoryEntry,
        "SELECT step, user, action, at, old_state AS old, new_state AS new, undone "
        "FROM review_log WHERE count_id = ? ORDER BY id",
        (count_id,),
        old=json.loads,
        new=json.loads,
        undone=bool,
    )
