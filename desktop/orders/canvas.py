"""The canvas every ReliefDesk PDF is drawn on."""

from __future__ import annotations

from datetime import date
from typing import Any

from reportlab.pdfgen.canvas import Canvas


class PagedCanvas(Canvas):
    """A reportlab canvas for our PDFs: deterministic (invariant, dates pinned to `stamp`), no
    unembedded default font, and page decoration deferred until the page count is known so every
    page can say "Page n of m". Subclasses set `stamp` and `first_font` and implement decorate()."""

    stamp: date
    first_font: tuple[str, float]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["invariant"] = 1
        # Otherwise reportlab adds an unembedded Helvetica as the canvas's initial font.
        kwargs["initialFontName"], kwargs["initialFontSize"] = self.first_font
        super().__init__(*args, **kwargs)
        ts = self._doc._timeStamp
        ts.YMDhms = (self.stamp.year, self.stamp.month, self.stamp.day, 12, 0, 0)
        ts.dhh = ts.dmm = 0
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.decorate(self._pageNumber, total)
            super().showPage()
        super().save()

    def decorate(self, page: int, total: int) -> None:
        raise NotImplementedError
