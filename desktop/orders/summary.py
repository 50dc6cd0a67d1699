"""The summary report PDF of an evaluation run: figures, tables and bar charts (reportlab.graphics)."""

from __future__ import annotations

import io
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from desktop import audit, clock
from desktop.orders.canvas import PagedCanvas
from desktop.orders.fonts import face, register_fonts
from desktop.orders.summary_data import (
    RELIEF_LABELS,
    RELIEF_ORDER,
    RELIEF_SHORT,
    RunSummary,
    summarize,
)
from desktop.orders.wording import long_date
from desktop.outputs import check_output, open_output
from desktop.store.tx import transaction

PAGE_W, PAGE_H = LETTER
MARGIN = 0.85 * inch
WIDTH = PAGE_W - 2 * MARGIN
# One colour per relief, the same in every chart (colour-blind-safe Okabe-Ito palette).
RELIEF_COLORS = {
    "dismiss_and_seal": colors.HexColor("#0072B2"),
    "redesignate_misdemeanor": colors.HexColor("#56B4E9"),
    "redesignate_infraction": colors.HexColor("#009E73"),
    "resentence": colors.HexColor("#E69F00"),
    "not_eligible": colors.HexColor("#999999"),
    "needs_review": colors.HexColor("#D55E00"),
}
STATUS_ORDER = ("approved", "changed", "rejected", "deferred", "pending")


class _Styles:
    def __init__(self) -> None:
        serif, sans = face("serif"), face("sans")
        self.title = ParagraphStyle(
            "t", fontName=face("serif", bold=True), fontSize=17, leading=21, spaceAfter=4
        )
        self.sub = ParagraphStyle(
            "s",
            fontName=face("serif", italic=True),
            fontSize=11,
            leading=14,
            spaceAfter=10,
            textColor=colors.Color(0.25, 0.25, 0.25),
        )
        self.h = ParagraphStyle(
            "h",
            fontName=face("sans", bold=True),
            fontSize=12,
            leading=15,
            spaceBefore=12,
            spaceAfter=5,
            keepWithNext=1,
        )
        self.body = ParagraphStyle("b", fontName=serif, fontSize=10, leading=13, spaceAfter=5)
        self.cell = ParagraphStyle("c", fontName=sans, fontSize=8.5, leading=10.5)
        self.cell_b = ParagraphStyle("cb", parent=self.cell, fontName=face("sans", bold=True))
        self.note = ParagraphStyle(
            "n",
            fontName=serif,
            fontSize=8.5,
            leading=11,
            textColor=colors.Color(0.3, 0.3, 0.3),
            spaceAfter=4,
        )


def _table(
    rows: list[list[Any]],
    widths: list[float],
    st: _Styles,
    *,
    head: bool = True,
    numeric_from: int = 1,
) -> Table:
    data = [
        [Paragraph(escape(str(v)), st.cell_b if (head and i == 0) else st.cell) for v in row]
        for i, row in enumerate(rows)
    ]
    t = Table(data, colWidths=widths, repeatRows=1 if head else 0)
    cmds: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), face("sans")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.Color(0.75, 0.75, 0.75)),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if head:
        cmds += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    t.setStyle(TableStyle(cmds))
    return t


def _pct(n: int, d: int) -> str:
    return f"{n / d * 100:.1f}%" if d else "—"


def _relief_bar(s: RunSummary) -> Drawing:
    """Counts by relief, one horizontal bar each, labelled with the number."""
    keys = [k for k in RELIEF_ORDER if s.by_relief.get(k)] + sorted(
        k for k in s.by_relief if k not in RELIEF_ORDER
    )
    h = 26 + 22 * max(len(keys), 1)
    d = Drawing(WIDTH, h)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 8, WIDTH - 210, h - 16
    chart.data = [[s.by_relief[k] for k in reversed(keys)] or [0]]
    chart.categoryAxis.categoryNames = [RELIEF_LABELS.get(k, k) for k in reversed(keys)] or [""]
    chart.categoryAxis.labels.fontName = face("sans")
    chart.categoryAxis.labels.fontSize = 8.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = face("sans")
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.Color(0.88, 0.88, 0.88)
    chart.bars.strokeWidth = 0
    for i, k in enumerate(reversed(keys)):
        chart.bars[(0, i)].fillColor = RELIEF_COLORS.get(k, colors.grey)
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = face("sans")
    chart.barLabels.fontSize = 8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


