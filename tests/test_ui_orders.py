"""The Orders view on the demo database: rendering an accepted batch off the UI thread can be
cancelled and then finished by rendering again; only a judge is offered signing; the DOJ and
court update files are written from the view."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui import core
from desktop.ui.orders_view import OrdersView

KEY_PASS = "orders view key"


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, Path]:
    """A demo database with one accepted batch of at least 20 granted counts, and a judge key."""
    d = tmp_path_factory.mktemp("orders-ui")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=4000)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    for path, _ in core.rule_paths(conn)[:2]:
        for (cid,) in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d"
            " ON d.id = r.determination_id WHERE d.rule_path = ? LIMIT 3",
            (path,),
        ):
            core.mark_opened(conn, clerk, cid)
        core.bulk_approve(conn, clerk, path)
    batch = core.submit_batch(conn, clerk)
    for item in core.sample(conn, judge, batch):
        core.mark_opened(conn, judge, item.count_id)
    core.accept_batch(conn, judge, batch)
    key = d / "judge.p12"
    create_demo_key("Hon. Orders View", "Judge of the Superior Court", key, KEY_PASS)
    conn.close()
    return db_path, batch, key


def _view(qtbot, db_path: Path, user_name: str, tmp_path: Path) -> tuple[OrdersView, object]:
    conn = open_db(db_path).conn
    user = authenticate(conn, user_name, DEMO_PASSWORD)
    view = OrdersView(conn, db_path, user, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(view)
    view.show()
    return view, conn


@pytest.mark.slow  # a batch rendered twice in the window
def test_render_cancelled_then_finished(qtbot, accepted, tmp_path: Path) -> None:
    db_path, batch, key = accepted
    view, conn = _view(qtbot, db_path, "judge", tmp_path)
    assert view.render_button.isVisibleTo(view) and view.render_button.isEnabled()
    assert view.batch_box.currentData() == batch
    out = tmp_path / "orders"

    def cancel_once_signing(done: int, total: int, label: str) -> None:
        if label == "Signing orders" and view.busy() and view.cancel_button.isEnabled():
            view.cancel()

    view.render_and_sign(batch, key, KEY_PASS, out)
    view.worker.progress.connect(cancel_once_signing)
    qtbot.waitUntil(lambda: not view.busy(), timeout=60_000)
    assert view.last_outcome == {"cancelled": True}
    assert "Cancelled" in view.message.text()
    rows = view.model.rows
    assert rows, "the orders were prepared (numbered) before Cancel"
    assert any(r.status == "prepared" for r in rows)  # not all were signed

    view.render_and_sign(batch, key, KEY_PASS, out)  # finishing run
    qtbot.waitUntil(lambda: not view.busy(), timeout=120_000)
    assert "rendered" in view.last_outcome, view.last_outcome
    assert [r.order_no for r in view.model.rows] == [r.order_no for r in rows]  # same numbers
    assert all(r.status == "signed" for r in view.model.rows)
    granted = conn.execute(
        "SELECT COUNT(*) FROM batch_items WHERE batch_id = ? AND "
        "COALESCE(judge_status, '') != 'sent_back'",
        (batch,),
    ).fetchone()[0]
    assert sum(r.counts for r in view.model.rows) == granted
    assert len(list(out.glob("*.pdf"))) == len(rows)
    assert not list(out.glob(".*.tmp"))  # no half-written files left

    written = view.export(batch, tmp_path / "exports")
    assert [p.name for p in written] == [
        f"batch-{batch}-doj-update.csv",
        f"batch-{batch}-court-update.csv",
    ]
    with open(written[0], newline="", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == granted
    conn.close()


def test_a_clerk_is_not_offered_signing(qtbot, accepted, tmp_path: Path) -> None:
    db_path, batch, _ = accepted
    view, conn = _view(qtbot, db_path, "clerk", tmp_path)
    assert not view.render_button.isVisibleTo(view)
    view.render_dialog()  # a no-op for a clerk
    assert not view.busy()
    conn.close()
