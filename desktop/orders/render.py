"""Render an order to PDF with reportlab platypus: embedded fonts, US Letter, "Page n of m", and a
signature block whose position is reported for the digital signature field.

A one-case order with up to three counts fits one page: when the template's layout runs over, the
order is laid out again a little tighter (layout.fit_steps). The signature block always travels with
the last ordering paragraph and "IT IS SO ORDERED". Text too long for an order (a 10,000-character
name) is cut to a limit with a note on the order and a warning for the clerk; characters the order
fonts lack are set in an embedded fallback font, or the order is refused naming them (fonts.py).

Output is deterministic: the same OrderData and template give the same bytes (reportlab's invariant mode
with the PDF dates fixed to the order date), so re-rendering a batch reproduces the unsigned content;
the signing time appears only in the signature's own appearance (appearance.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.orders import wording
from desktop.orders.canvas import PagedCanvas
from desktop.orders.fonts import face, markup, register_fonts
from desktop.orders.model import CaseEntry, CountLine, OrderData, Person
from desktop.orders.templates import OrderTemplate

# Binary (not ASCII85) streams: smaller files and no slow pure-Python encoding of the font subsets.
rl_config.useA85 = 0

PAGE_W, PAGE_H = LETTER
SIGNATURE_FIELD = "JudgeSignature"
RULE = colors.Color(0.35, 0.35, 0.35)
HEADER_FILL = colors.Color(0.9, 0.9, 0.9)


@dataclass(frozen=True)
class SignaturePlace:
    """Where the digital signature field goes: 0-based page index and box (x1, y1, x2, y2) in points."""

    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class RenderedOrder:
    pdf: bytes
    pages: int
    signature: SignaturePlace
    warnings: tuple[str, ...] = ()  # fields cut to their limit, for the clerk


# Longest text an order prints for one field; beyond it the text is cut and the order says so.
LIMITS = {
    "name": 300,
    "aka": 300,
    "akas": 8,
    "case_number": 60,
    "cii": 24,
    "section": 40,
    "reason": 700,
    "court": 120,
}


def _cut(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit].rstrip() + "…", True


def limit_fields(order: OrderData) -> tuple[OrderData, list[str]]:
    """The order with over-long fields cut to LIMITS, and one warning per cut field."""
    warnings: list[str] = []
    entries = []
    for e in order.entries:
        p = e.person
        where = f"case {e.case_number or '(no number)'}"
        name, cut = _cut(p.name, LIMITS["name"])
        if cut:
            warnings.append(
                f"{where}: the name has {len(p.name):,} characters; the order prints the "
                f"first {LIMITS['name']} and says so"
            )
        sort_name, _ = _cut(p.sort_name, LIMITS["name"])
        akas = []
        for a in p.akas[: LIMITS["akas"]]:
            short, cut = _cut(a, LIMITS["aka"])
            if cut:
                warnings.append(
                    f"{where}: another name has {len(a):,} characters; the order prints "
                    f"the first {LIMITS['aka']}"
                )
            akas.append(short)
        if len(p.akas) > LIMITS["akas"]:
            warnings.append(
                f"{where}: {len(p.akas)} other names on record; the order prints {LIMITS['akas']}"
            )
        number, cut_no = _cut(e.case_number or "", LIMITS["case_number"])
        if cut_no:
            warnings.append(
                f"{where[:80]}: the case number has {len(e.case_number or ''):,} characters; "
                f"the order prints the first {LIMITS['case_number']}"
            )
        cii, _ = _cut(p.cii or "", LIMITS["cii"])
        counts = []
        for c in e.counts:
            section, _ = _cut(c.section, LIMITS["section"])
            reason, cut = _cut(c.reason or "", LIMITS["reason"])
            if cut:
                warnings.append(
                    f"{where}, count {c.count_no}: the stated reason has "
                    f"{len(c.reason or ''):,} characters; the order prints the first "
                    f"{LIMITS['reason']}"
                )
            counts.append(replace(c, section=section, reason=reason or None))
        person = Person(
            name=name, akas=tuple(akas), dob=p.dob, cii=cii or None, sort_name=sort_name
        )
        entries.append(replace(e, person=person, case_number=number or None, counts=tuple(counts)))
    if not warnings:
        return order, []
    return replace(order, entries=tuple(entries)), warnings


class _Styles:
    """Paragraph styles derived from a template's layout section."""

    def __init__(self, layout: dict[str, Any]) -> None:
        body_font = layout.get("body_font", "serif")
        table_font = layout.get("table_font", "sans")
        size = float(layout.get("body_size", 11))
        lead = float(layout.get("leading", 1.28))
        tsize = float(layout.get("table_size", 9))
        self.body_font_name = face(body_font)
        self.body = ParagraphStyle(
            "body",
            fontName=face(body_font),
            fontSize=size,
            leading=size * lead,
            alignment=TA_JUSTIFY,
            spaceAfter=size * 0.5,
        )
        self.numbered = ParagraphStyle(
            "numbered",
            parent=self.body,
            leftIndent=0.35 * inch,
            bulletIndent=0,
            bulletFontName=face(body_font),
        )
        self.heading = ParagraphStyle(
            "heading",
            parent=self.body,
            fontName=face(body_font, bold=True),
            alignment=TA_LEFT,
            spaceBefore=size * 0.6,
            spaceAfter=size * 0.35,
            keepWithNext=1,
        )
        csize = float(layout.get("caption_size", 12))
        self.court = ParagraphStyle(
            "court",
            parent=self.body,
            fontName=face(body_font, bold=True),
            fontSize=csize,
            leading=csize * 1.25,
            alignment=TA_CENTER,
            spaceAfter=csize * 0.8,
        )
        self.caption = ParagraphStyle("caption", parent=self.body, alignment=TA_LEFT, spaceAfter=0)
        self.caption_indent = ParagraphStyle(
            "caption_indent", parent=self.caption, leftIndent=0.3 * inch
        )
        tsz = float(layout.get("title_size", 12.5))
        self.title = ParagraphStyle(
            "title",
            parent=self.body,
            fontName=face(body_font, bold=True),
            fontSize=tsz,
            leading=tsz * 1.25,
            alignment=TA_CENTER,
            spaceBefore=tsz * 0.8,
            spaceAfter=2,
        )
        self.subtitle = ParagraphStyle(
            "subtitle",
            parent=self.body,
            fontName=face(body_font, italic=True),
            alignment=TA_CENTER,
            spaceAfter=size,
        )
        self.cell = ParagraphStyle(
            "cell",
            fontName=face(table_font),
            fontSize=tsize,
            leading=tsize * 1.2,
            alignment=TA_LEFT,
        )
        self.cell_head = ParagraphStyle(
            "cell_head", parent=self.cell, fontName=face(table_font, bold=True)
        )
        self.cell_note = ParagraphStyle(
            "cell_note",
            parent=self.cell,
            fontSize=tsize * 0.88,
            leading=tsize * 1.08,
            textColor=colors.Color(0.25, 0.25, 0.25),
        )
        self.small = ParagraphStyle(
            "small",
            parent=self.body,
            fontName=face(table_font),
            fontSize=float(layout.get("footer_size", 8)),
            leading=float(layout.get("footer_size", 8)) * 1.2,
            alignment=TA_LEFT,
            spaceAfter=0,
        )
        self.sign_name = ParagraphStyle(
            "sign_name", parent=self.body, alignment=TA_LEFT, spaceAfter=0
        )
        self.address = ParagraphStyle(
            "address",
            parent=self.body,
            fontName=face(body_font),
            fontSize=size * 0.9,
            leading=size * 1.1,
            alignment=TA_CENTER,
            spaceAfter=0,
        )
        self.note = ParagraphStyle(
            "note",
            parent=self.body,
            fontName=face(body_font, italic=True),
            fontSize=size * 0.9,
            leading=size * 1.12,
        )
        self.certificate = ParagraphStyle(
            "certificate",
            parent=self.body,
            fontSize=size * 0.85,
            leading=size * 1.08,
            spaceBefore=size * 0.6,
            spaceAfter=0,
        )
        self.table_font = face(table_font)
        self.table_bold = face(table_font, bold=True)
        self.footer_size = float(layout.get("footer_size", 8))


