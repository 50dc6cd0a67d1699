"""The Matters, Hearings and Dispositions views as a clerk and a judge read them (issues 16 and 19),
at 1366×768 with real widgets (pytest-qt), the real core and store: no internal database ids, no
DOJ-form names (`CALDERON,AMARA P`), rulings, kinds and statuses in words; the court's county
preselected; columns that fit without sideways scrolling (a long name elided, whole on hover);
each tab's messages its own; the queue's decision keys never fire in these tabs. And the service
list: addresses set once by the administrator and on the matter, a notice that cannot be mailed
to a party with no address, the notice read back with its addresses and certificate of mailing."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QTableView

from desktop.demo import DEMO_COUNTY, DEMO_PASSWORD, build_demo
from desktop.dispositions import hearings as hr
from desktop.dispositions import matters as mt
from desktop.dispositions import service as sv
from desktop.errors import RefusedError, UserError
from desktop.law import names
from desktop.review.county import court_county
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui.dispositions_view import (
    DispositionsView,
    HearingsView,
    MattersView,
    OpenMatterDialog,
    set_code,
)
from desktop.ui.main_window import MainWindow
from tests.pdfread import flat, page_texts

TODAY = "2026-11-02"
LONG_NAME = "VANDERBILT-HOHENZOLLERN-MONTGOMERY-FITZWILLIAM,MAXIMILIANA ALEXANDRA CONSTANTINA"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui-disp-words") / "demo.sqlite3"
    build_demo(path, rows=3000)
    return path


@pytest.fixture
def db(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELIEFDESK_NOW", f"{TODAY}T18:00:00+00:00")
    target = tmp_path / "court.sqlite3"
    shutil.copy(demo, target)
    return target


def _texts(model: QStandardItemModel) -> list[list[str]]:
    return [
        [model.item(r, c).text() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def _person(conn: sqlite3.Connection) -> tuple[str, int, int]:
    """(raw DOJ name, subject id, count id): a person the name search finds alone, with a count
    of the court's county proposing a redesignation, and whose name is in DOJ's LAST,FIRST form."""
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    for sid, name in conn.execute(
        "SELECT id, name FROM subjects WHERE name LIKE '%,%' AND id >= 100 ORDER BY id"
    ).fetchall():
        hits = mt.find_people(conn, clerk, name=name)
        mine = [c for c in (hits[0].counts if len(hits) == 1 else []) if c["county"] == DEMO_COUNTY]
        if not mine:
            continue
        cid = mine[0]["count_id"]
        relief = conn.execute(
            "SELECT d.relief FROM review_items r JOIN determinations d"
            " ON d.id = r.determination_id WHERE r.count_id = ?",
            (cid,),
        ).fetchone()
        if relief and relief[0].startswith("redesignate"):
            return name, sid, cid
    raise AssertionError("no suitable person in the demo")


def _no_ids_or_doj_names(rows: list[list[str]], ids: set[int], where: str) -> None:
    for row in rows:
        for text in row:
            assert not names.is_surname_first(text), f"{where}: DOJ-form name {text!r}"
            assert not re.search(r"\b(Count|Person|count|person) \d{3,}\b", text), (where, text)
            for i in (i for i in ids if i >= 100):  # small ids collide with count numbers
                assert text != str(i), f"{where}: internal id {i} shown"
                assert not re.search(rf"(?<![\d-]){i}(?![\d-])", text), (where, text, i)
            assert "_" not in text or "@" in text, f"{where}: a code name {text!r}"


def _fits(view: QTableView) -> bool:
    header = view.horizontalHeader()
    return header.length() <= view.viewport().width() + 1


def test_the_views_speak_words_and_fit_1366x768(db: Path, qtbot, tmp_path: Path) -> None:
    conn = open_db(db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    raw, sid, cid = _person(conn)
    natural = names.natural(raw, "as_recorded")
    # A second person entered from the court file with a name too long for the column.
    long_mid = mt.enter_from_court_file(
        conn,
        clerk,
        mt.CourtFilePerson(LONG_NAME, "1980-01-01"),
        mt.CourtFileCase(
            "FSB2699001",
            DEMO_COUNTY,
            None,
            (mt.CourtFileCount(1, "11359 HS", "F", "2015-05-05", "PRISON 12Y"),),
        ),
        mt.Filing("petition", TODAY, "person", served_on=TODAY),
    )
    window = MainWindow(conn, db, clerk, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)

    # The queue's message stays with the queue.
    window.tabs.setCurrentWidget(window.queue)
    window.queue.message.emit("The engine proposed no relief for this count")
    assert "proposed no relief" in window.statusBar().currentMessage()
    matters = window.matters
    window.tabs.setCurrentWidget(matters)
    assert window.statusBar().currentMessage() == ""
    assert window.focusWidget() is matters.name  # the cursor starts in the first field
    # Tab goes top to bottom: the search fields, Find, the people found, Open matter, ...
    chain, w = [], matters.name
    for _ in range(6):
        chain.append(w)
        w = w.nextInFocusChain()
        while w.focusPolicy() == Qt.FocusPolicy.NoFocus or not w.isVisibleTo(matters):
            w = w.nextInFocusChain()
    assert chain == [
        matters.name,
        matters.dob,
        matters.cii,
        matters.case,
        matters.find_button,
        matters.people,
    ]

    # A clerk opens an application for the person found.
    matters.name.setText(raw)
    assert matters.search() >= 1
    people = _texts(matters.people_model)
    assert people[0][0] == natural and not names.is_surname_first(people[0][0])
    count_no, case = conn.execute(
        "SELECT c.count_no, k.case_number FROM counts c JOIN cases k ON k.id = c.case_id"
        " WHERE c.id = ?",
        (cid,),
    ).fetchone()
    assert f"count {count_no} of case {case}" in [r[2] for r in people]
    row = [r[2] for r in people].index(f"count {count_no} of case {case}")
    matters.people.selectRow(row)
    dialog = OpenMatterDialog(natural, 1, matters)
    qtbot.addWidget(dialog)
    set_code(dialog.kind, "application")
    assert dialog.kind.currentText() == "application (sentence completed)"
    dialog.hearing.setChecked(True)
    dialog.person_address.setPlainText("1250 Mill St Apt 4\nRedlands, CA 92373")
    mid = matters.open_matter(dialog.filing())
    assert mid is not None and f"Matter No. {mid}" in matters.message.text()
    assert (
        sv.matter_addresses(conn, mid)["person_address"] == "1250 Mill St Apt 4\nRedlands, CA 92373"
    )
    assert matters.add_response("opposes_criteria", TODAY)
    detail = matters.detail.toPlainText()
    assert natural in detail and raw not in detail
    assert f"Count {count_no} of case {case}" in detail
    assert f"Person {sid}" not in detail and f"Count {cid}" not in detail
    assert "reliefdesk" not in detail and "opposes_criteria" not in detail
    assert "1250 Mill St Apt 4, Redlands, CA 92373" in detail

    # Decision letters typed in this tab record nothing (they belong to the queue).
    before = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    matters.people.setFocus()
    for key in (Qt.Key.Key_A, Qt.Key.Key_R, Qt.Key.Key_D, Qt.Key.Key_C):
        qtbot.keyClick(matters.people, key)
    matters.matters.setFocus()
    for key in (Qt.Key.Key_A, Qt.Key.Key_D):
        qtbot.keyClick(matters.matters, key)
    assert conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == before

    matter_rows = _texts(matters.matters_model)
    mine = next(r for r in matter_rows if r[0] == str(mid))
    assert mine[1:3] == ["Application", "open"] and mine[7] == natural
    long_row = next(r for r in matter_rows if r[0] == str(long_mid))
    whole = names.natural(LONG_NAME, "as_recorded")
    assert long_row[7] == whole
    long_item = matters.matters_model.item(matter_rows.index(long_row), 7)
    assert long_item.toolTip() == whole  # the whole name on hover
    assert _fits(matters.matters) and _fits(matters.people)
    name_col = matters.matters.columnWidth(7)
    assert matters.matters.fontMetrics().horizontalAdvance(whole) > name_col  # elided, not cut off

    window.tabs.setCurrentWidget(window.hearings)
    assert window.statusBar().currentMessage() == ""
    assert window.focusWidget() is window.hearings.day
    hid = window.hearings.schedule(mid, TODAY, "09:15", "S-14")
    assert hid is not None and f"Hearing No. {hid}" in window.hearings.message.text()
    assert _fits(window.hearings.hearings)
    window.close()

    # The judge rules; the hearing list and the Dispositions view read in words.
    jwin = MainWindow(conn, db, judge, QSettings(str(tmp_path / "j.ini"), QSettings.IniFormat))
    qtbot.addWidget(jwin)
    jwin.resize(1366, 768)
    jwin.show()
    hv = jwin.hearings
    jwin.tabs.setCurrentWidget(hv)
    hv.select_hearing(hid)
    hv.counts.selectAll()
    assert hv.selected_counts() == [cid]
    assert hv.enter_outcome([hr.Outcome(cid, "denied", finding="criteria_not_met")])
    assert "the matter is ruled" in hv.message.text()
    hv.select_hearing(hid)
    rows = _texts(hv.model)
    mine = next(r for r in rows if r[0] == str(hid))
    assert mine[4] == str(mid) and mine[5] == "Application" and mine[6] == "held"
    assert mine[8] == natural
    counts = _texts(hv.counts_model)
    assert counts == [
        [
            f"count {count_no} of case {case}",
            "denied — criteria not met (clear and convincing evidence)",
        ]
    ]
    # The matter and hearing numbers are the court's handles; the count and person ids are not.
    _no_ids_or_doj_names(rows, {cid, sid} - {mid, hid}, "hearing list")
    _no_ids_or_doj_names(counts, {cid, sid}, "counts of the hearing")

    disp = jwin.dispositions
    jwin.tabs.setCurrentWidget(disp)
    assert disp.county.currentText() == court_county(conn)  # the court's county, preselected
    assert jwin.focusWidget() is disp.county
    stages = _texts(disp.stages_model)
    ruled = [r[0] for r in stages].index("Ruled: awaiting its order")
    disp.stages.setCurrentIndex(disp.stages_model.index(ruled, 0))
    items = _texts(disp.items_model)
    mine = next(r for r in items if r[1] == f"count {count_no} of case {case}")
    assert mine[0] == natural
    assert mine[6] == "denied — criteria not met (clear and convincing evidence)"
    assert mine[5] == str(mid)
    _no_ids_or_doj_names(items, {cid, sid}, "dispositions")
    _no_ids_or_doj_names(stages, {cid, sid}, "stages")
    assert _fits(disp.items) and _fits(disp.stages)
    for other in range(disp.stages_model.rowCount()):
        disp.stages.setCurrentIndex(disp.stages_model.index(other, 0))
        for row in _texts(disp.items_model):
            assert not names.is_surname_first(row[0]), row
            assert row[1].startswith("count ") and " of case " in row[1], row
            assert "_" not in (row[6] or ""), row
        assert _fits(disp.items)
    jwin.close()
    conn.close()


def test_the_county_defaults_to_the_courts(db: Path, qtbot) -> None:
    conn = open_db(db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    view = DispositionsView(conn, clerk)
    qtbot.addWidget(view)
    assert view.county.currentText() == court_county(conn)
    assert view.report is not None and view.report.county == court_county(conn).upper()
    assert not view.county.isEditable()  # chosen from the 58 counties, no free text
    conn.close()


def test_service_settings_and_the_refused_notice(db: Path, qtbot, tmp_path: Path) -> None:
    from desktop.ui.service_settings_dialog import ServiceSettingsDialog

    conn = open_db(db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    with pytest.raises(RefusedError, match="administrator|admin"):
        sv.set_service_setting(conn, clerk, "prosecution_address", "1 Main | Town, CA 90000")
    with pytest.raises(UserError, match="city line"):
        sv.set_service_setting(conn, admin, "prosecution_address", "303 W Third St")
    dialog = ServiceSettingsDialog(conn, admin)
    qtbot.addWidget(dialog)
    dialog.fields["prosecution_name"].setText(
        "Office of the District Attorney, County of San Bernardino"
    )
    dialog.fields["prosecution_address"].setPlainText("303 W Third St\nSan Bernardino, CA 92415")
    dialog.fields["mailing_city"].setText("San Bernardino")
    assert dialog.save()
    settings = sv.service_settings(conn)
    assert settings["prosecution_address"] == "303 W Third St\nSan Bernardino, CA 92415"
    audited = conn.execute(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'settings.service'"
    ).fetchone()[0]
    assert audited == 3

    raw, _, cid = _person(conn)
    subject = conn.execute("SELECT subject_id FROM counts WHERE id = ?", (cid,)).fetchone()[0]
    mid = mt.open_matter(
        conn,
        clerk,
        subject,
        [cid],
        mt.Filing(
            "application",
            TODAY,
            "attorney",
            "Lena Ortega",
            served_on=TODAY,
            hearing_requested=True,
        ),
    )
    hid = hr.schedule_hearing(conn, clerk, mid, TODAY, "10:00", "S-14")
    view = HearingsView(conn, clerk)
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    view.select_hearing(hid)
    out = tmp_path / "notice.pdf"
    assert view.make_notice(out) is None and not out.exists()
    message = view.message.text()
    assert "cannot be mailed" in message
    assert "counsel's mailing address on Matter No." in message  # which address to enter
    assert "the person's mailing address on Matter No." in message
    assert "prosecuting agency" not in message  # set by the administrator above
    assert "reliefdesk" not in message and "--" not in message

    matters = MattersView(conn, clerk)
    qtbot.addWidget(matters)
    matters.select_matter(mid)
    assert not matters.set_addresses(person_address="1250 Mill St")  # no city line
    assert "city line" in matters.message.text()
    assert matters.set_addresses(
        person_address="1250 Mill St Apt 4\nRedlands, CA 92373",
        counsel_address="Ortega Law | 400 N Arrowhead Ave | San Bernardino, CA 92401",
    )
    # The public defender's address is not needed: counsel represents the person.
    assert view.make_notice(out) == out
    text = flat(" ".join(page_texts(out.read_bytes())))
    natural = names.natural(raw, "as_recorded")
    for words in (
        "Service list",
        "Office of the District Attorney, County of San Bernardino",
        "303 W Third St San Bernardino, CA 92415",
        "Lena Ortega",
        "400 N Arrowhead Ave San Bernardino, CA 92401",
        natural,
        "1250 Mill St Apt 4 Redlands, CA 92373",
        "I am not a party to this action",
        "by placing a true copy in a sealed envelope with postage fully prepaid",
        "addressed as follows",
        f"in the United States mail at San Bernardino, California, on {TODAY}",
        "clerk, Deputy Clerk",
        f"Matter No. {mid}",
        f"Hearing No. {hid}",
    ):
        assert words in text, words
    assert raw not in text  # the DOJ form of the name is not printed
    served = conn.execute(
        "SELECT to_party FROM matter_notices WHERE hearing_id = ? ORDER BY id", (hid,)
    ).fetchall()
    assert served == [("prosecution",), ("counsel",), ("person",)]
    # The audit log holds which fields changed, never an address.
    payloads = [
        p
        for (p,) in conn.execute(
            "SELECT payload FROM audit_log WHERE action IN ('matter.addresses', 'matter.open')"
        )
    ]
    assert payloads and not any("Mill St" in p or "Arrowhead" in p for p in payloads)
    conn.close()


def test_alt_letters_of_the_views_are_their_own(db: Path, qtbot, tmp_path: Path) -> None:
    """An Alt+letter in these views does one thing: no letter of the window's tabs or menus, none
    used twice in a view (Qt would only move the focus between the two, pressing neither)."""
    from PySide6.QtWidgets import QAbstractButton, QLabel

    from desktop.ui.dispositions_view import WINDOW_MNEMONICS

    conn = open_db(db).conn
    for role in ("clerk", "judge", "admin"):
        user = authenticate(conn, role, DEMO_PASSWORD)
        window = MainWindow(
            conn, db, user, QSettings(str(tmp_path / f"{role}.ini"), QSettings.IniFormat)
        )
        qtbot.addWidget(window)
        taken = set()
        for i in range(window.tabs.count()):
            taken |= set(re.findall(r"&(\w)", window.tabs.tabText(i).upper()))
        for action in window.menuBar().actions():
            taken |= set(re.findall(r"&(\w)", action.text().upper()))
        assert taken <= set(WINDOW_MNEMONICS), taken
        for view in (window.matters, window.hearings, window.dispositions):
            letters: list[str] = []
            for w in view.findChildren(QAbstractButton) + view.findChildren(QLabel):
                letters += re.findall(r"&(\w)", w.text().upper())
            assert not set(letters) & taken, (view.accessibleName(), letters)
            assert len(letters) == len(set(letters)), (view.accessibleName(), letters)
        window.close()
    conn.close()
