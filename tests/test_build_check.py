"""The PyInstaller one-folder build builds, and the built program passes its self-test and opens
its window within the targets (issue 7). Slow (about a minute): it builds the whole folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_build_and_run_the_built_program(tmp_path):
    pytest.importorskip("PyInstaller", reason="the build extra is not installed")
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_check.py"), "--dist",
                          str(tmp_path)], capture_output=True, text=True, timeout=900)
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ReliefDesk self-test passed" in out.stdout
    size = float(re.search(r"folder size\s+([\d.]+) MB", out.stdout).group(1))
    launch = float(re.search(r"launch to window\s+([\d.]+) s", out.stdout).group(1))
    assert size <= 250 and launch <= 3
