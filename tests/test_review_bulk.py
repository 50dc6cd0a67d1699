"""Bulk approval by rule path: the opened-count rule, hard-stop and resentence counts never
included, one audit entry listing the counts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_review_support import jsonl, ok, refused, user

from desktop.audit import verify
from desktop.errors import RefusedError
from desktop.review import bulk, decisions
from desktop.review.settings import get_setting, set_setting
from desktop.store import open_db


@pytest.fixture()
def db(copy_db: Path) -> Path:
    """This test's copy of the session's generated county (tests/conftest.py)."""
    return copy_db


def _path_counts(conn: sqlite3.Connection, path: str) -> list[tuple[int, str, str]]:
    return conn.execute(
        "SELECT r.count_id, d.relief, d.flags FROM review_items r"
        " JOIN determinations d ON d.id = r.determination_id WHERE d.rule_path = ?"
        " AND r.status = 'pending' ORDER BY r.count_id",
        (path,),
    ).fetchall()


def test_rule_paths_leave_out_hard_stops_and_resentence(db: Path) -> None:
    conn = sqlite3.connect(db)
    paths = {p.rule_path: p.count for p in bulk.rule_paths(conn)}
    assert paths
    listed = {
        r["rule_path"]: r["count"]
        for r in jsonl(ok(db, "queue", "paths", "--json", "--as", "clerk1"))
    }
    assert listed == paths
    for path, n in paths.items():
        rows = _path_counts(conn, path)
        eligible = [r for r in rows if r[1] in bulk.BULK_RELIEFS and not bulk.is_hard_stop(r[2])]
        assert n == len(eligible) > 0
    # The generated data has hard-stop counts with grantable reliefs (e.g. two_priors) and
    # resentence counts; none of them is offered.
    hard = conn.execute(
        "SELECT r.count_id, d.rule_path, d.flags, d.relief FROM review_items r"
        " JOIN determinations d ON d.id = r.determination_id"
        " WHERE d.relief IN ('resentence', 'redesignate_misdemeanor', 'dismiss_and_seal')"
        " ORDER BY r.count_id"
    ).fetchall()
    excluded = [h for h in hard if h[3] == "resentence" or bulk.is_hard_stop(h[2])]
    assert any(h[3] == "resentence" for h in excluded)
    assert any(h[3] != "resentence" for h in excluded)
    for cid, path, _, _ in excluded:
        assert cid not in bulk.eligible_ids(conn, path)
    conn.close()


def test_bulk_needs_openings_then_approves_the_rest_in_one_step(db: Path) -> None:
    conn = sqlite3.connect(db)
    path, n = max(((p.rule_path, p.count) for p in bulk.rule_paths(conn)), key=lambda x: x[1])
    assert n > 3
    need = get_setting(conn, "bulk_min_opened")
    assert need == 3
    ids = bulk.eligible_ids(conn, path)
    for cid in ids[: need - 1]:
        ok(db, "review", "show", str(cid), "--as", "clerk1")
    # Openings by someone else do not count for clerk1.
    ok(db, "review", "show", str(ids[-1]), "--as", "clerk2")
    err = refused(db, "review", "bulk-approve", "--rule-path", path, "--as", "clerk1")
    assert f"open at least {need}" in err and f"opened {need - 1}" in err
    refused(db, "review", "bulk-approve", "--rule-path", path, "--as", "judge1")
    ok(db, "review", "show", str(ids[need - 1]), "--as", "clerk1")

    # A decided count is left as decided; a hard-stop count of another path is untouched.
    decisions.reject(open_db(db).conn, user(conn, "clerk1"), [ids[0]], "needs hearing")
    seq_before = conn.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
    out = ok(db, "review", "bulk-approve", "--rule-path", path, "--as", "clerk1", "--json")
    approved = jsonl(out)[0]["count_ids"]
    assert approved == ids[1:]
    statuses = dict(
        conn.execute(
            f"SELECT count_id, status FROM review_items WHERE count_id IN ({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
    )
    assert statuses[ids[0]] == "rejected"
    assert all(statuses[c] == "approved" for c in ids[1:])
    new = conn.execute(
        "SELECT user, action, targets, payload FROM audit_log WHERE seq > ?", (seq_before,)
    ).fetchall()
    assert len(new) == 1 and new[0][:2] == ("clerk1", "review.bulk_approve")
    assert sorted(json.loads(new[0][2])) == sorted(approved)
    assert path in new[0][3]
    assert path not in {p.rule_path for p in bulk.rule_paths(conn)}
    # One undo reverses the whole bulk step.
    out = ok(db, "review", "undo", "--as", "clerk1", "--json")
    assert sorted(jsonl(out)[0]["count_ids"]) == sorted(approved)
    assert (
        conn.execute("SELECT COUNT(*) FROM review_items WHERE status = 'approved'").fetchone()[0]
        == 0
    )
    assert verify(conn).ok
    conn.close()


def test_bulk_min_opened_is_a_setting(db: Path) -> None:
    conn = open_db(db).conn
    admin, clerk = user(conn, "admin1"), user(conn, "clerk1")
    with pytest.raises(RefusedError):
        set_setting(conn, clerk, "bulk_min_opened", 1)
    set_setting(conn, admin, "bulk_min_opened", 1)
    path = bulk.rule_paths(conn)[0].rule_path
    first = bulk.eligible_ids(conn, path)[0]
    with pytest.raises(RefusedError, match="open at least 1"):
        bulk.bulk_approve(conn, clerk, path)
    decisions.mark_opened(conn, clerk, first)
    assert bulk.opened_count(conn, clerk, path) == 1
    assert bulk.bulk_approve(conn, clerk, path)
    with pytest.raises(RefusedError, match="no pending counts"):
        bulk.bulk_approve(conn, clerk, path)
    out = ok(db, "review", "settings", "--set", "sample_percent=25", "--as", "admin1", "--json")
    assert jsonl(out)[0]["sample_percent"] == 25
    refused(db, "review", "settings", "--set", "sample_percent=5", "--as", "clerk1")
