"""Render an order to PDF with reportlab platypus: embedded fonts, US Letter, 1-inch margins, "Page n of m",
a visible signature block whose position is reported for the digital signature field.

Output is deterministic: the same OrderData and template give the same bytes (reportlab's invariant mode
with the PDF dates fixed to the order date), so re-rendering a batch reproduces the unsigned content."""

from __future__ import annotations

import io
from dataclasses import dataclass
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
    CondPageBreak,
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
from desktop.orders.fonts import face, register_fonts
from desktop.orders.model import CaseEntry, CountLine, OrderData
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


class _Styles:
    """Paragraph styles derived from a template's layout section."""

    def __init__(self, layout: dict[str, Any]) -> None:
        body_font = layout.get("body_font", "serif")
        table_font = layout.get("table_font", "sans")
        size = float(layout.get("body_size", 11))
        lead = float(layout.get("leading", 1.28))
        tsize = float(layout.get("table_size", 9))
        self.body = ParagraphStyle("body", fontName=face(body_font), fontSize=size,
                                   leading=size * lead, alignment=TA_JUSTIFY, spaceAfter=size * 0.5)
        self.numbered = ParagraphStyle("numbered", parent=self.body, leftIndent=0.35 * inch,
                                       bulletIndent=0, bulletFontName=face(body_font))
        self.heading = ParagraphStyle("heading", parent=self.body, fontName=face(body_font, bold=True),
                                      alignment=TA_LEFT, spaceBefore=size * 0.6, spaceAfter=size * 0.35,
                                      keepWithNext=1)
        csize = float(layout.get("caption_size", 12))
        self.court = ParagraphStyle("court", parent=self.body, fontName=face(body_font, bold=True),
                                    fontSize=csize, leading=csize * 1.25, alignment=TA_CENTER,
                                    spaceAfter=csize * 0.8)
        self.caption = ParagraphStyle("caption", parent=self.body, alignment=TA_LEFT, spaceAfter=0)
        self.caption_indent = ParagraphStyle("caption_indent", parent=self.caption,
                                             leftIndent=0.3 * inch)
        tsz = float(layout.get("title_size", 12.5))
        self.title = ParagraphStyle("title", parent=self.body, fontName=face(body_font, bold=True),
                                    fontSize=tsz, leading=tsz * 1.25, alignment=TA_CENTER,
                                    spaceBefore=tsz * 0.8, spaceAfter=2)
        self.subtitle = ParagraphStyle("subtitle", parent=self.body,
                                       fontName=face(body_font, italic=True), alignment=TA_CENTER,
                                       spaceAfter=size)
        self.cell = ParagraphStyle("cell", fontName=face(table_font), fontSize=tsize,
                                   leading=tsize * 1.2, alignment=TA_LEFT)
        self.cell_head = ParagraphStyle("cell_head", parent=self.cell,
                                        fontName=face(table_font, bold=True))
        self.cell_note = ParagraphStyle("cell_note", parent=self.cell, fontSize=tsize * 0.88,
                                        leading=tsize * 1.08, textColor=colors.Color(0.25, 0.25, 0.25))
        self.small = ParagraphStyle("small", parent=self.body, fontName=face(table_font),
                                    fontSize=float(layout.get("footer_size", 8)),
                                    leading=float(layout.get("footer_size", 8)) * 1.2, alignment=TA_LEFT,
                                    spaceAfter=0)
        self.sign_name = ParagraphStyle("sign_name", parent=self.body, alignment=TA_LEFT, spaceAfter=0)
        self.table_font = face(table_font)
        self.table_bold = face(table_font, bold=True)
        self.footer_size = float(layout.get("footer_size", 8))


