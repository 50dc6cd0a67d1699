"""One person with a very long record (issue 13, Speed): 2,000 and 20,000 felony counts.

    python bench/bench_one_person.py [--counts 2000 20000] [--repeat 3]

Writes a DOJ research file with one invented person whose record holds N felony court counts
(HS 11359/11360 felonies in most cycles, a burglary, an assault, a disqualifying prior and a PC
290 registration-free record), imports it into a fresh database and evaluates the county with the
statute policy as of 2020-07-01. Prints the seconds for the import, the evaluation and the engine
alone (evaluate_subject on the loaded record), with counts per second. Evaluation weighs each prior
once per person and each distinct section string once per run, so it grows linearly: 20,000
counts should take about ten times as long as 2,000. Best of --repeat runs."""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from desktop.evaluation.runs import evaluate_county, load_subjects, subjects_in_scope
from desktop.records.doj_layout import COLUMNS, INDEX
from desktop.records.importer import import_file
from desktop.rules.engine import evaluate_subject
from desktop.rules.policy import load_policy
from desktop.store import open_db

COUNTY = "SAN BERNARDINO"
AS_OF = date(2020, 7, 1)
OFFENSES = [
    "11359 HS-POSSESS MARIJUANA FOR SALE",
    "11360(A) HS-SELL/TRANSPORT MARIJUANA",
    "11358 HS-CULTIVATE MARIJUANA",
    "459 PC-BURGLARY",
    "245(A)(1) PC-ADW",
    "11350(A) HS-POSSESS NARCOTIC",
    "664/11359 HS-ATTEMPT POSS FOR SALE",
    "11359 PC-POSSESS MARIJUANA FOR SALE",
]


def write_person(path: Path, n: int) -> None:
    """One subject, n felony counts: cycles of 40 counts (DOJ allows 999 cycles of 999 counts),
    the first cycle a 1988 murder (a disqualifying prior for every later cannabis felony)."""
    per_cycle = 40
    cycles = (n + per_cycle - 1) // per_cycle
    start = date(1990, 1, 1)
    span = (date(2016, 1, 1) - start).days
    rows = []
    made = 0
    for k in range(cycles):
        when = start + timedelta(days=span * k // max(cycles, 1))
        for j in range(min(per_cycle, n - made)):
            text = "187(A) PC-MURDER" if made == 0 else OFFENSES[(k + j) % len(OFFENSES)]
            day = (date(1988, 5, 1) if made == 0 else when).strftime("%Y%m%d")
            row = [""] * len(COLUMNS)
            for col, v in {
                "SUBJECT_ID": "90000001",
                "PRI_NAME": "LONGRECORD,TEST",
                "PRI_DOB": "19600101",
                "CII_NUMBER": "A900000001",
                "CYC_DATE": day,
                "STP_EVENT_DATE": day,
                "STP_TYPE_DESCR": "COURT ACTION",
                "STP_ORI_DESCR": f"CASC {COUNTY}",
                "STP_ORI_CNTY_NAME": COUNTY,
                "CNT_ORDER": f"{k + 1:03d}002{j + 1:03d}000",
                "DISP_DATE": day,
                "OFN": f"FSB{k + 1:05d}",
                "OFFENSE_DESCR": text,
                "OFFENSE_TOC": "F",
                "DISP_DESCR": "CONVICTED",
                "CONV_STAT_DESCR": "FELONY",
                "SENT_LOC_DESCR": "PROBATION",
                "SENT_LENGTH": "1",
                "SENT_TIME_CODE": "Y",
            }.items():
                row[INDEX[col]] = v
            rows.append(row)
            made += 1
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)


def run(n: int, work: Path) -> tuple[float, float, float, int]:
    src = work / f"person-{n}.csv"
    if not src.exists():
        write_person(src, n)
    db_path = work / f"bench-{n}-{time.monotonic_ns()}.sqlite3"
    db = open_db(db_path)
    policy = load_policy("statute")
    t0 = time.perf_counter()
    import_file(db, src, backup=False)
    t1 = time.perf_counter()
    run_id = evaluate_county(db, COUNTY, policy, AS_OF, backup=False)
    t2 = time.perf_counter()
    dets = db.conn.execute(
        "SELECT COUNT(*) FROM determinations WHERE run_id = ?", (run_id,)
    ).fetchone()[0]
    ids = subjects_in_scope(db.conn, COUNTY)
    loaded = list(load_subjects(db.conn, ids))
    t3 = time.perf_counter()
    for subject, counts in loaded:
        evaluate_subject(subject, counts, COUNTY, policy, AS_OF)
    t4 = time.perf_counter()
    db.conn.close()
    db_path.unlink()
    return t1 - t0, t2 - t1, t4 - t3, dets


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="reliefdesk-one-person-") as tmp:
        work = Path(tmp)
        for n in args.counts:
            best = [float("inf")] * 3
            dets = 0
            for _ in range(args.repeat):
                times = run(n, work)
                dets = times[3]
                best = [min(a, b) for a, b in zip(best, times[:3], strict=True)]
            imp, ev, engine = best
            print(
                f"{n:>6,} felony counts of one person ({dets:,} determinations), "
                f"best of {args.repeat}:"
            )
            print(f"  import            {imp:7.2f} s  ({n / imp:>9,.0f} counts/s)")
            print(f"  evaluate (run)    {ev:7.2f} s  ({n / ev:>9,.0f} counts/s)")
            print(f"  engine alone      {engine:7.2f} s  ({n / engine:>9,.0f} counts/s)")


if __name__ == "__main__":
    main()
