"""Hearings and rulings.

A clerk schedules a matter's hearing (date, time, department), continues it to another date (the
hearing is marked 'continued' and a new one scheduled) or vacates it; the list is read per day.
Only a judge enters an outcome, count by count, at a hearing or on the papers (no hearing, when
none is requested or needed): granted as proposed, granted with a different relief, denied with
the finding (criteria not met by clear and convincing evidence; for a petition, an unreasonable
risk of danger to public safety in the meaning of PC 1170.18(c)), or continued to a date. A
resentencing records the credit for time served and any supervision (at most one year, and never
longer than what is left of the term: HS 11361.8(c)). Rulings are stored in `rulings`; a later
ruling on a count supersedes the earlier one. Once every count of a matter is ruled the matter is
'ruled'; orders are made from the rulings by the orders package."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop import audit, clock
from desktop.dispositions.common import (
    FINDING_WORDS,
    FINDINGS,
    GRANT_RELIEFS,
    RESENTENCE_TARGETS,
    MatterRow,
    hhmm,
    iso_date,
    matter_count_ids,
    read_matter,
    response_due,
    today,
)
from desktop.dispositions.matters import needs_hearing
from desktop.dispositions.responses import public_safety_allowed
from desktop.dispositions.words import KIND_WORDS, count_text
from desktop.errors import RefusedError, UserError
from desktop.review.access import may_see_sealed, require_reader, sealed_ids
from desktop.review.users import User, require_role
from desktop.review.words import relief_words
from desktop.store.tx import transaction

OUTCOME_CHOICES = ("granted", "granted_other_relief", "denied", "continued")
SCHEDULERS = ("clerk", "judge")


@dataclass(frozen=True)
class HearingRow:
    id: int
    matter_id: int
    hearing_date: str
    hearing_time: str | None
    department: str | None
    status: str
    continued_to: int | None
    kind: str
    subject_id: int
    name: str | None
    court_case_number: str | None
    count_ids: list[int]
    ruled: list[int]  # counts of the matter with a ruling in force
    person: str = ""  # the name as people are named
    counts: list[str] = field(default_factory=list)  # 'count 2 of case X', as count_ids
    rulings: dict[int, str] = field(default_factory=dict)  # count id -> the ruling in words
    continued_date: str | None = None  # the date a continued hearing was continued to

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _hearing(conn: sqlite3.Connection, hearing_id: int) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM hearings WHERE id = ?", (hearing_id,))
    row = cur.fetchone()
    if row is None:
        raise UserError(f"there is no Hearing No. {hearing_id}; see the hearing list")
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def hearing_matter(conn: sqlite3.Connection, hearing_id: int) -> int:
    """The matter a hearing is for (UserError for an unknown hearing)."""
    return int(_hearing(conn, hearing_id)["matter_id"])


def schedule_hearing(
    conn: sqlite3.Connection,
    user: User,
    matter_id: int,
    hearing_date: str,
    hearing_time: str | None = None,
    department: str | None = None,
) -> int:
    """A clerk sets the matter's hearing; returns its id. One scheduled hearing per matter at a
    time (continue or vacate it to set another)."""
    require_role(user, *SCHEDULERS)
    when = iso_date(hearing_date, "the hearing date")
    at = hhmm(hearing_time)
    with transaction(conn):
        m = read_matter(conn, matter_id)
        if m.status != "open":
            raise RefusedError(
                f"Matter No. {matter_id} is {m.status}; only an open matter is heard"
            )
        busy = conn.execute(
            "SELECT id, hearing_date FROM hearings WHERE matter_id = ? AND status = 'scheduled'",
            (matter_id,),
        ).fetchone()
        if busy:
            raise RefusedError(
                f"Matter No. {matter_id} already has Hearing No. {busy[0]} on {busy[1]}; continue it "
                "or vacate it first"
            )
        hid = _insert_hearing(conn, user, matter_id, when, at, department)
        audit.append(
            conn,
            user.name,
            "hearing.schedule",
            [hid],
            {"matter_id": matter_id, "date": when, "time": at, "department": department},
        )
    return hid


def _insert_hearing(
    conn: sqlite3.Connection,
    user: User,
    matter_id: int,
    when: str | None,
    at: str | None,
    department: str | None,
) -> int:
    if when is not None and when < today():
        raise UserError(f"the hearing date {when} has passed; set a date from today on")
    return int(
        conn.execute(
            "INSERT INTO hearings (matter_id, hearing_date, hearing_time, department, status,"
            " scheduled_by, scheduled_at) VALUES (?, ?, ?, ?, 'scheduled', ?, ?)",
            (
                matter_id,
                when,
                at,
                (department or "").strip() or None,
                user.name,
                clock.utc_stamp(),
            ),
        ).lastrowid
        or 0
    )


def continue_hearing(
    conn: sqlite3.Connection,
    user: User,
    hearing_id: int,
    to_date: str,
    hearing_time: str | None = None,
    department: str | None = None,
    *,
    audit_it: bool = True,
) -> int:
    """Continue a scheduled hearing to another date: it is marked 'continued' and a new hearing
    (same time and department unless given) is scheduled; returns the new hearing's id."""
    require_role(user, *SCHEDULERS)
    when = iso_date(to_date, "the date continued to")
    at = hhmm(hearing_time)
    with transaction(conn):
        h = _hearing(conn, hearing_id)
        if h["status"] != "scheduled":
            raise RefusedError(
                f"Hearing No. {hearing_id} is {h['status']}; only a scheduled one is continued"
            )
        assert when is not None
        if when <= h["hearing_date"]:
            raise UserError(
                f"continue to a date after the hearing ({h['hearing_date']}), not {when}"
            )
        new = _insert_hearing(
            conn,
            user,
            h["matter_id"],
            when,
            at or h["hearing_time"],
            department if department is not None else h["department"],
        )
        conn.execute(
            "UPDATE hearings SET status = 'continued', continued_to = ? WHERE id = ?",
            (new, hearing_id),
        )
        if audit_it:
            audit.append(
                conn,
                user.name,
                "hearing.continue",
                [hearing_id, new],
                {"matter_id": h["matter_id"], "from": h["hearing_date"], "to": when},
            )
    return new


