"""The import wizard's county and policy rules and its several-files summary (issue 16), at
1366×768: the court's county is set once by the administrator from the 58 counties (no free
text, no default of another county) and the wizard evaluates it; the policy is preselected from
the county (los-angeles for Los Angeles) or its last run, a different policy than the last run
is confirmed first, and the summary shows counts by relief before and after; several files are
each checked when added, a bad one is left out without stopping the others, and the summary
lists every file's result."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.errors import RefusedError, UserError
from desktop.evaluation.runs import evaluate_county
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.review.county import (
    COUNTIES,
    court_county,
    preselected_policy,
    set_court_county,
)
from desktop.review.users import create_user
from desktop.store import open_db
from desktop.ui.import_wizard import ImportWizard
from desktop.ui.policy_access import policy_names

PW = "a long test password"


@pytest.fixture()
def db(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    db_path = tmp_path / "w.sqlite3"
    conn = open_db(db_path).conn
    admin = create_user(conn, "admin", "admin", PW, None)
    clerk = create_user(conn, "clerk1", "clerk", PW, admin)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    yield db_path, conn, admin, clerk, settings
    conn.close()


def _wizard(qtbot, db_path, user, settings) -> ImportWizard:
    w = ImportWizard(db_path, user, settings)
    qtbot.addWidget(w)
    w.resize(900, 640)  # the wizard fits a 1366×768 screen
    w.show()
    return w


def _answer(button_text_starts: str) -> None:
    """Click a button of the next message box (exec() blocks otherwise)."""

    def poke() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, poke)
            return
        for b in box.buttons():
            if b.text().replace("&", "").startswith(button_text_starts):
                b.click()
                return
        raise AssertionError([b.text() for b in box.buttons()])

    QTimer.singleShot(0, poke)


def test_court_county_is_the_administrators_setting(db, qtbot, tmp_path: Path) -> None:
    db_path, conn, admin, clerk, settings = db
    src = tmp_path / "doj.csv"
    generate(src, "Los Angeles", 1500, seed=3)
    # A clerk cannot go past the county page until the administrator set it, and is told so.
    w = _wizard(qtbot, db_path, clerk, settings)
    w.files_page.add_paths([str(src)])
    w.next()
    page = w.county_page
    assert w.currentPage() is page and not page.isComplete()
    assert "administrator" in page.hint.text() and not page.county.isVisibleTo(w)
    with pytest.raises(RefusedError):
        set_court_county(conn, clerk, "Los Angeles")
    w.close()

    # The administrator picks it from the 58 counties: nothing preselected, no free text.
    w = _wizard(qtbot, db_path, admin, settings)
    w.files_page.add_paths([str(src)])
    w.next()
    page = w.county_page
    assert page.county.isVisibleTo(w) and not page.county.isEditable()
    assert page.county.currentData() is None and not page.isComplete()
    assert [page.county.itemData(i) for i in range(1, page.county.count())] == list(COUNTIES)
    assert len(COUNTIES) == 58
    page.county.setCurrentIndex(page.county.findData("Los Angeles"))
    _answer("&Yes".replace("&", ""))
    w.next()
    assert court_county(conn) == "Los Angeles"
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'settings.set' AND "
            "payload LIKE '%court_county%'"
        ).fetchone()[0]
        == 1
    )
    # The policy named after the county is preselected.
    assert w.currentPage() is w.policy_page
    assert w.policy_page.policy_name() == "los-angeles"
    w.close()
    with pytest.raises(UserError):
        set_court_county(conn, admin, "Springfield")

    # Later wizards show the county and offer no choice.
    w = _wizard(qtbot, db_path, clerk, settings)
    w.files_page.add_paths([str(src)])
    w.next()
    assert w.county_page.isComplete() and w.county_page.shown.text() == "Los Angeles County"
    assert not w.county_page.county.isVisibleTo(w)
    w.close()


def test_policy_from_last_run_warns_when_changed_and_summary_before_after(
    db, qtbot, tmp_path: Path
) -> None:
    db_path, conn, admin, clerk, settings = db
    set_court_county(conn, admin, "San Bernardino")
    names = policy_names()
    assert preselected_policy(conn, "San Bernardino", names) == "statute"  # no own policy
    first = tmp_path / "first.csv"
    generate(first, "San Bernardino", 2500, seed=11)
    database = open_db(db_path)
    import_file(database, first, user="clerk1", backup=False)
    evaluate_county(
        database, "San Bernardino", "bear-default", date(2020, 7, 1), user="clerk1", backup=False
    )
    database.conn.close()
    assert preselected_policy(conn, "San Bernardino", names) == "bear-default"  # last run

    second = tmp_path / "second.csv"
    generate(second, "San Bernardino", 1500, seed=12)
    w = _wizard(qtbot, db_path, clerk, settings)
    w.files_page.add_paths([str(second)])
    w.next()
    w.next()
    page = w.policy_page
    assert page.policy_name() == "bear-default"
    assert "_" not in page.policy.currentText()  # shown by its title
    page.policy.setCurrentIndex(page.policy.findData("statute"))
    assert "confirm" in page.status.text()
    _answer("Cancel")  # warned; Cancel stays on the page
    w.next()
    assert w.currentPage() is page
    _answer("Use this policy")
    w.next()
    assert w.currentPage() is w.asof_page
    w.next()
    qtbot.waitUntil(lambda: w.progress_page.done, timeout=60_000)
    qtbot.waitUntil(lambda: w.currentPage() is w.summary_page, timeout=5000)
    table = w.summary_page.reliefs
    rows = {
        table.item(r, 0).text(): [table.item(r, c).text() for c in (1, 2, 3)]
        for r in range(table.rowCount())
    }
    assert rows and all(before != "—" for before, _, _ in rows.values())
    label = w.summary_page.relief_label.text()
    assert "before" in label and "bear-default" in label
    total_after = sum(int(a.replace(",", "")) for _, a, _ in rows.values())
    run = w.outcome["run_id"]
    assert (
        total_after
        == conn.execute("SELECT COUNT(*) FROM determinations WHERE run_id = ?", (run,)).fetchone()[
            0
        ]
    )
    w.close()


def test_several_files_each_checked_and_summarised(db, qtbot, tmp_path: Path) -> None:
    db_path, conn, admin, clerk, settings = db
    set_court_county(conn, admin, "San Bernardino")
    good = tmp_path / "good.csv"
    generate(good, "San Bernardino", 1500, seed=21)
    other = tmp_path / "other.csv"
    generate(other, "San Bernardino", 1200, seed=22)
    before = tmp_path / "before.csv"
    generate(before, "San Bernardino", 800, seed=23)
    database = open_db(db_path)
    import_file(database, before, user="clerk1", backup=False)
    database.conn.close()
    pdf = tmp_path / "scan.csv"
    pdf.write_bytes(b"%PDF-1.7\n" + b"\x00\x01binary" * 200)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    notes = tmp_path / "notes.csv"
    notes.write_text("hello,world\nthis,is not a record file\n", encoding="utf-8")

    w = _wizard(qtbot, db_path, clerk, settings)
    files = [good, pdf, other, empty, before, notes]
    w.files_page.add_paths([str(p) for p in files])
    checks = w.files_page.checks
    assert checks[str(good)].ok and checks[str(good)].kind == "doj"
    assert 1000 < checks[str(good)].rows_estimate < 2500  # about 1,500 rows
    assert not checks[str(pdf)].ok and "PDF" in checks[str(pdf)].problem
    assert not checks[str(empty)].ok and "empty" in checks[str(empty)].problem
    assert checks[str(before)].ok and checks[str(before)].already_imported
    shown = {
        w.files_page.files.item(r, 0).text(): w.files_page.files.item(r, 3).text()
        for r in range(w.files_page.files.rowCount())
    }
    assert shown["scan.csv"].startswith("Cannot be imported")
    assert shown["before.csv"].startswith("Imported before")
    assert shown["good.csv"].startswith("Ready")
    assert "left out" in w.files_page.note.text()
    for _ in range(4):
        w.next()
    qtbot.waitUntil(lambda: w.progress_page.done, timeout=90_000)
    qtbot.waitUntil(lambda: w.currentPage() is w.summary_page, timeout=5000)
    assert not w.outcome.get("error"), w.outcome.get("message")
    table = w.summary_page.files
    result = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert set(result) == {p.name for p in files}, "every file's result is listed"
    assert result["good.csv"] == "Imported" and result["other.csv"] == "Imported"
    assert result["before.csv"].startswith("Imported before")
    assert "PDF" in result["scan.csv"] and "empty" in result["empty.csv"]
    assert result["notes.csv"] != "Imported"
    assert "2 files imported" in w.summary_page.text.text()
    assert conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 3
    w.close()


def test_progress_shows_percentage_and_time_left(db, qtbot) -> None:
    db_path, conn, admin, clerk, settings = db
    w = ImportWizard(db_path, clerk, settings)
    qtbot.addWidget(w)
    page = w.progress_page
    page._stage, page._t0 = "Importing file 1 of 1: a.csv", page._t0 - 10
    page._progress(250, 1000, "Importing file 1 of 1: a.csv")
    assert "25 %" in page.label.text() and "about 30 s left" in page.label.text()
    assert page.bar.text() == "25 %"
