"""Signing in to read (issue 18): reading needs a signed-in user, so tests that read a database
through the command line give it an account to read with.

`add_reader(db)` adds an account straight into the users table (no audit entry, so tests that
count or hash audit entries are unchanged) and returns the `--as NAME` arguments; the password is
READER_PASSWORD, which `reader_env` (or the test) puts in RELIEFDESK_PASSWORD."""

from __future__ import annotations

import os
from pathlib import Path

from desktop.review.clock import now
from desktop.review.users import hash_password
from desktop.store import open_db

READER = "reader"
READER_PASSWORD = "reader-password"


def add_reader(db_path: Path | str, name: str = READER, role: str = "admin") -> list[str]:
    """An active account `name` (role `role`) in the database at db_path; returns ["--as", name]."""
    conn = open_db(db_path).conn
    try:
        if not conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            conn.execute(
                "INSERT INTO users (name, role, pw_hash, active, created_at, created_by)"
                " VALUES (?, ?, ?, 1, ?, 'test')",
                (name, role, hash_password(READER_PASSWORD), now()),
            )
    finally:
        conn.close()
    return ["--as", name]


def reader_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of `env` (default: os.environ) with RELIEFDESK_PASSWORD = READER_PASSWORD."""
    out = dict(os.environ if env is None else env)
    out["RELIEFDESK_PASSWORD"] = READER_PASSWORD
    return out
