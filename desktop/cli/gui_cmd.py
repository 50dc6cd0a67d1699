"""`reliefdesk gui [--startup-probe]`: the window (desktop/ui), started from the CLI."""

from __future__ import annotations

import argparse
import os
import sys
import time

from desktop.errors import UserError

# Fallback clock for the startup probe: when this module was imported (desktop.cli.main imports
# every command module while building its parser, so this is close to interpreter start).
_IMPORTED_AT = time.perf_counter()


def process_started_at() -> tuple[float, str]:
    """The process start as a time.perf_counter() value, and which clock gave it.

    Linux: /proc/self/stat field 22 (start time in clock ticks after boot) against
    CLOCK_BOOTTIME, so interpreter start-up and imports are included (10 ms resolution).
    Elsewhere: the import of desktop.cli, which misses interpreter start-up."""
    if not sys.platform.startswith("linux"):
        return _IMPORTED_AT, "clock=cli-import"  # no /proc, no CLOCK_BOOTTIME (Windows, macOS)
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            stat = f.read()
        # The command name (field 2) may hold spaces; fields after it follow the last ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
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
    if (
        args.startup_probe
        and sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a headless CI machine
    if not args.startup_probe:
        from desktop.qt_preflight import check

        problem = check()
        if problem:
            print(problem, file=sys.stderr)
            return 2
    try:
        from desktop.ui.app import run

        return run(db_path(args), probe=args.startup_probe, started_at=started_at, clock_note=note)
    except UserError as exc:  # damaged, busy, network location, newer schema, ...
        show_startup_error(str(exc), dialog=not args.startup_probe)
        return exc.exit_code
    except ImportError as exc:  # a missing or damaged library in the program folder
        show_startup_error(
            f"A part of ReliefDesk is missing or damaged ({exc.name or exc}). Install ReliefDesk "
            f"again (or copy the whole program folder again); your data is not affected."
            f"{_logged(exc)}",
            dialog=not args.startup_probe,
        )
        return 2
    except Exception as exc:
        show_startup_error(
            f"ReliefDesk could not start: {type(exc).__name__}: {exc}.{_logged(exc)}",
            dialog=not args.startup_probe,
        )
        return 1


def _logged(exc: BaseException) -> str:
    """Write the traceback to the program's log (desktop/logs.py; never shown to the user); the
    sentence that tells court IT where it is."""
    from desktop import logs

    log = logs.setup()
    logs.get("gui").error("the window could not start", exc_info=exc)
    return f" Details for court IT are in {log}." if log else ""


def _present(box: object) -> None:
    """Show a start-up error box and wait for OK; not on a headless platform, where nobody could
    press it (the message is on stderr there)."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return
    box.exec()  # type: ignore[attr-defined]


_ERROR_APP = None  # the QApplication made only to show a start-up error


def show_startup_error(
    text: str, *, dialog: bool = True, title: str = "ReliefDesk could not start"
) -> None:
    """A start-up error where the user sees it: on stderr when there is one, and in a dialog
    (the windowed ReliefDesk.exe has no console). Without Qt (a missing library), Windows' own
    MessageBoxW shows it."""
    print(f"reliefdesk: {text}", file=sys.stderr)
    if not dialog:
        return
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            global _ERROR_APP
            _ERROR_APP = QApplication([sys.argv[0] if sys.argv else "ReliefDesk"])
        box = QMessageBox(QMessageBox.Icon.Critical, title, text)
        _present(box)
        return
    except Exception:
        pass
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, text, title, 0x10)  # type: ignore[attr-defined]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the ReliefDesk window")
    p.add_argument(
        "--startup-probe",
        action="store_true",
        help="open the main window read-only without signing in, print the "
        "milliseconds from process start to the first paint, and exit 0",
    )
    p.set_defaults(func=run_gui)
