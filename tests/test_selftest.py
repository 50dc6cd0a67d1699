"""`reliefdesk self-test` (issue 7): passes on a good installation, names the failing step
otherwise, and writes nothing outside its temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def test_self_test_passes_and_leaves_nothing_behind(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT))
    env.pop("RELIEFDESK_DB", None)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = subprocess.run([sys.executable, "-m", "desktop", "self-test"], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ReliefDesk self-test passed")
    assert list(cwd.iterdir()) == []
    # No per-user database was created either: the self-test never touches real data.
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.sqlite3"))


def test_a_failing_step_is_named_and_exits_1(monkeypatch, capsys):
    import desktop.selftest as st

    def broken(*_args):
        raise RuntimeError("signing key unreadable")

    monkeypatch.setattr(st, "_key", broken)
    assert main(["self-test"]) == 1
    out = capsys.readouterr().out
    assert "FAILED at step 'key'" in out and "signing key unreadable" in out


def test_cli_import_writes_only_into_the_data_dir(tmp_path):
    sample = ROOT.parent / "shared" / "data" / "gogen-fixtures" / "no_headers.csv"
    if not sample.exists():
        pytest.skip("shared fixtures not present")
    env = dict(os.environ, HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONPATH=str(ROOT))
    env.pop("RELIEFDESK_DB", None)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = subprocess.run([sys.executable, "-m", "desktop", "import", str(sample)], cwd=cwd,
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert list(cwd.iterdir()) == []
    dbs = list((tmp_path / "data").rglob("reliefdesk.sqlite3"))
    assert len(dbs) == 1 and oct(dbs[0].stat().st_mode & 0o777) == "0o600"
