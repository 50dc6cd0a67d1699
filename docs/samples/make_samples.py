"""Rebuild the samples in this folder (synthetic people only):

    /work/venv/bin/python docs/samples/make_samples.py [--no-summary]

sample-order.pdf (a signed one-case order, demo key), sample-resentencing-order.pdf (terms entered,
handwritten signature image on the line), sample-unsigned-order.pdf (printed for a signature in ink),
sample-bulk-order.pdf (first pages of a bulk order with its schedule) and sample-summary.pdf (summary
report of the demo database after a review), each also as PNG pages at 80 dpi (pdftoppm when installed,
else PDFium with the signature appearance drawn, as printed)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.orders.keys import create_demo_key  # noqa: E402

from desktop.orders import demo, names  # noqa: E402
from desktop.orders.model import (  # noqa: E402
    CaseEntry,
    CountLine,
    CourtDetails,
    Judge,
    OrderData,
    Person,
    ProsecutionNotice,
    ResentenceTerms,
)
from desktop.orders.render import render_order  # noqa: E402
from desktop.orders.sign import OrderSigner  # noqa: E402
from desktop.orders.summary import write_summary  # noqa: E402
from desktop.orders.templates import load_template  # noqa: E402

HERE = Path(__file__).resolve().parent
PASS = "sample"


COURT = CourtDetails(
    department="Department S-12", courthouse="Rancho Cucamonga Courthouse",
    address="8303 Haven Avenue | Rancho Cucamonga, CA 91730",
    clerk_certificate="CLERK'S CERTIFICATE: I certify that the foregoing is a true and correct copy of "
                      "the original order on file in this office.")


def _png(pdf: Path, pages: int | None = None) -> None:
    for old in HERE.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    if shutil.which("pdftoppm"):
        cmd = ["pdftoppm", "-r", "80", "-png"]
        if pages:
            cmd += ["-f", "1", "-l", str(pages)]
        subprocess.run([*cmd, str(pdf), str(HERE / pdf.stem)], check=True)
        return
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    doc.init_forms()
    for i in range(min(len(doc), pages or len(doc))):
        doc[i].render(scale=80 / 72, may_draw_forms=True).to_pil().save(HERE / f"{pdf.stem}-{i + 1}.png")
    doc.close()


def _signature_image() -> bytes:
    """A made-up handwritten-looking signature (a drawn stroke, not anyone's signature)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (600, 150), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    pts = [(20 + x, 90 - 35 * ((x // 23) % 2) + (x % 23)) for x in range(0, 540, 6)]
    d.line(pts, fill=(20, 30, 90, 255), width=5, joint="curve")
    d.line([(60, 120), (520, 105)], fill=(20, 30, 90, 255), width=3)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _person_entry(counts: tuple[CountLine, ...], notice: ProsecutionNotice,
                  terms: ResentenceTerms | None = None) -> CaseEntry:
    # As DOJ records name the person; orders name people in natural order (desktop/law/names.py).
    raw, akas = "ALVARADO-WHITFIELD,JORDAN MATEO", ("WHITFIELD,JORDAN", "ALVARADO,J M")
    person = Person(name=names.natural(raw), akas=tuple(names.natural(a) for a in akas),
                    dob="1979-11-23", cii="A09876543", sort_name=names.surname_first(raw))
    return CaseEntry(person=person, case_number="FSB0412873", counts=counts, prosecution=notice,
                     terms=terms)


def main() -> None:
    when = datetime(2025, 6, 2, 17, 42, tzinfo=UTC)          # 10:42 AM Pacific (daylight time)
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "judge.p12"
        create_demo_key("Hon. Eleanor M. Whitcombe", "Judge of the Superior Court", key, PASS,
                        county="San Bernardino")
        signer = OrderSigner.from_file(key, PASS)
        judge = signer.judge

        counts = (
            CountLine(1, "HS", "11359", "F", "2009-06-17", "redesignate_misdemeanor"),
            CountLine(2, "HS", "11357(B)", "M", "2009-06-17", "dismiss_and_seal"),
            CountLine(3, "HS", "11360(A)", "F", "2012-02-08", "redesignate_misdemeanor", changed=True,
                      reason="the court file shows transport of less than one ounce for personal use"),
        )
        order = OrderData("P64-36-2025-000017", "SAN BERNARDINO", date(2025, 6, 2), judge,
                          (_person_entry(counts, ProsecutionNotice("not_challenged", "2020-05-14")),),
                          court=COURT)
        path = HERE / "sample-order.pdf"
        path.write_bytes(signer.sign_order(render_order(order, load_template("one_case")), order,
                                           when)[0])
        _png(path)

        path = HERE / "sample-unsigned-order.pdf"
        unsigned = replace(order, order_number="P64-36-2025-000019", signing="unsigned")
        path.write_bytes(render_order(unsigned, load_template("one_case")).pdf)
        _png(path)

        serving = (CountLine(1, "HS", "11359", "F", "2015-05-01", "resentence", "misdemeanor"),
                   CountLine(2, "HS", "11358", "F", "2016-01-10", "resentence", "dismissed"))
        terms = ResentenceTerms(credit_days=212, disposition="supervision",
                                supervision_kind="misdemeanor probation", supervision_months=6,
                                hearing_date="2025-05-20", hearing_department="S-12")
        with_image = Judge(judge.name, "Commissioner of the Superior Court", _signature_image())
        order = OrderData("P64-36-2025-000018", "SAN BERNARDINO", date(2025, 6, 2), with_image,
                          (_person_entry(serving, ProsecutionNotice(), terms),), court=COURT)
        path = HERE / "sample-resentencing-order.pdf"
        path.write_bytes(signer.sign_order(render_order(order, load_template("resentence")), order,
                                           when)[0])
        _png(path)

        bulk = replace(demo.bulk_order(rows=120, judge=judge), court=COURT)
        path = HERE / "sample-bulk-order.pdf"
        path.write_bytes(signer.sign_order(render_order(bulk, load_template("bulk")), bulk, when)[0])
        _png(path, pages=3)

        if "--no-summary" not in sys.argv:
            summary = HERE / "sample-summary.pdf"
            _demo_summary(Path(tmp), summary)
            _png(summary)


def _demo_summary(tmp: Path, out: Path) -> None:
    """The demo database, a clerk's review of part of it, and its summary report."""
    from desktop.records.demo import DEMO_PASSWORD, build_demo

    from desktop.review import decisions
    from desktop.review.users import authenticate, create_user
    from desktop.store import open_db

    db_path = tmp / "demo.sqlite3"
    build_demo(db_path, rows=6000, policy_name="bear-default")
    conn = open_db(db_path).conn
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    create_user(conn, "rosa.clerk", "clerk", DEMO_PASSWORD, admin)
    clerks = [authenticate(conn, "clerk", DEMO_PASSWORD), authenticate(conn, "rosa.clerk", DEMO_PASSWORD)]
    items = conn.execute("SELECT r.count_id, d.relief FROM review_items r JOIN determinations d"
                         " ON d.id = r.determination_id ORDER BY r.count_id").fetchall()
    for i, (cid, relief) in enumerate(items[: len(items) * 2 // 3]):
        clerk = clerks[i % 2]
        if relief == "needs_review":
            decisions.defer(conn, clerk, [cid], "waiting for the court file")
        elif relief == "not_eligible" or i % 17 == 0:
            decisions.reject(conn, clerk, [cid], "other: sample rejection")
        else:
            decisions.approve(conn, clerk, [cid])
    write_summary(conn, out, user="samples", generated=date(2025, 6, 2))
    conn.close()


if __name__ == "__main__":
    main()
