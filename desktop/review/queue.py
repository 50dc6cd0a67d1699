"""The review queue as one parameterised SQL query, for the window's table model (which pages
through it with LIMIT/OFFSET or by id) and for `reliefdesk queue list`.

`queue_query` returns (sql, params); the SQL yields one row per count in the review queue with
these columns (QUEUE_COLUMNS):

    count_id, subject_id, name, dob, cii, case_number, county, section, level, conviction_date,
    relief, resentence_target, rule_path, flags (';'-joined), status, decided_relief,
    decided_target, reason, decided_by, decided_at, rereview, previous_decision (JSON: the
    decision a re-evaluation or the judge's send-back reopened)

`relief` is the engine's proposal; for a changed count the granted relief is decided_relief.
Append `LIMIT ? OFFSET ?` to page; the order is total (count_id breaks ties).

`queue_ids_query` returns the same counts in the same order as count ids alone, joining only
the tables its filters and sort read: the lean form for a whole list (the window's filter
change, counting)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from desktop.errors import UserError
from desktop.law.normalize import parse_section
from desktop.review.access import SEALED_COUNTS_SQL
from desktop.vocabulary import ReviewStatus

QUEUE_COLUMNS = (
    "count_id",
    "subject_id",
    "name",
    "dob",
    "cii",
    "case_number",
    "county",
    "section",
    "level",
    "conviction_date",
    "relief",
    "resentence_target",
    "rule_path",
    "flags",
    "status",
    "decided_relief",
    "decided_target",
    "reason",
    "decided_by",
    "decided_at",
    "rereview",
    "previous_decision",
)
STATUSES: tuple[ReviewStatus, ...] = tuple(ReviewStatus)
# Pseudo-statuses a clerk filters on: counts reopened by a re-evaluation or sent back by the judge.
EXTRA_STATUSES = ("rereview", "sent_back")
# Base sections indexed by counts_cannabis (migration 0007): HS 11357-11360 and look-alikes.
CANNABIS_RANGE = ("11357", "11361")
# Which counts a list shows: the cannabis counts themselves (HS 11357-11360, as the rules engine's
# is_prop64 reads them), the other counts the evaluation put in the queue (related charges of the
# same arrest, look-alikes such as HS 11357.5), or all.
SCOPES = ("cannabis", "related")
_CANNABIS_SQL = (
    f"(c.base_section >= '{CANNABIS_RANGE[0]}' AND c.base_section < "
    f"'{CANNABIS_RANGE[1]}' AND c.base_section IN ('11357', '11358', '11359', "
    "'11360') AND COALESCE(c.code, '') IN ('', 'HS'))"
)

# A unary + keeps SQLite from walking an index in sort order (a random lookup per row into four
# tables), which measured 2-3x slower on 100,000 counts than a scan and a temporary B-tree.
SORT_KEYS: dict[str, str] = {
    "count_id": "r.count_id",
    "name": "+s.name COLLATE NOCASE",
    "dob": "s.dob",
    "cii": "s.cii",
    "case_number": "cs.case_number",
    "section": "+c.section",
    "level": "c.level",
    "conviction_date": "+c.conviction_date",
    "relief": "d.relief",
    "rule_path": "d.rule_path",
    "flags": "d.flags",
    "status": "+r.status",
    "decided_at": "r.decided_at",
}

_SELECT = """SELECT r.count_id AS count_id, c.subject_id AS subject_id, s.name AS name,
       s.dob AS dob, s.cii AS cii, cs.case_number AS case_number, c.county AS county,
       c.section AS section, c.level AS level, c.conviction_date AS conviction_date,
       d.relief AS relief, d.resentence_target AS resentence_target, d.rule_path AS rule_path,
       d.flags AS flags, r.status AS status, r.decided_relief AS decided_relief,
       r.decided_target AS decided_target, r.reason AS reason, r.decided_by AS decided_by,
       r.decided_at AS decided_at, r.rereview AS rereview,
       r.previous_decision AS previous_decision
