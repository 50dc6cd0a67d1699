"""An evaluation run read and evaluated by worker processes (issue 20) stores exactly what the
one-process run stores, ids included, and both store what the engine gives when it is called as
the run loop called it before (each case's prosecution responses repeated for every count of the
case): long and short records, prosecution responses, and a re-evaluation that reopens decided
counts. Nothing here is timed."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from desktop.evaluation import runs as ev
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.rules.engine import evaluate_subject
from desktop.rules.policy import load_policy
from desktop.store import open_db

COUNTY = "SAN BERNARDINO"
AS_OF = date(2020, 7, 1)
TABLES = {
    "determinations": "SELECT * FROM determinations ORDER BY id",
    "review_items": "SELECT * FROM review_items ORDER BY count_id",
    "evaluation_runs": "SELECT id, county, policy_name, policy_version, policy_json, as_of,"
    " engine_version, status, totals FROM evaluation_runs ORDER BY id",
}


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of short and long (~100 rows a person) records, with prosecution responses to
    some cases: for the whole case, for one count, and several to one case."""
    base = tmp_path_factory.mktemp("evalpar")
    short, dense = base / "short.csv", base / "dense.csv"
    generate(short, COUNTY, 4_000, seed=41)
    generate(dense, COUNTY, 8_000, seed=42, rows_per_person=100)
    db_path = base / "records.sqlite3"
    db = open_db(db_path)
    import_file(db, short, backup=False)
    import_file(db, dense, backup=False)
    conn = db.conn
    cases = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT k.case_number FROM counts c JOIN cases k ON k.id = c.case_id"
            " WHERE c.base_section >= '11357' AND c.base_section < '11361' AND c.county = ?"
            " AND c.convicted = 1 AND k.case_number IS NOT NULL ORDER BY k.id",
            (COUNTY,),
        )
    ]
    assert len(cases) > 60
    rows = []
    for i, case in enumerate(cases[:60]):
        response = "challenged" if i % 3 == 0 else "not_challenged"
        rows.append((case, None, response, "criteria", "2019-01-02"))
        if i % 4 == 0:
            rows.append(
                (
                    case,
                    1,
                    "challenged" if i % 8 else "not_challenged",
                    "public_safety",
                    "2019-02-03",
                )
            )
        if i % 5 == 0:
            rows.append((case, None, "not_challenged", None, "2019-03-04"))
    conn.executemany(
        "INSERT INTO prosecution_responses (case_number, count_no, response, ground,"
        " response_date) VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db_path


def copy_of(src: Path, dst: Path):
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return open_db(dst)


def dump(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {t: conn.execute(q).fetchall() for t, q in TABLES.items()}


def run_twice(db, monkeypatch, parallel: bool) -> dict[str, list[tuple]]:
    """Evaluate, decide a third of the counts, evaluate again with another policy (so decided
    counts whose relief changes are reopened)."""
    monkeypatch.setattr(ev, "PARALLEL_MIN_SUBJECTS", 0 if parallel else 1 << 60)
    monkeypatch.setattr(ev, "CHUNK", 37)  # many chunks, handed out ahead of the writing
    ev.evaluate_county(db, COUNTY, load_policy("statute"), AS_OF, backup=False)
    db.conn.execute(
        "UPDATE review_items SET status = 'approved', decided_by = 'clerk',"
        " decided_at = '2020-08-01' WHERE count_id % 3 = 0"
    )
    ev.evaluate_county(db, COUNTY, load_policy("los-angeles"), AS_OF, backup=False)
    return dump(db.conn)


def old_run_loop(conn: sqlite3.Connection, policy_name: str) -> list[tuple]:
    """What the run loop stored before (every case's responses repeated for each of its
    counts), as (count id, subject id, relief, target, rule path, flags, explanation)."""
    policy = load_policy(policy_name)
    responses = ev.load_responses(conn)
    out = []
    # Issue 13 §4: whole cycles (or the cycle's Prop 64 charges) as the policy needs them.
    cycles = policy.related is not None or policy.plea is not None
    ids = ev.subjects_in_scope(conn, COUNTY, any_disposition=cycles)
    for subject, counts in ev.load_subjects(
        conn, ids, all_counts=ev._needs_whole_cycles(policy), prop64_charges=cycles
    ):
        subject_responses = [
            r for c in counts if c.case_number for r in responses.get(c.case_number, ())
        ]
        for d in evaluate_subject(subject, counts, COUNTY, policy, AS_OF, subject_responses):
            out.append(
                (
                    d.count_id,
                    subject.id,
                    d.relief,
                    d.resentence_target,
                    d.rule_path,
                    ";".join(d.flags),
                    json.dumps(d.explanation(policy.ref, AS_OF), sort_keys=True),
                )
            )
    return out


def test_parallel_run_stores_what_the_one_process_run_stores(tmp_path, records, monkeypatch):
    one = run_twice(copy_of(records, tmp_path / "one.sqlite3"), monkeypatch, parallel=False)
    par = run_twice(copy_of(records, tmp_path / "par.sqlite3"), monkeypatch, parallel=True)
    assert len(one["determinations"]) > 300
    assert any(r[-1] for r in one["review_items"] if r[-1]), "no count was reopened"
    for table in TABLES:
        assert len(par[table]) == len(one[table]), table
        for p, o in zip(par[table], one[table], strict=True):
            assert p == o, (table, p, o)


def test_stored_determinations_are_the_old_loops(tmp_path, records, monkeypatch):
    db = copy_of(records, tmp_path / "db.sqlite3")
    monkeypatch.setattr(ev, "PARALLEL_MIN_SUBJECTS", 0)
    run = ev.evaluate_county(db, COUNTY, load_policy("statute"), AS_OF, backup=False)
    got = db.conn.execute(
        "SELECT count_id, subject_id, relief, resentence_target, rule_path, flags, explanation"
        " FROM determinations WHERE run_id = ? ORDER BY id",
        (run,),
    ).fetchall()
    want = old_run_loop(db.conn, "statute")
    assert got == want
    flags = {f for row in got for f in row[5].split(";")}
    assert {"prosecution_challenged", "prosecution_not_challenged"} <= flags


def test_cancel_stops_the_workers_and_keeps_nothing(tmp_path, records, monkeypatch):
    from desktop.progress import Cancelled

    db = copy_of(records, tmp_path / "db.sqlite3")
    monkeypatch.setattr(ev, "PARALLEL_MIN_SUBJECTS", 0)
    monkeypatch.setattr(ev, "CHUNK", 20)

    def progress(done: int, total: int, label: str) -> None:
        if done > total // 3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        ev.evaluate_county(
            db, COUNTY, load_policy("statute"), AS_OF, backup=False, progress=progress
        )
    assert db.conn.execute("SELECT COUNT(*) FROM determinations").fetchone() == (0,)
    assert db.conn.execute("SELECT COUNT(*) FROM evaluation_runs").fetchone() == (0,)
    run = ev.evaluate_county(db, COUNTY, load_policy("statute"), AS_OF, backup=False)
    assert (
        db.conn.execute("SELECT COUNT(*) FROM determinations WHERE run_id = ?", (run,)).fetchone()[
            0
        ]
        > 0
    )
