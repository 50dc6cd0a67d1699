"""Benchmark: import + evaluate cost for the same number of rows in different shapes of record.

For each shape (rows per person) the generated file is made once and cached; each run imports it
into a fresh database in a fresh process and evaluates San Bernardino (statute policy, as of
2020-07-01), as `reliefdesk import` and `reliefdesk evaluate` do (backups skipped). Printed per
run: rows/s for the import and the evaluation, the peak memory (VmHWM) of every process (the
main one and each import worker), and the database size.

Shapes: "short" is the generator's own (about 10 rows a person); a number N is
`reliefdesk generate --rows-per-person N` (long histories: 100 is a real county file, ~90 rows a
person; 1000000 is one hostile record).

    /work/venv/bin/python bench/bench_shapes.py [--rows 1000000] [--shapes short,10,100,1000000]
        [--runs 2] [--timeout 300] [--cache DIR] [--no-evaluate]

Targets (issue 20): the shapes cost within 1.5x of each other per row; 1M rows at ~90 rows a
person import + evaluate in <= 10 s with peak memory < 1 GB."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY = "SAN BERNARDINO"


def shape_file(cache: Path, rows: int, shape: str, seed: int) -> Path:
    per = 0 if shape == "short" else int(shape)
    path = cache / f"doj-{rows}-per{per or 'short'}-seed{seed}.csv"
    if not path.exists():
        from desktop.records.generate import generate

        cache.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate(path, COUNTY, rows, seed=seed, rows_per_person=per)
        print(f"generated {path.name} in {time.perf_counter() - t:.1f} s", flush=True)
    return path


class PeakWatch(threading.Thread):
    """Samples VmHWM (peak resident memory) and CPU time of this process and of every process
    below it (the import's workers, the evaluation's forkserver and its workers) until stopped;
    Linux only (reads /proc). Processes that end between samples (0.1 s) are seen as they were
    last sampled; a forked process's RSS counts the pages it still shares with its parent."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _hwm_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _cpu_s(self, pid: int) -> float:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
        except (OSError, IndexError, ValueError):
            return 0.0

    @staticmethod
    def _children(pid: int) -> set[int]:
        out: set[int] = set()
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    out.update(int(p) for p in fh.read().split())
        except OSError:
            pass
        return out

    def processes(self) -> set[int]:
        seen, todo = set(), [os.getpid()]
        while todo:
            pid = todo.pop()
            if pid not in seen:
                seen.add(pid)
                todo.extend(self._children(pid))
        return seen

    def sample(self) -> None:
        me = os.getpid()
        for pid in self.processes():
            kb = self._hwm_kb(pid)
            if kb > self.peaks.get(pid, 0):
                self.peaks[pid] = kb
            if pid != me:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), self._cpu_s(pid))

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.sample()