FROM review_items r
JOIN determinations d ON d.id = r.determination_id
JOIN counts c ON c.id = r.count_id
JOIN cases cs ON cs.id = c.case_id
JOIN subjects s ON s.id = c.subject_id"""


# The tables besides review_items (r) that a clause may name, with the join that brings each
# in; a clause's tables are joined in this order. Every join follows a NOT NULL foreign key, so
# each review item meets exactly one row of each: leaving out a join the filters and the sort do
# not need never changes which counts are in the queue or their order.
_JOINS: dict[str, str] = {
    "d": "JOIN determinations d ON d.id = r.determination_id",
    "c": "JOIN counts c ON c.id = r.count_id",
    "cs": "JOIN cases cs ON cs.id = c.case_id",
    "s": "JOIN subjects s ON s.id = c.subject_id",
}
# The tables each sort key reads (through counts for cases and subjects).
_SORT_TABLES: dict[str, tuple[str, ...]] = {
    "count_id": (),
    "name": ("c", "s"),
    "dob": ("c", "s"),
    "cii": ("c", "s"),
    "case_number": ("c", "cs"),
    "section": ("c",),
    "level": ("c",),
    "conviction_date": ("c",),
    "relief": ("d",),
    "rule_path": ("d",),
    "flags": ("d",),
    "status": (),
    "decided_at": (),
}


def _where_and_order(
    *,
    status: str | None,
    relief: str | None,
    flag: str | None,
    rule_path: str | None,
    section: str | None,
    search: str | None,
    sort: str,
    descending: bool,
    scope: str | None = None,
    include_sealed: bool = False,
) -> tuple[list[str], list[Any], str, set[str], set[str]]:
    """The WHERE clauses, their parameters, the ORDER BY, the tables they read (aliases as in
    _JOINS) and the counts columns they read besides the join keys."""
    where: list[str] = []
    if not include_sealed:
        # Sealed counts (their order is signed) are not in the queue unless asked for by a role
        # that may see them (desktop/review/access.py); one lookup by id in under_seal.
        where.append(f"r.count_id NOT IN ({SEALED_COUNTS_SQL})")
    params: list[Any] = []
    tables: set[str] = set()
    count_columns: set[str] = set()
    if scope:
        if scope not in SCOPES:
            raise UserError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
        where.append(_CANNABIS_SQL if scope == "cannabis" else f"NOT {_CANNABIS_SQL}")
        tables.add("c")
        count_columns.update(("base_section", "code"))
    if status:
        # Beside a filter with an index of its own, the status index (most counts are pending)
        # is the wrong place to start; without statistics the planner cannot tell, so a unary
        # + keeps it off that index (measured 83 -> 50 ms for pending + one relief).
        col = "+r.status" if (relief or rule_path or flag or section) else "r.status"
        if status == "rereview":
            where.append(f"{col} = 'pending' AND r.rereview = 1")
        elif status == "sent_back":
            where.append(
                f"{col} = 'pending' AND EXISTS (SELECT 1 FROM batch_items bi "
                "WHERE bi.count_id = r.count_id AND bi.judge_status = 'sent_back')"
            )
        elif status in STATUSES:
            where.append(f"{col} = ?")
            params.append(status)
        else:
            raise UserError(
                f"unknown status {status!r}: use one of {', '.join(STATUSES + EXTRA_STATUSES)}"
            )
    if relief:
        where.append("d.relief = ?")
        params.append(relief)
        tables.add("d")
    if rule_path:
        where.append("d.rule_path = ?")
        params.append(rule_path)
        tables.add("d")
    if flag:
        where.append("instr(';' || d.flags || ';', ';' || ? || ';') > 0")
        params.append(flag)
        tables.add("d")
    if section:
        sec = section.strip().upper().replace(" ", "")
        # Normalised as the importer stores it ('11357B' -> 11357(B); 664/187(A) has base 664).
        parsed = parse_section(section.strip()) or parse_section(sec)
        base, sec = (parsed.base, parsed.section) if parsed else (sec.split("(", 1)[0], sec)
        where.append("c.base_section = ?")
        params.append(base)
        if CANNABIS_RANGE[0] <= base < CANNABIS_RANGE[1]:
            # The partial index counts_cannabis serves only a WHERE that repeats its range.
            where.append(
                f"c.base_section >= '{CANNABIS_RANGE[0]}'"
                f" AND c.base_section < '{CANNABIS_RANGE[1]}'"
            )
        count_columns.add("base_section")
        if base != sec:
            where.append("c.section = ?")
            params.append(sec)
            count_columns.add("section")
        tables.add("c")
    if search and search.strip():
        text = search.strip()
        like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(
            "(s.name LIKE ? ESCAPE '\\' OR cs.case_number LIKE ? ESCAPE '\\'"
            " OR s.cii LIKE ? ESCAPE '\\')"
        )
        params += [f"%{like}%", f"{like}%", f"{like}%"]
        tables.update(("c", "cs", "s"))
    if sort not in SORT_KEYS:
        raise UserError(f"cannot sort by {sort!r}: use one of {', '.join(SORT_KEYS)}")
    tables.update(_SORT_TABLES[sort])
    if sort in ("section", "level", "conviction_date"):
        count_columns.add(sort)
    direction = "DESC" if descending else "ASC"
    order = f"{SORT_KEYS[sort]} {direction}"
    if sort != "count_id":
        order += f", r.count_id {direction}"
    return where, params, order, tables, count_columns


def queue_query(
    *,
    status: str | None = None,
    relief: str | None = None,
    flag: str | None = None,
    rule_path: str | None = None,
    section: str | None = None,
    search: str | None = None,
    sort: str = "count_id",
    descending: bool = False,
    scope: str | None = None,
    include_sealed: bool = False,
) -> tuple[str, list[Any]]:
    """SQL and parameters for the queue filtered and sorted as asked (columns: QUEUE_COLUMNS).

    status: a review status, or 'rereview' / 'sent_back' (pending counts reopened by a
    re-evaluation / returned by the judge). relief: the proposed relief. flag: one flag name.
    section: the normalised section ('11357(B)') or its base ('11357') for all subdivisions.
    search: case-insensitive text found in the name, or a prefix of the case number or CII.
    sort: a key of SORT_KEYS. scope: 'cannabis' (HS 11357-11360 counts), 'related' (the other
    counts in the queue: related charges and look-alikes) or None for all. include_sealed: keep
    sealed counts (their order is signed), which are left out by default; the caller has checked
    the user may see them and audited it (desktop/review/access.py)."""
    where, params, order, _, _ = _where_and_order(
        status=status,
        relief=relief,
        flag=flag,
        rule_path=rule_path,
        section=section,
        search=search,
        sort=sort,
        descending=descending,
        scope=scope,
        include_sealed=include_sealed,
    )
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {order}"
    return sql, params


def queue_ids_query(
    *,
    status: str | None = None,
    relief: str | None = None,
    flag: str | None = None,
    rule_path: str | None = None,
    section: str | None = None,
    search: str | None = None,
    sort: str = "count_id",
    descending: bool = False,
    scope: str | None = None,
    include_sealed: bool = False,
) -> tuple[str, list[Any]]:
    """SQL and parameters for the count ids alone (one column, count_id) of the queue that
    queue_query returns with the same arguments, in the same order. It joins only the tables
    the filters and the sort read, so a filter change reads far fewer pages: the window reads
    the ids of a whole list this way and the shown rows by id, a page at a time."""
    where, params, order, tables, count_columns = _where_and_order(
        status=status,
        relief=relief,
        flag=flag,
        rule_path=rule_path,
        section=section,
        search=search,
        sort=sort,
        descending=descending,
        scope=scope,
        include_sealed=include_sealed,
    )
    # A cannabis section filter reads counts_cannabis: there the planner may start from counts.
    count_filter = bool(section) and any(w.startswith("c.base_section >=") for w in where)
    joins = []
    for alias, join in _JOINS.items():
        if alias not in tables:
            continue
        if alias == "c" and not count_columns:
            # Only the join keys: counts_queue (migration 0006) holds id, subject_id and
            # case_id, ~10 times narrower than a counts row; read by id it measured ~25 %
            # faster than the table for the whole queue sorted by name.
            join = join.replace("counts c ", "counts c INDEXED BY counts_queue ")
        if alias != "d" and not count_filter:
            # Reached by primary key from the review items. Without statistics (a court's
            # database is never ANALYZEd) the planner would rather walk all 2 million counts
            # and look each up in review_items, 2-3 times slower; CROSS JOIN keeps the order.
            join = "CROSS " + join
        joins.append(join)
    sql = (
        "SELECT r.count_id AS count_id FROM review_items r"
        + "".join(f" {j}" for j in joins)
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {order}"
    )
    return sql, params


def list_queue(
    conn: sqlite3.Connection, *, limit: int | None = None, offset: int = 0, **filters: Any
) -> list[dict[str, Any]]:
    """Rows of the queue as dicts (flags as a list, rereview as a bool), plus judge_note: the
    latest note of a judge who sent the count back, when it is pending again."""
    sql, params = queue_query(**filters)
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, int(limit), int(offset)]
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur]
    notes = _judge_notes(conn)
    for row in rows:
        row["flags"] = [f for f in (row["flags"] or "").split(";") if f]
        row["rereview"] = bool(row["rereview"])
        if row["previous_decision"]:
            try:
                row["previous_decision"] = json.loads(row["previous_decision"])
            except json.JSONDecodeError:
                pass
        row["judge_note"] = (
            notes.get(row["count_id"]) if row["status"] == ReviewStatus.PENDING else None
        )
    return rows


def _judge_notes(conn: sqlite3.Connection) -> dict[int, str]:
    return {
        cid: note
        for cid, note in conn.execute(
            "SELECT count_id, judge_note FROM batch_items WHERE judge_status = 'sent_back' "
            "ORDER BY batch_id"
        )
    }


def count_queue(conn: sqlite3.Connection, **filters: Any) -> int:
    sql, params = queue_ids_query(**filters)
    return int(conn.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0])


def read_queue(
    conn: sqlite3.Connection,
    user: Any,
    *,
    include_sealed: bool = False,
    limit: int | None = None,
    offset: int = 0,
    **filters: Any,
) -> list[dict[str, Any]]:
    """`list_queue` for a signed-in user: reading needs a role, and showing sealed counts needs
    a role that may see them and writes a `sealed.show` audit entry naming those shown."""
    from desktop.review import access

    access.require_reader(conn, user)
    if include_sealed:
        access.require_sealed_reader(user, "showing sealed counts in the queue")
    rows = list_queue(conn, limit=limit, offset=offset, include_sealed=include_sealed, **filters)
    if include_sealed:
        access.show_sealed(conn, user, "queue", [r["count_id"] for r in rows])
    return rows


def count_numbers(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    """count id -> the count's number within its case (as the court numbers it), for lists that
    name counts the way a clerk does (never by internal id)."""
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        for cid, no in conn.execute(
            f"SELECT id, count_no FROM counts WHERE id IN ({','.join('?' * len(part))})", part
        ):
            out[cid] = "" if no is None else str(no)
    return out


def filter_choices(conn: sqlite3.Connection) -> tuple[list[str], list[str], list[str]]:
    """Distinct flags, rule paths and sections present in the queue, for the filter boxes
    (read-only lists of what is there; the filtering itself is the core's queue query)."""
    flags: set[str] = set()
    for (f,) in conn.execute(
        "SELECT DISTINCT d.flags FROM review_items r "
        "JOIN determinations d ON d.id = r.determination_id"
    ):
        flags.update(x for x in (f or "").split(";") if x)
    paths = [
        p
        for (p,) in conn.execute(
            "SELECT DISTINCT d.rule_path FROM review_items r "
            "JOIN determinations d ON d.id = r.determination_id ORDER BY 1"
        )
        if p
    ]
    sections = [
        s
        for (s,) in conn.execute(
            "SELECT DISTINCT c.section FROM review_items r JOIN counts c ON c.id = r.count_id "
            "ORDER BY 1"
        )
        if s
    ]
    return sorted(flags), paths, sections


def longest_names(conn: sqlite3.Connection, limit: int = 40) -> list[str]:
    """The longest names on record, for sizing the queue's name column to what it must show."""
    return [
        n
        for (n,) in conn.execute(
            "SELECT name FROM subjects WHERE name IS NOT NULL ORDER BY length(name) DESC LIMIT ?",
            (limit,),
        )
    ]


def has_review_items(conn: sqlite3.Connection) -> bool:
    """Whether anything was ever evaluated into the queue (an empty database offers the demo)."""
    return conn.execute("SELECT 1 FROM review_items LIMIT 1").fetchone() is not None
