"""The program's one clock.

Records carry UTC timestamps (ISO 8601, so they sort and compare as text); orders and reports carry
the court's local date (a California court's afternoon is already tomorrow in UTC). Nothing else in
desktop/ reads the system clock, so tests can set the time in one place: `set_now()` in-process, or
RELIEFDESK_NOW=2026-01-02T20:00:00+00:00 for a command run as a subprocess.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# Every California superior court keeps Pacific time.
COURT_TZ = ZoneInfo("America/Los_Angeles")

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


def court_now() -> datetime:
    """Now on the court's wall clock (Pacific), for what a judge or clerk reads."""
    return now().astimezone(COURT_TZ)


def court_today() -> date:
    """The court's calendar date: orders, reports and the default as-of date."""
    return court_now().date()
