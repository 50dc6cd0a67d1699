"""What `reliefdesk review show` prints for one count: the determination with its explanation
steps, the review state (and a re-review's or send-back's previous decision), the judge's notes,
the person's whole record, and prosecution responses. Read-only."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from desktop.clock import court_time_text
from desktop.errors import UserError
from desktop.vocabulary import ReviewStatus


def _dicts(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur]


def _json(text: str | None, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except json.JSONDecodeError:
        return default


def count_detail(conn: sqlite3.Connection, count_id: int) -> dict[str, Any]:
    """Everything about one count in the queue, as plain data (JSON-ready)."""
    head = _dicts(
        conn.execute(
            "SELECT r.*, d.relief, d.resentence_target, d.rule_path, d.flags, d.explanation, d.run_id,"
            " c.subject_id, c.section, c.offense_text, c.level, c.conviction_date, c.county,"
            " c.count_no, c.sentence_end, cs.case_number"
            " FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            " JOIN counts c ON c.id = r.count_id JOIN cases cs ON cs.id = c.case_id"
            " WHERE r.count_id = ?",
            (count_id,),
        )
    )
    if not head:
        raise UserError(f"count {count_id} is not in the review queue; see `reliefdesk queue list`")
    h = head[0]
    subject = _dicts(
        conn.execute(
            "SELECT id, cii, name, dob, gender, deceased, registered_290 "
            "FROM subjects WHERE id = ?",
            (h["subject_id"],),
        )
    )[0]
    record = _dicts(
        conn.execute(
            "SELECT c.id AS count_id, cs.case_number, c.county, c.count_no, c.section, c.code,"
            " c.level, c.disposition, c.convicted, c.conviction_date, c.sentence, c.sentence_end,"
            " d.relief, r.status FROM counts c JOIN cases cs ON cs.id = c.case_id"
            " LEFT JOIN review_items r ON r.count_id = c.id"
            " LEFT JOIN determinations d ON d.id = r.determination_id"
            " WHERE c.subject_id = ? ORDER BY COALESCE(c.conviction_date, cs.event_date, c.cycle_date),"
            " c.cnt_order",
            (h["subject_id"],),
        )
    )
    for r in record:
        r["sentence"] = _json(r["sentence"], [])
        r["convicted"] = bool(r["convicted"])
    cases = sorted({r["case_number"] for r in record if r["case_number"]})
    responses = (
        _dicts(
            conn.execute(
                f"SELECT case_number, count_no, response, ground, response_date FROM prosecution_responses"
                f" WHERE case_number IN ({','.join('?' * len(cases))}) ORDER BY case_number, count_no",
                cases,
            )
        )
        if cases
        else []
    )
    notes = _dicts(
        conn.execute(
            "SELECT batch_id, judge_status, judge_note, judged_by, judged_at FROM batch_items "
            "WHERE count_id = ? AND judge_note IS NOT NULL ORDER BY batch_id",
            (count_id,),
        )
    )
    return {
        "count_id": count_id,
        "subject": subject,
        "count": {
            k: h[k]
            for k in (
                "case_number",
                "county",
                "count_no",
                "section",
                "offense_text",
                "level",
                "conviction_date",
                "sentence_end",
            )
        },
        "determination": {
            "relief": h["relief"],
            "resentence_target": h["resentence_target"],
            "rule_path": h["rule_path"],
            "flags": [f for f in (h["flags"] or "").split(";") if f],
            "run_id": h["run_id"],
        },
        "explanation": _json(h["explanation"], {}),
        "review": {
            "status": h["status"],
            "decided_relief": h["decided_relief"],
            "decided_target": h["decided_target"],
            "reason": h["reason"],
            "decided_by": h["decided_by"],
            "decided_at": h["decided_at"],
            "rereview": bool(h["rereview"]),
            "previous_decision": _json(h["previous_decision"], h["previous_decision"]),
        },
        "judge_notes": notes,
        "record": record,
        "prosecution_responses": responses,
    }


def count_detail_for(
    conn: sqlite3.Connection, user: Any, count_id: int, what: str = "review show"
) -> dict[str, Any]:
    """`count_detail` for a signed-in user (desktop/review/access.py): refused without a role
    that may read, or for a sealed count without a role that may see it; a sealed count read is
    audited, and the sealed counts of the person's record are left out for other roles."""
    from desktop.review.access import read_record

    detail = count_detail(conn, count_id)
    hidden = read_record(
        conn, user, [count_id], what, record_ids=[r["count_id"] for r in detail["record"]]
    )
    if hidden:
        detail["record"] = [r for r in detail["record"] if r["count_id"] not in hidden]
    return detail