class _SignatureBlock(Flowable):
    """The date on the left; on the right the signature line with the judge's printed name, title
    and department under it. Above the line: the judge's signature image when there is one, else
    the box the digital signature's appearance fills ("Digitally signed by ..."); with an image the
    box sits under the name. An order to be signed in ink or elsewhere (order.signing 'unsigned')
    leaves the line blank. Records where the box landed so the PAdES field is placed over it."""

    def __init__(
        self, t: OrderTemplate, order: OrderData, styles: _Styles, placement: dict[str, Any]
    ) -> None:
        super().__init__()
        self.t, self.order, self.styles, self.placement = t, order, styles, placement
        values = {"order_date": wording.long_date(order.order_date)}
        self.dated = Paragraph(t.fill(t.text["dated"], values), styles.sign_name)
        font = styles.body_font_name
        self.lines = [Paragraph(f"<b>{markup(order.judge.name, font)}</b>", styles.sign_name)]
        if order.judge.title:
            self.lines.append(Paragraph(markup(order.judge.title, font), styles.sign_name))
        if order.court.department:
            self.lines.append(Paragraph(markup(order.court.department, font), styles.sign_name))
        self.image = order.judge.signature_image
        self.digital = order.signing == "digital"
        self.sig_h = 0.62 * inch  # room above the line: image, or the appearance box
        self.box_h = 0.42 * inch  # the appearance box under the name when there is an image

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self.col_w = aw * 0.5
        self.right_x = aw * 0.5
        _, self.dated_h = self.dated.wrap(aw * 0.45, ah)
        self.line_hs = [ln.wrap(self.col_w, ah)[1] for ln in self.lines]
        under = sum(self.line_hs) + 3
        if self.digital and self.image:
            under += 4 + self.box_h
        self.height = max(self.dated_h, self.sig_h + under) + 2
        return aw, self.height

    def draw(self) -> None:
        c = self.canv
        h = self.height
        line_y = h - self.sig_h
        self.dated.drawOn(c, 0, line_y + 3)
        if self.image:
            img = ImageReader(io.BytesIO(self.image))
            iw, ih = img.getSize()
            scale = min(self.col_w / iw, (self.sig_h - 4) / ih)
            c.drawImage(img, self.right_x, line_y + 1, iw * scale, ih * scale, mask="auto")
        c.setLineWidth(0.75)
        c.line(self.right_x, line_y, self.right_x + self.col_w, line_y)
        y = line_y - 3
        for ln, lh in zip(self.lines, self.line_hs, strict=True):
            y -= lh
            ln.drawOn(c, self.right_x, y)
        if self.image:
            box = (self.right_x, y - 4 - self.box_h, self.right_x + self.col_w, y - 4)
        else:
            box = (self.right_x, line_y + 1, self.right_x + self.col_w, h)
        x1, y1 = c.absolutePosition(box[0], box[1])
        x2, y2 = c.absolutePosition(box[2], box[3])
        self.placement["page"] = c.getPageNumber() - 1
        self.placement["box"] = (round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))


