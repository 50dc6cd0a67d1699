"""Backups through SQLite's backup API, rotation, restore, the integrity check and file modes."""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from readers import READER_PASSWORD, add_reader

from desktop.audit.log import append, verify
from desktop.cli.main import main
from desktop.errors import UserError
from desktop.paths import backup_dir
from desktop.store import open_db
from desktop.store.backup import DEFAULT_KEEP, auto_backup, list_backups, prune, restore
from desktop.store.integrity import check_database, check_reliefdesk_file, quick_check
from desktop.store.tx import transaction


def make_db(path: Path, entries: int = 3) -> sqlite3.Connection:
    db = open_db(path)
    for i in range(entries):
        with transaction(db.conn):
            append(db.conn, "admin1", "test.entry", [i], {"i": i})
    return db.conn


def n_entries(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_database_and_wal_files_are_private(tmp_path: Path) -> None:
    conn = make_db(tmp_path / "db.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        assert mode(tmp_path / f"db.sqlite3{suffix}") == 0o600, suffix
    conn.close()


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_auto_backup_is_a_private_self_contained_copy(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    conn = make_db(db, 4)
    out = auto_backup(db, "import")
    assert out is not None and out.parent == backup_dir(db)
    assert re.fullmatch(r"db-\d{8}T\d{6}\.\d{6}Z-import\.sqlite3", out.name)
    assert mode(out) == 0o600 and mode(out.parent) == 0o700
    assert not Path(f"{out}-wal").exists()
    assert n_entries(out) == 4
    copy = sqlite3.connect(out)
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert verify(copy).ok
    copy.close()
    conn.close()


def test_auto_backup_of_nothing(tmp_path: Path) -> None:
    assert auto_backup(tmp_path / "absent.sqlite3", "import") is None
    assert auto_backup(":memory:", "import") is None


def test_backup_is_a_consistent_snapshot_during_a_write(tmp_path: Path) -> None:
    """A backup taken while another connection is mid-transaction holds only committed data."""
    db = tmp_path / "db.sqlite3"
    conn = make_db(db, 2)
    conn.execute("BEGIN IMMEDIATE")
    append(conn, "admin1", "test.uncommitted", [], {})
    out = auto_backup(db, "evaluate")
    conn.execute("COMMIT")
    assert out is not None and n_entries(out) == 2 and n_entries(db) == 3


def test_rotation_keeps_the_newest(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    conn = make_db(db, 1)
    made = [auto_backup(db, f"step{i}") for i in range(DEFAULT_KEEP + 3)]
    kept = list_backups(db)
    assert kept == made[-DEFAULT_KEEP:]
    assert all(not p.exists() for p in made[:3])  # type: ignore[union-attr]
    assert prune(db, 2) == kept[:-2] and list_backups(db) == kept[-2:]
    conn.close()


def test_rotation_follows_the_setting(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    conn = make_db(db, 1)
    with transaction(conn):
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('backup_keep', '3')")
    for i in range(5):
        auto_backup(db, f"r{i}")
    assert [p.name.rsplit("-", 1)[1] for p in list_backups(db)] == [
        "r2.sqlite3",
        "r3.sqlite3",
        "r4.sqlite3",
    ]


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_restore_replaces_live_database(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    conn = make_db(db, 2)
    good = auto_backup(db, "import")
    with transaction(conn):
        append(conn, "admin1", "test.later", [], {})
    other = sqlite3.connect(db)  # another open window keeps working on the restored content
    assert other.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 3
    result = restore(db, good)  # type: ignore[arg-type]
    assert result.previous_saved_as is not None and n_entries(result.previous_saved_as) == 3
    assert n_entries(db) == 2
    assert other.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 2
    assert verify(conn).ok and not quick_check(conn)
    assert mode(db) == 0o600
    with transaction(conn):  # the chain continues after the restore
        append(conn, "admin1", "test.after", [], {})
    assert verify(conn).ok


def corrupt(path: Path, seed: int = 0) -> None:
    """Scribble over the middle of a closed database file, as a failing disk would.
    Seeded, so a failure names the bytes that caused it."""
    rng = random.Random(seed)
    size = path.stat().st_size
    with path.open("r+b") as fh:
        for offset in range(4096 * 2, size - 4096, 4096 * 3):
            fh.seek(offset + 100)
            fh.write(rng.randbytes(900))


def big_db(path: Path) -> None:
    conn = make_db(path, 400)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_integrity_check_names_the_cure(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    big_db(db)
    good = auto_backup(db, "evaluate")
    corrupt(db)
    conn = sqlite3.connect(db)
    assert quick_check(conn)
    with pytest.raises(UserError) as err:
        check_database(conn, db)
    conn.close()
    msg = str(err.value)
    assert "damaged" in msg and f"restore {good}" in msg


def test_any_damage_is_reported_never_a_crash(tmp_path: Path) -> None:
    """Whatever bytes a failing disk leaves (quick_check quotes record contents, which need not
    be UTF-8), the check reports damage and names the cure instead of raising a decode error."""
    pristine = tmp_path / "pristine.sqlite3"
    big_db(pristine)
    for seed in range(40):
        db = tmp_path / f"db{seed}.sqlite3"
        shutil.copyfile(pristine, db)
        corrupt(db, seed)
        conn = sqlite3.connect(db)
        try:
            assert quick_check(conn), seed
            with pytest.raises(UserError, match="damaged"):
                check_database(conn, db)
        finally:
            conn.close()


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_restore_over_a_damaged_database(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    big_db(db)
    good = auto_backup(db, "evaluate")
    corrupt(db)
    result = restore(db, good)  # type: ignore[arg-type]
    assert result.previous_saved_as is not None and "damaged" in result.previous_saved_as.name
    conn = sqlite3.connect(db)
    assert not quick_check(conn) and verify(conn).ok and verify(conn).entries == 400
    conn.close()
    assert mode(db) == 0o600


@pytest.mark.parametrize(
    "content", [b"", b"not a database at all", b"SQLite format 3\x00" + b"\0" * 200]
)
def test_restore_refuses_foreign_files(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "db.sqlite3"
    make_db(db, 1).close()
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    with pytest.raises(UserError):
        restore(db, bad)
    assert n_entries(db) == 1


def test_restore_refuses_other_sqlite_files(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(UserError, match="not a ReliefDesk database"):
        check_reliefdesk_file(other)


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_cli_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "db.sqlite3"
    make_db(db, 2).close()
    out = tmp_path / "kept" / "copy.sqlite3"
    assert main(["--db", str(db), "backup", "--out", str(out)]) == 4  # a backup reads: sign in
    assert not out.exists()
    signed_in = add_reader(db)
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)
    assert main(["--db", str(db), "backup", "--out", str(out), *signed_in]) == 0
    assert n_entries(out) == 2 and mode(out) == 0o600
    assert main(["--db", str(db), "backup", "--out", str(out), *signed_in]) == 2  # never overwrites
    assert main(["--db", str(db), "backup", *signed_in]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "backup", "--list", *signed_in]) == 0
    listed = capsys.readouterr().out
    assert "-manual.sqlite3" in listed


def test_cli_backup_of_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "none" / "db.sqlite3"
    assert main(["--db", str(db), "backup"]) == 2
    assert "no database" in capsys.readouterr().err and not db.exists()


def test_keep_setting_is_audited(tmp_path: Path) -> None:
    from desktop.maintenance.backups import set_keep_count
    from desktop.store.backup import keep_count

    db = tmp_path / "db.sqlite3"
    conn = make_db(db, 1)
    set_keep_count(conn, "admin1", 2)
    assert keep_count(conn) == 2
    last = conn.execute("SELECT user, action, payload FROM audit_log ORDER BY seq DESC").fetchone()
    assert last[:2] == ("admin1", "settings.set") and '"new":2' in last[2]
    with pytest.raises(UserError):
        set_keep_count(conn, "admin1", 0)
    for i in range(4):
        auto_backup(db, f"k{i}")
    assert len(list_backups(db)) == 2


def test_cli_refuses_a_damaged_database_and_restore_repairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Opening a damaged file names the cure; the admin restores, signing in against the backup
    because the damaged database cannot be read."""
    from desktop.review.users import create_user

    db = tmp_path / "db.sqlite3"
    conn = make_db(db, 400)
    create_user(conn, "admin1", "admin", "pw-Admin-2020", None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    good = auto_backup(db, "evaluate")
    corrupt(db)
    assert main(["--db", str(db), "audit", "verify"]) == 2
    err = capsys.readouterr().err
    # (The damage may already show while connecting, before quick_check; either message says
    # the file is damaged and how to restore it.)
    assert "damaged" in err and "restore" in err
    monkeypatch.setenv("RELIEFDESK_PASSWORD", "wrong")
    assert main(["--db", str(db), "restore", str(good), "--as", "admin1"]) == 4
    monkeypatch.setenv("RELIEFDESK_PASSWORD", "pw-Admin-2020")
    assert main(["--db", str(db), "restore", str(good), "--as", "admin1"]) == 0
    assert "damaged" in capsys.readouterr().out  # where the damaged file was kept
    assert main(["--db", str(db), "audit", "verify", "--as", "admin1"]) == 0
    check = sqlite3.connect(db)
    assert check.execute("SELECT action FROM audit_log ORDER BY seq DESC").fetchone() == (
        "backup.restore",
    )
    check.close()


def test_restore_refuses_a_tampered_backup_unless_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.review.users import create_user

    db = tmp_path / "db.sqlite3"
    conn = make_db(db, 5)
    create_user(conn, "admin1", "admin", "pw-Admin-2020", None)
    bad = auto_backup(db, "import")
    assert bad is not None
    tamper = sqlite3.connect(bad)
    tamper.execute("DROP TRIGGER audit_log_no_update")
    tamper.execute("UPDATE audit_log SET user = 'mallory' WHERE seq = 2")
    tamper.commit()
    tamper.close()
    monkeypatch.setenv("RELIEFDESK_PASSWORD", "pw-Admin-2020")
    assert main(["--db", str(db), "restore", str(bad), "--as", "admin1"]) == 2
    assert n_entries(db) == 6  # unchanged (5 entries and the user.add)
    assert main(["--db", str(db), "restore", str(bad), "--as", "admin1", "--force"]) == 0
    last = (
        sqlite3.connect(db)
        .execute("SELECT payload FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetchone()[0]
    )
    assert '"audit_chain_ok":false' in last


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_signing_key_file_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", "pw-Key-2020")
    key = tmp_path / "judge.p12"
    assert (
        main(
            [
                "--db",
                str(tmp_path / "db.sqlite3"),
                "keys",
                "create",
                "--name",
                "Hon. Test",
                "--title",
                "Judge",
                "--out",
                str(key),
            ]
        )
        == 0
    )
    assert mode(key) == 0o600
    assert b"pw-Key-2020" not in key.read_bytes()
