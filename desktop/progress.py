"""Progress reporting shared by the CLI (a bar on stderr) and the window (a callback)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

# A progress callback gets (done, total, label); total may be 0 when unknown. It returns nothing;
# to cancel, it raises desktop.progress.Cancelled, which rolls back the step's transaction.
ProgressFn = Callable[[int, int, str], None]


class Cancelled(Exception):
    """Raised from a progress callback to stop long work; the step's transaction rolls back."""


def no_progress(done: int, total: int, label: str) -> None:
    return None


class StderrBar:
    """A text progress bar on stderr, redrawn at most ten times a second; silent when not a tty
    unless forced."""

    def __init__(self, enabled: bool | None = None, width: int = 30) -> None:
        self.enabled = _stderr_is_tty() if enabled is None else enabled
        self.width = width
        self._last = 0.0
        self._start = time.monotonic()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        if total:
            frac = min(done / total, 1.0)
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            msg = f"\r{label} [{bar}] {frac * 100:5.1f}%"
        else:
            msg = f"\r{label} {done:,}"
        _write(msg)

    def finish(self) -> None:
        if self.enabled:
            _write(f"  ({time.monotonic() - self._start:.1f} s)\n")


def _stderr_is_tty() -> bool:
    """stderr is a terminal (False when there is none: a windowed program has sys.stderr None)."""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (ValueError, OSError):
        return False


def _write(text: str) -> None:
    err = sys.stderr
    if err is None:
        return
    try:
        err.write(text)
        err.flush()
    except (OSError, ValueError):
        pass  # a closed or vanished console never stops the work
