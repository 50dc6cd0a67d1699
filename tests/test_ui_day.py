"""The clerk's and the judge's day at 1366×768 without traps (issue 16): single-letter decision
keys act only in the queue list and the detail pane, never in a filter list or the search box;
a rejection needs a chosen reason; bulk approval and Submit confirm with the number of counts
and the rule path; a count's status follows it from pending to its order; the decision buttons
are off, with the reason, where no decision is possible."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.orders.batch import render_batch
from desktop.review.lifecycle import lives
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui import core
from desktop.ui.main_window import MainWindow

SCREEN = (1366, 768)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("day")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=3000)
    return db_path


@pytest.fixture()
def day(demo_db: Path, tmp_path: Path, qtbot):
    """A fresh copy of the demo database, the clerk and judge, settings of its own."""
    db_path = tmp_path / "day.sqlite3"
    shutil.copy(demo_db, db_path)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    yield db_path, conn, clerk, judge, settings
    conn.close()


def _window(qtbot, conn, db_path, user, settings) -> MainWindow:
    w = MainWindow(conn, db_path, user, settings)
    qtbot.addWidget(w)
    w.resize(*SCREEN)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    return w


def _key(qtbot, widget, key, modifier=Qt.NoModifier) -> None:
    """A key press as the clerk makes it: the window active, the widget focused."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    qtbot.keyClick(widget, key, modifier)


def _decisions(conn) -> int:
    return conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]


def _review_audits(conn) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('review.approve', "
        "'review.reject', 'review.change', 'review.defer')"
    ).fetchone()[0]


def _when_modal(fn, seen: list | None = None) -> None:
    """Act on the next modal dialog once it is open (exec() blocks the test otherwise)."""

    def poke() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(20, poke)
            return
        if seen is not None:
            seen.append(dlg)
        fn(dlg)

    QTimer.singleShot(0, poke)


def _click_button(box: QMessageBox, starts: str) -> None:
    for b in box.buttons():
        if b.text().startswith(starts):
            b.click()
            return
    raise AssertionError(f"no button {starts!r} in {[b.text() for b in box.buttons()]}")


def test_letters_in_filter_lists_and_search_record_nothing(day, qtbot) -> None:
    db_path, conn, clerk, _, settings = day
    w = _window(qtbot, conn, db_path, clerk, settings)
    queue = w.queue
    assert queue.model.rowCount() > 0
    before, audits = _decisions(conn), _review_audits(conn)
    letters = (Qt.Key_A, Qt.Key_R, Qt.Key_C, Qt.Key_D, Qt.Key_J, Qt.Key_K)
    for name, box in queue._boxes().items():
        for key in letters:
            _key(qtbot, box, key)
            assert QApplication.activeModalWidget() is None, f"a dialog opened from {name}"
        assert _decisions(conn) == before, f"a letter in the {name} filter recorded a decision"
        box.setCurrentIndex(0)  # a letter may pick a choice; that is the list's job
    for key in letters:
        _key(qtbot, queue.search, key)
    assert queue.search.text().lower() == "arcdjk"  # the search box typed them
    assert _decisions(conn) == before and _review_audits(conn) == audits
    queue.search.clear()
    queue.apply_filters()

    # In the list the same letter decides (the control: the keys do work where they belong).
    queue.table.setFocus()
    first = next(
        queue.model.count_id_at(r)
        for r in range(queue.model.rowCount())
        if queue.model.life_at(r).proposed not in ("needs_review",)
    )
    queue.select_row(queue.model.row_of(first))
    _key(qtbot, queue.table, Qt.Key_A)
    assert _decisions(conn) == before + 1 and _review_audits(conn) == audits + 1
    assert lives(conn, [first])[first].stage == "approved"
    # ... and in the detail pane's text.
    nxt = queue.current_count()
    _key(qtbot, queue.detail.browser, Qt.Key_D)
    assert lives(conn, [nxt])[nxt].stage == "deferred"
    w.close()