class _SignatureBlock(Flowable):
    """Date, a box for the digital signature appearance, and the judge's signature line, name and title.
    Records where the box landed so the PAdES field can be placed over it."""

    def __init__(self, t: OrderTemplate, order: OrderData, styles: _Styles,
                 placement: dict[str, Any]) -> None:
        super().__init__()
        self.t, self.order, self.styles, self.placement = t, order, styles, placement
        values = {"order_date": wording.long_date(order.order_date)}
        self.dated = Paragraph(t.fill(t.text["dated"], values), styles.sign_name)
        self.name = Paragraph(f"<b>{escape(order.judge.name)}</b>", styles.sign_name)
        self.title = Paragraph(escape(order.judge.title), styles.sign_name)
        values = {"judge_name": order.judge.name, "order_number": order.order_number}
        self.stamp = Paragraph(t.fill(t.text.get("digital_signature_box", ""), values), styles.small)
        self.note = Paragraph(t.fill(t.text.get("digital_signature_note", ""), values), styles.small)
        self.image_h = 0.6 * inch

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self.col_w = aw * 0.47
        self.right_x = aw * 0.53
        _, self.dated_h = self.dated.wrap(self.col_w, ah)
        _, self.name_h = self.name.wrap(self.col_w, ah)
        _, self.title_h = self.title.wrap(self.col_w, ah)
        _, self.note_h = self.note.wrap(self.col_w, ah)
        _, self.stamp_h = self.stamp.wrap(self.col_w - 12, ah)
        self.box_h = max(0.7 * inch, self.stamp_h + 12)
        left = self.dated_h + 6 + self.box_h + 3 + self.note_h
        right = self.image_h + 4 + self.name_h + self.title_h
        self.height = max(left, right) + 6
        return aw, self.height

    def draw(self) -> None:
        c = self.canv
        h = self.height
        # Left: the date, then the box the digital signature's appearance fills, then a how-to-verify note.
        self.dated.drawOn(c, 0, h - self.dated_h)
        box_top = h - self.dated_h - 6
        box_y = box_top - self.box_h
        c.saveState()
        c.setStrokeColor(colors.Color(0.6, 0.6, 0.6))
        c.setLineWidth(0.5)
        c.setDash(2, 2)
        c.rect(0, box_y, self.col_w, self.box_h)
        c.restoreState()
        self.stamp.drawOn(c, 6, box_y + (self.box_h - self.stamp_h) / 2)
        self.note.drawOn(c, 0, box_y - 3 - self.note_h)
        x1, y1 = c.absolutePosition(0, box_y)
        x2, y2 = c.absolutePosition(self.col_w, box_top)
        self.placement["page"] = c.getPageNumber() - 1
        self.placement["box"] = (round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))
        # Right: handwritten-signature image (optional) above the line, then name and title.
        line_y = h - self.image_h - 2
        if self.order.judge.signature_image:
            img = ImageReader(io.BytesIO(self.order.judge.signature_image))
            iw, ih = img.getSize()
            scale = min(self.col_w / iw, (self.image_h - 4) / ih)
            c.drawImage(img, self.right_x, line_y + 2, iw * scale, ih * scale, mask="auto")
        c.setLineWidth(0.75)
        c.line(self.right_x, line_y, self.right_x + self.col_w, line_y)
        self.name.drawOn(c, self.right_x, line_y - 4 - self.name_h)
        self.title.drawOn(c, self.right_x, line_y - 4 - self.name_h - self.title_h)


