"""The judge's signing in the window (issue 16): the orders about to be signed can be paged
through as drafts in ReliefDesk's own PDF viewer (QtPdf) before signing, without numbering or
signing anything; the signing certificate is chosen in the window (a smart card, a PKCS#12 file
from the court, or a self-signed demonstration key only in a demo database); "Open" falls back to the
program's viewer when the computer has none; the summary report is one click away."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui import core
from desktop.ui.orders_view import OrdersView
from desktop.ui.pdf_viewer import PdfViewer
from desktop.ui.signing_dialog import SigningDialog


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    d = tmp_path_factory.mktemp("signing")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=2500)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    path, _ = core.rule_paths(conn)[0]
    for (cid,) in conn.execute(
        "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = "
        "r.determination_id WHERE d.rule_path = ? LIMIT 3",
        (path,),
    ):
        core.mark_opened(conn, clerk, cid)
    core.bulk_approve(conn, clerk, path)
    batch = core.submit_batch(conn, clerk)
    for item in core.sample(conn, judge, batch):
        core.mark_opened(conn, judge, item.count_id)
    core.accept_batch(conn, judge, batch)
    conn.close()
    return db_path, batch


@pytest.fixture()
def view(accepted, tmp_path: Path, qtbot):
    src, batch = accepted
    db_path = tmp_path / "demo.sqlite3"
    shutil.copy(src, db_path)
    conn = open_db(db_path).conn
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    v = OrdersView(conn, db_path, judge, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(v)
    v.resize(1366, 700)
    v.show()
    yield v, conn, batch, db_path
    conn.close()


def _when_modal(fn, kind=None) -> None:
    def poke() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None or (kind is not None and not isinstance(dlg, kind)):
            QTimer.singleShot(20, poke)
            return
        fn(dlg)

    QTimer.singleShot(0, poke)


def test_preview_pages_through_the_drafts_and_signs_nothing(view, qtbot) -> None:
    v, conn, batch, _ = view
    assert v.batch_box.currentData() == batch and v.preview_button.isEnabled()
    planned = len(v._plan(batch))
    seen: dict = {}

    def look(viewer: PdfViewer) -> None:
        seen["docs"] = viewer.list.count()
        seen["labels"] = [viewer.list.item(i).text() for i in range(viewer.list.count())]
        seen["pages"] = viewer.pages()
        viewer.go(1)  # next page, or the next draft after the last page
        seen["moved"] = (viewer.list.currentRow(), viewer.current_page()) != (0, 0)
        seen["label"] = viewer.page_label.text()
        viewer.reject()  # Close: nothing signed

    _when_modal(look, PdfViewer)
    shown = v.preview_dialog()
    assert shown == seen["docs"] == planned > 0  # every order to be signed, listed
    assert seen["pages"] >= 1 and seen["moved"] and "page" in seen["label"]
    assert seen["labels"][0].startswith("1. ")
    assert f"Draft 1 of {planned}" in seen["label"] or f"Draft 2 of {planned}" in seen["label"]
    assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0  # nothing numbered
    assert (
        conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'orders.sign'").fetchone()[0]
        == 0
    )


def test_demo_key_made_in_the_window_then_orders_signed(view, qtbot, tmp_path: Path) -> None:
    v, conn, batch, db_path = view

    def choose(dlg: SigningDialog) -> None:
        assert dlg.demo_choice.isVisibleTo(dlg)  # a demo database
        assert dlg.card_choice.isEnabled()  # a smart card through its PKCS#11 module
        assert "Windows certificate store itself is not used" in dlg.store_note.text()
        assert dlg.file_choice.isChecked()  # no smart-card module set: a file by default
        dlg._submit()  # no file chosen: refused in the dialog
        assert dlg.isVisible() and "certificate file" in dlg.error.text()
        dlg.demo_choice.setChecked(True)
        dlg.passphrase.setText("demo key passphrase")
        dlg.out.setText(str(tmp_path / "orders"))
        dlg._submit()

    _when_modal(choose, SigningDialog)
    v.render_dialog()
    qtbot.waitUntil(lambda: not v.busy(), timeout=120_000)
    assert "rendered" in v.last_outcome, v.last_outcome
    keys = list((db_path.parent / "demo-keys").glob("*.p12"))
    assert len(keys) == 1 and "DEMO" in keys[0].name
    assert all(r.status == "signed" for r in v.model.rows) and v.model.rows


def test_no_demo_key_outside_a_demo_database(view, qtbot, tmp_path: Path) -> None:
    v, conn, batch, _ = view
    with conn:
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('demo_database', '0')")
    seen: list = []

    def look(dlg: SigningDialog) -> None:
        seen.append(dlg.demo_choice.isVisibleTo(dlg))
        dlg.reject()

    _when_modal(look, SigningDialog)
    v.render_dialog()
    assert seen == [False]
    with pytest.raises(Exception, match="demonstration database"):
        v.make_demo_key("Hon. Someone", "a passphrase here")
    # A court's PKCS#12 file is accepted.
    key = tmp_path / "court.p12"
    create_demo_key("Hon. File Judge", "Judge of the Superior Court", key, "file key pass")

    def with_file(dlg: SigningDialog) -> None:
        dlg.key_path.setText(str(key))
        dlg.passphrase.setText("file key pass")
        dlg.out.setText(str(tmp_path / "signed"))
        dlg._submit()

    _when_modal(with_file, SigningDialog)
    v.render_dialog()
    qtbot.waitUntil(lambda: not v.busy(), timeout=120_000)
    assert "rendered" in v.last_outcome, v.last_outcome
    assert list((tmp_path / "signed").glob("*.pdf"))


def test_open_falls_back_to_the_programs_viewer_and_summary_report(
    view, qtbot, tmp_path: Path, monkeypatch
) -> None:
    v, conn, batch, _ = view
    key = tmp_path / "k.p12"
    create_demo_key("Hon. Open Test", "Judge of the Superior Court", key, "open key pass")
    v.render_and_sign(batch, key, "open key pass", tmp_path / "out")
    qtbot.waitUntil(lambda: not v.busy(), timeout=120_000)
    v.table.selectRow(0)
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: False))
    v.open_selected()
    viewer = v.last_viewer
    assert viewer.isVisible() and viewer.pages() >= 1
    assert v.model.rows[0].order_no in viewer.windowTitle()
    viewer.close()
    out = v.summary_report()
    assert out is not None and out.read_bytes().startswith(b"%PDF")
    assert v.last_viewer.isVisible() and v.last_viewer.pages() >= 1
    assert v.summary_button.isVisible()
    v.last_viewer.close()
