"""The prosecution's response to a petition or application (CR-402), notices given, and the
challenges to DOJ's bulk list (HS 11361.9(b)-(d)) moved onto the hearing list.

A clerk enters each of these; one transaction and one audit entry each."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from desktop import audit, clock
from desktop.dispositions.common import (
    POSITIONS,
    iso_date,
    matter_count_ids,
    read_matter,
    today,
)
from desktop.dispositions.words import count_text
from desktop.errors import RefusedError, UserError
from desktop.review.users import User, require_role
from desktop.store.tx import transaction

NOTICE_PARTIES = ("prosecution", "public_defender", "court", "person", "counsel")
METHODS = ("mail", "personal", "electronic", "in_court")


def _serving(conn: sqlite3.Connection, count_ids: list[int]) -> set[int]:
    """Counts whose current determination says the person is still serving (HS 11361.8(a))."""
    if not count_ids:
        return set()
    return {
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d"
            " ON d.id = r.determination_id WHERE r.count_id IN"
            f" ({','.join('?' * len(count_ids))})"
            " AND instr(';' || d.flags || ';', ';serving_sentence;') > 0",
            count_ids,
        )
    }


def public_safety_allowed(conn: sqlite3.Connection, kind: str, count_ids: list[int]) -> bool:
    """Public safety is a ground only against a person still serving: a petition (HS
    11361.8(b)), or a bulk-list challenge to someone still serving (11361.9(c)(1)); never an
    application (sentence completed)."""
    if kind == "petition":
        return True
    if kind == "challenge":
        return bool(count_ids) and _serving(conn, count_ids) == set(count_ids)
    return False


def add_response(
    conn: sqlite3.Connection,
    user: User,
    matter_id: int,
    position: str,
    response_date: str,
    *,
    count_id: int | None = None,
    note: str | None = None,
) -> int:
    """A clerk enters the prosecution's response (CR-402) with its date; count_id None = every
    count of the matter. Returns the response id."""
    require_role(user, "clerk")
    if position not in POSITIONS:
        raise UserError(f"unknown position {position!r}: use one of {', '.join(POSITIONS)}")
    when = iso_date(response_date, "the response date")
    assert when is not None
    if when > today():
        raise UserError(f"the response date {when} is in the future")
    with transaction(conn):
        m = read_matter(conn, matter_id)
        if m.status != "open":
            raise RefusedError(
                f"Matter No. {matter_id} is {m.status}; responses go to an open matter"
            )
        ids = matter_count_ids(conn, matter_id)
        if count_id is not None and count_id not in ids:
            raise UserError(
                f"{count_text(conn, count_id)} is not a count of Matter No. {matter_id}"
            )
        if m.filed_on and when < m.filed_on:
            raise UserError(f"the response date {when} is before the filing ({m.filed_on})")
        if position == "opposes_public_safety" and not public_safety_allowed(
            conn, m.kind, [count_id] if count_id is not None else ids
        ):
            raise RefusedError(
                "public safety is a ground only against a petition (the person still serving, "
                f"HS 11361.8(b)); Matter No. {matter_id} is {_a(m.kind)}: oppose it on the criteria"
            )
        rid = int(
            conn.execute(
                "INSERT INTO matter_responses (matter_id, count_id, position, response_date,"
                " note, entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    matter_id,
                    count_id,
                    position,
                    when,
                    (note or "").strip() or None,
                    user.name,
                    clock.utc_stamp(),
                ),
            ).lastrowid
            or 0
        )
        audit.append(
            conn,
            user.name,
            "matter.response",
            [matter_id],
            {"response_id": rid, "position": position, "date": when, "count_id": count_id},
        )
    return rid


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def record_notice(
    conn: sqlite3.Connection,
    user: User,
    matter_id: int,
    from_party: str,
    to_party: str,
    notified_on: str,
    *,
    method: str | None = None,
    hearing_id: int | None = None,
) -> int:
    """A clerk records a notice given: the HS 11361.9(d) chain (prosecution → public defender →
    person), or the court's own notice of a hearing. Returns the notice id."""
    require_role(user, "clerk")
    frm, to = (from_party or "").strip(), (to_party or "").strip()
    if not frm or not to:
        raise UserError("say who gave the notice and to whom (--from PARTY --to PARTY)")
    if frm == to:
        raise UserError("a notice goes from one party to another")
    if method is not None and method not in METHODS:
        raise UserError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    when = iso_date(notified_on, "the notice date")
    assert when is not None
    if when > today():
        raise UserError(f"the notice date {when} is in the future")
    with transaction(conn):
        read_matter(conn, matter_id)
        if (
            hearing_id is not None
            and not conn.execute(
                "SELECT 1 FROM hearings WHERE id = ? AND matter_id = ?", (hearing_id, matter_id)
            ).fetchone()
        ):
            raise UserError(f"Hearing No. {hearing_id} is not a hearing of Matter No. {matter_id}")
        nid = int(
            conn.execute(
                "INSERT INTO matter_notices (matter_id, hearing_id, from_party, to_party,"
                " notified_on, method, entered_by, entered_at) VALUES (?,?,?,?,?,?,?,?)",
                (matter_id, hearing_id, frm, to, when, method, user.name, clock.utc_stamp()),
            ).lastrowid
            or 0
        )
        audit.append(
            conn,
            user.name,
            "matter.notice",
            [matter_id],
            {
                "notice_id": nid,
                # a party named by role is kept; a person's name is not written to the log
                "from": frm if frm in NOTICE_PARTIES else "(named)",
                "to": to if to in NOTICE_PARTIES else "(named)",
                "date": when,
                "method": method,
                "hearing_id": hearing_id,
            },
        )
    return nid


