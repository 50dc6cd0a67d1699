"""The visible appearance of a digital signature, as a signed paper shows it:

    Digitally signed by Hon. NAME, TITLE, November 30, 2026 9:05 AM (Pacific)

Made per signature (the time is the signature's own) as a one-page PDF the size of the signature box,
in the order's embedded font; the signer puts it in the signature field's appearance, so the order's
page content stays the same on every rendering."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from desktop.orders.fonts import face, markup
from desktop.orders.wording import MONTHS

try:
    PACIFIC: ZoneInfo | None = ZoneInfo("America/Los_Angeles")
except Exception:    # no time zone data on this machine: fall back to the US rule below
    PACIFIC = None


def _pacific(moment: datetime) -> datetime:
    """`moment` in California time (PST/PDT)."""
    moment = moment.astimezone(UTC)
    if PACIFIC is not None:
        return moment.astimezone(PACIFIC)
    # Since 2007: daylight time from the second Sunday of March 2:00 to the first Sunday of November 2:00.
    from datetime import timedelta, timezone

    year = moment.year

    def sunday(month: int, nth: int) -> datetime:
        first = datetime(year, month, 1, tzinfo=UTC)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))

    start = sunday(3, 2) + timedelta(hours=10)      # 2:00 PST = 10:00 UTC
    end = sunday(11, 1) + timedelta(hours=9)        # 2:00 PDT = 09:00 UTC
    offset = -7 if start <= moment < end else -8
    return moment.astimezone(timezone(timedelta(hours=offset)))


def pacific_text(moment: datetime) -> str:
    """'November 30, 2026 9:05 AM (Pacific)'."""
    t = _pacific(moment)
    hour = t.hour % 12 or 12
    return f"{MONTHS[t.month - 1]} {t.day}, {t.year} {hour}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'} " \
           "(Pacific)"


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
