"""The log file: where a windowed build's errors go."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from desktop import logs

ROOT = Path(__file__).resolve().parents[1]


def test_setup_writes_desktop_records_to_the_rotating_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RELIEFDESK_LOG_DIR", str(tmp_path / "logs"))
    path = logs.setup()
    assert path == tmp_path / "logs" / "reliefdesk.log"
    logs.get("records").warning("line 7 of doj.csv could not be read")
    for h in logging.getLogger("desktop").handlers:
        h.flush()
    assert "line 7 of doj.csv could not be read" in path.read_text(encoding="utf-8")
    assert logs.setup() == path  # idempotent


def test_unexpected_error_is_one_line_for_the_user_and_a_traceback_in_the_log(tmp_path) -> None:
    """A bug inside a command: the user sees one line naming the log; the log has the traceback."""
    log_dir = tmp_path / "logs"
    code = (
        "import sys\n"
        "from desktop.cli import main as m\n"
        "import desktop.cli.selftest_cmd as st\n"
        "def boom(args):\n"
        "    raise ZeroDivisionError('simulated bug')\n"
        "st.cmd_self_test = boom\n"
        "orig = st.register\n"
        "def reg(sub):\n"
        "    orig(sub)\n"
        "    sub.choices['self-test'].set_defaults(func=boom)\n"
        "st.register = reg\n"
        "sys.exit(m.main(['self-test']))\n"
    )
    env = {"RELIEFDESK_LOG_DIR": str(log_dir), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 70, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "simulated bug" in proc.stderr and str(log_dir / "reliefdesk.log") in proc.stderr
    text = (log_dir / "reliefdesk.log").read_text(encoding="utf-8")
    assert "Traceback" in text and "ZeroDivisionError: simulated bug" in text
