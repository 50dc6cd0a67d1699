"""Every ruling becomes an order (issue 19 §3): the orders made from the judicial officer's rulings
on a matter (a petition, an application, or the prosecution's challenge to a count on DOJ's list).

This module only reads the dispositions tables (matters, matter_counts, matter_responses,
hearings, rulings; migration 0020) and writes rulings.order_id and matters.status = 'ordered'.
Which order a ruling goes in, per matter, per hearing (or on the papers) and per case:

- a count granted recall and resentencing (relief 'resentence') goes in a RESENTENCING order
  (template resentence_hearing) with the credit for time served and supervision of its ruling;
- the other counts, when every one is denied: a DENIAL order (template denial), stating the finding;
- else, ruled at a hearing: the ORDER AFTER HEARING (after_hearing), granted and denied per count;
- else, ruled on the papers: the ORDER ON A PETITION OR APPLICATION (petition_order, the content of
  CR-403).

The orders are numbered in the register's one sequence, rendered by the same renderer, signed the
same way (PAdES) and recorded like a batch's orders: one transaction prepares them (one audit
entry), the files are written, one transaction records them signed (one audit entry). A rerun after
a crash finishes the prepared orders with the same numbers and dates. Signing seals the granted
counts (the under_seal triggers, migration 0028); a denied count is recorded with relief 'denied'
and is never sealed."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from desktop import audit, clock
from desktop.audit.log import head_hash
from desktop.errors import RefusedError, UserError
from desktop.law.normalize import court_display
from desktop.orders.batch import (
    Outcome,
    _file_complete,
    _judge_for,
    _order_paths,
    open_signer,
    produce_and_merge,
    require_court_user,
    require_judge,
    template_ref,
)
from desktop.orders.court_settings import court_details
from desktop.orders.granted import printed_person
from desktop.orders.model import (
    DENIED,
    FINDINGS,
    GRANTABLE,
    CaseEntry,
    CountLine,
    HearingInfo,
    Judge,
    MatterInfo,
    OrderData,
    ResentenceTerms,
)
from desktop.orders.produce import Job, Produced
from desktop.orders.register import next_order_number
from desktop.orders.sign import OrderSigner
from desktop.orders.templates import load_template
from desktop.outputs import check_output_dir
from desktop.progress import ProgressFn
from desktop.store.tx import transaction
from desktop.tokens import TokenKey

TEMPLATES = {
    "after_hearing": "after_hearing",
    "denial": "denial",
    "petition_order": "petition_order",
    "resentence": "resentence_hearing",
}


@dataclass(frozen=True)
class Ruling:
    id: int
    count_id: int
    case_id: int
    matter_id: int
    hearing_id: int | None
    outcome: str
    relief: str | None
    resentence_target: str | None
    finding: str | None
    finding_text: str | None
    credit_days: int | None
    supervision_kind: str | None
    supervision_months: int | None
    order_id: int | None
    order_status: str | None
    order_no: str | None


@dataclass(frozen=True)
class RulingPlan:
    """One order to make from rulings."""

    kind: str  # after_hearing | denial | petition_order | resentence
    matter_id: int
    hearing_id: int | None
    case_id: int
    county: str
    template: str
    entry: CaseEntry
    matter: MatterInfo
    hearing: HearingInfo | None
    rulings: tuple[Ruling, ...]
    order_no: str | None = None  # a prepared order to finish (a correction: orders amend)

    @property
    def count_ids(self) -> list[int]:
        return [r.count_id for r in self.rulings]

    @property
    def key(self) -> str:
        if self.order_no:
            return f"order:{self.order_no}"
        return _key(self.kind, self.matter_id, self.hearing_id, self.case_id)


_RULINGS_SQL = """
SELECT r.id, r.count_id, c.case_id, r.matter_id, r.hearing_id, r.outcome, r.relief,
       r.resentence_target, r.finding, r.finding_text, r.credit_days, r.supervision_kind,
       r.supervision_months, r.order_id, o.status, o.order_no
