"""Which counts of a batch are granted for orders, and the order data for them read from the database.

A count is granted for orders when its batch was accepted by a judge, it was not sent back, and its
review says approved (relief = the determination's) or changed (relief = the clerk's decided relief)
to a relief an order can grant."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from desktop.errors import RefusedError, UserError
from desktop.law import names
from desktop.law.normalize import court_display
from desktop.orders.model import (
    GRANTABLE,
    CaseEntry,
    CountLine,
    Person,
    ProsecutionNotice,
    ResentenceTerms,
)
from desktop.store.rows import named, one_as
from desktop.vocabulary import Relief, ResentenceTarget, ReviewStatus

# Flags that raise a question about a count; when the court grants relief anyway, the order states
# the finding that resolves it (templates: [count_findings]).
RESOLVED_FLAGS = frozenset(
    {
        "judgment_after_prop64",
        "offense_after_prop64",
        "unknown_quantity",
        "two_priors",
        "disqualifying_prior",
        "registration_only",
        "ineligible_subdivision",
        "record_inconsistent",
        "prosecution_challenged",
        "environmental_violation",
        "sentence_unknown",
        "level_inferred",
        "out_of_scope_section",
        "plea_bargain",
        "related_charge",
    }
)


@dataclass(frozen=True)
class GrantedCount:
    count_id: int
    case_id: int
    subject_id: int
    county: str
    relief: str
    resentence_target: str | None
    flags: frozenset[str]
    changed: bool = False
    reason: str | None = None


def check_batch(conn: sqlite3.Connection, batch_id: int) -> None:
    try:
        row = conn.execute("SELECT status FROM batches WHERE id = ?", (batch_id,)).fetchone()
    except sqlite3.OperationalError as exc:
        raise UserError(
            "this database has no review batches yet (the review tables are missing); "
            "prepare and accept a batch first."
        ) from exc
    if row is None:
        raise UserError(
            f"there is no batch {batch_id}; `reliefdesk orders list` and the review queue "
            "show the batches."
        )
    if row[0] != "accepted":
        raise RefusedError(
            f"batch {batch_id} is {row[0]}, not accepted: a judge must accept the batch "
            "before orders are made for it. Nothing was changed."
        )


def granted_counts(conn: sqlite3.Connection, batch_id: int) -> list[GrantedCount]:
    check_batch(conn, batch_id)
    rows = named(
        conn.execute(
            """
        SELECT c.id AS count_id, c.case_id, c.subject_id,
               COALESCE(k.county, c.county, '') AS county, r.status,
               d.relief AS proposed, d.resentence_target AS proposed_target,
               r.decided_relief, r.decided_target, d.flags,
               bi.relief AS batch_relief, bi.resentence_target AS batch_target, r.reason
        FROM batch_items bi
        JOIN batches b ON b.id = bi.batch_id
        JOIN review_items r ON r.count_id = bi.count_id
        JOIN determinations d ON d.id = r.determination_id
        JOIN counts c ON c.id = bi.count_id
        JOIN cases k ON k.id = c.case_id
        WHERE bi.batch_id = ? AND b.status = 'accepted'
          AND (bi.judge_status IS NULL OR bi.judge_status <> 'sent_back')
          AND r.status IN ('approved', 'changed')
        ORDER BY c.case_id, c.count_no, c.cnt_order
        """,
            (batch_id,),
        )
    )
    out = []
    for r in rows:
        if r["status"] == ReviewStatus.APPROVED:
            relief, target = r["proposed"], r["proposed_target"]
        else:
            relief, target = r["decided_relief"], r["decided_target"]
        if r["batch_relief"]:
            # The relief as submitted in the batch is what the judge accepted; a later
            # re-evaluation of the count does not change an accepted batch.
            relief, target = r["batch_relief"], r["batch_target"]
        if relief not in GRANTABLE:
            continue
        if relief == Relief.RESENTENCE and not target:
            target = ResentenceTarget.MISDEMEANOR
        changed = r["status"] == ReviewStatus.CHANGED or relief != r["proposed"]
        out.append(
            GrantedCount(
                r["count_id"],
                r["case_id"],
                r["subject_id"],
                r["county"],
                relief,
                target if relief == Relief.RESENTENCE else None,
                frozenset(f for f in (r["flags"] or "").split(";") if f),
                changed=bool(changed),
                reason=" ".join((r["reason"] or "").split()) or None,
            )
        )
    return out


def granted_from(
    grants: list[GrantedCount], accepted: dict[int, tuple[str, str | None]]
) -> list[GrantedCount]:
    """The grants as the judge's sealed acceptance states them (count id -> relief, target): only
    counts it holds, with its relief. The caller has checked the tables agree with it."""
    out = []
    for g in grants:
        if g.count_id not in accepted:
            continue
        relief, target = accepted[g.count_id]
        if relief not in GRANTABLE:
            continue
        if relief == Relief.RESENTENCE and not target:
            target = "misdemeanor"
        out.append(
            dataclasses.replace(
                g, relief=relief, resentence_target=target if relief == Relief.RESENTENCE else None
            )
        )
    return out


def _prosecution(conn: sqlite3.Connection, case_number: str | None) -> ProsecutionNotice:
    """The case's response under HS 11361.9(b)-(c): a 'not challenged' notice wins (it is what the
    court's duty turns on); a challenge that survived review was not proven."""
    if not case_number:
        return ProsecutionNotice()
    rows = conn.execute(
        "SELECT response, response_date FROM prosecution_responses "
        "WHERE case_number = ? ORDER BY response_date, id",
        (case_number,),
    ).fetchall()
    not_ch = [r for r in rows if r[0] == "not_challenged"]
    if not_ch:
        return ProsecutionNotice("not_challenged", not_ch[0][1])
    if any(r[0] == "challenged" for r in rows):
        return ProsecutionNotice("challenged", None)
    return ProsecutionNotice()


