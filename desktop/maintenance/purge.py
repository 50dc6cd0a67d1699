"""Purging the records of people whose work finished longer ago than the retention period
(issue 18; the schedule is in desktop/records/retention.py).

For each such person the purge deletes, in one transaction with one audit entry (the tombstone,
which names the purged people by their internal ids only):
- the DOJ rows as imported: the person, their events, every case and count not named by an order,
  rejected rows that carry the person's CII;
- their determinations, review state, decision history, openings, the judge's notes on them and
  the prosecution responses of their cases; their court matters (issue 19: responses, notices,
  hearings, rulings) — a person with a matter still before the court is never purged;
and keeps what the court's own record of its orders needs: the orders and their counts (order
number, relief, dates, file hashes), and for each count in an order the case number, county,
section, level and conviction date, on case, count and person rows stripped of everything else
(the person row keeps no name, date of birth, CII or DOJ key).

Then the freed pages are wiped (secure_delete), the file is rebuilt (VACUUM) and the write-ahead
log is checkpointed and truncated, so no bytes of the purged records remain in the database file
or its -wal. Backups in the backups folder made before the purge hold the purged records: they are
overwritten and deleted, and one new backup is taken after the purge.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop import audit, clock
from desktop.clock import court_time_text
from desktop.errors import RefusedError, UserError
from desktop.maintenance.retention import cutoff, finished_people, retention_days
from desktop.review.users import User, require_role
from desktop.store.tx import transaction
from desktop.vocabulary import Role

PURGE_ROLES = (Role.ADMIN, Role.RECORDS_OFFICER)
_CHUNK = 500


@dataclass
class PurgeReport:
    at: str
    by_user: str
    retention_days: int
    finished_before: str
    people: int = 0
    counts_deleted: int = 0
    counts_kept: int = 0
    determinations_deleted: int = 0
    orders_kept: int = 0
    backups_removed: list[str] = field(default_factory=list)
    backup_after: str | None = None
    audit_seq: int | None = None
    audit_hash: str | None = None
    wal_bytes_after: int | None = None
    dry_run: bool = False
    subject_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        if self.dry_run:
            return (
                f"{self.people:,} people finished before {self.finished_before} (retention "
                f"{self.retention_days} days) would be purged; nothing was changed."
            )
        lines = [
            f"Purge of {court_time_text(self.at)} by {self.by_user}: {self.people:,} people whose work finished "
            f"before {self.finished_before} (retention {self.retention_days} days).",
            f"  counts deleted {self.counts_deleted:,}; counts kept for the orders register "
            f"{self.counts_kept:,} (in {self.orders_kept:,} orders); determinations deleted "
            f"{self.determinations_deleted:,}",
            f"  audit tombstone: entry {self.audit_seq} hash {self.audit_hash}",
            f"  database rebuilt (VACUUM); write-ahead log {self.wal_bytes_after} bytes after the "
            "checkpoint",
            f"  older backups overwritten and removed: {len(self.backups_removed)}"
            + (f"; new backup {self.backup_after}" if self.backup_after else ""),
            "  To prove it: `reliefdesk audit verify --as USER` (the chain verifies with the "
            "tombstone in it) and `reliefdesk audit list --action retention.purge --as USER`.",
        ]
        return "\n".join(lines)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _marks(ids: list[int]) -> str:
    return ",".join("?" * len(ids))


def _purge_matters(conn: sqlite3.Connection, sids: list[int]) -> None:
    """The person's court matters (issue 19) go with them: a person with a matter still before
    the court (open or ruled, not yet ordered) is never finished (retention.finished_people),
    so what is left are ordered or withdrawn matters, whose result the orders register keeps
    (orders, order_counts). Responses, notices, hearings, rulings and the matters themselves are
    deleted (rulings by matter and by count: a ruling names its count)."""
    m = _marks(sids)
    matters = f"SELECT id FROM matters WHERE subject_id IN ({m})"
    conn.execute(
        f"DELETE FROM rulings WHERE matter_id IN ({matters}) OR count_id IN"
        f" (SELECT id FROM counts WHERE subject_id IN ({m}))",
        sids + sids,
    )
    for table in ("matter_notices", "matter_responses", "matter_counts"):
        conn.execute(f"DELETE FROM {table} WHERE matter_id IN ({matters})", sids)
    conn.execute(f"UPDATE hearings SET continued_to = NULL WHERE matter_id IN ({matters})", sids)
    conn.execute(f"DELETE FROM hearings WHERE matter_id IN ({matters})", sids)
    conn.execute(f"DELETE FROM matters WHERE subject_id IN ({m})", sids)


def _purge_people(
    conn: sqlite3.Connection,
    sids: list[int],
    report: PurgeReport,
    sealed_deleted: dict[str, list[Any]] | None = None,
    sealed_changed: dict[str, list[Any]] | None = None,
) -> None:
    """Delete the records of the subjects `sids` (inside the caller's transaction). The keys of
    the rows deleted from / changed in the sealed tables are added to sealed_deleted and
    sealed_changed (table -> keys) for the purge's audit entry to seal."""
    sealed_deleted = {} if sealed_deleted is None else sealed_deleted
    sealed_changed = {} if sealed_changed is None else sealed_changed
    for part in _chunks(sids):
        m = _marks(part)
        counts = [
            r[0] for r in conn.execute(f"SELECT id FROM counts WHERE subject_id IN ({m})", part)
        ]
        kept = {
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT oc.count_id FROM order_counts oc JOIN counts c ON c.id = oc.count_id"
                f" WHERE c.subject_id IN ({m})",
                part,
            )
        }
        kept_cases = {
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT oc.case_id FROM order_counts oc JOIN cases k ON k.id = oc.case_id"
                f" WHERE k.subject_id IN ({m}) UNION SELECT o.case_id FROM orders o"
                f" JOIN cases k ON k.id = o.case_id WHERE k.subject_id IN ({m})",
                part + part,
            )
        }
        report.orders_kept += conn.execute(
            f"SELECT COUNT(DISTINCT oc.order_id) FROM order_counts oc JOIN counts c ON"
            f" c.id = oc.count_id WHERE c.subject_id IN ({m})",
            part,
        ).fetchone()[0]
        # Rejected rows are kept as read: those carrying the person's CII or name go too.
        marks = [
            r[0]
            for r in conn.execute(
                f"SELECT cii FROM subjects WHERE id IN ({m}) AND length(cii) >= 5 UNION"
                f" SELECT name FROM subjects WHERE id IN ({m}) AND length(name) >= 5",
                part + part,
            )
        ]
        cases = [
            r[0] for r in conn.execute(f"SELECT id FROM cases WHERE subject_id IN ({m})", part)
        ]
        for cpart in _chunks(counts):
            cm = _marks(cpart)
            # Row seals (issue 12): what the purge deletes or changes in the sealed tables is
            # sealed under its audit entry, so `audit verify` tells it from an edit.
            sealed_deleted.setdefault("review_items", []).extend(
                r[0]
                for r in conn.execute(
                    f"SELECT count_id FROM review_items WHERE count_id IN ({cm})", cpart
                )
            )
            sealed_deleted.setdefault("batch_items", []).extend(
                (r[0], r[1])
                for r in conn.execute(
                    f"SELECT batch_id, count_id FROM batch_items WHERE count_id IN ({cm})", cpart
                )
                if r[1] not in kept
            )
            sealed_changed.setdefault("batch_items", []).extend(
                (r[0], r[1])
                for r in conn.execute(
                    f"SELECT batch_id, count_id FROM batch_items WHERE count_id IN ({cm})", cpart
                )
                if r[1] in kept
            )
            conn.execute(f"DELETE FROM openings WHERE count_id IN ({cm})", cpart)
            conn.execute(f"DELETE FROM review_log WHERE count_id IN ({cm})", cpart)
            conn.execute(f"DELETE FROM review_items WHERE count_id IN ({cm})", cpart)
            gone = [c for c in cpart if c not in kept]
            if gone:
                conn.execute(f"DELETE FROM batch_items WHERE count_id IN ({_marks(gone)})", gone)
            held = [c for c in cpart if c in kept]
            if held:
                conn.execute(
                    f"UPDATE batch_items SET judge_note = NULL WHERE count_id IN ({_marks(held)})",
                    held,
                )
        sealed_deleted.setdefault("determinations", []).extend(
            r[0]
            for r in conn.execute(f"SELECT id FROM determinations WHERE subject_id IN ({m})", part)
        )
        report.determinations_deleted += conn.execute(
            f"DELETE FROM determinations WHERE subject_id IN ({m})", part
        ).rowcount
        # Prosecution responses name cases by number: those of cases no one else has.
        conn.execute(
            f"DELETE FROM prosecution_responses WHERE case_number IN (SELECT case_number FROM"
            f" cases WHERE subject_id IN ({m})) AND case_number NOT IN (SELECT case_number FROM"
            f" cases WHERE subject_id NOT IN ({m}) AND case_number IS NOT NULL)",
            part + part,
        )
        conn.execute(f"DELETE FROM subject_events WHERE subject_id IN ({m})", part)
        _purge_matters(conn, part)
        gone_counts = [c for c in counts if c not in kept]
        for cpart in _chunks(gone_counts):
            conn.execute(f"DELETE FROM counts WHERE id IN ({_marks(cpart)})", cpart)
        report.counts_deleted += len(gone_counts)
        report.counts_kept += len(kept)
        held = sorted(kept)
        for cpart in _chunks(held):
            # What the court's record of an order names: case, count, section, level, date.
            conn.execute(
                "UPDATE counts SET source_file = 'purged', source_line = 0, extra_lines = NULL,"
                " step_type = NULL, offense_text = NULL, disposition = NULL, sentence = '[]',"
                " sentence_end = NULL, comment = NULL, cycle_date = NULL, juvenile = 0"
                f" WHERE id IN ({_marks(cpart)})",
                cpart,
            )
        gone_cases = [
            k
            for k in cases
            if k not in kept_cases
            and not conn.execute("SELECT 1 FROM counts WHERE case_id = ? LIMIT 1", (k,)).fetchone()
        ]
        for kpart in _chunks(gone_cases):
            conn.execute(f"DELETE FROM cases WHERE id IN ({_marks(kpart)})", kpart)
        for kpart in _chunks(sorted(set(cases) - set(gone_cases))):
            conn.execute(
                "UPDATE cases SET event_key = 'purged-' || id, cycle_date = NULL"
                f" WHERE id IN ({_marks(kpart)})",
                kpart,
            )
        for sid in part:
            if conn.execute(
                "SELECT 1 FROM cases WHERE subject_id = ? UNION ALL SELECT 1 FROM"
                " counts WHERE subject_id = ? LIMIT 1",
                (sid, sid),
            ).fetchone():
                conn.execute(
                    "UPDATE subjects SET source_key = 'purged-' || id, cii = NULL, name = NULL,"
                    " akas = '[]', dob = NULL, gender = NULL, deceased = 0, registered_290 = 0,"
                    " source_line = 0 WHERE id = ?",
                    (sid,),
                )
            else:
                conn.execute("DELETE FROM subjects WHERE id = ?", (sid,))
        for mark in marks:
            conn.execute("DELETE FROM rejected_rows WHERE instr(raw, ?) > 0", (mark,))
        report.people += len(part)
        report.subject_ids += part


