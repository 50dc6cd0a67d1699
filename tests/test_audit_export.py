"""`audit export` writes every entry with its hashes (recomputable from the file alone) and
`audit list` filters by action and user."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from helpers.cli import reliefdesk
from readers import READER, READER_PASSWORD, add_reader

from desktop.audit.export import compare_with_export, read_export
from desktop.audit.log import GENESIS, append, entry_hash, verify
from desktop.audit.query import AuditFilter, count_entries, list_entries
from desktop.store import open_db
from desktop.store.tx import transaction

AS = ["--as", READER]


def run(argv: list[str]) -> int:
    """The command line, signed in as the test's reader."""
    return reliefdesk(None, *argv, *AS)


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "a.sqlite3"
    db = open_db(path)
    rows = [
        ("clerk1", "review.approve", [1], {"relief": "dismiss_and_seal"}),
        ("clerk1", "review.reject", [2], {"reason": 'record inconsistent, "quoted"\nline'}),
        ("judge1", "batch.accept", [7], {"batch_id": 7}),
        (None, "import", [1], {"file": "naïve–ütf8.csv"}),
        ("clerk2", "review.approve", [3, 4], {}),
    ]
    for user, action, targets, payload in rows:
        with transaction(db.conn):
            append(db.conn, user, action, targets, payload)
    db.conn.close()
    add_reader(path)  # reading the log needs a signed-in user
    return path


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_recomputes_from_file(
    db_path: Path, tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"audit{suffix}"
    assert run(["--db", str(db_path), "audit", "export", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["entries"] == 5 and summary["format"] == suffix[1:]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    entries = read_export(out)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    prev = GENESIS
    for e in entries:  # the chain checks out from the exported file alone
        assert e.prev_hash == prev
        assert (
            entry_hash(e.seq, e.at, e.user, e.action, e.targets, e.payload, e.prev_hash) == e.hash
        )
        prev = e.hash
    assert summary["head_hash"] == prev
    assert entries[3].user is None and "naïve–ütf8" in entries[3].payload
    db = open_db(db_path)
    assert compare_with_export(db.conn, entries) is None


def test_csv_export_is_plain_csv(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    assert run(["--db", str(db_path), "audit", "export", "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        # The first line says how formula-like cells are neutralised (issue 12, CWE-1236).
        assert fh.readline().startswith("# ReliefDesk export for people")
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5
    assert json.loads(rows[1]["payload"])["reason"] == 'record inconsistent, "quoted"\nline'
    assert rows[2]["action"] == "batch.accept" and rows[2]["user"] == "judge1"


def test_export_refuses_unknown_extension(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--db", str(db_path), "audit", "export", "--out", str(tmp_path / "a.txt")]) == 2
    assert ".csv or .jsonl" in capsys.readouterr().err


def test_edited_export_is_reported(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"
    run(["--db", str(db_path), "audit", "export", "--out", str(out)])
    out.write_text(out.read_text(encoding="utf-8").replace("judge1", "judge9"), encoding="utf-8")
    db = open_db(db_path)
    assert "entry 3" in (compare_with_export(db.conn, read_export(out)) or "")


def test_list_filters(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", str(db_path), "audit", "list", "--action", "review.approve", "--json"]) == 0
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [g["seq"] for g in got] == [1, 5]
    assert got[1]["targets"] == [3, 4]
    assert (
        run(
            [
                "--db",
                str(db_path),
                "audit",
                "list",
                "--user",
                "clerk1",
                "--action",
                "review.*",
                "--json",
            ]
        )
        == 0
    )
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(g["seq"], g["action"]) for g in got] == [(1, "review.approve"), (2, "review.reject")]
    assert run(["--db", str(db_path), "audit", "list", "--newest", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].split()[0] == "5"


def test_query_api(db_path: Path) -> None:
    db = open_db(db_path)
    assert count_entries(db.conn, AuditFilter(text="dismiss_and_seal")) == 1
    assert [e.seq for e in list_entries(db.conn, AuditFilter(user="judge1"))] == [3]
    page = list_entries(db.conn, AuditFilter(newest_first=True), limit=2, offset=2)
    assert [e.seq for e in page] == [3, 2]
    assert verify(db.conn).ok