def test_reject_needs_a_chosen_reason(day, qtbot) -> None:
    db_path, conn, clerk, _, settings = day
    w = _window(qtbot, conn, db_path, clerk, settings)
    queue = w.queue
    cid = queue.current_count()
    seen: list = []

    def try_without_reason(dlg) -> None:
        assert dlg.reasons.currentData() is None  # nothing preselected
        assert not dlg.ok.isEnabled()
        qtbot.keyClick(dlg, Qt.Key_Return)  # Enter does not reject
        dlg._submit()
        assert dlg.isVisible() and "reason" in dlg.error.text().lower()
        name = queue.detail.detail.subject["name"]
        case = queue.detail.detail.count["case_number"]
        assert name in dlg.windowTitle() and case in dlg.windowTitle()
        assert str(cid) not in dlg.windowTitle().replace(case, "")  # no internal id
        dlg.reject()

    _when_modal(try_without_reason, seen)
    _key(qtbot, queue.table, Qt.Key_R)
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert lives(conn, [cid])[cid].stage == "pending"

    def with_reason(dlg) -> None:
        dlg.reasons.setCurrentIndex(dlg.reasons.findData("needs hearing"))
        assert dlg.ok.isEnabled()
        dlg.details.setPlainText("the DA asked for a hearing")
        dlg._submit()

    _when_modal(with_reason)
    queue.select_row(queue.model.row_of(cid))
    _key(qtbot, queue.table, Qt.Key_R)
    assert lives(conn, [cid])[cid].stage == "rejected"
    reason = conn.execute("SELECT reason FROM review_items WHERE count_id = ?", (cid,)).fetchone()
    assert reason[0] == "needs hearing: the DA asked for a hearing"
    w.close()


def test_status_follows_a_count_through_its_life(day, qtbot, tmp_path: Path) -> None:
    db_path, conn, clerk, judge, settings = day
    w = _window(qtbot, conn, db_path, clerk, settings)
    queue = w.queue
    model = queue.model

    def text(cid: int) -> str:
        model.refresh_all_rows()
        row = model.row_of(cid)
        status_col = [
            c.key for c in __import__("desktop.ui.queue_model", fromlist=["COLUMNS"]).COLUMNS
        ].index("status")
        text = model.data(model.index(row, status_col), Qt.ToolTipRole)
        short = model.data(model.index(row, status_col))
        assert text.startswith(short.split()[0]) or short in ("With judge",), (short, text)
        return text

    # Bulk approve the largest rule path; the confirmation names the count and the path.
    path, n = core.rule_paths(conn)[0]
    opened = [
        cid
        for (cid,) in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            " WHERE d.rule_path = ? LIMIT 3",
            (path,),
        )
    ]
    for cid in opened:
        core.mark_opened(conn, clerk, cid)
    cid = opened[0]
    assert text(cid) == "Pending"
    asked: list = []

    def bulk(dlg) -> None:
        def confirm(box) -> None:
            asked.append(box.text())
            _click_button(box, "Approve")

        _when_modal(confirm)
        dlg.go.click()

    _when_modal(bulk)
    queue.path_box.setCurrentIndex(queue.path_box.findData(path))
    queue.bulk_button.click()
    from desktop.review.words import rule_path_words

    assert asked and f"{n:,} pending count" in asked[0]
    assert rule_path_words(path).split(":")[0] in asked[0] and "→" in asked[0]
    assert "_" not in asked[0].split("“")[1]  # the rule path in words
    assert text(cid) == "Approved"
    queue.path_box.setCurrentIndex(0)

    # Submit: confirmation with the number and the rule paths; then how many went.
    submit_text: list = []
    told: list = []

    def submit(box) -> None:
        submit_text.append(box.text())
        _when_modal(lambda info: (told.append(info.text()), info.accept()))
        _click_button(box, "Submit")

    _when_modal(submit)
    queue.submit_button.click()
    qtbot.waitUntil(lambda: bool(told), timeout=3000)
    batch = conn.execute("SELECT MAX(id) FROM batches").fetchone()[0]
    size = core.batch_size(conn, batch)
    assert f"{size:,} count" in submit_text[0]
    assert f"{size:,} count" in told[0] and f"batch {batch}" in told[0]
    assert text(cid) == f"With the judge (batch {batch})"
    queue.select_row(model.row_of(cid))
    assert not any(b.isEnabled() for b in queue.detail.buttons.values())
    assert f"batch {batch}" in w.statusBar().currentMessage()
    before = _decisions(conn)
    _key(qtbot, queue.table, Qt.Key_A)  # refused quietly, with the reason
    assert _decisions(conn) == before and QApplication.activeModalWidget() is None
    assert "only the judge" in w.statusBar().currentMessage()

    # The judge sends one count back with a note and accepts the rest.
    items = core.sample(conn, judge, batch)
    back = next(i.count_id for i in items if i.count_id != cid)
    for it in items:
        core.mark_opened(conn, judge, it.count_id)
    core.send_back(conn, judge, batch, back, "check the sentence end date")
    assert text(back) == "Sent back by the judge"
    queue.select_row(model.row_of(back))
    assert queue.detail.buttons["approve"].isEnabled()
    assert "check the sentence end date" in queue.detail.browser.toPlainText()
    core.accept_batch(conn, judge, batch)
    assert text(cid) == f"Accepted (batch {batch})"

    # The judge signs the orders: the count is ordered, with its order number.
    key = tmp_path / "judge.p12"
    create_demo_key("Hon. Day Test", "Judge of the Superior Court", key, "day key pass")
    render_batch(conn, batch, tmp_path / "orders", key, "day key pass", user=judge.name)
    order_no = conn.execute(
        "SELECT o.order_no FROM order_counts oc JOIN orders o ON o.id = "
        "oc.order_id WHERE oc.count_id = ?",
        (cid,),
    ).fetchone()[0]
    assert text(cid) == f"Ordered ({order_no})"
    queue.select_row(model.row_of(cid))
    assert not any(b.isEnabled() for b in queue.detail.buttons.values())
    # An ordered count is sealed (issue 18): the clerk cannot decide it, nor read its record.
    assert "sealed" in queue.count_label.text() and "records officer" in queue.count_label.text()
    person = conn.execute(
        "SELECT s.name FROM counts c JOIN subjects s ON s.id = c.subject_id WHERE c.id = ?", (cid,)
    ).fetchone()[0]
    assert person not in queue.detail.browser.toPlainText()
    assert not any(b.isEnabled() for b in queue.detail.buttons.values())
    w.close()


