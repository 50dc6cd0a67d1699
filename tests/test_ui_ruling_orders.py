"""The window for orders made from rulings (issue 19 §3-4): the Orders view lists them under
"Orders from rulings", a judge makes and signs a matter's orders off the UI thread, a clerk makes a
certified copy of a selected order (refused, with the reason, for anyone not entitled to a sealed
conviction's order), and the count detail opens the person's report. At 1366×768.

Matters, hearings and rulings are TEST SET-UP rows (tests/dispo_setup.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from dispo_setup import (
    DEMO_PASSWORD,
    KEY_PASS,
    DispoWorld,
    build_dispo_world,
    setup_hearing,
    setup_matter,
    setup_ruling,
)
from pypdf import PdfReader
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from desktop.review.count_detail import load_detail_for
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui.detail_pane import DetailPane
from desktop.ui.orders_view import RULINGS, OrdersView
from desktop.ui.person_report_dialog import open_person_report


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[DispoWorld, int]:
    w = build_dispo_world(tmp_path_factory.mktemp("ui-rulings"), rows=1500)
    conn = open_db(w.db).conn
    sid, ids = w.people[0]
    m = setup_matter(conn, sid, ids[:2], kind="petition")
    h = setup_hearing(conn, m, "2026-11-05", department="4")
    setup_ruling(
        conn,
        ids[0],
        m,
        "denied",
        hearing_id=h,
        finding="criteria_not_met",
        finding_text="the quantity was over the limit",
    )
    setup_ruling(conn, ids[1], m, "granted", hearing_id=h, relief="redesignate_misdemeanor")
    conn.close()
    return w, m


def _view(qtbot, w: DispoWorld, name: str, tmp_path: Path) -> OrdersView:
    conn = open_db(w.db).conn
    user = authenticate(conn, name, DEMO_PASSWORD)
    view = OrdersView(conn, w.db, user, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    return view


def test_judge_signs_a_matters_orders_and_a_clerk_certifies_one(
    qtbot, world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, m = world
    view = _view(qtbot, w, "judge", tmp_path)
    assert view.rulings_button.isVisibleTo(view) and view.rulings_button.isEnabled()
    assert view.minimumSizeHint().width() <= 1366
    view.render_rulings(w.key, KEY_PASS, tmp_path / "orders", matter_id=m)
    qtbot.waitUntil(lambda: not view.busy(), timeout=60_000)
    [made] = view.last_outcome["rendered"]
    assert made.kind == "after_hearing" and made.produced
    assert view.batch_box.currentData() == RULINGS
    assert [(r.order_no, view.model.data(view.model.index(0, 1))) for r in view.model.rows] == [
        (made.order_no, "After hearing")
    ]
    assert view.model.data(view.model.index(0, 10)) == "—"  # no batch
    assert not view.certify_button.isEnabled()  # a judge does not certify copies

    clerk = _view(qtbot, w, "clerk", tmp_path)
    clerk.batch_box.setCurrentIndex(clerk.batch_box.findData(RULINGS))
    clerk.table.selectRow(0)
    assert clerk.certify_button.isEnabled() and not clerk.rulings_button.isVisibleTo(clerk)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    out = tmp_path / "copy.pdf"
    assert clerk.certify(made.order_no, "public", "Acme Screening", out) is None
    assert shown and "sealed conviction" in shown[0] and not out.exists()
    printed = clerk.model.rows[0].names
    copy = clerk.certify(made.order_no, "counsel", "Dana Whitfield", out)
    assert copy is not None and out.exists()
    text = " ".join(p.extract_text() or "" for p in PdfReader(str(out)).pages)
    assert "certified true and correct copy" in " ".join(text.split())
    assert printed == "(sealed)"  # the clerk's list does not name the person of a sealed order


def test_a_denial_order_seals_nothing_so_its_person_is_named(qtbot, world, tmp_path: Path) -> None:
    w, _m = world
    conn = open_db(w.db).conn
    sid, ids = w.people[1]
    m = setup_matter(conn, sid, ids[:1], kind="application", filer_kind="person")
    setup_ruling(conn, ids[0], m, "denied", finding="criteria_not_met")
    conn.close()
    judge = _view(qtbot, w, "judge", tmp_path)
    judge.render_rulings(w.key, KEY_PASS, tmp_path / "orders", matter_id=m)
    qtbot.waitUntil(lambda: not judge.busy(), timeout=60_000)
    [made] = judge.last_outcome["rendered"]
    assert made.kind == "denial"
    clerk = _view(qtbot, w, "clerk", tmp_path)
    clerk.batch_box.setCurrentIndex(clerk.batch_box.findData(RULINGS))
    row = next(r for r in clerk.model.rows if r.order_no == made.order_no)
    assert row.names not in ("", "(sealed)")


def test_count_detail_opens_the_persons_report(qtbot, world) -> None:
    w, _m = world
    conn = open_db(w.db).conn
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    sid, ids = w.people[0]
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_detail(load_detail_for(conn, judge, ids[0]))
    with qtbot.waitSignal(pane.person_report) as sig:
        pane.report_button.click()
    assert sig.args == [sid]
    dialog = open_person_report(conn, judge, sid)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    assert "denied by the court" in text and "not reported" in text
    assert "granted by the court" in text
