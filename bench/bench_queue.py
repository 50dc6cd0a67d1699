"""Queue speed on 100,000 pending counts: first paint, filter change, decision keystroke.

How the database is built (printed too): the synthetic DOJ generator writes ROWS rows for one
county, the real importer loads them, and then every count up to TARGET gets a pending review
item with a stand-in determination (relief, rule path and flags spread like a real run). The
rules engine only proposes relief for cannabis counts (~5 % of a generated file), so "insert
review items for all counts" is how 100,000 pending counts are reached without a 2-million-row
file. The timings measure the window, not the engine.

Run: QT_QPA_PLATFORM=offscreen /work/venv/bin/python bench/bench_queue.py [--rows N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET = 100_000
RELIEFS = ("dismiss_and_seal", "dismiss_and_seal", "redesignate_misdemeanor",
           "redesignate_infraction", "resentence", "not_eligible", "needs_review")
FLAGS = ("", "", "", "sentence_unknown", "disqualifying_prior", "unknown_quantity")


def build(db_path: Path, rows: int) -> int:
    from desktop.records.generate import generate
    from desktop.records.importer import import_file
    from desktop.store import open_db
    from desktop.store.tx import transaction

    src = db_path.with_suffix(".csv")
    t = time.perf_counter()
    generate(src, "San Bernardino", rows, seed=11)
    db = open_db(db_path)
    import_file(db, src, user="bench")
    conn = db.conn
    with transaction(conn):
        run = conn.execute(
            "INSERT INTO evaluation_runs (county, policy_name, policy_version, policy_json, as_of,"
            " engine_version, started_at, status) VALUES ('San Bernardino', 'STAT', '1', '{}', "
            "'2020-07-01', 'bench-stand-in', '2020-07-01T00:00:00', 'complete')").lastrowid
        counts = conn.execute("SELECT id, subject_id, section, level FROM counts ORDER BY id "
                              "LIMIT ?", (TARGET,)).fetchall()
        for i, (cid, sid, section, level) in enumerate(counts):
            relief = RELIEFS[i % len(RELIEFS)]
            expl = json.dumps({"engine_version": "bench", "policy": {"name": "STAT", "version": "1"},
                               "as_of": "2020-07-01", "steps": [
                                   {"rule": "R0", "text": f"{section} is in scope.",
                                    "statute": "HS 11361.8", "facts": {"section": section}},
                                   {"rule": "R6", "text": "The sentence was completed.",
                                    "statute": "HS 11361.8(f)", "facts": {}}]})
            did = conn.execute(
                "INSERT INTO determinations (run_id, count_id, subject_id, relief, resentence_target,"
                " rule_path, flags, explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run, cid, sid, relief, "misdemeanor" if relief == "resentence" else None,
                 f"{level} {section} completed", FLAGS[i % len(FLAGS)], expl)).lastrowid
            conn.execute("INSERT INTO review_items (count_id, determination_id) VALUES (?, ?)",
                         (cid, did))
    n = conn.execute("SELECT COUNT(*) FROM review_items WHERE status = 'pending'").fetchone()[0]
    conn.close()
    print(f"built {db_path.name}: {rows:,} generated rows, {n:,} pending counts "
          f"in {time.perf_counter() - t:.1f} s")
    return n


def clerk(conn):  # the review core when present; None means a read-only queue
    try:
        from desktop.review.users import authenticate, create_user, has_users
    except ImportError:
        return None
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

    filter_ms = []
    boxes = [(view.relief_box, i) for i in range(1, view.relief_box.count())]
    boxes += [(view.status_box, 1), (view.status_box, 0), (view.relief_box, 0)]
    boxes += [(view.flag_box, 2), (view.flag_box, 0)]
    for box, index in boxes:
        t = time.perf_counter()
        box.setCurrentIndex(index)      # applies the filter (signal → SQL → reset)
        app.processEvents()
        view.repaint()
        filter_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    view.search.setText("SMITH")
    view._search_now()
    app.processEvents()
    view.repaint()
    search_ms = (time.perf_counter() - t) * 1000
    view.search.setText("")
    view._search_now()

    key, what = (Qt.Key_A, "approve (A)") if user is not None else (Qt.Key_J, "next (J)")
    view.table.setFocus()
    view.select_row(0)
    key_ms = []
    for _ in range(60):
        before = view.current_count()
        t = time.perf_counter()
        QTest.keyClick(view.table, key)
        app.processEvents()
        view.repaint()
        key_ms.append((time.perf_counter() - t) * 1000)
        assert view.current_count() != before, "the keystroke did not move to the next item"

    print(f"queue rows: {rows:,}")
    print(f"first paint: {first_paint:.0f} ms (target <= 1000)")
    print(f"filter change: median {statistics.median(filter_ms):.0f} ms, max {max(filter_ms):.0f} ms "
          f"over {len(filter_ms)} changes (target <= 200)")
    print(f"search 'SMITH': {search_ms:.0f} ms")
    print(f"decision keystroke {what} to next item shown: median {statistics.median(key_ms):.1f} ms, "
          f"max {max(key_ms):.1f} ms over {len(key_ms)} (target <= 50)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=120_000, help="generated DOJ rows")
    ap.add_argument("--keep", help="build (or reuse) the database in this folder")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-queue-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "queue100k.sqlite3"
    if not db_path.exists():
        build(db_path, args.rows)
    measure(db_path)


if __name__ == "__main__":
    main()
