"""`reliefdesk gui [--startup-probe]`: the window (desktop/ui), started from the CLI."""

from __future__ import annotations

import argparse
import os
import sys
import time

# Fallback clock for the startup probe: when this module was imported (desktop.cli.main imports
# every command module while building its parser, so this is close to interpreter start).
_IMPORTED_AT = time.perf_counter()


def process_started_at() -> tuple[float, str]:
    """The process start as a time.perf_counter() value, and which clock gave it.

    Linux: /proc/self/stat field 22 (start time in clock ticks after boot) against
    CLOCK_BOOTTIME, so interpreter start-up and imports are included (10 ms resolution).
    Elsewhere: the import of desktop.cli, which misses interpreter start-up."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            stat = f.read()
        # The command name (field 2) may hold spaces; fields after it follow the last ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        start_ticks = int(fields[19])
        start_s = start_ticks / os.sysconf("SC_CLK_TCK")
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - start_s
        if 0 <= age < 3600:
            return time.perf_counter() - age, "clock=process-start"
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    return _IMPORTED_AT, "clock=cli-import"


def run_gui(args: argparse.Namespace) -> int:
    from desktop.cli.common import db_path

    started_at, note = process_started_at()
    # Step 1, before any Qt call: the PySide6 reference-count guard (None, True, False).
    from desktop.ui import guard_refcounts

    guard_refcounts()
    if args.startup_probe and sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # a headless CI machine
    if not args.startup_probe:
        from desktop.qt_preflight import check

        problem = check()
        if problem:
            print(problem, file=sys.stderr)
            return 2
    from desktop.ui.app import run

    return run(db_path(args), probe=args.startup_probe, started_at=started_at, clock_note=note)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the ReliefDesk window")
    p.add_argument("--startup-probe", action="store_true",
                   help="open the main window read-only without signing in, print the "
                        "milliseconds from process start to the first paint, and exit 0")
    p.set_defaults(func=run_gui)
