"""Where the queue model gets its rows: the ordered ids from the review core's queue query
(filters, search and sort are the core's), and the displayed columns of a page of ids."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.ui.queue_model import QueueFilters

# The columns the table shows, read for one page of count ids at a time.
_ROWS_SQL = """
SELECT r.count_id, s.name, s.dob, cs.case_number, c.section, c.level, c.conviction_date,
       d.relief, d.resentence_target, d.flags, d.rule_path, r.status, r.decided_relief,
       r.decided_target, r.rereview
FROM review_items r
JOIN determinations d ON d.id = r.determination_id
JOIN counts c ON c.id = r.count_id
JOIN cases cs ON cs.id = c.case_id
JOIN subjects s ON s.id = c.subject_id
WHERE r.count_id IN ({marks})
"""


def rows_by_id(conn: sqlite3.Connection, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    cur = conn.execute(_ROWS_SQL.format(marks=",".join("?" * len(ids))), ids)
    names = [d[0] for d in cur.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cur}


def ordered_ids(conn: sqlite3.Connection, filters: QueueFilters, sort_key: str,
                descending: bool) -> list[int]:
    """Count ids in queue order for the filters, via the review core's query builder."""
    try:
        from desktop.review import queue as core_queue
    except ImportError:     # TEMPORARY until the review core's queue query lands
        return _fallback_ids(conn, filters, sort_key, descending)
    sql, params = core_queue.queue_query(
        status=filters.status, relief=filters.relief, flag=filters.flag,
        rule_path=filters.rule_path, section=filters.section, search=filters.search or None,
        sort=sort_key, descending=descending)
    return [r[0] for r in conn.execute(f"SELECT count_id FROM ({sql})", params)]


_SORT = {"name": "s.name", "dob": "s.dob", "case_number": "cs.case_number", "section": "c.section",
         "level": "c.level", "conviction_date": "c.conviction_date", "relief": "d.relief",
         "flags": "d.flags", "status": "r.status"}


def _fallback_ids(conn: sqlite3.Connection, f: QueueFilters, sort_key: str,
                  descending: bool) -> list[int]:
    where, params = [], []
    for col, val in (("r.status", f.status), ("d.relief", f.relief), ("d.rule_path", f.rule_path),
                     ("c.section", f.section)):
        if val:
            where.append(f"{col} = ?")
            params.append(val)
    if f.flag == "":
        where.append("d.flags = ''")
    elif f.flag:
        where.append("(';' || d.flags || ';') LIKE ?")
        params.append(f"%;{f.flag};%")
    if f.search:
        where.append("(s.name LIKE ? OR cs.case_number LIKE ? OR s.cii LIKE ?)")
        params += [f"%{f.search}%"] * 3
    sql = ("SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id "
           "JOIN counts c ON c.id = r.count_id JOIN cases cs ON cs.id = c.case_id "
           "JOIN subjects s ON s.id = c.subject_id"
           + (" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {_SORT.get(sort_key, 's.name')} {'DESC' if descending else 'ASC'}, r.count_id")
    return [r[0] for r in conn.execute(sql, params)]
