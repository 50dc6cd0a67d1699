"""A database made by an earlier ReliefDesk (schema 6, 4 KB pages) with records in it is upgraded
in place: a backup first, the lean counts indexes of migration 0007, nothing lost, and the
evaluation and the queue's section filter work on it."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from desktop.evaluation.runs import evaluate_county
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.review.queue import queue_query
from desktop.rules.policy import load_policy
from desktop.store import open_db, workspace_guards
from desktop.store.backup import list_backups
from desktop.store.db import _split_sql, connect, migrations

COUNTY = "SAN BERNARDINO"


def old_database(path: Path, version: int) -> None:
    """The file an earlier ReliefDesk made: 4 KB pages, migrations up to `version`."""
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA page_size = 4096")
    raw.execute("PRAGMA journal_mode = WAL")
    raw.close()
    conn = connect(path)
    for number, _name, sql in migrations():
        if number > version:
            break
        conn.execute("BEGIN")
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    conn.close()


def import_into_old(old: sqlite3.Connection, data: Path, scratch: Path):
    """The records an earlier ReliefDesk imported: the file is imported with this version into a
    scratch database, and each table's rows are copied into the old one in the old columns
    (later migrations add tables and columns the old schema does not have)."""
    summary = import_file(open_db(scratch), data, backup=False)
    old.execute(f"ATTACH '{scratch}' AS current")
    old.execute("BEGIN")
    for table in (
        "imports",
        "rejected_rows",
        "subjects",
        "subject_events",
        "cases",
        "counts",
        "audit_log",
    ):
        cols = ", ".join(r[1] for r in old.execute(f"PRAGMA main.table_info({table})"))
        old.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM current.{table}")
    old.execute("COMMIT")
    old.execute("DETACH current")
    return summary


def indexes(conn: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'counts'"
            " AND sql IS NOT NULL"
        )
    }


def test_schema_6_database_with_records_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old_database(path, 6)
    data = tmp_path / "doj.csv"
    generate(data, COUNTY, 3000, seed=5)
    old = connect(path)
    assert {"counts_section", "counts_conviction_date", "counts_base_county"} <= indexes(old)
    summary = import_into_old(old, data, path.parent / "current.sqlite3")
    before = old.execute("SELECT * FROM counts ORDER BY id").fetchall()
    old.close()
    assert summary.rows_kept > 0 and before

    db = open_db(path)
    conn = db.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096  # kept: no rewrite of the file
    got = indexes(conn)
    assert "counts_cannabis" in got
    assert not got & {"counts_section", "counts_conviction_date", "counts_base_county"}
    assert conn.execute("SELECT * FROM counts ORDER BY id").fetchall() == before
    assert [b for b in list_backups(path) if "upgrade" in b.name], "no backup before the upgrade"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Migration 0010 (issue 13 §3): warnings of kept rows, SUBJECT_ID of rejected rows.
    assert conn.execute("SELECT COUNT(*) FROM row_warnings").fetchone()[0] == 0
    assert "subject_key" in {r[1] for r in conn.execute("PRAGMA table_info(rejected_rows)")}

    run = evaluate_county(db, COUNTY, load_policy("statute"), date(2020, 7, 1), backup=False)
    assert (
        conn.execute("SELECT COUNT(*) FROM determinations WHERE run_id = ?", (run,)).fetchone()[0]
        > 0
    )
    sql, params = queue_query(section="11357")
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    sections = [dict(zip(names, r, strict=True))["section"] for r in cur]
    assert sections and all(s.split("(")[0] == "11357" for s in sections), sections


def test_new_database_has_16_kb_pages(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "new.sqlite3").conn
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 16384


def test_schema_20_database_with_signed_orders_upgrades_to_ruling_orders(tmp_path: Path) -> None:
    """Migration 0028 rebuilds `orders` (new kinds, no batch for orders from rulings): every row,
    every column, the sealed counts, the indexes and triggers survive; foreign keys hold."""
    path = tmp_path / "old.sqlite3"
    old_database(path, 20)
    data = tmp_path / "doj.csv"
    generate(data, COUNTY, 400, seed=7)
    old = connect(path)
    import_into_old(old, data, path.parent / "current.sqlite3")
    counts = old.execute("SELECT id, case_id FROM counts ORDER BY id LIMIT 3").fetchall()
    old.execute("BEGIN")
    for i, kind in enumerate(("one_case", "resentence"), 1):
        old.execute(
            "INSERT INTO orders (id, order_no, kind, batch_id, case_id, county, county_code, year,"
            " seq, order_date, template_name, template_version, status, created_at, sha256,"
            " signature_method, printed_names, audit_head, planned_path)"
            " VALUES (?, ?, ?, 7, ?, ?, '36', 2025, ?, '2025-03-01', ?, '2.0', 'prepared',"
            " '2025-03-01T10:00:00+00:00', ?, 'digital', 'AMARA P CALDERON', '5:ab', '/x.pdf')",
            (i, f"P64-36-2025-00000{i}", kind, counts[i - 1][1], COUNTY, i, kind, f"{i}" * 64),
        )
        old.execute(
            "INSERT INTO order_counts (order_id, count_id, case_id, relief) VALUES (?, ?, ?, ?)",
            (i, counts[i - 1][0], counts[i - 1][1], "dismiss_and_seal"),
        )
    old.execute(
        "UPDATE orders SET status = 'signed', signed_at = '2025-03-01T11:00:00+00:00' WHERE id = 1"
    )
    old.execute("COMMIT")
    before = old.execute("SELECT * FROM orders ORDER BY id").fetchall()
    sealed_before = old.execute("SELECT * FROM under_seal ORDER BY count_id").fetchall()
    old.close()
    assert sealed_before and sealed_before[0][0] == counts[0][0]

    conn = open_db(path).conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    cols = [r[1] for r in conn.execute("PRAGMA table_info(orders)")]
    assert cols[-2:] == ["matter_id", "hearing_id"]
    after = conn.execute(f"SELECT {', '.join(cols[:-2])} FROM orders ORDER BY id").fetchall()
    assert after == before
    assert conn.execute("SELECT * FROM under_seal ORDER BY count_id").fetchall() == sealed_before
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'orders'")}
    assert {
        "orders_batch",
        "orders_case",
        "under_seal_order_signed",
        "under_seal_order_unsigned",
        "under_seal_order_inserted",
        "under_seal_order_deleted",
    } <= names
    # The triggers still seal on signing; a denied count of a ruling order never.
    conn.execute("UPDATE orders SET status = 'signed', signed_at = 'x' WHERE id = 2")
    assert conn.execute(
        "SELECT order_id FROM under_seal WHERE count_id = ?", (counts[1][0],)
    ).fetchone() == (2,)
    conn.execute(
        "INSERT INTO matters (id, subject_id, kind, opened_by, opened_at)"
        " SELECT 1, subject_id, 'petition', 'clerk', 'x' FROM counts WHERE id = ?",
        (counts[2][0],),
    )
    conn.execute(
        "INSERT INTO orders (id, order_no, kind, batch_id, case_id, county, county_code, year,"
        " seq, order_date, template_name, template_version, created_at, matter_id)"
        " VALUES (3, 'P64-36-2026-000001', 'denial', NULL, ?, ?, '36', 2026, 1, '2026-11-30',"
        " 'denial', '1.0', 'x', 1)",
        (counts[2][1], COUNTY),
    )
    conn.execute(
        "INSERT INTO order_counts (order_id, count_id, case_id, relief) VALUES (3, ?, ?, 'denied')",
        (counts[2][0], counts[2][1]),
    )
    conn.execute("UPDATE orders SET status = 'signed', signed_at = 'x' WHERE id = 3")
    assert (
        conn.execute("SELECT 1 FROM under_seal WHERE count_id = ?", (counts[2][0],)).fetchone()
        is None
    )
    with pytest.raises(sqlite3.IntegrityError):  # an order needs a batch or a matter
        conn.execute(
            "INSERT INTO orders (order_no, kind, county, county_code, year, seq, order_date,"
            " template_name, template_version, created_at) VALUES ('n', 'denial', 'c', '36',"
            " 2026, 9, 'd', 't', 'v', 'x')"
        )


def _triggers(conn: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'workspace_%'"
        )
    }


@pytest.mark.parametrize("workspace", [False, True])
def test_workspace_guards_leave_the_clerks_database_and_stay_in_workspaces(
    tmp_path: Path, workspace: bool
) -> None:
    """Migration 0029: the package-workspace triggers (a cost on every row written, even when
    they do nothing) leave a clerk's database; a workspace built before 0029 keeps every one of
    them, and they still refuse."""
    path = tmp_path / "old.sqlite3"
    old_database(path, 28)
    old = connect(path)
    assert _triggers(old) == workspace_guards.names()  # as migration 0021 made them
    if workspace:
        old.execute("INSERT INTO settings (key, value) VALUES ('package_workspace', '{}')")
        old.commit()
    old.close()
    conn = open_db(path).conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
    assert _triggers(conn) == (workspace_guards.names() if workspace else set())
    insert = (
        "INSERT INTO imports (file_name, file_path, file_size, sha256, format, imported_at)"
        " VALUES ('f', 'f', 1, 'x', 'doj', 'now')"
    )
    if workspace:
        with pytest.raises(sqlite3.IntegrityError, match="package workspace"):
            conn.execute(insert)
    else:
        conn.execute(insert)
    conn.close()
    # A new database has none either.
    assert _triggers(open_db(tmp_path / "new.sqlite3").conn) == set()
