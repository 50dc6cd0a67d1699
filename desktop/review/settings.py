"""Review settings kept in the database (so every workstation on one database agrees):
how many counts a clerk must open before a bulk approval, and the judge's sample sizes."""

from __future__ import annotations

import sqlite3

from desktop import audit
from desktop.errors import UserError
from desktop.review.users import User, require_role
from desktop.store.tx import transaction

# Defaults, also inserted by migration 0004; a missing row falls back to these.
DEFAULTS: dict[str, int | float] = {
    "bulk_min_opened": 3,
    "sample_percent": 10,
    "sample_min_per_stratum": 1,
}
_LIMITS: dict[str, tuple[float, float]] = {
    "bulk_min_opened": (1, 1000),
    "sample_percent": (0, 100),
    "sample_min_per_stratum": (0, 1000),
}


def get_setting(conn: sqlite3.Connection, key: str) -> int | float:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if not row or row[0] is None:
        return DEFAULTS[key]
    value = float(row[0])
    return int(value) if value.is_integer() else value


def all_settings(conn: sqlite3.Connection) -> dict[str, int | float]:
    return {k: get_setting(conn, k) for k in DEFAULTS}


def set_setting(conn: sqlite3.Connection, actor: User, key: str, value: float) -> None:
    """An admin changes a review setting (audited)."""
    require_role(actor, "admin")
    if key not in DEFAULTS:
        raise UserError(f"unknown setting {key!r}: use one of {', '.join(DEFAULTS)}")
    lo, hi = _LIMITS[key]
    if not lo <= value <= hi or (key != "sample_percent" and not float(value).is_integer()):
        raise UserError(f"{key} must be {'a number' if key == 'sample_percent' else 'a whole number'}"
                        f" from {lo:g} to {hi:g}, not {value:g}")
    with transaction(conn):
        old = get_setting(conn, key)
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, f"{value:g}"))
        audit.append(conn, actor.name, "settings.set", [key], {"key": key, "old": old, "new": value})