def _fit(c: Canvas, text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """Shrink to fit a one-line header/footer, then cut with an ellipsis as the last resort."""
    while size > 5.5 and c.stringWidth(text, font, size) > width:
        size -= 0.25
    if c.stringWidth(text, font, size) > width:
        while text and c.stringWidth(text + "…", font, size) > width:
            text = text[:-1]
        text += "…"
    return text, size


def _canvas_class(
    t: OrderTemplate,
    order: OrderData,
    values: dict[str, str],
    styles: _Styles,
    margin: float,
    top: float,
    bottom: float,
) -> type[Canvas]:
    """A canvas that defers page decoration until the page count is known ("Page n of m") and pins
    the PDF's dates to the order date."""
    d = order.order_date

    class OrderCanvas(PagedCanvas):
        stamp = d
        first_font = (styles.body.fontName, styles.body.fontSize)

        def decorate(self, page: int, total: int) -> None:
            width = PAGE_W - 2 * margin
            font, bold, size = styles.table_font, styles.table_bold, styles.footer_size
            self.saveState()
            self.setFillColor(colors.Color(0.2, 0.2, 0.2))
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            head, hs = _fit(self, t.fill(t.text["header"], values), font, size, width)
            self.setFont(font, hs)
            head_y = PAGE_H - top + min(0.42 * inch, top * 0.5)
            self.drawString(margin, head_y, head)
            self.line(margin, head_y - 0.06 * inch, PAGE_W - margin, head_y - 0.06 * inch)
            right = t.fill(t.text["footer_right"], {**values, "page": page, "pages": total})
            right_w = self.stringWidth(right, bold, size)
            left, ls = _fit(
                self,
                t.fill(t.text["footer_left"], values),
                font,
                size,
                width - right_w - 0.25 * inch,
            )
            y = bottom - min(0.5 * inch, bottom * 0.6)
            self.line(margin, y + 0.16 * inch, PAGE_W - margin, y + 0.16 * inch)
            self.setFont(font, ls)
            self.drawString(margin, y, left)
            self.setFont(bold, size)
            self.drawRightString(PAGE_W - margin, y, right)
            self.restoreState()

    return OrderCanvas


def _cell(
    text: str,
    style: ParagraphStyle,
    note: str = "",
    note_style: ParagraphStyle | None = None,
    *,
    font: str | None = None,
) -> Paragraph:
    """A table cell; with `font`, characters that font lacks are set in a fallback font."""
    body = markup(text, font) if font else escape(text)
    if note:
        shown = markup(note, font) if font else escape(note)
        body += (
            f'<br/><font size="{note_style.fontSize if note_style else style.fontSize}"><i>'
            f"{shown}</i></font>"
        )
    return Paragraph(body, style)


def _count_cells(
    t: OrderTemplate,
    columns: list[str],
    entry: CaseEntry,
    count: CountLine,
    styles: _Styles,
    court: Any = None,
) -> list[Any]:
    row: list[Any] = []
    p = entry.person
    font = styles.table_font
    for col in columns:
        if col == "count_no":
            row.append(
                _cell(str(count.count_no) if count.count_no is not None else "—", styles.cell)
            )
        elif col == "section":
            row.append(_cell(wording.section_text(count), styles.cell, font=font))
        elif col == "level":
            row.append(_cell(wording.level_text(t, count.level), styles.cell))
        elif col == "conviction_date":
            row.append(_cell(wording.short_date(count.conviction_date) or "—", styles.cell))
        elif col == "relief":
            row.append(_cell(wording.relief_text(t, count, court), styles.cell))
        elif col == "basis":
            row.append(_cell(wording.basis_text(count, entry.juvenile), styles.cell))
        elif col == "name":
            aka = ("aka " + "; ".join(p.akas)) if p.akas else ""
            if entry.juvenile:
                aka = (aka + " · " if aka else "") + "juvenile adjudication"
            shown = p.name
            if t.kind == "bulk" and court is not None and court.schedule_names == "surname_first":
                shown = p.sort_name or p.name
            row.append(_cell(shown, styles.cell, aka, styles.cell_note, font=font))
        elif col == "dob":
            row.append(_cell(wording.short_date(p.dob) or "—", styles.cell))
        elif col == "cii":
            row.append(_cell(p.cii or "—", styles.cell, font=font))
        elif col == "case_number":
            row.append(
                _cell(
                    entry.case_number or "—",
                    styles.cell,
                    wording.prosecution_text(t, entry.prosecution, short=True),
                    styles.cell_note,
                    font=font,
                )
            )
        elif col == "prosecution":
            row.append(
                _cell(wording.prosecution_text(t, entry.prosecution, short=True), styles.cell)
            )
    return row


def _col_widths(t: OrderTemplate, width: float) -> list[float]:
    rel = [float(w) for w in t.layout["column_widths"]]
    total = sum(rel)
    return [width * w / total for w in rel]


def _header_row(t: OrderTemplate, columns: list[str], styles: _Styles) -> list[Paragraph]:
    return [_cell(t.columns.get(c, c), styles.cell_head) for c in columns]


# Schedule columns that describe the person or case rather than the count.
_CASE_COLUMNS = ("name", "dob", "cii", "case_number", "prosecution")

_GRID = [
    # Tables set their cell font even for Paragraph cells; name ours so no Helvetica gets in.
    ("FONT", (0, 0), (-1, -1), "LiberationSans-Regular"),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ("BOX", (0, 0), (-1, -1), 0.6, RULE),
]


def _caption(
    t: OrderTemplate, order: OrderData, values: dict[str, str], styles: _Styles, width: float
) -> list[Flowable]:
    """Court line (with courthouse and address when set), then the two-column caption: parties on
    the left; case, order and department on the right."""
    font = styles.body_font_name
    out: list[Flowable] = [Paragraph(escape(values["court"]).upper(), styles.court)]
    courthouse = order.court.courthouse or order.courthouse
    below = [courthouse] if courthouse else []
    below += order.court.address_lines
    if below:
        out[0] = Paragraph(
            escape(values["court"]).upper(),
            ParagraphStyle("court_tight", parent=styles.court, spaceAfter=2),
        )
        out.append(Paragraph(" · ".join(markup(x, font) for x in below), styles.address))
        out.append(Spacer(1, styles.court.spaceAfter * 0.8))
    left: list[Flowable] = [
        Paragraph(escape(t.text["plaintiff"]), styles.caption),
        Paragraph(escape(t.text.get("plaintiff_role", "")), styles.caption_indent),
        Spacer(1, 2),
        Paragraph(escape(t.text["versus"]), styles.caption_indent),
        Spacer(1, 2),
    ]
    right: list[Flowable] = []
    if t.kind == "bulk":
        left.append(Paragraph(escape(t.text.get("defendant_caption", "")), styles.caption))
        right.append(
            Paragraph(
                f"<b>{escape(t.text['order_label'])}</b> {escape(order.order_number)}",
                styles.caption,
            )
        )
        right.append(
            Paragraph(
                f"<b>{escape(t.text['case_label'])}:</b> "
                + t.fill(t.text.get("case_summary", ""), values),
                styles.caption,
            )
        )
    else:
        person = order.entries[0].person
        left.append(Paragraph(f"<b>{markup(person.name, font)}</b>,", styles.caption))
        if person.akas:
            left.append(
                Paragraph(t.fill(t.text.get("aka", "aka ${akas}"), values), styles.caption_indent)
            )
        right.append(
            Paragraph(
                f"<b>{escape(t.text['case_label'])}</b> {markup(values['case_numbers'], font)}",
                styles.caption,
            )
        )
        right.append(
            Paragraph(
                f"<b>{escape(t.text['order_label'])}</b> {escape(order.order_number)}",
                styles.caption,
            )
        )
        right.append(
            Paragraph(
                f"<b>{escape(t.text.get('dob_label', 'DOB'))}:</b> "
                f"{escape(values['dob'] or 'not on record')}",
                styles.caption,
            )
        )
        right.append(
            Paragraph(
                f"<b>{escape(t.text.get('cii_label', 'CII'))}:</b> "
                f"{markup(values['cii'] or 'not on record', font)}",
                styles.caption,
            )
        )
    if order.court.department:
        right.append(
            Paragraph(
                f"<b>{escape(t.text.get('department_label', 'Department'))}:</b> "
                f"{markup(order.court.department, font)}",
                styles.caption,
            )
        )
    left.append(Paragraph(escape(t.text["defendant_role"]), styles.caption_indent))
    table = Table([[left, right]], colWidths=[width * 0.55, width * 0.45])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), styles.table_font),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEAFTER", (0, 0), (0, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 0), (0, 0), 0.75, colors.black),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 10),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    out.append(table)
    out.append(Paragraph(escape(t.title), styles.title))
    if t.subtitle:
        out.append(Paragraph(escape(t.subtitle), styles.subtitle))
    return out


