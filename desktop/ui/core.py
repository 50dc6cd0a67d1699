"""The window's one doorway into the review core (desktop/review). Every state change goes
through the core, which checks the role, writes the audit entry and raises RefusedError with
a reason the window shows as it is. Kept in one module so the views do not each know the
core's module layout."""

from __future__ import annotations

import sqlite3
from typing import Any


def has_users(conn: sqlite3.Connection) -> bool:
    from desktop.review.users import has_users as _has_users

    return _has_users(conn)


def mark_opened(conn: sqlite3.Connection, user: Any, count_id: int) -> None:
    from desktop.review import decisions

    decisions.mark_opened(conn, user, count_id)


def approve(conn: sqlite3.Connection, user: Any, ids: list[int]) -> None:
    from desktop.review import decisions

    decisions.approve(conn, user, ids)


def reject(conn: sqlite3.Connection, user: Any, ids: list[int], reason: str) -> None:
    from desktop.review import decisions

    decisions.reject(conn, user, ids, reason)


def change(conn: sqlite3.Connection, user: Any, count_id: int, relief: str, target: str | None,
           reason: str) -> None:
    from desktop.review import decisions

    decisions.change(conn, user, count_id, relief, target, reason)


def defer(conn: sqlite3.Connection, user: Any, ids: list[int]) -> None:
    from desktop.review import decisions

    decisions.defer(conn, user, ids)


def undo(conn: sqlite3.Connection, user: Any) -> list[int]:
    """Undo the user's last decision; returns the count ids it touched."""
    from desktop.review import decisions

    result = decisions.undo(conn, user)
    if isinstance(result, int):
        return [result]
    if isinstance(result, list | tuple):
        return [int(x) for x in result]
    return []


def rule_paths(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(rule path, pending bulk-eligible counts) for the bulk-approve picker."""
    from desktop.review import bulk

    return [(p.rule_path, p.count) if hasattr(p, "rule_path") else (p[0], p[1])
            for p in bulk.rule_paths(conn)]


def opened_in_path(conn: sqlite3.Connection, user: Any, rule_path: str) -> int:
    from desktop.review import bulk

    return bulk.opened_count(conn, user, rule_path)


def bulk_min_opened(conn: sqlite3.Connection) -> int:
    from desktop.review import settings

    return int(settings.get_setting(conn, "bulk_min_opened"))


def bulk_approve(conn: sqlite3.Connection, user: Any, rule_path: str) -> list[int]:
    from desktop.review import bulk

    return list(bulk.bulk_approve(conn, user, rule_path))


def submit_batch(conn: sqlite3.Connection, user: Any) -> int:
    from desktop.review import batches

    return int(batches.submit_batch(conn, user))


def list_batches(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    from desktop.review import batches

    return [b if isinstance(b, dict) else vars(b) for b in batches.list_batches(conn)]


def sample(conn: sqlite3.Connection, user: Any, batch_id: int) -> list[int]:
    from desktop.review import batches

    items = batches.sample(conn, user, batch_id)
    return [i if isinstance(i, int) else (i["count_id"] if isinstance(i, dict) else i.count_id)
            for i in items]


def send_back(conn: sqlite3.Connection, user: Any, batch_id: int, count_id: int, note: str) -> None:
    from desktop.review import batches

    batches.send_back(conn, user, batch_id, count_id, note)


def accept_item(conn: sqlite3.Connection, user: Any, batch_id: int, count_id: int) -> None:
    from desktop.review import batches

    batches.accept_item(conn, user, batch_id, count_id)


def accept_batch(conn: sqlite3.Connection, user: Any, batch_id: int) -> None:
    from desktop.review import batches

    batches.accept_batch(conn, user, batch_id)


def filter_choices(conn: sqlite3.Connection) -> tuple[list[str], list[str], list[str]]:
    """Distinct flags, rule paths and sections present in the queue, for the filter boxes."""
    flags: set[str] = set()
    for (f,) in conn.execute(
            "SELECT DISTINCT d.flags FROM review_items r "
            "JOIN determinations d ON d.id = r.determination_id"):
        flags.update(x for x in (f or "").split(";") if x)
    paths = [p for (p,) in conn.execute(
        "SELECT DISTINCT d.rule_path FROM review_items r "
        "JOIN determinations d ON d.id = r.determination_id ORDER BY 1") if p]
    sections = [s for (s,) in conn.execute(
        "SELECT DISTINCT c.section FROM review_items r JOIN counts c ON c.id = r.count_id "
        "ORDER BY 1") if s]
    return sorted(flags), paths, sections
