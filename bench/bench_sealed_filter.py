"""What the sealed-count filter (issue 18) costs the queue query: the same lean ids query with
sealed counts kept (include_sealed=True, no filter) and left out (the default), interleaved,
best of N each.

The database: ROWS generated DOJ rows for one county (default 1,000,000: ~46,000 review items),
imported and evaluated by the real importer and engine; every 50th review item is then put under
seal (rows in under_seal, as the triggers on the orders register would after signing), so ~2 % of
the queue is sealed. Building takes a minute or two once; --keep DIR reuses it.

Run: /work/venv/bin/python bench/bench_sealed_filter.py [--rows N] [--keep DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FILTERS: list[dict[str, str]] = [
    {},
    {"sort": "name"},
    {"status": "pending", "sort": "name"},
    {"search": "smi"},
    {"relief": "dismiss_and_seal"},
]


def build(db_path: Path, rows: int) -> None:
    from desktop.evaluation.runs import evaluate_county
    from desktop.records.generate import generate
    from desktop.records.importer import import_file
    from desktop.rules.policy import load_policy
    from desktop.store import open_db

    src = db_path.with_suffix(".csv")
    generate(src, "San Bernardino", rows, seed=3)
    db = open_db(db_path)
    import_file(db, src, backup=False)
    evaluate_county(db, "San Bernardino", load_policy("statute"), date(2020, 7, 1), backup=False)
    ids = [r[0] for r in db.conn.execute("SELECT count_id FROM review_items ORDER BY count_id")]
    db.conn.executemany(
        "INSERT INTO under_seal (count_id, order_id, sealed_at) VALUES (?, 0, 'bench')",
        [(i,) for i in ids[::50]],
    )
    db.conn.close()
    src.unlink()


def main() -> None:
    from desktop.review.queue import queue_ids_query

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", help="build (or reuse) the database in this folder")
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-sealed-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "sealed.sqlite3"
    if not db_path.exists():
        build(db_path, args.rows)
    conn = sqlite3.connect(db_path)
    items = conn.execute("SELECT COUNT(*) FROM review_items").fetchone()[0]
    sealed = conn.execute("SELECT COUNT(*) FROM under_seal").fetchone()[0]
    print(f"{items:,} review items, {sealed:,} sealed; best of {args.repeat}, interleaved")
    for f in FILTERS:
        best = {True: float("inf"), False: float("inf")}
        found = {True: 0, False: 0}
        for _ in range(args.repeat):
            for keep_sealed in (True, False):
                sql, params = queue_ids_query(include_sealed=keep_sealed, **f)
                t = time.perf_counter()
                found[keep_sealed] = len(conn.execute(sql, params).fetchall())
                best[keep_sealed] = min(best[keep_sealed], time.perf_counter() - t)
        print(
            f"{str(f):40} all {best[True] * 1000:7.1f} ms ({found[True]:,})   sealed left out "
            f"{best[False] * 1000:7.1f} ms ({found[False]:,})"
        )


if __name__ == "__main__":
    main()