def vacate_hearing(conn: sqlite3.Connection, user: User, hearing_id: int, reason: str) -> None:
    """Take a scheduled hearing off calendar (the matter stays open)."""
    require_role(user, *SCHEDULERS)
    text = " ".join((reason or "").split())
    if not text:
        raise UserError("say why the hearing is vacated (--reason TEXT)")
    with transaction(conn):
        h = _hearing(conn, hearing_id)
        if h["status"] != "scheduled":
            raise RefusedError(
                f"Hearing No. {hearing_id} is {h['status']}; only a scheduled one is vacated"
            )
        conn.execute("UPDATE hearings SET status = 'vacated' WHERE id = ?", (hearing_id,))
        audit.append(
            conn,
            user.name,
            "hearing.vacate",
            [hearing_id],
            {"matter_id": h["matter_id"], "date": h["hearing_date"], "reason": text},
        )


def in_force(conn: sqlite3.Connection, count_ids: list[int]) -> dict[int, dict[str, Any]]:
    """count id -> its ruling in force (the latest, not superseded)."""
    if not count_ids:
        return {}
    cur = conn.execute(
        "SELECT * FROM rulings WHERE superseded_by IS NULL AND count_id IN"
        f" ({','.join('?' * len(count_ids))}) ORDER BY id",
        count_ids,
    )
    cols = [d[0] for d in cur.description]
    return {r[1]: dict(zip(cols, r, strict=True)) for r in cur}