def _wipe(path: Path) -> None:
    """Overwrite a file with zeros before deleting it (best effort: a copy-on-write or
    journaling file system, or an SSD, may keep old blocks; full-disk encryption covers those)."""
    with contextlib.suppress(OSError):
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            block = b"\0" * (1 << 20)
            left = size
            while left > 0:
                n = min(left, len(block))
                fh.write(block[:n])
                left -= n
            fh.flush()
            os.fsync(fh.fileno())
    path.unlink(missing_ok=True)


def compact(conn: sqlite3.Connection, db_path: Path | None) -> int | None:
    """Rebuild the file so deleted records leave no bytes behind, and empty the -wal.
    Returns the -wal size after (None for an in-memory database)."""
    from desktop.store import checkpoint

    checkpoint.wait()  # an import's log still being copied back holds a connection open
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        raise UserError(
            "the purge is saved, but another ReliefDesk window or command still "
            "reads the database, so its write-ahead log could not be emptied; close "
            "the other windows and run `reliefdesk purge --as USER` again",
            5,
        )
    if db_path is None:
        return None
    wal = Path(f"{db_path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def purge(
    conn: sqlite3.Connection,
    user: User,
    db_path: Path | None,
    *,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> PurgeReport:
    """Purge every person finished longer ago than the retention period (admin or records
    officer). `db_path` locates the -wal and the backups folder (None: in-memory, no backups)."""
    require_role(user, *PURGE_ROLES)
    days = retention_days(conn)
    if days is None:
        raise RefusedError(
            "no retention period is set, so nothing is past it; an administrator "
            "sets one with `reliefdesk retention set --days N --as ADMIN`"
        )
    before = cutoff(days)
    report = PurgeReport(clock.utc_stamp("microseconds"), user.name, days, before, dry_run=dry_run)
    if dry_run:
        people = finished_people(conn, before)
        report.people = len(people)
        report.subject_ids = [p.subject_id for p in people]
        return report
    from desktop.store.backup import list_backups

    old_backups = list_backups(db_path) if db_path is not None else []
    conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, in the WAL too
    try:
        with transaction(conn):
            if not conn.execute(
                "SELECT 1 FROM users WHERE id = ? AND active = 1", (user.id,)
            ).fetchone():
                raise RefusedError(f"{user.name}'s account is no longer active")
            sids = [p.subject_id for p in finished_people(conn, before)]
            sealed_deleted: dict[str, list[Any]] = {}
            sealed_changed: dict[str, list[Any]] = {}
            _purge_people(conn, sids, report, sealed_deleted, sealed_changed)
            cur = conn.execute(
                "INSERT INTO purges (at, by_user, retention_days, finished_before, people,"
                " counts_deleted, counts_kept, determinations_deleted, orders_kept,"
                " backups_removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.at,
                    user.name,
                    days,
                    before,
                    report.people,
                    report.counts_deleted,
                    report.counts_kept,
                    report.determinations_deleted,
                    report.orders_kept,
                    len(old_backups),
                ),
            )
            purge_id = cur.lastrowid
            seq = audit.append(
                conn,
                user.name,
                "retention.purge",
                report.subject_ids,
                {
                    "purge_id": purge_id,
                    "people": report.people,
                    "retention_days": days,
                    "finished_before": before,
                    "counts_deleted": report.counts_deleted,
                    "counts_kept": report.counts_kept,
                    "orders_kept": report.orders_kept,
                    "determinations_deleted": report.determinations_deleted,
                    "backups_removed": len(old_backups),
                },
                rows=sealed_changed,
                deleted=sealed_deleted,
            )
            conn.execute("UPDATE purges SET audit_seq = ? WHERE id = ?", (seq, purge_id))
            report.audit_seq = seq
            report.audit_hash = conn.execute(
                "SELECT hash FROM audit_log WHERE seq = ?", (seq,)
            ).fetchone()[0]
        if progress:
            progress("rebuilding the database file")
        report.wal_bytes_after = compact(conn, db_path)
    finally:
        conn.execute("PRAGMA secure_delete = OFF")
    if db_path is not None:
        _rotate_backups(db_path, old_backups, report)
    return report


