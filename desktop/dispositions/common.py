"""Shared pieces of the dispositions core: reading a matter row, dates, the setting for the
prosecution's response deadline, and the one audited write."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from desktop import clock
from desktop.errors import UserError

KINDS = ("petition", "application", "challenge")
FILER_KINDS = ("person", "attorney", "public_defender", "prosecution", "court")
POSITIONS = ("does_not_oppose", "opposes_criteria", "opposes_public_safety", "requests_hearing")
OPPOSING = ("opposes_criteria", "opposes_public_safety", "requests_hearing")
OUTCOMES = ("granted", "granted_other_relief", "denied")
FINDINGS = ("criteria_not_met", "public_safety")
GRANT_RELIEFS = (
    "dismiss_and_seal",
    "redesignate_misdemeanor",
    "redesignate_infraction",
    "resentence",
)
RESENTENCE_TARGETS = ("dismissed", "misdemeanor", "infraction")

# The prosecution's response deadline, in days from service on it (review settings, set by an
# administrator in the window or with `reliefdesk review settings --set`). HS 11361.8 names no
# period for the response to a petition or application; 60 days is a court's choice, not the law's
# (the bulk review of HS 11361.9(c) gave the prosecution a fixed date instead, 2020-07-01).
DEADLINE_KEY = "response_deadline_days"

# The findings in the words printed on an order when the judge gives none of their own.
FINDING_WORDS = {
    "criteria_not_met": (
        "The party opposing the petition or application proved by clear and convincing evidence "
        "that the person does not satisfy the criteria of Health and Safety Code section 11361.8."
    ),
    "public_safety": (
        "Granting the petition would pose an unreasonable risk of danger to public safety within "
        "the meaning of Penal Code section 1170.18(c): an unreasonable risk that the petitioner "
        "will commit a new violent felony within the meaning of Penal Code section "
        "667(e)(2)(C)(iv) (HS 11361.8(b))."
    ),
}


@dataclass(frozen=True)
class MatterRow:
    id: int
    subject_id: int
    kind: str
    court_case_number: str | None
    filed_on: str | None
    served_on: str | None
    filer_kind: str | None
    filer_name: str | None
    hearing_requested: bool
    source: str
    status: str
    note: str | None
    opened_by: str
    opened_at: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_MATTER_COLS = (
    "id, subject_id, kind, court_case_number, filed_on, served_on, filer_kind, filer_name,"
    " hearing_requested, source, status, note, opened_by, opened_at"
)


def read_matter(conn: sqlite3.Connection, matter_id: int) -> MatterRow:
    row = conn.execute(f"SELECT {_MATTER_COLS} FROM matters WHERE id = ?", (matter_id,)).fetchone()
    if row is None:
        raise UserError(f"there is no matter {matter_id}; see `reliefdesk matter list`")
    r = list(row)
    r[8] = bool(r[8])
    return MatterRow(*r)


def matter_count_ids(conn: sqlite3.Connection, matter_id: int) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT count_id FROM matter_counts WHERE matter_id = ? ORDER BY count_id",
            (matter_id,),
        )
    ]


def iso_date(value: str | date | None, what: str, *, required: bool = True) -> str | None:
    """An ISO date from 'YYYY-MM-DD' (or a date); UserError naming the field otherwise."""
    if value is None or value == "":
        if required:
            raise UserError(f"{what} is missing: give it as YYYY-MM-DD")
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise UserError(f"{what} '{value}' is not a date: give it as YYYY-MM-DD") from None


def hhmm(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    text = value.strip()
    parts = text.split(":")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        h, m = int(parts[0]), int(parts[1])
        if 0 <= h < 24 and 0 <= m < 60:
            return f"{h:02d}:{m:02d}"
    raise UserError(f"hearing time '{value}' is not a time: give it as HH:MM (24-hour), e.g. 08:30")


def deadline_days(conn: sqlite3.Connection) -> int:
    from desktop.review.settings import get_setting

    return int(get_setting(conn, DEADLINE_KEY))


def response_due(conn: sqlite3.Connection, m: MatterRow, days: int | None = None) -> str | None:
    """The date the prosecution's response is due: service (else filing) + the setting's days.
    None for a challenge (the challenge is the prosecution's response)."""
    if m.kind == "challenge":
        return None
    start = m.served_on or m.filed_on
    if not start:
        return None
    days = deadline_days(conn) if days is None else days
    return (date.fromisoformat(start) + timedelta(days=days)).isoformat()


def today() -> str:
    return clock.court_today().isoformat()