def _court_name(
    conn: sqlite3.Connection,
    case_number: str | None,
    county: str | None,
    own: tuple[str, str, str] | None,
) -> tuple[str, str] | None:
    """(name, akas JSON) on the court's own case when court records are imported: the case's own
    person if it came from a court extract, else the court-extract case with the same number."""
    if own is not None and own[2] == "court-csv":
        return own[0], own[1]
    if not case_number:
        return None
    row = conn.execute(
        "SELECT s.name, s.akas FROM cases k JOIN subjects s ON s.id = k.subject_id "
        "JOIN imports i ON i.id = s.import_id WHERE k.case_number = ? AND i.format = 'court-csv' "
        "AND (? IS NULL OR k.county IS NULL OR UPPER(k.county) = UPPER(?)) ORDER BY k.id LIMIT 1",
        (case_number, county, county),
    ).fetchone()
    return (row[0], row[1]) if row and row[0] else None


def printed_person(conn: sqlite3.Connection, case_id: int, style: str = "upper") -> Person:
    """The person of a case as orders name them: the court's own case name when court records are
    imported, else the record's name, in natural order (`CALDERON,AMARA P` -> `AMARA P CALDERON`)."""
    row = conn.execute(
        "SELECT k.case_number, k.county, s.name, s.akas, s.dob, s.cii, i.format FROM cases k "
        "JOIN subjects s ON s.id = k.subject_id LEFT JOIN imports i ON i.id = s.import_id "
        "WHERE k.id = ?",
        (case_id,),
    ).fetchone()
    case_number, county, name, akas_json, dob, cii, fmt = row
    court = _court_name(conn, case_number, county, (name, akas_json, fmt or ""))
    raw_name, raw_akas = court if court else (name, akas_json)
    try:
        raw = [a for a in json.loads(raw_akas or "[]") if isinstance(a, str) and a.strip()]
    except json.JSONDecodeError:
        raw = []
    if court and name:
        raw.append(name)  # the record's spelling is another name the person is known by
    printed = names.natural(raw_name, style) if raw_name else "(name not on record)"
    akas: list[str] = []
    for a in raw:
        shown = names.natural(a, style)
        if shown and shown.casefold() != printed.casefold() and shown not in akas:
            akas.append(shown)
    return Person(
        name=printed,
        akas=tuple(akas),
        dob=dob,
        cii=cii,
        sort_name=names.surname_first(raw_name, style) if raw_name else printed,
    )


def resentence_terms(
    conn: sqlite3.Connection, batch_id: int, case_id: int
) -> ResentenceTerms | None:
    try:
        return one_as(
            conn,
            ResentenceTerms,
            "SELECT credit_days, disposition, supervision_kind, supervision_months, hearing_date,"
            " hearing_department FROM resentence_terms WHERE batch_id = ? AND case_id = ?",
            (batch_id, case_id),
            supervision_kind=lambda v: v or "",
            hearing_department=lambda v: v or "",
        )
    except sqlite3.OperationalError:
        return None


def case_entries(
    conn: sqlite3.Connection,
    grants: list[GrantedCount],
    *,
    style: str = "upper",
    batch_id: int | None = None,
) -> dict[int, CaseEntry]:
    """One CaseEntry per case, holding only the granted counts given (in count order)."""
    by_case: dict[int, list[GrantedCount]] = defaultdict(list)
    for g in grants:
        by_case[g.case_id].append(g)
    entries: dict[int, CaseEntry] = {}
    for case_id, items in by_case.items():
        case_number, court = conn.execute(
            "SELECT case_number, court FROM cases WHERE id = ?", (case_id,)
        ).fetchone()
        lines = []
        for g in items:
            c = conn.execute(
                "SELECT count_no, code, section, level, conviction_date, cnt_order "
                "FROM counts WHERE id = ?",
                (g.count_id,),
            ).fetchone()
            count_no, code, section, level, conv_date, cnt_order = c
            lines.append(
                CountLine(
                    count_no=count_no,
                    code=code or "HS",
                    section=section or "",
                    level=level,
                    conviction_date=conv_date,
                    relief=g.relief,
                    resentence_target=g.resentence_target,
                    count_id=g.count_id,
                    changed=g.changed,
                    reason=g.reason,
                    flags=tuple(sorted(g.flags & RESOLVED_FLAGS)),
                )
            )
        serving = any(g.relief == Relief.RESENTENCE for g in items)
        entries[case_id] = CaseEntry(
            person=printed_person(conn, case_id, style),
            case_number=case_number,
            counts=tuple(lines),
            court=court_display(court) or None,
            prosecution=_prosecution(conn, case_number),
            juvenile=any("juvenile" in g.flags for g in items),
            case_id=case_id,
            terms=resentence_terms(conn, batch_id, case_id) if serving and batch_id else None,
        )
    return entries
