"""Scheduled backups to a destination the administrator sets, each verified after writing, and the
window's warning when the newest verified backup is older than the setting (issue 14 §7)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.errors import RefusedError, UserError
from desktop.maintenance.schedule import (
    is_due,
    last_verified,
    overdue_message,
    run_scheduled,
    set_schedule,
)
from desktop.review.users import create_user
from desktop.store import open_db

PW = "pw-Schedule-14"


@pytest.fixture
def world(tmp_path: Path, monkeypatch):
    db_path = tmp_path / "local" / "reliefdesk.sqlite3"
    conn = open_db(db_path).conn
    admin = create_user(conn, "admin1", "admin", PW, None)
    clerk = create_user(conn, "clerk1", "clerk", PW, admin)
    monkeypatch.setenv("RELIEFDESK_PASSWORD", PW)
    yield db_path, conn, admin, clerk
    conn.close()


def test_only_an_admin_sets_the_schedule_and_it_is_audited(world, tmp_path: Path) -> None:
    db_path, conn, admin, clerk = world
    with pytest.raises(RefusedError):
        set_schedule(conn, clerk, tmp_path / "court", 24)
    with pytest.raises(UserError):
        set_schedule(conn, admin, Path("relative/folder"), 24)
    set_schedule(conn, admin, tmp_path / "court", 24)
    row = conn.execute("SELECT user, action, payload FROM audit_log ORDER BY seq DESC").fetchone()
    assert row[0] == "admin1" and row[1] == "settings.set"
    assert json.loads(row[2])["new"] == {"destination": str(tmp_path / "court"), "every_hours": 24}


def test_a_due_backup_is_written_verified_and_recorded(world, tmp_path: Path) -> None:
    db_path, conn, admin, _clerk = world
    dest = tmp_path / "court share" / "Case #7 (copy)"
    set_schedule(conn, admin, dest, 24)
    assert is_due(conn) and overdue_message(conn).startswith("Backup overdue: no verified backup")
    made = run_scheduled(db_path, user="os:clerk")
    assert made is not None and made.path.parent == dest and made.path.is_file()
    assert made.audit_seq > 0
    copy = sqlite3.connect(made.path)
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert (
        copy.execute("SELECT hash FROM audit_log WHERE seq = ?", (made.audit_seq,)).fetchone()
        == conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (made.audit_seq,)).fetchone()
    )
    copy.close()
    assert last_verified(conn).sha256 == made.sha256
    assert conn.execute("SELECT action, user FROM audit_log ORDER BY seq DESC").fetchone() == (
        "backup.verified",
        "os:clerk",
    )
    assert not is_due(conn) and overdue_message(conn) is None
    assert run_scheduled(db_path) is None  # not due again yet
    later = datetime.now(UTC) + timedelta(hours=25)
    assert is_due(conn, later)
    msg = overdue_message(conn, later)
    assert msg and "(25 hours ago)" in msg and "every 24 hours" in msg


def test_a_copy_that_does_not_match_is_deleted_not_recorded(
    world, tmp_path: Path, monkeypatch
) -> None:
    from desktop.maintenance import schedule
    from desktop.store import backup

    db_path, conn, admin, _clerk = world
    set_schedule(conn, admin, tmp_path / "court", 24)
    real = backup.copy_database

    def copy_then_damage(src, out):
        real(src, out)
        c = sqlite3.connect(out)
        c.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        for (name,) in c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            c.execute(f"DROP TRIGGER {name}")
        c.execute("UPDATE audit_log SET hash = 'x' WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        c.commit()
        c.close()
        return out

    monkeypatch.setattr(backup, "copy_database", copy_then_damage)
    with pytest.raises(UserError, match="does not match"):
        schedule.run_scheduled(db_path)
    assert list((tmp_path / "court").iterdir()) == []
    assert last_verified(conn) is None


def test_an_unreachable_destination_is_a_message(world, tmp_path: Path) -> None:
    db_path, conn, admin, _clerk = world
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the share should be")
    set_schedule(conn, admin, blocker / "ReliefDesk", 24)
    with pytest.raises(UserError, match="could not be written"):
        run_scheduled(db_path)


def test_the_cli_sets_runs_and_reports(world, tmp_path: Path, capsys) -> None:
    db_path, conn, *_ = world
    db = str(db_path)
    dest = tmp_path / "nightly"
    assert (
        main(
            [
                "--db",
                db,
                "backup-schedule",
                "set",
                "--to",
                str(dest),
                "--every",
                "12",
                "--as",
                "clerk1",
            ]
        )
        == 4
    )
    assert (
        main(
            [
                "--db",
                db,
                "backup-schedule",
                "set",
                "--to",
                str(dest),
                "--every",
                "12",
                "--as",
                "admin1",
            ]
        )
        == 0
    )
    assert main(["--db", db, "backup-schedule", "status"]) == 1  # overdue: none yet
    assert main(["--db", db, "backup-schedule", "run"]) == 0
    assert main(["--db", db, "backup-schedule", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status["overdue"] is None and Path(status["last_verified"]["path"]).parent == dest


def test_the_window_warns_when_the_backup_is_overdue(world, tmp_path: Path, qtbot) -> None:
    from PySide6.QtCore import QSettings

    from desktop.ui.main_window import MainWindow

    db_path, conn, admin, clerk = world
    blocker = tmp_path / "unreachable"
    blocker.write_text("x")
    set_schedule(conn, admin, blocker / "share", 1)  # due, and cannot be written
    window = MainWindow(
        conn, db_path, clerk, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    )
    qtbot.addWidget(window)
    window.show()
    watch = window.backup_watch
    qtbot.waitUntil(lambda: watch._running is None and watch.label.isVisible(), timeout=20000)
    assert "Backup overdue" in watch.label.text()
    assert "could not be written" in watch.label.toolTip()
    # Once the folder is reachable the window makes the backup and the warning goes.
    blocker.unlink()
    watch.check()
    qtbot.waitUntil(lambda: watch._running is None and not watch.label.isVisible(), timeout=20000)
    assert last_verified(conn) is not None
