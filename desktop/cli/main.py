"""The `reliefdesk` command line. Each command group lives in its own module with a
`register(subparsers)` function that sets `func` on its parser; `func(args) -> int` is the exit code."""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys

from desktop import __version__, diagnose, logs
from desktop.console import setup_streams
from desktop.errors import UserError
from desktop.outputs import for_terminal

# Command modules, in the order `reliefdesk --help` lists them.
COMMAND_MODULES = [
    "desktop.cli.records_cmd",
    "desktop.cli.rules_cmd",
    "desktop.cli.generate_cmd",
    "desktop.cli.trust_cmd",
    "desktop.cli.schedule_cmd",
    "desktop.cli.os_signin_cmd",
    "desktop.cli.review_cmd",
    "desktop.cli.county_cmd",
    "desktop.cli.gui_cmd",
    "desktop.cli.selftest_cmd",
    "desktop.cli.orders_cmd",
    "desktop.cli.retention_cmd",
    "desktop.cli.dispositions_cmd",
    "desktop.cli.exchange_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reliefdesk",
        description="ReliefDesk: Proposition 64 cannabis conviction relief for California courts.",
    )
    parser.add_argument("--version", action="version", version=f"ReliefDesk {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="database file (default: RELIEFDESK_DB, else the per-user database)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    setup_streams()  # no console (windowed program), Windows code pages, CR LF
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        if args.command is None:
            # No command: start the window, as a double-click would.
            args = parser.parse_args([*(argv or sys.argv[1:]), "gui"])
        else:
            parser.print_help()
            return 2
    log_file = logs.setup()
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        _say(f"reliefdesk: {for_terminal(exc)}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("reliefdesk: interrupted; nothing from the unfinished step was saved.")
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, sqlite3.Error) as exc:
        # The disk or the file refused (read-only, full, locked, permission): say what is true.
        honest = diagnose.from_os(exc) if isinstance(exc, OSError) else diagnose.from_sqlite(exc)
        if honest is None:
            return _unexpected(args, exc, log_file)
        logs.get("cli").info("command %s: %s", args.command, exc)
        _say(f"reliefdesk: {for_terminal(honest)}")
        return honest.exit_code
    except Exception as exc:
        return _unexpected(args, exc, log_file)


def _unexpected(args: argparse.Namespace, exc: BaseException, log_file: object) -> int:
    """A bug, not a user's mistake: the details go to the log, one line to the user."""
    logs.get("cli").exception("command %s failed", args.command)
    where = f" The details are in {log_file}." if log_file else ""
    _say(
        f"reliefdesk: unexpected error ({type(exc).__name__}: {exc}); nothing from the "
        f"unfinished step was saved.{where} Please send that file to court IT."
    )
    return INTERNAL_ERROR


# Exit code for a failure of the program itself (BSD sysexits' EX_SOFTWARE).
INTERNAL_ERROR = 70


def _say(line: str) -> None:
    """One line to stderr; a windowed build has none, and the exit code then tells."""
    if sys.stderr is not None:
        print(line, file=sys.stderr)


def gui_main() -> int:
    """The `reliefdesk-gui` entry point (pyproject gui-scripts: no console window on Windows) and
    the windowed ReliefDesk.exe: the window, or a command given on its command line, whose exit
    code says how it went (there is no console to print to)."""
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