def list_hearings(
    conn: sqlite3.Connection,
    user: User | None,
    *,
    on: str | None = None,
    status: str | None = "scheduled",
    matter_id: int | None = None,
) -> list[HearingRow]:
    """The hearing list: hearings on a day (`on`, default any), by time and department. A hearing
    whose counts are all sealed is left out for a role that may not see sealed records."""
    user = require_reader(conn, user)
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if on:
        where.append("h.hearing_date = ?")
        params.append(iso_date(on, "the day"))
    if status:
        where.append("h.status = ?")
        params.append(status)
    if matter_id is not None:
        where.append("h.matter_id = ?")
        params.append(matter_id)
    rows = conn.execute(
        "SELECT h.id, h.matter_id, h.hearing_date, h.hearing_time, h.department, h.status,"
        " h.continued_to, m.kind, m.subject_id, s.name, m.court_case_number"
        " FROM hearings h JOIN matters m ON m.id = h.matter_id JOIN subjects s ON s.id = m.subject_id"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY h.hearing_date, COALESCE(h.hearing_time, '99:99'), h.department, h.id",
        params,
    ).fetchall()
    from desktop.dispositions.words import count_details, person_names, ruling_words

    sealed = set() if may_see_sealed(user) else sealed_ids(conn)
    names = person_names(conn, {r[8] for r in rows})
    out = []
    for r in rows:
        ids = matter_count_ids(conn, r[1])
        if sealed and ids and set(ids) <= sealed:
            continue
        force = in_force(conn, ids)
        ruled = sorted(force)
        labels = count_details(conn, ids)
        cont = (
            conn.execute("SELECT hearing_date FROM hearings WHERE id = ?", (r[6],)).fetchone()
            if r[6]
            else None
        )
        out.append(
            HearingRow(
                id=r[0],
                matter_id=r[1],
                hearing_date=r[2],
                hearing_time=r[3],
                department=r[4],
                status=r[5],
                continued_to=r[6],
                kind=r[7],
                subject_id=r[8],
                name=r[9],
                court_case_number=r[10],
                count_ids=ids,
                ruled=ruled,
                person=names.get(r[8], ""),
                counts=[labels[c]["label"] if c in labels else "" for c in ids],
                rulings={c: ruling_words(v) for c, v in force.items()},
                continued_date=cont[0] if cont else None,
            )
        )
    return out


# --- outcomes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """The judge's outcome for one count."""

    count_id: int
    outcome: str  # granted | granted_other_relief | denied | continued
    relief: str | None = None  # granted_other_relief: the relief granted
    resentence_target: str | None = None
    finding: str | None = None  # denied: criteria_not_met | public_safety
    finding_text: str | None = None
    credit_days: int | None = None  # resentence: credit for time served
    supervision_kind: str | None = None  # resentence: e.g. 'misdemeanor probation'
    supervision_months: int | None = None  # resentence: at most 12 and the rest of the term


def _proposals(
    conn: sqlite3.Connection, ids: list[int]
) -> dict[int, tuple[str, str | None, str | None]]:
    """count id -> (relief, resentence target, sentence end) the engine proposed."""
    if not ids:
        return {}
    return {
        r[0]: (r[1], r[2], r[3])
        for r in conn.execute(
            "SELECT c.id, d.relief, d.resentence_target, c.sentence_end FROM counts c"
            " LEFT JOIN review_items r ON r.count_id = c.id"
            " LEFT JOIN determinations d ON d.id = r.determination_id"
            f" WHERE c.id IN ({','.join('?' * len(ids))})",
            ids,
        )
    }


def _months_left(end: str | None, on: str) -> int | None:
    if not end:
        return None
    e, d = date.fromisoformat(end), date.fromisoformat(on)
    if e <= d:
        return 0
    months = (e.year - d.year) * 12 + (e.month - d.month) - (1 if e.day < d.day else 0)
    return max(months, 0) + (1 if e.day != d.day else 0)  # a part month counts as one