def _stacked(groups: dict[str, Counter[str]], order: list[str], title: str) -> Drawing:
    """Stacked vertical bars: one bar per group (section or decade), one colour per relief."""
    reliefs = [k for k in RELIEF_ORDER if any(groups[g].get(k) for g in order)]
    h = 250
    d = Drawing(WIDTH, h)
    d.add(String(0, h - 12, title, fontName=face("sans", bold=True), fontSize=9.5))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, WIDTH - 200, h - 70
    chart.data = [[groups[g].get(k, 0) for g in order] for k in reliefs] or [
        [0] * max(len(order), 1)
    ]
    chart.categoryAxis.categoryNames = order or [""]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = face("sans")
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 30 if len(order) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(order) > 8 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = face("sans")
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.Color(0.88, 0.88, 0.88)
    chart.bars.strokeWidth = 0
    for i, k in enumerate(reliefs):
        chart.bars[i].fillColor = RELIEF_COLORS.get(k, colors.grey)
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = WIDTH - 135, h - 40
    legend.fontName, legend.fontSize = face("sans"), 8
    legend.alignment = "right"
    legend.columnMaximum = 10
    legend.colorNamePairs = [(RELIEF_COLORS[k], RELIEF_LABELS[k]) for k in reversed(reliefs)]
    legend.deltay = 12
    d.add(legend)
    return d


def _clerk_bar(s: RunSummary) -> Drawing:
    clerks = sorted(s.by_clerk)
    statuses = [x for x in STATUS_ORDER if any(s.by_clerk[c].get(x) for c in clerks)]
    palette = {
        "approved": "#009E73",
        "changed": "#56B4E9",
        "rejected": "#D55E00",
        "deferred": "#E69F00",
        "pending": "#999999",
    }
    h = 40 + 24 * max(len(clerks), 1)
    d = Drawing(WIDTH, h)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 110, 10, WIDTH - 250, h - 20
    chart.data = [[s.by_clerk[c].get(x, 0) for c in clerks] for x in statuses] or [[0]]
    chart.categoryAxis.categoryNames = clerks or ["(no decisions yet)"]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = face("sans")
    chart.categoryAxis.labels.fontSize = 8.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = face("sans")
    chart.valueAxis.labels.fontSize = 7.5
    chart.bars.strokeWidth = 0
    for i, x in enumerate(statuses):
        chart.bars[i].fillColor = colors.HexColor(palette[x])
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = WIDTH - 120, h - 8
    legend.fontName, legend.fontSize = face("sans"), 8
    legend.columnMaximum = 10
    legend.colorNamePairs = [(colors.HexColor(palette[x]), x) for x in statuses]
    legend.deltay = 11
    d.add(legend)
    return d


def _numbered_canvas(label: str, stamp: date) -> type[Canvas]:
    class SummaryCanvas(PagedCanvas):
        first_font = (face("sans"), 12)

        def decorate(self, page: int, total: int) -> None:
            self.setFont(face("sans"), 7.5)
            self.setFillColor(colors.Color(0.3, 0.3, 0.3))
            self.drawString(MARGIN, MARGIN - 0.45 * inch, label)
            self.drawRightString(PAGE_W - MARGIN, MARGIN - 0.45 * inch, f"Page {page} of {total}")

    SummaryCanvas.stamp = stamp
    return SummaryCanvas


