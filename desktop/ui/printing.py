"""Printing signed orders: each PDF page is rendered with QtPdf and painted onto a QPrinter page.

The window's Orders view opens Qt's print dialog for the QPrinter and then calls print_pdfs; the core
records the printing afterwards (desktop.orders.register.mark_printed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from desktop.errors import UserError

# Raster resolution for printing: printer resolution, capped (600 dpi pages cost memory, not quality).
MAX_DPI = 300


def _load(path: Path) -> QPdfDocument:
    doc = QPdfDocument()
    status = doc.load(str(path))
    if status != QPdfDocument.Error.None_:
        raise UserError(f"cannot print {path}: the PDF could not be opened ({status.name}).")
    return doc


def print_pdfs(paths: Sequence[str | Path], printer: QPrinter,
               progress: Callable[[int, int], None] | None = None) -> int:
    """Print every page of every PDF, in order, as one print job. Returns the number of pages.

    Pages are scaled to the printer's full paper (the orders carry their own margins), keeping the
    aspect ratio, and centred."""
    docs = [(Path(p), _load(Path(p))) for p in paths]
    total = sum(d.pageCount() for _, d in docs)
    if total == 0:
        raise UserError("nothing to print: the PDFs have no pages.")
    printer.setFullPage(True)
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
                size_pt = doc.pagePointSize(i)
                image = doc.render(i, QSize(round(size_pt.width() / 72 * dpi),
                                            round(size_pt.height() / 72 * dpi)))
                target = QRectF(painter.viewport())
                scale = min(target.width() / image.width(), target.height() / image.height())
                w, h = image.width() * scale, image.height() * scale
                painter.drawImage(QRectF(target.x() + (target.width() - w) / 2,
                                         target.y() + (target.height() - h) / 2, w, h), image)
                done += 1
                if progress:
                    progress(done, total)
    finally:
        painter.end()
        for _, doc in docs:
            doc.close()
    return done
