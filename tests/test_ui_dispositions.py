"""The Matters, Hearings and Dispositions views (issue 19) on the demo database at 1366×768: a
clerk finds a person, opens a matter (the explanation shown first), enters the response and
schedules the hearing; a judge enters the outcome; the Dispositions view shows the same stages
as the core. Real widgets (pytest-qt), real core and store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings

from desktop.demo import DEMO_COUNTY, DEMO_PASSWORD, build_demo
from desktop.dispositions import hearings as hr
from desktop.dispositions import matters as mt
from desktop.dispositions.status import dispositions_status
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui.dispositions_view import (
    DispositionsView,
    HearingsView,
    MattersView,
    OpenMatterDialog,
    OutcomeDialog,
)
from desktop.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui-disp") / "demo.sqlite3"
    build_demo(path, rows=3000)
    return path


@pytest.fixture
def db(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELIEFDESK_NOW", "2026-11-02T18:00:00+00:00")
    target = tmp_path / "court.sqlite3"
    shutil.copy(demo, target)
    return target


def _person_with_counts(conn) -> tuple[str, int]:
    """A name the search finds with one person and a count proposing a redesignation."""
    for (name,) in conn.execute("SELECT name FROM subjects WHERE name IS NOT NULL ORDER BY id"):
        clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
        hits = mt.find_people(conn, clerk, name=name)
        mine = [c for c in (hits[0].counts if len(hits) == 1 else []) if c["county"] == DEMO_COUNTY]
        if mine:
            cid = mine[0]["count_id"]
            relief = conn.execute(
                "SELECT d.relief FROM review_items r JOIN determinations d"
                " ON d.id = r.determination_id WHERE r.count_id = ?",
                (cid,),
            ).fetchone()
            if relief and relief[0].startswith("redesignate"):
                return name, cid
    raise AssertionError("no suitable person")


def test_the_views_at_1366x768_from_intake_to_ruling(db: Path, qtbot, tmp_path: Path) -> None:
    conn = open_db(db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    window = MainWindow(conn, db, clerk, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    tabs = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert {"Matters", "Hearings", "Dispositions"} <= set(tabs)
    # The new views do not push the window past the court's screen.
    for view in (window.matters, window.hearings, window.dispositions):
        window.tabs.setCurrentWidget(view)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 768, hint
        assert (window.width(), window.height()) == (1366, 768)

    matters = window.matters
    window.tabs.setCurrentWidget(matters)
    name, cid = _person_with_counts(conn)
    matters.name.setText(name)
    assert matters.search() >= 1
    matters.people.selectRow(0)
    dialog = OpenMatterDialog(name, 1, matters)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.sizeHint().width() <= 1366 and dialog.sizeHint().height() <= 768
    dialog.kind.setCurrentText("application")
    dialog.hearing.setChecked(True)
    mid = matters.open_matter(dialog.filing())
    assert mid is not None
    text = matters.detail.toPlainText()
    assert text.startswith(f"Matter {mid}: application (open)")
    assert text.index("What the engine found") < text.index("Filed 2026-11-02")
    # A clerk's refusal is shown as the core words it, in the view.
    assert not matters.add_response("opposes_public_safety", "2026-11-02")
    assert "petition" in matters.message.text()
    assert matters.add_response("opposes_criteria", "2026-11-02")
    assert "opposes criteria" in matters.detail.toPlainText()
    assert matters.record_notice("court", "person", "2026-11-02", "mail")

    hearings = window.hearings
    window.tabs.setCurrentWidget(hearings)
    hid = hearings.schedule(mid, "2026-11-02", "09:15", "S-14")
    assert hid is not None and hearings.model.rowCount() == 1
    assert hearings.model.item(0, 3).text() == "S-14"
    assert not hearings.outcome_button.isVisible()  # a clerk enters no outcome
    assert not hearings.enter_outcome([hr.Outcome(cid, "granted")])
    assert "judge" in hearings.message.text()

    disp = window.dispositions
    window.tabs.setCurrentWidget(disp)
    disp.county.setText(DEMO_COUNTY)
    disp.refresh()
    core = dispositions_status(conn, clerk, DEMO_COUNTY, limit=500)
    shown = {
        disp.stages_model.item(r, 0).text(): int(disp.stages_model.item(r, 1).text())
        for r in range(disp.stages_model.rowCount())
    }
    assert shown == {s.label: s.count for s in core.stages}
    assert shown["Challenged or opposed: awaiting a hearing"] >= 1
    window.close()

    # The judge's hearing list: the outcome per count.
    jview = HearingsView(conn, judge)
    qtbot.addWidget(jview)
    jview.resize(1366, 700)
    jview.show()
    assert jview.outcome_button.isVisible()
    jview.select_hearing(hid)
    jview.counts.selectAll()
    counts = jview.selected_counts()
    assert cid in counts
    out = OutcomeDialog(counts, jview)
    qtbot.addWidget(out)
    out.outcome.setCurrentText("denied")
    out.finding.setCurrentText("criteria_not_met")
    assert jview.enter_outcome(out.outcomes(counts))
    assert "matter ruled" in jview.message.text()
    assert conn.execute(
        "SELECT outcome, finding FROM rulings WHERE count_id = ?", (cid,)
    ).fetchall() == [("denied", "criteria_not_met")]
    assert "ruled" in jview.model.item(0, 6).text() or jview.model.item(0, 6).text() == "held"
    conn.close()


def test_a_records_officer_reads_but_the_admin_sets_the_deadline(db: Path, qtbot) -> None:
    conn = open_db(db).conn
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    view = MattersView(conn, clerk)
    qtbot.addWidget(view)
    assert not view.deadline_button.isVisibleTo(view)
    assert not view.set_deadline(30) and "admin" in view.message.text()
    aview = MattersView(conn, admin)
    qtbot.addWidget(aview)
    assert aview.deadline_button.isVisibleTo(aview)
    assert aview.set_deadline(45)
    assert "45 days" in aview.deadline.text()
    dview = DispositionsView(conn, clerk, DEMO_COUNTY)
    qtbot.addWidget(dview)
    assert dview.report is not None and dview.report.total > 0
    conn.close()
