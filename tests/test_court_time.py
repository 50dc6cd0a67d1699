"""Stored UTC instants are shown on the court's clock with its zone (issue 16), through one helper
(desktop.clock.court_time_text): in the CLI's human output (users, batches, decision history, the
audit log), while --json and the stored rows keep UTC."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop import clock
from desktop.clock import court_time_text
from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.review.audit_words import court_time
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui import core
from desktop.ui.labels import when
from tests.helpers.cli import run_cli

EVENING_UTC = datetime(2026, 11, 20, 3, 30, 15, tzinfo=UTC)
COURT_TEXT = "2026-11-19 19:30 PST"


@pytest.mark.parametrize(
    ("stamp", "seconds", "shown"),
    [
        ("2026-11-20T03:30:15+00:00", False, "2026-11-19 19:30 PST"),
        ("2026-11-20T03:30:15.123456+00:00", True, "2026-11-19 19:30:15 PST"),
        ("2026-07-01T02:00:00Z", False, "2026-06-30 19:00 PDT"),
        ("2026-07-01 02:00:00+00:00", False, "2026-06-30 19:00 PDT"),
        # Daylight time starts 10:00 UTC on the second Sunday of March, ends 09:00 UTC on the
        # first Sunday of November.
        ("2026-03-08T09:59:00+00:00", False, "2026-03-08 01:59 PST"),
        ("2026-03-08T10:00:00+00:00", False, "2026-03-08 03:00 PDT"),
        ("2026-11-01T08:59:00+00:00", False, "2026-11-01 01:59 PDT"),
        ("2026-11-01T09:00:00+00:00", False, "2026-11-01 01:00 PST"),
        # An instant with another offset is the same instant.
        ("2026-11-19T22:30:00-05:00", False, "2026-11-19 19:30 PST"),
        # Not an instant with a zone: shown as it is.
        ("2026-11-20", False, "2026-11-20"),
        ("2026-11-20T03:30:00", False, "2026-11-20T03:30:00"),
        ("not a time at all", False, "not a time at all"),
        ("", False, ""),
        (None, False, ""),
    ],
)
def test_court_time_text(stamp: str | None, seconds: bool, shown: str) -> None:
    assert court_time_text(stamp, seconds=seconds) == shown


def test_datetimes_and_the_window_helpers_agree() -> None:
    assert court_time_text(EVENING_UTC) == COURT_TEXT
    assert court_time_text(EVENING_UTC.astimezone(timezone(timedelta(hours=9)))) == COURT_TEXT
    iso = EVENING_UTC.isoformat()
    assert when(iso) == court_time(iso) == court_time_text(iso) == COURT_TEXT


@pytest.fixture(scope="module")
def evening_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database with decisions and a submitted batch made on a UTC evening."""
    db_path = tmp_path_factory.mktemp("court-time") / "demo.sqlite3"
    build_demo(db_path, rows=1500)
    conn = open_db(db_path).conn
    clock.set_now(lambda: EVENING_UTC)
    try:
        clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
        path, _ = max(core.rule_paths(conn), key=lambda p: p[1])
        for (cid,) in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d"
            " ON d.id = r.determination_id WHERE d.rule_path = ? LIMIT 3",
            (path,),
        ):
            core.mark_opened(conn, clerk, cid)
        core.bulk_approve(conn, clerk, path)
        core.submit_batch(conn, clerk)
    finally:
        clock.set_now(None)
        conn.close()
    return db_path


def _cli(db: Path, *args: str) -> str:
    res = run_cli(db, *args, password=DEMO_PASSWORD)
    assert res.code == 0, res.err
    return res.out


def test_cli_human_output_on_the_courts_clock(evening_db: Path) -> None:
    conn = open_db(evening_db).conn
    (cid,) = conn.execute(
        "SELECT count_id FROM review_items WHERE decided_at IS NOT NULL LIMIT 1"
    ).fetchone()
    conn.close()
    batches = _cli(evening_db, "batch", "list", "--as", "judge")
    assert COURT_TEXT in batches and "2026-11-20T03:30" not in batches
    history = _cli(evening_db, "review", "history", str(cid), "--as", "clerk")
    assert "2026-11-19 19:30:15 PST" in history and "+00:00" not in history
    log = _cli(evening_db, "audit", "list", "--as", "admin")
    assert "2026-11-19 19:30:15 PST" in log and "2026-11-20 03:30:15Z" not in log
    # --json keeps the stored UTC instants.
    rows = [
        json.loads(line)
        for line in _cli(evening_db, "batch", "list", "--json", "--as", "judge").splitlines()
    ]
    assert {datetime.fromisoformat(r["submitted_at"]) for r in rows} == {EVENING_UTC}
    assert all(r["submitted_at"].endswith("+00:00") for r in rows)


def test_a_court_day_starts_at_pacific_midnight() -> None:
    """Date filters (Audit view, `audit list --since`) are the court's days, as the rows show."""
    from datetime import date

    from desktop.clock import court_day_start

    assert court_day_start(date(2026, 1, 15)) == "2026-01-15T08:00:00+00:00"  # PST
    assert court_day_start(date(2026, 7, 4)) == "2026-07-04T07:00:00+00:00"  # PDT
    assert court_day_start(date(2026, 3, 8)) == "2026-03-08T08:00:00+00:00"  # DST begins 2:00
    assert court_day_start(date(2026, 11, 1)) == "2026-11-01T07:00:00+00:00"  # DST ends 2:00
