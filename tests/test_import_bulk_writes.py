"""What the DOJ import skips to be fast, and what stands in for it (issue 20):

- SQLite's foreign-key checks are off for the import's transaction; each worker's chunk proves
  instead that every reference in it stays inside the chunk (doj_chunks.check_local_references),
  and the checks are on again afterwards, also when the import is refused.
- The automatic checkpoint is off for the import's COMMIT; the log is copied into the database
  file afterwards (desktop/store/checkpoint.py), on a thread of its own when it is large, so the
  database file alone holds the import once the copy is done."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.records import doj_import
from desktop.records.doj_chunks import _local_tables, check_local_references
from desktop.records.doj_group import LOCAL_COLUMNS
from desktop.records.generate import generate
from desktop.records.importer import NotImportable, import_file
from desktop.store import checkpoint, open_db


def _row(table: str, **given: object) -> tuple:
    return tuple(given.get(c) for c in LOCAL_COLUMNS[table])


def _chunk(counts: list[dict], subjects: int = 2, templates: int = 1) -> sqlite3.Connection:
    """A worker's in-memory chunk: `subjects` people, one template, the counts given."""
    conn = sqlite3.connect(":memory:")
    inserts = _local_tables(conn)
    for i in range(1, subjects + 1):
        conn.execute(inserts["subjects"], _row("subjects", id=i, source_key=f"S{i}"))
    for i in range(1, templates + 1):
        conn.execute(inserts["count_templates"], _row("count_templates", id=i))
    for c in counts:
        conn.execute(inserts["counts"], _row("counts", **c))
    return conn


GOOD = [
    {"id": 1, "case_id": 1, "subject_id": 1, "template": 1, "case_first": 1},
    {"id": 2, "case_id": 1, "subject_id": 1, "template": 1},
    {"id": 3, "case_id": 2, "subject_id": 2, "template": 1, "case_first": 1},
]
USED = {"subjects": 2, "cases": 2, "counts": 3}


def test_a_whole_chunk_passes():
    check_local_references(_chunk(GOOD), USED, 1)


@pytest.mark.parametrize(
    "change, what",
    [
        ({"case_id": 3}, "case"),  # a case the chunk does not hold
        ({"subject_id": 0}, "subject"),
        ({"template": 2}, "template"),
        ({"id": 7}, "counts are 1..n"),  # a gap in the ids the copy shifts
    ],
)
def test_a_reference_outside_the_chunk_stops_the_import(change, what):
    counts = [dict(GOOD[0]), GOOD[1], {**GOOD[2], **change}]
    with pytest.raises(RuntimeError, match=what):
        check_local_references(_chunk(counts), USED, 1)


def test_a_case_without_its_first_count_stops_the_import():
    counts = [GOOD[0], GOOD[1], {**GOOD[2], "case_first": None}]
    with pytest.raises(RuntimeError, match="cases are 1..n"):
        check_local_references(_chunk(counts), USED, 1)


@pytest.fixture(scope="module")
def small_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "doj.csv"
    generate(path, "SAN BERNARDINO", 4_000, seed=3)
    return path


def test_import_in_workers_leaves_every_reference_whole_and_the_checks_on(
    tmp_path, small_file, monkeypatch
):
    monkeypatch.setattr(doj_import, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(doj_import, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(doj_import, "TAIL_CHUNK_BYTES", 16 << 10)
    db = open_db(tmp_path / "db.sqlite3")
    s = import_file(db, small_file, backup=False)
    assert s.rows_kept > 3_000
    conn = db.conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # Every case has counts, and each count's subject is its case's subject.
    assert conn.execute(
        "SELECT COUNT(*) FROM cases k WHERE NOT EXISTS"
        " (SELECT 1 FROM counts c WHERE c.case_id = k.id AND c.subject_id = k.subject_id)"
    ).fetchone() == (0,)
    assert conn.execute(
        "SELECT COUNT(*) FROM counts c JOIN cases k ON k.id = c.case_id"
        " WHERE k.subject_id != c.subject_id OR k.event_key != substr(c.cnt_order, 1, 6)"
    ).fetchone() == (0,)


def test_a_refused_import_turns_the_checks_back_on(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "RECORD_ID," + ",".join(f"C{i}" for i in range(94)) + "\n" + ",".join(["x"] * 95) + "\n"
    )
    db = open_db(tmp_path / "db.sqlite3")
    with pytest.raises(NotImportable):
        import_file(db, bad, fmt="doj", backup=False)
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


@pytest.mark.parametrize("background", [True, False])
def test_the_log_reaches_the_database_file(tmp_path, small_file, monkeypatch, background):
    monkeypatch.setattr(checkpoint, "BACKGROUND_MIN_BYTES", 0 if background else 1 << 40)
    started: list[object] = []
    real = checkpoint.copy_back
    monkeypatch.setattr(checkpoint, "copy_back", lambda conn: started.append(real(conn)))
    path = tmp_path / "db.sqlite3"
    db = open_db(path)
    import_file(db, small_file, backup=False)
    assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert (started[0] is not None) == background  # a thread only for a large log
    checkpoint.wait()
    # The database file without its log holds the import: the log was copied back.
    alone = tmp_path / "alone.sqlite3"
    shutil.copyfile(path, alone)
    copy = sqlite3.connect(alone)
    try:
        n = copy.execute("SELECT COUNT(*) FROM counts").fetchone()[0]
    finally:
        copy.close()
    assert n == db.conn.execute("SELECT COUNT(*) FROM counts").fetchone()[0] > 0
    db.conn.close()
