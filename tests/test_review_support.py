"""Shared setup for the review tests (no tests here): the generated template (tests/helpers/world.py,
built once per session by the `template_db` fixture) and the CLI with the review accounts' password."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from helpers.cli import CliResult, run_cli
from helpers.world import AS_OF, COUNTY, PW, build_template, copy_db, fingerprint

from desktop.review.users import authenticate

__all__ = ["AS_OF", "COUNTY", "PW", "build_template", "copy_db", "fingerprint"]

GRANTABLE = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")


def cli(db: Path, *args: str, password: str = PW) -> CliResult:
    """Run `reliefdesk --db DB ARGS` in-process; (exit code, stdout, stderr)."""
    return run_cli(db, *args, password=password, new_password=PW)


def ok(db: Path, *args: str) -> str:
    code, out, err = cli(db, *args)
    assert code == 0, f"{args}: exit {code}: {err}"
    return out


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def refused(db: Path, *args: str, password: str = PW) -> str:
    """Assert the command exits 4 with one line on stderr and changes nothing; the message."""
    before = fingerprint(db)
    code, _, err = cli(db, *args, password=password)
    assert code == 4, f"{args}: expected exit 4, got {code}: {err}"
    assert len(err.strip().splitlines()) == 1, err
    assert fingerprint(db) == before, f"{args} changed the database although refused"
    return err.strip()


def user(conn: sqlite3.Connection, name: str):
    return authenticate(conn, name, PW)


def review_row(conn: sqlite3.Connection, count_id: int) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM review_items WHERE count_id = ?", (count_id,))
    return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def pending_by_relief(conn: sqlite3.Connection, *reliefs: str) -> list[int]:
    marks = ",".join("?" * len(reliefs))
    return [
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            f" WHERE r.status = 'pending' AND d.relief IN ({marks}) ORDER BY r.count_id",
            reliefs,
        )
    ]


def audit_actions(conn: sqlite3.Connection) -> list[tuple[str, str, list]]:
    return [
        (u, a, json.loads(t))
        for u, a, t in conn.execute("SELECT user, action, targets FROM audit_log ORDER BY seq")
    ]
