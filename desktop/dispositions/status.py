"""Where every in-scope count stands (issue 19 §5): one stage for each count, counts by stage,
oldest first, the people still serving first (HS 11361.9(h): the Legislature's priority for
people still serving and people who petitioned themselves).

In scope: every cannabis conviction (HS 11357-11360) of the county the engine evaluated (it has a
review item), and every count asked about in a court matter of the county (a petition, an
application, a challenge) that is not withdrawn. Each is in exactly one stage, decided from the
latest thing that happened to it:

    reported             its signed order was in a DOJ update export (HS 11361.9(f))
    ordered              an order carries it (order_counts, or the orders package set the
                         ruling's order_id)
    ruled                a judge ruled on it (a ruling in force), or accepted the clerk's
                         decision in a batch
    awaiting_hearing     challenged (a bulk-list challenge or a challenge matter), opposed, a
                         hearing requested or set
    awaiting_prosecution a petition or application with no response from the prosecution yet
    awaiting_ruling      before the judge: a clerk decided it (approved, changed, rejected; in a
                         batch with the judge), or a filing the prosecution answered without
                         opposing, to be ruled on the papers
    not_reviewed         in the review queue, not decided yet (pending, deferred, sent back)

The review's own life of a count (desktop/review/lifecycle.py: pending ... submitted, accepted,
ordered) is read, not copied: this adds the matters, rulings and DOJ exports around it."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any

from desktop.dispositions.common import OPPOSING
from desktop.dispositions.words import count_details, person_names, ruling_words
from desktop.review import state as st
from desktop.review.access import may_see_sealed, read_record, require_reader, sealed_ids
from desktop.review.lifecycle import lives
from desktop.review.users import User

STAGES = (
    "not_reviewed",
    "awaiting_prosecution",
    "awaiting_hearing",
    "awaiting_ruling",
    "ruled",
    "ordered",
    "reported",
)
STAGE_WORDS = {
    "not_reviewed": "Not yet reviewed",
    "awaiting_prosecution": "Awaiting the prosecution's response",
    "awaiting_hearing": "Challenged or opposed: awaiting a hearing",
    "awaiting_ruling": "Before the judge: awaiting a ruling",
    "ruled": "Ruled: awaiting its order",
    "ordered": "Ordered: not yet reported to DOJ",
    "reported": "Reported to DOJ",
}
_CANNABIS = (
    "c.base_section >= '11357' AND c.base_section < '11361'"
    " AND c.base_section IN ('11357', '11358', '11359', '11360')"
    " AND COALESCE(c.code, '') IN ('', 'HS')"
)


@dataclass(frozen=True)
class CountStage:
    count_id: int
    stage: str
    since: str | None  # the date it is waiting since: the filing, else the conviction
    serving: bool
    case_number: str | None = None
    section: str | None = None
    matter_id: int | None = None
    detail: str | None = None  # the order number, the hearing date, the batch, in words
    count_label: str = ""  # 'count 2 of case FSB0412873' (filled for the counts listed)
    person: str = ""  # the person's name as people are named (filled for the counts listed)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class StageTotal:
    stage: str
    label: str
    count: int = 0
    serving: int = 0
    oldest: str | None = None
    sealed_not_listed: int = 0
    items: list[CountStage] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["items"] = [i.as_dict() for i in self.items]
        return d


@dataclass
class StatusReport:
    county: str
    total: int
    stages: list[StageTotal]

    def as_dict(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "total": self.total,
            "stages": [s.as_dict() for s in self.stages],
        }


def in_scope(conn: sqlite3.Connection, county: str) -> dict[int, tuple]:
    """count id -> (case number, section, conviction date, flags) of the county's in-scope
    counts."""
    out: dict[int, tuple] = {}
    for cid, case, sec, conv, flags in conn.execute(
        "SELECT c.id, k.case_number, c.section, c.conviction_date, d.flags FROM review_items r"
        " JOIN counts c ON c.id = r.count_id JOIN cases k ON k.id = c.case_id"
        " JOIN determinations d ON d.id = r.determination_id"
        f" WHERE c.county = ? AND c.convicted = 1 AND {_CANNABIS}"
        " UNION SELECT c.id, k.case_number, c.section, c.conviction_date, d.flags"
        " FROM matter_counts mc JOIN matters m ON m.id = mc.matter_id"
        " JOIN counts c ON c.id = mc.count_id JOIN cases k ON k.id = c.case_id"
        " LEFT JOIN review_items r ON r.count_id = c.id"
        " LEFT JOIN determinations d ON d.id = r.determination_id"
        " WHERE m.status != 'withdrawn' AND COALESCE(c.county, k.county) = ?",
        (county, county),
    ):
        out[cid] = (case, sec, conv, flags or "")
    return out


def _exported(conn: sqlite3.Connection) -> tuple[dict[int, str], set[int]]:
    """Batches exported to DOJ (batch id -> the latest export's time) and orders named by an
    export (an export of orders made from rulings may name them in its payload)."""
    batches: dict[int, str] = {}
    orders: set[int] = set()
    for at, targets, payload in conn.execute(
        "SELECT at, targets, payload FROM audit_log WHERE action = 'export.doj-update'"
    ):
        try:
            tgt = json.loads(targets or "[]")
            pay = json.loads(payload or "{}")
        except ValueError:
            continue
        if isinstance(pay, dict) and isinstance(pay.get("order_ids"), list):
            orders.update(int(o) for o in pay["order_ids"] if str(o).isdigit())
            continue
        for b in tgt if isinstance(tgt, list) else []:
            if isinstance(b, int) or (isinstance(b, str) and b.isdigit()):
                batches[int(b)] = max(batches.get(int(b), ""), at)
    return batches, orders


def _orders(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple]:
    """count id -> (order id, order no, batch id, status, signed time) of its latest order, by
    order_counts or by a ruling the orders package linked to an order."""
    out: dict[int, tuple] = {}
    for part in st.chunks(ids):
        marks = ",".join("?" * len(part))
        for cid, oid, no, bid, ostatus, signed in conn.execute(
            "SELECT x.count_id, o.id, o.order_no, o.batch_id, o.status, o.signed_at FROM ("
            f" SELECT count_id, order_id FROM order_counts WHERE count_id IN ({marks})"
            " UNION SELECT count_id, order_id FROM rulings WHERE order_id IS NOT NULL"
            f" AND superseded_by IS NULL AND count_id IN ({marks})) x"
            " JOIN orders o ON o.id = x.order_id ORDER BY o.id",
            part + part,
        ):
            out[cid] = (oid, no, bid, ostatus, signed)
    return out


def _matters(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """count id -> its matter (not withdrawn): id, kind, filed_on, needs a hearing, answered,
    next hearing."""
    out: dict[int, dict[str, Any]] = {}
    for part in st.chunks(ids):
        marks = ",".join("?" * len(part))
        for cid, mid, kind, filed, requested, positions, hearing in conn.execute(
            "SELECT mc.count_id, m.id, m.kind, COALESCE(m.filed_on, substr(m.opened_at, 1, 10)),"
            " m.hearing_requested,"
            " (SELECT group_concat(position, ';') FROM matter_responses r WHERE r.matter_id = m.id"
            "  AND (r.count_id IS NULL OR r.count_id = mc.count_id)),"
            " (SELECT MIN(h.hearing_date) FROM hearings h WHERE h.matter_id = m.id"
            "  AND h.status = 'scheduled')"
            " FROM matter_counts mc JOIN matters m ON m.id = mc.matter_id"
            f" WHERE mc.count_id IN ({marks}) AND m.status != 'withdrawn' ORDER BY m.id",
            part,
        ):
            pos = set((positions or "").split(";")) - {""}
            hearing_needed = (
                kind == "challenge"
                or bool(requested)
                or "requests_hearing" in pos
                or (kind == "petition" and bool(pos & set(OPPOSING)))
            )
            out[cid] = {
                "id": mid,
                "kind": kind,
                "filed_on": filed,
                "needs_hearing": hearing_needed,
                "answered": bool(pos),
                "hearing": hearing,
            }
    return out


def _rulings(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """count id -> its ruling in force."""
    out: dict[int, dict[str, Any]] = {}
    for part in st.chunks(ids):
        marks = ",".join("?" * len(part))
        cur = conn.execute(
            "SELECT count_id, id, outcome, relief, resentence_target, finding, credit_days,"
            " supervision_kind, supervision_months FROM rulings WHERE superseded_by IS NULL"
            f" AND count_id IN ({marks}) ORDER BY id",
            part,
        )
        cols = [d[0] for d in cur.description]
        for row in cur:
            out[row[0]] = dict(zip(cols, row, strict=True))
    return out


def stages(conn: sqlite3.Connection, scope: dict[int, tuple]) -> dict[int, CountStage]:
    """The one stage of each count of `scope` (from `in_scope`)."""
    ids = sorted(scope)
    life = lives(conn, ids)
    orders = _orders(conn, ids)
    matters = _matters(conn, ids)
    rulings = _rulings(conn, ids)
    exported_batches, exported_orders = _exported(conn)
    out: dict[int, CountStage] = {}
    for cid in ids:
        case, sec, conv, flags = scope[cid]
        flag_set = set(flags.split(";"))
        m = matters.get(cid)
        serving = "serving_sentence" in flag_set or (m is not None and m["kind"] == "petition")
        since = (m["filed_on"] if m else None) or conv
        detail = None
        lf = life.get(cid)
        if cid in orders:
            oid, no, bid, ostatus, signed = orders[cid]
            signed_ok = ostatus in ("signed", "printed") or signed is not None
            at = exported_batches.get(bid)
            reported = signed_ok and (
                oid in exported_orders
                or (at is not None and (signed is None or at[:19] >= signed[:19]))
            )
            stage, detail = ("reported" if reported else "ordered"), f"order {no}"
        elif cid in rulings:
            stage, detail = "ruled", ruling_words(rulings[cid])
        elif lf is not None and lf.stage == "accepted":
            stage, detail = "ruled", f"accepted by the judge in batch {lf.batch_id}"
        elif m is not None:
            if m["needs_hearing"] or m["hearing"]:
                stage = "awaiting_hearing"
                detail = f"hearing set for {m['hearing']}" if m["hearing"] else "no hearing set"
            elif not m["answered"] and m["kind"] != "challenge":
                stage = "awaiting_prosecution"
            else:
                stage = "awaiting_ruling"
        elif lf is not None and lf.stage == "submitted":
            stage, detail = "awaiting_ruling", f"in batch {lf.batch_id}, with the judge"
        elif "prosecution_challenged" in flag_set:
            stage, detail = "awaiting_hearing", "challenged on the bulk list; no matter opened"
        elif lf is not None and lf.stage in ("approved", "changed", "rejected"):
            stage = "awaiting_ruling"
        else:
            stage = "not_reviewed"  # pending, deferred, sent back, or not evaluated yet
        out[cid] = CountStage(cid, stage, since, serving, case, sec, m["id"] if m else None, detail)
    return out


def dispositions_status(
    conn: sqlite3.Connection, user: User | None, county: str, *, limit: int | None = 20
) -> StatusReport:
    """Counts by stage for the county, each stage's counts listed people-still-serving first,
        then oldest first (`limit` per stage; None lists all). Sealed counts are counted but listed
        only for a role that may see sealed records (the showing audited); each count listed is named
    as 'count N of case X' with its person's name."""
    user = require_reader(conn, user)
    county = county.strip().upper()
    scope = in_scope(conn, county)
    found = stages(conn, scope)
    hide = set() if may_see_sealed(user) else sealed_ids(conn, list(found))
    totals = {s: StageTotal(s, STAGE_WORDS[s]) for s in STAGES}
    ordered = sorted(
        found.values(), key=lambda c: (not c.serving, c.since or "9999-99-99", c.count_id)
    )
    for c in ordered:
        t = totals[c.stage]
        t.count += 1
        t.serving += int(c.serving)
        if c.since and (t.oldest is None or c.since < t.oldest):
            t.oldest = c.since
        if c.count_id in hide:
            t.sealed_not_listed += 1
        elif limit is None or len(t.items) < limit:
            t.items.append(c)
    listed = [i.count_id for t in totals.values() for i in t.items]
    shown_sealed = sealed_ids(conn, listed) if may_see_sealed(user) else set()
    if shown_sealed:  # names of sealed counts are shown: audited like any sealed read
        read_record(conn, user, sorted(shown_sealed), f"status {county}")
    labels = count_details(conn, listed)
    people = person_names(conn, {v["subject_id"] for v in labels.values()})
    for t in totals.values():
        t.items = [
            replace(
                i,
                count_label=labels[i.count_id]["label"],
                person=people.get(labels[i.count_id]["subject_id"], ""),
            )
            for i in t.items
        ]
    report = StatusReport(county, len(found), [totals[s] for s in STAGES])
    assert sum(s.count for s in report.stages) == report.total  # nothing in scope in no stage
    return report
