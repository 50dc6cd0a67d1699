"""scripts/screenshots.py is a list of named steps (issue 16): other views add theirs; --list
shows them, --only refuses an unknown step by name, listing the known ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "screenshots.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


def test_steps_are_listed_in_the_days_order() -> None:
    run = _run("--list")
    assert run.returncode == 0, run.stderr
    names = [line[:24].strip() for line in run.stdout.splitlines() if line.strip()]
    assert len(names) == len(set(names))
    for a, b in (("sign-in", "queue"), ("queue", "spot-check"), ("spot-check", "orders")):
        assert names.index(a) < names.index(b)
    assert {"accept the batch", "signing dialog", "audit"} <= set(names)


def test_unknown_step_is_refused_with_the_known_ones() -> None:
    run = _run("--only", "no such step", "--out", str(ROOT / "build" / "never"))
    assert run.returncode != 0
    assert "unknown step" in run.stderr and "queue" in run.stderr
    assert not (ROOT / "build" / "never").exists()
