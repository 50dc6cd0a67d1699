"""What row seals cost (issue 12): evaluating a county with and without sealing the rows, and the
state check `audit verify` adds, on a generated DOJ file.

    python bench/bench_seals.py [--rows 300000] [--cache DIR] [--repeat 2]

The file is generated once (seed 7) and cached. Each repeat evaluates San Bernardino on a fresh
copy of one imported database, once with seals switched off (as before issue 12) and once with
them; best of the repeats is printed. Noisy on a shared machine: compare within one run."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import desktop.audit.seals as seals
from desktop.evaluation.runs import evaluate_county
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.rules.policy import load_policy
from desktop.store import open_db

COUNTY = "SAN BERNARDINO"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "reliefdesk-bench"))
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    src = cache / f"doj-{args.rows}-seed7.csv"
    if not src.exists():
        generate(src, COUNTY, args.rows, seed=7)
    real_has_seals = seals.has_seals
    best: dict[str, list[float]] = {"without": [], "with": [], "verify": []}
    n = 0
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        base = Path(tmp) / "base.sqlite3"
        db = open_db(base)
        import_file(db, src, backup=False)
        db.conn.close()
        for _ in range(args.repeat):
            for mode in ("without", "with"):
                path = Path(tmp) / f"{mode}.sqlite3"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                shutil.copy(base, path)
                seals.has_seals = real_has_seals if mode == "with" else (lambda conn: False)
                db = open_db(path)
                t = time.perf_counter()
                evaluate_county(db, COUNTY, load_policy("statute"), date(2020, 7, 1), backup=False)
                best[mode].append(time.perf_counter() - t)
                seals.has_seals = real_has_seals
                if mode == "with":
                    n = db.conn.execute("SELECT COUNT(*) FROM determinations").fetchone()[0]
                    t = time.perf_counter()
                    assert seals.verify_state(db.conn) is None
                    best["verify"].append(time.perf_counter() - t)
                db.conn.close()
    print(f"determinations          {n:,}")
    print(f"evaluate without seals  {min(best['without']):6.2f} s")
    print(f"evaluate with seals     {min(best['with']):6.2f} s")
    print(
        f"audit verify state      {min(best['verify']):6.2f} s  (determinations, decisions, "
        "batches against their seals)"
    )


if __name__ == "__main__":
    main()
