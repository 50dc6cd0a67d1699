"""The windowed program has no console (issue 14 §4): sys.stdin, sys.stdout and sys.stderr are
None, as in the windowed ReliefDesk.exe, a pythonw gui-scripts launcher or a shortcut. The command
line still works there and says how it went by exit code (progress bar, prompts, self-test, the
window's start-up probe), and start-up errors of the window appear in a dialog."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Slow (a fresh interpreter per case): .ci/run runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "gogen-fixtures" / "no_headers.csv"

NO_CONSOLE = textwrap.dedent("""
    import sys
    sys.stdin = sys.stdout = sys.stderr = None      # as in a windowed program
    from desktop.cli.main import main
    if __name__ == "__main__":
        sys.exit(main(sys.argv[1:]))
""")


@pytest.fixture
def run(tmp_path: Path):
    script = tmp_path / "no_console.py"
    script.write_text(NO_CONSOLE)
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    for var in ("RELIEFDESK_DB", "RELIEFDESK_PASSWORD", "RELIEFDESK_KEY_PASSPHRASE"):
        env.pop(var, None)

    def go(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(script), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return go


def test_the_cli_without_console_works_and_reports_by_exit_code(run, tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    src = tmp_path / "gen.csv"
    # Progress bars (generate, import) with no stderr.
    out = run("generate", "--county", "LOS ANGELES", "--rows", "500", "--out", str(src))
    assert out.returncode == 0 and src.is_file(), out
    out = run("--db", db, "import", str(src))
    assert out.returncode == 0, out
    assert out.stdout == "" and out.stderr == ""  # nothing printed anywhere, no traceback
    # A prompt with no console: refused (exit 4), not a crash (exit 1).
    assert run("--db", db, "review", "approve", "1", "--as", "clerk1").returncode == 4
    assert run("--db", db, "users", "add", "admin1", "--role", "admin").returncode == 2
    # A failure has its own exit code.
    assert run("--db", db, "import", str(tmp_path / "missing.csv")).returncode == 2


def test_self_test_without_console_exits_0(run) -> None:
    out = run("self-test")
    assert out.returncode == 0, out


def test_the_window_starts_without_console(run, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    assert run("--db", str(db), "import", str(SAMPLE)).returncode == 0
    out = run("--db", str(db), "gui", "--startup-probe", timeout=120)
    assert out.returncode == 0, out
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)
    assert run("--db", str(damaged), "gui", timeout=120).returncode == 2


@pytest.fixture
def dialogs(monkeypatch, tmp_path: Path, qapp) -> list[str]:
    """Start-up error boxes, recorded instead of waiting for OK; no console at all."""
    from desktop.cli import gui_cmd

    shown: list[str] = []
    monkeypatch.setattr(gui_cmd, "_present", lambda box: shown.append(box.text()))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in ("stdin", "stdout", "stderr"):
        monkeypatch.setattr(sys, name, None)
    return shown


def test_a_damaged_database_is_reported_in_a_dialog(dialogs: list[str], tmp_path: Path) -> None:
    from desktop.cli.main import main

    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)
    assert main(["--db", str(damaged), "gui"]) == 2
    assert len(dialogs) == 1 and "is damaged" in dialogs[0] and "restore" in dialogs[0]


def test_a_missing_library_is_reported_in_a_dialog(
    dialogs: list[str], tmp_path: Path, monkeypatch
) -> None:
    from desktop.cli.main import main

    monkeypatch.setitem(sys.modules, "desktop.ui.main_window", None)  # as if not shipped
    assert main(["--db", str(tmp_path / "db.sqlite3"), "gui"]) == 2
    assert len(dialogs) == 1
    assert "missing or damaged" in dialogs[0] and "desktop.ui.main_window" in dialogs[0]
    assert "Traceback" not in dialogs[0]
    from desktop import logs

    log = logs.log_path()
    assert str(log) in dialogs[0] and "Traceback" in log.read_text(encoding="utf-8")


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_a_network_database_is_refused_in_a_dialog(
    dialogs: list[str], tmp_path: Path, monkeypatch
) -> None:
    from desktop.cli.main import main
    from desktop.store import location

    table = tmp_path / "mountinfo"
    table.write_text(
        f"27 1 254:0 / / rw - ext4 /dev/vda rw\n40 27 0:9 / {tmp_path.resolve()} rw "
        "- cifs //court/clerks rw\n"
    )
    monkeypatch.setattr(location, "MOUNTINFO", str(table))
    assert main(["--db", str(tmp_path / "db.sqlite3"), "gui"]) == 4
    assert len(dialogs) == 1 and "WAL" in dialogs[0] and "cifs" in dialogs[0]


def test_a_missing_library_before_any_command_is_exit_2_not_a_traceback(tmp_path: Path) -> None:
    code = (
        "import runpy, sys\n"
        "sys.modules['sqlite_utils'] = None          # as if left out of the program folder\n"
        "sys.argv = ['ReliefDesk', '--version']\n"
        "runpy.run_module('desktop', run_name='__main__')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 2
    assert "missing or damaged (sqlite_utils)" in out.stderr and "Traceback" not in out.stderr
