"""Review settings kept in the database (so every workstation on one database agrees):
how many counts a clerk must open before a bulk approval, and the judge's sample sizes."""

from __future__ import annotations

import sqlite3

from desktop import audit, tokens
from desktop.errors import UserError
from desktop.review.users import User, require_role
from desktop.store.tx import transaction
from desktop.vocabulary import Role

# Defaults, also inserted by migration 0004; a missing row falls back to these.
DEFAULTS: dict[str, int | float] = {
    "bulk_min_opened": 3,
    "sample_percent": 10,
    "sample_min_per_stratum": 1,
    # Days from service the prosecution has to respond to a petition or application (CR-402)
    # before the matter is listed as overdue (desktop/dispositions: a court's choice; HS 11361.8
    # sets no period).
    "response_deadline_days": 60,
}
_LIMITS: dict[str, tuple[float, float]] = {
    "bulk_min_opened": (1, 1000),
    "sample_percent": (0, 100),
    "sample_min_per_stratum": (0, 1000),
    "response_deadline_days": (1, 3650),
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
    require_role(actor, Role.ADMIN)
    if key not in DEFAULTS:
        raise UserError(f"unknown setting {key!r}: use one of {', '.join(DEFAULTS)}")
    lo, hi = _LIMITS[key]
    if not lo <= value <= hi or (key != "sample_percent" and not float(value).is_integer()):
        raise UserError(
            f"{key} must be {'a number' if key == 'sample_percent' else 'a whole number'}"
            f" from {lo:g} to {hi:g}, not {value:g}"
        )
    with transaction(conn):
        old = get_setting(conn, key)
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, f"{value:g}")
        )
        audit.append(
            conn, actor.name, "settings.set", [key], {"key": key, "old": old, "new": value}
        )


# --- the installation's identity for order numbers (migration 0011) ----------------------------
INSTALLATION_KEY = "installation_id"
PREFIX_KEY = "order_prefix"
DEFAULT_PREFIX = "P64"


def _text_setting(conn: sqlite3.Connection, key: str) -> str | None:
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row and row[0] else None


def installation_id(conn: sqlite3.Connection) -> str:
    """This database's installation id: 8 hex digits drawn once when the database was created or
    upgraded (migration 0011) and never changed; part of every order number."""
    return _text_setting(conn, INSTALLATION_KEY) or ""


def order_prefix(conn: sqlite3.Connection) -> str:
    """The court's order-number prefix (default P64)."""
    return _text_setting(conn, PREFIX_KEY) or DEFAULT_PREFIX


def set_order_prefix(conn: sqlite3.Connection, actor: User, prefix: str) -> None:
    """An admin sets the court's order-number prefix: 1-12 letters, digits or '-' (audited)."""
    import re

    require_role(actor, Role.ADMIN)
    text = (prefix or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{0,11}", text):
        raise UserError(f"order prefix {prefix!r}: use 1-12 letters, digits or '-', e.g. SBSC-P64")
    with transaction(conn):
        old = order_prefix(conn)
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (PREFIX_KEY, text)
        )
        audit.append(
            conn,
            actor.name,
            "settings.set",
            [PREFIX_KEY],
            {"key": PREFIX_KEY, "old": old, "new": text},
        )


def identity_settings(conn: sqlite3.Connection) -> dict[str, str]:
    """The text settings shown beside the review settings."""
    return {PREFIX_KEY: order_prefix(conn), INSTALLATION_KEY: installation_id(conn)}


# --- the smart-card (PKCS#11) module judges sign through (desktop/tokens.py) ------------------
MODULE_KEY = "pkcs11_module"


def module_setting(conn: sqlite3.Connection) -> str:
    """The smart-card module set for this court ('' when none)."""
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (MODULE_KEY,)).fetchone()
    except sqlite3.OperationalError:
        return ""
    return str(row[0]) if row and row[0] else ""


def set_module(conn: sqlite3.Connection, actor: User, path: str) -> str:
    """An administrator or a judge sets the smart-card module (checked first; audited). An empty
    path clears the setting. Returns the path stored."""
    require_role(actor, "admin", "judge")
    value = tokens.check_module(path) if path.strip() else ""
    with transaction(conn):
        old = module_setting(conn)
        if old == value:
            return value
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (MODULE_KEY, value)
        )
        audit.append(
            conn,
            actor.name,
            "settings.set",
            [MODULE_KEY],
            {"key": MODULE_KEY, "old": old, "new": value},
        )
    return value
