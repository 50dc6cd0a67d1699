"""The Orders register on a 1366×768 court screen (issue 16): its columns fit the list's width at
100 % and 125 % scaling the way the queue's do (no sideways scrolling for "Printed", "Signer" and
"Batch"; short headings, whole on hover; long texts elided, whole on hover; the batch, count and
kind hidden only as a last resort). And every stored UTC time a user reads is on the court's
clock with its zone: a UTC evening is the same day's Pacific afternoon in the Orders register, the
spot-check's batch list, the detail pane and the CLI's `orders list`, while --json keeps UTC.

Each scaling runs in its own process (QT_SCALE_FACTOR is read at start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt

from desktop import clock
from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.orders.actions import record_signature
from desktop.orders.batch import render_batch
from desktop.orders.register import list_orders, mark_printed
from desktop.review.count_detail import load_detail_for
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui import core
from desktop.ui.detail_pane import detail_html
from desktop.ui.orders_view import COLUMNS, HEADERS, OrdersView
from desktop.ui.spotcheck_view import SpotCheckView
from tests.helpers.cli import run_cli

ROOT = Path(__file__).resolve().parent.parent
# 03:30 UTC on 20 November is 19:30 PST on the 19th: the court's day, not UTC's.
EVENING_UTC = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)
COURT_TEXT = "2026-11-19 19:30 PST"
UTC_DAY = "2026-11-20"

PROBE = r"""
import json, sys
from pathlib import Path
import desktop.ui
from PySide6.QtCore import QSettings, Qt
from desktop.ui.app import application
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui.main_window import MainWindow
from desktop.ui.orders_view import COLUMNS

db, folder = Path(sys.argv[1]), Path(sys.argv[2])
app = application()
conn = open_db(db).conn
user = authenticate(conn, "judge", "demo-only")
w = MainWindow(conn, db, user, QSettings(str(folder / "judge.ini"), QSettings.IniFormat))
w.show_fitted()
v = w.orders
w.tabs.setCurrentWidget(v)
v.batch_box.setCurrentIndex(v.batch_box.findData(None))  # all batches: the Batch column counts
for _ in range(10):
    app.processEvents()
t = v.table
m = t.model()
widths = {c.key: t.columnWidth(i) for i, c in enumerate(COLUMNS) if not t.isColumnHidden(i)}
name_col = [c.key for c in COLUMNS].index("names")
longest = max(range(m.rowCount()), key=lambda r: len(m.data(m.index(r, name_col)) or ""))
print(json.dumps({
    "rows": m.rowCount(),
    "visible": v.visible_columns(),
    "widths": widths,
    "viewport": t.viewport().width(),
    "hscroll": t.horizontalScrollBar().maximum(),
    "window": [w.frameGeometry().width(), w.frameGeometry().height()],
    "signed": [m.data(m.index(r, 7)) for r in range(m.rowCount())],
    "name": m.data(m.index(longest, name_col)),
    "name_tip": m.data(m.index(longest, name_col), Qt.ItemDataRole.ToolTipRole),
    "order_tip": m.data(m.index(0, 0), Qt.ItemDataRole.ToolTipRole),
    "order_no": m.data(m.index(0, 0)),
    "times_whole": all(
        t.fontMetrics().horizontalAdvance(m.data(m.index(r, c)) or "") + 8 <= t.columnWidth(c)
        for r in range(m.rowCount())
        for c in (7, 8)
    ),
}))
"""


@pytest.fixture(scope="module")
def signed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database whose batch was submitted, accepted, printed for signature, signed in ink
    and printed on a UTC evening (all through the core, on the program's clock)."""
    d = tmp_path_factory.mktemp("orders-cols")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=1500)
    conn = open_db(db_path).conn
    clock.set_now(lambda: EVENING_UTC)
    try:
        clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
        judge = authenticate(conn, "judge", DEMO_PASSWORD)
        path, _ = core.rule_paths(conn)[0]
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
        render_batch(
            conn, batch, d / "orders", None, "", user="judge", unsigned=True, judge_user="judge"
        )
        rows = [r for r in list_orders(conn, batch) if r.unsigned_path and not r.problem]
        assert len(rows) >= 2
        for r in rows[:2]:
            record_signature(
                conn, judge, r.order_no, judge="judge", signed_at=EVENING_UTC, method="ink"
            )
        mark_printed(conn, rows[0].order_no, "clerk")
    finally:
        clock.set_now(None)
        conn.close()
    return db_path


def _probe(db: Path, tmp_path: Path, scale: str) -> dict:
    screen = tmp_path / "screen.json"
    screen.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "court",
                        "x": 0,
                        "y": 0,
                        "width": 1366,
                        "height": 768,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        QT_SCALE_FACTOR=scale,
        QT_QPA_PLATFORM=f"offscreen:configfile={screen}",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(db), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("scale", ["1", "1.25"])
