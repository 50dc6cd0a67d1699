"""TEST SET-UP ONLY: matters, responses, hearings and rulings written straight into the tables of
migration 0020, as the dispositions core (issue 19 §1-2, built on another branch) will write them.
The orders-from-rulings code under test only reads these tables; these helpers stand in for the
intake and hearing API until it lands, and must not be used outside tests."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.store import open_db

KEY_PASS = "judge key passphrase"
STAMP = "2026-11-02T17:00:00+00:00"


def setup_matter(
    conn: sqlite3.Connection,
    subject_id: int,
    count_ids: list[int],
    *,
    kind: str = "petition",
    filed_on: str = "2026-09-14",
    filer_kind: str = "attorney",
    filer_name: str = "Dana Whitfield",
    court_case_number: str = "P64-PET-2026-0042",
    hearing_requested: int = 0,
) -> int:
    """Test set-up: a matter row and its counts, as the intake core would open it."""
    cur = conn.execute(
        "INSERT INTO matters (subject_id, kind, court_case_number, filed_on, served_on, filer_kind,"
        " filer_name, hearing_requested, opened_by, opened_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            subject_id,
            kind,
            court_case_number,
            filed_on,
            filed_on,
            filer_kind,
            filer_name,
            hearing_requested,
            "clerk",
            STAMP,
        ),
    )
    mid = int(cur.lastrowid)
    conn.executemany(
        "INSERT INTO matter_counts (matter_id, count_id) VALUES (?, ?)",
        [(mid, c) for c in count_ids],
    )
    return mid


def setup_response(
    conn: sqlite3.Connection, matter_id: int, position: str, response_date: str = "2026-10-01"
) -> None:
    """Test set-up: the prosecution's CR-402 response."""
    conn.execute(
        "INSERT INTO matter_responses (matter_id, position, response_date, entered_by, entered_at)"
        " VALUES (?, ?, ?, 'clerk', ?)",
        (matter_id, position, response_date, STAMP),
    )


def setup_hearing(
    conn: sqlite3.Connection,
    matter_id: int,
    hearing_date: str = "2026-11-02",
    *,
    time: str = "09:00",
    department: str = "12",
    status: str = "held",
) -> int:
    """Test set-up: a hearing (held) as the hearing core would schedule it."""
    cur = conn.execute(
        "INSERT INTO hearings (matter_id, hearing_date, hearing_time, department, status,"
        " scheduled_by, scheduled_at) VALUES (?, ?, ?, ?, ?, 'clerk', ?)",
        (matter_id, hearing_date, time, department, status, STAMP),
    )
    return int(cur.lastrowid)


def setup_ruling(
    conn: sqlite3.Connection,
    count_id: int,
    matter_id: int,
    outcome: str,
    *,
    hearing_id: int | None = None,
    relief: str | None = None,
    target: str | None = None,
    finding: str | None = None,
    finding_text: str | None = None,
    credit_days: int | None = None,
    supervision_kind: str | None = None,
    supervision_months: int | None = None,
) -> int:
    """Test set-up: the judge's ruling on one count, as the hearing core would enter it."""
    cur = conn.execute(
        "INSERT INTO rulings (count_id, matter_id, hearing_id, outcome, relief, resentence_target,"
        " finding, finding_text, credit_days, supervision_kind, supervision_months, ruled_by,"
        " ruled_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,'judge',?)",
        (
            count_id,
            matter_id,
            hearing_id,
            outcome,
            relief,
            target,
            finding,
            finding_text,
            credit_days,
            supervision_kind,
            supervision_months,
            STAMP,
        ),
    )
    return int(cur.lastrowid)


@dataclass
class DispoWorld:
    db: Path
    key: Path
    out: Path
    people: list[tuple[int, list[int]]]  # (subject id, its count ids in the review), unbatched


def build_dispo_world(tmp: Path, rows: int = 600) -> DispoWorld:
    """A demo database (users admin/clerk/judge, password DEMO_PASSWORD), a judge's demo key, and
    people with at least two counts of the same case that no batch holds."""
    db_path = tmp / "db.sqlite3"
    build_demo(db_path, rows=rows)
    conn = open_db(db_path).conn
    people = []
    for sid, case_id in conn.execute(
        "SELECT c.subject_id, c.case_id FROM review_items r JOIN counts c ON c.id = r.count_id"
        " JOIN subjects s ON s.id = c.subject_id WHERE s.name IS NOT NULL AND s.cii IS NOT NULL"
        " GROUP BY c.case_id HAVING COUNT(*) >= 2 ORDER BY c.case_id LIMIT 8"
    ).fetchall():
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT c.id FROM counts c JOIN review_items r ON r.count_id = c.id"
                " WHERE c.case_id = ? ORDER BY c.count_no, c.cnt_order",
                (case_id,),
            )
        ]
        people.append((sid, ids))
    conn.close()
    key = tmp / "judge.p12"
    create_demo_key("Hon. Test Judge", "Judge of the Superior Court", key, KEY_PASS)
    return DispoWorld(db_path, key, tmp / "orders", people)


__all__ = ["DEMO_PASSWORD", "KEY_PASS", "build_dispo_world"]