def _numbered(
    t: OrderTemplate,
    paragraphs: Any,
    active: set[str],
    values: dict[str, str],
    styles: _Styles,
    start: int = 0,
) -> list[Flowable]:
    out: list[Flowable] = []
    n = start
    for para in paragraphs:
        if para.when not in active:
            continue
        if para.check:
            bullet = "\u25a1"
        else:
            n += 1
            bullet = f"{n}."
        out.append(Paragraph(t.fill(para.text, values), styles.numbered, bulletText=bullet))
    return out


# Flags in the order their findings are printed (the first the template words is used per count).
_FINDING_ORDER = (
    "judgment_after_prop64",
    "offense_after_prop64",
    "unknown_quantity",
    "two_priors",
    "disqualifying_prior",
    "registration_only",
    "ineligible_subdivision",
    "environmental_violation",
    "prosecution_challenged",
    "record_inconsistent",
    "sentence_unknown",
    "level_inferred",
    "out_of_scope_section",
    "plea_bargain",
    "related_charge",
)


def count_findings(t: OrderTemplate, order: OrderData, font: str) -> list[str]:
    """One finding per count the clerk changed or whose flags the court resolved: the template's
    [count_findings] sentence for the flag (or `changed`), with the clerk's stated reason."""
    out: list[str] = []
    for e in order.entries:
        for c in e.counts:
            keys = [f for f in _FINDING_ORDER if f in c.flags and t.count_finding(f)]
            if c.changed and t.count_finding("changed"):
                keys.insert(0, "changed")
            # A ruling's finding comes first: the denial with its finding, or the other relief.
            if c.denied and c.finding and t.count_finding(f"denied_{c.finding}"):
                keys = [f"denied_{c.finding}"]
            elif c.outcome == "granted_other_relief" and t.count_finding("other_relief"):
                keys = ["other_relief"]
            if not keys:
                continue
            reason = c.reason or ""
            values = {
                "count": f"count {c.count_no}" if c.count_no is not None else "the count",
                "count_no": str(c.count_no) if c.count_no is not None else "—",
                "section": wording.section_text(c),
                "case_number": e.case_number or "(no case number)",
                "name": markup(e.person.name, font),
                "relief": wording.relief_text(t, c, order.court),
                "relief_lower": _lower_first(wording.relief_text(t, c, order.court)),
                "reason": markup(reason, font)
                if reason
                else escape(t.text.get("no_reason", "the record before the court supports it")),
            }
            if c.outcome is not None:
                # The finding in the judge's words, printed after the statutory one.
                words = " ".join(reason.split())
                if words and words[-1] not in ".!?":
                    words += "."
                values["finding_text"] = markup(words, font) if words else ""
                values["party"] = (
                    "petitioner"
                    if order.matter is not None and order.matter.kind == "petition"
                    else "applicant"
                    if order.matter is not None and order.matter.kind == "application"
                    else "person"
                )
            sentences = [t.fill(t.count_finding(k), values) for k in keys[:2]]
            prefix = t.fill(t.text.get("count_finding_prefix", ""), values)
            out.append(prefix + " ".join(sentences))
    return out