def _fit(c: Canvas, text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """Shrink to fit a one-line header/footer, then cut with an ellipsis as the last resort."""
    while size > 5.5 and c.stringWidth(text, font, size) > width:
        size -= 0.25
    if c.stringWidth(text, font, size) > width:
        while text and c.stringWidth(text + "…", font, size) > width:
            text = text[:-1]
        text += "…"
    return text, size


def _canvas_class(t: OrderTemplate, order: OrderData, values: dict[str, str], styles: _Styles,
                  margin: float) -> type[Canvas]:
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
            self.drawString(margin, PAGE_H - margin + 0.42 * inch, head)
            self.line(margin, PAGE_H - margin + 0.36 * inch, PAGE_W - margin, PAGE_H - margin + 0.36 * inch)
            right = t.fill(t.text["footer_right"], {**values, "page": page, "pages": total})
            right_w = self.stringWidth(right, bold, size)
            left, ls = _fit(self, t.fill(t.text["footer_left"], values), font, size,
                            width - right_w - 0.25 * inch)
            y = margin - 0.5 * inch
            self.line(margin, y + 0.16 * inch, PAGE_W - margin, y + 0.16 * inch)
            self.setFont(font, ls)
            self.drawString(margin, y, left)
            self.setFont(bold, size)
            self.drawRightString(PAGE_W - margin, y, right)
            self.restoreState()

    return OrderCanvas


def _cell(text: str, style: ParagraphStyle, note: str = "", note_style: ParagraphStyle | None = None
          ) -> Paragraph:
    body = escape(text)
    if note:
        body += f'<br/><font size="{note_style.fontSize if note_style else style.fontSize}"><i>' \
                f"{escape(note)}</i></font>"
    return Paragraph(body, style)


def _count_cells(t: OrderTemplate, columns: list[str], entry: CaseEntry, count: CountLine,
                 styles: _Styles) -> list[Any]:
    row: list[Any] = []
    p = entry.person
    for col in columns:
        if col == "count_no":
            row.append(_cell(str(count.count_no) if count.count_no is not None else "—", styles.cell))
        elif col == "section":
            row.append(_cell(wording.section_text(count), styles.cell))
        elif col == "level":
            row.append(_cell(wording.level_text(t, count.level), styles.cell))
        elif col == "conviction_date":
            row.append(_cell(wording.short_date(count.conviction_date) or "—", styles.cell))
        elif col == "relief":
            row.append(_cell(wording.relief_text(t, count), styles.cell))
        elif col == "basis":
            row.append(_cell(wording.basis_text(count, entry.juvenile), styles.cell))
        elif col == "name":
            aka = ("aka " + "; ".join(p.akas)) if p.akas else ""
            if entry.juvenile:
                aka = (aka + " · " if aka else "") + "juvenile adjudication"
            row.append(_cell(p.name, styles.cell, aka, styles.cell_note))
        elif col == "dob":
            row.append(_cell(wording.short_date(p.dob) or "—", styles.cell))
        elif col == "cii":
            row.append(_cell(p.cii or "—", styles.cell))
        elif col == "case_number":
            row.append(_cell(entry.case_number or "—", styles.cell,
                             wording.prosecution_text(t, entry.prosecution, short=True),
                             styles.cell_note))
        elif col == "prosecution":
            row.append(_cell(wording.prosecution_text(t, entry.prosecution, short=True), styles.cell))
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


def _caption(t: OrderTemplate, order: OrderData, values: dict[str, str], styles: _Styles,
             width: float) -> list[Flowable]:
    """Court line, then the two-column caption: parties on the left, case and order numbers on the right."""
    out: list[Flowable] = [Paragraph(escape(values["court"]).upper(), styles.court)]
    if order.courthouse:
        out.insert(1, Paragraph(escape(order.courthouse), styles.subtitle))
    left: list[Flowable] = [Paragraph(escape(t.text["plaintiff"]), styles.caption),
                            Paragraph(escape(t.text.get("plaintiff_role", "")), styles.caption_indent),
                            Spacer(1, 4),
                            Paragraph(escape(t.text["versus"]), styles.caption_indent),
                            Spacer(1, 4)]
    right: list[Flowable] = []
    if t.kind == "bulk":
        left.append(Paragraph(escape(t.text.get("defendant_caption", "")), styles.caption))
        right.append(Paragraph(f"<b>{escape(t.text['order_label'])}</b> {escape(order.order_number)}",
                               styles.caption))
        right.append(Paragraph(f"<b>{escape(t.text['case_label'])}:</b> "
                               + t.fill(t.text.get("case_summary", ""), values), styles.caption))
    else:
        person = order.entries[0].person
        left.append(Paragraph(f"<b>{escape(person.name)}</b>,", styles.caption))
        if person.akas:
            left.append(Paragraph(t.fill(t.text.get("aka", "aka ${akas}"), values),
                                  styles.caption_indent))
        right.append(Paragraph(f"<b>{escape(t.text['case_label'])}</b> "
                               f"{escape(values['case_numbers'])}", styles.caption))
        right.append(Paragraph(f"<b>{escape(t.text['order_label'])}</b> {escape(order.order_number)}",
                               styles.caption))
        right.append(Paragraph(f"<b>{escape(t.text.get('dob_label', 'DOB'))}:</b> "
                               f"{escape(values['dob'] or 'not on record')}", styles.caption))
        right.append(Paragraph(f"<b>{escape(t.text.get('cii_label', 'CII'))}:</b> "
                               f"{escape(values['cii'] or 'not on record')}", styles.caption))
    left.append(Paragraph(escape(t.text["defendant_role"]), styles.caption_indent))
    table = Table([[left, right]], colWidths=[width * 0.55, width * 0.45])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), styles.table_font),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEAFTER", (0, 0), (0, 0), 0.75, colors.black),
        ("LINEBELOW", (0, 0), (0, 0), 0.75, colors.black),
        ("LEFTPADDING", (0, 0), (0, 0), 0),
        ("LEFTPADDING", (1, 0), (1, 0), 10),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    out.append(table)
    out.append(Paragraph(escape(t.title), styles.title))
    if t.subtitle:
        out.append(Paragraph(escape(t.subtitle), styles.subtitle))
    return out


def _numbered(t: OrderTemplate, paragraphs: Any, active: set[str], values: dict[str, str],
              styles: _Styles) -> list[Flowable]:
    out: list[Flowable] = []
    n = 0
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


