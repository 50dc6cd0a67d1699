"""The court's notice of a hearing, with its service list (the prosecution, counsel or the public
defender, the person) and the clerk's certificate of mailing / proof of service, as a PDF made with
reportlab from forms/notices/hearing_notice.toml in the letterhead style of the court's orders (court line
in capitals, courthouse and address under it, the two-column People v. caption).

Serving it is recorded: one matter_notices row per party served (from the court, with the hearing)
and one audit entry (`hearing.notice`) with the file's SHA-256, in one transaction."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import tomllib
from pathlib import Path
from string import Template
from typing import Any
from xml.sax.saxutils import escape

from desktop import audit, clock
from desktop.dispositions.common import iso_date, matter_count_ids, read_matter, today
from desktop.dispositions.responses import METHODS
from desktop.dispositions.service import (
    Party,
    mailing_city,
    refuse_unaddressed,
    service_list,
)
from desktop.dispositions.words import hearing_handle, matter_handle, person_name
from desktop.errors import RefusedError, UserError
from desktop.outputs import check_output, open_output
from desktop.paths import forms_dir
from desktop.review.access import sealed_ids
from desktop.review.users import User, require_role
from desktop.store.tx import transaction

# In a folder of its own: forms/*.toml are order templates (desktop/orders/templates.py).
TEMPLATE = "hearing_notice"


def _template(name: str = TEMPLATE) -> dict[str, Any]:
    path = Path(name) if name.endswith(".toml") else forms_dir() / "notices" / f"{name}.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"the notice template {path} cannot be read: {exc}") from None


def _fill(text: str, values: dict[str, str]) -> str:
    try:
        return Template(text).substitute({k: escape(v) for k, v in values.items()})
    except (KeyError, ValueError) as exc:
        raise UserError(f"the notice template uses an unknown placeholder: {exc}") from None


def render_notice(
    conn: sqlite3.Connection,
    hearing_id: int,
    *,
    clerk_name: str,
    served_on: str,
    method: str,
    template: str = TEMPLATE,
) -> tuple[bytes, list[Party]]:
    """The notice as PDF bytes, and the parties it is served on."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from desktop.orders.court_settings import court_details
    from desktop.orders.fonts import face, markup

    t = _template(template)
    text, lay = t["text"], t.get("layout", {})
    h = conn.execute(
        "SELECT matter_id, hearing_date, hearing_time, department, status FROM hearings"
        " WHERE id = ?",
        (hearing_id,),
    ).fetchone()
    if h is None:
        raise UserError(f"there is no Hearing No. {hearing_id}; see the hearing list")
    if h[4] != "scheduled":
        raise RefusedError(
            f"Hearing No. {hearing_id} is {h[4]}; notice goes out for a hearing on calendar"
        )
    mid = h[0]
    m = read_matter(conn, mid)
    ids = matter_count_ids(conn, mid)
    counts = conn.execute(
        "SELECT k.case_number, c.count_no, c.section, c.code, c.level, c.conviction_date,"
        " COALESCE(k.county, c.county), s.name, s.dob FROM counts c JOIN cases k ON k.id = c.case_id"
        f" JOIN subjects s ON s.id = c.subject_id WHERE c.id IN ({','.join('?' * len(ids))})"
        " ORDER BY k.case_number, c.count_no",
        ids,
    ).fetchall()
    court = court_details(conn)
    county = (counts[0][6] or "").title()
    parties = service_list(conn, mid)
    if method == "mail":
        refuse_unaddressed(parties, mid)
    serif, serif_b, sans = face("serif"), face("serif", bold=True), face("sans")
    person = person_name(conn, m.subject_id)
    values = {
        "county": county,
        "court": _fill(text["court"], {"county": county}),
        "name": person,
        "dob": counts[0][8] or "not on record",
        "case_numbers": ", ".join(sorted({c[0] or "—" for c in counts})),
        "matter_number": str(mid),
        "matter_kind": text["kinds"][m.kind],
        "filed_on": m.filed_on or "",
        "hearing_date": h[1],
        "hearing_time": h[2] or "as set by the court",
        "department": h[3] or court.department or "as assigned",
        "court_address": (", " + ", ".join(court.address_lines)) if court.address_lines else "",
        "served_on": served_on,
        "method": t["methods"].get(method, method),
        "clerk_name": clerk_name,
        "notice_date": today(),
        "city": mailing_city(conn, county),
        "hearing_number": str(hearing_id),
    }
    values["court_upper"] = values["court"].upper()
    size = float(lay.get("body_size", 10.5))
    body = ParagraphStyle("body", fontName=serif, fontSize=size, leading=size * 1.25, spaceAfter=6)
    small = ParagraphStyle(
        "small", parent=body, fontName=sans, fontSize=float(lay.get("table_size", 9))
    )
    cap = ParagraphStyle("cap", parent=body, fontSize=float(lay.get("caption_size", 11.5)))
    court_style = ParagraphStyle(
        "court", parent=body, fontName=serif_b, fontSize=12.5, alignment=TA_CENTER, spaceAfter=2
    )
    title = ParagraphStyle(
        "title",
        parent=body,
        fontName=serif_b,
        fontSize=float(lay.get("title_size", 12.5)),
        alignment=TA_CENTER,
        spaceBefore=10,
        spaceAfter=2,
    )
    sub = ParagraphStyle("sub", parent=body, alignment=TA_CENTER, fontSize=size - 1)
    head = ParagraphStyle("head", parent=body, fontName=serif_b, spaceBefore=8)
    story: list[Any] = [Paragraph(escape(values["court"]).upper(), court_style)]
    below = ([court.courthouse] if court.courthouse else []) + court.address_lines
    if below:
        story.append(Paragraph(" · ".join(markup(x, serif) for x in below), sub))
    story.append(Spacer(1, 8))
    left = [
        Paragraph(escape(text["plaintiff"]), cap),
        Paragraph(escape(text["versus"]), cap),
        Paragraph(f"<b>{markup(person, serif)}</b>,", cap),
        Paragraph(escape(text["defendant_role"]), cap),
    ]
    right = [
        Paragraph(
            f"<b>{escape(text['case_label'])}</b> {markup(values['case_numbers'], serif)}", cap
        ),
        Paragraph(
            f"<b>{escape(text['matter_label'])}</b> {mid}"
            + f" ({escape(text.get('hearing_label', 'Hearing No.'))} {hearing_id})"
            + (
                f"<br/><b>{escape(text.get('filing_label', 'Filing No.'))}</b> "
                f"{markup(m.court_case_number, serif)}"
                if m.court_case_number
                else ""
            ),
            cap,
        ),
        Paragraph(
            f"<b>{escape(text['department_label'])}:</b> {markup(values['department'], serif)}", cap
        ),
    ]
    width = letter[0] - 2 * float(lay.get("margin_in", 1.0)) * inch
    caption = Table([[left, right]], colWidths=[width * 0.55, width * 0.45])
    caption.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEAFTER", (0, 0), (0, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 0), (0, 0), 0.75, colors.black),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 10),
            ]
        )
    )
    story += [caption, Paragraph(escape(t["title"]), title), Paragraph(escape(t["subtitle"]), sub)]
    story.append(Spacer(1, 6))
    for key in ("intro", "when", "where"):
        story.append(Paragraph(_fill(text[key], values), body))
    story.append(Paragraph(escape(text["counts_heading"]), head))
    rows = [["Case", "Count", "Code and section", "Level", "Convicted"]]
    rows += [
        [c[0] or "—", str(c[1] or "—"), f"{c[3] or 'HS'} {c[2] or '—'}", c[4] or "?", c[5] or "—"]
        for c in counts
    ]
    story.append(
        _table(rows, [1.6, 0.7, 1.8, 0.7, 1.2], width, sans, float(lay.get("table_size", 9)))
    )
    story.append(Spacer(1, 6))
    for key in ("presumption", "attend"):
        story.append(Paragraph(_fill(text[key], values), body))
    story.append(Paragraph(escape(text["service_heading"]), head))
    cols = t["columns"]
    srows = [[cols["party"], cols["role"], cols.get("address", "Address"), cols["method"]]]
    srows += [
        [
            markup(p.name, sans),
            escape(p.role),
            "<br/>".join(markup(x, sans) for x in p.address) or escape(text["no_address"]),
            escape(values["method"]),
        ]
        for p in parties
    ]
    story.append(
        _table(
            srows,
            [2.0, 1.5, 2.3, 1.4],
            width,
            sans,
            float(lay.get("table_size", 9)),
            paragraphs=small,
        )
    )
    # The certificate of mailing is kept on one page with the addresses it certifies.
    cert: list[Any] = [Paragraph(escape(text["certificate_heading"]), head)]
    cert_key = "certificate_mail" if method == "mail" else "certificate"
    cert.append(Paragraph(_fill(text[cert_key], values), body))
    if method == "mail":
        addr = ParagraphStyle("addr", parent=body, leftIndent=24, spaceAfter=4)
        for p in parties:
            cert.append(
                Paragraph("<br/>".join(markup(x, serif) for x in [p.name, *p.address]), addr)
            )
        cert.append(Paragraph(_fill(text["certificate_mail_close"], values), body))
    cert.append(Spacer(1, 22))
    cert.append(Paragraph("_" * 40, body))
    cert.append(Paragraph(_fill(text["clerk_line"], values), body))
    story.append(KeepTogether(cert))

    footer = text["footer"]

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(sans, 8)
        canvas.drawString(
            doc.leftMargin,
            0.5 * inch,
            Template(footer).safe_substitute(
                matter_number=str(mid), hearing_number=str(hearing_id), page=str(doc.page)
            ),
        )
        canvas.restoreState()

    buf = io.BytesIO()
    margin = float(lay.get("margin_in", 1.0)) * inch
    doc = SimpleDocTemplate(
        buf,
        pagesize=letter,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
        title=f"{t['title']} — {matter_handle(mid)}, {hearing_handle(hearing_id)}",
        author=f"Superior Court of California, County of {county}",
        creator="ReliefDesk",
        invariant=1,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue(), parties


def _table(
    rows: list[list[str]],
    widths: list[float],
    width: float,
    font: str,
    size: float,
    *,
    paragraphs: Any = None,
) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    total = sum(widths)
    if paragraphs is not None:
        rows = [rows[0]] + [[Paragraph(str(c), paragraphs) for c in r] for r in rows[1:]]
    table = Table(rows, colWidths=[width * w / total for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, size),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 1), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table


def serve_notice(
    conn: sqlite3.Connection,
    user: User,
    hearing_id: int,
    out: Path,
    *,
    served_on: str | None = None,
    method: str = "mail",
    force: bool = False,
) -> tuple[Path, list[Party]]:
    """A clerk makes the notice of a hearing (PDF at `out`) and records it served on every party
    of the service list: one matter_notices row each and one audit entry, in one transaction."""
    require_role(user, "clerk")
    if method not in METHODS:
        raise UserError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    when = iso_date(served_on or today(), "the date served")
    assert when is not None
    if when > today():
        raise UserError(f"the date served {when} is in the future")
    out = check_output(out, db=conn, force=force, what="hearing notice")
    row = conn.execute("SELECT matter_id FROM hearings WHERE id = ?", (hearing_id,)).fetchone()
    if row and sealed_ids(conn, matter_count_ids(conn, row[0])):
        raise RefusedError(
            "a count of this matter is sealed; its notice is made from the court file"
        )
    data, parties = render_notice(
        conn, hearing_id, clerk_name=user.name, served_on=when, method=method
    )
    digest = hashlib.sha256(data).hexdigest()
    with transaction(conn):
        mid = read_matter(conn, row[0]).id if row else 0
        at = clock.utc_stamp()
        conn.executemany(
            "INSERT INTO matter_notices (matter_id, hearing_id, from_party, to_party,"
            " notified_on, method, entered_by, entered_at) VALUES (?, ?, 'court', ?, ?, ?, ?, ?)",
            [(mid, hearing_id, p.key, when, method, user.name, at) for p in parties],
        )
        with open_output(out, replace=force) as fh:
            fh.write(data)
        audit.append(
            conn,
            user.name,
            "hearing.notice",
            [hearing_id],
            {
                "matter_id": mid,
                "file": str(out),
                "sha256": digest,
                "served_on": when,
                "method": method,
                "parties": [p.key for p in parties],
            },
        )
    return out, parties
