"""A clerk's day and a judge's spot-check driven through the window with the keyboard, on a
generated DOJ file imported and evaluated with the wizard (real importer, rules engine and review
core); then the judge renders, verifies and prints the signed orders in the Orders view."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from desktop.errors import RefusedError
from desktop.keys import create_demo_key
from desktop.records.generate import generate
from desktop.review.county import set_court_county
from desktop.review.users import authenticate, create_user
from desktop.store import open_db
from desktop.store.backup import list_backups
from desktop.ui import core
from desktop.ui.import_wizard import ImportWizard
from desktop.ui.login_dialog import LoginDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.orders_view import CHECK_COLUMN

PW = "a long test password"
KEY_PASS = "judge key passphrase"


def _when_modal(fn) -> None:
    """Act on the next modal dialog once it is open (exec() blocks the test otherwise)."""

    def poke() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(20, poke)
            return
        fn(dlg)

    QTimer.singleShot(0, poke)


def _press(qtbot, widget, key, modifier=Qt.NoModifier) -> None:
    """A key press as the clerk makes it: the window is active and the widget has focus (the
    views' single-key shortcuts only fire then)."""
    window = widget.window()
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(widget, key, modifier)


@pytest.fixture()
def setup(tmp_path: Path, qtbot, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # saved policy versions
    db_path = tmp_path / "day.sqlite3"
    conn = open_db(db_path).conn
    admin = create_user(conn, "admin", "admin", PW, None)
    create_user(conn, "clerk1", "clerk", PW, admin)
    create_user(conn, "judge1", "judge", PW, admin)
    set_court_county(conn, admin, "San Bernardino")
    src = tmp_path / "doj.csv"
    generate(src, "San Bernardino", 6000, seed=5)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    yield db_path, conn, src, settings
    conn.close()


@pytest.mark.slow  # a whole day: decisions, spot-check, orders rendered and signed
def test_clerk_day_then_judge_spot_check_and_orders(setup, qtbot, tmp_path: Path) -> None:
    db_path, conn, src, settings = setup

    # Login with the keyboard; a wrong password is refused in the dialog.
    login = LoginDialog(conn, str(db_path))
    qtbot.addWidget(login)
    login.show()
    qtbot.keyClicks(login.name, "clerk1")
    qtbot.keyClicks(login.password, "wrong password")
    qtbot.keyClick(login.password, Qt.Key_Return)
    assert login.user is None and "wrong" in login.error.text()
    qtbot.keyClicks(login.password, PW)
    qtbot.keyClick(login.password, Qt.Key_Return)
    clerk = login.user
    assert clerk is not None and clerk.role == "clerk"

    window = MainWindow(conn, db_path, clerk, settings)
    qtbot.addWidget(window)
    window.show()
    assert "clerk1" in window.user_label.text() and "Clerk" in window.user_label.text()
    assert window.spot_check is None  # a clerk gets no judge's spot-check
    assert not window.orders.render_button.isVisibleTo(window)  # nor the judge's signing

    # Import with the wizard: files → county → policy (an option edited and saved as a new
    # version) → as-of → progress → summary.
    wizard = ImportWizard(db_path, clerk, settings, window)
    qtbot.addWidget(wizard)
    wizard.files_page.add_paths([str(src)])
    wizard.show()
    wizard.next()
    wizard.next()
    page = wizard.policy_page
    page.policy.setCurrentIndex(page.policy.findData("statute"))
    editor = page.editors[("interpretation", "judgment_after_prop64")]
    editor.setCurrentIndex(editor.findData("not_eligible"))
    page.save.click()
    assert "Saved as version 2026.1+" in page.status.text()
    assert page.current["version"].startswith("2026.1+")
    saved = conn.execute("SELECT payload FROM audit_log WHERE action = 'policy_save'").fetchone()
    assert saved and page.current["version"] in saved[0]
    wizard.next()
    wizard.next()
    assert wizard.currentPage() is wizard.progress_page
    qtbot.waitUntil(lambda: wizard.progress_page.done, timeout=60_000)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=5000)
    assert not wizard.outcome.get("error"), wizard.outcome.get("message")
    assert wizard.summary_page.files.rowCount() == 1
    run_id = wizard.outcome["run_id"]
    assert (
        conn.execute(
            "SELECT policy_version FROM evaluation_runs WHERE id = ?", (run_id,)
        ).fetchone()[0]
        == page.current["version"]
    )
    wizard.accept()
    window.queue.reload_choices()
    window.queue.apply_filters()

    queue = window.queue
    queue.scope_box.setCurrentIndex(queue.scope_box.findData("@all"))  # cannabis and related
    total = queue.model.rowCount()
    assert total == conn.execute("SELECT COUNT(*) FROM review_items").fetchone()[0] > 0
    # Filter: pending misdemeanor redesignations only.
    queue.status_box.setCurrentIndex(queue.status_box.findData("pending"))
    queue.relief_box.setCurrentIndex(queue.relief_box.findData("redesignate_misdemeanor"))
    assert 4 < queue.model.rowCount() < total

    def status(cid: int) -> str:
        return conn.execute(
            "SELECT status FROM review_items WHERE count_id = ?", (cid,)
        ).fetchone()[0]

    first = queue.current_count()
    _press(qtbot, queue.table, Qt.Key_A)  # approve → next
    assert status(first) == "approved"
    second = queue.current_count()
    assert second != first

    def reject(dlg) -> None:  # reject: a reason must be chosen
        dlg.reasons.setCurrentIndex(1)
        dlg._submit()

    _when_modal(reject)
    _press(qtbot, queue.table, Qt.Key_R)
    assert status(second) == "rejected"
    third = queue.current_count()

    def change(dlg) -> None:
        dlg.relief.setCurrentIndex(dlg.relief.findData("dismiss_and_seal"))
        dlg.reason_box.setPlainText("the record shows a sentence still running")
        dlg._submit()

    _when_modal(change)
    _press(qtbot, queue.table, Qt.Key_C)
    assert status(third) == "changed"
    _press(qtbot, queue.table, Qt.Key_Z, Qt.ControlModifier)  # undo the change
    assert status(third) == "pending"
    assert queue.current_count() == third  # back on the undone count
    _press(qtbot, queue.table, Qt.Key_J)
    _press(qtbot, queue.table, Qt.Key_K)
    assert queue.current_count() == third

    # Bulk approve the biggest rule path after opening enough of its counts.
    paths = core.rule_paths(conn)
    assert paths
    path, n = paths[0]
    need = core.bulk_min_opened(conn)
    queue.status_box.setCurrentIndex(0)
    queue.relief_box.setCurrentIndex(0)
    queue.path_box.setCurrentIndex(queue.path_box.findData(path))
    assert queue.model.rowCount() >= n
    for _ in range(need - 1):  # the first row is open already
        _press(qtbot, queue.table, Qt.Key_J)
    assert core.opened_in_path(conn, clerk, path) >= need

    def bulk(dlg) -> None:
        assert dlg.path.currentData() == path  # preselected from the filter
        _when_modal(
            lambda box: next(b for b in box.buttons() if b.text().startswith("Approve")).click()
        )
        dlg.go.click()

    _when_modal(bulk)
    queue.bulk_button.click()
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM review_items r JOIN determinations d ON "
            "d.id = r.determination_id WHERE d.rule_path = ? AND r.status = "
            "'approved'",
            (path,),
        ).fetchone()[0]
        >= n
    )
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'review.bulk_approve'"
        ).fetchone()[0]
        == 1
    )

    # Submit the batch from the window (confirmed, then told how many went).
    def submit(box) -> None:
        _when_modal(lambda info: info.accept())
        next(b for b in box.buttons() if b.text().startswith("Submit")).click()

    _when_modal(submit)
    queue.submit_button.click()
    batch_id = conn.execute("SELECT MAX(id) FROM batches").fetchone()[0]
    assert batch_id is not None
    with pytest.raises(RefusedError):  # a clerk never accepts
        core.accept_batch(conn, clerk, batch_id)
    window.close()
    assert list_backups(db_path), "closing the window takes the exit backup"

    # The judge's spot-check: send one back with a note, accept the rest, accept the batch.
    judge = authenticate(conn, "judge1", PW)
    with pytest.raises(RefusedError):  # a judge never decides counts
        core.approve(conn, judge, [first])
    jw = MainWindow(conn, db_path, judge, settings)
    qtbot.addWidget(jw)
    jw.show()
    assert not jw.queue.can_decide and not jw.queue.detail.buttons
    spot = jw.spot_check
    assert spot is not None and spot.batch_id == batch_id
    assert spot.sample.rowCount() > 0
    sent_back = spot.current_count()

    def note(dlg) -> None:
        dlg.note.setPlainText("check the sentence end date")
        dlg._submit()

    _when_modal(note)
    _press(qtbot, spot.sample, Qt.Key_S)
    assert status(sent_back) == "pending"
    for row in range(spot.sample.rowCount()):
        spot.sample.selectRow(row)
        if spot.current_count() != sent_back:
            _press(qtbot, spot.sample, Qt.Key_A)
    checks = {
        str(spot.sample.item(r, 0).data(Qt.UserRole)): spot.sample.item(r, 5).text()
        for r in range(spot.sample.rowCount())
    }
    assert checks[str(sent_back)] == "sent back"
    assert all(v == "accepted" for k, v in checks.items() if k != str(sent_back))
    _when_modal(lambda dlg: dlg.accept())
    spot.accept_batch_button.click()
    assert (
        conn.execute("SELECT status FROM batches WHERE id = ?", (batch_id,)).fetchone()[0]
        == "accepted"
    )
    assert not spot.accept_batch_button.isEnabled()
    # The sent-back count is the clerk's again, with the judge's note.
    # (The sample may hold a related count, which the default cannabis list does not show.)
    jw.queue.scope_box.setCurrentIndex(jw.queue.scope_box.findData("@all"))
    jw.queue.status_box.setCurrentIndex(jw.queue.status_box.findData("sent_back"))
    assert jw.queue.model.ids() == [sent_back]
    assert "check the sentence end date" in jw.queue.detail.browser.toPlainText()

    # Orders: the judge renders and signs the accepted batch off the UI thread, then verifies
    # and prints them.
    orders = jw.orders
    assert orders.batch_box.currentData() == batch_id
    key = tmp_path / "judge.p12"
    create_demo_key("Hon. Test Judge", "Judge of the Superior Court", key, KEY_PASS)
    refusal: list[str] = []
    _when_modal(lambda dlg: (refusal.append(dlg.text()), dlg.accept()))
    orders.render_and_sign(batch_id, key, "not the passphrase", tmp_path / "orders")
    qtbot.waitUntil(lambda: not orders.busy() and bool(refusal), timeout=30_000)
    assert "wrong passphrase" in refusal[0]
    assert "passphrase" in orders.last_outcome["error"]  # refused, nothing signed
    assert not list((tmp_path / "orders").glob("*.pdf"))
    orders.render_and_sign(batch_id, key, KEY_PASS, tmp_path / "orders")
    assert orders.busy() and orders.progress_row.isVisibleTo(orders)
    qtbot.waitUntil(lambda: not orders.busy(), timeout=60_000)
    outcomes = orders.last_outcome["rendered"]
    granted = conn.execute(
        "SELECT COUNT(*) FROM batch_items WHERE batch_id = ? AND "
        "COALESCE(judge_status, '') != 'sent_back'",
        (batch_id,),
    ).fetchone()[0]
    assert sum(o.counts for o in outcomes) == granted
    assert orders.model.rowCount() == len(outcomes)
    assert all(r.status == "signed" for r in orders.model.rows)
    assert "p12" not in str(settings.allKeys()) or KEY_PASS not in str(
        [settings.value(k) for k in settings.allKeys()]
    )

    nos = [r.order_no for r in orders.model.rows]
    orders.verify(nos)
    qtbot.waitUntil(lambda: not orders.busy(), timeout=60_000)
    assert all(ok for _, ok, _ in orders.last_outcome["verified"])
    assert orders.model.data(orders.model.index(0, CHECK_COLUMN)) == "Verified"

    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    pages = orders.print_orders(nos[:2], printer)
    expected = sum(r.pages for r in orders.model.rows if r.order_no in nos[:2])
    assert pages == expected == len(pypdf.PdfReader(printed).pages)
    assert [r.status for r in orders.model.rows[:2]] == ["printed", "printed"]

    # A tampered order fails verification.
    victim = Path(orders.model.rows[-1].file_path)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    orders.verify([orders.model.rows[-1].order_no])
    qtbot.waitUntil(lambda: not orders.busy(), timeout=30_000)
    assert orders.last_outcome["verified"][0][1] is False
    assert orders.model.data(orders.model.index(len(nos) - 1, CHECK_COLUMN)) == "FAILED"

    # Every step left its audit entry, shown in the Audit view.
    jw.audit.refresh()
    actions = {r[0] for r in conn.execute("SELECT DISTINCT action FROM audit_log")}
    assert {
        "review.approve",
        "review.reject",
        "review.change",
        "review.undo",
        "review.bulk_approve",
        "batch.submit",
        "batch.sample",
        "batch.send_back",
        "batch.accept",
        "orders.sign",
        "orders.mark_printed",
        "policy_save",
    } <= actions
    assert jw.audit.model.total == conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    jw.close()
