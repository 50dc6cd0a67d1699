"""Shared test setup: Qt without a display, Qt settings and logs kept out of the user's home, and
the fixtures every test file may use (as qutebrowser's tests/helpers/fixtures.py):

- `template_db`: ONE generated county (tests/helpers/world.py: a synthetic DOJ file imported and
  evaluated, five accounts with the password helpers.world.PW), built once per session. Never
  written to: tests work on a copy.
- `copy_db`: this test's own copy of the template (a Path).
- `empty_db`: a new, migrated, empty ReliefDesk database (sqlite_utils.Database).
- `run_cli`: the one in-process CLI runner (helpers.cli.run_cli: exit code, stdout, stderr).
"""

import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# QSettings (window layout, filters) must not read or write the developer's real settings.
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="reliefdesk-test-config-"))
# The program's log goes to a temporary folder, never the developer's data folder.
os.environ.setdefault("RELIEFDESK_LOG_DIR", tempfile.mkdtemp(prefix="reliefdesk-test-logs-"))


def pytest_collection_modifyitems(config, items):
    """Tests marked posix_only (signals, /proc, file modes, pwd) are skipped on Windows, so the
    Windows CI run (.github/workflows/windows.yml) can go green on everything else."""
    if sys.platform != "win32":
        return
    skip = pytest.mark.skip(reason="POSIX-only: see docs/windows.md")
    for item in items:
        if "posix_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.world import build_template

    return build_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def copy_db(template_db: Path, tmp_path: Path) -> Path:
    from helpers.world import copy_db as copy

    return copy(template_db, tmp_path / "db.sqlite3")


@pytest.fixture
def empty_db(tmp_path: Path):
    from desktop.store import open_db

    return open_db(tmp_path / "db.sqlite3")


@pytest.fixture
def run_cli():
    from helpers.cli import run_cli

    return run_cli
