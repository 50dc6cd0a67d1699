"""Turning stored rows into the engine's facts: partial dates as intervals, sentence ends of counts
whose conviction date is partial, and the rows of a person the import had to reject.

DOJ writes an unknown month or day as 00; the importer keeps what is known as a reduced-precision
ISO date ('1970', '2010-03'), which names an interval of days. The engine decides on such a date
only when every day of the interval gives the same answer (desktop/rules/engine.py)."""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import date

from desktop.law.normalize import UNREADABLE, add_period

Range = tuple[date, date]


def date_or_range(v: str | None) -> tuple[date | None, Range | None]:
    """A stored date: (the date, None) when full, (None, (first day, last day)) when partial,
    (None, None) when unknown."""
    if not v:
        return None, None
    if len(v) == 10:
        return date.fromisoformat(v), None
    try:
        year = int(v[:4])
        if len(v) == 7:
            month = int(v[5:7])
            return None, (date(year, month, 1), date(year, month, monthrange(year, month)[1]))
        if len(v) == 4:
            return None, (date(year, 1, 1), date(year, 12, 31))
    except ValueError:
        pass
    return None, None


def sentence_end_range(conv: Range, sentence_json: str | None) -> Range | None:
    """The sentence end of a count whose conviction date is an interval: the interval of ends,
    or None when the count has no sentence or one that cannot be read."""
    parts = json.loads(sentence_json or "[]")
    if not parts or any(p.get("unit") == UNREADABLE for p in parts):
        return None
    ends = []
    for start in conv:
        end = start
        for p in parts:
            if p.get("length") and p.get("unit"):
                end = add_period(end, p["length"], p["unit"])
        ends.append(end)
    return ends[0], ends[1]
