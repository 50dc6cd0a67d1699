"""Backup settings a court administrator changes: audited, so they live above the store."""

from __future__ import annotations

import sqlite3

from desktop.audit.log import append
from desktop.errors import UserError
from desktop.store.backup import KEEP_SETTING, keep_count
from desktop.store.tx import transaction


def set_keep_count(conn: sqlite3.Connection, actor: str, keep: int) -> None:
    """Change backup_keep (the caller has checked the actor is an admin); audited."""
    if not 1 <= keep <= 1000:
        raise UserError(f"keep between 1 and 1000 backups, not {keep}")
    with transaction(conn):
        old = keep_count(conn)
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (KEEP_SETTING, str(keep))
        )
        append(
            conn,
            actor,
            "settings.set",
            [KEEP_SETTING],
            {"key": KEEP_SETTING, "old": old, "new": keep},
        )