def _lower_first(text: str) -> str:
    """'Redesignated as an infraction' -> 'redesignated as an infraction', for mid-sentence use."""
    return text[:1].lower() + text[1:] if text[:2].isalpha() and not text[:2].isupper() else text


def _fit_layouts(t: OrderTemplate, order: OrderData) -> list[dict[str, Any]]:
    """The template's layout, then tighter ones for an order that should fit one page."""
    base = dict(t.layout)
    if t.kind == "bulk" or len(order.counts) > int(base.get("one_page_counts", 3)):
        return [base]
    out = [base]
    for step in base.get("fit_steps", []):
        out.append({**base, **step})
    return out


def render_order(order: OrderData, t: OrderTemplate) -> RenderedOrder:
    """Lay out and write one order; returns the PDF bytes and where the signature field belongs.
    Raises fonts.UnprintableName when the order would print characters no embedded font has, and
    ValueError for a resentencing order without its terms."""
    if not order.entries or not order.counts:
        raise ValueError(f"order {order.order_number} has no counts")
    if t.kind == "resentence" and any(e.terms is None for e in order.entries):
        raise ValueError(
            f"order {order.order_number} is a resentencing order without its terms "
            "(credit for time served, supervision or release, hearing); enter them "
            "first (reliefdesk orders terms)"
        )
    register_fonts()
    order, warnings = limit_fields(order)
    result = None
    for layout in _fit_layouts(t, order):
        result = _render(order, t, layout, warnings)
        if result.pages == 1:
            break
    assert result is not None
    return result


