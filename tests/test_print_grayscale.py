"""Printing sends grayscale or monochrome pages at the printer's resolution (issue 14 §8): a colour
raster of a letter page at 300 dpi is ~34 MB in the Windows print spooler."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtPdf")

from pypdf import PdfReader
from PySide6.QtGui import QImage, QPageSize
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from desktop.keys import create_demo_key
from desktop.orders import demo
from desktop.orders.render import render_order
from desktop.orders.sign import OrderSigner
from desktop.orders.templates import load_template
from desktop.ui.printing import page_image, print_pdfs


@pytest.fixture(scope="module")
def order_pdf(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("print")
    key = tmp / "judge.p12"
    create_demo_key("Hon. Print Test", "Judge of the Superior Court", key, "pw")
    signer = OrderSigner.from_file(key, "pw")
    order = demo.one_case_order(0, counts=4, judge=signer.judge, number=1)
    path = tmp / "order.pdf"
    path.write_bytes(
        signer.sign(
            render_order(order, load_template("one_case")),
            order_number=order.order_number,
            county=order.county,
        )
    )
    return path


def test_pages_are_grayscale_or_one_bit_at_printer_resolution(qapp, order_pdf: Path) -> None:
    doc = QPdfDocument()
    doc.load(str(order_pdf))
    gray = page_image(doc, 0, 300)
    assert gray.format() == QImage.Format.Format_Grayscale8
    assert (gray.width(), gray.height()) == (2550, 3300)  # letter at 300 dpi
    assert gray.sizeInBytes() < 9_000_000  # colour: ~34 MB
    mono = page_image(doc, 0, 600)
    assert mono.format() == QImage.Format.Format_Mono
    assert (mono.width(), mono.height()) == (5100, 6600)
    assert mono.sizeInBytes() < 4_300_000
    # Flattened on white: the corner is paper, and there is black text on it.
    assert gray.pixelColor(5, 5).lightness() == 255
    assert (
        min(
            gray.pixelColor(x, y).lightness() for x in range(0, 2550, 7) for y in range(300, 900, 7)
        )
        < 60
    )
    doc.close()


def test_a_printed_job_carries_only_gray_images(qapp, order_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(300)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    printed = print_pdfs([order_pdf], printer)
    assert printer.colorMode() == QPrinter.ColorMode.GrayScale
    reader = PdfReader(out)
    assert len(reader.pages) == printed
    for page in reader.pages:
        images = list(page.images)
        assert images and all(img.image.mode in ("L", "1") for img in images)
