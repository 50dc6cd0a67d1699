"""`reliefdesk self-test`: the check court IT runs after installing."""

from __future__ import annotations

import argparse
import sys

from desktop import logs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "self-test",
        help="check this installation end to end on a throwaway database (no display, no network)",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="print each step's time")
    p.set_defaults(func=cmd_self_test)


def cmd_self_test(args: argparse.Namespace) -> int:
    from desktop.selftest import SelfTestFailed, run_self_test

    log = (lambda line: print(line, file=sys.stderr)) if args.verbose else None
    try:
        seconds = run_self_test(log=log)
    except SelfTestFailed as exc:
        print(
            f"ReliefDesk self-test FAILED at step '{exc.step}': {type(exc.error).__name__}: "
            f"{exc.error}"
        )
        print(f"Log file: {logs.log_path()}")
        return 1
    print(f"ReliefDesk self-test passed: import, evaluate, review, sign, verify in {seconds:.1f} s")
    print(f"Log file: {logs.log_path()}")
    return 0
