"""How long the program keeps what it was given (issue 18).

- `retention_days` (a setting only an administrator changes): how long the records of a person
  whose work is finished are kept; past it `desktop.maintenance.purge` removes them.
- A person's work is *finished* when none of their counts is still open in the review: every
  count is rejected, granted in a signed order (sealed), or approved as not eligible in a batch
  the judge accepted. Counts still pending, deferred, or approved but not yet through the judge
  (and, for a relief, its signed order) keep the person open. A person with no count in the
  review (nothing to decide) is finished when the first evaluation after their import
  completed. The finishing time is the latest decision or signing among their counts.
- HS 11361.5 records: the statute says records of an arrest or conviction for HS 11357 or
  11360(b), and of a person under 18 for any offense of the cannabis article (except 11357.5),
  may not be kept beyond two years from the conviction (or from the arrest when there was no
  conviction); a school-grounds 11357 record of a minor is kept until the person turns 18.
  `hs_11361_5` LISTS such records with those dates so the court can act; the program does not
  destroy court records on its own. (The subdivisions follow the spec, §8; verify the current
  text of 11361.5 before relying on them: 11357(d) is today's school-grounds subdivision for a
  minor, 11357(e) the one before Proposition 64.)
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from desktop import audit, clock
from desktop.errors import RefusedError, UserError
from desktop.orders.model import GRANTABLE
from desktop.review.users import User, require_role
from desktop.store.tx import transaction
from desktop.vocabulary import ReviewStatus, Role, sql_in

RETENTION_SETTING = "retention_days"
MAX_DAYS = 36_500
# Review statuses that leave the work open (approved/changed are open until their order is signed).
_OPEN = (ReviewStatus.PENDING, ReviewStatus.DEFERRED)
# The cannabis article of the Health and Safety Code (Division 10, Chapter 6, Article 2).
ARTICLE = ("11357", "11363")
SCHOOL_GROUNDS = ("11357(D)", "11357(E)")


def retention_days(conn: sqlite3.Connection) -> int | None:
    """The retention period in days, or None when the administrator has not set one."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (RETENTION_SETTING,)).fetchone()
    try:
        return int(row[0]) if row and row[0] is not None else None
    except (TypeError, ValueError):
        return None


def set_retention_days(conn: sqlite3.Connection, actor: User, days: int) -> None:
    """An administrator sets how long finished people's records are kept (audited)."""
    require_role(actor, Role.ADMIN)
    if not 1 <= days <= MAX_DAYS:
        raise UserError(f"keep finished records between 1 and {MAX_DAYS} days, not {days}")
    with transaction(conn):
        if not conn.execute(
            "SELECT 1 FROM users WHERE id = ? AND active = 1", (actor.id,)
        ).fetchone():
            raise RefusedError(f"{actor.name}'s account is no longer active")
        old = retention_days(conn)
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            (RETENTION_SETTING, str(days)),
        )
        audit.append(
            conn,
            actor.name,
            "settings.set",
            [RETENTION_SETTING],
            {"key": RETENTION_SETTING, "old": old, "new": days},
        )


def cutoff(days: int, today: date | None = None) -> str:
    """People whose work finished before this date (ISO) are past a retention of `days`."""
    return ((today or clock.court_today()) - timedelta(days=days)).isoformat()


# One row per person: whether any count is still open, and when the work last moved. An approved
# or changed count is closed once its order is signed (under_seal), or, when its relief grants
# nothing an order could (not eligible), once the judge accepted its batch without sending it back.
_FINISHED_SQL = f"""
WITH accepted AS (
    SELECT bi.count_id AS count_id, MAX(b.accepted_at) AS accepted_at
    FROM batch_items bi JOIN batches b ON b.id = bi.batch_id
    WHERE b.status = 'accepted' AND COALESCE(bi.judge_status, '') <> 'sent_back'
    GROUP BY bi.count_id
),
items AS (
    SELECT c.subject_id AS subject_id,
           MAX(CASE WHEN r.status IN {sql_in(_OPEN)} THEN 1
                    WHEN r.status IN ('approved', 'changed') AND u.count_id IS NULL
                         AND NOT (a.count_id IS NOT NULL AND
                                  (CASE WHEN r.status = 'changed' THEN r.decided_relief
                                        ELSE d.relief END) NOT IN {sql_in(GRANTABLE)})
                    THEN 1
                    ELSE 0 END) AS open,
           MAX(max(COALESCE(r.decided_at, ''), COALESCE(u.sealed_at, ''),
                   COALESCE(a.accepted_at, ''))) AS finished_at
    FROM review_items r
    JOIN determinations d ON d.id = r.determination_id
    JOIN counts c ON c.id = r.count_id
    LEFT JOIN under_seal u ON u.count_id = r.count_id
    LEFT JOIN accepted a ON a.count_id = r.count_id
    GROUP BY c.subject_id
)
SELECT s.id, i.open, i.finished_at,
       (SELECT MIN(e.finished_at) FROM evaluation_runs e
        WHERE e.status = 'complete' AND e.started_at >= im.imported_at) AS evaluated_at
FROM subjects s
JOIN imports im ON im.id = s.import_id
LEFT JOIN items i ON i.subject_id = s.id
WHERE s.source_key NOT LIKE 'purged-%'
"""


@dataclass(frozen=True)
class Finished:
    subject_id: int
    finished_at: str


