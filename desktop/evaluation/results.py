"""Reading what evaluation runs produced: the latest complete run, a run's totals, the
determinations export rows and one count's explanation. The CLI and the reports read through
these (the front ends hold no SQL)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from desktop.store.rows import one_as

# Which run the results are read from: one query, in the store, that the orders' summary
# report asks too (orders may not import evaluation).
from desktop.store.runs import latest_run as latest_run

# Columns of determinations_rows, in order (the determinations export writes them as its header).
DETERMINATION_COLUMNS = [  # the export's header
    "count_id",
    "source_file",
    "source_line",
    "subject_id",
    "cii",
    "name",
    "dob",
    "case_number",
    "cnt_order",
    "county",
    "code_section",
    "level",
    "conviction_date",
    "relief",
    "resentence_target",
    "rule_path",
    "flags",
    "explanation",
]


def run_totals(conn: sqlite3.Connection, run_id: int) -> dict[str, int]:
    """relief -> number of determinations of the run."""
    row = conn.execute("SELECT totals FROM evaluation_runs WHERE id = ?", (run_id,)).fetchone()
    return dict(json.loads(row[0])) if row and row[0] else {}


def determination_rows(
    conn: sqlite3.Connection, run_id: int, *, exclude_sql: str | None = None
) -> Iterator[tuple]:
    """The run's determinations in file order (columns: DETERMINATION_COLUMNS). exclude_sql: a
    SELECT of count ids to leave out (the sealed counts, unless the reader may see them)."""
    excluded = f" AND d.count_id NOT IN ({exclude_sql})" if exclude_sql else ""
    yield from conn.execute(
        "SELECT d.count_id, c.source_file, c.source_line, d.subject_id, s.cii, s.name, s.dob,"
        " k.case_number, c.cnt_order, c.county, TRIM(COALESCE(c.section, '') || ' ' ||"
        " COALESCE(c.code, '')), c.level, c.conviction_date, d.relief, d.resentence_target,"
        " d.rule_path, d.flags, d.explanation FROM determinations d"
        " JOIN counts c ON c.id = d.count_id JOIN cases k ON k.id = c.case_id"
        " JOIN subjects s ON s.id = d.subject_id WHERE d.run_id = ?"
        + excluded
        + " ORDER BY c.import_id, c.source_line",
        (run_id,),
    )


@dataclass(frozen=True)
class Explained:
    """One count's determination with what `reliefdesk explain` prints beside it."""

    run_id: int
    relief: str
    resentence_target: str | None
    rule_path: str
    flags: str | None
    explanation: str
    name: str | None
    dob: str | None
    cii: str | None
    case_number: str | None
    section: str | None
    code: str | None
    level: str | None
    conviction_date: str | None
    source_file: str | None
    source_line: int | None


def explained(conn: sqlite3.Connection, count_id: int, run: int | None = None) -> Explained | None:
    """The count's determination in `run` (default: its newest), or None when it has none."""
    sql = (
        "SELECT d.run_id, d.relief, d.resentence_target, d.rule_path, d.flags, d.explanation,"
        " s.name, s.dob, s.cii, k.case_number, c.section, c.code, c.level, c.conviction_date,"
        " c.source_file, c.source_line FROM determinations d JOIN counts c ON c.id = d.count_id"
        " JOIN cases k ON k.id = c.case_id JOIN subjects s ON s.id = d.subject_id"
        " WHERE d.count_id = ?"
    )
    params: list[object] = [count_id]
    if run is not None:
        sql += " AND d.run_id = ?"
        params.append(run)
    return one_as(conn, Explained, sql + " ORDER BY d.run_id DESC LIMIT 1", params)
