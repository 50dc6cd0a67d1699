"""A count's whole life in words (desktop.review.lifecycle): pending → approved → with the judge
in batch N → accepted → ordered (order number), or sent back with the judge's note; what a
clerk can still decide at each stage, and why not. Rule paths and reliefs as words
(desktop.review.words). Real demo database, real review core and order signing."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.errors import RefusedError
from desktop.keys import create_demo_key
from desktop.orders.batch import render_batch
from desktop.review import batches, bulk, decisions
from desktop.review.lifecycle import CLERK_ACTIONS, life, lives
from desktop.review.users import authenticate
from desktop.review.words import relief_words, rule_path_words
from desktop.store import open_db


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("life") / "demo.sqlite3"
    build_demo(db_path, rows=3000)
    return db_path


def _status_cli(db: Path, *ids: int) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--db", str(db), "review", "status", *map(str, ids), "--json"]) == 0
    return json.loads(out.getvalue())


def test_a_count_from_pending_to_its_order(demo: Path, tmp_path: Path) -> None:
    conn = open_db(demo).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    path = bulk.rule_paths(conn)[0].rule_path
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            " WHERE d.rule_path = ? ORDER BY r.count_id LIMIT 3",
            (path,),
        )
    ]
    cid, other, third = ids
    assert life(conn, cid).text == "Pending" and life(conn, cid).refusal("approve") is None

    decisions.approve(conn, clerk, [cid, other, third])
    decisions.change(conn, clerk, third, "dismiss_and_seal", None, "court file shows more")
    assert life(conn, cid).stage == "approved" and life(conn, cid).text == "Approved"
    assert life(conn, third).text == "Changed → dismiss and seal"
    assert batches.submittable(conn) == sorted(batches.submittable(conn), key=lambda x: -x[1])
    waiting = sum(n for _, n in batches.submittable(conn))

    batch = batches.submit_batch(conn, clerk)
    assert batches.batch_size(conn, batch) == waiting
    here = life(conn, cid)
    assert (here.stage, here.batch_id, here.text) == (
        "submitted",
        batch,
        f"With the judge (batch {batch})",
    )
    for action in CLERK_ACTIONS:  # no decision while the judge holds it
        assert "only the judge" in here.refusal(action)
    with pytest.raises(RefusedError):  # the core agrees with the reason shown
        decisions.approve(conn, clerk, [cid])
    row = _status_cli(demo, cid)[0]
    assert row["status"] == f"With the judge (batch {batch})" and row["can"] == []

    items = batches.sample(conn, judge, batch)
    for it in items:
        decisions.mark_opened(conn, judge, it.count_id)
    sampled = {it.count_id for it in items}
    back = other if other in sampled else next(iter(sampled - {cid}))
    batches.send_back(conn, judge, batch, back, "confirm the sentence end")
    sent = life(conn, back)
    assert sent.stage == "sent_back" and sent.text == "Sent back by the judge"
    assert sent.judge_note == "confirm the sentence end" and sent.refusal("approve") is None

    batches.accept_batch(conn, judge, batch)
    assert life(conn, cid).text == f"Accepted (batch {batch})"
    assert "accepted" in life(conn, cid).refusal("reject")

    key = tmp_path / "judge.p12"
    create_demo_key("Hon. Life Test", "Judge of the Superior Court", key, "life pass")
    render_batch(conn, batch, tmp_path / "orders", key, "life pass", user=judge.name)
    order_no = conn.execute(
        "SELECT o.order_no FROM order_counts oc JOIN orders o ON "
        "o.id = oc.order_id WHERE oc.count_id = ?",
        (cid,),
    ).fetchone()[0]
    done = life(conn, cid)
    assert done.stage == "ordered" and done.text == f"Ordered ({order_no})"
    assert order_no in done.refusal("defer")
    assert _status_cli(demo, cid, back) == [
        {
            "count_id": cid,
            "stage": "ordered",
            "status": f"Ordered ({order_no})",
            "batch_id": batch,
            "order_no": order_no,
            "judge_note": None,
            "can": [],
            "why_not": done.refusal("approve"),
        },
        {
            "count_id": back,
            "stage": "sent_back",
            "status": "Sent back by the judge",
            "batch_id": batch,
            "order_no": None,
            "judge_note": "confirm the sentence end",
            "can": [a for a in CLERK_ACTIONS if sent.refusal(a) is None],
            "why_not": sent.refusal("approve"),
        },
    ]
    # Many counts at once, unknown ids left out.
    assert set(lives(conn, [cid, back, 10**9])) == {cid, back}
    conn.close()


def test_needs_review_cannot_be_approved_with_reason(demo: Path) -> None:
    conn = open_db(demo).conn
    row = conn.execute(
        "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = "
        "r.determination_id WHERE d.relief = 'needs_review' AND r.status = "
        "'pending' LIMIT 1"
    ).fetchone()
    if row is None:
        pytest.skip("the demo has no needs-review count")
    here = life(conn, row[0])
    assert "no relief" in here.refusal("approve")
    assert here.refusal("reject") is None and here.refusal("defer") is None
    conn.close()


def test_rule_paths_and_reliefs_read_as_words(demo: Path) -> None:
    assert relief_words("redesignate_misdemeanor") == "reduce to misdemeanor"
    assert relief_words("resentence", "infraction") == "resentence (infraction)"
    assert rule_path_words(
        "11360 felony, R4 misdemeanor today, completed sentence, → "
        "redesignate_misdemeanor, no flags"
    ) == (
        "HS 11360 felony: misdemeanor today (rule R4), completed sentence → reduce to "
        "misdemeanor; no flags"
    )
    assert rule_path_words(
        "11357 misdemeanor, R0 related charge, out of scope, serving "
        "sentence, → not_eligible, flags: disqualifying_prior;hard_stop"
    ) == (
        "HS 11357 misdemeanor: related charge, out of scope (rule R0), serving sentence → not "
        "eligible; flags: disqualifying prior, hard stop"
    )
    conn = open_db(demo).conn
    for (path,) in conn.execute("SELECT DISTINCT rule_path FROM determinations"):
        words = rule_path_words(path)
        assert "_" not in words and "→" in words, (path, words)  # every real path, no codes
    conn.close()


def test_county_command_shows_and_sets_the_court_county(
    demo: Path, tmp_path: Path, monkeypatch
) -> None:
    import shutil

    db = tmp_path / "county.sqlite3"
    shutil.copy(demo, db)

    def run(*args: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["--db", str(db), "county", *args])
        return code, out.getvalue()

    code, text = run("--json")
    assert code == 0 and json.loads(text)["county"] == "San Bernardino"  # the demo's county
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    assert main(["--db", str(db), "county", "los", "angeles", "--as", "admin"]) == 0
    assert json.loads(run("--json")[1])["county"] == "Los Angeles"
    assert main(["--db", str(db), "county", "Gotham", "--as", "admin"]) == 2
    assert main(["--db", str(db), "county", "Kern", "--as", "clerk"]) == 4  # admins only
    assert json.loads(run("--json")[1])["county"] == "Los Angeles"
