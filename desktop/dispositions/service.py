"""Who the court's notices are served on, and where they are mailed.

- The prosecuting agency and the public defender: their names and mailing addresses are court
  settings an administrator sets once (settings keys `service.*`, in the window or with
  `reliefdesk service set`); audited. The city the clerk mails from (the certificate of mailing
  says where the envelope was deposited) is a setting too, else the court address's city.
- The person's mailing address and their counsel's name and address are on the matter (migration
  0022), entered when it is opened or later; audited (`matter.addresses`; the audit log holds no
  address, only which fields changed).

`service_list` is the notice's service list; `missing_addresses` names every party a notice by
mail could not reach, so it is refused before anything is printed."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop import audit
from desktop.dispositions.common import read_matter
from desktop.dispositions.words import address_lines, matter_handle, person_name
from desktop.errors import RefusedError, UserError
from desktop.review.users import User, require_role
from desktop.store.tx import transaction

# key -> (label, help, maximum length)
SERVICE_KEYS: dict[str, tuple[str, str, int]] = {
    "prosecution_name": (
        "Prosecuting agency",
        "the prosecuting agency as it is addressed, e.g. 'Office of the District Attorney, "
        "County of San Bernardino'",
        160,
    ),
    "prosecution_address": (
        "Prosecuting agency's mailing address",
        "its mailing address; ' | ' or a new line between lines",
        300,
    ),
    "public_defender_name": (
        "Public defender",
        "the public defender as addressed, e.g. 'Office of the Public Defender, County of "
        "San Bernardino'",
        160,
    ),
    "public_defender_address": (
        "Public defender's mailing address",
        "its mailing address; ' | ' or a new line between lines",
        300,
    ),
    "mailing_city": (
        "City the clerk mails from",
        "the city where the clerk deposits the mail, printed in the certificate of mailing "
        "(empty: the city of the court's address)",
        80,
    ),
}
MATTER_FIELDS = {
    "person_address": ("the person's mailing address", 300),
    "counsel_name": ("counsel's name", 160),
    "counsel_address": ("counsel's mailing address", 300),
}


def _clean(text: str | None) -> str:
    lines = [
        "".join(ch for ch in line if ch.isprintable()).strip()
        for line in (text or "").replace("|", "\n").splitlines()
    ]
    return "\n".join(line for line in lines if line)


# --- the court's settings --------------------------------------------------------------------
def service_settings(conn: sqlite3.Connection) -> dict[str, str]:
    """Every service setting (an unset one is '')."""
    rows = dict(
        conn.execute("SELECT key, value FROM settings WHERE key LIKE 'service.%'").fetchall()
    )
    return {k: rows.get(f"service.{k}") or "" for k in SERVICE_KEYS}


def set_service_setting(conn: sqlite3.Connection, actor: User, key: str, value: str) -> None:
    """An administrator sets one service setting (an empty value clears it); audited."""
    require_role(actor, "admin")
    key = key.removeprefix("service.").replace("-", "_")
    if key not in SERVICE_KEYS:
        raise UserError(f"unknown service setting {key!r}: use one of {', '.join(SERVICE_KEYS)}")
    label, _, limit = SERVICE_KEYS[key]
    text = _clean(value)
    if key in ("prosecution_name", "public_defender_name", "mailing_city"):
        text = " ".join(text.split())
    if len(text) > limit:
        raise UserError(f"{label} is {len(text)} characters; at most {limit} fit on a notice")
    if key.endswith("_address") and text and len(address_lines(text)) < 2:
        raise UserError(
            f"{label}: give the street and the city line, e.g. '303 W Third St | San Bernardino, "
            "CA 92415'"
        )
    stored = f"service.{key}"
    with transaction(conn):
        old = conn.execute("SELECT value FROM settings WHERE key = ?", (stored,)).fetchone()
        if text:
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (stored, text)
            )
        else:
            conn.execute("DELETE FROM settings WHERE key = ?", (stored,))
        audit.append(
            conn,
            actor.name,
            "settings.service",
            [stored],
            {"key": stored, "old": old[0] if old else None, "new": text or None},
        )


# --- a matter's addresses --------------------------------------------------------------------
def matter_addresses(conn: sqlite3.Connection, matter_id: int) -> dict[str, str]:
    row = conn.execute(
        "SELECT person_address, counsel_name, counsel_address FROM matters WHERE id = ?",
        (matter_id,),
    ).fetchone()
    if row is None:
        read_matter(conn, matter_id)  # the UserError naming the missing matter
    return {k: (row[i] or "") for i, k in enumerate(MATTER_FIELDS)}


def check_addresses(values: Mapping[str, str | None]) -> dict[str, str | None]:
    """The matter's address fields cleaned and checked; only the keys given."""
    out: dict[str, str | None] = {}
    for key, value in values.items():
        if key not in MATTER_FIELDS:
            raise UserError(f"unknown field {key!r}: use one of {', '.join(MATTER_FIELDS)}")
        what, limit = MATTER_FIELDS[key]
        text = _clean(value)
        if key == "counsel_name":
            text = " ".join(text.split())
        if len(text) > limit:
            raise UserError(f"{what} is {len(text)} characters; at most {limit}")
        if key.endswith("_address") and text and len(address_lines(text)) < 2:
            raise UserError(
                f"{what}: give the street and the city line, e.g. '1250 Mill St Apt 4 | "
                "Redlands, CA 92373'"
            )
        out[key] = text or None
    return out


