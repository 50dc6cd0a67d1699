"""Tampering with any one audit entry (as an attacker would: triggers dropped first) is detected,
and `reliefdesk audit verify` names the entry."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from readers import READER, add_reader, reader_env

from desktop.audit.export import export
from desktop.audit.log import GENESIS, append, entry_hash, verify
from desktop.store import open_db
from desktop.store.backup import copy_database
from desktop.store.tx import transaction

N = 8


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audit") / "orig.sqlite3"
    db = open_db(path)
    for i in range(1, N + 1):
        with transaction(db.conn):
            append(
                db.conn,
                "clerk1" if i % 2 else "judge1",
                f"test.step{i % 3}",
                [i, i + 100],
                {"n": i, "note": f"entry {i}"},
            )
    assert verify(db.conn).ok
    db.conn.close()
    add_reader(path)  # verifying is reading: it needs a signed-in user
    return path


def attacker_copy(original: Path, tmp_path: Path) -> sqlite3.Connection:
    """A copy of the database with the append-only triggers dropped."""
    src = sqlite3.connect(original)
    copy = copy_database(src, tmp_path / "copy.sqlite3")
    src.close()
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    return conn


def require_head(conn: sqlite3.Connection, seq: int) -> None:
    """Removing or rewriting the newest entry is only visible through the recorded chain head,
    which lives in the settings table (migration 0004)."""
    has = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'settings'").fetchone()
    assert has, "the chain head lives in the settings table (migration 0004)"


def row(conn: sqlite3.Connection, seq: int) -> tuple:
    return conn.execute(
        "SELECT seq, at, user, action, targets, payload, prev_hash, hash "
        "FROM audit_log WHERE seq = ?",
        (seq,),
    ).fetchone()


def rehash(conn: sqlite3.Connection, seq: int) -> None:
    s, at, user, action, targets, payload, prev, _ = row(conn, seq)
    conn.execute(
        "UPDATE audit_log SET hash = ? WHERE seq = ?",
        (entry_hash(s, at, user, action, targets, payload, prev), seq),
    )


EDITS = {
    "action": "UPDATE audit_log SET action = 'test.forged' WHERE seq = ?",
    "user": "UPDATE audit_log SET user = 'mallory' WHERE seq = ?",
    "payload": "UPDATE audit_log SET payload = '{\"n\":999}' WHERE seq = ?",
    "targets": "UPDATE audit_log SET targets = '[1]' WHERE seq = ?",
    "at": "UPDATE audit_log SET at = '2001-01-01T00:00:00.000000+00:00' WHERE seq = ?",
    "prev_hash": "UPDATE audit_log SET prev_hash = '" + "1" * 64 + "' WHERE seq = ?",
    "hash": "UPDATE audit_log SET hash = '" + "2" * 64 + "' WHERE seq = ?",
}


@pytest.mark.parametrize("field", sorted(EDITS))
@pytest.mark.parametrize("seq", range(1, N + 1))
def test_edit_is_named(original: Path, tmp_path: Path, field: str, seq: int) -> None:
    conn = attacker_copy(original, tmp_path)
    conn.execute(EDITS[field], (seq,))
    result = verify(conn)
    assert not result.ok
    # Editing an entry's stored hash breaks the link from the next entry, which names this one.
    assert result.broken_seq == seq, result.reason


@pytest.mark.parametrize("seq", range(1, N + 1))
def test_edit_with_recomputed_hash_is_named(original: Path, tmp_path: Path, seq: int) -> None:
    conn = attacker_copy(original, tmp_path)
    require_head(conn, seq)
    conn.execute(EDITS["payload"], (seq,))
    rehash(conn, seq)
    result = verify(conn)
    assert not result.ok
    assert result.broken_seq == seq, result.reason


@pytest.mark.parametrize("seq", range(1, N + 1))
def test_delete_is_named(original: Path, tmp_path: Path, seq: int) -> None:
    conn = attacker_copy(original, tmp_path)
    require_head(conn, seq)
    conn.execute("DELETE FROM audit_log WHERE seq = ?", (seq,))
    result = verify(conn)
    assert not result.ok
    assert result.broken_seq == seq, result.reason
    assert "missing" in result.reason


@pytest.mark.parametrize("seq", range(1, N))
def test_reorder_is_named(original: Path, tmp_path: Path, seq: int) -> None:
    """Swap an entry with the next one (their sequence numbers trade places)."""
    conn = attacker_copy(original, tmp_path)
    conn.execute("UPDATE audit_log SET seq = -1 WHERE seq = ?", (seq,))
    conn.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", (seq, seq + 1))
    conn.execute("UPDATE audit_log SET seq = ? WHERE seq = -1", (seq + 1,))
    result = verify(conn)
    assert not result.ok
    assert result.broken_seq == seq, result.reason


def test_deleting_tail_is_detected_by_recorded_head(original: Path, tmp_path: Path) -> None:
    conn = attacker_copy(original, tmp_path)
    require_head(conn, N)
    conn.execute("DELETE FROM audit_log WHERE seq >= ?", (N - 2,))
    result = verify(conn)
    assert not result.ok and result.broken_seq == N - 2
    # The program appending afterwards continues from the recorded head: the gap stays visible.
    with transaction(conn):
        new_seq = append(conn, "clerk1", "test.after", [], {})
    assert new_seq == N + 1
    assert verify(conn).broken_seq == N - 2


def test_full_rewrite_is_caught_by_an_earlier_export(original: Path, tmp_path: Path) -> None:
    """Rewriting every entry with fresh hashes (and the head) defeats the chain alone, but not a
    comparison with an export the court kept."""
    src = sqlite3.connect(original)
    kept = export(src, tmp_path / "kept.jsonl")
    src.close()
    conn = attacker_copy(original, tmp_path)
    conn.execute("UPDATE audit_log SET user = 'mallory' WHERE seq = 3")
    prev = GENESIS
    for seq in range(1, N + 1):
        conn.execute("UPDATE audit_log SET prev_hash = ? WHERE seq = ?", (prev, seq))
        rehash(conn, seq)
        prev = row(conn, seq)[7]
    conn.execute(
        "UPDATE settings SET value = json_object('hash', ?, 'seq', ?) WHERE key = 'audit_head'",
        (prev, N),
    ) if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'settings'").fetchone() else None
    assert verify(conn).ok
    conn.close()
    out = run_cli(tmp_path / "copy.sqlite3", "audit", "verify", "--against", str(kept.path))
    assert out.returncode == 1
    assert "entry 3" in out.stdout


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db), *args, "--as", READER],
        capture_output=True,
        text=True,
        timeout=60,
        env=reader_env(),
    )


@pytest.mark.parametrize("attack,seq", [("edit", 4), ("delete", 2), ("reorder", 6), ("delete", N)])
def test_cli_verify_names_the_entry(original: Path, tmp_path: Path, attack: str, seq: int) -> None:
    conn = attacker_copy(original, tmp_path)
    require_head(conn, seq)
    if attack == "edit":
        conn.execute(EDITS["action"], (seq,))
    elif attack == "delete":
        conn.execute("DELETE FROM audit_log WHERE seq = ?", (seq,))
    else:
        conn.execute("UPDATE audit_log SET seq = -1 WHERE seq = ?", (seq,))
        conn.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", (seq, seq + 1))
        conn.execute("UPDATE audit_log SET seq = ? WHERE seq = -1", (seq + 1,))
    conn.close()
    out = run_cli(tmp_path / "copy.sqlite3", "audit", "verify")
    assert out.returncode == 1, out.stderr
    assert f"BROKEN at entry {seq}:" in out.stdout


def test_cli_verify_intact(original: Path, tmp_path: Path) -> None:
    conn = attacker_copy(original, tmp_path)
    conn.close()
    out = run_cli(tmp_path / "copy.sqlite3", "audit", "verify")
    assert out.returncode == 0, out.stderr
    assert f"{N} entries" in out.stdout


def test_triggers_refuse_ordinary_changes(original: Path, tmp_path: Path) -> None:
    src = sqlite3.connect(original)
    path = copy_database(src, tmp_path / "c.sqlite3")
    src.close()
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET user = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 1")
