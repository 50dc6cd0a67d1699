"""The command line's standard streams, made safe before any command runs.

- A windowed program (the `ReliefDesk.exe` of the build, `pythonw`, a gui-scripts launcher) has
  no console: sys.stdin, sys.stdout and sys.stderr are None, and `sys.stderr.write`, `.isatty()`
  or a prompt would crash. Missing streams become the null device: output is dropped, prompts see
  no terminal and refuse with exit 4, and the exit code still says how the command went.
- On Windows, output redirected to a file (`reliefdesk queue list > q.txt`) is encoded in the
  ANSI code page (cp1252): "→" or "Nguyễn" raised UnicodeEncodeError. Redirected output is written
  as UTF-8; a console that cannot show a character gets a replacement instead of a crash.
- On Windows a text stream turns "\\n" into "\\r\\n", so a CSV writer's own "\\r\\n" became
  "\\r\\r\\n": CSV written to the console ends its lines in "\\n" and the stream adds the CR.
"""

from __future__ import annotations

import io
import os
import sys

_NULL: dict[str, io.TextIOWrapper] = {}  # the null-device streams put in place of absent ones


def _null_stream(name: str) -> io.TextIOWrapper:
    if name == "stdin":
        return open(os.devnull, encoding="utf-8")
    return open(os.devnull, "w", encoding="utf-8")


def _is_utf8(encoding: str | None) -> bool:
    return (encoding or "").lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def _fix(stream: object, platform: str) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None:
        return
    try:
        tty = bool(stream.isatty())  # type: ignore[attr-defined]
    except (ValueError, OSError):
        tty = False
    changes: dict[str, str] = {}
    if not _is_utf8(getattr(stream, "encoding", None)):
        if tty:
            changes["errors"] = "replace"  # the console shows "?" for what it cannot show
        else:
            changes.update(encoding="utf-8", errors="replace")
    if changes:
        try:
            reconfigure(**changes)
        except (ValueError, OSError, io.UnsupportedOperation):
            return


def setup_streams(platform: str | None = None) -> None:
    """Replace absent streams with the null device and make stdout/stderr safe for any text.
    Idempotent; `platform` replaces sys.platform in tests."""
    platform = platform or sys.platform
    for name in ("stdin", "stdout", "stderr"):
        if getattr(sys, name) is None:
            if name not in _NULL:
                _NULL[name] = _null_stream(name)
            setattr(sys, name, _NULL[name])
    for name in ("stdout", "stderr"):
        _fix(getattr(sys, name), platform)


def interactive() -> bool:
    """True when a person can answer a prompt (stdin is a terminal)."""
    stdin = sys.stdin
    try:
        return stdin is not None and stdin is not _NULL.get("stdin") and stdin.isatty()
    except (ValueError, OSError):
        return False


def absent(name: str) -> bool:
    """Whether sys.<name> is missing (None, or the null device put in its place)."""
    stream = getattr(sys, name)
    return stream is None or stream is _NULL.get(name)