def set_matter_addresses(
    conn: sqlite3.Connection, user: User, matter_id: int, **values: str | None
) -> dict[str, str]:
    """A clerk enters or corrects the person's mailing address and counsel's name and address on
    a matter (a value None is left as it is, '' clears it). One transaction, one audit entry
    (`matter.addresses`, naming the fields changed, never the addresses)."""
    require_role(user, "clerk")
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        raise UserError(
            "give the person's mailing address, counsel's name or counsel's address to enter"
        )
    clean = check_addresses(given)
    with transaction(conn):
        m = read_matter(conn, matter_id)
        if m.status == "withdrawn":
            raise RefusedError(f"{matter_handle(matter_id)} is withdrawn; nothing is served in it")
        old = matter_addresses(conn, matter_id)
        changed = [k for k, v in clean.items() if (v or "") != old[k]]
        if changed:
            conn.execute(
                f"UPDATE matters SET {', '.join(f'{k} = ?' for k in changed)} WHERE id = ?",
                [clean[k] for k in changed] + [matter_id],
            )
            audit.append(
                conn, user.name, "matter.addresses", [matter_id], {"fields": sorted(changed)}
            )
    return matter_addresses(conn, matter_id)


# --- the service list ------------------------------------------------------------------------
@dataclass(frozen=True)
class Party:
    name: str
    role: str
    key: str  # prosecution | public_defender | counsel | person (matter_notices.to_party)
    address: list[str] = field(default_factory=list)
    where_to_enter: str = ""  # who enters the missing address, and where


def _county(conn: sqlite3.Connection, matter_id: int) -> str:
    row = conn.execute(
        "SELECT COALESCE(k.county, c.county) FROM matter_counts mc"
        " JOIN counts c ON c.id = mc.count_id JOIN cases k ON k.id = c.case_id"
        " WHERE mc.matter_id = ? LIMIT 1",
        (matter_id,),
    ).fetchone()
    return ((row[0] if row else "") or "").title()


def service_list(conn: sqlite3.Connection, matter_id: int) -> list[Party]:
    """Who is served, with the mailing address on file: the prosecuting agency; counsel (the
    filer's attorney, or counsel entered on the matter) or the public defender (for a challenge,
    HS 11361.9(d), or when the public defender filed); and the person."""
    m = read_matter(conn, matter_id)
    county = _county(conn, matter_id)
    s = service_settings(conn)
    a = matter_addresses(conn, matter_id)
    handle = matter_handle(matter_id)
    admin_where = "an administrator enters it under File, Court settings for the service list"
    parties = [
        Party(
            s["prosecution_name"] or f"District Attorney, County of {county}",
            "Prosecuting agency",
            "prosecution",
            address_lines(s["prosecution_address"]),
            f"the prosecuting agency's mailing address: {admin_where}",
        )
    ]
    counsel = a["counsel_name"] or (m.filer_name if m.filer_kind == "attorney" else "")
    if m.filer_kind == "attorney" or a["counsel_name"]:
        parties.append(
            Party(
                counsel or "Counsel of record",
                "Counsel for the person",
                "counsel",
                address_lines(a["counsel_address"]),
                f"counsel's mailing address on {handle} (Matters view, Addresses)",
            )
        )
    elif m.filer_kind == "public_defender" or m.kind == "challenge":
        parties.append(
            Party(
                (m.filer_name if m.filer_kind == "public_defender" and m.filer_name else "")
                or s["public_defender_name"]
                or f"Public Defender, County of {county}",
                "Public defender",
                "public_defender",
                address_lines(s["public_defender_address"]),
                f"the public defender's mailing address: {admin_where}",
            )
        )
    parties.append(
        Party(
            person_name(conn, m.subject_id),
            "The person (defendant / petitioner)",
            "person",
            address_lines(a["person_address"]),
            f"the person's mailing address on {handle} (Matters view, Addresses)",
        )
    )
    return parties


def missing_addresses(parties: list[Party]) -> list[Party]:
    return [p for p in parties if not p.address]


def refuse_unaddressed(parties: list[Party], matter_id: int) -> None:
    """RefusedError naming each address to enter before a notice can be mailed."""
    missing = missing_addresses(parties)
    if missing:
        raise RefusedError(
            f"The notice for {matter_handle(matter_id)} cannot be mailed: no mailing address for "
            + "; ".join(f"{p.name} ({p.role.lower()}) — enter {p.where_to_enter}" for p in missing)
        )


def mailing_city(conn: sqlite3.Connection, county: str) -> str:
    """The city the clerk mails from: the setting, else the city of the court's address's last
    line ('San Bernardino, CA 92415' -> 'San Bernardino'), else the county's name."""
    city = service_settings(conn)["mailing_city"]
    if city:
        return city
    from desktop.orders.court_settings import court_details

    lines = court_details(conn).address_lines
    if lines and "," in lines[-1]:
        return lines[-1].split(",")[0].strip()
    return county