def child(data: Path, db_path: Path, evaluate: bool) -> None:
    """One import (+ evaluation) in this fresh process; prints its figures as JSON."""
    from datetime import date

    from desktop.evaluation.runs import evaluate_county
    from desktop.records.importer import import_file
    from desktop.rules.policy import load_policy
    from desktop.store import open_db

    watch = PeakWatch()
    watch.start()
    from desktop.errors import UserError

    db = open_db(db_path)
    t0, c0 = time.perf_counter(), os.times()
    try:
        s = import_file(db, data, backup=False)
    except UserError as exc:  # refused (a record past the per-person limit): how fast, and why
        watch.stop.set()
        watch.join()
        watch.sample()
        print(
            json.dumps(
                {
                    "refused": str(exc),
                    "import": time.perf_counter() - t0,
                    "rss_main_mb": watch.peaks.get(os.getpid(), 0) / 1024,
                    "rss_workers_mb": sorted(
                        (kb / 1024 for pid, kb in watch.peaks.items() if pid != os.getpid()),
                        reverse=True,
                    ),
                }
            )
        )
        return
    t1, c1 = time.perf_counter(), os.times()
    watch.sample()
    import_peaks = dict(watch.peaks)
    import_cpu = sum(watch.cpu.values())
    out = {
        "rows": s.rows_read,
        "rejected": s.rows_rejected,
        "import": t1 - t0,
        "cpu_main": c1.user - c0.user + c1.system - c0.system,
        "cpu_workers": (
            c1.children_user - c0.children_user + c1.children_system - c0.children_system
        ),
    }
    if evaluate:
        c1 = os.times()
        run = evaluate_county(db, COUNTY, load_policy("statute"), date(2020, 7, 1), backup=False)
        out["evaluate"] = time.perf_counter() - t1
        out["determinations"] = db.conn.execute(
            "SELECT COUNT(*) FROM determinations WHERE run_id = ?", (run,)
        ).fetchone()[0]
    # The import's log is copied into the database file on a thread of its own while the
    # evaluation runs (desktop/store/checkpoint.py); what is left of that copy is timed here,
    # apart, with the final checkpoint that empties the log.
    t2 = time.perf_counter()
    from desktop.store import checkpoint

    checkpoint.wait()
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out["checkpoint_after"] = time.perf_counter() - t2
    db.conn.close()
    watch.stop.set()
    watch.join()
    watch.sample()
    me = os.getpid()
    if evaluate:
        c2 = os.times()
        out["cpu_eval_main"] = c2.user - c1.user + c2.system - c1.system
        out["cpu_eval_workers"] = sum(watch.cpu.values()) - import_cpu
    out["rss_main_mb"] = watch.peaks.get(me, 0) / 1024
    out["rss_main_import_mb"] = import_peaks.get(me, 0) / 1024
    out["rss_workers_mb"] = sorted(
        (kb / 1024 for pid, kb in watch.peaks.items() if pid != me), reverse=True
    )
    out["db_mb"] = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*")) / 1e6
    print(json.dumps(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument(
        "--shapes",
        default="short,10,100,1000000",
        help="comma-separated: 'short' (today's ~10 rows a person) or rows per person",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300, help="seconds before a run is stopped")
    ap.add_argument("--no-evaluate", dest="evaluate", action="store_false")
    ap.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "reliefdesk-bench-shapes"
    )
    ap.add_argument("--child", nargs=2, metavar=("DATA", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.evaluate)
        return 0
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}", flush=True)
    summary = []
    for shape in args.shapes.split(","):
        data = shape_file(args.cache, args.rows, shape.strip(), args.seed)
        label = f"{args.rows:,} rows, {shape} rows/person"
        print(f"== {label}: {data.name} ({data.stat().st_size / 1e6:,.0f} MB)", flush=True)
        best: dict | None = None
        for n in range(1, args.runs + 1):
            with tempfile.TemporaryDirectory(dir=args.cache) as tmp:
                cmd = [
                    sys.executable,
                    __file__,
                    "--child",
                    str(data),
                    str(Path(tmp) / "db.sqlite3"),
                ]
                if not args.evaluate:
                    cmd.append("--no-evaluate")
                try:
                    out = subprocess.run(
                        cmd, capture_output=True, text=True, cwd=ROOT, timeout=args.timeout
                    )
                except subprocess.TimeoutExpired:
                    print(f"run {n}: did not finish in {args.timeout:.0f} s", flush=True)
                    summary.append((label, None))
                    break
            if out.returncode != 0:
                tail = (out.stderr.strip().splitlines() or ["?"])[-1]
                print(f"run {n}: failed (exit {out.returncode}): {tail}", flush=True)
                break
            r = json.loads(out.stdout.strip().splitlines()[-1])
            if "refused" in r:
                workers = ", ".join(f"{m:,.0f}" for m in r["rss_workers_mb"]) or "none"
                print(
                    f"run {n}: refused after {r['import']:.2f} s (peak RSS main "
                    f"{r['rss_main_mb']:,.0f} MB, others {workers} MB): {r['refused']}",
                    flush=True,
                )
                summary.append((label, r))
                break
            workers = ", ".join(f"{m:,.0f}" for m in r["rss_workers_mb"]) or "none"
            line = (
                f"run {n}: import {r['import']:.2f} s = {r['rows'] / r['import']:,.0f} rows/s"
                f" (CPU main {r['cpu_main']:.1f} s, workers {r['cpu_workers']:.1f} s)"
            )
            if "evaluate" in r:
                line += (
                    f" | evaluate {r['evaluate']:.2f} s = {r['rows'] / r['evaluate']:,.0f}"
                    f" rows/s ({r['determinations']:,} determinations; CPU main"
                    f" {r.get('cpu_eval_main', 0):.1f} s, workers {r.get('cpu_eval_workers', 0):.1f} s)"
                    f" | total {r['import'] + r['evaluate']:.2f} s"
                )
            line += f" | log copy left after {r.get('checkpoint_after', 0):.2f} s"
            line += (
                f" | peak RSS main {r['rss_main_mb']:,.0f} MB (import {r['rss_main_import_mb']:,.0f}"
                f" MB), workers {workers} MB | database {r['db_mb']:,.0f} MB"
            )
            print(line, flush=True)
            total = r["import"] + r.get("evaluate", 0)
            if best is None or total < best["import"] + best.get("evaluate", 0):
                best = r
        if best is not None:
            summary.append((label, best))
    print("\nbest run per shape (total = import + evaluate; µs per row):")
    for label, r in summary:
        if r is None:
            print(f"  {label}: did not finish")
            continue
        if "refused" in r:
            print(f"  {label}: refused after {r['import']:.2f} s")
            continue
        total = r["import"] + r.get("evaluate", 0)
        print(
            f"  {label}: import {r['import']:.2f} s, evaluate {r.get('evaluate', 0):.2f} s, "
            f"total {total:.2f} s = {total / r['rows'] * 1e6:.1f} µs/row; peak RSS main "
            f"{r['rss_main_mb']:,.0f} MB, largest worker "
            f"{max(r['rss_workers_mb'], default=0):,.0f} MB; database {r['db_mb']:,.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
