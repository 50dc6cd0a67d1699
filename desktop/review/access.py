"""Who may read what (issue 18): the one read-access check the command line and the window
both call, and the rule for sealed counts.

- Reading anything in the database (the queue, a person's record, explanations, the audit log,
  exports, reports) needs a signed-in, active user with a role (`require_reader`).
- A count is *sealed* once the order that grants its relief is signed (or recorded as signed):
  for the court it is then the court's record, and a dismissed and sealed conviction is, in law,
  as if it never occurred (HS 11361.8(f), 11361.9 as amended by AB 1706). Sealed counts are left
  out of the queue, its search and the exports of people's records unless a user whose role may
  see them (`SEALED_ROLES`: records officer, judge) asks for them; every such showing and every
  read of a sealed count's record writes an audit entry (`sealed.show`, `sealed.read`) naming
  the counts (by id only: the audit log never holds a name).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from desktop import audit
from desktop.errors import RefusedError
from desktop.review.users import ROLES, User, role_text
from desktop.store.tx import transaction
from desktop.vocabulary import Role

READ_ROLES = ROLES
SEALED_ROLES = (Role.RECORDS_OFFICER, Role.JUDGE)

# An order is signed when it carries a signing time or a signed/printed status (a wet-ink order
# recorded as signed sets one of these as well). Every count of a signed order is sealed; the
# table under_seal (migration 0015) holds them, kept by triggers on the orders register.
SIGNED_ORDER = "(o.signed_at IS NOT NULL OR o.status IN ('signed', 'printed'))"
SEALED_COUNTS_SQL = "SELECT count_id FROM under_seal"


def require_reader(conn: sqlite3.Connection, user: User | None) -> User:
    """RefusedError unless `user` is a signed-in, active account with a role that may read."""
    if user is None:
        raise RefusedError(
            "reading the records needs a signed-in user: name one with --as USER "
            "(password from RELIEFDESK_PASSWORD or a prompt)"
        )
    row = conn.execute("SELECT role FROM users WHERE id = ? AND active = 1", (user.id,)).fetchone()
    if row is None:
        raise RefusedError(f"{user.name}'s account is no longer active")
    if row[0] not in READ_ROLES:
        raise RefusedError(f"{user.name} has no role that may read the records")
    return user


def may_see_sealed(user: User | None) -> bool:
    return user is not None and user.role in SEALED_ROLES


def require_sealed_reader(user: User, what: str = "sealed records") -> None:
    if not may_see_sealed(user):
        roles = " or ".join(f"a {role_text(r)}" for r in SEALED_ROLES)
        raise RefusedError(
            f"{what}: {user.name} is {_a(user.role)}; only {roles} may see sealed "
            "records (an administrator grants the records officer role)"
        )


def _a(role: str) -> str:
    text = role_text(role)
    return ("an " if text[:1] in "aeiou" else "a ") + text


def sealed_ids(conn: sqlite3.Connection, count_ids: Iterable[int] | None = None) -> set[int]:
    """The sealed counts among `count_ids` (all sealed counts when None)."""
    if count_ids is None:
        return {r[0] for r in conn.execute(SEALED_COUNTS_SQL)}
    ids = sorted(set(count_ids))
    found: set[int] = set()
    for i in range(0, len(ids), 900):
        part = ids[i : i + 900]
        found.update(
            r[0]
            for r in conn.execute(
                f"{SEALED_COUNTS_SQL} WHERE count_id IN ({','.join('?' * len(part))})", part
            )
        )
    return found


def is_sealed(conn: sqlite3.Connection, count_id: int) -> bool:
    return bool(sealed_ids(conn, [count_id]))


def read_record(
    conn: sqlite3.Connection,
    user: User | None,
    count_ids: Iterable[int],
    what: str,
    *,
    record_ids: Iterable[int] = (),
) -> set[int]:
    """Before showing the record of `count_ids` (detail pane, `review show`, `explain`): check
    the user may read, refuse a sealed count to a role that may not see sealed records, and
    write one `sealed.read` audit entry naming the sealed counts shown.

    `record_ids`: the other counts of the person's record shown beside it. Their sealed ones are
    shown to a records officer or judge (and audited with the rest) and are to be left out for
    anyone else: they are returned, and the caller drops them from what it shows."""
    user = require_reader(conn, user)
    ids = list(count_ids)
    sealed = sealed_ids(conn, ids)
    if sealed:
        require_sealed_reader(user, f"count {min(sealed)} is sealed (its order is signed)")
    in_record = sealed_ids(conn, record_ids) - set(ids)
    if not may_see_sealed(user):
        return in_record
    shown = sealed | in_record
    if shown:
        with transaction(conn):
            audit.append(
                conn, user.name, "sealed.read", sorted(shown), {"what": what, "counts": sorted(ids)}
            )
    return set()


def show_sealed(
    conn: sqlite3.Connection, user: User | None, what: str, count_ids: Iterable[int] | None = None
) -> None:
    """A list that includes sealed counts is about to be shown (the queue with sealed counts, an
    export of people's records): the role must allow it, and the showing is audited with the
    sealed counts it holds (`count_ids`: the counts shown; None when not known one by one)."""
    user = require_reader(conn, user)
    require_sealed_reader(user, f"showing sealed counts ({what})")
    sealed = sorted(sealed_ids(conn) & set(count_ids)) if count_ids is not None else []
    with transaction(conn):
        audit.append(
            conn, user.name, "sealed.show", sealed, {"what": what, "sealed_counts": len(sealed)}
        )


def register_rows(
    conn: sqlite3.Connection, user: User | None, rows: list[Any], what: str
) -> list[Any]:
    """Orders register rows (desktop.orders.register.OrderRow) as `user` may see them: the people
    of a signed order are under seal, so their names read "(sealed)" unless the role may see
    sealed records, and showing them to one that may is audited (`sealed.show`)."""
    user = require_reader(conn, user)
    signed = [r for r in rows if r.signed_at or r.status in ("signed", "printed")]
    if not signed:
        return rows
    if not may_see_sealed(user):
        hide = {r.id for r in signed}
        return [replace(r, names="(sealed)") if r.id in hide else r for r in rows]
    ids = [
        c
        for (c,) in conn.execute(
            "SELECT count_id FROM order_counts WHERE order_id IN ("
            + ",".join(str(int(r.id)) for r in signed)
            + ")"
        )
    ]
    show_sealed(conn, user, what, ids)
    return rows
