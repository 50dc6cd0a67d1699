"""Import + evaluate benchmark on the generated 1,000,000-row DOJ file (issue 3 targets: import +
evaluate <= 14 s, evaluate alone <= 4 s, peak memory < 1 GB).

    python bench/bench_evaluate.py [--rows 1000000] [--cache DIR]

The synthetic file is generated once (seed 7) and cached; each run imports it into a fresh
database and evaluates San Bernardino with the statute policy as of 2020-07-01. Backups are
skipped while timing (they are a copy of the database file and are timed separately)."""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from desktop.evaluation.runs import evaluate_county
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.rules.policy import load_policy
from desktop.store import open_db
from desktop.store.backup import auto_backup

COUNTY = "SAN BERNARDINO"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "reliefdesk-bench"))
    ap.add_argument("--policy", default="statute")
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    src = cache / f"doj-{args.rows}-seed7.csv"
    if not src.exists():
        t = time.perf_counter()
        generate(src, COUNTY, args.rows, seed=7)
        print(f"generated {src} in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        db = open_db(db_path)
        t0 = time.perf_counter()
        s = import_file(db, src, backup=False)
        t1 = time.perf_counter()
        run = evaluate_county(db, COUNTY, load_policy(args.policy), date(2020, 7, 1), backup=False)
        t2 = time.perf_counter()
        n = db.conn.execute(
            "SELECT COUNT(*) FROM determinations WHERE run_id = ?", (run,)
        ).fetchone()[0]
        db.conn.close()
        t3 = time.perf_counter()
        auto_backup(db_path, "bench")
        t4 = time.perf_counter()
        size = db_path.stat().st_size / 1e6
    print(f"rows imported      {s.rows_kept:,} ({s.rows_rejected} rejected)")
    print(f"import             {t1 - t0:6.2f} s  ({s.rows_read / (t1 - t0):,.0f} rows/s)")
    print(f"evaluate           {t2 - t1:6.2f} s  ({n:,} determinations)")
    print(f"import + evaluate  {t2 - t0:6.2f} s")
    print(
        f"backup of the db   {t4 - t3:6.2f} s  ({size:,.0f} MB, taken before each import/evaluation)"
    )
    print(f"peak memory        {peak_mb():6.0f} MB")


if __name__ == "__main__":
    main()