# --- challenges to the bulk list -------------------------------------------------------------
@dataclass(frozen=True)
class ChallengeOpened:
    matter_id: int
    subject_id: int
    count_ids: list[int]
    response_date: str | None


def challenged_counts(
    conn: sqlite3.Connection, county: str
) -> dict[int, list[tuple[int, str | None]]]:
    """subject id -> [(count id, response date)] of the county's counts the prosecution
    challenged (the engine's `prosecution_challenged` flag, read from imported
    prosecution_responses) that are in no matter yet and not held by a batch or an order."""
    out: dict[int, list[tuple[int, str | None]]] = {}
    for cid, sid, when in conn.execute(
        "SELECT r.count_id, c.subject_id, (SELECT MAX(p.response_date) FROM prosecution_responses p"
        "  JOIN cases k ON k.case_number = p.case_number WHERE k.id = c.case_id"
        "  AND p.response = 'challenged' AND (p.count_no IS NULL OR p.count_no = c.count_no))"
        " FROM review_items r JOIN determinations d ON d.id = r.determination_id"
        " JOIN counts c ON c.id = r.count_id"
        " WHERE instr(';' || d.flags || ';', ';prosecution_challenged;') > 0 AND c.county = ?"
        " AND NOT EXISTS (SELECT 1 FROM matter_counts mc JOIN matters m ON m.id = mc.matter_id"
        "  WHERE mc.count_id = r.count_id AND m.status != 'withdrawn')"
        " AND NOT EXISTS (SELECT 1 FROM batch_items bi WHERE bi.count_id = r.count_id"
        "  AND COALESCE(bi.judge_status, '') != 'sent_back')"
        " AND NOT EXISTS (SELECT 1 FROM order_counts oc WHERE oc.count_id = r.count_id)"
        " ORDER BY c.subject_id, r.count_id",
        (county.strip().upper(),),
    ):
        out.setdefault(sid, []).append((cid, when))
    return out


def open_challenges(conn: sqlite3.Connection, user: User, county: str) -> list[ChallengeOpened]:
    """A clerk moves every challenged bulk-list count of the county onto the hearing list: one
    'challenge' matter per person (filer: the prosecution, filed on the response's date), in one
    transaction with one audit entry (`matter.challenges`). Counts already in a matter are left
    alone, so running it again opens only what is new."""
    require_role(user, "clerk")
    opened: list[ChallengeOpened] = []
    with transaction(conn):
        found = challenged_counts(conn, county)
        at = clock.utc_stamp()
        for sid, items in found.items():
            ids = [c for c, _ in items]
            dates = [d for _, d in items if d]
            when = min(dates) if dates else None
            mid = int(
                conn.execute(
                    "INSERT INTO matters (subject_id, kind, filed_on, filer_kind, hearing_requested,"
                    " source, status, note, opened_by, opened_at) VALUES (?, 'challenge', ?,"
                    " 'prosecution', 1, 'records', 'open', ?, ?, ?)",
                    (
                        sid,
                        when,
                        "challenged on the bulk list (HS 11361.9(c)); imported prosecution response",
                        user.name,
                        at,
                    ),
                ).lastrowid
                or 0
            )
            conn.executemany(
                "INSERT INTO matter_counts (matter_id, count_id) VALUES (?, ?)",
                [(mid, c) for c in ids],
            )
            opened.append(ChallengeOpened(mid, sid, ids, when))
        if not opened:
            raise RefusedError(
                f"no challenged count of county {county.strip().upper()} is left outside a "
                "matter (import the prosecution's responses and evaluate first)"
            )
        audit.append(
            conn,
            user.name,
            "matter.challenges",
            [o.matter_id for o in opened],
            {
                "county": county.strip().upper(),
                "matters": len(opened),
                "count_ids": sorted(c for o in opened for c in o.count_ids),
            },
        )
    return opened