def test_orders_columns_fit_without_scrolling(signed_db: Path, tmp_path: Path, scale: str) -> None:
    out = _probe(signed_db, tmp_path, scale)
    print(json.dumps({k: out[k] for k in ("visible", "widths", "viewport", "window")}))
    assert out["rows"] >= 2
    assert out["hscroll"] == 0, f"the register scrolls sideways at {scale}: {out}"
    assert sum(out["widths"].values()) <= out["viewport"] + 1, out
    needed = ["order_no", "cases", "names", "status", "signed_at", "printed_at", "signer"]
    assert [k for k in needed if k not in out["visible"]] == [], out
    if scale == "1":  # room for every column on a 1366-pixel screen at 100 %
        assert out["visible"] == [c.key for c in COLUMNS], out
    # Elided texts are whole on hover; the order number's tooltip tells what may be hidden.
    assert out["name_tip"].replace("\n", ", ").startswith(out["name"].rstrip("…").rstrip(", "))
    assert out["order_tip"].startswith(out["order_no"]) and "count(s)" in out["order_tip"]
    assert COURT_TEXT in out["signed"]
    assert out["times_whole"], "a time is shown whole, with its zone"


def test_headings_short_and_whole_on_hover(signed_db: Path, qtbot, tmp_path: Path) -> None:
    conn = open_db(signed_db).conn
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    view = OrdersView(
        conn, signed_db, judge, QSettings(str(tmp_path / "o.ini"), QSettings.IniFormat)
    )
    qtbot.addWidget(view)
    m = view.model
    titles = [m.headerData(i, Qt.Orientation.Horizontal) for i in range(len(COLUMNS))]
    tips = [
        m.headerData(i, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        for i in range(len(COLUMNS))
    ]
    assert titles == list(HEADERS) and max(len(t) for t in titles) <= 7, titles
    assert "Signed by" in tips and all(tips)
    assert any("court's time" in t for t in tips)
    # Wide: every column; narrow: the batch goes first, then the count and the kind; the
    # order, people, status, times and signer stay.
    view.resize(1900, 600)
    view.show()
    qtbot.waitUntil(lambda: "batch" in view.visible_columns(), timeout=3000)
    assert view.visible_columns() == [c.key for c in COLUMNS]
    view.resize(1000, 600)
    qtbot.waitUntil(lambda: "batch" not in view.visible_columns(), timeout=3000)
    for key in ("order_no", "names", "status", "signed_at", "printed_at", "signer"):
        assert key in view.visible_columns()
    t = view.table
    shown = sum(t.columnWidth(i) for i in range(len(COLUMNS)) if not t.isColumnHidden(i))
    assert shown <= t.viewport().width() + 1
    conn.close()


def test_utc_evening_is_the_courts_afternoon_in_each_view(
    signed_db: Path, qtbot, tmp_path: Path
) -> None:
    conn = open_db(signed_db).conn
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    # The Orders register: signed and printed at, on the court's clock.
    view = OrdersView(
        conn, signed_db, judge, QSettings(str(tmp_path / "o.ini"), QSettings.IniFormat)
    )
    qtbot.addWidget(view)
    texts = [view.model.texts(r) for r in view.model.rows]
    keys = [c.key for c in COLUMNS]
    signed = [t[keys.index("signed_at")] for t in texts if t[keys.index("signed_at")]]
    printed = [t[keys.index("printed_at")] for t in texts if t[keys.index("printed_at")]]
    assert signed and set(signed) == {COURT_TEXT}
    assert printed == [COURT_TEXT]
    # The spot-check's batch list: when the batch was submitted.
    spot = SpotCheckView(conn, judge)
    qtbot.addWidget(spot)
    cells = [spot.batches.item(0, c).text() for c in range(spot.batches.columnCount())]
    assert COURT_TEXT in cells, cells
    # The detail pane: when the clerk decided.
    (cid,) = conn.execute(
        "SELECT count_id FROM review_items WHERE decided_at IS NOT NULL LIMIT 1"
    ).fetchone()
    html = detail_html(load_detail_for(conn, judge, cid))
    assert COURT_TEXT in html and f"{UTC_DAY} 03:30" not in html
    conn.close()
    # The CLI's register in words on the court's clock; --json keeps the stored UTC instant.
    res = run_cli(signed_db, "orders", "list", "--as", "judge", password=DEMO_PASSWORD)
    assert res.code == 0, res.err
    assert COURT_TEXT in res.out and "+00:00" not in res.out
    res = run_cli(signed_db, "orders", "list", "--json", "--as", "judge", password=DEMO_PASSWORD)
    stored = [json.loads(line)["signed_at"] for line in res.out.splitlines()]
    assert EVENING_UTC.isoformat() in stored
