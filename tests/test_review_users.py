"""Accounts and roles: scrypt hashes, one refusal message for name and password, the first-admin
rule, only admins manage accounts, and the CLI's users add/list."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_review_support import PW, cli, fingerprint, jsonl, ok, refused

from desktop.audit import verify
from desktop.errors import RefusedError, UserError
from desktop.review.users import (
    User,
    authenticate,
    check_password,
    create_user,
    deactivate_user,
    has_users,
    list_users,
    require_role,
    set_password,
)
from desktop.store import open_db


@pytest.fixture()
def conn(tmp_path: Path) -> sqlite3.Connection:
    return open_db(tmp_path / "u.sqlite3").conn


def test_hash_is_scrypt_with_params_and_salt(conn: sqlite3.Connection) -> None:
    admin = create_user(conn, "ada", "admin", PW, None)
    create_user(conn, "bob", "clerk", PW, admin)
    h1, h2 = (r[0] for r in conn.execute("SELECT pw_hash FROM users ORDER BY id"))
    assert h1.startswith("scrypt$16384$8$1$") and h2.startswith("scrypt$16384$8$1$")
    assert h1 != h2  # same password, different salts
    assert PW not in h1
    assert check_password(PW, h1) and not check_password(PW + "x", h1)
    assert not check_password(PW, "garbage")


def test_authenticate_and_roles(conn: sqlite3.Connection) -> None:
    assert not has_users(conn)
    with pytest.raises(RefusedError, match="first account must be an admin"):
        create_user(conn, "cal", "clerk", PW, None)
    admin = create_user(conn, "ada", "admin", PW, None)
    assert has_users(conn)
    clerk = create_user(conn, "cal", "clerk", PW, admin)
    assert authenticate(conn, "cal", PW) == User(clerk.id, "cal", "clerk")
    assert authenticate(conn, "CAL", PW).name == "cal"  # names are case-insensitive
    messages = set()
    for name, pw in (("cal", "wrong"), ("nobody", PW), ("", "")):
        with pytest.raises(RefusedError) as exc:
            authenticate(conn, name, pw)
        messages.add(str(exc.value))
    assert messages == {"wrong user name or password"}
    with pytest.raises(RefusedError, match="only a judge"):
        require_role(clerk, "judge")
    require_role(clerk, "clerk", "judge")
    with pytest.raises(RefusedError, match="only an admin"):
        create_user(conn, "eve", "admin", PW, clerk)
    with pytest.raises(RefusedError, match="already exists"):
        create_user(conn, "CAL", "judge", PW, admin)
    with pytest.raises(UserError, match="too short"):
        create_user(conn, "dan", "judge", "short", admin)


def test_deactivate_and_passwords(conn: sqlite3.Connection) -> None:
    admin = create_user(conn, "ada", "admin", PW, None)
    clerk = create_user(conn, "cal", "clerk", PW, admin)
    with pytest.raises(RefusedError, match="last active admin"):
        deactivate_user(conn, admin, "ada")
    with pytest.raises(RefusedError):
        deactivate_user(conn, clerk, "ada")
    set_password(conn, clerk, "cal", "a new password")  # one's own
    with pytest.raises(RefusedError):
        set_password(conn, clerk, "ada", "taken over!")
    authenticate(conn, "cal", "a new password")
    deactivate_user(conn, admin, "cal")
    with pytest.raises(RefusedError, match="wrong user name or password"):
        authenticate(conn, "cal", "a new password")
    assert [(a.name, a.active) for a in list_users(conn)] == [("ada", True), ("cal", False)]
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert actions == ["user.add", "user.add", "user.password", "user.deactivate"]
    assert verify(conn).ok


def test_users_cli(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    ok(db, "users", "add", "admin1", "--role", "admin")  # first: no --as needed
    refused(db, "users", "add", "x", "--role", "clerk")  # later: --as required
    ok(db, "users", "add", "clerk1", "--role", "clerk", "--as", "admin1")
    ok(db, "users", "add", "judge1", "--role", "judge", "--as", "admin1")
    refused(db, "users", "add", "x", "--role", "clerk", "--as", "clerk1")
    refused(db, "users", "add", "x", "--role", "clerk", "--as", "admin1", password="bad")
    refused(db, "users", "list", "--json")  # reading: sign in
    rows = jsonl(ok(db, "users", "list", "--json", "--as", "clerk1"))
    assert [(r["name"], r["role"], r["active"]) for r in rows] == [
        ("admin1", "admin", True),
        ("clerk1", "clerk", True),
        ("judge1", "judge", True),
    ]
    assert "pw_hash" not in rows[0]
    before = fingerprint(db)
    code, _, err = cli(db, "users", "add", "bad name ", "--role", "clerk", "--as", "admin1")
    assert code == 2 and fingerprint(db) == before


def test_real_entry_point_without_a_password_refuses(tmp_path: Path) -> None:
    """The installed command in a subprocess: no RELIEFDESK_PASSWORD and no terminal → exit 4."""
    import os
    import subprocess
    import sys

    db = tmp_path / "p.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELIEFDESK_")}
    run = [sys.executable, "-m", "desktop", "--db", str(db)]
    first = subprocess.run(
        [*run, "users", "add", "admin1", "--role", "admin"],
        env={**env, "RELIEFDESK_NEW_PASSWORD": PW},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert first.returncode == 0, first.stderr
    before = fingerprint(db)
    second = subprocess.run(
        [*run, "users", "add", "c1", "--role", "clerk", "--as", "admin1"],
        env={**env, "RELIEFDESK_NEW_PASSWORD": PW},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert second.returncode == 4 and "RELIEFDESK_PASSWORD" in second.stderr
    assert fingerprint(db) == before
    # Listing the users is a read: without a password it is refused too, printing nothing.
    listed = subprocess.run(
        [*run, "users", "list", "--json", "--as", "admin1"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert listed.returncode == 4 and listed.stdout == "" and "RELIEFDESK_PASSWORD" in listed.stderr
    listed = subprocess.run(
        [*run, "users", "list", "--json", "--as", "admin1"],
        env={**env, "RELIEFDESK_PASSWORD": PW},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert [r["name"] for r in jsonl(listed.stdout)] == ["admin1"]
