"""Sign-in with the operating-system account, as an option next to local passwords.

An administrator maps Windows accounts (`COURT\\jdoe`) or groups (`COURT\\ReliefDesk-Clerks`, an
Active Directory group) to roles. The OS says who the user is (desktop.osinfo: the process's
access token, never environment variables) and which groups they are in; a mapped account signs in
without a ReliefDesk password, as a ReliefDesk user of that name created on first sign-in (with
no usable password). Court IT removes a leaver in one place: the account is disabled, or taken out
of the group, and the next sign-in is refused. An account mapping wins over group mappings; two
groups giving different roles are refused until the administrator maps the account itself.
Local passwords stay for standalone PCs.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from desktop import audit
from desktop.errors import RefusedError, UserError
from desktop.review.clock import now
from desktop.review.users import ROLES, User, _require_active, require_role
from desktop.store.rows import all_as
from desktop.store.tx import transaction
from desktop.vocabulary import Role

KINDS = ("account", "group")
NO_PASSWORD = "os-account"  # never a valid scrypt hash: such a user cannot sign in by password


@dataclass(frozen=True)
class Mapping:
    kind: str
    name: str
    role: str
    added_by: str
    added_at: str


def list_mappings(conn: sqlite3.Connection) -> list[Mapping]:
    return all_as(
        conn,
        Mapping,
        "SELECT kind, name, role, added_by, added_at FROM os_role_map ORDER BY kind, name",
    )


def enabled(conn: sqlite3.Connection) -> bool:
    """OS sign-in is on when an administrator has mapped at least one account or group."""
    return conn.execute("SELECT 1 FROM os_role_map LIMIT 1").fetchone() is not None


def map_role(conn: sqlite3.Connection, actor: User, kind: str, name: str, role: str) -> Mapping:
    require_role(actor, Role.ADMIN)
    if kind not in KINDS:
        raise UserError(f"map an account or a group, not {kind!r}")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    name = name.strip()
    if not name or any(c in name for c in "\r\n\t"):
        raise UserError("give the account or group as Windows shows it, like COURT\\jdoe")
    with transaction(conn):
        _require_active(conn, actor)
        old = conn.execute(
            "SELECT role FROM os_role_map WHERE kind = ? AND name = ?", (kind, name)
        ).fetchone()
        conn.execute(
            "INSERT INTO os_role_map (kind, name, role, added_at, added_by) VALUES"
            " (?, ?, ?, ?, ?) ON CONFLICT (kind, name) DO UPDATE SET role = excluded.role,"
            " added_at = excluded.added_at, added_by = excluded.added_by",
            (kind, name, role, now(), actor.name),
        )
        audit.append(
            conn,
            actor.name,
            "os_sign_in.map",
            [name],
            {"kind": kind, "name": name, "role": role, "old": old[0] if old else None},
        )
    return next(m for m in list_mappings(conn) if m.kind == kind and m.name.lower() == name.lower())


def unmap(conn: sqlite3.Connection, actor: User, kind: str, name: str) -> None:
    require_role(actor, Role.ADMIN)
    with transaction(conn):
        _require_active(conn, actor)
        cur = conn.execute("DELETE FROM os_role_map WHERE kind = ? AND name = ?", (kind, name))
        if not cur.rowcount:
            raise UserError(f"no {kind} named {name} is mapped")
        audit.append(conn, actor.name, "os_sign_in.unmap", [name], {"kind": kind, "name": name})


def role_for(conn: sqlite3.Connection, account: str, groups: list[str]) -> str:
    """The role the mappings give `account` in `groups`; RefusedError when none or ambiguous."""
    row = conn.execute(
        "SELECT role FROM os_role_map WHERE kind = 'account' AND name = ?", (account,)
    ).fetchone()
    if row:
        return str(row[0])
    wanted = {g.lower() for g in groups}
    roles = {
        (m.name, m.role)
        for m in list_mappings(conn)
        if m.kind == "group" and m.name.lower() in wanted
    }
    distinct = {r for _, r in roles}
    if len(distinct) > 1:
        raise RefusedError(
            f"{account} is in groups mapped to different roles ("
            + ", ".join(f"{n}: {r}" for n, r in sorted(roles))
            + "); an administrator must map the account itself"
        )
    if not distinct:
        raise RefusedError(
            f"the Windows account {account} is not mapped to a ReliefDesk role (by "
            "account or group); ask the administrator, or sign in with a "
            "ReliefDesk password"
        )
    return distinct.pop()


def sign_in(
    conn: sqlite3.Connection, account: str | None = None, groups: list[str] | None = None
) -> User:
    """Sign in as the OS account (asked of the OS unless given, for tests): the ReliefDesk user of
    that name, created on first sign-in and given the mapped role (role changes are audited)."""
    from desktop.osinfo import os_account, os_groups

    if not enabled(conn):
        raise RefusedError(
            "sign-in with the Windows account is not set up on this database; "
            "sign in with a ReliefDesk password"
        )
    account = account or os_account()
    groups = os_groups() if groups is None else groups
    role = role_for(conn, account, groups)
    with transaction(conn):
        row = conn.execute(
            "SELECT id, name, role, active, pw_hash FROM users WHERE name = ?", (account,)
        ).fetchone()
        if row is None:
            cur = conn.execute(
                "INSERT INTO users (name, role, pw_hash, active, created_at, created_by)"
                " VALUES (?, ?, ?, 1, ?, ?)",
                (account, role, NO_PASSWORD, now(), "os-sign-in"),
            )
            user = User(int(cur.lastrowid or 0), account, role)
            audit.append(
                conn,
                account,
                "user.add",
                [user.id],
                {"name": account, "role": role, "os_account": True},
            )
            return user
        uid, name, old_role, active, pw_hash = row
        if not active:
            raise RefusedError(f"{name}'s ReliefDesk account is deactivated")
        if pw_hash != NO_PASSWORD:
            raise RefusedError(
                f"{name} is a ReliefDesk password account; sign in with its "
                "password (an OS account needs a name of its own)"
            )
        if old_role != role:
            conn.execute("UPDATE users SET role = ? WHERE id = ?", (role, uid))
            audit.append(
                conn,
                name,
                "user.role",
                [uid],
                {"name": name, "old": old_role, "new": role, "os_account": True},
            )
        return User(int(uid), str(name), role)
