"""Drafts of an accepted batch's orders before signing (desktop.orders.preview): one per order
the signing will write, each a real PDF that reads 'DRAFT n of N' where the order number will
be, with the case and person; nothing is numbered, signed or written to the register."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.orders.batch import plan_orders
from desktop.orders.granted import granted_counts
from desktop.orders.preview import preview_batch
from desktop.review import batches, bulk, decisions
from desktop.review.users import authenticate
from desktop.store import open_db


def test_drafts_match_the_orders_to_be_signed(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.sqlite3"
    build_demo(db_path, rows=2000)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    path = bulk.rule_paths(conn)[0].rule_path
    for (cid,) in conn.execute(
        "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = "
        "r.determination_id WHERE d.rule_path = ? LIMIT 3",
        (path,),
    ):
        decisions.mark_opened(conn, clerk, cid)
    bulk.bulk_approve(conn, clerk, path)
    batch = batches.submit_batch(conn, clerk)
    for it in batches.sample(conn, judge, batch):
        decisions.mark_opened(conn, judge, it.count_id)
    batches.accept_batch(conn, judge, batch)
    audit_before = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]

    plans = plan_orders(conn, granted_counts(conn, batch), bulk=False, template=None)
    drafts = preview_batch(conn, batch)
    assert len(drafts) == len(plans) > 0
    assert sum(d.counts for d in drafts) == sum(len(p.count_ids) for p in plans)
    first = pypdf.PdfReader(io.BytesIO(drafts[0].pdf))
    text = "".join(page.extract_text() or "" for page in first.pages)
    assert f"DRAFT 1 of {len(plans)}" in text
    case = plans[0].entries[0].case_number
    assert case and case in text and case in drafts[0].label
    assert len(first.pages) == drafts[0].pages
    fields = first.get_fields() or {}
    assert all(f.get("/V") is None for f in fields.values())  # no signature applied
    # Nothing numbered, signed or audited.
    assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == audit_before
    # A bulk preview is one order with a schedule (plus any resentencing orders).
    bulk_drafts = preview_batch(conn, batch, bulk=True, limit=1)
    assert len(bulk_drafts) == 1
    assert bulk_drafts[0].label.split(" — ")[1].startswith(("Bulk", "Resentencing"))
    conn.close()
