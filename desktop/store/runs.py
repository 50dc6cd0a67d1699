"""Which evaluation run is meant: the one question about runs that the evaluation results (the
CLI's exports and explanations) and the orders' summary report both ask. It lives in the store,
the lowest layer both may import (orders may not import evaluation)."""

from __future__ import annotations

import sqlite3

from desktop.errors import UserError


def latest_run(conn: sqlite3.Connection, run: int | None = None) -> int:
    """`run` when it is a complete run, else the newest complete run; UserError (exit 2) when
    there is none."""
    if run is not None:
        if not conn.execute(
            "SELECT 1 FROM evaluation_runs WHERE id = ? AND status = 'complete'", (run,)
        ).fetchone():
            raise UserError(f"there is no complete evaluation run {run}", exit_code=2)
        return run
    row = conn.execute("SELECT MAX(id) FROM evaluation_runs WHERE status = 'complete'").fetchone()
    if not row or row[0] is None:
        raise UserError(
            "no evaluation has been run yet; run `reliefdesk evaluate --county NAME` first",
            exit_code=2,
        )
    return int(row[0])
