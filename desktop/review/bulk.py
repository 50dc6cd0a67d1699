"""Bulk approval by rule path: after opening (reading) at least `bulk_min_opened` counts of one
rule path, a clerk approves all its pending, bulk-eligible counts in one step and one audit entry.

Never in a bulk approval: counts with a hard-stop flag, counts whose relief is resentence,
not_eligible or needs_review, counts awaiting re-review after a re-evaluation, and counts the
judge sent back (each of these needs its own look), and counts in a court matter (a petition,
application or challenge: a judicial officer rules on each, desktop/dispositions)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from desktop.errors import RefusedError
from desktop.review import decisions
from desktop.review.settings import get_setting
from desktop.review.state import IN_MATTER_SQL
from desktop.review.users import User, require_role
from desktop.rules.model import HARD_STOPS
from desktop.store.tx import transaction
from desktop.vocabulary import Flag, Relief, ReviewStatus, Role, sql_in

# Never bulk-approved: the engine's hard stops, and flags that ask a person to read the record
# (an unknown sentence or quantity, a section read with a corrected code, a partial date).
HARD_STOP_FLAGS = tuple(
    sorted(
        HARD_STOPS
        | {Flag.CODE_CORRECTED, Flag.DATE_PARTIAL, Flag.SENTENCE_UNKNOWN, Flag.UNKNOWN_QUANTITY}
    )
)
BULK_RELIEFS = (
    Relief.DISMISS_AND_SEAL,
    Relief.REDESIGNATE_MISDEMEANOR,
    Relief.REDESIGNATE_INFRACTION,
)

# SQL over review_items r JOIN determinations d: the count may be bulk-approved now.
_NO_HARD_STOP = " AND ".join(f"instr(';' || d.flags || ';', ';{f};') = 0" for f in HARD_STOP_FLAGS)
BULK_ELIGIBLE_SQL = (
    "r.status = 'pending' AND r.rereview = 0"
    f" AND d.relief IN {sql_in(BULK_RELIEFS)}"
    f" AND {_NO_HARD_STOP}"
    " AND NOT EXISTS (SELECT 1 FROM batch_items bi WHERE bi.count_id = r.count_id"
    " AND bi.judge_status = 'sent_back')"
    f" AND NOT {IN_MATTER_SQL}"
)


@dataclass(frozen=True)
class RulePath:
    rule_path: str
    count: int  # pending counts of this path that a bulk approval would take


def is_hard_stop(flags: str | list[str] | None) -> bool:
    items = flags.split(";") if isinstance(flags, str) else (flags or [])
    return any(f in HARD_STOP_FLAGS for f in items)


def rule_paths(conn: sqlite3.Connection) -> list[RulePath]:
    """Rule paths holding pending bulk-eligible counts, with how many, largest first."""
    return [
        RulePath(p, n)
        for p, n in conn.execute(
            "SELECT d.rule_path, COUNT(*) FROM review_items r "
            "JOIN determinations d ON d.id = r.determination_id "
            f"WHERE {BULK_ELIGIBLE_SQL} GROUP BY d.rule_path ORDER BY COUNT(*) DESC, d.rule_path"
        )
    ]


def eligible_ids(conn: sqlite3.Connection, rule_path: str) -> list[int]:
    """The counts a bulk approval of `rule_path` would approve now."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id "
            f"WHERE d.rule_path = ? AND {BULK_ELIGIBLE_SQL} ORDER BY r.count_id",
            (rule_path,),
        )
    ]


def opened_ids(conn: sqlite3.Connection, user: User, rule_path: str) -> list[int]:
    """Counts of `rule_path` (as currently determined) that `user` has opened."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT o.count_id FROM openings o JOIN review_items r ON r.count_id = o.count_id "
            "JOIN determinations d ON d.id = r.determination_id "
            "WHERE o.user = ? AND d.rule_path = ? ORDER BY o.count_id",
            (user.name, rule_path),
        )
    ]


def opened_count(conn: sqlite3.Connection, user: User, rule_path: str) -> int:
    return len(opened_ids(conn, user, rule_path))


def bulk_approve(conn: sqlite3.Connection, user: User, rule_path: str) -> list[int]:
    """Approve every pending bulk-eligible count of `rule_path`; returns their ids. Refused for
    non-clerks, and until the clerk has opened `bulk_min_opened` counts of the path."""
    require_role(user, Role.CLERK)
    with transaction(conn):
        need = int(get_setting(conn, "bulk_min_opened"))
        opened = opened_ids(conn, user, rule_path)
        if len(opened) < need:
            raise RefusedError(
                f"open at least {need} counts of rule path '{rule_path}' before approving it in "
                f"bulk ({user.name} has opened {len(opened)}; use `reliefdesk review show "
                "COUNT_ID`)"
            )
        ids = eligible_ids(conn, rule_path)
        if not ids:
            raise RefusedError(
                f"rule path '{rule_path}' has no pending counts that may be approved in bulk"
            )
        decisions.apply(
            conn,
            user,
            ids,
            "bulk_approve",
            ReviewStatus.APPROVED,
            audit_payload={"rule_path": rule_path, "opened": opened, "count": len(ids)},
        )
    return ids
