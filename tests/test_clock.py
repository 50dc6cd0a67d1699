"""One clock: UTC stamps for records, the court's (Pacific) date for orders and reports."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from desktop import clock

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fixed_clock():
    def setter(instant: datetime) -> None:
        clock.set_now(lambda: instant)

    yield setter
    clock.set_now(None)


def test_pacific_afternoon_is_still_today_for_the_court(fixed_clock) -> None:
    # 2026-03-03 17:30 in Los Angeles is 2026-03-04 01:30 UTC.
    fixed_clock(datetime(2026, 3, 4, 1, 30, tzinfo=UTC))
    assert clock.court_today() == date(2026, 3, 3)
    assert clock.utc_stamp().startswith("2026-03-04T01:30:00")
    assert clock.court_now().utcoffset().total_seconds() == -8 * 3600


def test_daylight_saving_time(fixed_clock) -> None:
    fixed_clock(datetime(2026, 7, 1, 6, 59, tzinfo=UTC))
    assert clock.court_today() == date(2026, 6, 30)
    assert clock.court_now().utcoffset().total_seconds() == -7 * 3600


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        ("2026-03-08T09:59:59", "2026-03-08T01:59:59-08:00"),  # last second of PST
        ("2026-03-08T10:00:00", "2026-03-08T03:00:00-07:00"),  # clocks spring forward
        ("2026-11-01T08:59:59", "2026-11-01T01:59:59-07:00"),  # last second of PDT
        ("2026-11-01T09:00:00", "2026-11-01T01:00:00-08:00"),  # clocks fall back
        ("2030-12-31T23:00:00", "2030-12-31T15:00:00-08:00"),
    ],
)
def test_pacific_rule_matches_the_time_zone_database(utc: str, local: str) -> None:
    instant = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert clock.pacific(instant).isoformat() == local
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        tz = zoneinfo.ZoneInfo("America/Los_Angeles")
    except zoneinfo.ZoneInfoNotFoundError:
        return
    # Compare wall clock and offset (aware datetimes in an ambiguous hour never compare equal).
    assert clock.pacific(instant).replace(tzinfo=None) == instant.astimezone(tz).replace(
        tzinfo=None
    )
    assert clock.pacific(instant).utcoffset() == instant.astimezone(tz).utcoffset()


def test_environment_sets_the_clock_for_subprocesses(monkeypatch) -> None:
    monkeypatch.setenv("RELIEFDESK_NOW", "2026-12-31T23:30:00-08:00")
    assert clock.court_today() == date(2026, 12, 31)
    assert clock.utc_stamp() == "2027-01-01T07:30:00+00:00"


def test_no_other_module_reads_the_system_clock() -> None:
    pattern = re.compile(r"datetime\.now\(|date\.today\(|datetime\.utcnow\(|QDate\.currentDate\(")
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "desktop").rglob("*.py"))
        if p.name != "clock.py" or p.parent.name != "desktop"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_summary_report_is_dated_by_the_court(tmp_path, fixed_clock) -> None:
    import pdfplumber

    from desktop.evaluation.runs import evaluate_county
    from desktop.orders.summary import write_summary
    from desktop.records.generate import generate
    from desktop.records.importer import import_file
    from desktop.rules.policy import load_policy
    from desktop.store import open_db

    src = tmp_path / "doj.csv"
    generate(src, "ALAMEDA", 300, seed=3)
    db = open_db(tmp_path / "r.sqlite3")
    import_file(db, src, fmt="doj")
    evaluate_county(db, "ALAMEDA", load_policy("statute"), date(2020, 7, 1), backup=False)
    fixed_clock(datetime(2026, 3, 4, 1, 30, tzinfo=UTC))  # 17:30 on March 3 in Los Angeles
    out = tmp_path / "summary.pdf"
    write_summary(db.conn, out)
    with pdfplumber.open(out) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "2026-03-03" in text or "March 3, 2026" in text, text[:400]
    assert "2026-03-04" not in text and "March 4, 2026" not in text