FROM rulings r JOIN counts c ON c.id = r.count_id LEFT JOIN orders o ON o.id = r.order_id
WHERE r.matter_id = ? AND r.superseded_by IS NULL
ORDER BY c.case_id, c.count_no, c.cnt_order, r.id
"""


def current_rulings(conn: sqlite3.Connection, matter_id: int) -> dict[int, Ruling]:
    """count id -> the count's ruling in force (a later ruling supersedes an earlier one)."""
    out: dict[int, Ruling] = {}
    for row in conn.execute(_RULINGS_SQL, (matter_id,)):
        r = Ruling(*row)
        out[r.count_id] = r  # the latest in force wins (ordered by id)
    return out


def _matter_row(conn: sqlite3.Connection, matter_id: int) -> sqlite3.Row:
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM matters WHERE id = ?", (matter_id,)).fetchone()
    finally:
        conn.row_factory = None
    if row is None:
        raise UserError(f"there is no matter {matter_id}; `reliefdesk matter list` shows them.")
    return row


def matter_info(conn: sqlite3.Connection, matter_id: int) -> MatterInfo:
    m = _matter_row(conn, matter_id)
    resp = conn.execute(
        "SELECT position, response_date FROM matter_responses WHERE matter_id = ?"
        " ORDER BY response_date DESC, id DESC LIMIT 1",
        (matter_id,),
    ).fetchone()
    return MatterInfo(
        kind=m["kind"],
        matter_id=matter_id,
        court_case_number=m["court_case_number"] or "",
        filed_on=m["filed_on"],
        filer_kind=m["filer_kind"] or "",
        filer_name=" ".join((m["filer_name"] or "").split()),
        response=resp[0] if resp else "",
        response_date=resp[1] if resp else None,
    )


def hearing_info(conn: sqlite3.Connection, hearing_id: int | None) -> HearingInfo | None:
    """The hearing as the order states it; appearances when the hearings table records them."""
    if hearing_id is None:
        return None
    cols = {r[1] for r in conn.execute("PRAGMA table_info(hearings)")}
    extra = ", appearances" if "appearances" in cols else ", NULL"
    row = conn.execute(
        f"SELECT hearing_date, hearing_time, department{extra} FROM hearings WHERE id = ?",
        (hearing_id,),
    ).fetchone()
    if row is None:
        return None
    return HearingInfo(
        date=row[0],
        time=row[1] or "",
        department=" ".join((row[2] or "").split()),
        appearances=" ".join((row[3] or "").split()),
    )


def _count_line(conn: sqlite3.Connection, r: Ruling, matter_kind: str) -> CountLine:
    count_no, code, section, level, conv_date = conn.execute(
        "SELECT count_no, code, section, level, conviction_date FROM counts WHERE id = ?",
        (r.count_id,),
    ).fetchone()
    if r.outcome == "denied":
        relief, target = DENIED, None
    else:
        relief = r.relief or ""
        target = (r.resentence_target or "misdemeanor") if relief == "resentence" else None
    if matter_kind == "petition":
        path = "b"
    elif matter_kind == "application":
        path = "f"
    else:
        path = "b" if relief == "resentence" or r.finding == "public_safety" else "f"
    return CountLine(
        count_no=count_no,
        code=code or "HS",
        section=section or "",
        level=level,
        conviction_date=conv_date,
        relief=relief,
        resentence_target=target,
        count_id=r.count_id,
        reason=" ".join((r.finding_text or "").split()) or None,
        outcome=r.outcome,
        finding=r.finding,
        path=path,
    )


def _where(r: Ruling, matter_id: int) -> str:
    return f"matter {matter_id}, count id {r.count_id} (ruling {r.id})"