def _ruling_row(
    conn: sqlite3.Connection, m: MatterRow, o: Outcome, proposal: tuple, on_papers: bool
) -> dict[str, Any]:
    cid = o.count_id
    where = count_text(conn, cid)
    relief = target = finding = finding_text = None
    credit = sup_kind = sup_months = None
    proposed, proposed_target, sentence_end = proposal
    if o.outcome == "granted":
        if proposed not in GRANT_RELIEFS:
            raise RefusedError(
                f"{where}: the engine proposed {relief_words(proposed) if proposed else 'nothing'},"
                " no relief to grant as proposed; grant it with a different relief or deny it"
            )
        relief, target = proposed, proposed_target
        if o.relief and (o.relief, o.resentence_target) != (relief, target):
            raise UserError(
                f"{where}: 'granted as proposed' grants the proposal ({relief_words(relief)}); "
                "enter it as granted with a different relief"
            )
    elif o.outcome == "granted_other_relief":
        if o.relief not in GRANT_RELIEFS:
            raise UserError(
                f"{where}: name the relief granted (dismissed and sealed, redesignated, or "
                "resentenced)"
            )
        relief, target = o.relief, o.resentence_target
        if (relief, target) == (proposed, proposed_target):
            raise UserError(
                f"{where}: that is the relief proposed; enter it as granted as proposed"
            )
    elif o.outcome == "denied":
        if o.finding not in FINDINGS:
            raise UserError(
                f"{where}: a denial states its finding (criteria not met, or an unreasonable "
                "risk to public safety)"
            )
        if o.finding == "public_safety" and not public_safety_allowed(conn, m.kind, [cid]):
            raise RefusedError(
                f"{where}: an unreasonable risk to public safety is a finding only on a petition "
                f"(a person still serving, HS 11361.8(b)); Matter No. {m.id} is "
                f"{KIND_WORDS.get(m.kind, m.kind)}"
            )
        finding = o.finding
        finding_text = " ".join((o.finding_text or "").split()) or FINDING_WORDS[o.finding]
    else:
        raise UserError(f"{where}: unknown outcome {o.outcome!r}")
    if relief is not None:
        if relief == "resentence":
            if target not in RESENTENCE_TARGETS:
                raise UserError(
                    f"{where}: a resentencing names its result (as a misdemeanor, as an "
                    "infraction, or the sentence dismissed)"
                )
            if m.kind == "application":
                raise RefusedError(
                    f"{where}: an application (sentence completed) is redesignated or dismissed "
                    "and sealed, not resentenced (HS 11361.8(f))"
                )
            if on_papers:
                raise RefusedError(
                    f"{where}: a resentencing is decided at a hearing (HS 11361.8(b), (l)); "
                    "schedule one"
                )
            if o.credit_days is None or o.credit_days < 0:
                raise UserError(
                    f"{where}: a resentencing records the credit for time served, in days"
                )
            credit = int(o.credit_days)
            if o.supervision_months:
                if not o.supervision_kind or not o.supervision_kind.strip():
                    raise UserError(f"{where}: name the supervision, e.g. misdemeanor probation")
                if not 0 < o.supervision_months <= 12:
                    raise RefusedError(
                        f"{where}: supervision is at most one year (HS 11361.8(c)), not "
                        f"{o.supervision_months} months"
                    )
                left = _months_left(sentence_end, today())
                if left is not None and o.supervision_months > left:
                    raise RefusedError(
                        f"{where}: supervision of {o.supervision_months} months is longer than "
                        f"the {left} month(s) left of the term (ends {sentence_end}); HS "
                        "11361.8(c) allows the shorter of one year and the rest of the term"
                    )
                sup_kind, sup_months = o.supervision_kind.strip(), int(o.supervision_months)
            elif o.supervision_kind:
                raise UserError(f"{where}: give the supervision's length in months")
        else:
            if target:
                raise UserError(
                    f"{where}: a result (misdemeanor, ...) applies only to a resentencing"
                )
            if m.kind == "petition":
                raise RefusedError(
                    f"{where}: a petition (still serving) is resentenced or its sentence "
                    "dismissed (HS 11361.8(b)): grant a resentencing and name its result"
                )
            if o.credit_days is not None or o.supervision_months or o.supervision_kind:
                raise UserError(f"{where}: credit and supervision belong to a resentencing only")
    return {
        "outcome": o.outcome,
        "relief": relief,
        "resentence_target": target,
        "finding": finding,
        "finding_text": finding_text,
        "credit_days": credit,
        "supervision_kind": sup_kind,
        "supervision_months": sup_months,
    }


