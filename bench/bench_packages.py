"""What a batch package costs (issue 15): sending a batch, opening it on the judge's PC, writing the
answer and importing it, on a demo database whose whole granted review is one batch.

    python bench/bench_packages.py [--rows 20000] [--repeat 2]

The judge's side draws the sample and accepts it, without rendering orders (bench_orders.py times
those). Each repeat starts from a fresh copy of one prepared clerk's database; best of the repeats
is printed, with the package and answer sizes. Noisy on a shared machine."""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.exchange.answer import write_answer
from desktop.exchange.answer_import import import_answer
from desktop.exchange.send import send_batch
from desktop.exchange.workspace import open_package
from desktop.review import batches, decisions
from desktop.review.users import authenticate
from desktop.store import open_db

GRANTS = "('dismiss_and_seal', 'redesignate_misdemeanor', 'redesignate_infraction')"


def prepare(folder: Path, rows: int) -> tuple[Path, int, int]:
    db_path = folder / "clerk.sqlite3"
    build_demo(db_path, rows=rows)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id ="
            f" r.determination_id WHERE d.relief IN {GRANTS} ORDER BY r.count_id"
        )
    ]
    decisions.approve(conn, clerk, ids)
    batch = batches.submit_batch(conn, clerk)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db_path, batch, len(ids)


def once(template: Path, batch: int, work: Path) -> dict[str, float]:
    db = work / "clerk.sqlite3"
    src, dst = sqlite3.connect(template), sqlite3.connect(db)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    times: dict[str, float] = {}
    conn = open_db(db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    t = time.perf_counter()
    sent = send_batch(conn, clerk, batch, work / "batch.rdpkg", judge="judge")
    times["send"] = time.perf_counter() - t
    t = time.perf_counter()
    opened = open_package(sent.path, "judge", password="pw", workspace=work / "ws.sqlite3")
    times["open"] = time.perf_counter() - t
    w = open_db(opened.workspace).conn
    judge = authenticate(w, "judge", "pw")
    for item in batches.sample(w, judge, batch, seed=1):
        decisions.mark_opened(w, judge, item.count_id)
    batches.accept_batch(w, judge, batch)
    t = time.perf_counter()
    answer = write_answer(w, judge, work / "answer.rdpkg")
    times["answer"] = time.perf_counter() - t
    w.close()
    t = time.perf_counter()
    import_answer(conn, clerk, answer.path, work / "orders")
    times["import"] = time.perf_counter() - t
    conn.close()
    times["package_mb"] = sent.path.stat().st_size / 1e6
    times["answer_mb"] = answer.path.stat().st_size / 1e6
    times["people"] = sent.people
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="reliefdesk-bench-packages-") as tmp:
        root = Path(tmp)
        template, batch, counts = prepare(root, args.rows)
        best: dict[str, float] = {}
        for i in range(args.repeat):
            work = root / f"run{i}"
            work.mkdir()
            for k, v in once(template, batch, work).items():
                best[k] = min(best.get(k, v), v)
        print(
            f"batch of {counts:,} counts ({int(best['people']):,} people), demo {args.rows:,} rows;"
            f" best of {args.repeat}: send {best['send']:.2f} s, open {best['open']:.2f} s,"
            f" answer {best['answer']:.2f} s, import {best['import']:.2f} s; package"
            f" {best['package_mb']:.2f} MB, answer {best['answer_mb']:.2f} MB"
        )


if __name__ == "__main__":
    main()