def _check_ruling(r: Ruling, matter: MatterInfo) -> None:
    """A ruling an order can state; RefusedError naming the ruling to correct otherwise."""
    mid = matter.matter_id or 0
    if r.outcome == "denied":
        if r.finding not in FINDINGS:
            raise RefusedError(
                f"{_where(r, mid)} is denied without a finding (criteria_not_met or "
                "public_safety); the judge must enter it. Nothing was changed."
            )
        if r.finding == "public_safety" and matter.kind == "application":
            raise RefusedError(
                f"{_where(r, mid)} denies an application for public safety; that finding is "
                "for petitions only (HS 11361.8(b)); the judge must correct the ruling. "
                "Nothing was changed."
            )
        return
    if r.relief not in GRANTABLE:
        raise RefusedError(
            f"{_where(r, mid)} grants {r.relief!r}, which no order can grant (use one of "
            f"{', '.join(GRANTABLE)}). Nothing was changed."
        )
    if r.relief == "resentence" and (r.resentence_target or "misdemeanor") != "dismissed":
        if r.credit_days is None:
            raise RefusedError(
                f"{_where(r, mid)} resentences without the credit for time served; the judge "
                "must enter it with the outcome. Nothing was changed."
            )


def _terms(rulings: list[Ruling], hearing: HearingInfo | None) -> ResentenceTerms:
    """The resentencing terms of one case's rulings (they must agree)."""
    keys = {
        (r.credit_days or 0, r.supervision_kind or "", r.supervision_months or 0) for r in rulings
    }
    if len(keys) > 1:
        raise RefusedError(
            f"the resentencing rulings of count ids {', '.join(str(r.count_id) for r in rulings)} "
            "state different credit or supervision; one order states one set of terms. Nothing "
            "was changed."
        )
    credit, kind, months = keys.pop()
    return ResentenceTerms(
        credit_days=credit,
        disposition="supervision" if months else "released",
        supervision_kind=kind if months else "",
        supervision_months=months or None,
        hearing_date=hearing.date if hearing else None,
        hearing_department=hearing.department if hearing else "",
    )


def _kind_for(rulings: list[Ruling], hearing_id: int | None) -> str:
    if all(r.outcome == "denied" for r in rulings):
        return "denial"
    return "after_hearing" if hearing_id is not None else "petition_order"


def plan_matter(
    conn: sqlite3.Connection,
    matter_id: int,
    *,
    style: str = "upper",
    hearing_ids: set[int] | None = None,
) -> list[RulingPlan]:
    """The orders a matter's rulings make (with `hearing_ids`, only the rulings of those
    hearings), and its prepared corrections (orders amend). Refused, nothing changed, when a
    count of the matter has no ruling, when every ruling is already in a signed order, or when a
    ruling cannot be stated on an order."""
    m = _matter_row(conn, matter_id)
    if m["status"] == "withdrawn":
        raise RefusedError(f"matter {matter_id} was withdrawn; there is nothing to order.")
    matter = matter_info(conn, matter_id)
    asked = [
        r[0]
        for r in conn.execute(
            "SELECT mc.count_id FROM matter_counts mc JOIN counts c ON c.id = mc.count_id"
            " WHERE mc.matter_id = ? ORDER BY c.case_id, c.count_no, c.cnt_order",
            (matter_id,),
        )
    ]
    rulings = current_rulings(conn, matter_id)
    unruled = [cid for cid in asked if cid not in rulings]
    if unruled:
        raise RefusedError(
            f"matter {matter_id} has {len(unruled)} count(s) not yet ruled (count ids "
            f"{', '.join(map(str, unruled))}); the judge rules on every count before its "
            "order is made. Nothing was changed."
        )
    if not rulings:
        raise RefusedError(f"matter {matter_id} has no rulings yet. Nothing was changed.")
    todo = [
        r
        for r in rulings.values()
        if (r.order_id is None or r.order_status == "prepared")
        and (hearing_ids is None or r.hearing_id in hearing_ids)
    ]
    corrections = _corrections(conn, matter, rulings, style, hearing_ids)
    if not todo and not corrections:
        done = sorted({r.order_no for r in rulings.values() if r.order_no})
        raise RefusedError(
            f"the rulings of matter {matter_id} are already ordered ({', '.join(done)}); a "
            "signed order is corrected by a new one (reliefdesk orders amend ORDER_NO). "
            "Nothing was changed."
        )
    for r in todo:
        _check_ruling(r, matter)
    groups: dict[tuple[int | None, int, bool], list[Ruling]] = defaultdict(list)
    for r in todo:
        resentence = r.outcome != "denied" and r.relief == "resentence"
        groups[(r.hearing_id, r.case_id, resentence)].append(r)
    plans: list[RulingPlan] = []
    for (hearing_id, case_id, resentence), items in sorted(
        groups.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1], kv[0][2])
    ):
        kind = "resentence" if resentence else _kind_for(items, hearing_id)
        plans.append(_plan(conn, matter, kind, hearing_id, case_id, items, style))
    return plans + corrections


