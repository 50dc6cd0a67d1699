"""Scheduled backups to a destination the administrator sets, each verified after writing.

The live database must stay on the PC's own disk (desktop/store/location.py), but a *backup* is one
self-contained file written once (rollback journal, no WAL), so court storage on a network share is
a good destination. The administrator sets the folder and how often (`backup_destination`,
`backup_every_hours` in the settings table, audited). A backup is due when the newest *verified*
one is older than that: the window makes it while open (and warns when it cannot), and
`reliefdesk backup-schedule run` makes it from Windows Task Scheduler or cron.

Verified means: the copy passes SQLite's integrity check, is a ReliefDesk database this version
opens, and its newest audit entry (number and hash) is the source database's entry of that
number — the copy is the database as it was, not just a readable file. Each verified backup is
recorded (path, SHA-256 of the file, audit entry) in the settings table with a `backup.verified`
audit entry.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from desktop.clock import court_time_text
from desktop.clock import now as clock_now
from desktop.errors import UserError
from desktop.vocabulary import Role

DEST_KEY = "backup_destination"
EVERY_KEY = "backup_every_hours"
LAST_KEY = "backup_last_verified"


@dataclass(frozen=True)
class Schedule:
    destination: Path | None
    every_hours: float | None


@dataclass(frozen=True)
class Verified:
    path: Path
    at: datetime
    sha256: str
    audit_seq: int


def _get(conn: sqlite3.Connection, key: str) -> str | None:
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def schedule(conn: sqlite3.Connection) -> Schedule:
    dest, every = _get(conn, DEST_KEY), _get(conn, EVERY_KEY)
    try:
        hours = float(every) if every else None
    except ValueError:
        hours = None
    return Schedule(Path(dest) if dest else None, hours)


def set_schedule(
    conn: sqlite3.Connection, actor, destination: Path | None, every_hours: float | None
) -> Schedule:
    """An administrator sets (or, with None, clears) the destination and interval; audited."""
    from desktop.audit.log import append
    from desktop.review.users import require_role
    from desktop.store.tx import transaction

    require_role(actor, Role.ADMIN)
    if (destination is None) != (every_hours is None):
        raise UserError("give both the backup folder and how often (hours), or clear both")
    if every_hours is not None and not 0.25 <= every_hours <= 24 * 31:
        raise UserError(f"back up every 0.25 to 744 hours, not {every_hours:g}")
    if destination is not None:
        destination = Path(destination)
        if not destination.is_absolute():
            raise UserError(
                f"the backup folder must be a full path (like D:\\Backups or "
                f"\\\\server\\share\\ReliefDesk), not {destination}"
            )
    old = schedule(conn)
    with transaction(conn):
        for key, value in (
            (DEST_KEY, str(destination) if destination else None),
            (EVERY_KEY, f"{every_hours:g}" if every_hours is not None else None),
        ):
            if value is None:
                conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value)
                )
        append(
            conn,
            actor.name,
            "settings.set",
            [DEST_KEY, EVERY_KEY],
            {
                "key": "backup_schedule",
                "old": {
                    "destination": str(old.destination) if old.destination else None,
                    "every_hours": old.every_hours,
                },
                "new": {
                    "destination": str(destination) if destination else None,
                    "every_hours": every_hours,
                },
            },
        )
    return schedule(conn)


def last_verified(conn: sqlite3.Connection) -> Verified | None:
    raw = _get(conn, LAST_KEY)
    if not raw:
        return None
    try:
        d = json.loads(raw)
        return Verified(
            Path(d["path"]), datetime.fromisoformat(d["at"]), d["sha256"], int(d["audit_seq"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def overdue_message(conn: sqlite3.Connection, now: datetime | None = None) -> str | None:
    """What the window shows when the newest verified backup is older than the setting (None when
    no schedule is set or the newest verified backup is recent enough)."""
    sched = schedule(conn)
    if sched.destination is None or sched.every_hours is None:
        return None
    now = now or clock_now()
    last = last_verified(conn)
    limit = timedelta(hours=sched.every_hours)
    if last is not None and now - last.at <= limit:
        return None
    when = (
        "no verified backup has been made yet"
        if last is None
        else f"the newest verified backup is from {court_time_text(last.at)} "
        f"({_age(now - last.at)} ago)"
    )
    return (
        f"Backup overdue: {when}; the setting is every {sched.every_hours:g} hours to "
        f"{sched.destination}. Check that the folder is reachable (the window tries again "
        "every 10 minutes; reliefdesk-cli backup-schedule run --force makes one now), or "
        "ask court IT."
    )


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def is_due(conn: sqlite3.Connection, now: datetime | None = None) -> bool:
    sched = schedule(conn)
    if sched.destination is None or sched.every_hours is None:
        return False
    last = last_verified(conn)
    now = now or clock_now()
    return last is None or now - last.at >= timedelta(hours=sched.every_hours)


def verify_copy(source: sqlite3.Connection, copy: Path) -> int:
    """Check a backup just written against its source; returns its newest audit entry number.
    Raises UserError naming what is wrong."""
    from desktop.store.db import readonly_uri
    from desktop.store.integrity import check_reliefdesk_file

    check_reliefdesk_file(copy)  # SQLite integrity check, ReliefDesk tables, schema
    conn = sqlite3.connect(readonly_uri(copy), uri=True)
    try:
        head = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    if head is None:
        return 0
    row = source.execute("SELECT hash FROM audit_log WHERE seq = ?", (head[0],)).fetchone()
    if row is None or row[0] != head[1]:
        raise UserError(
            f"the backup {copy} does not match the database (audit entry {head[0]} "
            "differs): it was not kept as verified. Try again."
        )
    return int(head[0])


def run_scheduled(
    db_path: Path, *, force: bool = False, user: str | None = None, now: datetime | None = None
) -> Verified | None:
    """Make the scheduled backup when it is due (or `force`): copy, verify, record. None when
    nothing was due; UserError when no schedule is set or the copy cannot be written or verified
    (an unverified copy is deleted, never recorded)."""
    from desktop.audit.log import append
    from desktop.files import remove_file
    from desktop.store.backup import backup_name, copy_database
    from desktop.store.db import connect
    from desktop.store.tx import transaction

    conn = connect(db_path)
    try:
        sched = schedule(conn)
        if sched.destination is None:
            raise UserError(
                "no backup destination is set: an administrator sets one with "
                "reliefdesk backup-schedule set --to FOLDER --every HOURS --as ADMIN"
            )
        if not force and not is_due(conn, now):
            return None
        out = sched.destination / backup_name(Path(db_path), "scheduled")
        try:
            copy_database(conn, out)
        except (OSError, sqlite3.DatabaseError) as exc:
            raise UserError(
                f"the scheduled backup could not be written to {sched.destination}: "
                f"{exc}. Check that the folder exists and is reachable, then try "
                "again."
            ) from exc
        try:
            seq = verify_copy(conn, out)
        except UserError:
            remove_file(out)
            raise
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        at = now or clock_now()
        record = {"path": str(out), "at": at.isoformat(), "sha256": digest, "audit_seq": seq}
        with transaction(conn):
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                (LAST_KEY, json.dumps(record, sort_keys=True)),
            )
            append(conn, user, "backup.verified", [str(out)], record)
        return Verified(out, at, digest, seq)
    finally:
        conn.close()
