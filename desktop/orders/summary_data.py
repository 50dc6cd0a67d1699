"""The figures of the summary report for one evaluation run, read from the database.

BEAR's summary (gogen.json) counted convictions by section, felony/non-felony, people with some relief,
dismissals and reductions by section and by "additional relief" option, and people left with no
conviction, no felony, or no conviction in the last 7 years. This adds relief by kind and by
conviction decade, resentencing and review outcomes, decisions by clerk and orders signed."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from desktop.errors import UserError
from desktop.store.runs import latest_run
from desktop.vocabulary import Relief, ResentenceTarget

PROP64_SECTIONS = ("11357", "11358", "11359", "11360")
GRANTS = (
    Relief.DISMISS_AND_SEAL,
    Relief.REDESIGNATE_MISDEMEANOR,
    Relief.REDESIGNATE_INFRACTION,
    Relief.RESENTENCE,
)
RELIEF_ORDER: tuple[Relief, ...] = tuple(Relief)
RELIEF_SHORT: dict[str, str] = {
    Relief.DISMISS_AND_SEAL: "Dismiss & seal",
    Relief.REDESIGNATE_MISDEMEANOR: "To misd.",
    Relief.REDESIGNATE_INFRACTION: "To infraction",
    Relief.RESENTENCE: "Resentence",
    Relief.NOT_ELIGIBLE: "Not eligible",
    Relief.NEEDS_REVIEW: "Needs review",
}
RELIEF_LABELS: dict[str, str] = {
    Relief.DISMISS_AND_SEAL: "Dismissed and sealed",
    Relief.REDESIGNATE_MISDEMEANOR: "Redesignated misdemeanor",
    Relief.REDESIGNATE_INFRACTION: "Redesignated infraction",
    Relief.RESENTENCE: "Resentencing (serving)",
    Relief.NOT_ELIGIBLE: "Not eligible",
    Relief.NEEDS_REVIEW: "Needs review",
}


@dataclass
class RunSummary:
    run_id: int
    county: str
    policy_name: str
    policy_version: str
    as_of: str
    engine_version: str
    started_at: str
    created_by: str | None
    counts: int = 0
    other_counts: int = 0  # related / out-of-scope counts the run also evaluated
    people: int = 0
    felony_counts: int = 0
    non_felony_counts: int = 0
    earliest_conviction: str | None = None
    by_relief: Counter[str] = field(default_factory=Counter)
    by_section: dict[str, Counter[str]] = field(default_factory=dict)
    by_decade: dict[str, Counter[str]] = field(default_factory=dict)
    by_policy_rule: Counter[str] = field(default_factory=Counter)
    people_some_relief: int = 0
    people_with_felony: int = 0
    people_no_felony_after: int = 0
    people_no_conviction_after: int = 0
    people_no_recent_conviction_after: int = 0
    # BEAR's "dismiss all Prop 64 convictions" comparison: the same three measures if every
    # HS 11357-11360 conviction of these people were dismissed.
    dismiss_all_no_felony: int = 0
    dismiss_all_no_conviction: int = 0
    dismiss_all_no_recent_conviction: int = 0
    review_status: Counter[str] = field(default_factory=Counter)
    by_clerk: dict[str, Counter[str]] = field(default_factory=dict)
    counts_in_signed_orders: int = 0
    signed_orders: int = 0


def _decade(iso: str | None) -> str:
    if not iso or len(iso) < 4 or not iso[:4].isdigit():
        return "unknown"
    return f"{int(iso[:4]) // 10 * 10}s"


def _policy_rule(explanation: str) -> str:
    try:
        steps = json.loads(explanation).get("steps", [])
    except (json.JSONDecodeError, AttributeError):
        return "policy rule not recorded"
    rules = [s.get("rule", "") for s in steps if str(s.get("rule", "")).startswith("P.")]
    return rules[-1][2:] if rules else "policy rule not recorded"


def summarize(conn: sqlite3.Connection, run_id: int | None = None) -> RunSummary:
    run_id = run_id if run_id is not None else latest_run(conn)
    run = conn.execute(
        "SELECT id, county, policy_name, policy_version, as_of, engine_version, "
        "started_at, created_by FROM evaluation_runs WHERE id = ?",
        (run_id,),
    ).fetchone()
    if run is None:
        raise UserError(f"there is no evaluation run {run_id}.")
    s = RunSummary(*run)
    as_of = date.fromisoformat(s.as_of[:10])
    recent_cutoff = as_of.replace(year=as_of.year - 7).isoformat()

    dets = conn.execute(
        "SELECT d.count_id, d.subject_id, d.relief, d.resentence_target, d.flags, d.explanation,"
        " c.base_section, c.level, c.conviction_date FROM determinations d"
        " JOIN counts c ON c.id = d.count_id WHERE d.run_id = ?",
        (run_id,),
    ).fetchall()
    relief_of: dict[int, tuple[str, str | None]] = {}
    subjects: set[int] = set()
    relieved: set[int] = set()
    for count_id, subject_id, relief, target, flags, explanation, base, level, conv in dets:
        relief_of[count_id] = (relief, target)
        if base not in PROP64_SECTIONS:
            # Related charges: counted apart, so the Prop 64 figures compare with BEAR's.
            s.other_counts += 1
            s.by_section.setdefault("other", Counter())[relief] += 1
            if relief in GRANTS:
                relieved.add(subject_id)
            continue
        s.counts += 1
        subjects.add(subject_id)
        s.by_relief[relief] += 1
        s.by_section.setdefault(base, Counter())[relief] += 1
        s.by_decade.setdefault(_decade(conv), Counter())[relief] += 1
        if level == "F":
            s.felony_counts += 1
        else:
            s.non_felony_counts += 1
        if conv and (s.earliest_conviction is None or conv < s.earliest_conviction):
            s.earliest_conviction = conv
        if relief in GRANTS:
            relieved.add(subject_id)
        if "policy_relief" in (flags or "").split(";"):
            s.by_policy_rule[_policy_rule(explanation)] += 1
    s.people = len(subjects)
    s.people_some_relief = len(relieved & subjects)

    # Whole records of these people: what remains if every granted relief takes effect.
    convictions: dict[int, list[tuple[int, str | None, str | None]]] = defaultdict(list)
    ids = sorted(subjects)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for cid, sid, level, conv in conn.execute(
            f"SELECT id, subject_id, level, conviction_date FROM counts WHERE convicted = 1 "
            f"AND subject_id IN ({marks})",
            chunk,
        ):
            convictions[sid].append((cid, level, conv))
    p64_counts = {cid for cid, (relief, _) in relief_of.items()}
    p64_counts -= {cid for cid, _, _, _, _, _, base, _, _ in dets if base not in PROP64_SECTIONS}
    for sid in ids:
        remaining_felony = had_felony = False
        remaining: list[str | None] = []
        for cid, level, conv in convictions.get(sid, []):
            relief, target = relief_of.get(cid, (None, None))
            dismissed = relief == Relief.DISMISS_AND_SEAL or (
                relief == Relief.RESENTENCE and target == ResentenceTarget.DISMISSED
            )
            if level == "F":
                had_felony = True
                if relief not in GRANTS:
                    remaining_felony = True
            if not dismissed:
                remaining.append(conv)
        s.people_with_felony += had_felony
        s.people_no_felony_after += had_felony and not remaining_felony
        s.people_no_conviction_after += not remaining
        # An undated remaining conviction may be recent, so it counts against the person.
        s.people_no_recent_conviction_after += all(
            c is not None and c < recent_cutoff for c in remaining
        )
        left = [
            (level, conv) for cid, level, conv in convictions.get(sid, []) if cid not in p64_counts
        ]
        s.dismiss_all_no_felony += had_felony and not any(level == "F" for level, _ in left)
        s.dismiss_all_no_conviction += not left
        s.dismiss_all_no_recent_conviction += all(
            c is not None and c < recent_cutoff for _, c in left
        )

    for status, by, n in conn.execute(
        "SELECT r.status, r.decided_by, COUNT(*) FROM review_items r JOIN determinations d"
        " ON d.id = r.determination_id WHERE d.run_id = ? GROUP BY r.status, r.decided_by",
        (run_id,),
    ):
        s.review_status[status] += n
        if by:
            s.by_clerk.setdefault(by, Counter())[status] += n
    try:
        row = conn.execute(
            "SELECT COUNT(DISTINCT oc.count_id), COUNT(DISTINCT o.id) FROM order_counts oc"
            " JOIN orders o ON o.id = oc.order_id JOIN determinations d ON d.count_id = oc.count_id"
            " WHERE d.run_id = ? AND o.status IN ('signed', 'printed')",
            (run_id,),
        ).fetchone()
        s.counts_in_signed_orders, s.signed_orders = row
    except sqlite3.OperationalError:
        pass
    return s
