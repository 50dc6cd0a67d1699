"""A clerk's day through the CLI and the core: approve, reject, change, defer, per case, undo,
re-review after a re-evaluation, refusals that change nothing, and every decision audited."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_review_support import (
    AS_OF,
    COUNTY,
    GRANTABLE,
    audit_actions,
    cli,
    jsonl,
    ok,
    pending_by_relief,
    refused,
    review_row,
    user,
)

from desktop.audit import verify
from desktop.errors import RefusedError, UserError
from desktop.evaluation.runs import evaluate_county
from desktop.review import decisions
from desktop.rules.policy import load_policy
from desktop.store import open_db


@pytest.fixture()
def db(copy_db: Path) -> Path:
    """This test's copy of the session's generated county (tests/conftest.py)."""
    return copy_db


def test_clerk_day_on_the_cli(db: Path) -> None:
    conn = sqlite3.connect(db)
    grant = pending_by_relief(conn, *GRANTABLE)
    a, b, c, d, e = grant[:5]

    ok(db, "review", "approve", str(a), str(b), "--as", "clerk1")
    ok(db, "review", "reject", str(c), "--reason", "needs hearing: DA asked", "--as", "clerk1")
    ok(
        db,
        "review",
        "change",
        str(d),
        "--relief",
        "resentence",
        "--target",
        "misdemeanor",
        "--reason",
        "still on probation per the court file",
        "--as",
        "clerk1",
    )
    ok(db, "review", "defer", str(e), "--as", "clerk1")

    ra, rc, rd, re_ = (review_row(conn, x) for x in (a, c, d, e))
    assert ra["status"] == "approved" and ra["decided_by"] == "clerk1" and ra["decided_at"]
    assert rc["status"] == "rejected" and rc["reason"] == "needs hearing: DA asked"
    assert (rd["status"], rd["decided_relief"], rd["decided_target"]) == (
        "changed",
        "resentence",
        "misdemeanor",
    )
    assert re_["status"] == "deferred"

    listed = {r["count_id"]: r for r in jsonl(ok(db, "queue", "list", "--json", "--as", "clerk1"))}
    assert listed[a]["status"] == "approved" and listed[c]["status"] == "rejected"
    assert isinstance(listed[a]["flags"], list)
    approved = jsonl(ok(db, "queue", "list", "--status", "approved", "--json", "--as", "clerk1"))
    assert sorted(r["count_id"] for r in approved) == sorted([a, b])

    # Undo steps back one decision at a time, restoring the rows exactly.
    before_defer = None
    for h in decisions.history(conn, e):
        before_defer = h.old
    out = json.loads(ok(db, "review", "undo", "--as", "clerk1", "--json"))
    assert out["count_ids"] == [e]
    after = review_row(conn, e)
    assert {k: after[k] for k in before_defer} == before_defer
    assert after["status"] == "pending" and after["decided_by"] is None
    ok(db, "review", "undo", "--as", "clerk1")  # the change
    assert review_row(conn, d)["status"] == "pending"
    ok(db, "review", "undo", "--as", "clerk1")  # the rejection
    ok(db, "review", "undo", "--as", "clerk1")  # the two approvals, in one step
    assert review_row(conn, a)["status"] == review_row(conn, b)["status"] == "pending"
    refused(db, "review", "undo", "--as", "clerk1")  # nothing left

    actions = [x[1] for x in audit_actions(conn) if x[0] == "clerk1"]
    assert actions == [
        "review.approve",
        "review.reject",
        "review.change",
        "review.defer",
        "review.undo",
        "review.undo",
        "review.undo",
        "review.undo",
    ]
    assert verify(conn).ok
    conn.close()


def test_decide_a_whole_case(db: Path) -> None:
    conn = sqlite3.connect(db)
    case, n = conn.execute(
        "SELECT cs.case_number, COUNT(*) FROM review_items r JOIN counts c ON c.id = r.count_id"
        " JOIN cases cs ON cs.id = c.case_id JOIN determinations d ON d.id = r.determination_id"
        " GROUP BY cs.case_number HAVING COUNT(*) > 1 AND SUM(d.relief = 'needs_review') = 0"
        " ORDER BY 1 LIMIT 1"
    ).fetchone()
    out = json.loads(ok(db, "review", "defer", "--case", case, "--as", "clerk1", "--json"))
    assert out["count"] == n
    statuses = {
        r[0]
        for r in conn.execute(
            "SELECT r.status FROM review_items r JOIN counts c ON c.id = r.count_id"
            " JOIN cases cs ON cs.id = c.case_id WHERE cs.case_number = ?",
            (case,),
        )
    }
    assert statuses == {"deferred"}
    # One decision step: one undo puts every count of the case back.
    assert len(json.loads(ok(db, "review", "undo", "--as", "clerk1", "--json"))["count_ids"]) == n
    code, _, err = cli(db, "review", "approve", "--case", "NO-SUCH-CASE", "--as", "clerk1")
    assert code == 2 and "NO-SUCH-CASE" in err
    conn.close()


def test_refusals_change_nothing(db: Path) -> None:
    conn = sqlite3.connect(db)
    cid = str(pending_by_relief(conn, *GRANTABLE)[0])
    needs = str(pending_by_relief(conn, "needs_review")[0])
    assert "only a clerk" in refused(db, "review", "approve", cid, "--as", "judge1")
    refused(db, "review", "approve", cid, "--as", "admin1")
    refused(db, "review", "undo", "--as", "judge1")
    e1 = refused(db, "review", "approve", cid, "--as", "clerk1", password="wrong")
    e2 = refused(db, "review", "approve", cid, "--as", "nobody")
    assert e1 == e2 and "wrong user name or password" in e1
    assert "needs review" in refused(db, "review", "approve", needs, "--as", "clerk1")
    # Invalid input is not a refusal (exit 2) and changes nothing either.
    code, _, err = cli(
        db, "review", "change", cid, "--relief", "resentence", "--reason", "x", "--as", "clerk1"
    )
    assert code == 2 and "--target" in err
    code, _, _ = cli(db, "review", "approve", "99999999", "--as", "clerk1")
    assert code == 2
    assert review_row(conn, int(cid))["status"] == "pending"
    conn.close()


def test_reject_reasons_from_the_list_or_other() -> None:
    assert decisions.normalise_reason("not a cannabis conviction") == "not a cannabis conviction"
    assert decisions.normalise_reason("Needs hearing: DA asked") == "needs hearing: DA asked"
    assert decisions.normalise_reason("duplicate  record") == "other: duplicate record"
    with pytest.raises(UserError):
        decisions.normalise_reason("   ")


def test_undo_refused_when_the_count_changed_since(db: Path) -> None:
    conn = open_db(db).conn
    c1, c2 = user(conn, "clerk1"), user(conn, "clerk2")
    cid = pending_by_relief(conn, *GRANTABLE)[0]
    decisions.approve(conn, c1, [cid])
    decisions.defer(conn, c2, [cid])
    before = review_row(conn, cid)
    with pytest.raises(RefusedError, match="changed since"):
        decisions.undo(conn, c1)
    assert review_row(conn, cid) == before
    decisions.undo(conn, c2)  # clerk2's own undo still works
    assert review_row(conn, cid)["status"] == "approved"


def test_rereview_after_reevaluation_shows_the_old_decision(db: Path) -> None:
    conn = open_db(db).conn
    clerk = user(conn, "clerk1")
    ids = pending_by_relief(conn, "redesignate_misdemeanor")
    decisions.approve(conn, clerk, ids)
    evaluate_county(open_db(db), COUNTY, load_policy("san-francisco"), AS_OF, backup=False)
    reopened = [
        r[0]
        for r in conn.execute(
            "SELECT count_id FROM review_items WHERE rereview = 1 ORDER BY count_id"
        )
    ]
    assert reopened, "the San Francisco policy should change some proposals"
    cid = reopened[0]
    row = review_row(conn, cid)
    assert row["status"] == "pending"
    assert json.loads(row["previous_decision"])["status"] == "approved"
    listed = jsonl(ok(db, "queue", "list", "--status", "rereview", "--json", "--as", "clerk1"))
    assert {r["count_id"] for r in listed} == set(reopened)
    assert all(r["rereview"] and r["previous_decision"]["status"] == "approved" for r in listed)
    shown = ok(db, "review", "show", str(cid), "--as", "clerk1")
    assert "previous decision" in shown and "approved" in shown
    # The approval step cannot be undone over the re-evaluation, and nothing moves.
    with pytest.raises(RefusedError):
        decisions.undo(conn, clerk)
    assert review_row(conn, cid) == row
    # Deciding again clears the re-review mark.
    decisions.approve(conn, clerk, [cid])
    assert review_row(conn, cid)["rereview"] == 0


def test_review_show_prints_explanation_and_record_and_counts_as_opened(db: Path) -> None:
    conn = sqlite3.connect(db)
    cid = pending_by_relief(conn, *GRANTABLE)[0]
    out = ok(db, "review", "show", str(cid), "--as", "clerk1")
    assert "Why:" in out and "Record:" in out and "HS 11361.8" in out
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM openings WHERE user = 'clerk1' AND count_id = ?", (cid,)
        ).fetchone()[0]
        == 1
    )
    detail = json.loads(ok(db, "review", "show", str(cid), "--as", "judge1", "--json"))
    assert detail["count_id"] == cid and detail["explanation"]["steps"]
    assert any(r["count_id"] == cid for r in detail["record"])
    # The first opening by each user is audited; opening again only refreshes the time.
    opens = [x for x in audit_actions(conn) if x[1] == "review.open"]
    assert opens == [("clerk1", "review.open", [cid]), ("judge1", "review.open", [cid])]
    conn.close()
