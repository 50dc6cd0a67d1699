"""Shared setup for the review tests (no tests here): a real generated DOJ file imported and
evaluated, three accounts, and helpers to run the CLI and fingerprint the database."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desktop.cli.main import main
from desktop.evaluation.runs import evaluate_county
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.review.users import authenticate, create_user
from desktop.rules.policy import load_policy
from desktop.store import open_db

PW = "pw-Review-2020"
COUNTY = "ALAMEDA"
AS_OF = date(2020, 7, 1)
GRANTABLE = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")


def build_template(work: Path, rows: int = 3000, seed: int = 5) -> Path:
    db_path = work / "template.sqlite3"
    src = work / "doj.csv"
    generate(src, COUNTY, rows, seed=seed)
    db = open_db(db_path)
    import_file(db, src, fmt="doj")
    evaluate_county(db, COUNTY, load_policy("statute"), AS_OF, backup=False)
    admin = create_user(db.conn, "admin1", "admin", PW, None)
    create_user(db.conn, "clerk1", "clerk", PW, admin)
    create_user(db.conn, "clerk2", "clerk", PW, admin)
    create_user(db.conn, "judge1", "judge", PW, admin)
    create_user(db.conn, "judge2", "judge", PW, admin)
    db.conn.close()
    return db_path


def copy_db(src: Path, dst: Path) -> Path:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()
    return dst


def cli(db: Path, *args: str, password: str = PW) -> tuple[int, str, str]:
    """Run `reliefdesk --db DB ARGS` in-process; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    mp = pytest.MonkeyPatch()
    mp.setenv("RELIEFDESK_PASSWORD", password)
    mp.setenv("RELIEFDESK_NEW_PASSWORD", PW)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--db", str(db), *args])
    finally:
        mp.undo()
    return code, out.getvalue(), err.getvalue()


def ok(db: Path, *args: str) -> str:
    code, out, err = cli(db, *args)
    assert code == 0, f"{args}: exit {code}: {err}"
    return out


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def fingerprint(db: Path) -> str:
    """A digest of every row of every table."""
    conn = sqlite3.connect(db)
    h = hashlib.sha256()
    for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        h.update(t.encode())
        for row in sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{t}"')):
            h.update(row.encode())
    conn.close()
    return h.hexdigest()


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
