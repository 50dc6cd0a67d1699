"""The queue model, the detail pane, the worker thread and the startup probe, on a generated
database imported and evaluated by the real importer and rules engine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from html import escape
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from desktop.evaluation.runs import evaluate_county
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.review.count_detail import load_detail
from desktop.store import open_db
from desktop.ui.detail_pane import DetailPane, detail_html
from desktop.ui.queue_model import COLUMNS, QueueFilters, QueueModel
from desktop.ui.workers import start_worker

COUNTY = "San Bernardino"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def queue_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ui")
    src = d / "doj.csv"
    generate(src, COUNTY, 4000, seed=7)
    db = open_db(d / "queue.sqlite3")
    import_file(db, src, user="test", backup=False)
    evaluate_county(db, COUNTY, "statute", date(2020, 7, 1), user="test", backup=False)
    db.conn.close()
    return d / "queue.sqlite3"


@pytest.fixture()
def conn(queue_db: Path):
    c = open_db(queue_db).conn
    yield c
    c.close()


def test_model_holds_every_review_item_and_pages_on_demand(qtbot, conn) -> None:
    total = conn.execute("SELECT COUNT(*) FROM review_items").fetchone()[0]
    model = QueueModel(conn)
    model.PAGE = 25
    assert total > 2 * model.PAGE  # paging must actually happen
    model.set_filters(QueueFilters())
    assert model.rowCount() == total
    assert len(model._pages) == 0  # nothing read until a row is asked for
    last = model.index(total - 1, 0)
    assert model.data(last)  # the last row's name, read on demand
    assert len(model._pages) == 1
    assert model.data(model.index(0, 0))
    assert len(model._pages) == 2
    ids = model.ids()
    assert len(set(ids)) == total


def test_filters_and_sort_run_in_sql(qtbot, conn) -> None:
    model = QueueModel(conn)
    model.set_filters(QueueFilters(relief="dismiss_and_seal"))
    expected = conn.execute(
        "SELECT COUNT(*) FROM review_items r JOIN determinations d ON d.id = r.determination_id "
        "WHERE d.relief = 'dismiss_and_seal'"
    ).fetchone()[0]
    assert 0 < model.rowCount() == expected
    relief_col = [c.key for c in COLUMNS].index("relief")
    assert all(
        model.data(model.index(r, relief_col)).startswith("Dismiss & seal")
        for r in range(min(50, model.rowCount()))
    )

    name_col = [c.key for c in COLUMNS].index("name")
    model.sort(name_col, Qt.DescendingOrder)
    names = [model.data(model.index(r, name_col)) for r in range(model.rowCount())]
    assert names == sorted(names, reverse=True)


def test_search_by_case_number_and_cii(qtbot, conn) -> None:
    case_number, cii, count_id = conn.execute(
        "SELECT cs.case_number, s.cii, r.count_id FROM review_items r JOIN counts c ON c.id = "
        "r.count_id JOIN cases cs ON cs.id = c.case_id JOIN subjects s ON s.id = c.subject_id "
        "WHERE cs.case_number IS NOT NULL LIMIT 1"
    ).fetchone()
    model = QueueModel(conn)
    model.set_filters(QueueFilters(search=case_number))
    assert count_id in model.ids()
    model.set_filters(QueueFilters(search=cii))
    assert count_id in model.ids()
    model.set_filters(QueueFilters(search="NO SUCH PERSON ZZZ"))
    assert model.rowCount() == 0


def test_detail_pane_shows_explanation_and_whole_record(qtbot, conn) -> None:
    count_id, subject_id = conn.execute(
        "SELECT c.id, c.subject_id FROM review_items r JOIN counts c ON c.id = r.count_id LIMIT 1"
    ).fetchone()
    detail = load_detail(conn, count_id)
    assert detail is not None
    n_counts = conn.execute(
        "SELECT COUNT(*) FROM counts WHERE subject_id = ?", (subject_id,)
    ).fetchone()[0]
    assert len(detail.record) == n_counts
    assert sum(1 for r in detail.record if r.is_current) == 1
    html = detail_html(detail)
    for step in detail.explanation["steps"]:
        assert escape(step["text"]) in html
        if step.get("statute"):
            assert step["statute"] in html
    assert f"Whole record ({n_counts} counts)" in html
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.set_actions([("approve", "&Approve (A)", "approve")])
    pane.show_detail(detail)
    assert pane.buttons["approve"].isEnabled()
    assert detail.subject["name"] in pane.browser.toPlainText()


def test_worker_cancel_raises_cancelled_inside_the_job(qtbot) -> None:
    from desktop.progress import Cancelled

    seen: dict[str, object] = {}

    def job(progress) -> int:
        try:
            for i in range(10_000):
                progress(i, 10_000, "working")
                time.sleep(0.001)
        except Cancelled:
            seen["cancelled_at"] = i
            raise
        return 1

    thread, worker = start_worker(None, job)
    with qtbot.waitSignal(worker.progress, timeout=5000):
        pass
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.cancel()
    thread.wait(5000)
    assert 0 <= int(seen["cancelled_at"]) < 10_000


def test_startup_probe_prints_milliseconds_and_exits_zero(queue_db: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(queue_db), "gui", "--startup-probe"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("startup_ms")][0]
    ms = float(line.split()[1])
    assert 0 < ms < 60_000
    assert "clock=process-start" in line or "clock=cli-import" in line


def test_recent_orders_reused_until_a_new_evaluation(qtbot, queue_db: Path) -> None:
    db = open_db(queue_db)
    conn = db.conn
    queries: list[str] = []
    conn.set_trace_callback(
        lambda sql: queries.append(sql) if sql.startswith("SELECT count_id FROM (") else None
    )
    model = QueueModel(conn)
    model.set_filters(QueueFilters(relief="redesignate_misdemeanor"))
    first = model.ids()
    model.set_filters(QueueFilters(status="pending"))  # status lists are never kept
    model.set_filters(QueueFilters(relief="redesignate_misdemeanor"))
    assert model.ids() == first
    assert len(queries) == 2  # the relief list came from the cache
    model.set_filters(QueueFilters(status="pending"))
    assert len(queries) == 3
    evaluate_county(db, COUNTY, "statute", date(2020, 7, 1), user="test", backup=False)
    model.set_filters(QueueFilters(relief="redesignate_misdemeanor"))
    assert len(queries) == 4  # a new run: queried again
    assert sorted(model.ids()) == sorted(first)
    conn.close()
