"""Reading orders back as a person sees them: page text including the signature's appearance (the
widget is flattened into the page with PDFium, as printing does), page images, and the signature's
appearance text."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


def page_texts(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [p.extract_text() or "" for p in doc.pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def printed_texts(pdf: bytes) -> list[str]:
    """Each page's text as printed: annotation appearances (the signature) flattened in."""
    doc = pdfium.PdfDocument(pdf)
    try:
        for i in range(len(doc)):
            page = doc[i]
            pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_PRINT)
            page.close()
        buf = io.BytesIO()
        doc.save(buf)
    finally:
        doc.close()
    return page_texts(buf.getvalue())


def render_pages(pdf_path: Path, out_prefix: Path, dpi: int = 60) -> list[Path]:
    """PNG of every page: pdftoppm when installed, else PDFium (forms drawn, as printed)."""
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), str(pdf_path), str(out_prefix)], check=True
        )
        return sorted(out_prefix.parent.glob(out_prefix.name + "-*.png"))
    doc = pdfium.PdfDocument(str(pdf_path))
    doc.init_forms()
    out = []
    for i in range(len(doc)):
        path = out_prefix.parent / f"{out_prefix.name}-{i + 1}.png"
        doc[i].render(scale=dpi / 72, may_draw_forms=True).to_pil().save(path)
        out.append(path)
    doc.close()
    return out


def ink_ratio(png: Path) -> float:
    """Share of the page that is not white (a blank page is ~0)."""
    from PIL import Image

    img = Image.open(png).convert("L")
    hist = img.histogram()
    dark = sum(hist[:200])
    return dark / (img.width * img.height)
