"""The queue query: every filter, search, sort and paging, checked against plain SQL over the
same generated database; the query plan uses indexes for the selective filters."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_review_support import build_template, cli, jsonl, ok

from desktop.errors import UserError
from desktop.review.queue import QUEUE_COLUMNS, SORT_KEYS, count_queue, list_queue, queue_query

BASE = (
    "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
    " JOIN counts c ON c.id = r.count_id JOIN cases cs ON cs.id = c.case_id"
    " JOIN subjects s ON s.id = c.subject_id"
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = build_template(tmp_path_factory.mktemp("queue"), rows=6000, seed=9)
    ok(
        db,
        "review",
        "approve",
        *map(str, _ids(db, " WHERE d.relief = 'dismiss_and_seal'")[:3]),
        "--as",
        "clerk1",
    )
    return db


def _ids(db: Path, where: str = "", params: tuple = ()) -> list[int]:
    conn = sqlite3.connect(db)
    out = [r[0] for r in conn.execute(BASE + where + " ORDER BY r.count_id", params)]
    conn.close()
    return out


def _query(db: Path, **f: object) -> list[int]:
    conn = sqlite3.connect(db)
    sql, params = queue_query(**f)
    out = [r[0] for r in conn.execute(sql, params)]
    conn.close()
    return out


def test_columns_are_documented(db: Path) -> None:
    conn = sqlite3.connect(db)
    sql, params = queue_query()
    cur = conn.execute(sql + " LIMIT 1", params)
    assert tuple(d[0] for d in cur.description) == QUEUE_COLUMNS
    conn.close()


def test_filters_match_plain_sql(db: Path) -> None:
    assert _query(db) == _ids(db)
    assert len(_ids(db)) > 100
    assert _query(db, status="approved") == _ids(db, " WHERE r.status = 'approved'") != []
    assert _query(db, relief="resentence") == _ids(db, " WHERE d.relief = 'resentence'") != []
    path = (
        sqlite3.connect(db)
        .execute("SELECT rule_path FROM determinations GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1")
        .fetchone()[0]
    )
    assert _query(db, rule_path=path) == _ids(db, " WHERE d.rule_path = ?", (path,)) != []
    assert (
        _query(db, flag="two_priors")
        == _ids(db, " WHERE ';' || d.flags || ';' LIKE '%;two!_priors;%' ESCAPE '!'")
        != []
    )
    # A flag filter matches whole flag names only.
    assert _query(db, flag="two") == []
    assert _query(db, section="11357") == _ids(db, " WHERE c.base_section = '11357'") != []
    sec = (
        sqlite3.connect(db)
        .execute("SELECT section FROM counts WHERE section LIKE '11360(%' LIMIT 1")
        .fetchone()[0]
    )
    assert _query(db, section=sec.lower()) == _ids(db, " WHERE c.section = ?", (sec,)) != []
    # Written as a clerk might: the code in front, subdivisions without brackets.
    assert _query(db, section="HS " + sec.replace("(", "").replace(")", "")) == _query(
        db, section=sec
    )
    combined = _query(db, status="pending", relief="redesignate_misdemeanor", section="11359")
    assert combined == _ids(
        db,
        " WHERE r.status = 'pending' AND d.relief ="
        " 'redesignate_misdemeanor' AND c.base_section = '11359'",
    )
    with pytest.raises(UserError):
        queue_query(status="bogus")
    with pytest.raises(UserError):
        queue_query(sort="pw_hash")


def test_search_by_name_case_number_and_cii(db: Path) -> None:
    conn = sqlite3.connect(db)
    name, case, cii = conn.execute(
        "SELECT s.name, cs.case_number, s.cii FROM review_items r JOIN counts c ON c.id = r.count_id"
        " JOIN cases cs ON cs.id = c.case_id JOIN subjects s ON s.id = c.subject_id"
        " WHERE cs.case_number IS NOT NULL AND s.cii IS NOT NULL LIMIT 1"
    ).fetchone()
    conn.close()
    part = name.split(",")[0][1:].lower()  # a piece of the surname, in lower case
    assert _query(db, search=part) == _ids(db, " WHERE s.name LIKE ?", (f"%{part}%",)) != []
    assert _query(db, search=case) == _ids(db, " WHERE cs.case_number LIKE ?", (f"{case}%",))
    assert _query(db, search=cii) == _ids(db, " WHERE s.cii LIKE ?", (f"{cii}%",))
    assert _query(db, search="100%") == []  # LIKE wildcards are taken literally
    assert _query(db, search="   ") == _ids(db)


def test_sorts_are_total_and_reversible(db: Path) -> None:
    conn = sqlite3.connect(db)
    for key in SORT_KEYS:
        asc = _query(db, sort=key)
        desc = _query(db, sort=key, descending=True)
        assert sorted(asc) == sorted(desc) == _ids(db)
        if key == "count_id":
            assert desc == asc[::-1]
    by_name = [r["name"] for r in list_queue(conn, sort="name")]
    assert by_name == sorted(by_name, key=lambda n: (n or "").lower())
    dates = [
        r["conviction_date"] for r in list_queue(conn, sort="conviction_date", descending=True)
    ]
    known = [d for d in dates if d]
    assert known == sorted(known, reverse=True)
    conn.close()


def test_paging_and_counting(db: Path) -> None:
    conn = sqlite3.connect(db)
    everything = [r["count_id"] for r in list_queue(conn, sort="name")]
    pages = []
    for offset in range(0, len(everything), 50):
        pages += [r["count_id"] for r in list_queue(conn, sort="name", limit=50, offset=offset)]
    assert pages == everything
    assert count_queue(conn, relief="not_eligible") == len(
        _ids(db, " WHERE d.relief = 'not_eligible'")
    )
    conn.close()


def test_queue_list_cli(db: Path) -> None:
    rows = jsonl(
        ok(db, "queue", "list", "--relief", "dismiss_and_seal", "--json", "--as", "clerk1")
    )
    assert [r["count_id"] for r in rows] == _ids(db, " WHERE d.relief = 'dismiss_and_seal'")
    for r in rows:
        assert {
            "count_id",
            "relief",
            "rule_path",
            "flags",
            "status",
            "name",
            "case_number",
            "section",
        } <= set(r)
        assert isinstance(r["flags"], list)
    assert {r["status"] for r in rows} == {"approved", "pending"}
    path = rows[0]["rule_path"]
    by_path = jsonl(
        ok(
            db,
            "queue",
            "list",
            "--rule-path",
            path,
            "--status",
            "pending",
            "--json",
            "--as",
            "clerk1",
        )
    )
    assert by_path and all(r["rule_path"] == path and r["status"] == "pending" for r in by_path)
    code, _, err = cli(db, "queue", "list", "--status", "nonsense", "--as", "clerk1")
    assert code == 2 and "unknown status" in err


def test_selective_filters_use_indexes(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("ANALYZE")

    def plan(**f: object) -> str:
        sql, params = queue_query(**f)
        return " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))

    assert "determinations_rule_path" in plan(rule_path="x")
    assert "counts_cannabis" in plan(section="11357")
    assert "counts_cannabis" in plan(section="11357(B)")
    assert "USING INDEX" in plan(relief="resentence")
    # Only review_items is scanned; every other table is reached by its primary key.
    unfiltered = plan(sort="name")
    assert unfiltered.count("SCAN") == 1 and "SCAN r" in unfiltered
    conn.close()
