"""The one way tests run the command line in-process: `reliefdesk --db DB ARGS`.

- `run_cli(db, *args)` captures the output: CliResult(code, out, err). Passwords come from the
  environment as a person at a terminal would give them (RELIEFDESK_PASSWORD and friends), set
  for the call only.
- `reliefdesk(db, *args)` returns the exit code and leaves the output to pytest's capture, for
  tests that read it with capsys.
- `ok(db, *args)` runs, asserts the exit code (0 unless told) and returns stdout."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.cli.main import main


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def __iter__(self):  # code, out, err = run_cli(...)
        return iter((self.code, self.out, self.err))


def _argv(db: Path | str | None, args: Iterable[str]) -> list[str]:
    return ([] if db is None else ["--db", os.fspath(db)]) + [str(a) for a in args]


def reliefdesk(db: Path | str | None, *args: str) -> int:
    """The exit code of `reliefdesk [--db DB] ARGS`; output goes where pytest captures it."""
    return main(_argv(db, args))


def run_cli(
    db: Path | str | None,
    *args: str,
    password: str | None = None,
    new_password: str | None = None,
    key_passphrase: str | None = None,
    env: dict[str, str] | None = None,
) -> CliResult:
    """Run `reliefdesk [--db DB] ARGS` in-process with its output captured."""
    out, err = io.StringIO(), io.StringIO()
    mp = pytest.MonkeyPatch()
    given = {
        "RELIEFDESK_PASSWORD": password,
        "RELIEFDESK_NEW_PASSWORD": new_password,
        "RELIEFDESK_KEY_PASSPHRASE": key_passphrase,
        **(env or {}),
    }
    for name, value in given.items():
        if value is not None:
            mp.setenv(name, value)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(_argv(db, args))
    finally:
        mp.undo()
    return CliResult(code, out.getvalue(), err.getvalue())


def ok(db: Path | str | None, *args: str, codes: tuple[int, ...] = (0,), **kw: str) -> str:
    """Run and assert the exit code is one of `codes`; stdout."""
    res = run_cli(db, *args, **kw)
    assert res.code in codes, f"{args}: exit {res.code}: {res.err}"
    return res.out