def _corrections(
    conn: sqlite3.Connection,
    matter: MatterInfo,
    rulings: dict[int, Ruling],
    style: str,
    hearing_ids: set[int] | None,
) -> list[RulingPlan]:
    """Prepared corrections (reliefdesk orders amend) of this matter's signed orders, numbered
    already: each is made from the rulings in force for the counts it carries."""
    rows = conn.execute(
        "SELECT id, order_no, kind, hearing_id, case_id, county FROM orders WHERE matter_id = ?"
        " AND amends_order_no IS NOT NULL AND status = 'prepared'"
        " AND COALESCE(problem, '') NOT LIKE 'withdrawn%'"
        " ORDER BY id",
        (matter.matter_id,),
    ).fetchall()
    out = []
    for oid, order_no, kind, hearing_id, case_id, county in rows:
        if hearing_ids is not None and hearing_id not in hearing_ids:
            continue
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT count_id FROM order_counts WHERE order_id = ? ORDER BY count_id", (oid,)
            )
        ]
        missing = [cid for cid in ids if cid not in rulings]
        if missing:
            raise RefusedError(
                f"the correction {order_no} carries count ids {', '.join(map(str, missing))} "
                f"that have no ruling in force in matter {matter.matter_id}. Nothing was changed."
            )
        items = [rulings[cid] for cid in ids]
        for r in items:
            _check_ruling(r, matter)
        out.append(_plan(conn, matter, kind, hearing_id, case_id, items, style, county, order_no))
    return out


def _plan(
    conn: sqlite3.Connection,
    matter: MatterInfo,
    kind: str,
    hearing_id: int | None,
    case_id: int,
    items: list[Ruling],
    style: str,
    county: str | None = None,
    order_no: str | None = None,
) -> RulingPlan:
    """One order: the rulings of one case at one hearing (or on the papers)."""
    hearing = hearing_info(conn, hearing_id)
    case_number, court, case_county = conn.execute(
        "SELECT k.case_number, k.court, COALESCE(k.county, c.county, '') FROM cases k"
        " JOIN counts c ON c.case_id = k.id WHERE k.id = ? AND c.id = ?",
        (case_id, items[0].count_id),
    ).fetchone()
    flags = [
        (f or "")
        for (f,) in conn.execute(
            "SELECT d.flags FROM determinations d WHERE d.count_id IN ("
            + ",".join("?" * len(items))
            + ")",
            [r.count_id for r in items],
        )
    ]
    entry = CaseEntry(
        person=printed_person(conn, case_id, style),
        case_number=case_number,
        counts=tuple(_count_line(conn, r, matter.kind) for r in items),
        court=court_display(court) or None,
        juvenile=any("juvenile" in f.split(";") for f in flags),
        case_id=case_id,
        terms=_terms(items, hearing) if kind == "resentence" else None,
    )
    return RulingPlan(
        kind=kind,
        matter_id=matter.matter_id or 0,
        hearing_id=hearing_id,
        case_id=case_id,
        county=county if county is not None else case_county or "",
        template=TEMPLATES[kind],
        entry=entry,
        matter=matter,
        hearing=hearing,
        rulings=tuple(items),
        order_no=order_no,
    )


