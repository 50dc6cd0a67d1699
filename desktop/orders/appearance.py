"""The visible appearance of a digital signature, as a signed paper shows it:

    Digitally signed by Hon. NAME, TITLE, November 30, 2026 9:05 AM (Pacific)

Made per signature (the time is the signature's own) as a one-page PDF the size of the signature box,
in the order's embedded font; the signer puts it in the signature field's appearance, so the order's
page content stays the same on every rendering."""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from desktop import clock
from desktop.orders.fonts import face, markup
from desktop.orders.wording import MONTHS


def _pacific(moment: datetime) -> datetime:
    """`moment` on the court's wall clock (PST/PDT; desktop/clock.py writes the rule out)."""
    return clock.pacific(moment)


def from_pacific_wall(naive: datetime) -> datetime:
    """A wall-clock time read in California (no offset given) as an aware instant."""
    for zone in (clock.PDT, clock.PST):
        candidate = naive.replace(tzinfo=zone)
        if clock.pacific(candidate).utcoffset() == zone.utcoffset(None):
            return candidate
    return naive.replace(tzinfo=clock.PST)


def pacific_text(moment: datetime) -> str:
    """'November 30, 2026 9:05 AM (Pacific)'."""
    t = _pacific(moment)
    hour = t.hour % 12 or 12
    return (
        f"{MONTHS[t.month - 1]} {t.day}, {t.year} {hour}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'} "
        "(Pacific)"
    )


def honorific(name: str) -> str:
    return name if name.lower().startswith(("hon.", "hon ", "honorable")) else f"Hon. {name}"


def appearance_text(name: str, title: str, moment: datetime) -> str:
    who = honorific(name) + (f", {title}" if title else "")
    return f"Digitally signed by {who}, {pacific_text(moment)}"


def appearance_pdf(name: str, title: str, moment: datetime, width: float, height: float) -> bytes:
    """A one-page PDF of width x height points with the appearance text, shrunk to fit. The text
    shows the minute, so the orders a batch signs within one minute share one rendering."""
    return _appearance(appearance_text(name, title, moment), round(width, 2), round(height, 2))


@lru_cache(maxsize=64)
def _appearance(text: str, width: float, height: float) -> bytes:
    buf = io.BytesIO()
    font = face("sans")
    c = Canvas(buf, pagesize=(width, height), invariant=1, initialFontName=font, initialFontSize=8)
    size = 8.5
    while True:
        style = ParagraphStyle("sig", fontName=font, fontSize=size, leading=size * 1.2)
        para = Paragraph(markup(text, font), style)
        _, h = para.wrap(width - 4, height)
        if h <= height - 2 or size <= 5:
            break
        size -= 0.5
    para.drawOn(c, 2, max(1.0, (height - h) / 2))
    c.showPage()
    c.save()
    return buf.getvalue()
