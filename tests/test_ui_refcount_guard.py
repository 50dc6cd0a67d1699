"""The PySide6 reference-count guard (desktop.ui.guard_refcounts): a process that makes many
void and bool-returning Qt calls, emits bool signals and quits must exit cleanly every time
(without the guard it aborted with "Fatal Python error: none_dealloc" / "bool_dealloc").
Each run is its own interpreter, so the abort at exit would show as a signal exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import sys
from desktop.ui import guard_refcounts, guarded
assert guarded(), "importing desktop.ui must install the guard"
assert guard_refcounts()                     # explicit start-up step, idempotent
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QPushButton, QWidget
app = QApplication([])
w = QWidget(); box = QCheckBox(w); edit = QLineEdit(w); button = QPushButton(w)
box.toggled.connect(lambda on: None)
button.clicked.connect(lambda checked=False: None)
o = QObject()
calls = int(sys.argv[1])
none0, true0, false0 = (sys.getrefcount(x) for x in (None, True, False))
for i in range(calls):
    o.setObjectName("x")                     # void
    w.setEnabled(i % 2 == 0)                 # void, bool argument
    box.setChecked(i % 3 == 0)               # void, emits toggled(bool)
    button.click()                           # emits clicked(bool)
    edit.setText(str(i))
    w.isEnabled(); box.isChecked(); o.signalsBlocked(); o.blockSignals(False)
w.show()
QTimer.singleShot(0, app.quit)
app.exec()
w.close()
# Whatever the calls did to the counts, the reserve is far from used up.
for x in (None, True, False):
    assert sys.getrefcount(x) > 1 << 30, (x, sys.getrefcount(x))
print("clean", calls)
"""


@pytest.mark.parametrize("run", range(5))
def test_many_void_qt_calls_then_quit_cleanly(run: int) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, "20000"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "clean 20000"
    assert "Fatal Python error" not in out.stderr


def test_gui_start_guards_before_qt() -> None:
    """`reliefdesk gui` calls the guard as its first step (before the window module loads)."""
    text = (ROOT / "desktop" / "cli" / "gui_cmd.py").read_text(encoding="utf-8")
    body = text[text.index("def run_gui") :]
    assert body.index("guard_refcounts()") < body.index("from desktop.ui.app import")