def matters_heard_on(conn: sqlite3.Connection, hearing_date: str) -> dict[int, set[int]]:
    """matter id -> ids of its hearings on that date that have rulings not yet in a signed order."""
    try:
        date.fromisoformat(hearing_date)
    except ValueError as exc:
        raise UserError(f"hearing date {hearing_date!r} is not a date; use YYYY-MM-DD.") from exc
    out: dict[int, set[int]] = defaultdict(set)
    for matter_id, hearing_id in conn.execute(
        "SELECT DISTINCT h.matter_id, h.id FROM hearings h JOIN rulings r ON r.hearing_id = h.id"
        " LEFT JOIN orders o ON o.id = r.order_id WHERE h.hearing_date = ?"
        " AND r.superseded_by IS NULL AND (r.order_id IS NULL OR o.status = 'prepared')"
        " ORDER BY h.matter_id, h.id",
        (hearing_date,),
    ):
        out[matter_id].add(hearing_id)
    return dict(out)


def plan_rulings(
    conn: sqlite3.Connection,
    *,
    matter_id: int | None = None,
    hearing_date: str | None = None,
    style: str = "upper",
) -> list[RulingPlan]:
    if (matter_id is None) == (hearing_date is None):
        raise UserError("name one matter (--matter ID) or one hearing day (--hearing-date DATE).")
    if matter_id is not None:
        return plan_matter(conn, matter_id, style=style)
    assert hearing_date is not None
    heard = matters_heard_on(conn, hearing_date)
    if not heard:
        raise RefusedError(
            f"no hearing on {hearing_date} has rulings waiting for an order (none held, not yet "
            "ruled, or already ordered). Nothing was changed."
        )
    plans: list[RulingPlan] = []
    for mid in sorted(heard):
        plans += plan_matter(conn, mid, style=style, hearing_ids=heard[mid])
    return plans


def _key(kind: str, matter_id: int, hearing_id: int | None, case_id: int | None) -> str:
    return f"{kind}:{matter_id}:{hearing_id or 'papers'}:{case_id}"


def _existing(conn: sqlite3.Connection, matter_ids: list[int]) -> dict[str, sqlite3.Row]:
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(
            "SELECT * FROM orders WHERE matter_id IN ("
            + ",".join("?" * len(matter_ids))
            + ") AND status = 'prepared' AND COALESCE(problem, '') NOT LIKE 'withdrawn%'"
            " ORDER BY id",
            matter_ids,
        ).fetchall()
    finally:
        conn.row_factory = None
    return {
        f"order:{r['order_no']}"
        if r["amends_order_no"]
        else _key(r["kind"], r["matter_id"], r["hearing_id"], r["case_id"]): r
        for r in rows
    }


WITHDRAWN = "withdrawn: its rulings were superseded by new rulings; a new order carries them"


def _withdraw_stale(
    conn: sqlite3.Connection, existing: dict[str, sqlite3.Row], plans: list[RulingPlan]
) -> list[str]:
    """Prepared (never signed) orders whose counts the judge has ruled on again so that they now
    belong in another order (another kind, other counts): they are withdrawn — their counts and
    rulings released, the reason recorded — so no count is carried by two orders. Returns their
    numbers. A signed order is never touched (a correction is orders amend)."""
    keys = {p.key: p for p in plans}
    counts = {cid for p in plans for cid in p.count_ids}
    out = []
    for key, row in existing.items():
        if row["amends_order_no"]:
            continue
        have = {
            c
            for (c,) in conn.execute(
                "SELECT count_id FROM order_counts WHERE order_id = ?", (row["id"],)
            )
        }
        if not have & counts:
            continue
        plan = keys.get(key)
        if plan is not None and have == set(plan.count_ids):
            continue
        conn.execute("DELETE FROM order_counts WHERE order_id = ?", (row["id"],))
        conn.execute("UPDATE rulings SET order_id = NULL WHERE order_id = ?", (row["id"],))
        conn.execute("UPDATE orders SET problem = ? WHERE id = ?", (WITHDRAWN, row["id"]))
        out.append(str(row["order_no"]))
    return out


