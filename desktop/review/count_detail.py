"""What the detail pane shows for one count, read in one go (read-only, no Qt): the count and its
determination, the person's whole record, prosecution responses and the review state."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordCount:
    count_id: int
    case_number: str | None
    county: str | None
    count_no: int | None
    section: str | None
    code: str | None
    offense_text: str | None
    level: str | None
    disposition: str | None
    convicted: bool
    conviction_date: str | None
    sentence: list[dict[str, Any]]
    sentence_end: str | None
    relief: str | None  # current determination, when the count was evaluated
    resentence_target: str | None
    is_current: bool = False
    disqualifying: bool = False


@dataclass
class CountDetail:
    count_id: int
    subject: dict[str, Any]
    count: dict[str, Any]
    determination: dict[str, Any]
    explanation: dict[str, Any]
    review: dict[str, Any]
    record: list[RecordCount] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    judge_notes: list[dict[str, Any]] = field(default_factory=list)
    life: Any = None  # desktop.review.lifecycle.CountLife: batch, acceptance, order


def _dicts(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
        ).fetchone()
        is not None
    )


def _prior_refs(explanation: dict[str, Any]) -> tuple[set[int], set[str]]:
    """Count ids and sections the engine named as disqualifying priors in its facts."""
    ids: set[int] = set()
    sections: set[str] = set()

    def walk(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(k, v)
        elif isinstance(value, list):
            for v in value:
                walk(key, v)
        elif "prior" in key.lower() or "disqualif" in key.lower():
            if isinstance(value, int) and not isinstance(value, bool):
                if key.lower().endswith("id") or key.lower().endswith("ids"):
                    ids.add(value)
            elif isinstance(value, str) and value:
                sections.add(value.upper().replace(" ", ""))

    for step in explanation.get("steps", []):
        walk("facts", step.get("facts") or {})
    return ids, sections


def _is_prior(
    r: dict[str, Any], prior_ids: set[int], prior_sections: set[str], current: int
) -> bool:
    if not r["convicted"] or r["id"] == current:
        return False
    if r["id"] in prior_ids:
        return True
    sec = (r["section"] or "").upper().replace(" ", "")
    return bool(sec) and any(
        s == sec or s.startswith(sec + "(") or s == sec + (r["code"] or "") for s in prior_sections
    )


def load_detail(conn: sqlite3.Connection, count_id: int) -> CountDetail | None:
    head = _dicts(
        conn.execute(
            """SELECT r.*, d.relief, d.resentence_target, d.rule_path, d.flags, d.explanation,
                  d.run_id, d.subject_id
           FROM review_items r JOIN determinations d ON d.id = r.determination_id
           WHERE r.count_id = ?""",
            (count_id,),
        )
    )
    if not head:
        return None
    h = head[0]
    subject = _dicts(conn.execute("SELECT * FROM subjects WHERE id = ?", (h["subject_id"],)))[0]
    count = _dicts(
        conn.execute(
            "SELECT c.*, cs.case_number, cs.court, cs.event_date AS case_date FROM counts c "
            "JOIN cases cs ON cs.id = c.case_id WHERE c.id = ?",
            (count_id,),
        )
    )[0]
    try:
        explanation = json.loads(h["explanation"] or "{}")
    except json.JSONDecodeError:
        explanation = {
            "steps": [{"rule": "?", "text": h["explanation"], "statute": "", "facts": {}}]
        }
    review = {
        k: h[k]
        for k in (
            "status",
            "decided_relief",
            "decided_target",
            "reason",
            "decided_by",
            "decided_at",
            "rereview",
            "previous_decision",
        )
    }
    if review["previous_decision"]:
        try:
            review["previous_decision"] = json.loads(review["previous_decision"])
        except json.JSONDecodeError:
            pass
    determination = {
        k: h[k] for k in ("relief", "resentence_target", "rule_path", "flags", "run_id")
    }
    detail = CountDetail(count_id, subject, count, determination, explanation, review)

    prior_ids, prior_sections = _prior_refs(explanation)
    rows = _dicts(
        conn.execute(
            """SELECT c.id, cs.case_number, c.county, c.count_no, c.section, c.code, c.offense_text,
                  c.level, c.disposition, c.convicted, c.conviction_date, c.sentence, c.sentence_end,
                  d.relief, d.resentence_target
           FROM counts c JOIN cases cs ON cs.id = c.case_id
           LEFT JOIN review_items r ON r.count_id = c.id
           LEFT JOIN determinations d ON d.id = r.determination_id
           WHERE c.subject_id = ?
           ORDER BY COALESCE(c.conviction_date, cs.event_date, c.cycle_date), c.cnt_order""",
            (h["subject_id"],),
        )
    )
    for r in rows:
        try:
            sentence = json.loads(r["sentence"] or "[]")
        except json.JSONDecodeError:
            sentence = []
        disq = _is_prior(r, prior_ids, prior_sections, count_id)
        detail.record.append(
            RecordCount(
                r["id"],
                r["case_number"],
                r["county"],
                r["count_no"],
                r["section"],
                r["code"],
                r["offense_text"],
                r["level"],
                r["disposition"],
                bool(r["convicted"]),
                r["conviction_date"],
                sentence if isinstance(sentence, list) else [],
                r["sentence_end"],
                r["relief"],
                r["resentence_target"],
                is_current=r["id"] == count_id,
                disqualifying=bool(disq),
            )
        )
    case_numbers = sorted({r.case_number for r in detail.record if r.case_number})
    if case_numbers:
        detail.responses = _dicts(
            conn.execute(
                f"SELECT case_number, count_no, response, ground, response_date FROM prosecution_responses "
                f"WHERE case_number IN ({','.join('?' * len(case_numbers))}) ORDER BY case_number, count_no",
                case_numbers,
            )
        )
    if _table_exists(conn, "batch_items"):
        detail.judge_notes = _dicts(
            conn.execute(
                "SELECT batch_id, judge_status, judge_note FROM batch_items "
                "WHERE count_id = ? AND judge_note IS NOT NULL ORDER BY batch_id",
                (count_id,),
            )
        )
    from desktop.review.lifecycle import life

    detail.life = life(conn, count_id)
    return detail


def load_detail_for(
    conn: sqlite3.Connection, user: Any, count_id: int, what: str = "detail pane"
) -> CountDetail | None:
    """`load_detail` for the signed-in `user` (desktop/review/access.py): RefusedError without a
    role that may read, or for a sealed count without one that may see it; a sealed read is
    audited, and the person's sealed counts are left out of the record for other roles."""
    from desktop.review.access import read_record

    record_ids = [
        r[0]
        for r in conn.execute(
            "SELECT c2.id FROM counts c JOIN counts c2 ON c2.subject_id = c.subject_id "
            "WHERE c.id = ?",
            (count_id,),
        )
    ]
    hidden = read_record(conn, user, [count_id], what, record_ids=record_ids)
    detail = load_detail(conn, count_id)
    if detail is not None and hidden:
        detail.record = [r for r in detail.record if r.count_id not in hidden]
    return detail
