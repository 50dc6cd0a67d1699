"""The window's one doorway into the review core (desktop/review). Every state change goes
through the core, which checks the role, writes the audit entry and raises RefusedError with
a reason the window shows as it is. Kept in one module so the views do not each know the
core's module layout."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.review import batches, bulk, decisions, settings, users
from desktop.review.batches import SampleItem, batch_status
from desktop.review.queue import count_numbers, filter_choices, has_review_items, longest_names
from desktop.review.users import User
from desktop.tokens import TokenKey

# Reads the views make are answered by the review core and re-exported here, so the views keep
# one doorway to the core for reads as for writes.
__all__ = [
    "SampleItem",
    "User",
    "batch_status",
    "count_numbers",
    "filter_choices",
    "has_review_items",
    "longest_names",
]


def has_users(conn: sqlite3.Connection) -> bool:
    return users.has_users(conn)


def mark_opened(conn: sqlite3.Connection, user: User, count_id: int) -> None:
    decisions.mark_opened(conn, user, count_id)


def approve(conn: sqlite3.Connection, user: User, ids: list[int]) -> list[int]:
    return decisions.approve(conn, user, ids)


def reject(conn: sqlite3.Connection, user: User, ids: list[int], reason: str) -> list[int]:
    return decisions.reject(conn, user, ids, reason)


def change(
    conn: sqlite3.Connection,
    user: User,
    count_id: int,
    relief: str,
    target: str | None,
    reason: str,
) -> list[int]:
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


def send_back(
    conn: sqlite3.Connection, user: User, batch_id: int, count_id: int, note: str
) -> None:
    batches.send_back(conn, user, batch_id, count_id, note)


def accept_item(conn: sqlite3.Connection, user: User, batch_id: int, count_id: int) -> None:
    batches.accept_item(conn, user, batch_id, count_id)


def accept_batch(
    conn: sqlite3.Connection,
    user: User,
    batch_id: int,
    key: Path | TokenKey | None = None,
    secret: str = "",
) -> None:
    """Accept the batch; with `key` (a certificate file, or a certificate on a smart card with
    `secret` its passphrase or PIN) the sealed acceptance is signed too."""
    batches.accept_batch(conn, user, batch_id, key_file=key, passphrase=secret or None)


def batch_counts(conn: sqlite3.Connection, batch_id: int) -> int:
    """How many counts of the batch go on to orders if it is accepted (not sent back)."""
    return next((int(b["items"]) for b in batches.list_batches(conn) if b["id"] == batch_id), 0)
