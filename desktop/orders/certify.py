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
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from desktop import audit, clock
from desktop.errors import RefusedError, UserError
from desktop.law import names
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


def _draw_stamp(c: Any, items: list, height: float, width: float, x: float, y: float) -> None:
    """The clerk's stamp: a double-ruled box with the certificate, at (x, y) bottom-left."""
    from reportlab.lib import colors

    c.saveState()
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
    c.restoreState()


@dataclass(frozen=True)
class _SigBox:
    page: int
    rect: tuple[float, float, float, float]
    name: str
    when: str  # the signature's /M, e.g. D:20261130071400+00'00'


def _page_count(reader: Any) -> int:
    return int(reader.root["/Pages"]["/Count"])


def _signature_boxes(reader: Any) -> list[_SigBox]:
    """The visible signature fields of the original: page, box, signer's name, signing time."""
    out = []
    for i in range(_page_count(reader)):
        page_ref, _ = reader.find_page_for_modification(i)
        for ref in page_ref.get_object().get("/Annots", None) or []:
            a = ref.get_object()
            parent = a.get("/Parent")
            field = parent.get_object() if parent is not None else a
            if a.get("/FT", field.get("/FT")) != "/Sig" or "/Rect" not in a:
                continue
            v = a.get("/V", field.get("/V"))
            v = v.get_object() if v is not None else {}
            x1, y1, x2, y2 = (float(n) for n in a["/Rect"])
            if abs(x2 - x1) < 1 or abs(y2 - y1) < 1:
                continue  # an invisible signature
            out.append(
                _SigBox(i, (x1, y1, x2, y2), str(v.get("/Name", "") or ""), str(v.get("/M", "")))
            )
    return out


_NUM = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)")
_TOKEN = re.compile(
    rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|\[|\]|/[^\s/\[\]()<>]+|[-+]?(?:\d+\.?\d*|\.\d+)"
    rb"|[A-Za-z'\"*]+"
)


def _marks(content: bytes) -> list[float]:
    """The heights (PDF units from the bottom) at which a page's content stream draws text or
    lines: a small interpreter of the operators reportlab writes (q Q cm, BT Tm Td TD T* TL, Tj TJ,
    m l re)."""
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    saved: list[list[float]] = []
    tm = line = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    leading = 0.0
    args: list[float] = []
    out: list[float] = []

    def mul(a: list[float], b: list[float]) -> list[float]:
        return [
            a[0] * b[0] + a[1] * b[2],
            a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4],
            a[4] * b[1] + a[5] * b[3] + b[5],
        ]

    def mark(x: float, y: float, m: list[float]) -> None:
        out.append(x * m[1] + y * m[3] + m[5])

    for tok in _TOKEN.findall(content):
        if _NUM.fullmatch(tok):
            args.append(float(tok))
            continue
        op = tok.decode("latin-1")
        if op == "q":
            saved.append(list(ctm))
        elif op == "Q" and saved:
            ctm = saved.pop()
        elif op == "cm" and len(args) >= 6:
            ctm = mul(args[-6:], ctm)
        elif op == "BT":
            tm = line = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        elif op == "Tm" and len(args) >= 6:
            tm = line = list(args[-6:])
        elif op in ("Td", "TD") and len(args) >= 2:
            if op == "TD":
                leading = -args[-1]
            tm = line = mul([1, 0, 0, 1, args[-2], args[-1]], line)
        elif op == "TL" and args:
            leading = args[-1]
        elif op in ("T*", "'", '"'):
            tm = line = mul([1, 0, 0, 1, 0, -leading], line)
        if op in ("Tj", "TJ", "'", '"'):
            mark(0, 0, mul(tm, ctm))
        elif op in ("m", "l") and len(args) >= 2:
            mark(args[-2], args[-1], ctm)
        elif op == "re" and len(args) >= 4:
            mark(args[-4], args[-3], ctm)
            mark(args[-4], args[-3] + args[-1], ctm)
        if not op.startswith(("(", "<", "[", "]", "/")):
            args = []
    return out


def _room_at_foot(reader: Any, index: int, page_h: float) -> tuple[float, float] | None:
    """(lowest mark of the page's body, top of its footer) in PDF units: the footer is what is
    drawn within 0.9 inch of the bottom edge (ReliefDesk's rule and footer line). None when the
    page's content cannot be read (then the attestation goes on a page of its own)."""
    page_ref, _ = reader.find_page_for_modification(index)
    contents = page_ref.get_object()["/Contents"]
    parts = list(contents) if isinstance(contents, list) else [contents]
    try:
        data = b"\n".join(c.get_object().data for c in parts)
    except Exception:  # an undecodable stream: no stamp on that page
        return None
    band = 0.9 * 72
    marks = [y for y in _marks(data) if 0 <= y <= page_h]
    body = [y for y in marks if y >= band]
    foot = [y for y in marks if y < band]
    if not body:
        return None
    return min(body), (max(foot) if foot else 0.0)


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


