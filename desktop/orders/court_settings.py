"""The court's own details printed on its orders, set once by an administrator (window or CLI), and
each judicial officer's title and signature image.

Court settings live in the `settings` table under `court.*` keys (every workstation on one database
agrees); signer settings in `signer_settings` (migration 0016). Every change is audited."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

from desktop import audit
from desktop.errors import RefusedError, UserError
from desktop.law.names import NAME_STYLES, SCHEDULE_ORDERS
from desktop.orders.model import CourtDetails
from desktop.review.clock import now
from desktop.review.users import User, require_role
from desktop.store.rows import one_as
from desktop.store.tx import transaction
from desktop.vocabulary import Role

# key -> (help text, maximum length)
COURT_KEYS: dict[str, tuple[str, int]] = {
    "department": (
        "department (or division) of the court that makes the orders, e.g. 'Department 12'",
        80,
    ),
    "courthouse": (
        "courthouse name printed under the court's name, e.g. 'Central Courthouse'",
        120,
    ),
    "address": ("the court's street address; use ' | ' or a new line between lines", 300),
    "clerk_certificate": (
        "the clerk's certificate printed at the foot of the order, e.g. 'I certify "
        "that this is a true copy of the original on file in this office.'",
        600,
    ),
    "name_style": (f"letter case of names on orders: {' | '.join(NAME_STYLES)}", 20),
    "schedule_names": (f"names in a bulk schedule: {' | '.join(SCHEDULE_ORDERS)}", 20),
}
# The words for each relief, as the court writes them (override the template's).
RELIEF_KEYS = (
    "dismiss_and_seal",
    "redesignate_misdemeanor",
    "redesignate_infraction",
    "resentence_misdemeanor",
    "resentence_infraction",
    "resentence_dismissed",
)
SIGNER_TITLES_HINT = "e.g. 'Judge of the Superior Court', 'Commissioner', 'Presiding Judge'"
MAX_IMAGE_BYTES = 2_000_000


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        is not None
    )


def court_details(conn: sqlite3.Connection) -> CourtDetails:
    if not _table_exists(conn, "settings"):
        return CourtDetails()
    rows = dict(
        conn.execute(
            "SELECT key, value FROM settings WHERE key LIKE 'court.%' OR key LIKE 'relief.%'"
        ).fetchall()
    )
    values = {k: rows.get(f"court.{k}") or "" for k in COURT_KEYS}
    values["name_style"] = values["name_style"] or "upper"
    values["schedule_names"] = values["schedule_names"] or "surname_first"
    words = {k: rows[f"relief.{k}"] for k in RELIEF_KEYS if rows.get(f"relief.{k}")}
    return CourtDetails(relief_words=words, **values)


def _clean(text: str) -> str:
    """One line per line, no control characters."""
    lines = ["".join(ch for ch in line if ch.isprintable()).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def set_court_setting(conn: sqlite3.Connection, actor: User, key: str, value: str) -> None:
    """An administrator sets one court detail (an empty value clears it); audited."""
    require_role(actor, Role.ADMIN)
    if key.startswith("relief."):
        name, limit = key[len("relief.") :], 120
        if name not in RELIEF_KEYS:
            raise UserError(f"unknown relief {name!r}: use one of {', '.join(RELIEF_KEYS)}")
        stored = key
    else:
        key = key.removeprefix("court.")
        if key not in COURT_KEYS:
            raise UserError(
                f"unknown court setting {key!r}: use one of "
                f"{', '.join(COURT_KEYS)} or relief.<{'|'.join(RELIEF_KEYS)}>"
            )
        limit = COURT_KEYS[key][1]
        stored = f"court.{key}"
    value = _clean(value)
    if len(value) > limit:
        raise UserError(f"{key} is {len(value)} characters; at most {limit} fit on an order")
    if key == "name_style" and value and value not in NAME_STYLES:
        raise UserError(f"name_style must be one of {', '.join(NAME_STYLES)}, not {value!r}")
    if key == "schedule_names" and value and value not in SCHEDULE_ORDERS:
        raise UserError(
            f"schedule_names must be one of {', '.join(SCHEDULE_ORDERS)}, not {value!r}"
        )
    with transaction(conn):
        old = conn.execute("SELECT value FROM settings WHERE key = ?", (stored,)).fetchone()
        if value:
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (stored, value)
            )
        else:
            conn.execute("DELETE FROM settings WHERE key = ?", (stored,))
        audit.append(
            conn,
            actor.name,
            "settings.court",
            [stored],
            {"key": stored, "old": old[0] if old else None, "new": value or None},
        )


@dataclass(frozen=True)
class SignerSettings:
    user: str
    title: str = ""
    signature_image: bytes | None = None
    display_name: str = ""


def signer_settings(conn: sqlite3.Connection, user: str) -> SignerSettings:
    if not _table_exists(conn, "signer_settings"):
        return SignerSettings(user)
    found = one_as(
        conn,
        SignerSettings,
        "SELECT user, title, signature_image, display_name FROM signer_settings WHERE user = ?",
        (user,),
        title=lambda v: v or "",
        display_name=lambda v: v or "",
    )
    return found if found is not None else SignerSettings(user)


def set_signer(
    conn: sqlite3.Connection,
    actor: User,
    judge: str,
    *,
    title: str | None = None,
    image: bytes | None = None,
    clear_image: bool = False,
    display_name: str | None = None,
) -> SignerSettings:
    """An administrator, or the judge for themself, sets the title printed for the judge and the
    image of the judge's handwritten signature (PNG or JPEG)."""
    if actor.role != Role.ADMIN and not (
        actor.role == Role.JUDGE and actor.name.casefold() == judge.casefold()
    ):
        raise RefusedError(
            f"{actor.name} is a {actor.role}; only an administrator or the judge "
            "themself can change a judge's signer settings. Nothing was changed."
        )
    row = conn.execute("SELECT name, role FROM users WHERE name = ?", (judge,)).fetchone()
    if row is None or row[1] != Role.JUDGE:
        raise UserError(
            f"{judge} is not a judge's ReliefDesk account; signer settings are for judges."
        )
    judge = row[0]
    if title is not None:
        title = _clean(title).replace("\n", " ")
        if len(title) > 80:
            raise UserError(
                f"the title is {len(title)} characters; at most 80 ({SIGNER_TITLES_HINT})"
            )
    if image is not None:
        if len(image) > MAX_IMAGE_BYTES:
            raise UserError(
                "the signature image is larger than 2 MB; scan it at a lower resolution"
            )
        if not (image.startswith(b"\x89PNG\r\n\x1a\n") or image.startswith(b"\xff\xd8\xff")):
            raise UserError("the signature image must be a PNG or JPEG file")
        from io import BytesIO

        from reportlab.lib.utils import ImageReader

        try:
            ImageReader(BytesIO(image)).getSize()
        except Exception as exc:  # any decoding failure of a damaged image file
            raise UserError(
                f"the signature image cannot be read ({exc}); save it again as PNG"
            ) from exc
    if display_name is not None:
        display_name = _clean(display_name).replace("\n", " ")
        if len(display_name) > 80:
            raise UserError(f"the printed name is {len(display_name)} characters; at most 80")
    current = signer_settings(conn, judge)
    new_title = current.title if title is None else title
    new_name = current.display_name if display_name is None else display_name
    new_image = None if clear_image else (image if image is not None else current.signature_image)
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO signer_settings (user, display_name, title, signature_image,"
            " image_sha256, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                judge,
                new_name or None,
                new_title or None,
                new_image,
                hashlib.sha256(new_image).hexdigest() if new_image else None,
                actor.name,
                now(),
            ),
        )
        audit.append(
            conn,
            actor.name,
            "settings.signer",
            [judge],
            {
                "display_name": new_name or None,
                "title": new_title or None,
                "image_sha256": hashlib.sha256(new_image).hexdigest() if new_image else None,
            },
        )
    return signer_settings(conn, judge)
