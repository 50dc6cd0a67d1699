"""Printing signed orders: each PDF page is rendered with QtPdf and painted onto a QPrinter page.

Orders are black on white, so pages go to the printer in grayscale, or as 1-bit monochrome at
600 dpi and above: a colour raster (32 bits per pixel) of a letter page at 300 dpi is ~34 MB in the
Windows print spooler, grayscale ~8 MB, monochrome at 600 dpi ~4 MB. Pages are rasterised at the
printer's own resolution (up to 600 dpi), never scaled by the driver.

The window's Orders view opens Qt's print dialog for the QPrinter and then calls print_pdfs; the core
records the printing afterwards (desktop.orders.register.mark_printed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from desktop.errors import UserError

# Raster resolution for printing: the printer's resolution, capped (above 600 dpi a page costs
# memory, not legibility). From MONO_MIN_DPI on, pages for a printer are 1-bit: edges are fine
# enough there.
MAX_DPI = 600
MONO_MIN_DPI = 600


def page_image(doc: QPdfDocument, index: int, dpi: int, mono: bool = True) -> QImage:
    """Page `index` at `dpi`, flattened on white, as Grayscale8, or Mono from MONO_MIN_DPI on
    when `mono`."""
    size_pt = doc.pagePointSize(index)
    rendered = doc.render(
        index, QSize(round(size_pt.width() / 72 * dpi), round(size_pt.height() / 72 * dpi))
    )
    if rendered.hasAlphaChannel():
        flat = QImage(rendered.size(), QImage.Format.Format_RGB32)
        flat.fill(Qt.GlobalColor.white)
        p = QPainter(flat)
        p.drawImage(0, 0, rendered)
        p.end()
        rendered = flat
    if mono and dpi >= MONO_MIN_DPI:
        return rendered.convertToFormat(
            QImage.Format.Format_Mono, Qt.ImageConversionFlag.ThresholdDither
        )
    return rendered.convertToFormat(QImage.Format.Format_Grayscale8)


def _load(path: Path) -> QPdfDocument:
    doc = QPdfDocument()
    status = doc.load(str(path))
    if status != QPdfDocument.Error.None_:
        raise UserError(f"cannot print {path}: the PDF could not be opened ({status.name}).")
    return doc


def print_pdfs(
    paths: Sequence[str | Path],
    printer: QPrinter,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Print every page of every PDF, in order, as one print job. Returns the number of pages.

    Pages are scaled to the printer's full paper (the orders carry their own margins), keeping the
    aspect ratio, and centred."""
    docs = [(Path(p), _load(Path(p))) for p in paths]
    total = sum(d.pageCount() for _, d in docs)
    if total == 0:
        raise UserError("nothing to print: the PDFs have no pages.")
    printer.setFullPage(True)
    printer.setColorMode(QPrinter.ColorMode.GrayScale)
    # A real printer gets 1-bit pages at 600 dpi (the spooler holds raw bitmaps); printing to a PDF
    # file keeps 8-bit grayscale, which its compression handles better than dithered bits.
    mono = printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError("the printer could not be started (check the printer or the output file).")
    dpi = min(printer.resolution(), MAX_DPI)
    done = 0
    try:
        for _, doc in docs:
            for i in range(doc.pageCount()):
                if done and not printer.newPage():
                    raise UserError("the printer refused a new page; the print job is incomplete.")
                image = page_image(doc, i, dpi, mono=mono)
                target = QRectF(painter.viewport())
                scale = min(target.width() / image.width(), target.height() / image.height())
                w, h = image.width() * scale, image.height() * scale
                painter.drawImage(
                    QRectF(
                        target.x() + (target.width() - w) / 2,
                        target.y() + (target.height() - h) / 2,
                        w,
                        h,
                    ),
                    image,
                )
                done += 1
                if progress:
                    progress(done, total)
    finally:
        painter.end()
        for _, doc in docs:
            doc.close()
    return done
