"""The program's one clock.

Records carry UTC timestamps (ISO 8601, so they sort and compare as text); orders and reports carry
the court's local date (a California court's afternoon is already tomorrow in UTC). Nothing else in
desktop/ reads the system clock, so tests can set the time in one place: `set_now()` in-process, or
RELIEFDESK_NOW=2026-01-02T20:00:00+00:00 for a command run as a subprocess.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

# Every California superior court keeps Pacific time. The rule is written out (US daylight saving
# time since 2007: from 2:00 on the second Sunday of March to 2:00 on the first Sunday of November)
# rather than read from a time-zone database, which Windows does not have and which would add
# thousands of files to the program folder for one zone. The clock only ever tells the present.
PST = timezone(timedelta(hours=-8), "PST")
PDT = timezone(timedelta(hours=-7), "PDT")


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def pacific(instant: datetime) -> datetime:
    """An aware instant on the Pacific wall clock."""
    utc = instant.astimezone(UTC)
    year = utc.year
    # 2:00 PST = 10:00 UTC starts DST; 2:00 PDT = 9:00 UTC ends it.
    start = datetime.combine(_nth_sunday(year, 3, 2), datetime.min.time(), UTC) + timedelta(
        hours=10
    )
    end = datetime.combine(_nth_sunday(year, 11, 1), datetime.min.time(), UTC) + timedelta(hours=9)
    return utc.astimezone(PDT if start <= utc < end else PST)


_override: Callable[[], datetime] | None = None


def set_now(fn: Callable[[], datetime] | None) -> None:
    """Make now() return fn() (an aware datetime); None restores the system clock."""
    global _override
    _override = fn


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    if _override is not None:
        return _override().astimezone(UTC)
    env = os.environ.get("RELIEFDESK_NOW")
    if env:
        fixed = datetime.fromisoformat(env)
        if fixed.tzinfo is None:
            fixed = fixed.replace(tzinfo=UTC)
        return fixed.astimezone(UTC)
    return datetime.now(UTC)


def utc_stamp(timespec: str = "seconds") -> str:
    """Now as UTC ISO 8601 text, for rows and audit entries."""
    return now().isoformat(timespec=timespec)


def court_day_start(day: date) -> str:
    """The UTC instant (ISO text, as rows store it) at which the court's day `day` begins: what a
    filter "from this date" means to a clerk, whose dates are the court's."""
    midnight = datetime.combine(day, datetime.min.time())
    guess = midnight.replace(tzinfo=PST)  # DST changes at 2:00, so midnight has one offset
    if pacific(guess).utcoffset() != PST.utcoffset(None):
        guess = midnight.replace(tzinfo=PDT)
    return guess.astimezone(UTC).isoformat()


def court_now() -> datetime:
    """Now on the court's wall clock (Pacific), for what a judge or clerk reads."""
    return pacific(now())


def court_today() -> date:
    """The court's calendar date: orders, reports and the default as-of date."""
    return court_now().date()


def court_zone(moment: datetime) -> str:
    """'PDT' or 'PST': the abbreviation of the Pacific wall clock at an aware instant."""
    offset = pacific(moment).utcoffset()
    return "PDT" if offset is not None and offset.total_seconds() == -7 * 3600 else "PST"


def court_time_text(stamp: str | datetime | None, *, seconds: bool = False) -> str:
    """A stored UTC timestamp as the court's wall clock reads it, with its zone:
    '2026-11-30T03:04:05+00:00' -> '2026-11-29 19:04 PST' (the minute is what a clerk needs;
    `seconds` keeps them). Text that is not an instant with a zone (a plain date, a court's
    local hearing time, '') is returned as it is; None gives ''."""
    if stamp is None:
        return ""
    if isinstance(stamp, datetime):
        moment = stamp
    else:
        text = str(stamp).strip()
        if len(text) < 16 or text[10] not in "T ":
            return text
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if moment.tzinfo is None or moment.utcoffset() is None:
        return str(stamp)
    local = pacific(moment)
    return f"{local:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {court_zone(moment)}"