def render_summary(s: RunSummary, generated: date) -> bytes:
    register_fonts()
    st = _Styles()
    county = s.county.title()
    story: list[Any] = [
        Paragraph(f"Proposition 64 relief: summary for the County of {escape(county)}", st.title),
        Paragraph(
            f"Evaluation run {s.run_id} · policy {escape(s.policy_name)} "
            f"{escape(s.policy_version)} · relief as of {long_date(date.fromisoformat(s.as_of[:10]))}"
            f" · generated {long_date(generated)}",
            st.sub,
        ),
    ]
    facts = [
        ["Evaluation run", str(s.run_id)],
        ["County", county],
        ["Policy", f"{s.policy_name} (version {s.policy_version})"],
        ["As-of date", s.as_of],
        ["Engine version", s.engine_version],
        ["Run started", f"{clock.court_time_text(s.started_at)} by {s.created_by or 'unknown'}"],
        ["Earliest conviction", s.earliest_conviction or "—"],
    ]
    story.append(_table(facts, [1.7 * inch, WIDTH - 1.7 * inch], st, head=False))

    story.append(Paragraph("People and convictions", st.h))
    granted = sum(
        s.by_relief.get(k, 0)
        for k in (
            "dismiss_and_seal",
            "redesignate_misdemeanor",
            "redesignate_infraction",
            "resentence",
        )
    )
    people = [
        ["Measure", "Number", "Share"],
        ["Cannabis convictions evaluated (HS 11357–11360)", f"{s.counts:,}", ""],
        ["  of them felonies / not felonies", f"{s.felony_counts:,} / {s.non_felony_counts:,}", ""],
        ["Related convictions evaluated under county policy", f"{s.other_counts:,}", ""],
        ["Convictions granted some relief", f"{granted:,}", _pct(granted, s.counts)],
        ["People with a cannabis conviction", f"{s.people:,}", ""],
        [
            "People granted some relief",
            f"{s.people_some_relief:,}",
            _pct(s.people_some_relief, s.people),
        ],
        [
            "People with a felony on record before relief",
            f"{s.people_with_felony:,}",
            _pct(s.people_with_felony, s.people),
        ],
        [
            "People who no longer have a felony",
            f"{s.people_no_felony_after:,}",
            _pct(s.people_no_felony_after, s.people_with_felony) + " of those with one",
        ],
        [
            "People left with no conviction at all",
            f"{s.people_no_conviction_after:,}",
            _pct(s.people_no_conviction_after, s.people),
        ],
        [
            "People with no conviction in the last 7 years",
            f"{s.people_no_recent_conviction_after:,}",
            _pct(s.people_no_recent_conviction_after, s.people),
        ],
    ]
    story.append(_table(people, [WIDTH - 2.6 * inch, 1.1 * inch, 1.5 * inch], st))
    story.append(
        Paragraph(
            "“After relief” figures assume every granted relief in this run takes effect, and look at each "
            "person's whole record in the database (all counties), not only the cannabis counts.",
            st.note,
        )
    )
    compare = [
        [
            "People (of those with a cannabis conviction)",
            "With this run's relief",
            "If every HS 11357–11360 conviction were dismissed",
        ],
        [
            "No felony left (of those who had one)",
            f"{s.people_no_felony_after:,}",
            f"{s.dismiss_all_no_felony:,}",
        ],
        [
            "No conviction left",
            f"{s.people_no_conviction_after:,}",
            f"{s.dismiss_all_no_conviction:,}",
        ],
        [
            "No conviction in the last 7 years",
            f"{s.people_no_recent_conviction_after:,}",
            f"{s.dismiss_all_no_recent_conviction:,}",
        ],
    ]
    story.append(
        KeepTogether(
            [
                Paragraph("Compared with dismissing every cannabis conviction", st.h),
                _table(compare, [WIDTH - 3.6 * inch, 1.4 * inch, 2.2 * inch], st),
            ]
        )
    )

    story.append(Paragraph("Convictions by relief", st.h))
    story.append(_relief_bar(s))

    sections = sorted(k for k in s.by_section if k != "other")
    sec_rows = [["Section", *[RELIEF_SHORT[k] for k in RELIEF_ORDER], "Total"]]
    for sec in sections + (["other"] if "other" in s.by_section else []):
        c = s.by_section[sec]
        name = "Related charges" if sec == "other" else f"HS {sec}"
        sec_rows.append([name, *[f"{c.get(k, 0):,}" for k in RELIEF_ORDER], f"{sum(c.values()):,}"])
    story.append(
        KeepTogether(
            [
                Paragraph("Convictions by code section", st.h),
                _stacked(s.by_section, sections, "Convictions by section and relief"),
                _table(sec_rows, [1.1 * inch] + [(WIDTH - 1.7 * inch) / 6] * 6 + [0.6 * inch], st),
                Paragraph(
                    "Related charges (not HS 11357–11360) are evaluated for "
                    "county policies; they are not in the chart or the other "
                    "figures.",
                    st.note,
                ),
            ]
        )
    )
    decades = sorted(d for d in s.by_decade if d != "unknown") + (
        ["unknown"] if "unknown" in s.by_decade else []
    )
    story.append(
        KeepTogether(
            [
                Paragraph("Convictions by decade of conviction", st.h),
                _stacked(s.by_decade, decades, "Convictions by decade and relief"),
            ]
        )
    )

    if s.by_policy_rule:
        rows = [["County policy rule", "Convictions given relief beyond the statute"]]
        rows += [[k, f"{v:,}"] for k, v in s.by_policy_rule.most_common()]
        story.append(
            KeepTogether(
                [
                    Paragraph("Relief granted by county policy", st.h),
                    _table(rows, [WIDTH - 2.5 * inch, 2.5 * inch], st),
                ]
            )
        )

    story.append(Paragraph("Review and orders", st.h))
    rev = [["Review status", "Convictions"]] + [
        [k, f"{s.review_status.get(k, 0):,}"] for k in STATUS_ORDER
    ]
    rev += [["In signed orders", f"{s.counts_in_signed_orders:,} in {s.signed_orders:,} orders"]]
    story.append(_table(rev, [WIDTH - 2.5 * inch, 2.5 * inch], st))
    clerk_rows = [["Decided by", *STATUS_ORDER[:4], "Total"]]
    for clerk in sorted(s.by_clerk):
        c = s.by_clerk[clerk]
        clerk_rows.append(
            [clerk, *[f"{c.get(x, 0):,}" for x in STATUS_ORDER[:4]], f"{sum(c.values()):,}"]
        )
    story.append(
        KeepTogether(
            [
                Paragraph("Decisions by clerk", st.h),
                _table(clerk_rows, [1.7 * inch] + [(WIDTH - 1.7 * inch) / 5] * 5, st)
                if s.by_clerk
                else Paragraph("No review decisions yet.", st.body),
                Spacer(1, 6),
                _clerk_bar(s) if s.by_clerk else Spacer(1, 1),
            ]
        )
    )

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        invariant=1,
        title=f"Prop 64 relief summary, County of {county}, run {s.run_id}",
        author="ReliefDesk",
        creator="ReliefDesk",
    )
    label = (
        f"ReliefDesk summary · County of {county} · run {s.run_id} · policy {s.policy_name} "
        f"{s.policy_version} · as of {s.as_of}"
    )
    doc.build(story, canvasmaker=_numbered_canvas(label, generated))
    return buf.getvalue()


def write_summary(
    conn: sqlite3.Connection,
    out: Path,
    *,
    run_id: int | None = None,
    user: str | None = None,
    generated: date | None = None,
    force: bool = False,
) -> int:
    s = summarize(conn, run_id)
    out = check_output(out, db=conn, force=force, what="summary report")
    pdf = render_summary(s, generated or clock.court_today())
    with transaction(conn):
        with open_output(out, replace=force) as fh:
            fh.write(pdf)
        audit.append(
            conn, user, "report.summary", [s.run_id], {"file": str(out), "counts": s.counts}
        )
    return s.run_id
