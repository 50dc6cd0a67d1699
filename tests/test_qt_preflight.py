"""Starting the window where it cannot run (issue 16): no display, or a Qt system library
missing, gives one line naming the Debian/Ubuntu packages to install (never Qt's abort with a
wrong hint, never a traceback); README and docs/install.md list the packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import qt_preflight

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux display check")
def test_no_display_is_one_line_and_no_window(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["PYTHONPATH"] = str(ROOT)
    env["XDG_DATA_HOME"] = str(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(tmp_path / "x.sqlite3"), "gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "Traceback" not in run.stderr
    assert not (tmp_path / "x.sqlite3").exists()  # nothing started, nothing created


def test_missing_libraries_name_their_packages(monkeypatch) -> None:
    monkeypatch.setattr(
        qt_preflight, "_missing_for", lambda files: ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    )
    line = qt_preflight.check({"DISPLAY": ":0"})
    assert line is not None and "\n" not in line
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in line
    assert "libxcb-cursor0" not in line  # not Qt's stock guess
    monkeypatch.setattr(qt_preflight, "_missing_for", lambda files: ["libEGL.so.1"])
    assert "apt-get install libegl1" in qt_preflight.check({"DISPLAY": ":0"})


def test_headless_platforms_and_other_systems_are_not_refused() -> None:
    assert qt_preflight.check({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert "no display" in (qt_preflight.check({}) or "no display")


def test_every_package_is_listed_in_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    for pkg in qt_preflight.ALL_PACKAGES:
        assert pkg in install, f"docs/install.md does not list {pkg}"
    assert "apt-get install" in readme and "docs/install.md" in readme
    assert "libxcb-icccm4" in readme
