"""Benchmark: signed one-case orders per second, and a 10,000-row bulk order (time and peak memory).

    /work/venv/bin/python bench/bench_orders.py [--orders 600] [--bulk-rows 10000]

Targets (issue 5): at least 50 signed one-case orders per second on a 2-core machine; a 10,000-row
bulk order in 20 s or less. The timings include everything a real run pays: rendering, PAdES signing,
writing the files, and starting the worker processes (each unlocks the key once)."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.keys import create_demo_key
from desktop.orders import demo
from desktop.orders.produce import Job, produce_orders
from desktop.orders.sign import OrderSigner
from desktop.orders.verify import verify_file

PASS = "bench-passphrase"


def _bulk_child(key: str, rows: int, out: str, queue: multiprocessing.Queue) -> None:
    """Runs in a fresh process, so its peak RSS is the bulk order's alone."""
    signer = OrderSigner.from_file(Path(key), PASS)
    order = demo.bulk_order(rows, judge=signer.judge)
    t0 = time.perf_counter()
    result = produce_orders([Job(order, "bulk", out)], Path(key).read_bytes(), PASS, workers=1)[0]
    elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((elapsed, peak_mb, result.pages, os.path.getsize(out)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=600)
    ap.add_argument("--bulk-rows", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        key = tmpdir / "judge.p12"
        create_demo_key("Hon. Bench Mark", "Judge of the Superior Court", key, PASS)
        judge = OrderSigner.from_file(key, PASS).judge
        jobs = [
            Job(
                demo.one_case_order(i, counts=1 + i % 4, judge=judge, number=i + 1),
                "one_case",
                str(tmpdir / f"order-{i}.pdf"),
            )
            for i in range(args.orders)
        ]
        blob = key.read_bytes()

        t0 = time.perf_counter()
        produce_orders(jobs[:100], blob, PASS, workers=1)
        single = 100 / (time.perf_counter() - t0)

        t0 = time.perf_counter()
        produced = produce_orders(jobs, blob, PASS)
        elapsed = time.perf_counter() - t0
        rate = len(produced) / elapsed
        peak_pool_mb = (
            max(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            )
            / 1024
        )
        bad = [
            p.path
            for p in produced[:: max(1, len(produced) // 20)]
            if not verify_file(Path(p.path)).ok
        ]

        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(
            target=_bulk_child, args=(str(key), args.bulk_rows, str(tmpdir / "bulk.pdf"), queue)
        )
        child.start()
        bulk_s, bulk_mb, bulk_pages, bulk_bytes = queue.get()
        child.join()
        bulk_ok = verify_file(tmpdir / "bulk.pdf").ok

    cpus = os.cpu_count()
    print(
        f"one-case orders, signed, {cpus} cores : {rate:6.1f} orders/s "
        f"({len(produced)} orders in {elapsed:.2f} s incl. worker start; target >= 50)"
    )
    print(f"one-case orders, one process         : {single:6.1f} orders/s")
    print(f"peak memory, pool (largest process)  : {peak_pool_mb:6.0f} MB")
    print(
        f"bulk order, {args.bulk_rows:,} rows              : {bulk_s:6.2f} s "
        f"({bulk_pages} pages, {bulk_bytes / 1e6:.1f} MB, peak {bulk_mb:.0f} MB; target <= 20 s)"
    )
    print(
        f"signatures checked                   : {'all valid' if not bad and bulk_ok else 'FAILED'}"
    )


if __name__ == "__main__":
    main()
