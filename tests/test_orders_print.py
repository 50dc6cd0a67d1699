"""Printing signed orders through QPrinter (to a PDF file, offscreen): every page comes out, in order,
and looks like the order (compared pixel by pixel with the original page)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import ImageChops, ImageFilter, ImageStat

pytest.importorskip("PySide6.QtPdf")

from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter

from desktop.errors import UserError
from desktop.keys import create_demo_key
from desktop.orders import demo
from desktop.orders.render import render_order
from desktop.orders.sign import OrderSigner
from desktop.orders.templates import load_template
from desktop.ui.printing import print_pdfs


def _page_image(path: Path, index: int):
    doc = pdfium.PdfDocument(str(path))
    try:
        return doc[index].render(scale=50 / 72).to_pil().convert("L")
    finally:
        doc.close()


def _diff(a, b) -> float:
    blur = ImageFilter.GaussianBlur(2)
    return ImageStat.Stat(ImageChops.difference(a.filter(blur), b.filter(blur))).mean[0]


def _pages(path: Path) -> int:
    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


@pytest.mark.slow  # signed orders printed and rasterised
def test_print_signed_orders_to_a_pdf_printer(qapp, tmp_path: Path) -> None:
    key = tmp_path / "judge.p12"
    create_demo_key("Hon. Print Test", "Judge of the Superior Court", key, "pw")
    signer = OrderSigner.from_file(key, "pw")
    files = []
    for i, counts in enumerate((2, 30)):
        order = demo.one_case_order(i, counts=counts, judge=signer.judge, number=i + 1)
        path = tmp_path / f"{order.order_number}.pdf"
        path.write_bytes(
            signer.sign(
                render_order(order, load_template("one_case")),
                order_number=order.order_number,
                county=order.county,
            )
        )
        files.append(path)

    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    seen: list[tuple[int, int]] = []
    printed = print_pdfs(files, printer, progress=lambda done, total: seen.append((done, total)))

    expected = sum(_pages(f) for f in files)
    assert printed == expected == _pages(out)
    assert seen[-1] == (expected, expected)
    # Each printed page looks like its own source page more than like any other page (same order,
    # nothing cropped, scaled or repeated); rasterising blurs glyph edges, hence the soft compare.
    sources = [_page_image(f, i) for f in files for i in range(_pages(f))]
    printed_pages = [_page_image(out, n) for n in range(expected)]
    for n, page in enumerate(printed_pages):
        assert page.size == sources[n].size
        diffs = [_diff(page, src) for src in sources]
        others = min(d for i, d in enumerate(diffs) if i != n)
        assert diffs[n] < others / 2, f"printed page {n + 1} is not its source page: {diffs}"
        assert 255 - ImageStat.Stat(page).mean[0] > 0.8, f"printed page {n + 1} is blank"


def test_print_refuses_a_file_that_is_not_a_pdf(qapp, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "out.pdf"))
    with pytest.raises(UserError, match="could not be opened"):
        print_pdfs([bad], printer)
