"""Trust benchmarks: audit append/verify/export over 100,000 entries, and the start-up integrity
check and a backup on a database holding the generated 100,000-row file.

    /work/venv/bin/python bench/bench_trust.py [--entries N] [--rows N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.audit.export import export
from desktop.audit.log import append, verify
from desktop.store import open_db
from desktop.store.backup import auto_backup
from desktop.store.integrity import quick_check
from desktop.store.tx import transaction


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    print(f"{label:<44} {time.perf_counter() - t:8.3f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "audit.sqlite3")
        t = time.perf_counter()
        for start in range(0, args.entries, 1000):
            with transaction(db.conn):
                for i in range(start, min(start + 1000, args.entries)):
                    append(db.conn, "clerk1", "review.approve", [i], {"relief": "dismiss_and_seal"})
        secs = time.perf_counter() - t
        print(
            f"{'audit append (1,000 per transaction)':<44} {secs:8.3f} s  "
            f"({args.entries / secs:,.0f} entries/s)"
        )
        t = time.perf_counter()
        with transaction(db.conn):
            append(db.conn, "clerk1", "review.approve", [0], {})
        print(
            f"{'one audited transaction (append + commit)':<44} "
            f"{(time.perf_counter() - t) * 1000:8.2f} ms"
        )
        r = timed(f"audit verify ({args.entries:,} entries)", verify, db.conn)
        assert r.ok
        timed("audit export CSV", export, db.conn, Path(tmp) / "a.csv")
        timed("audit export JSONL", export, db.conn, Path(tmp) / "a.jsonl")

        try:
            from desktop.records.generate import generate
            from desktop.records.importer import import_file
        except ImportError:
            print("generator/importer not available: skipping the record database figures")
            return
        data = Path(tmp) / "gen.csv"
        generate(data, "LOS ANGELES", args.rows, seed=1)
        path = Path(tmp) / "records.sqlite3"
        rdb = open_db(path)
        import_file(rdb, data)
        rdb.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size / 1e6
        timed(f"quick_check at start ({size:.0f} MB database)", quick_check, rdb.conn)
        timed(f"auto_backup ({size:.0f} MB database)", auto_backup, path, "import")


if __name__ == "__main__":
    main()
