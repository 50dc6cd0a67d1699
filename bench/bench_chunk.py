"""Benchmark: one import worker's CPU on one chunk of the dense file, where its time goes.

Reads the first --rows rows of the dense shape (`bench_shapes.py`'s cached 1M-row file at 100
rows a person, made if missing) exactly as an import worker does (`doj_chunks.read_chunk`), and
prints the smallest process time of --runs runs, then the same rows through each stage alone
(reading and splitting lines, the per-line checks, the `csv` module, row checks, grouping,
SQLite), so a change to the worker's hot path can be judged against the machine's noise (the
smallest of several runs varies by ~3 % where wall-clock varies by ~10 %). The stages run with
the garbage collector off, as a worker does. Stage times include building their results.

    /work/venv/bin/python bench/bench_chunk.py [--rows 100000] [--runs 7]"""

from __future__ import annotations

import argparse
import csv
import gc
import sqlite3
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def best(fn: Callable[[], object], runs: int) -> float:
    out = float("inf")
    for _ in range(runs):
        t = time.process_time()
        fn()
        out = min(out, time.process_time() - t)
    return out


def main() -> int:
    from bench_shapes import shape_file

    from desktop.records import doj_chunks
    from desktop.records.doj_chunks import ChunkJob, _plain, read_chunk, split_lines
    from desktop.records.doj_group import Grouper
    from desktop.records.doj_rows import check_row

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "reliefdesk-bench-shapes"
    )
    args = ap.parse_args()
    whole = shape_file(args.cache, 1_000_000, "100", 7)
    part = args.cache / f"slice-{args.rows}-per100.csv"
    if not part.exists():
        with open(whole, "rb") as src, open(part, "wb") as dst:
            for n, line in enumerate(src):
                if n > args.rows:  # the header line and `rows` data rows
                    break
                dst.write(line)
    size = part.stat().st_size
    job = ChunkJob(str(part), 0, 0, 1, size, 1)
    chunk = best(lambda: read_chunk(job), args.runs)
    print(f"{args.rows:,} dense rows ({size / 1e6:.0f} MB), smallest of {args.runs} runs:")
    print(
        f"  read_chunk (what a worker does)  {chunk:.3f} s CPU = {chunk / args.rows * 1e6:.1f} µs/row"
    )

    gc.disable()  # as in a worker (read_chunk): the rows form no cycles
    data = part.read_bytes()
    texts = split_lines(data, 1)[1][1:]
    rows = list(csv.reader(texts))
    doj_chunks._bind_none_cheaply()

    def group(insert: bool) -> None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        inserts = doj_chunks._local_tables(conn)
        conn.execute("BEGIN")

        def sink(batch: list[tuple[str, list[tuple]]]) -> None:
            if insert:
                for table, rs in batch:
                    conn.executemany(inserts[table], rs)

        g = Grouper(sink, {"subjects": 1, "cases": 1, "counts": 1}, {}, None, local=True)
        add = g.add
        for n, f in enumerate(rows, 2):
            add(f, n, check_row(f))
        g.finish()

    stages = [
        ("reading and splitting lines", lambda: split_lines(data, 1)),
        ("per-line checks", lambda: _plain(texts)),
        ("csv module (rows not kept)", lambda: deque(csv.reader(texts), maxlen=0)),
        ("row checks", lambda: [check_row(f) for f in rows]),
        ("checks + grouping", lambda: group(False)),
        ("checks + grouping + SQLite", lambda: group(True)),
    ]
    for name, fn in stages:
        t = best(fn, max(3, args.runs // 2))
        print(f"  {name:32s} {t:.3f} s CPU = {t / args.rows * 1e6:.1f} µs/row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