def _store_rulings(
    conn: sqlite3.Connection,
    judge: User,
    m: MatterRow,
    hearing_id: int | None,
    outcomes: list[Outcome],
    on_papers: bool,
) -> list[int]:
    ids = matter_count_ids(conn, m.id)
    for o in outcomes:
        if o.count_id not in ids:
            raise UserError(f"{count_text(conn, o.count_id)} is not a count of Matter No. {m.id}")
    if len({o.count_id for o in outcomes}) != len(outcomes):
        raise UserError("each count gets one outcome")
    proposals = _proposals(conn, [o.count_id for o in outcomes])
    current = in_force(conn, [o.count_id for o in outcomes])
    rows = [
        (o, _ruling_row(conn, m, o, proposals.get(o.count_id, (None, None, None)), on_papers))
        for o in outcomes
    ]
    locked = [
        c
        for c, r in current.items()
        if r["order_id"] is not None
        and conn.execute(
            "SELECT 1 FROM orders WHERE id = ? AND (signed_at IS NOT NULL OR status IN"
            " ('signed', 'printed'))",
            (r["order_id"],),
        ).fetchone()
    ]
    if locked:
        raise RefusedError(
            f"{count_text(conn, min(locked))} is covered by a signed order; a new ruling on it needs that "
            "order set aside first"
        )
    sealed = sealed_ids(conn, [o.count_id for o in outcomes])
    if sealed:
        raise RefusedError(f"{count_text(conn, min(sealed))} is sealed: its order is signed")
    at = clock.utc_stamp()
    new_ids = []
    for o, r in rows:
        rid = int(
            conn.execute(
                "INSERT INTO rulings (count_id, matter_id, hearing_id, outcome, relief,"
                " resentence_target, finding, finding_text, credit_days, supervision_kind,"
                " supervision_months, ruled_by, ruled_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    o.count_id,
                    m.id,
                    hearing_id,
                    r["outcome"],
                    r["relief"],
                    r["resentence_target"],
                    r["finding"],
                    r["finding_text"],
                    r["credit_days"],
                    r["supervision_kind"],
                    r["supervision_months"],
                    judge.name,
                    at,
                ),
            ).lastrowid
            or 0
        )
        old = current.get(o.count_id)
        if old is not None:
            conn.execute("UPDATE rulings SET superseded_by = ? WHERE id = ?", (rid, old["id"]))
        new_ids.append(rid)
    if set(in_force(conn, ids)) == set(ids):
        conn.execute(
            "UPDATE matters SET status = 'ruled' WHERE id = ? AND status = 'open'", (m.id,)
        )
    return new_ids


def _split(outcomes: list[Outcome]) -> tuple[list[Outcome], list[int]]:
    ruled = [o for o in outcomes if o.outcome != "continued"]
    continued = [o.count_id for o in outcomes if o.outcome == "continued"]
    return ruled, continued


def _audit_payload(rulings: list[int], outcomes: list[Outcome]) -> dict[str, Any]:
    return {
        "ruling_ids": rulings,
        "outcomes": {
            str(o.count_id): o.outcome
            + (f":{o.relief}" if o.relief else "")
            + (f":{o.finding}" if o.finding else "")
            for o in outcomes
        },
    }


