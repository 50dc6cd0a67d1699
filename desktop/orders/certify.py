"""Certified copies of orders (issue 19 §4): the original order's pages with the clerk's
attestation, as a California clerk certifies a copy — a stamp on the face of the last page
("I certify that the foregoing is a true and correct copy of the original on file in my office",
ATTEST, date, court, Clerk of the Court, by the deputy clerk), or, when the last page has no room
for it, on a page added after it that names the order.

The copy is a new PDF: the judge's digital signature belongs to the original and cannot be carried
into a copy, so the copy shows it conformed ("/s/ Hon. ...", signed digitally on ...) where the
signature was, and the clerk's attestation states the original is on file. The original file must be
the one the register recorded when it was signed (same SHA-256), or no copy is made.

Who may have one: a copy of an order whose counts are under seal (issue 18: signed orders) is made
only for the person named on the order, their counsel, or an agency entitled to it; anyone else
(`public`) is refused with the reason. Each copy is recorded (certified_copies: who asked, as whom,
which clerk, when, the copy's SHA-256) in one transaction with one audit entry (`orders.certify`,
naming the order and the sealed counts by id; the audit log never holds a person's name)."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from desktop import audit, clock
from desktop.errors import RefusedError, UserError
from desktop.orders import names
from desktop.orders.register import get_order, order_file
from desktop.orders.wording import long_date
from desktop.review.users import User, require_role
from desktop.store.tx import transaction

REQUESTER_KINDS = ("person", "counsel", "agency", "public")
ENTITLED_WHEN_SEALED = ("person", "counsel", "agency")
CERTIFY_ROLES = ("clerk", "records_officer")
ATTESTATION = (
    "I certify that the foregoing is a certified true and correct copy of the original on file "
    "in my office."
)


@dataclass(frozen=True)
class CertifiedCopy:
    id: int
    order_no: str
    path: Path
    sha256: str
    pages: int
    sealed: bool
    stamped_on_last_page: bool


def _same_person(requester: str, printed: str) -> bool:
    """The requester is one of the people printed on the order (names compared as people are
    named: order of parts, case and punctuation aside)."""

    def key(text: str) -> frozenset[str]:
        natural = names.natural(text, "upper") if "," in text else text.upper()
        return frozenset(p for p in "".join(ch if ch.isalnum() else " " for ch in natural).split())

    want = key(requester)
    return bool(want) and any(
        key(n) == want or (len(want) >= 2 and want <= key(n))
        for n in printed.split(";")
        if n.strip()
    )


def _county_court(conn: sqlite3.Connection, county: str) -> str:
    return f"Superior Court of California, County of {county.title()}"


def _attestation_flowables(
    court: str, clerk: str, when: date, order_no: str, pages: int, copy_no: int, width: float
) -> tuple[list, float]:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from desktop.orders.fonts import face, register_fonts

    register_fonts()
    base = ParagraphStyle("att", fontName=face("serif"), fontSize=8.6, leading=10.4)
    bold = ParagraphStyle("attb", parent=base, fontName=face("serif", bold=True), fontSize=9.4)
    small = ParagraphStyle("atts", parent=base, fontName=face("sans"), fontSize=6.8, leading=8.2)
    from xml.sax.saxutils import escape

    items = [
        Paragraph("CLERK'S CERTIFICATE", bold),
        Paragraph(escape(ATTESTATION) + f" Order No. {escape(order_no)}, {pages} page(s).", base),
        Paragraph(f"<b>ATTEST:</b> {escape(long_date(when))}", base),
        Paragraph(escape(court), base),
        Paragraph(
            f"Clerk of the Court, by <b>/s/ {escape(clerk)}</b>, Deputy Clerk",
            base,
        ),
        Paragraph(f"Certified copy no. {copy_no}", small),
    ]
    height = sum(p.wrap(width, 1000)[1] for p in items) + 2 * len(items) + 10
    return items, height


def _stamp_pdf(
    items: list, height: float, width: float, x: float, y: float, page_w: float, page_h: float
) -> bytes:
    """One page, the size of the order's, with the clerk's stamp at (x, y) (bottom-left)."""
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(page_w, page_h), invariant=1)
    c.setStrokeColor(colors.black)
    c.setLineWidth(1.1)
    c.rect(x, y, width, height)
    c.setLineWidth(0.4)
    c.rect(x + 2.5, y + 2.5, width - 5, height - 5)
    top = y + height - 6
    for p in items:
        _, h = p.wrap(width - 14, 1000)
        top -= h
        p.drawOn(c, x + 7, top)
        top -= 2
    c.showPage()
    c.save()
    return buf.getvalue()


def _conform_signatures(page, writer_page_size: tuple[float, float]) -> bytes | None:
    """Remove the digital signature field from a copied page and draw the conformed signature
    ('/s/ name, signed digitally on ...') in its box; None when the page has none."""
    from pypdf.generic import NameObject

    annots = page.get("/Annots")
    if not annots:
        return None
    keep, boxes = [], []
    for ref in annots:
        a = ref.get_object()
        if a.get("/FT") == "/Sig" or (
            a.get("/Subtype") == "/Widget" and a.get("/Parent", {}).get("/FT") == "/Sig"
        ):
            v = a.get("/V")
            v = v.get_object() if v is not None else {}
            boxes.append(
                ([float(n) for n in a["/Rect"]], str(v.get("/Name", "")), str(v.get("/M", "")))
            )
        else:
            keep.append(ref)
    if not boxes:
        return None
    from pypdf.generic import ArrayObject

    if keep:
        page[NameObject("/Annots")] = ArrayObject(keep)
    else:
        del page["/Annots"]
    from reportlab.pdfgen.canvas import Canvas

    from desktop.orders.fonts import face, register_fonts

    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=writer_page_size, invariant=1)
    for (x1, y1, x2, y2), name, when in boxes:
        c.setFont(face("serif", italic=True), 10)
        c.drawString(min(x1, x2) + 2, min(y1, y2) + 14, f"/s/ {name}" if name else "/s/")
        c.setFont(face("sans"), 6.5)
        c.drawString(
            min(x1, x2) + 2,
            min(y1, y2) + 5,
            "Signed digitally on the original" + _signed_on(when),
        )
    c.showPage()
    c.save()
    return buf.getvalue()


def _signed_on(pdf_date: str) -> str:
    """' on November 29, 2026 (Pacific)' from a signature's /M ('D:20261130071400+00'00''), the
    court's date as the signature appearance states it; '' when it cannot be read."""
    from datetime import datetime, timedelta, timezone

    from desktop.clock import pacific

    text = pdf_date[2:] if pdf_date.startswith("D:") else pdf_date
    try:
        moment = datetime.strptime(text[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return ""
    rest = text[14:].replace("'", "")
    offset = timedelta(0)
    if rest[:1] in ("+", "-") and len(rest) >= 5 and rest[1:5].isdigit():
        offset = timedelta(hours=int(rest[1:3]), minutes=int(rest[3:5]))
        offset = -offset if rest[0] == "-" else offset
    local = pacific(moment.replace(tzinfo=timezone(offset)))
    return f" on {long_date(local.date())} (Pacific)"


def _free_bottom(pdf: bytes, index: int) -> tuple[float, float]:
    """(lowest content y in PDF points from the bottom, the footer's top) on page `index`."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[index]
        h = float(page.height)
        footer_top = 0.0
        lowest = h
        objs = list(page.chars) + list(page.lines) + list(page.rects)
        # The footer: the last rule and text below 0.9 in from the bottom.
        for o in objs:
            y_bottom = h - float(o["bottom"])
            if y_bottom < 0.9 * 72:
                footer_top = max(footer_top, h - float(o["top"]))
            else:
                lowest = min(lowest, y_bottom)
        return lowest, footer_top


def build_copy(
    original: bytes, *, court: str, clerk: str, when: date, order_no: str, copy_no: int
) -> tuple[bytes, int, bool]:
    """The certified copy's bytes, its page count, and whether the stamp is on the last page."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(original))
    writer = PdfWriter()
    pages = len(reader.pages)
    for page in reader.pages:
        writer.add_page(page)
    for wp in writer.pages:
        size = (float(wp.mediabox.width), float(wp.mediabox.height))
        overlay = _conform_signatures(wp, size)
        if overlay is not None:
            wp.merge_page(PdfReader(io.BytesIO(overlay)).pages[0])
    if "/AcroForm" in writer._root_object:
        del writer._root_object["/AcroForm"]
    last = writer.pages[-1]
    page_w, page_h = float(last.mediabox.width), float(last.mediabox.height)
    width = 3.6 * 72
    items, height = _attestation_flowables(court, clerk, when, order_no, pages, copy_no, width - 14)
    lowest, footer_top = _free_bottom(original, pages - 1)
    room = lowest - max(footer_top, 0.75 * 72)
    on_last = room >= height + 16
    if on_last:
        x = page_w - 72 - width
        y = max(footer_top, 0.75 * 72) + (room - height) / 2
        last.merge_page(
            PdfReader(io.BytesIO(_stamp_pdf(items, height, width, x, y, page_w, page_h))).pages[0]
        )
    else:
        from reportlab.pdfgen.canvas import Canvas

        from desktop.orders.fonts import face

        buf = io.BytesIO()
        c = Canvas(buf, pagesize=(page_w, page_h), invariant=1)
        c.setFont(face("sans"), 8)
        c.drawString(72, page_h - 0.6 * 72, f"{court.upper()} · Order No. {order_no}")
        c.drawString(
            72, page_h - 0.8 * 72, "Clerk's certificate to the certified copy of the order above"
        )
        c.showPage()
        c.save()
        added = writer.add_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
        x, y = page_w - 72 - width, page_h - 1.2 * 72 - height
        added.merge_page(
            PdfReader(io.BytesIO(_stamp_pdf(items, height, width, x, y, page_w, page_h))).pages[0]
        )
    writer.add_metadata(
        {
            "/Title": f"Certified copy of Order No. {order_no}",
            "/Producer": "ReliefDesk",
            "/Subject": f"{court}; certified copy no. {copy_no}",
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages), on_last


def certify_order(
    conn: sqlite3.Connection,
    clerk: User,
    order_no: str,
    *,
    requester_kind: str,
    requester_name: str,
    out: Path,
    force: bool = False,
) -> CertifiedCopy:
    """Make and record a certified copy of a signed order for one requester."""
    from desktop.outputs import check_output, open_output

    require_role(clerk, *CERTIFY_ROLES)
    if requester_kind not in REQUESTER_KINDS:
        raise UserError(
            f"--for {requester_kind!r}: say who asks, one of {', '.join(REQUESTER_KINDS)}."
        )
    requester_name = " ".join((requester_name or "").split())
    if not requester_name:
        raise UserError("name who asks for the copy (--requester NAME); the copy is recorded.")
    order = get_order(conn, order_no)
    if order.status == "prepared":
        raise RefusedError(
            f"order {order_no} is not signed; only a signed order on file can be certified. "
            "Nothing was written."
        )
    sealed_ids = [
        r[0]
        for r in conn.execute(
            "SELECT count_id FROM under_seal WHERE order_id = ? ORDER BY count_id", (order.id,)
        )
    ]
    sealed = bool(sealed_ids)
    printed = conn.execute(
        "SELECT COALESCE(printed_names, '') FROM orders WHERE id = ?", (order.id,)
    ).fetchone()[0]
    if sealed and requester_kind not in ENTITLED_WHEN_SEALED:
        raise RefusedError(
            f"order {order_no} concerns a sealed conviction: a certified copy is given only to "
            "the person named on it, their counsel, or an agency entitled to it (--for person, "
            "counsel or agency); a copy for anyone else needs a court order. Nothing was written."
        )
    if sealed and requester_kind == "person" and not _same_person(requester_name, printed):
        raise RefusedError(
            f"order {order_no} concerns a sealed conviction and {requester_name} is not the "
            "person named on it; their counsel or an entitled agency asks as such (--for "
            "counsel or agency). Nothing was written."
        )
    path = order_file(order)
    original = path.read_bytes()
    if not original.startswith(b"%PDF"):
        raise UserError(
            f"the signed order on file for {order_no} is a scanned image ({path.name}), not a "
            "PDF; certify the paper original at the counter. Nothing was written."
        )
    if order.sha256 and hashlib.sha256(original).hexdigest() != order.sha256:
        raise RefusedError(
            f"the file of order {order_no} ({path}) differs from the original recorded when it "
            "was signed; no certified copy is made of it. Run `reliefdesk orders verify`. "
            "Nothing was written."
        )
    out = check_output(out, db=conn, force=force, what="certified copy")
    today = clock.court_today()
    copy_no = (
        conn.execute(
            "SELECT COUNT(*) FROM certified_copies WHERE order_id = ?", (order.id,)
        ).fetchone()[0]
        + 1
    )
    data, pages, on_last = build_copy(
        original,
        court=_county_court(conn, order.county),
        clerk=clerk.name,
        when=today,
        order_no=order_no,
        copy_no=copy_no,
    )
    digest = hashlib.sha256(data).hexdigest()
    with transaction(conn):
        with open_output(out, replace=force) as fh:
            fh.write(data)
        cur = conn.execute(
            "INSERT INTO certified_copies (order_id, requester_kind, requester_name, clerk,"
            " made_at, sealed, file_path, sha256, original_sha256) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                order.id,
                requester_kind,
                requester_name,
                clerk.name,
                clock.utc_stamp(),
                int(sealed),
                str(Path(out).resolve()),
                digest,
                hashlib.sha256(original).hexdigest(),
            ),
        )
        audit.append(
            conn,
            clerk.name,
            "orders.certify",
            [order_no],
            {
                "copy_id": cur.lastrowid,
                "copy_no": copy_no,
                "requester_kind": requester_kind,
                "sealed_counts": sealed_ids,
                "sha256": digest,
                "pages": pages,
            },
        )
    return CertifiedCopy(int(cur.lastrowid), order_no, Path(out), digest, pages, sealed, on_last)


def list_copies(conn: sqlite3.Connection, order_no: str) -> list[dict[str, object]]:
    order = get_order(conn, order_no)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(
            "SELECT id, requester_kind, requester_name, clerk, made_at, sealed, file_path, sha256"
            " FROM certified_copies WHERE order_id = ? ORDER BY id",
            (order.id,),
        ).fetchall()
    finally:
        conn.row_factory = None
    return [dict(r) for r in rows]
