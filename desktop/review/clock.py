"""Timestamps for decisions: UTC ISO 8601 with microseconds, so they sort and compare as text."""

from __future__ import annotations

from desktop import clock


def now() -> str:
    return clock.utc_stamp("microseconds")