def enter_outcome(
    conn: sqlite3.Connection,
    judge: User,
    hearing_id: int,
    outcomes: list[Outcome],
    *,
    continue_to: str | None = None,
    continue_time: str | None = None,
) -> dict[str, Any]:
    """A judge enters the outcome of a hearing for some or all of its matter's counts. Counts
    'continued' need `continue_to`: the hearing is marked continued and a new one scheduled for
    them; once every count of the matter is ruled the hearing is marked held (until then it stays
    on calendar for the rest). One transaction, one audit entry (`hearing.outcome`). Returns the ruling ids, the
    new hearing's id (when continued) and the matter's status."""
    require_role(judge, "judge")
    if not outcomes:
        raise UserError("enter an outcome for at least one count (--count ID --outcome ...)")
    ruled, continued = _split(outcomes)
    if continued and not continue_to:
        raise UserError("counts continued need the date they are continued to (--continue-to DATE)")
    if continue_to and not continued:
        raise UserError("--continue-to applies to counts whose outcome is 'continued'")
    with transaction(conn):
        h = _hearing(conn, hearing_id)
        if h["status"] not in ("scheduled", "held"):
            raise RefusedError(
                f"Hearing No. {hearing_id} was {h['status']}; enter the outcome at the hearing it "
                f"was {'continued to (' + str(h['continued_to']) + ')' if h['continued_to'] else 'set for'}"
            )
        if h["hearing_date"] > today():
            raise RefusedError(
                f"Hearing No. {hearing_id} is set for {h['hearing_date']}; its outcome is entered "
                "on or after that day"
            )
        m = read_matter(conn, h["matter_id"])
        if m.status not in ("open", "ruled"):
            raise RefusedError(f"Matter No. {m.id} is {m.status}")
        for cid in continued:
            if cid not in matter_count_ids(conn, m.id):
                raise UserError(f"{count_text(conn, cid)} is not a count of Matter No. {m.id}")
        ids = _store_rulings(conn, judge, read_matter(conn, m.id), hearing_id, ruled, False)
        new_hearing = None
        if continued:
            if h["status"] != "scheduled":
                raise RefusedError(f"Hearing No. {hearing_id} was held; schedule a new one instead")
            new_hearing = continue_hearing(
                conn, judge, hearing_id, continue_to or "", continue_time, audit_it=False
            )
        elif read_matter(conn, m.id).status == "ruled":
            # Every count is ruled: the hearing was held. Until then it stays on calendar, so
            # the judge can rule on or continue the rest of its counts.
            conn.execute(
                "UPDATE hearings SET status = 'held' WHERE id = ? AND status = 'scheduled'",
                (hearing_id,),
            )
        status = read_matter(conn, m.id).status
        payload = _audit_payload(ids, outcomes)
        payload.update(matter_id=m.id, matter_status=status)
        if new_hearing:
            payload.update(continued_to=new_hearing, continue_date=continue_to)
        audit.append(conn, judge.name, "hearing.outcome", [hearing_id], payload)
    return {"ruling_ids": ids, "continued_to": new_hearing, "matter_status": status}


def rule_on_papers(
    conn: sqlite3.Connection, judge: User, matter_id: int, outcomes: list[Outcome]
) -> dict[str, Any]:
    """A judge rules on the papers (no hearing): only when no hearing is requested or needed (an
    application whose filer asked for none and no response asked for one, an unopposed petition;
    never a challenge), and never to resentence. One transaction, one audit entry
    (`matter.rule`)."""
    require_role(judge, "judge")
    if not outcomes:
        raise UserError("enter an outcome for at least one count (--count ID --outcome ...)")
    if any(o.outcome == "continued" for o in outcomes):
        raise UserError("on the papers nothing is continued; schedule a hearing instead")
    with transaction(conn):
        m = read_matter(conn, matter_id)
        if m.status not in ("open", "ruled"):
            raise RefusedError(f"Matter No. {matter_id} is {m.status}")
        if needs_hearing(conn, m):
            raise RefusedError(
                f"Matter No. {matter_id} needs a hearing ("
                + (
                    "a challenge"
                    if m.kind == "challenge"
                    else "the filer asked for one"
                    if m.hearing_requested
                    else "the prosecution opposes or asked for one"
                )
                + "): schedule one"
            )
        answered = conn.execute(
            "SELECT 1 FROM matter_responses WHERE matter_id = ?", (matter_id,)
        ).fetchone()
        due = response_due(conn, m)
        if not answered and due and today() <= due:
            raise RefusedError(
                f"Matter No. {matter_id}: the prosecution's response is due {due} and none is "
                "entered; rule once it responds or the time has run"
            )
        pending = conn.execute(
            "SELECT id FROM hearings WHERE matter_id = ? AND status = 'scheduled'", (matter_id,)
        ).fetchone()
        if pending:
            raise RefusedError(
                f"Matter No. {matter_id} has hearing {pending[0]} on calendar; rule at it or vacate it"
            )
        ids = _store_rulings(conn, judge, m, None, outcomes, True)
        status = read_matter(conn, matter_id).status
        payload = _audit_payload(ids, outcomes)
        payload.update(matter_status=status, on_papers=True)
        audit.append(conn, judge.name, "matter.rule", [matter_id], payload)
    return {"ruling_ids": ids, "continued_to": None, "matter_status": status}
