"""The Audit view lists entries newest first, filters them, checks the chain and exports."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QDate

from desktop.audit.export import read_export
from desktop.audit.log import append
from desktop.store import open_db
from desktop.store.tx import transaction
from desktop.ui.audit_view import AuditModel, AuditView


@pytest.fixture()
def conn(tmp_path: Path) -> sqlite3.Connection:
    db = open_db(tmp_path / "v.sqlite3")
    with transaction(db.conn):
        for i in range(1, 1201):  # more than two pages of the model
            action = ("review.approve", "review.reject", "batch.accept")[i % 3]
            user = ("clerk1", "clerk1", "judge1")[i % 3]
            append(db.conn, user, action, [i], {"n": i, "case": f"CASE{i:05d}"})
    return db.conn


def test_lists_newest_first_and_pages(qtbot, conn: sqlite3.Connection) -> None:
    view = AuditView(conn)
    qtbot.addWidget(view)
    m = view.model
    assert m.total == 1200 and m.rowCount() == AuditModel.PAGE
    assert m.data(m.index(0, 0)) == "1200"
    while m.canFetchMore():
        m.fetchMore()
    assert m.rowCount() == 1200 and m.data(m.index(1199, 0)) == "1"
    assert "1,200 entries" in view.count_label.text()


def test_filters(qtbot, conn: sqlite3.Connection) -> None:
    view = AuditView(conn)
    qtbot.addWidget(view)
    view.choose_action("batch.accept")
    assert view.action_box.currentText() == "Batch accepted"  # the list shows words
    assert view.model.total == 400
    assert all(
        view.model.data(view.model.index(r, 3)).startswith("Accepted batch ")
        for r in range(view.model.rowCount())
    )
    view.action_box.setCurrentIndex(0)
    view.user_box.setCurrentIndex(view.user_box.findData("clerk1"))
    assert view.model.total == 800
    view.search.setText("CASE00042")
    view.apply_filter()
    assert view.model.total == 1 and view.model.data(view.model.index(0, 0)) == "42"
    view.search.clear()
    view.user_box.setCurrentIndex(0)
    view.since_edit.setDate(QDate(2001, 1, 1))
    view.until_edit.setDate(QDate(2001, 12, 31))
    assert view.model.total == 0
    view.since_edit.setDate(QDate(2000, 1, 1))  # "any date" again
    view.until_edit.setDate(QDate(2000, 1, 1))
    assert view.model.total == 1200


def test_selecting_shows_whole_entry(qtbot, conn: sqlite3.Connection) -> None:
    view = AuditView(conn)
    qtbot.addWidget(view)
    view.table.selectRow(0)
    text = view.detail.toPlainText()
    assert text.startswith("Entry 1200,") and "clerk1 approved count record 1200" in text
    assert '"prev_hash"' not in text  # the raw entry only on demand
    view.raw_check.setChecked(True)
    text = view.detail.toPlainText()
    assert '"seq": 1200' in text and '"prev_hash"' in text and "CASE01200" in text


def test_verify_and_tamper(qtbot, conn: sqlite3.Connection) -> None:
    view = AuditView(conn)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.verified) as sig:
        assert view.verify_chain()
    assert sig.args[0] is True and "intact" in view.status_label.text()
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET user = 'mallory' WHERE seq = 77")
    assert not view.verify_chain()
    assert "BROKEN at entry 77" in view.status_label.text()


def test_export(qtbot, conn: sqlite3.Connection, tmp_path: Path) -> None:
    view = AuditView(conn)
    qtbot.addWidget(view)
    view.choose_action("batch.accept")  # the export is always the whole log
    msg = view.export_to(str(tmp_path / "log.csv"))
    assert "1,200 entries" in msg
    assert len(read_export(tmp_path / "log.csv")) == 1200
