"""Queue speed on 100,000 pending counts: first paint, filter change, decision keystroke.

How the database is built (printed too): the synthetic DOJ generator writes ROWS rows (default
2,200,000) for one county, the real importer loads them and the real rules engine evaluates them
(statute policy, as of 2020-07-01). Only ~4.6 % of generated rows are cannabis convictions the
engine decides, so 2.2 million rows give ~101,600 pending counts: every count in the queue is a
real determination with its real explanation. Building takes ~1.5 minutes once; --keep DIR reuses
the database on later runs. The keystroke figure goes through the real review core (approve,
audit entry, and the opening of the next count, each in its own transaction).

The build runs ANALYZE; a court's database never has planner statistics, so --no-stats measures
on a copy without them (the queue's plans are fixed by the query, so the figures should agree).

Run: QT_QPA_PLATFORM=offscreen /work/venv/bin/python bench/bench_queue.py [--rows N] [--keep DIR]
     [--no-stats]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import desktop.ui  # noqa: F401 - installs the PySide6 None-refcount guard before any Qt call

COUNTY = "San Bernardino"


def build(db_path: Path, rows: int) -> int:
    from desktop.evaluation.runs import evaluate_county
    from desktop.records.generate import generate
    from desktop.records.importer import import_file
    from desktop.store import open_db

    src = db_path.with_suffix(".csv")
    t = time.perf_counter()
    generate(src, COUNTY, rows, seed=11)
    t_gen = time.perf_counter()
    db = open_db(db_path)
    import_file(db, src, user="bench", backup=False)
    t_imp = time.perf_counter()
    evaluate_county(db, COUNTY, "statute", date(2020, 7, 1), user="bench", backup=False)
    t_eval = time.perf_counter()
    conn = db.conn
    conn.execute("ANALYZE")
    n = conn.execute("SELECT COUNT(*) FROM review_items WHERE status = 'pending'").fetchone()[0]
    conn.close()
    src.unlink()
    print(
        f"built {db_path.name}: {rows:,} generated rows, imported and evaluated by the real "
        f"engine: {n:,} pending counts (generate {t_gen - t:.0f} s, import {t_imp - t_gen:.0f} s,"
        f" evaluate {t_eval - t_imp:.0f} s)"
    )
    return n


def clerk(conn):
    from desktop.review.users import authenticate, create_user, has_users

    if not has_users(conn):
        admin = create_user(conn, "bench-admin", "admin", "bench-password-1", None)
        create_user(conn, "bench-clerk", "clerk", "bench-password-1", admin)
    return authenticate(conn, "bench-clerk", "bench-password-1")


def measure(db_path: Path) -> None:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from desktop.store import open_db
    from desktop.ui.app import application
    from desktop.ui.queue_view import QueueView

    app = application()
    conn = open_db(db_path).conn
    user = clerk(conn)
    settings = QSettings(str(db_path.with_suffix(".ini")), QSettings.IniFormat)

    t0 = time.perf_counter()
    view = QueueView(conn, user, settings)
    view.resize(1500, 900)
    view.show()
    view.apply_filters()
    app.processEvents()
    view.repaint()
    first_paint = (time.perf_counter() - t0) * 1000
    rows = view.model.rowCount()

    boxes = [(view.relief_box, i) for i in range(1, view.relief_box.count())]
    boxes += [(view.status_box, 1), (view.status_box, 0), (view.relief_box, 0)]
    boxes += [(view.flag_box, 2), (view.flag_box, 0)]
    # The first section and rule path listed, and back to all of them.
    boxes += [(view.section_box, 1), (view.section_box, 0), (view.path_box, 1), (view.path_box, 0)]

    def filter_round(cold: bool) -> tuple[list[float], list[str]]:
        """Each filter change timed from the combo box to the repainted table. cold: the model's
        cache of recent orders is emptied first, so every change runs the core's query."""
        times, labels = [], []
        for box, index in boxes:
            if cold:
                view.model.cache.clear()
            t = time.perf_counter()
            box.setCurrentIndex(index)  # applies the filter (signal → SQL → reset)
            app.processEvents()
            view.repaint()
            times.append((time.perf_counter() - t) * 1000)
            labels.append(
                f"{box.accessibleName().removeprefix('Filter by ')}="
                f"{box.currentText()}: {view.model.rowCount():,} rows "
                f"{times[-1]:.0f} ms"
            )
        return times, labels

    cold_ms, labels = filter_round(cold=True)
    warm_ms, _ = filter_round(cold=False)
    t = time.perf_counter()
    view.search.setText("SMITH")
    view._search_now()
    app.processEvents()
    view.repaint()
    search_ms = (time.perf_counter() - t) * 1000
    view.search.setText("")
    view._search_now()

    key, what = Qt.Key_A, "approve (A)"
    # Pending misdemeanor redesignations: the engine proposes a relief, so A approves it (a
    # needs-review count would be refused with a message box).
    view.status_box.setCurrentIndex(view.status_box.findData("pending"))
    view.relief_box.setCurrentIndex(view.relief_box.findData("redesignate_misdemeanor"))
    app.processEvents()
    view.window().activateWindow()
    view.table.setFocus()
    view.select_row(0)
    app.processEvents()
    key_ms = []
    for _ in range(60):
        before = view.current_count()
        t = time.perf_counter()
        QTest.keyClick(view.table, key)
        app.processEvents()
        view.repaint()
        key_ms.append((time.perf_counter() - t) * 1000)
        assert view.current_count() != before, "the keystroke did not move to the next item"
        status = conn.execute(
            "SELECT status FROM review_items WHERE count_id = ?", (before,)
        ).fetchone()[0]
        assert status == "approved", f"count {before} is {status} after the keystroke"

    from desktop.review import queue as core_queue

    def core_ms(make_sql) -> float:
        sql, params = make_sql(sort="name")
        times = []
        for _ in range(3):
            t = time.perf_counter()
            conn.execute(f"SELECT count_id FROM ({sql})", params).fetchall()
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    stats = conn.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
    ).fetchone()[0]
    print(f"planner statistics: {'yes (ANALYZE)' if stats else 'none, as in a court database'}")
    print(f"queue rows: {rows:,}")
    print(f"first paint: {first_paint:.0f} ms (target <= 1000)")
    print(
        f"filter change, every query run: median {statistics.median(cold_ms):.0f} ms, "
        f"max {max(cold_ms):.0f} ms over {len(cold_ms)} changes (target <= 200)"
    )
    print("  " + "\n  ".join(labels))
    print(
        f"filter change, the same changes again (lists without a status filter come from the "
        f"model's cache): median {statistics.median(warm_ms):.0f} ms, max {max(warm_ms):.0f} ms"
    )
    print(f"search 'SMITH': {search_ms:.0f} ms")
    if hasattr(core_queue, "queue_ids_query"):
        print(
            f"core, whole queue by name, ids only: {core_ms(core_queue.queue_ids_query):.0f} ms"
            f" (the full-row queue query: {core_ms(core_queue.queue_query):.0f} ms)"
        )
    print(
        f"decision keystroke {what} to next item shown: median {statistics.median(key_ms):.1f} ms, "
        f"max {max(key_ms):.1f} ms over {len(key_ms)} (target <= 50)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_200_000, help="generated DOJ rows")
    ap.add_argument("--keep", help="build (or reuse) the database in this folder")
    ap.add_argument(
        "--no-stats",
        action="store_true",
        help="measure on a copy without the planner statistics the build gathers "
        "(nothing in ReliefDesk runs ANALYZE on a court's database)",
    )
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-queue-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "queue100k.sqlite3"
    if not db_path.exists():
        build(db_path, args.rows)
    if not args.no_stats:
        measure(db_path)
        return
    with tempfile.TemporaryDirectory(prefix="bench-queue-nostats-") as tmp:
        copy = Path(tmp) / db_path.name
        src, dst = sqlite3.connect(db_path), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.execute("DROP TABLE IF EXISTS sqlite_stat1")
        dst.commit()
        dst.close()
        if hasattr(os, "sync"):
            os.sync()  # the copy's dirty pages written back first, not during the timings
        measure(copy)


if __name__ == "__main__":
    main()
