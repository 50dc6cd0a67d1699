"""Reading the audit log: filtered, paged listing for the CLI and the Audit view."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

COLUMNS = ("seq", "at", "user", "action", "targets", "payload", "prev_hash", "hash")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    user: str | None
    action: str
    targets: str  # canonical JSON list, exactly as hashed
    payload: str  # canonical JSON object, exactly as hashed
    prev_hash: str
    hash: str

    def as_dict(self, decoded: bool = True) -> dict[str, Any]:
        """The entry as a dict; decoded=True turns targets and payload back into JSON values."""
        d: dict[str, Any] = {c: getattr(self, c) for c in COLUMNS}
        if decoded:
            d["targets"] = json.loads(self.targets)
            d["payload"] = json.loads(self.payload)
        return d


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # exact action name, or a prefix ending in '.' or '*'
    user: str | None = None
    since: str | None = None  # ISO date or datetime (UTC), inclusive
    until: str | None = None  # ISO date or datetime (UTC), exclusive
    text: str | None = None  # substring of targets or payload
    newest_first: bool = False


def where_clause(f: AuditFilter) -> tuple[str, list[Any]]:
    """SQL WHERE (or '') and its parameters for a filter."""
    parts: list[str] = []
    params: list[Any] = []
    if f.action:
        if f.action.endswith("*") or f.action.endswith("."):
            prefix = f.action.rstrip("*")
            # substr comparison rather than LIKE: action names may contain '_' and '%'.
            parts.append("substr(action, 1, ?) = ?")
            params += [len(prefix), prefix]
        else:
            parts.append("action = ?")
            params.append(f.action)
    if f.user:
        parts.append("user = ?")
        params.append(f.user)
    if f.since:
        parts.append("at >= ?")
        params.append(f.since)
    if f.until:
        parts.append("at < ?")
        params.append(f.until)
    if f.text:
        parts.append("(instr(targets, ?) > 0 OR instr(payload, ?) > 0)")
        params += [f.text, f.text]
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def list_entries(
    conn: sqlite3.Connection,
    f: AuditFilter | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[AuditEntry]:
    f = f or AuditFilter()
    where, params = where_clause(f)
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM audit_log{where} "
        f"ORDER BY seq {'DESC' if f.newest_first else 'ASC'}"
    )
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [AuditEntry(*row) for row in conn.execute(sql, params)]


def count_entries(conn: sqlite3.Connection, f: AuditFilter | None = None) -> int:
    where, params = where_clause(f or AuditFilter())
    return conn.execute(f"SELECT count(*) FROM audit_log{where}", params).fetchone()[0]


def actions(conn: sqlite3.Connection) -> list[str]:
    """Distinct action names, for filter pickers."""
    return [r[0] for r in conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]


def users(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT user FROM audit_log WHERE user IS NOT NULL ORDER BY user"
        )
    ]
