"""Errors a Windows user meets (issue 14 §5), simulated on Linux: a file held open by Excel or a
viewer (PermissionError from replace/unlink), console output in a Windows code page, CSV line ends,
Excel's cp1252 files, SQLite URIs in folders named like "Case #7 (copy)" or "100%20"."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import sys
from pathlib import Path

import pytest
from readers import READER, READER_PASSWORD, add_reader

from desktop import files
from desktop.cli.main import main
from desktop.files import FileInUseError, write_atomic
from desktop.records.source import decode

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "gogen-fixtures" / "no_headers.csv"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(files, "RETRY_DELAYS", (0.01, 0.01, 0.01))


def lock(monkeypatch, target: Path, times: int | None = None) -> list[str]:
    """os.replace / unlink onto `target` fail as Windows fails them while Excel has it open
    (PermissionError), `times` times or for ever."""
    calls: list[str] = []
    real_replace, real_unlink = os.replace, Path.unlink

    def still_locked() -> bool:
        return times is None or len(calls) <= times

    def replace(src, dst, *a, **k):
        if Path(dst) == target:
            calls.append("replace")
            if still_locked():
                raise PermissionError(
                    13,
                    "The process cannot access the file because it is "
                    "being used by another process",
                    str(dst),
                )
        return real_replace(src, dst, *a, **k)

    def unlink(self, missing_ok=False):
        if self == target:
            calls.append("unlink")
            if still_locked():
                raise PermissionError(13, "Access is denied", str(self))
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Path, "unlink", unlink)
    return calls


def test_a_file_open_in_excel_is_retried_then_named(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "Case #7 (copy)" / "batch-3-doj-update.csv"
    out.parent.mkdir()
    out.write_text("old")
    calls = lock(monkeypatch, out)
    with pytest.raises(FileInUseError) as err:
        write_atomic(out, b"new")
    msg = str(err.value)
    assert "Close batch-3-doj-update.csv in Excel" in msg and "try again" in msg
    assert err.value.exit_code == 5
    assert len(calls) == len(files.RETRY_DELAYS) + 1  # retried before giving up
    assert out.read_text() == "old"
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary left behind


def test_a_lock_released_during_the_retry_is_no_error(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "order.pdf"
    out.write_text("old")
    lock(monkeypatch, out, times=2)
    write_atomic(out, b"new")
    assert out.read_bytes() == b"new"


def test_the_cli_says_close_the_file_for_an_export(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "db.sqlite3"
    assert main(["--db", str(db), "import", str(SAMPLE)]) in (0, 3)
    capsys.readouterr()
    out = tmp_path / "audit.csv"
    who = add_reader(db)  # reading the records needs a signed-in user (issue 18)
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)
    out.write_text("an earlier export, open in Excel\n")  # replacing it needs --force (issue 12)
    lock(monkeypatch, out)
    assert main(["--db", str(db), "audit", "export", "--out", str(out), "--force", *who]) == 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Close audit.csv in Excel" in err
    assert "Traceback" not in err


def test_backup_pruning_leaves_a_held_backup_for_next_time(tmp_path: Path, monkeypatch) -> None:
    from desktop.store import open_db
    from desktop.store.backup import auto_backup, list_backups

    db = tmp_path / "db.sqlite3"
    open_db(db).conn.close()
    made = [auto_backup(db, f"b{i}") for i in range(3)]
    lock(monkeypatch, made[0])
    from desktop.store.backup import prune

    deleted = prune(db, 1)
    assert deleted == [made[1]]
    assert list_backups(db) == [made[0], made[2]]  # the held one stays, nothing raised


def test_restoring_over_a_damaged_database_held_open_names_it(tmp_path: Path, monkeypatch) -> None:
    from desktop.store import open_db
    from desktop.store.backup import backup_to, restore

    folder = tmp_path / "100%20 Case #7 (copy)"
    db = folder / "reliefdesk.sqlite3"
    open_db(db).conn.close()
    good = backup_to(db, folder / "good.sqlite3")
    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)  # damaged
    lock(monkeypatch, db)
    with pytest.raises(FileInUseError) as err:
        restore(db, good)
    assert "Close reliefdesk.sqlite3 in Excel" in str(err.value)
    stray = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert stray == []  # the prepared copy was removed


@pytest.mark.parametrize("folder", ["Case #7 (copy)", "100%20 done", "what?", "a b%41c"])
def test_restore_from_folders_uri_paths_misread(tmp_path: Path, folder: str) -> None:
    from desktop.store import open_db
    from desktop.store.backup import backup_to, restore
    from desktop.store.integrity import describe_database

    src_dir = tmp_path / folder
    db = src_dir / "reliefdesk.sqlite3"
    conn = open_db(db).conn
    conn.execute("INSERT INTO settings (key, value) VALUES ('marker', 'from the backup')")
    conn.close()
    good = backup_to(db, src_dir / "backup.sqlite3")
    version, tables = describe_database(good)
    assert "audit_log" in tables and version > 0
    live = tmp_path / "live" / "reliefdesk.sqlite3"
    open_db(live).conn.close()
    restore(live, good)
    assert sqlite3.connect(live).execute(
        "SELECT value FROM settings WHERE key = 'marker'"
    ).fetchone() == ("from the backup",)
    assert sorted(p.name for p in src_dir.iterdir()) == ["backup.sqlite3", "reliefdesk.sqlite3"]


def test_excel_cp1252_is_read_as_cp1252() -> None:
    assert decode("O’BRIEN, RENÉ – “JR”".encode("cp1252")) == "O’BRIEN, RENÉ – “JR”"
    assert decode(b"O\x92BRIEN") == "O’BRIEN"  # not the control character U+0092
    assert decode(b"\x81\x8d\x8f\x90\x9d") == "\x81\x8d\x8f\x90\x9d"  # undefined: never fails
    assert decode("Nguyễn".encode()) == "Nguyễn"  # UTF-8 first


def test_a_doj_file_saved_by_excel_keeps_obrien(tmp_path: Path) -> None:
    from desktop.records.doj_layout import INDEX
    from desktop.records.generate import generate

    src = tmp_path / "gen.csv"
    generate(src, "LOS ANGELES", 300, seed=5)
    rows = list(csv.reader(src.read_text(encoding="utf-8").splitlines()))
    rows[1][INDEX["PRI_NAME"]] = "O’BRIEN,JANE"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    excel = tmp_path / "excel.csv"
    excel.write_bytes(buf.getvalue().encode("cp1252"))
    db = tmp_path / "db.sqlite3"
    assert main(["--db", str(db), "import", str(excel)]) in (0, 3)
    names = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM subjects")}
    assert any(n and n.startswith("O’BRIEN") for n in names), sorted(names)[:5]
    assert not any(n and "\x92" in n for n in names)


class WindowsFile(io.TextIOWrapper):
    """What a redirected stdout is on Windows: the ANSI code page, "\\n" written as "\\r\\n"."""

    def __init__(self, tty: bool = False) -> None:
        super().__init__(io.BytesIO(), encoding="cp1252", newline="\r\n")
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def data(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()  # type: ignore[attr-defined]


@pytest.fixture
def rejected_db(tmp_path: Path) -> Path:
    db = tmp_path / "db.sqlite3"
    src = tmp_path / "in.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines.append('broken,"Nguyễn → line')  # rejected: an unclosed quote
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["--db", str(db), "import", str(src)]) == 3
    add_reader(db)  # reading the records needs a signed-in user (issue 18)
    return db


def test_redirected_output_is_utf8_with_single_crlf(rejected_db: Path, monkeypatch) -> None:
    from desktop.console import setup_streams

    out = WindowsFile()
    monkeypatch.setattr(sys, "stdout", out)
    setup_streams(platform="win32")
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)
    assert main(["--db", str(rejected_db), "rejected", "--as", READER]) == 0
    data = out.data()
    assert "Nguyễn → line".encode() in data
    assert b"\r\r\n" not in data
    assert data.count(b"\r\n") == data.count(b"\n") >= 2
    text = data.decode("utf-8")
    assert next(csv.reader(io.StringIO(text.splitlines()[-1])))[-1] == 'broken,"Nguyễn → line'


def test_a_cp1252_console_shows_a_replacement_not_a_crash(rejected_db: Path, monkeypatch) -> None:
    from desktop.console import setup_streams

    out = WindowsFile(tty=True)
    monkeypatch.setattr(sys, "stdout", out)
    setup_streams(platform="win32")
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)
    assert main(["--db", str(rejected_db), "rejected", "--as", READER]) == 0
    text = out.data().decode("cp1252")
    assert "Nguy?n ? line" in text


def test_the_window_shows_a_held_file_in_a_dialog(tmp_path: Path, monkeypatch, qtbot) -> None:
    """The audit view's export to a file Excel holds open: the message is a dialog, in plain words."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from desktop.store import open_db
    from desktop.ui.audit_view import AuditView

    conn = open_db(tmp_path / "db.sqlite3").conn
    view = AuditView(conn)
    qtbot.addWidget(view)
    out = tmp_path / "audit.csv"
    out.write_text("old")
    lock(monkeypatch, out)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), ""))
    )
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        staticmethod(lambda parent, title, text, *a: shown.append((title, text))),
    )
    view._export_dialog()
    assert len(shown) == 1
    assert "Close audit.csv in Excel" in shown[0][1] and "Traceback" not in shown[0][1]
    conn.close()