def _render(
    order: OrderData, t: OrderTemplate, layout: dict[str, Any], warnings: list[str]
) -> RenderedOrder:
    styles = _Styles(layout)
    margin = float(layout.get("margin_in", 1.0)) * inch
    top = float(layout.get("margin_top_in", layout.get("margin_in", 1.0))) * inch
    bottom = float(layout.get("margin_bottom_in", layout.get("margin_in", 1.0))) * inch
    width = PAGE_W - 2 * margin
    values = wording.placeholder_values(t, order, styles.body_font_name)
    placement: dict[str, Any] = {}
    columns = list(t.layout["columns"])
    col_widths = _col_widths(t, width)

    story: list[Flowable] = _caption(t, order, values, styles, width)
    if order.amends:
        text = t.fill(
            t.text.get("amends", "This order amends and replaces Order No. ${amends}."), values
        )
        if order.amend_reason:
            text += " " + markup(order.amend_reason, styles.body_font_name)
        story.append(Paragraph(text, styles.note))
    story.append(Paragraph(t.fill(t.text["intro"], values), styles.body))
    if warnings:
        story.append(
            Paragraph(
                escape(
                    t.text.get(
                        "cut_note",
                        "Note: a name or other entry on record is too long to print in full and is "
                        "shown shortened (\u2026); the full entry is in the court's record.",
                    )
                ),
                styles.note,
            )
        )
    active = wording.conditions(order)

    if t.kind != "bulk":
        story.append(Paragraph(escape(t.text.get("counts_heading", "")), styles.heading))
        rows = [_header_row(t, columns, styles)]
        rows += [
            _count_cells(t, columns, e, c, styles, order.court)
            for e in order.entries
            for c in e.counts
        ]
        table = Table(rows, colWidths=col_widths, repeatRows=1)
        table.setStyle(TableStyle([*_GRID, ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL)]))
        story.append(table)

    story.append(Paragraph(escape(t.text.get("findings_heading", "")), styles.heading))
    findings = _numbered(t, t.findings, active, values, styles)
    story += findings
    numbered = sum(1 for p in t.findings if p.when in active and not p.check)
    for i, text in enumerate(count_findings(t, order, styles.body_font_name), numbered + 1):
        story.append(Paragraph(text, styles.numbered, bulletText=f"{i}."))
    story.append(Paragraph(escape(t.text.get("orders_heading", "")), styles.heading))
    orders = _numbered(t, t.orders, active, values, styles)
    story += orders[:-1]
    # The last ordering paragraph travels with "IT IS SO ORDERED" and the signature, so a signature
    # never stands alone on a page.
    tail: list[Flowable] = [
        *orders[-1:],
        Paragraph(f"<b>{escape(t.text['closing'])}</b>", styles.body),
        _SignatureBlock(t, order, styles, placement),
    ]
    if order.court.clerk_certificate:
        cert = markup(order.court.clerk_certificate, styles.body_font_name).replace("\n", "<br/>")
        tail.append(
            Paragraph(
                cert
                + t.fill(
                    t.text.get(
                        "certificate_lines",
                        "<br/>Date: ______________ Clerk of the Court, by "
                        "______________________, Deputy",
                    ),
                    values,
                ),
                styles.certificate,
            )
        )
    story.append(KeepTogether(tail))

    frame = Frame(
        margin,
        bottom,
        width,
        PAGE_H - top - bottom,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    templates = [PageTemplate(id="main", frames=[frame])]
    if t.kind == "bulk":
        templates.append(
            _schedule_page(t, values, styles, margin, width, columns, col_widths, top, bottom)
        )
        story += [NextPageTemplate("schedule"), PageBreak()]
        story += _schedule_blocks(t, order, styles, columns, col_widths)

    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=LETTER,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=top,
        bottomMargin=bottom,
        title=f"{t.title} (Order No. {order.order_number})",
        author=order.judge.name,
        subject=f"{values['court']}; {t.short_title}",
        creator=f"ReliefDesk; template {t.name} {t.version}",
        invariant=1,
        pageTemplates=templates,
    )
    doc.build(story, canvasmaker=_canvas_class(t, order, values, styles, margin, top, bottom))
    pdf = buf.getvalue()
    return RenderedOrder(
        pdf=pdf,
        pages=doc.page,
        signature=SignaturePlace(placement["page"], placement["box"]),
        warnings=tuple(warnings),
    )


