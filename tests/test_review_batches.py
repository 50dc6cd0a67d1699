"""Batches and the judge's spot-check: a reproducible stratified sample with a minimum per
stratum, send-back to the clerk, and the acceptance rules (opened sample, judges only, never the
preparer)."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from test_review_support import (
    audit_actions,
    cli,
    copy_db,
    jsonl,
    ok,
    refused,
    review_row,
    user,
)

from desktop.audit import verify
from desktop.errors import RefusedError
from desktop.review import batches, bulk, decisions
from desktop.review.settings import set_setting
from desktop.review.users import User
from desktop.store import open_db


@pytest.fixture(scope="module")
def template(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's generated county with every bulk-eligible count approved by clerk1, one
    changed, none submitted yet."""
    db = copy_db(template_db, tmp_path_factory.mktemp("batches") / "template.sqlite3")
    conn = open_db(db).conn
    admin, clerk = user(conn, "admin1"), user(conn, "clerk1")
    set_setting(conn, admin, "bulk_min_opened", 1)
    for p in bulk.rule_paths(conn):
        ids = bulk.eligible_ids(conn, p.rule_path)
        decisions.mark_opened(conn, clerk, ids[0])
        bulk.bulk_approve(conn, clerk, p.rule_path)
    resent = conn.execute(
        "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
        " WHERE d.relief = 'resentence' AND r.status = 'pending' ORDER BY 1"
    ).fetchone()[0]
    decisions.change(conn, clerk, resent, "resentence", "infraction", "plants under six")
    conn.close()
    return db


@pytest.fixture()
def db(template: Path, tmp_path: Path) -> Path:
    return copy_db(template, tmp_path / "db.sqlite3")


def _items(conn: sqlite3.Connection, batch: int) -> list[tuple[int, str, str]]:
    return conn.execute(
        "SELECT count_id, relief, rule_path FROM batch_items WHERE batch_id = ?", (batch,)
    ).fetchall()


def test_draw_sample_is_stratified_with_a_minimum_and_reproducible() -> None:
    items = (
        [(i, "dismiss_and_seal", "A") for i in range(1, 41)]
        + [(i, "redesignate_misdemeanor", "A") for i in range(41, 46)]
        + [(i, "dismiss_and_seal", "B") for i in range(46, 48)]
        + [(48, "resentence", "C")]
    )
    s1 = batches.draw_sample(items, seed=7, percent=10, minimum=2)
    assert s1 == batches.draw_sample(list(reversed(items)), seed=7, percent=10, minimum=2)
    by = Counter(next((r, p) for c, r, p in items if c == cid) for cid in s1)
    # ceil(10% of 40) = 4; 5 -> minimum 2; 2 -> 2; a stratum of 1 gives its one count.
    assert by == {
        ("dismiss_and_seal", "A"): 4,
        ("redesignate_misdemeanor", "A"): 2,
        ("dismiss_and_seal", "B"): 2,
        ("resentence", "C"): 1,
    }
    others = {tuple(batches.draw_sample(items, seed=s, percent=10, minimum=2)) for s in range(8)}
    assert len(others) > 1  # the seed matters
    assert batches.draw_sample(items, seed=7, percent=100, minimum=0) == list(range(1, 49))


