"""The import wizard's Cancel: the import stops on the worker thread, the window stays
responsive, and nothing of the unfinished import is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt

from desktop.records.generate import generate
from desktop.review.county import set_court_county
from desktop.review.users import create_user
from desktop.store import open_db
from desktop.ui.import_wizard import ImportWizard

PW = "a long test password"


@pytest.mark.slow  # a big import cancelled
def test_cancel_stops_the_import_and_keeps_nothing(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    db_path = tmp_path / "w.sqlite3"
    conn = open_db(db_path).conn
    admin = create_user(conn, "admin", "admin", PW, None)
    clerk = create_user(conn, "clerk1", "clerk", PW, admin)
    set_court_county(conn, admin, "San Bernardino")
    src = tmp_path / "big.csv"
    generate(src, "San Bernardino", 60_000, seed=9)
    wizard = ImportWizard(db_path, clerk, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(wizard)
    wizard.files_page.add_paths([str(src)])
    wizard.show()
    for _ in range(4):
        wizard.next()
    page = wizard.progress_page
    ticks: list[tuple[int, int]] = []

    def part_way(done: int, total: int, _label: str) -> None:
        # Runs in the worker thread (a direct connection), so Cancel lands inside the import
        # however busy the test machine is; the clerk's button does exactly this (it sets the
        # worker's cancel flag, which the next progress report turns into Cancelled).
        ticks.append((done, total))
        if wizard.outcome["stage"] == "import" and 0 < done < total:
            page.worker.cancel()

    page.worker._worker.progress.connect(part_way, Qt.DirectConnection)
    qtbot.waitUntil(lambda: page.done, timeout=60_000)
    assert wizard.outcome["error"] and "Cancelled" in wizard.outcome["message"]
    assert wizard.currentPage() is page  # stays on the progress page, saying so
    assert page.label.text().startswith("Cancelled")
    assert any(done > 0 for done, _ in ticks)  # it was cancelled part-way
    assert conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM counts").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM evaluation_runs").fetchone()[0] == 0
    conn.close()


def test_summary_shows_fields_kept_unread(qtbot, tmp_path: Path) -> None:
    """Issue 13 §3: a file whose only fault is an unreadable date imports every row; the summary
    counts the fields kept unread and lists them (line, column, value) with the rejected rows."""
    from dojrows import Conv, Person, write_file

    from desktop.records.importer import import_file

    db_path = tmp_path / "w.sqlite3"
    src = tmp_path / "x.csv"
    lines = write_file(
        src,
        [
            Person(
                name="ROE,ANN",
                dob="19800101",
                subject_id="66600021",
                convictions=[Conv("11357(B) HS-POSSESS MARIJUANA", "M", "20100601", cycle="x")],
            )
        ],
    )
    db = open_db(db_path)
    summary = import_file(db, src)
    assert (summary.rows_rejected, summary.warnings) == (0, 1)
    conn = db.conn
    admin = create_user(conn, "admin", "admin", PW, None)
    clerk = create_user(conn, "clerk1", "clerk", PW, admin)
    wizard = ImportWizard(db_path, clerk, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(wizard)
    wizard.outcome = {
        "results": [{"file": str(src), "note": "imported", "ok": True, "summary": summary}],
        "message": "Imported.",
    }
    page = wizard.summary_page
    page.initializePage()
    headers = [page.files.horizontalHeaderItem(i).text() for i in range(page.files.columnCount())]
    col = headers.index("Fields not read")
    assert page.files.item(0, col).text() == "1"
    assert page.files.item(0, headers.index("Rejected")).text() == "0"
    page.files.selectRow(0)
    assert page.rejected.rowCount() == 1
    row = [page.rejected.item(0, j).text() for j in range(page.rejected.columnCount())]
    assert row[0] == str(lines[("66600021", 0)]) and row[1] == "CYC_DATE" and row[3] == "x"
    assert row[2].startswith("kept, not read")
    conn.close()
