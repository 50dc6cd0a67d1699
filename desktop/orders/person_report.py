"""What happened to my record (issue 19 §4): for one person, every in-scope count — a count the
engine evaluated for the review, a count a matter asks about, or a count an order names — with its
ruling (the clerk's decision accepted by the judge in a batch, or the judicial officer's ruling on
a matter), the order that carries it (number, date, status) and when that order was reported to
DOJ (the DOJ update export, HS 11361.9(f); a denied count is never reported as relief).

Reading is checked and logged like any read of the records (issue 18): sealed counts are shown only
to a role that may see sealed records (records officer, judge), with one `sealed.read` audit entry
naming them; for anyone else they are left out and the report says sealed counts are not shown."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.errors import UserError
from desktop.review import access
from desktop.review.users import User
from desktop.review.words import relief_words

RULING_WORDS = {
    "granted": "granted",
    "granted_other_relief": "granted with other relief",
    "denied": "denied",
}
FINDING_WORDS = {
    "criteria_not_met": "criteria of HS 11361.8 not met (clear and convincing evidence)",
    "public_safety": "unreasonable risk of danger to public safety (PC 1170.18(c))",
}


@dataclass(frozen=True)
class CountReport:
    count_id: int
    case_number: str
    count_no: int | None
    section: str
    level: str
    conviction_date: str
    ruling: str  # in words
    ruled_by: str
    ruled_on: str
    source: str  # 'batch N' | 'matter N (petition)' | ''
    relief: str
    order_no: str
    order_date: str
    order_status: str
    reported_to_doj: str  # ISO time of the first DOJ update export naming the order, or ''
    sealed: bool


@dataclass
class PersonReport:
    subject_ids: list[int]
    name: str
    dob: str
    cii: str
    counts: list[CountReport] = field(default_factory=list)
    sealed_hidden: bool = False  # sealed counts were left out for this reader

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _subjects(conn: sqlite3.Connection, who: str) -> list[tuple[int, str, str, str]]:
    who = who.strip()
    rows: list[tuple[int, str, str, str]] = []
    if who.isdigit():
        rows = conn.execute(
            "SELECT id, COALESCE(name,''), COALESCE(dob,''), COALESCE(cii,'') FROM subjects"
            " WHERE id = ?",
            (int(who),),
        ).fetchall()
    if not rows:
        rows = conn.execute(
            "SELECT id, COALESCE(name,''), COALESCE(dob,''), COALESCE(cii,'') FROM subjects"
            " WHERE cii = ? ORDER BY id",
            (who,),
        ).fetchall()
    if not rows:
        raise UserError(
            f"no person with subject id or CII number {who!r}; `reliefdesk review list` and "
            "the window's search find people."
        )
    return rows


def person_report(conn: sqlite3.Connection, user: User | None, who: str) -> PersonReport:
    user = access.require_reader(conn, user)
    subjects = _subjects(conn, who)
    sids = [s[0] for s in subjects]
    marks = ",".join("?" * len(sids))
    ids = [
        r[0]
        for r in conn.execute(
            f"SELECT c.id FROM counts c WHERE c.subject_id IN ({marks}) AND ("
            " EXISTS (SELECT 1 FROM review_items r WHERE r.count_id = c.id)"
            " OR EXISTS (SELECT 1 FROM matter_counts mc WHERE mc.count_id = c.id)"
            " OR EXISTS (SELECT 1 FROM order_counts oc WHERE oc.count_id = c.id))"
            " ORDER BY c.case_id, c.count_no, c.cnt_order",
            sids,
        )
    ]
    # Issue 18: sealed counts to a role that may see them (audited), else left out.
    hidden = access.read_record(conn, user, [], "person report", record_ids=ids)
    sealed = access.sealed_ids(conn, ids)
    from desktop.law.names import natural

    shown = natural(subjects[0][1]) if subjects[0][1] else "(name not on record)"
    report = PersonReport(sids, shown, subjects[0][2], subjects[0][3])
    report.sealed_hidden = bool(hidden)
    for cid in ids:
        if cid in hidden:
            continue
        report.counts.append(_count(conn, cid, cid in sealed))
    return report


def _count(conn: sqlite3.Connection, cid: int, sealed: bool) -> CountReport:
    case_number, count_no, code, section, level, conv = conn.execute(
        "SELECT k.case_number, c.count_no, c.code, c.section, c.level, c.conviction_date"
        " FROM counts c JOIN cases k ON k.id = c.case_id WHERE c.id = ?",
        (cid,),
    ).fetchone()
    ruling = ruled_by = ruled_on = source = relief = ""
    r = conn.execute(
        "SELECT r.outcome, r.relief, r.resentence_target, r.finding, r.ruled_by, r.ruled_at,"
        " m.id, m.kind FROM rulings r JOIN matters m ON m.id = r.matter_id"
        " WHERE r.count_id = ? AND r.superseded_by IS NULL ORDER BY r.id DESC LIMIT 1",
        (cid,),
    ).fetchone()
    if r is not None:
        outcome, rrelief, target, finding, ruled_by, ruled_on, mid, mkind = r
        ruling = f"{RULING_WORDS.get(outcome, outcome)} by the court"
        if outcome == "denied":
            ruling += f": {FINDING_WORDS.get(finding or '', finding or '')}"
        source = f"matter {mid} ({mkind})"
        relief = relief_words(rrelief, target) if rrelief else ""
    else:
        b = conn.execute(
            "SELECT b.id, b.accepted_by, b.accepted_at, COALESCE(bi.relief, d.relief),"
            " COALESCE(bi.resentence_target, d.resentence_target), ri.status"
            " FROM batch_items bi JOIN batches b ON b.id = bi.batch_id"
            " JOIN review_items ri ON ri.count_id = bi.count_id"
            " JOIN determinations d ON d.id = ri.determination_id"
            " WHERE bi.count_id = ? AND b.status = 'accepted'"
            " AND COALESCE(bi.judge_status, '') <> 'sent_back' ORDER BY b.id DESC LIMIT 1",
            (cid,),
        ).fetchone()
        if b is not None:
            bid, by, at, brelief, target, status = b
            ruling = f"clerk's decision ({status}) accepted by the judge"
            ruled_by, ruled_on, source = by or "", at or "", f"batch {bid}"
            relief = relief_words(brelief, target) if brelief else ""
        else:
            st = conn.execute(
                "SELECT status FROM review_items WHERE count_id = ?", (cid,)
            ).fetchone()
            ruling = f"not yet ruled (review: {st[0]})" if st else "not yet ruled"
    o = conn.execute(
        "SELECT o.id, o.order_no, o.order_date, o.status, oc.relief FROM order_counts oc"
        " JOIN orders o ON o.id = oc.order_id WHERE oc.count_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM orders n WHERE n.amends_order_no = o.order_no"
        " AND n.status IN ('signed', 'printed')) ORDER BY o.id DESC LIMIT 1",
        (cid,),
    ).fetchone()
    order_no = order_date = order_status = reported = ""
    if o is not None:
        oid, order_no, order_date, order_status, orelief = o
        if orelief == "denied":
            reported = ""
        else:
            row = conn.execute(
                "SELECT MIN(at) FROM order_reports WHERE order_id = ? AND kind = 'doj-update'",
                (oid,),
            ).fetchone()
            reported = row[0] or ""
    return CountReport(
        count_id=cid,
        case_number=case_number or "",
        count_no=count_no,
        section=f"{code or ''} {section or ''}".strip(),
        level=level or "",
        conviction_date=conv or "",
        ruling=ruling,
        ruled_by=ruled_by or "",
        ruled_on=ruled_on or "",
        source=source,
        relief=relief,
        order_no=order_no or "",
        order_date=order_date or "",
        order_status=order_status or "",
        reported_to_doj=reported,
        sealed=sealed,
    )


def report_lines(report: PersonReport) -> list[str]:
    """The report as text lines (the CLI prints them; the PDF sets them)."""
    out = [
        f"{report.name} · DOB {report.dob or 'not on record'} · CII {report.cii or 'not on record'}",
        "",
    ]
    for c in report.counts:
        where = f"case {c.case_number or '(no number)'}, count {c.count_no if c.count_no is not None else '—'}"
        out.append(
            f"{where}: {c.section} ({c.level or 'level not stated'}), convicted {c.conviction_date or '—'}"
        )
        out.append(
            f"  ruling: {c.ruling}"
            + (f" — {c.relief}" if c.relief else "")
            + (
                f" ({c.source}" + (f", {c.ruled_by}" if c.ruled_by else "") + ")"
                if c.source
                else ""
            )
        )
        if c.order_no:
            out.append(f"  order: {c.order_no} of {c.order_date} ({c.order_status})")
            if c.relief or "denied" not in c.ruling:
                out.append(
                    "  reported to DOJ: "
                    + (c.reported_to_doj or "not yet (no DOJ update export names the order)")
                )
            if "denied" in c.ruling:
                out.append(
                    "  reported to DOJ: not reported (a denial changes nothing in DOJ's record)"
                )
        else:
            out.append("  order: none yet")
    if report.sealed_hidden:
        out += ["", "Sealed counts are shown only to a records officer or a judge."]
    return out


def write_pdf(conn: sqlite3.Connection, report: PersonReport, out: Any) -> None:
    """The report as a one-or-more-page PDF (never replacing an existing file)."""
    import io
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from desktop.orders.fonts import face, markup, register_fonts
    from desktop.outputs import write_output

    register_fonts()
    body = ParagraphStyle("b", fontName=face("serif"), fontSize=10, leading=12.5)
    head = ParagraphStyle("h", parent=body, fontName=face("serif", bold=True), fontSize=12.5)
    story: list[Any] = [Paragraph("What happened to the record", head), Spacer(1, 6)]
    for line in report_lines(report):
        if not line:
            story.append(Spacer(1, 6))
            continue
        indent = 14 if line.startswith("  ") else 0
        style = ParagraphStyle("l", parent=body, leftIndent=indent)
        story.append(Paragraph(markup(line.strip(), face("serif")) or escape(line), style))
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf,
        pagesize=LETTER,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
        title="What happened to the record",
        creator="ReliefDesk",
        invariant=1,
    ).build(story)
    write_output(out, buf.getvalue(), db=conn, what="person report")