def test_sample_stored_with_its_seed_and_drawn_once(db: Path) -> None:
    conn = sqlite3.connect(db)
    batch = json.loads(ok(db, "batch", "submit", "--as", "clerk1", "--json"))["batch_id"]
    items = _items(conn, batch)
    assert len(items) > 20
    strata = Counter((r, p) for _, r, p in items)
    assert len(strata) >= 3
    assert any(r == "resentence" for _, r, _ in items)  # the changed count
    first = jsonl(ok(db, "batch", "sample", str(batch), "--seed", "42", "--as", "judge1", "--json"))
    ids = [r["count_id"] for r in first]
    assert ids == batches.draw_sample(items, 42, 10, 1)
    for (relief, path), n in strata.items():
        got = sum(1 for r in first if (r["relief"], r["rule_path"]) == (relief, path))
        assert got == min(n, max(1, math.ceil(n * 0.10)))
    assert all({"count_id", "relief", "rule_path"} <= set(r) for r in first)
    seed = conn.execute("SELECT sample_seed FROM batches WHERE id = ?", (batch,)).fetchone()[0]
    assert seed == 42
    again = jsonl(ok(db, "batch", "sample", str(batch), "--as", "judge2", "--json"))
    assert [r["count_id"] for r in again] == ids
    refused(db, "batch", "sample", str(batch), "--seed", "43", "--as", "judge1")
    refused(db, "batch", "sample", str(batch), "--as", "clerk1")
    sampled = [
        r[0]
        for r in conn.execute(
            "SELECT count_id FROM batch_items WHERE batch_id = ? AND sampled = 1 ORDER BY 1",
            (batch,),
        )
    ]
    assert sampled == ids
    conn.close()


def test_random_seed_is_stored_and_reproduces_the_sample(db: Path) -> None:
    conn = open_db(db).conn
    batch = batches.submit_batch(conn, user(conn, "clerk1"))
    got = [i.count_id for i in batches.sample(conn, user(conn, "judge1"), batch)]
    seed = conn.execute("SELECT sample_seed FROM batches WHERE id = ?", (batch,)).fetchone()[0]
    assert seed is not None
    assert got == batches.draw_sample(_items(conn, batch), seed, 10, 1)


def test_send_back_returns_the_count_to_the_clerk_with_the_note(db: Path) -> None:
    conn = sqlite3.connect(db)
    batch = json.loads(ok(db, "batch", "submit", "--as", "clerk1", "--json"))["batch_id"]
    sample = jsonl(ok(db, "batch", "sample", str(batch), "--as", "judge1", "--json"))
    back = sample[0]["count_id"]
    before = review_row(conn, back)
    refused(db, "batch", "send-back", str(batch), str(back), "--note", "x", "--as", "clerk1")
    ok(
        db,
        "batch",
        "send-back",
        str(batch),
        str(back),
        "--note",
        "check the sentence end",
        "--as",
        "judge1",
    )
    row = review_row(conn, back)
    assert row["status"] == "pending" and row["decided_by"] is None
    prev = json.loads(row["previous_decision"])
    assert prev["status"] == before["status"] and prev["note"] == "check the sentence end"
    listed = jsonl(ok(db, "queue", "list", "--status", "sent_back", "--json", "--as", "clerk1"))
    assert [(r["count_id"], r["judge_note"]) for r in listed] == [(back, "check the sentence end")]
    assert "check the sentence end" in ok(db, "review", "show", str(back), "--as", "clerk1")
    # Not bulk-approvable; the clerk decides it again and it goes into the next batch.
    assert back not in bulk.eligible_ids(conn, sample[0]["rule_path"])
    refused(db, "batch", "send-back", str(batch), str(back), "--note", "again", "--as", "judge1")
    ok(db, "review", "approve", str(back), "--as", "clerk1")
    nxt = json.loads(ok(db, "batch", "submit", "--as", "clerk1", "--json"))
    assert nxt["count"] == 1
    assert [r[0] for r in _items(conn, nxt["batch_id"])] == [back]
    actions = [a for _, a, _ in audit_actions(conn)]
    assert actions.count("batch.send_back") == 1 and actions.count("batch.submit") == 2
    conn.close()