def _one_page(page_w: float, page_h: float, draw: Any) -> bytes:
    """A one-page PDF the size of the order's page, drawn by draw(canvas)."""
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(page_w, page_h), invariant=1)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def build_copy(
    original: bytes, *, court: str, clerk: str, when: date, order_no: str, copy_no: int
) -> tuple[bytes, int, bool]:
    """The certified copy's bytes, its page count, and whether the clerk's stamp is on the order's
    last page (else on a page added after it). Each of the order's pages is carried as it is
    (imported whole as a form XObject with pyHanko); the signature field stays with the original
    and its place shows the conformed signature; the stamp is drawn over the last page's foot."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import PdfFileWriter

    from desktop.orders.fonts import face, register_fonts

    register_fonts()
    reader = PdfFileReader(io.BytesIO(original), strict=False)
    pages = _page_count(reader)
    boxes = _signature_boxes(reader)
    writer = PdfFileWriter(stream_xrefs=False)

    def media(i: int) -> tuple[float, float]:
        page_ref, _ = reader.find_page_for_modification(i)
        page = page_ref.get_object()
        box = page.get("/MediaBox") or page["/Parent"].get_object()["/MediaBox"]
        return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])

    def add_page(size: tuple[float, float], layers: list[Any]) -> None:
        names = {f"/L{n}": ref for n, ref in enumerate(layers)}
        content = b" ".join(f"q {n} Do Q".encode() for n in names)
        page = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Page"),
                pdf_name("/MediaBox"): generic.ArrayObject(
                    [
                        generic.FloatObject(0),
                        generic.FloatObject(0),
                        generic.FloatObject(size[0]),
                        generic.FloatObject(size[1]),
                    ]
                ),
                pdf_name("/Resources"): generic.DictionaryObject(
                    {
                        pdf_name("/XObject"): generic.DictionaryObject(
                            {pdf_name(n): ref for n, ref in names.items()}
                        )
                    }
                ),
                pdf_name("/Contents"): writer.add_object(generic.StreamObject(stream_data=content)),
            }
        )
        writer.insert_page(page)

    def layer(pdf: bytes) -> Any:
        return writer.import_page_as_xobject(PdfFileReader(io.BytesIO(pdf)), 0)

    width = 3.6 * 72
    items, height = _attestation_flowables(court, clerk, when, order_no, pages, copy_no, width - 14)
    last_w, last_h = media(pages - 1)
    room = _room_at_foot(reader, pages - 1, last_h)
    on_last = False
    stamp_at: tuple[float, float] | None = None
    if room is not None:
        body_bottom, footer_top = room
        floor = max(footer_top, 0.75 * 72) + 6
        if body_bottom - floor >= height + 12:
            on_last = True
            stamp_at = (last_w - 72 - width, floor + (body_bottom - floor - height) / 2)

    for i in range(pages):
        w, h = media(i)
        layers = [writer.import_page_as_xobject(reader, i)]
        sigs = [b for b in boxes if b.page == i]
        stamp_here = on_last and i == pages - 1
        if sigs or stamp_here:

            def draw(c: Any, sigs: list[_SigBox] = sigs, stamp_here: bool = stamp_here) -> None:
                for b in sigs:
                    x1, y1 = min(b.rect[0], b.rect[2]), min(b.rect[1], b.rect[3])
                    c.setFont(face("serif", italic=True), 10)
                    c.drawString(x1 + 2, y1 + 14, f"/s/ {b.name}" if b.name else "/s/")
                    c.setFont(face("sans"), 6.5)
                    c.drawString(
                        x1 + 2, y1 + 5, "Signed digitally on the original" + _signed_on(b.when)
                    )
                if stamp_here and stamp_at is not None:
                    _draw_stamp(c, items, height, width, *stamp_at)

            layers.append(layer(_one_page(w, h, draw)))
        add_page((w, h), layers)
    if not on_last:

        def draw_added(c: Any) -> None:
            c.setFont(face("sans"), 8)
            c.drawString(72, last_h - 0.6 * 72, f"{court.upper()} · Order No. {order_no}")
            c.drawString(
                72,
                last_h - 0.8 * 72,
                "Clerk's certificate to the certified copy of the order above",
            )
            _draw_stamp(c, items, height, width, last_w - 72 - width, last_h - 1.2 * 72 - height)

        add_page((last_w, last_h), [layer(_one_page(last_w, last_h, draw_added))])
    writer.set_info(
        generic.DictionaryObject(
            {
                pdf_name("/Title"): generic.TextStringObject(
                    f"Certified copy of Order No. {order_no}"
                ),
                pdf_name("/Subject"): generic.TextStringObject(
                    f"{court}; certified copy no. {copy_no}"
                ),
                pdf_name("/Producer"): generic.TextStringObject("ReliefDesk"),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), pages + (0 if on_last else 1), on_last


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
    copy_id = cur.lastrowid
    assert copy_id is not None
    return CertifiedCopy(copy_id, order_no, Path(out), digest, pages, sealed, on_last)


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
