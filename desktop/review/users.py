"""Local accounts and roles. Passwords are hashed with scrypt (memory-hard, standard library);
the parameters live with the hash so they can be raised later without breaking old accounts.

Roles: `clerk` decides counts and submits batches, `judge` spot-checks and accepts batches,
`admin` manages accounts and settings, `records_officer` reads every record including sealed
ones (as a judge may) and keeps the retention schedule (listing, purge). A user has exactly one
role; what each role may read is in desktop/review/access.py."""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
from dataclasses import dataclass

from desktop import audit
from desktop.errors import RefusedError, UserError
from desktop.review.clock import now
from desktop.store.rows import all_as, named, one_as
from desktop.store.tx import transaction
from desktop.vocabulary import Role

ROLES: tuple[Role, ...] = tuple(Role)  # clerk, judge, admin, records officer
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8
_WRONG = "wrong user name or password"


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str


@dataclass(frozen=True)
class Account:
    """A row of `list_users`: an account as an administrator sees it (no hash)."""

    id: int
    name: str
    role: str
    active: bool
    created_at: str
    created_by: str | None


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored`; compares in constant time."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# A hash to check against when the name is unknown, so that both failures take the same time.
_DUMMY_HASH = hash_password("not a password")


def has_users(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def get_user(conn: sqlite3.Connection, name: str) -> User | None:
    """The active account called `name` (any case), or None."""
    return one_as(
        conn, User, "SELECT id, name, role FROM users WHERE name = ? AND active = 1", (name,)
    )


def authenticate(conn: sqlite3.Connection, name: str, password: str) -> User:
    """The active user `name` if `password` is theirs; RefusedError otherwise, with one message
    for an unknown name, a deactivated account and a wrong password alike."""
    row = next(
        named(
            conn.execute(
                "SELECT id, name, role, pw_hash FROM users WHERE name = ? AND active = 1",
                (name or "",),
            )
        ),
        None,
    )
    ok = check_password(password or "", row["pw_hash"] if row else _DUMMY_HASH)
    if not row or not ok:
        raise RefusedError(_WRONG)
    return User(id=row["id"], name=row["name"], role=row["role"])


def require_role(user: User, *roles: str) -> None:
    """RefusedError naming the role(s) needed unless `user` has one of `roles`."""
    if user.role not in roles:
        raise RefusedError(
            f"{user.name} is {_article(user.role)} {role_text(user.role)}; only "
            f"{_article(roles[0])} {' or '.join(map(role_text, roles))} may do "
            "this"
        )


def role_text(role: str) -> str:
    """A role as written in messages: 'records_officer' -> 'records officer'."""
    return role.replace("_", " ")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _check_new(name: str, role: str, password: str) -> None:
    if not name or name != name.strip() or any(c in name for c in "\t\r\n"):
        raise UserError(
            f"the user name {name!r} is not usable: give a name without leading or trailing spaces"
        )
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"the password for {name} is too short: use at least {MIN_PASSWORD} characters"
        )


def create_user(
    conn: sqlite3.Connection, name: str, role: str, password: str, actor: User | None
) -> User:
    """Add an account. Only an admin may add users; the very first account needs no actor but
    must be an admin (it is the one who adds the clerks and judges)."""
    _check_new(name, role, password)
    pw_hash = hash_password(password)  # slow: outside the write lock
    with transaction(conn):
        first = not has_users(conn)
        if first:
            if role != Role.ADMIN:
                raise RefusedError(
                    "the database has no users yet: the first account must be an "
                    "admin (--role admin)"
                )
        else:
            if actor is None:
                raise RefusedError("only an admin may add users: name one with --as ADMIN")
            require_role(actor, Role.ADMIN)
            _require_active(conn, actor)
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise RefusedError(f"a user named {name} already exists; pick another name")
        cur = conn.execute(
            "INSERT INTO users (name, role, pw_hash, active, created_at, created_by)"
            " VALUES (?, ?, ?, 1, ?, ?)",
            (name, role, pw_hash, now(), actor.name if actor else None),
        )
        user = User(int(cur.lastrowid or 0), name, role)
        audit.append(
            conn,
            actor.name if actor else name,
            "user.add",
            [user.id],
            {"name": name, "role": role, "first": first},
        )
    return user


def list_users(conn: sqlite3.Connection) -> list[Account]:
    return all_as(
        conn,
        Account,
        "SELECT id, name, role, active, created_at, created_by FROM users ORDER BY name",
        active=bool,
    )


def _require_active(conn: sqlite3.Connection, actor: User) -> None:
    if not conn.execute("SELECT 1 FROM users WHERE id = ? AND active = 1", (actor.id,)).fetchone():
        raise RefusedError(f"{actor.name}'s account is no longer active")


def _target(conn: sqlite3.Connection, name: str) -> tuple[int, str, str, int]:
    row = conn.execute(
        "SELECT id, name, role, active FROM users WHERE name = ?", (name,)
    ).fetchone()
    if not row:
        raise UserError(f"no user named {name}; see `reliefdesk users list`")
    return row


def deactivate_user(conn: sqlite3.Connection, actor: User, name: str) -> None:
    """An admin closes an account (kept for the history). The last active admin stays."""
    require_role(actor, Role.ADMIN)
    with transaction(conn):
        _require_active(conn, actor)
        uid, real, role, active = _target(conn, name)
        if not active:
            raise RefusedError(f"{real}'s account is already inactive")
        if (
            role == Role.ADMIN
            and conn.execute(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1"
            ).fetchone()[0]
            <= 1
        ):
            raise RefusedError(f"{real} is the last active admin; add another admin first")
        conn.execute("UPDATE users SET active = 0 WHERE id = ?", (uid,))
        audit.append(conn, actor.name, "user.deactivate", [uid], {"name": real})


def set_password(conn: sqlite3.Connection, actor: User, name: str, password: str) -> None:
    """An admin sets anyone's password; any user may set their own."""
    if actor.name.casefold() != name.casefold():
        require_role(actor, Role.ADMIN)
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"the password for {name} is too short: use at least {MIN_PASSWORD} characters"
        )
    pw_hash = hash_password(password)
    with transaction(conn):
        _require_active(conn, actor)
        uid, real, _, _ = _target(conn, name)
        conn.execute("UPDATE users SET pw_hash = ? WHERE id = ?", (pw_hash, uid))
        audit.append(conn, actor.name, "user.password", [uid], {"name": real})


def active_judges(conn: sqlite3.Connection) -> list[str]:
    """Names of the active judges' accounts, for the lists a window offers."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM users WHERE role = 'judge' AND active = 1 ORDER BY name"
        )
    ]