def test_acceptance_rules(db: Path) -> None:
    conn = sqlite3.connect(db)
    refused(db, "batch", "submit", "--as", "judge1")
    batch = json.loads(ok(db, "batch", "submit", "--as", "clerk1", "--json"))["batch_id"]
    refused(db, "batch", "submit", "--as", "clerk1")  # nothing left to submit
    b = str(batch)
    assert "draw the sample" in refused(db, "batch", "accept", b, "--as", "judge1")
    sample = [
        r["count_id"] for r in jsonl(ok(db, "batch", "sample", b, "--as", "judge1", "--json"))
    ]
    assert len(sample) >= 3
    assert "judge" in refused(db, "batch", "accept", b, "--as", "clerk1")
    refused(db, "batch", "accept", b, "--as", "admin1")
    # Counts in a batch cannot be decided or undone by the clerk.
    assert "awaiting the judge" in refused(
        db, "review", "reject", str(sample[0]), "--reason", "other", "--as", "clerk1"
    )
    refused(db, "review", "undo", "--as", "clerk1")
    # Opening before the sample was drawn does not count; opening by another judge neither.
    ok(db, "review", "show", str(sample[0]), "--as", "judge2")
    refused(db, "batch", "accept-item", b, str(sample[0]), "--as", "judge1")
    for cid in sample[:-1]:
        ok(db, "review", "show", str(cid), "--as", "judge1")
    ok(db, "batch", "accept-item", b, str(sample[0]), "--as", "judge1")
    err = refused(db, "batch", "accept", b, "--as", "judge1")
    assert "1 not opened" in err and str(sample[-1]) in err
    # Sending the unopened one back is enough: sent-back items need no opening.
    ok(db, "batch", "send-back", b, str(sample[-1]), "--note", "wrong county", "--as", "judge1")
    ok(db, "batch", "accept", b, "--as", "judge1")
    refused(db, "batch", "accept", b, "--as", "judge1")
    listed = jsonl(ok(db, "batch", "list", "--json", "--as", "judge1"))
    assert listed[0]["status"] == "accepted" and listed[0]["sent_back"] == 1
    # Granted for orders: accepted batch, not sent back, approved or changed.
    granted = {
        r[0]
        for r in conn.execute(
            "SELECT bi.count_id FROM batch_items bi JOIN batches b ON b.id = bi.batch_id"
            " JOIN review_items r ON r.count_id = bi.count_id WHERE b.status = 'accepted'"
            " AND COALESCE(bi.judge_status, '') != 'sent_back'"
            " AND r.status IN ('approved', 'changed')"
        )
    }
    assert len(granted) == len(_items(conn, batch)) - 1 and sample[-1] not in granted
    assert {
        r[0]
        for r in conn.execute(
            "SELECT judge_status FROM batch_items WHERE batch_id = ? AND sampled = 1", (batch,)
        )
    } == {"accepted", "sent_back"}
    assert "accepted" in refused(db, "review", "approve", str(sample[0]), "--as", "clerk1")
    assert verify(conn).ok
    conn.close()


def test_a_judge_never_accepts_a_batch_they_prepared(db: Path) -> None:
    conn = open_db(db).conn
    batch = batches.submit_batch(conn, user(conn, "clerk1"))
    judge = user(conn, "judge1")
    for item in batches.sample(conn, judge, batch):
        decisions.mark_opened(conn, judge, item.count_id)
    # A user has one role; the name check still stands if an account was ever re-purposed.
    same_name = User(judge.id, "Clerk1", "judge")
    for item in batches.sample(conn, same_name, batch):
        decisions.mark_opened(conn, same_name, item.count_id)
    with pytest.raises(RefusedError, match="prepared batch"):
        batches.accept_batch(conn, same_name, batch)
    with pytest.raises(RefusedError, match="only a judge"):
        batches.accept_batch(conn, user(conn, "clerk1"), batch)
    assert (
        conn.execute("SELECT status FROM batches WHERE id = ?", (batch,)).fetchone()[0]
        == "submitted"
    )
    batches.accept_batch(conn, judge, batch)
    assert conn.execute(
        "SELECT status, accepted_by FROM batches WHERE id = ?", (batch,)
    ).fetchone() == ("accepted", "judge1")


def test_wrong_password_on_batch_commands(db: Path) -> None:
    batch = json.loads(ok(db, "batch", "submit", "--as", "clerk1", "--json"))["batch_id"]
    refused(db, "batch", "sample", str(batch), "--as", "judge1", password="nope")
    code, _, err = cli(db, "batch", "accept", "999", "--as", "judge1")
    assert code == 2 and "no batch 999" in err
