"""Review core speed on 100,000 pending counts: the queue query (filters, sorts, search, a page),
rule paths, a decision, bulk approval of a large rule path, batch submit, sample and accept.

The database: the synthetic DOJ generator and the real importer, then every count up to 100,000
gets a pending review item with a stand-in determination (relief, rule path and flags spread
like a real run), because the engine only proposes relief for the ~5 % of counts that are
cannabis counts. The timings measure the review core, not the engine.

Run: /work/venv/bin/python bench/bench_review_core.py [--rows N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET = 100_000
RELIEFS = (
    "dismiss_and_seal",
    "dismiss_and_seal",
    "redesignate_misdemeanor",
    "redesignate_infraction",
    "resentence",
    "not_eligible",
    "needs_review",
)
FLAGS = ("", "", "", "sentence_unknown", "disqualifying_prior", "unknown_quantity", "deceased")
PW = "bench-password-1"


def build(db_path: Path, rows: int) -> int:
    from desktop.records.generate import generate
    from desktop.records.importer import import_file
    from desktop.review.users import create_user
    from desktop.store import open_db
    from desktop.store.tx import transaction

    src = db_path.with_suffix(".csv")
    t = time.perf_counter()
    generate(src, "San Bernardino", rows, seed=11)
    db = open_db(db_path)
    import_file(db, src, user="bench")
    conn = db.conn
    expl = json.dumps(
        {
            "engine_version": "bench",
            "steps": [{"rule": "R0", "text": "In scope.", "statute": "HS 11361.8", "facts": {}}],
        }
    )
    with transaction(conn):
        run = conn.execute(
            "INSERT INTO evaluation_runs (county, policy_name, policy_version, policy_json, as_of,"
            " engine_version, started_at, status) VALUES ('SAN BERNARDINO', 'STAT', '1', '{}',"
            " '2020-07-01', 'bench', '2020-07-01T00:00:00', 'complete')"
        ).lastrowid
        counts = conn.execute(
            "SELECT id, subject_id, base_section, level FROM counts ORDER BY id LIMIT ?", (TARGET,)
        ).fetchall()
        dets = []
        for i, (cid, sid, base, level) in enumerate(counts):
            relief = RELIEFS[i % len(RELIEFS)]
            flags = FLAGS[(i // 7) % len(FLAGS)]
            dets.append(
                (
                    i + 1,
                    run,
                    cid,
                    sid,
                    relief,
                    "misdemeanor" if relief == "resentence" else None,
                    f"{base} {level or '?'} -> {relief}"
                    + (f", flags: {flags}" if flags else ", no flags"),
                    flags,
                    expl,
                )
            )
        conn.executemany(
            "INSERT INTO determinations (id, run_id, count_id, subject_id, relief,"
            " resentence_target, rule_path, flags, explanation)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            dets,
        )
        conn.executemany(
            "INSERT INTO review_items (count_id, determination_id) VALUES (?, ?)",
            [(d[2], d[0]) for d in dets],
        )
    admin = create_user(conn, "admin", "admin", PW, None)
    create_user(conn, "clerk", "clerk", PW, admin)
    create_user(conn, "judge", "judge", PW, admin)
    conn.execute("ANALYZE")
    n = conn.execute("SELECT COUNT(*) FROM review_items WHERE status = 'pending'").fetchone()[0]
    conn.close()
    print(
        f"built: {rows:,} generated rows, {n:,} pending counts in {time.perf_counter() - t:.1f} s"
    )
    return n


def timed(label: str, fn: Callable[[], object], repeat: int = 5) -> object:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    extra = f"  ({len(result):,} rows)" if isinstance(result, list) else ""
    print(
        f"  {label:52} median {statistics.median(times):8.1f} ms  max {max(times):8.1f} ms{extra}"
    )
    return result


def run(db_path: Path) -> None:
    from desktop.review import batches, bulk, decisions
    from desktop.review.queue import queue_query
    from desktop.review.settings import set_setting
    from desktop.review.users import authenticate
    from desktop.store import open_db

    conn = open_db(db_path).conn
    clerk, judge = authenticate(conn, "clerk", PW), authenticate(conn, "judge", PW)
    admin = authenticate(conn, "admin", PW)

    def ids(**f: object) -> list[int]:
        sql, params = queue_query(**f)
        return [r[0] for r in conn.execute(f"SELECT count_id FROM ({sql})", params)]

    def page(**f: object) -> list[tuple]:
        sql, params = queue_query(**f)
        return conn.execute(sql + " LIMIT 200 OFFSET 0", params).fetchall()

    name = conn.execute("SELECT substr(name, 1, 5) FROM subjects LIMIT 1 OFFSET 100").fetchone()[0]
    path = bulk.rule_paths(conn)[0].rule_path
    print("queue query (all ordered ids, as the window's model fetches them):")
    timed("no filter, sort by count id", lambda: ids())
    timed("no filter, sort by name", lambda: ids(sort="name"))
    timed(
        "no filter, sort by conviction date desc",
        lambda: ids(sort="conviction_date", descending=True),
    )
    timed(
        "status=pending relief=dismiss_and_seal, by name",
        lambda: ids(status="pending", relief="dismiss_and_seal", sort="name"),
    )
    timed("rule path, by name", lambda: ids(rule_path=path, sort="name"))
    timed("flag=unknown_quantity", lambda: ids(flag="unknown_quantity"))
    timed("section=11357", lambda: ids(section="11357"))
    timed(f"search name '{name}'", lambda: ids(search=name))
    timed("search case number prefix 'F'", lambda: ids(search="F"))
    print("queue query (first page of 200 rows, all columns):")
    timed("no filter, sort by name", lambda: page(sort="name"))
    timed("status=pending, sort by count id", lambda: page(status="pending"))
    timed("relief=resentence, sort by section", lambda: page(relief="resentence", sort="section"))
    print("review operations:")
    timed("rule_paths (bulk picker)", lambda: bulk.rule_paths(conn))
    pending = ids(status="pending", relief="dismiss_and_seal")
    it = iter(pending)
    timed("mark_opened (one count)", lambda: decisions.mark_opened(conn, clerk, next(it)), 20)
    timed("approve (one count)", lambda: decisions.approve(conn, clerk, [next(it)]), 20)
    timed("undo (one count)", lambda: decisions.undo(conn, clerk), 10)
    set_setting(conn, admin, "bulk_min_opened", 1)
    paths = bulk.rule_paths(conn)
    for p in paths[:3]:
        decisions.mark_opened(conn, clerk, bulk.eligible_ids(conn, p.rule_path)[0])
    total = sum(p.count for p in paths[:3])
    t = time.perf_counter()
    for p in paths[:3]:
        bulk.bulk_approve(conn, clerk, p.rule_path)
    print(
        f"  {'bulk approve 3 largest rule paths':52} {1000 * (time.perf_counter() - t):8.1f} ms"
        f"  ({total:,} counts)"
    )
    t = time.perf_counter()
    batch = batches.submit_batch(conn, clerk)
    n = conn.execute("SELECT COUNT(*) FROM batch_items WHERE batch_id = ?", (batch,)).fetchone()[0]
    print(f"  {'submit batch':52} {1000 * (time.perf_counter() - t):8.1f} ms  ({n:,} counts)")
    t = time.perf_counter()
    sample = batches.sample(conn, judge, batch, seed=1)
    print(
        f"  {'draw sample (10 %, min 1 per stratum)':52} {1000 * (time.perf_counter() - t):8.1f}"
        f" ms  ({len(sample):,} counts)"
    )
    for item in sample:
        decisions.mark_opened(conn, judge, item.count_id)
    t = time.perf_counter()
    batches.accept_batch(conn, judge, batch)
    print(f"  {'accept batch':52} {1000 * (time.perf_counter() - t):8.1f} ms")
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=120_000, help="generated DOJ rows")
    ap.add_argument("--keep", metavar="DIR", help="build (or reuse) the database in DIR")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-review-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "bench.sqlite3"
    pristine = work / "pristine.sqlite3"
    if not pristine.exists():
        build(pristine, args.rows)
    import sqlite3

    db_path.unlink(missing_ok=True)
    src, dst = sqlite3.connect(pristine), sqlite3.connect(db_path)
    src.backup(dst)
    src.close()
    dst.close()
    run(db_path)


if __name__ == "__main__":
    main()