def printed_names(plan: RulingPlan) -> str:
    return plan.entry.person.name


def _prepare(
    conn: sqlite3.Connection, plans: list[RulingPlan], order_date: date, user: str
) -> dict[str, sqlite3.Row]:
    """Number the planned orders that have no prepared row yet, link their rulings and counts,
    mark fully ordered matters 'ordered': one transaction, one audit entry."""
    matter_ids = sorted({p.matter_id for p in plans})
    with transaction(conn):
        existing = _existing(conn, matter_ids)
        made: list[str] = []
        linked: dict[str, list[int]] = {}
        templates = {name: load_template(name) for name in {p.template for p in plans}}
        now = clock.utc_stamp()
        withdrawn = _withdraw_stale(conn, existing, plans)
        existing = {k: r for k, r in existing.items() if r["order_no"] not in withdrawn}
        for p in plans:
            tmpl = templates[p.template]
            key = p.key
            row = existing.get(key)
            if row is not None:
                # The prepared order is finished as it was numbered; a ruling entered since
                # (superseding one it carried, same counts and kind) is linked to it.
                ids = [r.id for r in p.rulings]
                conn.executemany(
                    "UPDATE rulings SET order_id = ? WHERE id = ? AND order_id IS NULL",
                    [(row["id"], rid) for rid in ids],
                )
                continue
            order_no, code, seq = next_order_number(conn, p.county, order_date.year)
            cur = conn.execute(
                "INSERT INTO orders (order_no, kind, batch_id, case_id, county, county_code, year,"
                " seq, order_date, template_name, template_version, status, created_by,"
                " created_at, printed_names, matter_id, hearing_id)"
                " VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, 'prepared', ?, ?, ?, ?, ?)",
                (
                    order_no,
                    p.kind,
                    p.case_id,
                    p.county,
                    code,
                    order_date.year,
                    seq,
                    order_date.isoformat(),
                    template_ref(tmpl),
                    tmpl.version,
                    user,
                    now,
                    printed_names(p),
                    p.matter_id,
                    p.hearing_id,
                ),
            )
            order_id = cur.lastrowid
            conn.executemany(
                "INSERT INTO order_counts (order_id, count_id, case_id, relief, resentence_target)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (order_id, c.count_id, p.case_id, c.relief, c.resentence_target)
                    for c in p.entry.counts
                ],
            )
            ids = [r.id for r in p.rulings]
            conn.executemany(
                "UPDATE rulings SET order_id = ? WHERE id = ? AND order_id IS NULL",
                [(order_id, rid) for rid in ids],
            )
            made.append(order_no)
            linked[order_no] = ids
        ordered = []
        for mid in matter_ids:
            left = conn.execute(
                "SELECT COUNT(*) FROM matter_counts mc LEFT JOIN rulings r ON r.count_id ="
                " mc.count_id AND r.matter_id = mc.matter_id AND r.superseded_by IS NULL"
                " WHERE mc.matter_id = ? AND r.order_id IS NULL",
                (mid,),
            ).fetchone()[0]
            if not left:
                cur = conn.execute(
                    "UPDATE matters SET status = 'ordered' WHERE id = ? AND status <> 'ordered'",
                    (mid,),
                )
                if cur.rowcount:
                    ordered.append(mid)
        if made or withdrawn:
            audit.append(
                conn,
                user,
                "orders.prepare",
                made or withdrawn,
                {
                    "matters": matter_ids,
                    "rulings": linked,
                    "matters_ordered": ordered,
                    "order_date": order_date.isoformat(),
                    "withdrawn": withdrawn,
                },
            )
        existing = _existing(conn, matter_ids)
    return existing


