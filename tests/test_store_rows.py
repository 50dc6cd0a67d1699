"""Rows read by column name (desktop/store/rows.py) and the one latest-run question
(desktop/store/runs.py) that evaluation results and the orders' summary share (issue 11)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.errors import UserError
from desktop.evaluation import results
from desktop.orders import summary_data
from desktop.review.decisions import HistoryEntry
from desktop.store import open_db, runs
from desktop.store.rows import all_as, named, one_as


@dataclass(frozen=True)
class Pair:
    a: int
    b: str


@pytest.fixture
def mem() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (x INTEGER, y TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "one"), (2, "two")])
    return conn


def test_rows_are_built_by_name_whatever_the_column_order(mem: sqlite3.Connection) -> None:
    assert all_as(mem, Pair, "SELECT y AS b, x AS a FROM t ORDER BY x") == [
        Pair(1, "one"),
        Pair(2, "two"),
    ]
    assert one_as(mem, Pair, "SELECT x AS a, y AS b FROM t WHERE x = ?", (2,)) == Pair(2, "two")
    assert one_as(mem, Pair, "SELECT x AS a, y AS b FROM t WHERE x = 9") is None
    assert list(named(mem.execute("SELECT x, y FROM t WHERE x = 1"))) == [{"x": 1, "y": "one"}]


def test_a_column_without_a_field_or_a_field_without_a_column_fails(mem) -> None:
    with pytest.raises(TypeError):
        all_as(mem, Pair, "SELECT x AS a, y AS b, 3 AS c FROM t")
    with pytest.raises(TypeError):
        all_as(mem, Pair, "SELECT x AS a FROM t")


def test_convert_gives_fields_their_types(mem: sqlite3.Connection) -> None:
    entry = one_as(
        mem,
        HistoryEntry,
        "SELECT 1 AS step, 'c' AS user, 'approve' AS action, 'now' AS at, ? AS old,"
        " ? AS new, 0 AS undone",
        (json.dumps({"status": "pending"}), json.dumps({"status": "approved"})),
        old=json.loads,
        new=json.loads,
        undone=bool,
    )
    assert entry is not None
    assert entry.old == {"status": "pending"} and entry.undone is False


def _run(conn: sqlite3.Connection, status: str) -> int:
    cur = conn.execute(
        "INSERT INTO evaluation_runs (county, policy_name, policy_version, policy_json, as_of,"
        " engine_version, started_at, status) VALUES ('LOS ANGELES', 'p', '1', '{}',"
        " '2026-01-01', '1', '2026-01-01T00:00:00Z', ?)",
        (status,),
    )
    return int(cur.lastrowid or 0)


def test_one_latest_run_for_results_and_the_summary(tmp_path: Path) -> None:
    assert results.latest_run is runs.latest_run
    assert summary_data.latest_run is runs.latest_run
    conn = open_db(tmp_path / "r.db").conn
    try:
        with pytest.raises(UserError, match="no evaluation has been run yet") as no_run:
            runs.latest_run(conn)
        assert no_run.value.exit_code == 2
        first = _run(conn, "complete")
        newer = _run(conn, "complete")
        _run(conn, "running")  # an unfinished run is never the latest
        assert runs.latest_run(conn) == newer
        assert runs.latest_run(conn, first) == first
        with pytest.raises(UserError, match="no complete evaluation run 99"):
            runs.latest_run(conn, 99)
    finally:
        conn.close()