def finished_people(conn: sqlite3.Connection, before: str | None = None) -> list[Finished]:
    """People whose work is finished (optionally: finished before the ISO date `before`)."""
    out: list[Finished] = []
    # A person with a matter before the court (a petition, application or challenge not yet
    # ordered or withdrawn, issue 19) is not finished, whatever their review items say.
    in_court = {
        r[0]
        for r in conn.execute("SELECT subject_id FROM matters WHERE status IN ('open', 'ruled')")
    }
    for sid, is_open, at, evaluated_at in conn.execute(_FINISHED_SQL):
        if sid in in_court:
            continue
        if is_open is None:  # nothing to review: finished once evaluated
            is_open, at = evaluated_at is None, evaluated_at
        if is_open or not at:
            continue
        if before is None or at < before:
            out.append(Finished(sid, at))
    return out


# --- HS 11361.5 -----------------------------------------------------------------------------
@dataclass(frozen=True)
class StatutoryRecord:
    count_id: int
    subject_id: int
    name: str | None
    dob: str | None
    case_number: str | None
    county: str | None
    section: str
    convicted: bool
    record_date: str | None  # the conviction date, or the arrest date without a conviction
    basis: str  # why 11361.5 applies
    keep_until: str | None  # may not be kept past this date (None: a date is missing)
    due: bool  # keep_until is today or earlier
    sealed: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_RECORDS_SQL = """
SELECT c.id, c.subject_id, s.name, s.dob, k.case_number, COALESCE(k.county, c.county),
       c.section, c.base_section, c.convicted, c.conviction_date,
       COALESCE(c.cycle_date, k.cycle_date, k.event_date), c.juvenile,
       c.id IN (SELECT count_id FROM under_seal)
FROM counts c JOIN cases k ON k.id = c.case_id JOIN subjects s ON s.id = c.subject_id
WHERE c.base_section >= ? AND c.base_section < ? AND COALESCE(c.code, 'HS') = 'HS'
  AND c.base_section <> '11357.5'
ORDER BY c.id
"""


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def hs_11361_5(conn: sqlite3.Connection, today: date | None = None) -> list[StatutoryRecord]:
    """Every record the program holds that HS 11361.5 says may not be kept past a date, with
    that date. Sealed counts are included (flagged): the caller decides who may see them."""
    today = today or clock.court_today()
    out: list[StatutoryRecord] = []
    for (
        cid,
        sid,
        name,
        dob_s,
        case_no,
        county,
        section,
        base,
        convicted,
        conv_s,
        arrest_s,
        juvenile,
        sealed,
    ) in conn.execute(_RECORDS_SQL, ARTICLE):
        section = section or base or ""
        dob = _date(dob_s)
        when = _date(conv_s) if convicted else _date(arrest_s)
        offense = _date(arrest_s) or _date(conv_s)
        minor = bool(juvenile) or (
            dob is not None and offense is not None and offense < _add_years(dob, 18)
        )
        keep_until: date | None
        if minor and base == "11357" and section.upper().startswith(SCHOOL_GROUNDS):
            basis = "HS 11361.5(a): school-grounds 11357 by a minor, kept until age 18"
            keep_until = _add_years(dob, 18) if dob else None
        elif base == "11357" or (base == "11360" and section.upper().startswith("11360(B)")):
            basis = f"HS 11361.5(a): HS {section}, two years from the " + (
                "conviction" if convicted else "arrest"
            )
            keep_until = _add_years(when, 2) if when else None
        elif minor:
            basis = f"HS 11361.5(a): HS {section} by a person under 18, two years from the " + (
                "conviction" if convicted else "arrest"
            )
            keep_until = _add_years(when, 2) if when else None
        else:
            continue
        out.append(
            StatutoryRecord(
                cid,
                sid,
                name,
                dob_s,
                case_no,
                county,
                section,
                bool(convicted),
                when.isoformat() if when else None,
                basis,
                keep_until.isoformat() if keep_until else None,
                keep_until is not None and keep_until <= today,
                bool(sealed),
            )
        )
    return out


def export_notice(conn: sqlite3.Connection, created_at: str | None = None) -> str:
    """The line every export of people's records carries: when it was made, and that it is to
    be destroyed under the same schedule as the records in the program."""
    created_at = created_at or clock.utc_stamp()
    days = retention_days(conn)
    schedule = (
        f"within {days} days of the work on each person being finished"
        if days
        else "under the court's retention schedule"
    )
    return (
        f"Created {created_at} by ReliefDesk. Holds criminal-history records: keep it only as "
        f"long as the work needs and destroy it {schedule}, and by the HS 11361.5 dates "
        "(`reliefdesk retention list`)."
    )


# --- exports ---------------------------------------------------------------------------------
EXPORT_ACTIONS = ("export.", "report.summary", "audit.export")


@dataclass(frozen=True)
class ExportRecord:
    seq: int  # the audit entry that recorded the export
    action: str
    file: str
    created_at: str
    created_by: str | None
    destroy_by: str | None  # created + the retention period (None: no period set)
    exists: bool  # the file is still where it was written

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def exports(conn: sqlite3.Connection) -> list[ExportRecord]:
    """Every export of people's records the audit log recorded (DOJ and court updates,
    determinations, rejected rows, summary reports), with its creation date and the date it is to
    be destroyed by under the retention schedule, and whether the file is still there."""
    import json
    from pathlib import Path

    days = retention_days(conn)
    out: list[ExportRecord] = []
    for seq, action, at, user, payload in conn.execute(
        "SELECT seq, action, at, user, payload FROM audit_log WHERE substr(action, 1, 7) ="
        " 'export.' OR action IN ('report.summary', 'audit.export') ORDER BY seq"
    ):
        try:
            file = str(json.loads(payload).get("file") or "")
        except (ValueError, AttributeError):
            file = ""
        if not file:
            continue
        created = _date(at)
        destroy = (created + timedelta(days=days)).isoformat() if created and days else None
        out.append(ExportRecord(seq, action, file, at, user, destroy, Path(file).exists()))
    return out
