"""The window's one doorway into the review core (desktop/review). Every state change goes
through the core, which checks the role, writes the audit entry and raises RefusedError with
a reason the window shows as it is. Kept in one module so the views do not each know the
core's module layout."""

from __future__ import annotations

import sqlite3

from desktop.review import batches, bulk, decisions, settings, users
from desktop.review.batches import SampleItem
from desktop.review.users import User

__all__ = ["SampleItem", "User"]


def has_users(conn: sqlite3.Connection) -> bool:
    return users.has_users(conn)


def mark_opened(conn: sqlite3.Connection, user: User, count_id: int) -> None:
    decisions.mark_opened(conn, user, count_id)


def approve(conn: sqlite3.Connection, user: User, ids: list[int]) -> list[int]:
    return decisions.approve(conn, user, ids)


def reject(conn: sqlite3.Connection, user: User, ids: list[int], reason: str) -> list[int]:
    return decisions.reject(conn, user, ids, reason)


def change(conn: sqlite3.Connection, user: User, count_id: int, relief: str, target: str | None,
           reason: str) -> list[int]:
    return decisions.change(conn, user, count_id, relief, target, reason)


def defer(conn: sqlite3.Connection, user: User, ids: list[int]) -> list[int]:
    return decisions.defer(conn, user, ids)


def undo(conn: sqlite3.Connection, user: User) -> list[int]:
    """Undo the user's last decision step; returns the count ids it touched."""
    return decisions.undo(conn, user)


def rule_paths(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(rule path, pending bulk-eligible counts) for the bulk-approve picker, largest first."""
    return [(p.rule_path, p.count) for p in bulk.rule_paths(conn)]


def opened_in_path(conn: sqlite3.Connection, user: User, rule_path: str) -> int:
    return bulk.opened_count(conn, user, rule_path)


def bulk_min_opened(conn: sqlite3.Connection) -> int:
    return int(settings.get_setting(conn, "bulk_min_opened"))


def bulk_approve(conn: sqlite3.Connection, user: User, rule_path: str) -> list[int]:
    return bulk.bulk_approve(conn, user, rule_path)


def submit_batch(conn: sqlite3.Connection, user: User) -> int:
    return batches.submit_batch(conn, user)


def submittable(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(rule path, counts) that Submit batch would send to the judge now."""
    return batches.submittable(conn)


def batch_size(conn: sqlite3.Connection, batch_id: int) -> int:
    return batches.batch_size(conn, batch_id)


def list_batches(conn: sqlite3.Connection) -> list[dict]:
    """Every batch, newest first (id, status, prepared_by, submitted_at, items, sampled, ...)."""
    return batches.list_batches(conn)


def sample(conn: sqlite3.Connection, user: User, batch_id: int) -> list[SampleItem]:
    """The batch's sample for the judge (drawn on first call, then the same one)."""
    return batches.sample(conn, user, batch_id)


def send_back(conn: sqlite3.Connection, user: User, batch_id: int, count_id: int, note: str) -> None:
    batches.send_back(conn, user, batch_id, count_id, note)


def accept_item(conn: sqlite3.Connection, user: User, batch_id: int, count_id: int) -> None:
    batches.accept_item(conn, user, batch_id, count_id)


def accept_batch(conn: sqlite3.Connection, user: User, batch_id: int) -> None:
    batches.accept_batch(conn, user, batch_id)


def count_numbers(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    """count id -> the count's number within its case (as the court numbers it), for lists that
    name counts the way a clerk does (never by internal id)."""
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        for cid, no in conn.execute(f"SELECT id, count_no FROM counts WHERE id IN "
                                    f"({','.join('?' * len(part))})", part):
            out[cid] = "" if no is None else str(no)
    return out


def filter_choices(conn: sqlite3.Connection) -> tuple[list[str], list[str], list[str]]:
    """Distinct flags, rule paths and sections present in the queue, for the filter boxes
    (read-only lists of what is there; the filtering itself is the core's queue query)."""
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
