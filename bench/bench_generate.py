"""Benchmark: generate a synthetic DOJ file (1,000,000 rows by default) into a temporary folder and
print rows/s, the file size and peak memory. Target: 1M rows in under a minute.

    /work/venv/bin/python bench/bench_generate.py [--rows N] [--keep FILE]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.records.generate import generate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--county", default="San Bernardino")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", metavar="FILE", help="keep the generated file here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench_doj.csv"
        t0 = time.perf_counter()
        stats = generate(out, args.county, args.rows, seed=args.seed)
        elapsed = time.perf_counter() - t0
        if args.keep:
            shutil.move(str(out), args.keep)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"rows:              {stats.rows:,}")
    print(
        f"people:            {stats.subjects:,} ({stats.cannabis_subjects:,} with a cannabis "
        f"conviction in {stats.county})"
    )
    print(f"file size:         {stats.bytes / 1e6:,.1f} MB")
    print(f"time:              {elapsed:.2f} s")
    print(f"rows/s:            {stats.rows / elapsed:,.0f}")
    print(f"peak memory (RSS): {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