def render_rulings(
    conn: sqlite3.Connection,
    out_dir: Path,
    key_file: Path | TokenKey | None,
    passphrase: str,
    *,
    user: str,
    matter_id: int | None = None,
    hearing_date: str | None = None,
    order_date: date | None = None,
    signature_image: bytes | None = None,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    unsigned: bool = False,
    judge_user: str | None = None,
) -> list[Outcome]:
    """Make, sign and record the orders of a matter's rulings (or of every ruling of one day's
    hearings) into out_dir; one outcome per order. Only a judge signs; with `unsigned` a clerk or
    judge prints them for a signature in ink (recorded later with record_signature)."""
    if unsigned:
        require_court_user(conn, user)
        if not judge_user:
            raise UserError("name the judge who will sign the printed orders (--judge NAME).")
        require_judge(conn, judge_user)
    else:
        require_judge(conn, user)
    check_output_dir(out_dir, db=conn)
    court = court_details(conn)
    plans = plan_rulings(
        conn, matter_id=matter_id, hearing_date=hearing_date, style=court.name_style
    )
    signer = None if unsigned else open_signer(key_file, passphrase)
    rows = _prepare(conn, plans, order_date or clock.court_today(), user)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = out_dir.resolve()
    if signer is not None:
        judge = _judge_for(conn, user, signer.info.name, signer.info.title, signature_image)
    else:
        assert judge_user is not None
        judge = _judge_for(conn, judge_user, "", "Judge of the Superior Court", None)
        judge = Judge(judge.name, judge.title, None)
    scope: dict[str, object] = {"matters": sorted({p.matter_id for p in plans})}
    if hearing_date:
        scope["hearing_date"] = hearing_date
    by_key = {p.key: p for p in plans}
    mine = {k: rows[k] for k in by_key if k in rows}
    paths = {} if unsigned else _order_paths(conn, mine, out_dir, user, None, scope)
    head_seq, head = head_hash(conn)
    audit_head = f"{head_seq}:{head}"
    jobs: list[Job] = []
    outcomes: list[Outcome] = []
    for key, p in by_key.items():
        row = mine[key]
        no = row["order_no"]
        path = paths[no][0] if no in paths else out_dir / f"{no}-unsigned.pdf"
        n = len(p.count_ids)
        if unsigned and row["unsigned_path"] == str(path) and _file_complete_unsigned(row, path):
            outcomes.append(Outcome(no, p.kind, path, n, False, signed=False))
            continue
        if not unsigned and _file_complete(row, path):
            outcomes.append(Outcome(no, p.kind, path, n, False))
            continue
        data = OrderData(
            order_number=no,
            county=p.county,
            order_date=date.fromisoformat(row["order_date"]),
            judge=judge,
            entries=(p.entry,),
            court=court,
            matter=p.matter,
            hearing=p.hearing,
            amends=row["amends_order_no"],
            amend_reason=row["amend_reason"] or "",
        )
        jobs.append(
            Job(
                data,
                row["template_name"],
                str(path),
                sign=not unsigned,
                audit_head=None if unsigned else audit_head,
            )
        )
        outcomes.append(Outcome(no, p.kind, path, n, True, signed=not unsigned))
    produced, outcomes = produce_and_merge(
        jobs, outcomes, key_file, passphrase, signer, unsigned, workers, progress
    )
    _record(conn, produced, signer, user, unsigned, judge, scope, audit_head)
    return outcomes


def _file_complete_unsigned(row: sqlite3.Row, path: Path) -> bool:
    import hashlib

    return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == row["unsigned_sha256"]


