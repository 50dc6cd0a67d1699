"""First start from the window (issue 16): building the demonstration database shows its
progress (the window never sits frozen) and the demo made from the window has the clerk and
judge accounts and says how to sign in as each, also when the administrator was created first."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from desktop.demo import DEMO_PASSWORD, is_demo
from desktop.review.county import court_county
from desktop.review.users import authenticate, create_user
from desktop.store import open_db
from desktop.ui import app as ui_app


def _answer_boxes(seen: list, progress: list) -> None:
    """Yes to the question, OK to the sign-in information; note every progress dialog."""

    def poke() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QProgressDialog) and w.isVisible():
                progress.append((w.labelText(), w.value(), w.maximum()))
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            yes = box.button(QMessageBox.Yes)
            (yes or box.button(QMessageBox.Ok) or box.buttons()[0]).click()
            if len(seen) >= 2:
                return
        QTimer.singleShot(20, poke)

    QTimer.singleShot(0, poke)


def test_demo_from_an_empty_database_with_progress_and_accounts(
    tmp_path: Path, qtbot, monkeypatch
) -> None:
    monkeypatch.setattr("desktop.demo.DEMO_ROWS", 2000)
    monkeypatch.setattr(ui_app, "build_demo_with_progress", _small(ui_app.build_demo_with_progress))
    db_path = tmp_path / "new.sqlite3"
    conn = open_db(db_path).conn
    seen: list = []
    progress: list = []
    _answer_boxes(seen, progress)
    result = ui_app.offer_demo(db_path, conn)
    assert result is not None
    assert progress and any("%" in label for label, *_ in progress), progress
    assert "clerk" in seen[1] and "judge" in seen[1] and DEMO_PASSWORD in seen[1]
    conn = open_db(db_path).conn
    assert authenticate(conn, "clerk", DEMO_PASSWORD).role == "clerk"
    assert authenticate(conn, "judge", DEMO_PASSWORD).role == "judge"
    assert is_demo(conn) and court_county(conn) == "San Bernardino"
    conn.close()


def test_demo_after_the_administrator_adds_clerk_and_judge(
    tmp_path: Path, qtbot, monkeypatch
) -> None:
    monkeypatch.setattr(ui_app, "build_demo_with_progress", _small(ui_app.build_demo_with_progress))
    db_path = tmp_path / "admin-first.sqlite3"
    conn = open_db(db_path).conn
    admin = create_user(conn, "ada", "admin", "a long admin password", None)
    seen: list = []
    _answer_boxes(seen, [])
    result = ui_app.offer_demo(db_path, conn, creator=admin)
    assert result is not None
    assert {r for _, r in result.users} == {"clerk", "judge", "records_officer"}
    assert "clerk" in seen[1] and "judge" in seen[1]
    conn = open_db(db_path).conn
    assert authenticate(conn, "judge", DEMO_PASSWORD).role == "judge"
    assert authenticate(conn, "ada", "a long admin password").role == "admin"
    conn.close()


def _small(fn):
    """The same function building a smaller demo (the test's time, not the clerk's)."""
    from desktop import demo

    def wrapped(db_path, parent=None, creator=None):
        original = demo.build_demo

        def smaller(path, **kw):
            kw.setdefault("rows", 2000)
            return original(path, **kw)

        demo.build_demo = smaller
        try:
            return fn(db_path, parent, creator)
        finally:
            demo.build_demo = original

    return wrapped