def _rotate_backups(db_path: Path, old: list[Path], report: PurgeReport) -> None:
    """Backups taken before the purge hold the purged records: overwrite and delete them, then
    take one backup of the purged database so a restore point remains."""
    from desktop.store.backup import auto_backup

    for p in old:
        _wipe(p)
        report.backups_removed.append(str(p))
    after = auto_backup(db_path, "purge")
    report.backup_after = str(after) if after else None


def backup_predates_purge(db_path: Path, backup: Path) -> str | None:
    """Why restoring `backup` over the database at db_path would bring purged records back (it
    was taken before the database's last purge), or None."""
    if not db_path.is_file():
        return None
    try:
        cur = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True)
        try:
            last = cur.execute("SELECT at FROM purges ORDER BY id DESC LIMIT 1").fetchone()
        finally:
            cur.close()
    except sqlite3.DatabaseError:
        return None  # no purges table, or a damaged database: nothing to compare
    if not last:
        return None
    try:
        old = sqlite3.connect(f"file:{Path(backup).resolve()}?mode=ro", uri=True)
        try:
            found = old.execute("SELECT 1 FROM purges WHERE at = ?", last).fetchone()
        finally:
            old.close()
    except sqlite3.DatabaseError:
        found = None
    if found:
        return None
    return (
        f"{backup} was taken before the purge of {last[0]}: restoring it would bring the purged "
        "records back. Restore a backup made after the purge (named ...-purge.sqlite3), or "
        "pass --force and run `reliefdesk purge` again right after."
    )