def render_order(order: OrderData, t: OrderTemplate) -> RenderedOrder:
    """Lay out and write one order; returns the PDF bytes and where the signature field belongs."""
    if not order.entries or not order.counts:
        raise ValueError(f"order {order.order_number} has no counts")
    register_fonts()
    styles = _Styles(t.layout)
    margin = float(t.layout.get("margin_in", 1.0)) * inch
    width = PAGE_W - 2 * margin
    values = wording.placeholder_values(t, order)
    placement: dict[str, Any] = {}
    columns = list(t.layout["columns"])
    col_widths = _col_widths(t, width)

    story: list[Flowable] = _caption(t, order, values, styles, width)
    story.append(Paragraph(t.fill(t.text["intro"], values), styles.body))
    active = wording.conditions(order)

    if t.kind != "bulk":
        story.append(Paragraph(escape(t.text.get("counts_heading", "")), styles.heading))
        rows = [_header_row(t, columns, styles)]
        rows += [_count_cells(t, columns, e, c, styles) for e in order.entries for c in e.counts]
        table = Table(rows, colWidths=col_widths, repeatRows=1)
        table.setStyle(TableStyle([*_GRID, ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL)]))
        story.append(table)

    story.append(Paragraph(escape(t.text.get("findings_heading", "")), styles.heading))
    story += _numbered(t, t.findings, active, values, styles)
    story.append(Paragraph(escape(t.text.get("orders_heading", "")), styles.heading))
    orders = _numbered(t, t.orders, active, values, styles)
    story += orders[:-1]
    story.append(CondPageBreak(2.4 * inch))
    # The last ordering paragraph travels with the signature, so a signature never stands alone.
    story.append(KeepTogether([
        *orders[-1:],
        Paragraph(f"<b>{escape(t.text['closing'])}</b>", styles.body),
        Spacer(1, 6),
        _SignatureBlock(t, order, styles, placement),
    ]))

    frame = Frame(margin, margin, width, PAGE_H - 2 * margin, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    templates = [PageTemplate(id="main", frames=[frame])]
    if t.kind == "bulk":
        templates.append(_schedule_page(t, values, styles, margin, width, columns, col_widths))
        story += [NextPageTemplate("schedule"), PageBreak()]
        story += _schedule_blocks(t, order, styles, columns, col_widths)

    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=LETTER, leftMargin=margin, rightMargin=margin, topMargin=margin,
        bottomMargin=margin, title=f"{t.title} (Order No. {order.order_number})",
        author=order.judge.name, subject=f"{values['court']}; {t.short_title}",
        creator=f"ReliefDesk; template {t.name} {t.version}", invariant=1,
        pageTemplates=templates,
    )
    doc.build(story, canvasmaker=_canvas_class(t, order, values, styles, margin))
    pdf = buf.getvalue()
    return RenderedOrder(pdf=pdf, pages=doc.page,
                         signature=SignaturePlace(placement["page"], placement["box"]))


def _schedule_page(t: OrderTemplate, values: dict[str, str], styles: _Styles, margin: float,
                   width: float, columns: list[str], col_widths: list[float]) -> PageTemplate:
    """Schedule pages: the schedule title and column headings are drawn on every page, above the rows."""
    title = Paragraph(f"<b>{t.fill(t.schedule_title or 'Schedule A', values)}</b>", styles.cell)
    head = Table([_header_row(t, columns, styles)], colWidths=col_widths)
    head.setStyle(TableStyle([*_GRID, ("BACKGROUND", (0, 0), (-1, -1), HEADER_FILL)]))
    _, title_h = title.wrap(width, PAGE_H)
    _, head_h = head.wrap(width, PAGE_H)
    top_h = title_h + 4 + head_h

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        top = PAGE_H - margin
        title.drawOn(canvas, margin, top - title_h)
        head.drawOn(canvas, margin, top - top_h)

    frame = Frame(margin, margin, width, PAGE_H - 2 * margin - top_h, id="rows",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    return PageTemplate(id="schedule", frames=[frame], onPage=on_page)


def _schedule_blocks(t: OrderTemplate, order: OrderData, styles: _Styles, columns: list[str],
                     col_widths: list[float]) -> list[Flowable]:
    """The schedule as one small table per case (or per block of a long case): splitting one
    10,000-row table is quadratic in reportlab. Person and case cells span the case's count rows."""
    per_block = int(t.layout.get("rows_per_block", 12))
    spanned = [i for i, c in enumerate(columns) if c in _CASE_COLUMNS]
    blocks: list[Flowable] = []
    for entry in order.entries:
        for start in range(0, len(entry.counts), per_block):
            counts = entry.counts[start:start + per_block]
            rows = [_count_cells(t, columns, entry, c, styles) for c in counts]
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
