"""Issue 15 in the window, offscreen at 1366×768: the clerk sends a batch to the judge from the File
menu, the judge opens the package on the judge's own PC (a separate data folder with the judge's
own database) into the spot-check and orders views, sends one count back, accepts, signs and saves
the answer; the clerk imports it. Screenshots of both sides go to the test's folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from desktop.demo import DEMO_PASSWORD
from desktop.orders.batch import render_batch
from desktop.orders.register import verify_order
from desktop.review.users import authenticate, create_user
from desktop.store import open_db
from desktop.ui.main_window import MainWindow
from tests.packworld import KEY_PASS, Template, build_template, copy_db


def _when_modal(fn) -> None:
    def poke() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(20, poke)
            return
        fn(dlg)

    QTimer.singleShot(0, poke)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return build_template(tmp_path_factory.mktemp("ui-clerk-template"))


def _menu_texts(window: MainWindow) -> list[str]:
    file_menu = window.menuBar().actions()[0].menu()
    return [a.text().replace("&", "") for a in file_menu.actions()]


@pytest.mark.slow  # ~12 s: two windows, a workspace, signed orders
def test_send_open_check_sign_answer_import_in_the_window(
    template: Template, qtbot, tmp_path: Path, monkeypatch
) -> None:
    clerk_pc, judge_pc, share = tmp_path / "clerk-pc", tmp_path / "judge-pc", tmp_path / "usb"
    share.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(judge_pc / "data"))  # the judge's data folder
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    db = copy_db(template.db, clerk_pc / "reliefdesk.sqlite3")
    conn = open_db(db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    cw = MainWindow(conn, db, clerk, settings)
    cw.packages.quiet = True
    qtbot.addWidget(cw)
    cw.resize(1366, 768)
    cw.show()
    assert "Send batch to judge…" in _menu_texts(cw)
    assert "Import judge's answer…" in _menu_texts(cw)
    assert "Open package…" not in _menu_texts(cw)
    # An existing file is never replaced; the window says so and writes nothing.
    taken = share / "taken.rdpkg"
    taken.write_bytes(b"keep")
    assert cw.packages.send_to_judge(template.batch, "judge", taken) is None
    assert "already exists" in cw.statusBar().currentMessage()
    assert taken.read_bytes() == b"keep"
    # Send: the batch and judge from the dialogs the clerk would use.
    chosen = iter([0, 1])

    monkeypatch.setattr(
        "desktop.ui.package_actions.QInputDialog.getItem",
        lambda parent, title, label, items, current, editable: (items[next(chosen)], True),
    )
    package = cw.packages.send_to_judge(path=share / "batch.rdpkg")
    assert package is not None and package.is_file()
    assert "Take the file to the judge's PC" in cw.statusBar().currentMessage()
    cw.grab().save(str(tmp_path / "clerk-sent.png"))

    # The judge's own PC: the judge's own database (no clerk data), signed in as the judge.
    own = open_db(judge_pc / "reliefdesk.sqlite3").conn
    admin = create_user(own, "admin", "admin", "judge pc admin password", None)
    create_user(own, "judge", "judge", "the judge's password", admin)
    judge = authenticate(own, "judge", "the judge's password")
    jw = MainWindow(own, judge_pc / "reliefdesk.sqlite3", judge, settings)
    jw.packages.quiet = True
    qtbot.addWidget(jw)
    jw.resize(1366, 768)
    jw.show()
    assert "Open package…" in _menu_texts(jw) and "Save answer…" not in _menu_texts(jw)
    ww = jw.packages.open_package(package)
    assert ww is not None
    qtbot.addWidget(ww)
    ww.showNormal()
    ww.resize(1366, 768)
    assert "judge's workspace" in ww.windowTitle()
    assert "Save answer…" in _menu_texts(ww)
    assert str(ww.db_path).startswith(str(judge_pc / "data"))
    # The same spot-check view: the batch, its sample, the explanation of each sampled count.
    spot = ww.spot_check
    assert spot is not None and spot.batch_id == template.batch
    assert spot.sample.rowCount() > 0
    assert spot.detail.detail is not None  # the detail pane shows the whole record
    sent_back = spot.current_count()

    def note(dlg) -> None:
        dlg.note.setPlainText("check the sentence end date")
        dlg._submit()

    _when_modal(note)
    spot.do_action("send_back")
    for row in range(spot.sample.rowCount()):
        spot.sample.selectRow(row)
        if spot.current_count() != sent_back:
            spot.do_action("accept_item")
    ww.grab().save(str(tmp_path / "judge-spot-check.png"))
    _when_modal(lambda dlg: dlg.accept())
    spot.accept_batch_button.click()
    wconn = ww.conn
    assert (
        wconn.execute("SELECT status FROM batches WHERE id = ?", (template.batch,)).fetchone()[0]
        == "accepted"
    )
    # The workspace refuses a clerk's decision, even through the window's own core doorway.
    assert ww.queue.can_decide is False
    # Sign the orders with the judge's certificate (the orders pipeline, as the Orders view runs it).
    render_batch(
        wconn, template.batch, judge_pc / "orders", template.key, KEY_PASS, user="judge", workers=1
    )
    ww.orders.refresh()
    answer = ww.packages.save_answer(share / "answer.rdpkg")
    assert answer is not None and answer.is_file()
    ww.grab().save(str(tmp_path / "judge-answer.png"))

    # Back at the clerk's desk.
    done = cw.packages.import_answer(answer, clerk_pc / "orders")
    assert done is not None and done.accepted and done.sent_back == [sent_back]
    assert "sent back to the queue" in cw.statusBar().currentMessage()
    for order_no in done.orders:
        assert verify_order(conn, order_no).ok
    life = (
        sqlite3.connect(db)
        .execute("SELECT status FROM review_items WHERE count_id = ?", (sent_back,))
        .fetchone()[0]
    )
    assert life == "pending"
    # A second import of the same answer is refused, in words, in the window.
    assert cw.packages.import_answer(answer, clerk_pc / "orders") is None
    assert "already imported" in cw.statusBar().currentMessage()
    cw.grab().save(str(tmp_path / "clerk-imported.png"))
    for w in (ww, jw, cw):
        w.close()
