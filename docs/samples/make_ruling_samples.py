"""Rebuild the samples of the orders made from rulings (issue 19; synthetic people only):

    /work/venv/bin/python docs/samples/make_ruling_samples.py

sample-after-hearing-order.pdf (a petition: one count denied for public safety, one granted),
sample-denial-order.pdf (an application denied on the papers: criteria not met),
sample-petition-order.pdf (an application granted on the papers: CR-403 content, one count with
other relief), sample-resentencing-after-hearing.pdf (credit and supervision from the ruling), and
sample-certified-copy.pdf (the clerk's certified copy of the order after hearing), each also as PNG
pages at 80 dpi (pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.keys import create_demo_key  # noqa: E402
from desktop.orders.certify import build_copy  # noqa: E402
from desktop.orders.model import (  # noqa: E402
    CaseEntry,
    CountLine,
    CourtDetails,
    HearingInfo,
    MatterInfo,
    OrderData,
    Person,
    ResentenceTerms,
)
from desktop.orders.render import render_order  # noqa: E402
from desktop.orders.sign import OrderSigner  # noqa: E402
from desktop.orders.templates import load_template  # noqa: E402

HERE = Path(__file__).resolve().parent
PASS = "sample"
COURT = CourtDetails(
    department="Department S-12",
    courthouse="Rancho Cucamonga Courthouse",
    address="8303 Haven Avenue | Rancho Cucamonga, CA 91730",
)


def _png(pdf: Path) -> None:
    for old in HERE.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(HERE / pdf.stem)], check=True)


def _line(n: int, section: str, level: str, conv: str, relief: str, **kw: object) -> CountLine:
    return CountLine(n, "HS", section, level, conv, relief, **kw)  # type: ignore[arg-type]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "judge.p12"
        create_demo_key("Hon. Marisol Okafor-Reyes", "Judge of the Superior Court", key, PASS)
        signer = OrderSigner.from_file(key, PASS)
    person = Person("AMARA P CALDERON", ("AMARA CALDERON-PIKE",), "1988-04-12", "A09876543")
    hearing = HearingInfo("2026-11-02", "09:00", "S-12",
                          "Deputy District Attorney Lena Marsh for the People; Dana Whitfield for the petitioner")
    samples = {
        "sample-after-hearing-order": (
            "after_hearing",
            MatterInfo("petition", 41, "P64-PET-2026-0041", "2026-09-14", "attorney", "Dana Whitfield",
                       "opposes_public_safety", "2026-10-01"),
            hearing,
            (
                _line(1, "11360(A)", "F", "2015-06-02", "denied", outcome="denied",
                      finding="public_safety", path="b",
                      reason="The petitioner was convicted in 2025 of assault with a firearm and the "
                      "evidence at the hearing showed continuing threats against a witness"),
                _line(2, "11357(A)", "M", "2015-06-02", "dismiss_and_seal", outcome="granted", path="b"),
            ),
            None,
        ),
        "sample-denial-order": (
            "denial",
            MatterInfo("application", 42, "P64-APP-2026-0042", "2026-08-20", "person", "Amara P Calderon",
                       "opposes_criteria", "2026-09-10"),
            None,
            (
                _line(1, "11359", "F", "2014-02-11", "denied", outcome="denied",
                      finding="criteria_not_met", path="f",
                      reason="The record shows possession for sale of 40 pounds with a minor involved "
                      "(HS 11359(c)(3)), which remains a felony"),
            ),
            None,
        ),
        "sample-petition-order": (
            "petition_order",
            MatterInfo("application", 43, "P64-APP-2026-0043", "2026-07-30", "public_defender",
                       "Office of the Public Defender", "does_not_oppose", "2026-08-15"),
            None,
            (
                _line(1, "11357(B)", "M", "2012-10-09", "dismiss_and_seal", outcome="granted", path="f"),
                _line(2, "11359", "F", "2012-10-09", "redesignate_infraction",
                      outcome="granted_other_relief", path="f",
                      reason="The amount possessed was under 28.5 grams; the count is redesignated as "
                      "an infraction rather than a misdemeanor"),
            ),
            None,
        ),
        "sample-resentencing-after-hearing": (
            "resentence_hearing",
            MatterInfo("petition", 44, "P64-PET-2026-0044", "2026-09-01", "attorney", "Dana Whitfield",
                       "requests_hearing", "2026-09-20"),
            HearingInfo("2026-11-03", "13:30", "S-12", ""),
            (
                _line(1, "11360(A)", "F", "2016-03-15", "resentence", resentence_target="misdemeanor",
                      outcome="granted", path="b"),
            ),
            ResentenceTerms(120, "supervision", "misdemeanor probation", 6, "2026-11-03", "S-12"),
        ),
    }
    for i, (stem, (tmpl_name, matter, hear, counts, terms)) in enumerate(samples.items(), 1):
        order = OrderData(
            order_number=f"P64-5A17C0DE-36-2026-00004{i}",
            county="SAN BERNARDINO",
            order_date=date(2026, 11, 30),
            judge=signer.judge,
            entries=(CaseEntry(person, "FSB1502345", counts, case_id=1, terms=terms),),
            court=COURT,
            matter=matter,
            hearing=hear,
        )
        rendered = render_order(order, load_template(tmpl_name))
        data, _ = signer.sign_order(rendered, order)
        pdf = HERE / f"{stem}.pdf"
        pdf.write_bytes(data)
        _png(pdf)
        if stem == "sample-after-hearing-order":
            copy, _, _ = build_copy(
                data,
                court="Superior Court of California, County of San Bernardino",
                clerk="R. Castellanos",
                when=date(2026, 12, 4),
                order_no=order.order_number,
                copy_no=1,
            )
            out = HERE / "sample-certified-copy.pdf"
            out.write_bytes(copy)
            _png(out)


if __name__ == "__main__":
    main()