def test_queue_shows_cannabis_counts_by_default_in_words(day, qtbot) -> None:
    db_path, conn, clerk, _, settings = day
    w = _window(qtbot, conn, db_path, clerk, settings)
    queue = w.queue
    cannabis = {
        cid
        for (cid,) in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN counts c ON c.id = r.count_id WHERE "
            "c.base_section IN ('11357', '11358', '11359', '11360') AND COALESCE(c.code, '') "
            "IN ('', 'HS')"
        )
    }
    everything = {cid for (cid,) in conn.execute("SELECT count_id FROM review_items")}
    assert cannabis and everything - cannabis, "the demo has related counts too"
    assert set(queue.model.ids()) == cannabis  # the default list
    queue.scope_box.setCurrentIndex(queue.scope_box.findData("related"))
    assert set(queue.model.ids()) == everything - cannabis  # related counts under a filter
    queue.scope_box.setCurrentIndex(queue.scope_box.findData("@all"))
    assert set(queue.model.ids()) == everything
    # Rule paths in the filter read as sentences, not engine keys.
    for i in range(1, queue.path_box.count()):
        assert "_" not in queue.path_box.itemText(i) and "→" in queue.path_box.itemText(i)
    w.close()


def test_core_refusals_reach_the_window_without_command_lines() -> None:
    from desktop.ui.labels import user_message

    assert (
        user_message(
            "count 5 is not in the review queue; see `reliefdesk queue list` for the count ids"
        )
        == "Count 5 is not in the review queue."
    )
    assert user_message("open count 4 before accepting it (reliefdesk review show 4 --as j)") == (
        "Open count 4 before accepting it."
    )
    assert "reliefdesk" not in user_message(
        "open every sampled count before accepting batch 2: 3 not opened yet (1, 2, 3); use "
        "reliefdesk review show COUNT_ID --as judge"
    )


def test_change_needs_a_chosen_relief_and_a_reason(qtbot) -> None:
    from desktop.ui.decision_dialogs import ChangeDialog

    dlg = ChangeDialog("redesignate_misdemeanor", None, "count 2 of case FSB1, DOE,JANE")
    qtbot.addWidget(dlg)
    assert dlg.relief.currentData() is None  # nothing preselected
    assert not dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled()
    dlg.reason_box.setPlainText("a reason")
    dlg._submit()
    assert dlg.result() == 0 and "relief" in dlg.error.text()
    dlg.relief.setCurrentIndex(dlg.relief.findData("dismiss_and_seal"))
    dlg.reason_box.clear()
    dlg._submit()
    assert dlg.result() == 0 and "reason" in dlg.error.text()
    dlg.reason_box.setPlainText("the court file shows more")
    dlg._submit()
    assert dlg.result() == 1
    assert dlg.chosen() == ("dismiss_and_seal", None, "the court file shows more")
    assert "DOE,JANE" in dlg.windowTitle()