def _record(
    conn: sqlite3.Connection,
    produced: list[Produced],
    signer: OrderSigner | None,
    user: str,
    unsigned: bool,
    judge: Judge,
    scope: dict[str, object],
    audit_head: str,
) -> None:
    """One transaction: the orders produced marked signed (or their unsigned file recorded), the
    others' problems noted, one audit entry."""
    if not produced:
        return
    ok = [r for r in produced if r.ok]
    failed = [r for r in produced if not r.ok]
    with transaction(conn):
        for r in ok:
            version = load_template(
                conn.execute(
                    "SELECT template_name FROM orders WHERE order_no = ?", (r.order_no,)
                ).fetchone()[0]
            ).version
            warnings = "\n".join(r.warnings) or None
            if unsigned:
                conn.execute(
                    "UPDATE orders SET unsigned_path = ?, unsigned_sha256 = ?, content_sha256 = ?,"
                    " pages = ?, template_version = ?, problem = NULL, warnings = ?, signer = ?"
                    " WHERE order_no = ?",
                    (
                        r.path,
                        r.sha256,
                        r.content_sha256,
                        r.pages,
                        version,
                        warnings,
                        judge.name,
                        r.order_no,
                    ),
                )
                continue
            assert signer is not None
            conn.execute(
                "UPDATE orders SET status = 'signed', file_path = ?, sha256 = ?, content_sha256 = ?,"
                " pages = ?, signer = ?, signer_title = ?, signer_cert_sha256 = ?, signed_by = ?,"
                " signed_at = ?, template_version = ?, signature_method = 'digital',"
                " problem = NULL, warnings = ?, audit_head = ?, printed_at = NULL,"
                " printed_by = NULL WHERE order_no = ?",
                (
                    r.path,
                    r.sha256,
                    r.content_sha256,
                    r.pages,
                    signer.info.name,
                    judge.title,
                    signer.info.fingerprint,
                    user,
                    r.signed_at,
                    version,
                    warnings,
                    audit_head,
                    r.order_no,
                ),
            )
            if not unsigned:
                # A signed correction carries the rulings of the order it amends.
                conn.execute(
                    "UPDATE rulings SET order_id = (SELECT id FROM orders WHERE order_no = ?)"
                    " WHERE order_id = (SELECT o.id FROM orders o JOIN orders n"
                    " ON n.amends_order_no = o.order_no WHERE n.order_no = ?)",
                    (r.order_no, r.order_no),
                )
        for r in failed:
            conn.execute(
                "UPDATE orders SET problem = ? WHERE order_no = ?", (r.problem, r.order_no)
            )
        payload: dict[str, object] = dict(scope)
        if failed:
            payload["not_produced"] = {r.order_no: r.problem for r in failed}
        subjects = [r.order_no for r in ok] or [r.order_no for r in failed]
        if unsigned:
            payload.update(judge=judge.name, files={r.order_no: r.sha256 for r in ok})
            audit.append(conn, user, "orders.print_unsigned", subjects, payload)
        else:
            assert signer is not None
            payload.update(
                signer=signer.info.name,
                title=judge.title,
                cert_sha256=signer.info.fingerprint,
                demo_cert=signer.info.demo,
                files={r.order_no: r.sha256 for r in ok},
                paths={r.order_no: r.path for r in ok},
                audit_head=audit_head,
            )
            audit.append(conn, user, "orders.sign", subjects, payload)


def waiting_matters(conn: sqlite3.Connection) -> list[dict[str, object]]:
    """Matters with rulings not yet in a signed order (for the window's choice), oldest first:
    id, kind, the court's number for the filing, how many rulings, and the hearing dates."""
    rows = conn.execute(
        "SELECT m.id, m.kind, COALESCE(m.court_case_number, ''), COUNT(r.id),"
        " COALESCE(GROUP_CONCAT(DISTINCT h.hearing_date), '')"
        " FROM matters m JOIN rulings r ON r.matter_id = m.id AND r.superseded_by IS NULL"
        " LEFT JOIN orders o ON o.id = r.order_id LEFT JOIN hearings h ON h.id = r.hearing_id"
        " WHERE m.status <> 'withdrawn' AND (r.order_id IS NULL OR o.status = 'prepared')"
        " GROUP BY m.id ORDER BY m.id"
    ).fetchall()
    return [
        {"id": r[0], "kind": r[1], "number": r[2], "rulings": r[3], "hearings": r[4]} for r in rows
    ]
