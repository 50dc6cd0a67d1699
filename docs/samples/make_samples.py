"""Rebuild the samples in this folder (synthetic people only):

    /work/venv/bin/python docs/samples/make_samples.py

sample-order.pdf (a signed one-case order, demo key), sample-resentencing-order.pdf, sample-bulk-order.pdf
(first pages of a bulk order with its schedule) and sample-summary.pdf (summary report of the demo
database after a review), each also as PNG pages (pdftoppm, 80 dpi)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.orders import demo  # noqa: E402
from desktop.orders.keys import create_demo_key  # noqa: E402
from desktop.orders.model import CaseEntry, CountLine, OrderData, Person, ProsecutionNotice  # noqa: E402
from desktop.orders.render import render_order  # noqa: E402
from desktop.orders.sign import OrderSigner  # noqa: E402
from desktop.orders.summary import write_summary  # noqa: E402
from desktop.orders.templates import load_template  # noqa: E402

HERE = Path(__file__).resolve().parent
PASS = "sample"


def _png(pdf: Path, pages: int | None = None) -> None:
    for old in HERE.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    cmd = ["pdftoppm", "-r", "80", "-png"]
    if pages:
        cmd += ["-f", "1", "-l", str(pages)]
    subprocess.run([*cmd, str(pdf), str(HERE / pdf.stem)], check=True)


def _person_entry(counts: tuple[CountLine, ...], notice: ProsecutionNotice) -> CaseEntry:
    person = Person(name="ALVARADO-WHITFIELD, JORDAN MATEO", akas=("WHITFIELD, JORDAN", "ALVARADO, J M"),
                    dob="1979-11-23", cii="A09876543")
    return CaseEntry(person=person, case_number="FSB0412873", counts=counts, prosecution=notice)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "judge.p12"
        create_demo_key("Hon. Eleanor M. Whitcombe", "Judge of the Superior Court", key, PASS,
                        county="San Bernardino")
        signer = OrderSigner.from_file(key, PASS)
        judge = signer.judge

        counts = (
            CountLine(1, "HS", "11359", "F", "2009-06-17", "redesignate_misdemeanor"),
            CountLine(2, "HS", "11357(B)", "M", "2009-06-17", "dismiss_and_seal"),
            CountLine(3, "HS", "11360(A)", "F", "2012-02-08", "redesignate_misdemeanor"),
        )
        order = OrderData("P64-36-2025-000017", "SAN BERNARDINO", date(2025, 6, 2), judge,
                          (_person_entry(counts, ProsecutionNotice("not_challenged", "2020-05-14")),))
        path = HERE / "sample-order.pdf"
        path.write_bytes(signer.sign(render_order(order, load_template("one_case")),
                                     order_number=order.order_number, county=order.county))
        _png(path)

        serving = (CountLine(1, "HS", "11359", "F", "2015-05-01", "resentence", "misdemeanor"),
                   CountLine(2, "HS", "11358", "F", "2016-01-10", "resentence", "dismissed"))
        order = OrderData("P64-36-2025-000018", "SAN BERNARDINO", date(2025, 6, 2), judge,
                          (_person_entry(serving, ProsecutionNotice()),))
        path = HERE / "sample-resentencing-order.pdf"
        path.write_bytes(signer.sign(render_order(order, load_template("resentence")),
                                     order_number=order.order_number, county=order.county))
        _png(path)

        bulk = demo.bulk_order(rows=120, judge=judge)
        path = HERE / "sample-bulk-order.pdf"
        path.write_bytes(signer.sign(render_order(bulk, load_template("bulk")),
                                     order_number=bulk.order_number, county=bulk.county))
        _png(path, pages=3)

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
