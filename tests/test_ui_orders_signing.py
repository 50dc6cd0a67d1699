"""The Orders view's path for judges who sign in ink or in the court's own system, and the court
settings dialog an administrator fills once: real widgets on a real demo database."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.orders.court_settings import court_details, signer_settings
from desktop.orders.register import verify_order
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui import core
from desktop.ui.court_settings_dialog import CourtSettingsDialog
from desktop.ui.orders_view import OrdersView, RecordSignatureDialog, status_text


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    d = tmp_path_factory.mktemp("orders-ink")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=2500)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id "
            "WHERE d.relief IN ('dismiss_and_seal', 'redesignate_misdemeanor') ORDER BY r.count_id "
            "LIMIT 6"
        )
    ]
    core.approve(conn, clerk, ids)
    batch = core.submit_batch(conn, clerk)
    for item in core.sample(conn, judge, batch):
        core.mark_opened(conn, judge, item.count_id)
    core.accept_batch(conn, judge, batch)
    conn.close()
    return db_path, batch


@pytest.fixture
def warnings_shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes the view shows, captured instead of blocking the test."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    return shown


def test_a_clerk_prints_for_ink_and_records_the_judges_signature(
    qtbot, accepted, tmp_path: Path, warnings_shown: list[str]
) -> None:
    db_path, batch = accepted
    conn = open_db(db_path).conn
    user = authenticate(conn, "clerk", DEMO_PASSWORD)
    view = OrdersView(conn, db_path, user, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(view)
    view.show()
    assert view.unsigned_button.isEnabled() and not view.render_button.isVisibleTo(view)
    view.print_unsigned(batch, "judge", tmp_path / "ink")
    qtbot.waitUntil(lambda: not view.busy(), timeout=120_000)
    assert "rendered" in view.last_outcome, view.last_outcome
    rows = view.model.rows
    assert rows and all(status_text(r) == "Printed for signature" for r in rows)
    view.table.selectRow(0)
    assert view.record_button.isEnabled()
    dialog = RecordSignatureDialog(rows[0].order_no, ["judge"], view)
    dialog.when_edit.setDateTime(dialog.when_edit.dateTime().addSecs(-3600))
    dialog.how_box.setCurrentIndex(0)
    assert dialog.method() == "ink" and dialog.scan() is None
    signed_at = dialog.signed_at()
    assert signed_at.tzinfo is not None and signed_at < datetime.now().astimezone() - timedelta(
        minutes=50
    )
    assert view.record_signature(rows[0].order_no, dialog.judge(), signed_at, dialog.method(), None)
    row = next(r for r in view.model.rows if r.order_no == rows[0].order_no)
    assert status_text(row) == "Signed (ink)"
    assert verify_order(conn, row.order_no).ok
    # Recording twice is refused with a message, not a traceback.
    assert not view.record_signature(rows[0].order_no, "judge", signed_at, "ink", None)
    assert "already signed" in view.message.text() and "already signed" in warnings_shown[0]
    conn.close()


def test_the_administrator_sets_the_court_details_once(
    qtbot, accepted, warnings_shown: list[str]
) -> None:
    db_path, _ = accepted
    conn = open_db(db_path).conn
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    dialog = CourtSettingsDialog(conn, admin)
    qtbot.addWidget(dialog)
    dialog.fields["department"].setText("Department S-12")
    dialog.fields["address"].setPlainText("8303 Haven Avenue\nRancho Cucamonga, CA 91730")
    dialog.fields["relief.dismiss_and_seal"].setText("Dismissed and sealed")
    dialog.judge_box.setCurrentText("judge")
    dialog.judge_title.setText("Commissioner")
    dialog.judge_name.setText("Hon. Demo Judge")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    details = court_details(conn)
    assert details.department == "Department S-12"
    assert details.address_lines == ["8303 Haven Avenue", "Rancho Cucamonga, CA 91730"]
    assert details.relief_words == {"dismiss_and_seal": "Dismissed and sealed"}
    assert signer_settings(conn, "judge").title == "Commissioner"
    again = CourtSettingsDialog(conn, admin)
    qtbot.addWidget(again)
    again.fields["name_style"].setCurrentText("title")
    again.save()  # only the changed value is written
    assert (
        conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'settings.court'").fetchone()[0]
        == 4
    )
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    refused = CourtSettingsDialog(conn, clerk)
    qtbot.addWidget(refused)
    refused.fields["department"].setText("Dept. 1")
    refused.save()
    assert warnings_shown and "admin" in warnings_shown[-1]
    assert court_details(conn).department == "Department S-12"
    conn.close()


def test_the_judge_sends_back_an_order_that_could_not_be_produced(
    qtbot, accepted, tmp_path: Path, warnings_shown: list[str]
) -> None:
    from desktop.keys import create_demo_key

    db_path, batch = accepted
    conn = open_db(db_path).conn
    key = tmp_path / "judge.p12"
    create_demo_key("Hon. Orders View", "Judge of the Superior Court", key, "view key pass")
    case_id = conn.execute(
        "SELECT case_id FROM orders WHERE batch_id = ? AND status = 'prepared' ORDER BY id DESC",
        (batch,),
    ).fetchone()[0]
    with conn:
        conn.execute(
            "UPDATE subjects SET name = 'حسن,ليلى' WHERE id = (SELECT subject_id FROM cases "
            "WHERE id = ?)",
            (case_id,),
        )
    view = OrdersView(
        conn,
        db_path,
        authenticate(conn, "judge", DEMO_PASSWORD),
        QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat),
    )
    qtbot.addWidget(view)
    view.show()
    view.render_and_sign(batch, key, "view key pass", tmp_path / "signed")
    qtbot.waitUntil(lambda: not view.busy(), timeout=120_000)
    assert "NOT PRODUCED (1)" in view.message.text() and "ARABIC LETTER" in view.message.text()
    failed = [r for r in view.model.rows if status_text(r) == "NOT PRODUCED"]
    assert len(failed) == 1 and failed[0].case_id == case_id
    view.table.selectRow(view.model.rows.index(failed[0]))
    assert view.send_back_button.isEnabled()
    assert view.send_back(failed[0].order_no, "write the name as the court's record has it")
    row = next(r for r in view.model.rows if r.order_no == failed[0].order_no)
    assert status_text(row) == "Withdrawn (sent back)" and row.counts == 0
    assert not view.send_back(failed[0].order_no, "again") and warnings_shown
    conn.close()