def render_text(d: dict[str, Any]) -> str:
    """The detail as plain text for a terminal."""
    s, c, det, rv = d["subject"], d["count"], d["determination"], d["review"]
    relief = det["relief"] + (f" → {det['resentence_target']}" if det["resentence_target"] else "")
    lines = [
        f"Count {d['count_id']}: {c['section']} ({c['level'] or '?'}), case {c['case_number']}, "
        f"{c['county']}, convicted {c['conviction_date'] or 'unknown'}",
        f"Person: {s['name']}  DOB {s['dob'] or 'unknown'}  CII {s['cii'] or '—'}"
        + ("  (deceased)" if s["deceased"] else ""),
        f"Proposed relief: {relief}    Rule path: {det['rule_path']}",
        f"Flags: {', '.join(det['flags']) or 'none'}",
        f"Status: {rv['status']}"
        + (
            f" → {rv['decided_relief']}"
            + (f" → {rv['decided_target']}" if rv["decided_target"] else "")
            if rv["status"] == ReviewStatus.CHANGED
            else ""
        )
        + (
            f" by {rv['decided_by']} at {court_time_text(rv['decided_at'])}"
            if rv["decided_by"]
            else ""
        )
        + (f"; reason: {rv['reason']}" if rv["reason"] else ""),
    ]
    prev = rv["previous_decision"]
    if prev:
        what = "Re-review after a new evaluation" if rv["rereview"] else "Reopened"
        shown = (
            prev
            if isinstance(prev, str)
            else ", ".join(f"{k}: {v}" for k, v in prev.items() if v not in (None, ""))
        )
        lines.append(f"{what}; previous decision: {shown}")
    for n in d["judge_notes"]:
        lines.append(
            f"Judge's note (batch {n['batch_id']}, {n['judge_status']}, "
            f"{n['judged_by']}): {n['judge_note']}"
        )
    lines.append("")
    lines.append("Why:")
    for i, step in enumerate(d["explanation"].get("steps", []), 1):
        statute = f" [{step['statute']}]" if step.get("statute") else ""
        lines.append(f"  {i}. {step.get('text', '')}{statute}")
        facts = step.get("facts") or {}
        if facts:
            lines.append("     " + "; ".join(f"{k}: {v}" for k, v in facts.items()))
    pol = d["explanation"].get("policy") or {}
    if pol or d["explanation"].get("as_of"):
        lines.append(
            f"  (policy {pol.get('name')} {pol.get('version')}, as of "
            f"{d['explanation'].get('as_of')}, engine "
            f"{d['explanation'].get('engine_version')})"
        )
    lines.append("")
    lines.append("Record:")
    for r in d["record"]:
        mark = ">" if r["count_id"] == d["count_id"] else " "
        sentence = ", ".join(
            f"{p.get('kind') or ''} unreadable".strip()
            if p.get("unit") == "?"
            else f"{p.get('kind') or ''} {p.get('length') or ''}{p.get('unit') or ''}".strip()
            for p in r["sentence"]
            if isinstance(p, dict)
        )
        lines.append(
            f" {mark} {r['count_id']:>7}  {r['conviction_date'] or '—':10}  "
            f"{r['case_number'] or '—':14} {r['section'] or '—'} {r['code'] or ''} "
            f"{r['level'] or ''}  {r['disposition'] or ''}"
            + (f"  sentence: {sentence}" if sentence else "")
            + (f"  ends {r['sentence_end']}" if r["sentence_end"] else "")
            + (f"  [{r['relief']}, {r['status']}]" if r["relief"] else "")
        )
    if d["prosecution_responses"]:
        lines.append("")
        lines.append("Prosecution responses:")
        for p in d["prosecution_responses"]:
            lines.append(
                f"  case {p['case_number']} count {p['count_no'] or 'all'}: "
                f"{p['response']}"
                + (f" ({p['ground']})" if p["ground"] else "")
                + (f" on {p['response_date']}" if p["response_date"] else "")
            )
    # Each line is escaped on its own: control characters from record data (an escape sequence
    # in a name) are shown visibly and never reach the terminal.
    from desktop.outputs import for_terminal

    return "\n".join(for_terminal(line) for line in lines)
