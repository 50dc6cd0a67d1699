"""The generated county the review tests work on: a real synthetic DOJ file (the project's
generator), imported and evaluated under the statute, with five accounts. Built once per session
by the `template_db` fixture (tests/conftest.py); a test works on its own copy (`copy_db`)."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from pathlib import Path

from desktop.evaluation.runs import evaluate_county
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.review.users import create_user
from desktop.rules.policy import load_policy
from desktop.store import open_db

PW = "pw-Review-2020"  # every account's password
COUNTY = "ALAMEDA"
AS_OF = date(2020, 7, 1)
ACCOUNTS = (
    ("admin1", "admin"),
    ("clerk1", "clerk"),
    ("clerk2", "clerk"),
    ("judge1", "judge"),
    ("judge2", "judge"),
)


def build_template(work: Path, rows: int = 3000, seed: int = 5) -> Path:
    """Generate `rows` DOJ rows for COUNTY, import and evaluate them, add ACCOUNTS; the path."""
    db_path = work / "template.sqlite3"
    src = work / "doj.csv"
    generate(src, COUNTY, rows, seed=seed)
    db = open_db(db_path)
    import_file(db, src, fmt="doj")
    evaluate_county(db, COUNTY, load_policy("statute"), AS_OF, backup=False)
    admin = None
    for name, role in ACCOUNTS:
        made = create_user(db.conn, name, role, PW, admin)
        admin = admin or made
    db.conn.close()
    return db_path


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of the database `src` at `dst` (SQLite's backup API)."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return dst


def fingerprint(db: Path) -> str:
    """A digest of every row of every table (a refused command must leave it unchanged)."""
    conn = sqlite3.connect(db)
    h = hashlib.sha256()
    for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        h.update(t.encode())
        for row in sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{t}"')):
            h.update(row.encode())
    conn.close()
    return h.hexdigest()
