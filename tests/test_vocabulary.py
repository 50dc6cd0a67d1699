"""The vocabularies as StrEnums (issue 11 §5): a member is its string everywhere the program
writes it (SQLite, JSON, CSV, f-strings), so stored data and exports did not change when the
plain strings became enums; the schema's CHECK lists and the enums name the same values; a
value outside a vocabulary fails where it is made."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import date

import pytest

from desktop.rules.model import FLAGS, GRANTS, HARD_STOPS, RELIEFS, Determination
from desktop.store import open_db
from desktop.vocabulary import Flag, Relief, ResentenceTarget, ReviewStatus, Role, sql_in

ALL = (Relief, ResentenceTarget, ReviewStatus, Role, Flag)


@pytest.mark.parametrize("vocabulary", ALL, ids=lambda v: v.__name__)
def test_a_member_is_written_as_its_value(vocabulary) -> None:
    for member in vocabulary:
        value = member.value
        assert member == value and hash(member) == hash(value)
        assert f"{member}" == str(member) == value
        assert json.dumps({member: [member]}) == json.dumps({value: [value]})
        buf = io.StringIO()
        csv.writer(buf).writerow([member])
        assert buf.getvalue() == f"{value}\r\n"
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (member,))
        assert conn.execute("SELECT x, typeof(x) FROM t").fetchone() == (value, "text")
        conn.close()


def test_the_engine_tuples_keep_their_order_and_members() -> None:
    assert [str(r) for r in RELIEFS] == [
        "dismiss_and_seal",
        "redesignate_misdemeanor",
        "redesignate_infraction",
        "resentence",
        "not_eligible",
        "needs_review",
    ]
    assert set(GRANTS) < set(RELIEFS)
    assert set(HARD_STOPS) < set(FLAGS) and len(FLAGS) == len(set(FLAGS))


def _check_list(conn: sqlite3.Connection, table: str, column: str) -> set[str]:
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    found = re.search(rf"\b{column}\b[^,]*?CHECK \({column} IN \(([^)]*)\)\)", sql)
    assert found, f"no CHECK list for {table}.{column}"
    return {v.strip().strip("'") for v in found.group(1).split(",")}


def test_the_schema_and_the_enums_name_the_same_values(tmp_path) -> None:
    conn = open_db(tmp_path / "v.db").conn
    try:
        assert _check_list(conn, "review_items", "status") == {s.value for s in ReviewStatus}
        assert _check_list(conn, "users", "role") == {r.value for r in Role}
    finally:
        conn.close()


def test_a_relief_outside_the_vocabulary_fails_where_it_is_made() -> None:
    kept = Determination(1, "dismiss_and_seal", None, "path", [], [])  # type: ignore[arg-type]
    assert kept.relief is Relief.DISMISS_AND_SEAL
    with pytest.raises(ValueError, match="dismis_and_seal"):
        Determination(1, "dismis_and_seal", None, "path", [], [])  # type: ignore[arg-type]
    expl = kept.explanation({"name": "p", "version": "1"}, date(2026, 1, 1))
    assert json.dumps(expl["relief"]) == '"dismiss_and_seal"'


def test_sql_in_writes_values_not_reprs() -> None:
    assert sql_in((ReviewStatus.PENDING, ReviewStatus.DEFERRED)) == "('pending', 'deferred')"
    assert "Relief." not in sql_in(GRANTS)
    with pytest.raises(ValueError):
        sql_in(("x' OR 1=1 --",))
