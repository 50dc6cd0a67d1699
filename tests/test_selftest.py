"""`reliefdesk self-test` (issue 7): passes on a good installation, names the failing step
otherwise; and the program writes nothing into its own folder or the working directory, only into
the per-user data folder (platformdirs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "gogen-fixtures" / "no_headers.csv"


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(f.relative_to(folder)): (f.stat().st_size, f.stat().st_mtime_ns)
        for f in folder.rglob("*")
        if f.is_file()
    }


@pytest.fixture
def program(tmp_path):
    """A copy of the program folder (package, resources, forms) run from a separate working
    directory with HOME and the XDG folders inside tmp_path, as a court PC would run it."""
    prog = tmp_path / "program"
    for name in ("desktop", "resources", "forms"):
        shutil.copytree(ROOT / name, prog / name, ignore=shutil.ignore_patterns("__pycache__"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = dict(
        os.environ,
        HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(prog),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("RELIEFDESK_DB", None)
    before = _files(prog)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "desktop", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    yield run
    assert _files(prog) == before, "the program wrote into its own folder"
    assert list(cwd.iterdir()) == [], "the program wrote into the working directory"


@pytest.mark.slow  # the whole self-test pipeline
def test_self_test_passes_and_leaves_nothing_behind(program, tmp_path):
    out = program("self-test")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith(
        "ReliefDesk self-test passed: import, evaluate, review, sign, verify in "
    )
    # The self-test never touches real data: no per-user database appears.
    assert not list(tmp_path.glob("data/**/*.sqlite3"))


def test_a_failing_step_is_named_and_exits_1(monkeypatch, capsys):
    import desktop.selftest as st

    def broken(*_args):
        raise RuntimeError("signing key unreadable")

    monkeypatch.setattr(st, "_key", broken)
    assert main(["self-test"]) == 1
    out = capsys.readouterr().out
    assert "FAILED at step 'key'" in out and "signing key unreadable" in out


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_cli_import_writes_only_into_the_data_dir(program, tmp_path):
    out = program("import", str(SAMPLE))
    assert out.returncode == 0, out.stderr
    dbs = list((tmp_path / "data").rglob("reliefdesk.sqlite3"))
    assert [d.relative_to(tmp_path).as_posix() for d in dbs] == [
        "data/ReliefDesk/reliefdesk.sqlite3"
    ]
    assert oct(dbs[0].stat().st_mode & 0o777) == "0o600"
