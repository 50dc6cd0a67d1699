"""The import wizard's Cancel: the import stops on the worker thread, the window stays
responsive, and nothing of the unfinished import is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt  # noqa: E402

from desktop.records.generate import generate  # noqa: E402
from desktop.review.county import set_court_county  # noqa: E402
from desktop.review.users import create_user  # noqa: E402
from desktop.store import open_db  # noqa: E402
from desktop.ui.import_wizard import ImportWizard  # noqa: E402

PW = "a long test password"


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
    assert wizard.currentPage() is page           # stays on the progress page, saying so
    assert page.label.text().startswith("Cancelled")
    assert any(done > 0 for done, _ in ticks)     # it was cancelled part-way
    assert conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM counts").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM evaluation_runs").fetchone()[0] == 0
    conn.close()