def _schedule_page(
    t: OrderTemplate,
    values: dict[str, str],
    styles: _Styles,
    margin: float,
    width: float,
    columns: list[str],
    col_widths: list[float],
    top_margin: float,
    bottom: float,
) -> PageTemplate:
    """Schedule pages: the schedule title and column headings are drawn on every page, above the rows."""
    title = Paragraph(f"<b>{t.fill(t.schedule_title or 'Schedule A', values)}</b>", styles.cell)
    head = Table([_header_row(t, columns, styles)], colWidths=col_widths)
    head.setStyle(TableStyle([*_GRID, ("BACKGROUND", (0, 0), (-1, -1), HEADER_FILL)]))
    _, title_h = title.wrap(width, PAGE_H)
    _, head_h = head.wrap(width, PAGE_H)
    top_h = title_h + 4 + head_h

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        top = PAGE_H - top_margin
        title.drawOn(canvas, margin, top - title_h)
        head.drawOn(canvas, margin, top - top_h)

    frame = Frame(
        margin,
        bottom,
        width,
        PAGE_H - top_margin - bottom - top_h,
        id="rows",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    return PageTemplate(id="schedule", frames=[frame], onPage=on_page)


def _schedule_blocks(
    t: OrderTemplate, order: OrderData, styles: _Styles, columns: list[str], col_widths: list[float]
) -> list[Flowable]:
    """The schedule as one small table per case (or per block of a long case): splitting one
    10,000-row table is quadratic in reportlab. Person and case cells span the case's count rows."""
    per_block = int(t.layout.get("rows_per_block", 12))
    spanned = [i for i, c in enumerate(columns) if c in _CASE_COLUMNS]
    blocks: list[Flowable] = []
    entries = list(order.entries)
    if order.court.schedule_names == "surname_first":
        entries.sort(
            key=lambda e: ((e.person.sort_name or e.person.name).casefold(), e.case_number or "")
        )
    for entry in entries:
        for start in range(0, len(entry.counts), per_block):
            counts = entry.counts[start : start + per_block]
            rows = [_count_cells(t, columns, entry, c, styles, order.court) for c in counts]
            cmds = list(_GRID)
            for i in spanned:
                for row in rows[1:]:
                    row[i] = ""
                if len(rows) > 1:
                    cmds.append(("SPAN", (i, 0), (i, len(rows) - 1)))
            table = Table(rows, colWidths=col_widths)
            table.setStyle(TableStyle(cmds))
            blocks.append(table)
    return blocks
