"""Order rendering: content from the templates, wrapping of extreme names and 60 counts, page numbers,
bulk schedules that identify the order on every page, deterministic output. PDFs are read back."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.units import inch

from desktop.errors import UserError
from desktop.orders import demo
from desktop.orders.model import (
    CaseEntry,
    CountLine,
    OrderData,
    Person,
    ProsecutionNotice,
    ResentenceTerms,
)
from desktop.orders.render import PAGE_W, render_order
from desktop.orders.templates import list_templates, load_template
from desktop.paths import forms_dir

MARGIN = 1.0 * inch


def _pages_text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [p.extract_text() or "" for p in doc.pages]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _column_text(pdf: bytes, template: str, column: str) -> str:
    """The text inside one column of the count table (cells wrap, so read the column alone)."""
    t = load_template(template)
    widths = [float(w) for w in t.layout["column_widths"]]
    scale = (PAGE_W - 2 * MARGIN) / sum(widths)
    i = t.layout["columns"].index(column)
    x0 = MARGIN + sum(widths[:i]) * scale
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(
            p.crop((x0, 0, x0 + widths[i] * scale, p.height)).extract_text() or ""
            for p in doc.pages
        )


def _count_numbers(pdf: bytes) -> set[str]:
    """Numbers printed in the first (count) column of the table."""
    found = set()
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for w in page.extract_words():
                if w["x0"] < MARGIN + 20 and w["text"].isdigit():
                    found.add(w["text"])
    return found


def _words_inside_margins(pdf: bytes) -> list[str]:
    """Words whose right edge passes the right margin or left edge the left margin."""
    bad = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for n, page in enumerate(doc.pages, 1):
            for w in page.extract_words():
                if w["x1"] > PAGE_W - MARGIN + 0.5 or w["x0"] < MARGIN - 0.5:
                    bad.append(f"page {n}: {w['text']!r} x0={w['x0']:.1f} x1={w['x1']:.1f}")
    return bad


def _order(
    counts: list[CountLine],
    name: str = "MAYA ELENA RIVERA-STONE",
    notice: ProsecutionNotice | None = None,
    akas: tuple[str, ...] = ("MAYA STONE",),
    juvenile: bool = False,
    terms: ResentenceTerms | None = None,
) -> OrderData:
    person = Person(name=name, akas=akas, dob="1984-03-09", cii="A12345678")
    entry = CaseEntry(
        person=person,
        case_number="FSB123456",
        counts=tuple(counts),
        prosecution=notice or ProsecutionNotice("not_challenged", "2020-05-14"),
        juvenile=juvenile,
        terms=terms,
    )
    return OrderData(
        order_number="P64-36-2025-000042",
        county="SAN BERNARDINO",
        order_date=date(2025, 6, 2),
        judge=demo.DEMO_JUDGE,
        entries=(entry,),
    )


COUNTS = [
    CountLine(1, "HS", "11357(B)", "M", "2010-04-02", "dismiss_and_seal"),
    CountLine(2, "HS", "11359", "F", "2012-08-30", "redesignate_misdemeanor"),
    CountLine(3, "HS", "11360(A)", "F", "2013-01-15", "redesignate_infraction"),
]


def test_one_case_order_states_what_section_4_3_requires() -> None:
    pdf = render_order(_order(COUNTS), load_template("one_case")).pdf
    text = "\n".join(_pages_text(pdf))
    flat = " ".join(text.split())
    assert "SUPERIOR COURT OF CALIFORNIA, COUNTY OF SAN BERNARDINO" in flat
    assert "The People of the State of California" in flat
    assert "MAYA ELENA RIVERA-STONE" in flat and "also known as MAYA STONE" in flat
    assert "FSB123456" in flat and "03/09/1984" in flat and "A12345678" in flat
    assert "P64-36-2025-000042" in flat
    for line in COUNTS:
        assert f"HS {line.section}" in flat
    # Relief wording may wrap inside its table cell: read the column, compare without whitespace.
    reliefs = _squash(_column_text(pdf, "one_case", "relief"))
    for relief in (
        "Dismissed and sealed",
        "Redesignated as a misdemeanor",
        "Redesignated as an infraction",
    ):
        assert _squash(relief) in reliefs
    assert "04/02/2010" in flat and "Felony" in flat and "Misdemeanor" in flat
    assert "11361.8(f)" in flat and "11361.9" in flat
    assert "presumption" in flat
    assert "May 14, 2020" in flat  # the prosecution's notice date
    assert "for all purposes" in flat and "11361.8(h)" in flat
    assert "sealed" in flat and "Department of Justice" in flat and "11361.9(f)" in flat
    assert "Dated: June 2, 2025" in flat
    assert "Hon. Eleanor M. Whitcombe (DEMO)" in flat and "Judge of the Superior Court" in flat
    pages = _pages_text(pdf)
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page


def test_no_challenge_wording_and_no_sealing_paragraph_without_a_sealed_count() -> None:
    counts = [CountLine(1, "HS", "11359", "F", "2012-08-30", "redesignate_misdemeanor")]
    flat = " ".join(
        "\n".join(
            _pages_text(
                render_order(
                    _order(counts, notice=ProsecutionNotice()), load_template("one_case")
                ).pdf
            )
        ).split()
    )
    assert "no challenge filed by July 1, 2020" in flat
    assert "no access to it shall be permitted" not in flat


def test_juvenile_counts_cite_subdivision_m() -> None:
    pdf = render_order(_order(COUNTS[:1], juvenile=True), load_template("one_case")).pdf
    flat = " ".join("\n".join(_pages_text(pdf)).split())
    assert "11361.8(m)" in flat and "juvenile" in flat


def test_resentencing_order_waits_for_its_terms_then_states_them() -> None:
    counts = [
        CountLine(1, "HS", "11359", "F", "2015-05-01", "resentence", "misdemeanor"),
        CountLine(2, "HS", "11358", "F", "2016-01-10", "resentence", "dismissed"),
    ]
    with pytest.raises(ValueError, match="terms"):
        render_order(_order(counts), load_template("resentence"))
    heard = ResentenceTerms(
        credit_days=212,
        disposition="supervision",
        supervision_kind="misdemeanor probation",
        supervision_months=6,
        hearing_date="2025-05-20",
        hearing_department="S-12",
    )
    pdf = render_order(_order(counts, terms=heard), load_template("resentence")).pdf
    flat = " ".join("\n".join(_pages_text(pdf)).split())
    reliefs = _squash(_column_text(pdf, "resentence", "relief"))
    assert _squash("Sentence recalled; resentenced as a misdemeanor") in reliefs
    assert _squash("Sentence dismissed as legally invalid") in reliefs
    assert "11361.8(b)" in flat and "unreasonable risk of danger to public safety" in flat
    assert "hearing on May 20, 2025 in Department S-12" in flat
    assert "credit for time served of 212 days" in flat
    assert "misdemeanor probation for 6 months" in flat
    assert "____" not in flat and "\u25a1" not in flat  # no blanks or boxes left to fill in
    papers = ResentenceTerms(credit_days=0, disposition="released")
    flat = " ".join(
        "\n".join(
            _pages_text(render_order(_order(counts, terms=papers), load_template("resentence")).pdf)
        ).split()
    )
    assert "No hearing was requested or set" in flat and "hearing on" not in flat
    assert "released from custody and supervision" in flat and "probation" not in flat


@pytest.mark.slow  # sixty counts rendered and measured
def test_extreme_names_and_sixty_counts_wrap_inside_the_margins() -> None:
    spaced = ("ABERNATHY-QUINTANILLA DE LA CRUZ-" + "VILLANUEVA " * 20)[:200].strip()
    unbroken = "X" * 200
    counts = [
        CountLine(
            n,
            "HS",
            "11360(A)(3)(C)" if n % 7 == 0 else "11359",
            "F",
            f"20{n % 16:02d}-01-{n % 28 + 1:02d}",
            ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")[n % 3],
        )
        for n in range(1, 61)
    ]
    for name in (spaced, unbroken):
        pdf = render_order(
            _order(counts, name=name, akas=(name[:150],)), load_template("one_case")
        ).pdf
        assert _words_inside_margins(pdf) == []
        pages = _pages_text(pdf)
        text = "\n".join(pages)
        assert _squash(name) in _squash(text)  # the whole name, however it wrapped
        assert "too long to print in full" not in text
        assert _count_numbers(pdf) == {str(n) for n in range(1, 61)}
        assert _squash(_column_text(pdf, "one_case", "section")).count("HS11360(A)(3)(C)") == 8
        assert len(pages) >= 3
        for n, page in enumerate(pages, 1):
            assert f"Page {n} of {len(pages)}" in page
            assert "P64-36-2025-000042" in page


@pytest.mark.slow  # a big bulk order, every page read back
def test_bulk_order_identifies_itself_on_every_page_and_lists_every_row() -> None:
    order = demo.bulk_order(rows=400, seed=5)
    t = load_template("bulk")
    pdf = render_order(order, t).pdf
    pages = _pages_text(pdf)
    assert len(pages) > 5
    for n, page in enumerate(pages, 1):
        assert order.order_number in page
        assert "Bulk Order Granting Relief" in page
        assert f"Page {n} of {len(pages)}" in page
    text = "\n".join(pages)
    for entry in order.entries:
        assert entry.case_number in text
    assert f"lists {len(order.counts):,} counts" in " ".join(text.split())
    assert _words_inside_margins(pdf) == []


def test_same_input_gives_the_same_bytes() -> None:
    t = load_template("one_case")
    order = demo.one_case_order(11, counts=5)
    first = render_order(order, t).pdf
    assert render_order(order, t).pdf == first
    assert render_order(replace(order, order_date=date(2025, 6, 3)), t).pdf != first
    bulk = demo.bulk_order(rows=50)
    assert (
        render_order(bulk, load_template("bulk")).pdf
        == render_order(bulk, load_template("bulk")).pdf
    )


def test_fonts_are_embedded() -> None:
    pdf = render_order(demo.one_case_order(2), load_template("one_case")).pdf
    assert b"/FontFile2" in pdf and b"LiberationSerif" in pdf
    assert b"/Helvetica" not in pdf and b"/Times-Roman" not in pdf


def test_templates_load_and_a_court_can_change_the_wording(tmp_path: Path) -> None:
    kinds = {t.kind for t in list_templates()}
    assert {"one_case", "bulk", "resentence"} <= kinds
    custom = tmp_path / "riverside.toml"
    text = (forms_dir() / "one_case.toml").read_text(encoding="utf-8")
    custom.write_text(
        text.replace('name = "one_case"', 'name = "riverside"').replace(
            'closing = "IT IS SO ORDERED."', 'closing = "SO ORDERED BY THE COURT."'
        ),
        encoding="utf-8",
    )
    t = load_template(str(custom))
    assert t.name == "riverside"
    flat = " ".join("\n".join(_pages_text(render_order(_order(COUNTS), t).pdf)).split())
    assert "SO ORDERED BY THE COURT." in flat


def test_a_broken_template_is_refused_with_its_path(tmp_path: Path) -> None:
    shutil.copy(forms_dir() / "one_case.toml", tmp_path / "bad.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace('"relief", "basis"]', '"relief", "colour"]'),
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="bad.toml"):
        load_template(str(bad))
    typo = tmp_path / "typo.toml"
    typo.write_text(
        (forms_dir() / "one_case.toml")
        .read_text(encoding="utf-8")
        .replace("${case_numbers}", "${case_numbrs}"),
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="placeholder"):
        render_order(_order(COUNTS), load_template(str(typo)))
