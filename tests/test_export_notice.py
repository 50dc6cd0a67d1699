"""Exports of people's records say when they were made and that they must be destroyed under the
retention schedule (issue 18), in the CSV and in the workbook alike."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from readers import READER, READER_PASSWORD, add_reader

from desktop import clock
from desktop.cli.main import main
from desktop.records.generate import generate


@pytest.fixture
def evaluated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "db.sqlite3"
    src = tmp_path / "doj.csv"
    generate(src, "ALAMEDA", 400, seed=11)
    assert main(["--db", str(db), "import", str(src)]) in (0, 3)
    assert main(["--db", str(db), "evaluate", "--county", "ALAMEDA", "--as-of", "2020-07-01"]) == 0
    add_reader(db)
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)
    clock.set_now(lambda: datetime(2026, 5, 4, 17, 0, tzinfo=UTC))
    yield db
    clock.set_now(None)


@pytest.mark.parametrize("command", ["determinations", "rejected"])
def test_csv_carries_creation_date_and_destruction_notice(
    evaluated: Path, tmp_path: Path, command: str
) -> None:
    out = tmp_path / f"{command}.csv"
    assert main(["--db", str(evaluated), command, "--out", str(out), "--as", READER]) == 0
    notes = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("Created 2026-05-04T17:00:00" in n and "destroy" in n for n in notes), notes


def test_workbook_carries_the_notice_on_its_own_sheet(evaluated: Path, tmp_path: Path) -> None:
    out = tmp_path / "det.xlsx"
    assert main(["--db", str(evaluated), "determinations", "--out", str(out), "--as", READER]) == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    assert "About this file" in wb.sheetnames
    text = next(wb["About this file"].iter_rows(values_only=True))[0]
    assert "Created 2026-05-04T17:00:00" in text and "HS 11361.5" in text
