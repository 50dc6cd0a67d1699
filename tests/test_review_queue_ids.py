"""The lean ordered-id query (queue_ids_query): the same counts in the same order as the full
queue query for every filter, search and sort, joining only the tables it needs, with plans
that reach counts, cases and subjects by key whether or not the database has statistics."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_review_support import AS_OF, COUNTY, build_template, copy_db, jsonl, ok

from desktop.evaluation.runs import evaluate_county
from desktop.review.queue import SORT_KEYS, count_queue, queue_ids_query, queue_query
from desktop.rules.policy import load_policy
from desktop.store import open_db


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated county with every review status present, a sent-back count among them."""
    db = build_template(tmp_path_factory.mktemp("queue_ids"), rows=6000, seed=21)
    conn = sqlite3.connect(db)

    def pending(relief: str, n: int) -> list[str]:
        return [
            str(r[0])
            for r in conn.execute(
                "SELECT r.count_id FROM review_items r JOIN determinations d"
                " ON d.id = r.determination_id WHERE r.status = 'pending' AND d.relief = ?"
                " ORDER BY r.count_id LIMIT ?",
                (relief, n),
            )
        ]

    ok(db, "review", "approve", *pending("dismiss_and_seal", 6), "--as", "clerk1")
    # Approved counts whose proposal a second policy changes come back for re-review, and the
    # second run leaves two determinations per count (only the current one is in the queue).
    misdemeanors = pending("redesignate_misdemeanor", 100_000)
    ok(db, "review", "approve", *misdemeanors[: len(misdemeanors) // 2], "--as", "clerk1")
    evaluate_county(open_db(db), COUNTY, load_policy("san-francisco"), AS_OF, backup=False)
    ok(
        db,
        "review",
        "reject",
        *pending("redesignate_misdemeanor", 2),
        "--reason",
        "test",
        "--as",
        "clerk1",
    )
    ok(db, "review", "defer", *pending("redesignate_misdemeanor", 2), "--as", "clerk1")
    changed = pending("redesignate_misdemeanor", 1)[0]
    ok(
        db,
        "review",
        "change",
        changed,
        "--relief",
        "dismiss_and_seal",
        "--reason",
        "test",
        "--as",
        "clerk1",
    )
    batch = jsonl(ok(db, "batch", "submit", "--as", "clerk1", "--json"))[0]["batch_id"]
    sample = jsonl(ok(db, "batch", "sample", str(batch), "--as", "judge1", "--json"))
    ok(
        db,
        "batch",
        "send-back",
        str(batch),
        str(sample[0]["count_id"]),
        "--note",
        "check",
        "--as",
        "judge1",
    )
    conn.close()
    return db


def _filters(conn: sqlite3.Connection) -> list[dict[str, object]]:
    path = conn.execute(
        "SELECT rule_path FROM determinations GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()[0]
    sec = conn.execute(
        "SELECT section FROM counts WHERE section LIKE '11360(%' LIMIT 1"
    ).fetchone()[0]
    name, case, cii = conn.execute(
        "SELECT s.name, cs.case_number, s.cii FROM review_items r JOIN counts c"
        " ON c.id = r.count_id JOIN cases cs ON cs.id = c.case_id JOIN subjects s"
        " ON s.id = c.subject_id WHERE cs.case_number IS NOT NULL AND s.cii IS NOT NULL"
        " LIMIT 1"
    ).fetchone()
    # Pseudo-statuses beside another filter (the status clause then keeps off its index).
    rereview_relief = conn.execute(
        "SELECT d.relief FROM review_items r JOIN determinations d ON d.id = r.determination_id"
        " WHERE r.rereview = 1 AND r.status = 'pending' LIMIT 1"
    ).fetchone()[0]
    sent_back_section = conn.execute(
        "SELECT c.base_section FROM batch_items bi JOIN counts c ON c.id = bi.count_id"
        " WHERE bi.judge_status = 'sent_back' LIMIT 1"
    ).fetchone()[0]
    return [
        {"status": "rereview", "relief": rereview_relief},
        {"status": "sent_back", "section": sent_back_section},
        {"status": "approved", "relief": "dismiss_and_seal"},
        {},
        {"status": "pending"},
        {"status": "approved"},
        {"status": "rejected"},
        {"status": "changed"},
        {"status": "deferred"},
        {"status": "sent_back"},
        {"status": "rereview"},
        {"relief": "resentence"},
        {"relief": "not_eligible"},
        {"flag": "two_priors"},
        {"rule_path": path},
        {"section": "11357"},
        {"section": sec.lower()},
        {"search": name.split(",")[0][1:].lower()},
        {"search": case},
        {"search": cii},
        {"status": "pending", "relief": "redesignate_misdemeanor", "section": "11359"},
        {"relief": "dismiss_and_seal", "search": name[:2]},
    ]


def _ids(conn: sqlite3.Connection, sql: str, params: list[object]) -> list[int]:
    return [r[0] for r in conn.execute(sql, params)]


def test_same_counts_in_the_same_order_as_the_full_query(db: Path) -> None:
    conn = sqlite3.connect(db)
    filters = _filters(conn)
    nonempty = 0
    for f in filters:
        for sort in SORT_KEYS:
            for descending in (False, True):
                full = _ids(conn, *queue_query(sort=sort, descending=descending, **f))
                lean = _ids(conn, *queue_ids_query(sort=sort, descending=descending, **f))
                assert lean == full, (f, sort, descending)
                nonempty += bool(full)
        assert count_queue(conn, **f) == len(_ids(conn, *queue_query(**f)))
    # Every filter finds counts (each status was set up above): no comparison of empty lists.
    assert nonempty == len(filters) * len(SORT_KEYS) * 2
    conn.close()


def test_only_the_tables_the_filters_and_sort_read_are_joined(db: Path) -> None:
    sql, _ = queue_ids_query()
    assert "JOIN" not in sql and sql.startswith("SELECT r.count_id AS count_id FROM")
    sql, _ = queue_ids_query(relief="resentence", sort="status")
    assert "determinations" in sql and "counts" not in sql and "subjects" not in sql
    sql, _ = queue_ids_query(sort="name")
    assert "subjects" in sql and "counts_queue" in sql and "determinations" not in sql
    sql, _ = queue_ids_query(sort="case_number")
    assert "cases" in sql and "subjects" not in sql
    # A counts column other than the join keys: the counts row itself, not counts_queue.
    sql, _ = queue_ids_query(sort="conviction_date")
    assert "counts" in sql and "counts_queue" not in sql


@pytest.mark.parametrize("stats", [False, True])
def test_plans_reach_counts_by_key(db: Path, tmp_path: Path, stats: bool) -> None:
    conn = sqlite3.connect(copy_db(db, tmp_path / "plan.sqlite3"))
    if stats:
        conn.execute("ANALYZE")

    def plan(**f: object) -> str:
        sql, params = queue_ids_query(**f)
        return " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))

    for f in (
        {"sort": "name"},
        {"sort": "name", "status": "pending"},
        {"sort": "name", "flag": "two_priors"},
        {"sort": "case_number"},
        {"sort": "name", "search": "smi"},
    ):
        p = plan(**f)
        assert "SCAN c" not in p and "SCAN s" not in p and "SCAN cs" not in p, (f, p)
        assert "COVERING INDEX counts_queue (id=?)" in p, (f, p)
    assert "determinations_relief (relief=?)" in plan(sort="name", relief="resentence")
    # A section filter (a subdivision too) may start from the counts index of its base section.
    assert "counts_cannabis" in plan(sort="name", section="11357")
    # Without statistics the equality is the index constraint; with them SQLite may prefer the
    # partial index's own range (either way only cannabis counts are read).
    assert ("counts_cannabis" if stats else "counts_cannabis (base_section=?)") in plan(
        sort="name", section="11357(B)"
    )
    # Another section (a related charge) starts from the review items, not a scan of counts.
    other = plan(sort="name", section="11364")
    assert "SCAN c " not in other + " " and "SCAN r" in other, other
    conn.close()
