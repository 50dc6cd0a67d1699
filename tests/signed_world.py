"""A demo database with one signed order, built through the real review core and the real signer:
the setting for the sealed-record and retention tests (issue 18)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.orders.batch import render_batch
from desktop.review import batches, decisions
from desktop.review.users import authenticate
from desktop.store import open_db

KEY_PASS = "judge key passphrase"
GRANTS = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")


@dataclass
class SignedWorld:
    db: Path
    out: Path
    batch: int
    subject_id: int  # a person all of whose counts are in the signed order: finished
    name: str
    cii: str
    sealed: list[int]  # their counts, sealed by the signed order
    pending: int  # a count of someone else, still pending
    mixed_open: int  # an open count of a person who also has a sealed count


def build_signed_world(tmp: Path, rows: int = 3000, people: int = 2) -> SignedWorld:
    """Demo database; `people` persons whose every review item is a granted relief get all their
    counts approved, batched, accepted by the judge and signed into orders."""
    db_path = tmp / "db.sqlite3"
    build_demo(db_path, rows=rows)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    # People whose counts in the review are all granted a relief (so none stays open).
    subjects = [
        r[0]
        for r in conn.execute(
            "SELECT c.subject_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            " JOIN counts c ON c.id = r.count_id JOIN subjects s ON s.id = c.subject_id"
            " WHERE s.cii IS NOT NULL AND s.name IS NOT NULL GROUP BY c.subject_id"
            f" HAVING SUM(d.relief NOT IN ({','.join('?' * len(GRANTS))})) = 0"
            " ORDER BY c.subject_id LIMIT ?",
            (*GRANTS, people),
        )
    ]
    assert len(subjects) == people
    chosen = [
        r[0]
        for r in conn.execute(
            f"SELECT r.count_id FROM review_items r JOIN counts c ON c.id = r.count_id"
            f" WHERE c.subject_id IN ({','.join('?' * len(subjects))}) ORDER BY r.count_id",
            subjects,
        )
    ]
    # A person with two counts in the review, only one of them ordered: open, and partly sealed.
    mixed_sid, first, second = conn.execute(
        "SELECT c.subject_id, MIN(r.count_id), MAX(r.count_id) FROM review_items r"
        " JOIN counts c ON c.id = r.count_id"
        f" WHERE c.subject_id NOT IN ({','.join('?' * len(subjects))})"
        " GROUP BY c.subject_id HAVING COUNT(*) >= 2 ORDER BY c.subject_id LIMIT 1",
        subjects,
    ).fetchone()
    chosen.append(first)
    for cid in chosen:
        decisions.mark_opened(conn, clerk, cid)
    decisions.approve(conn, clerk, chosen)
    batch = batches.submit_batch(conn, clerk)
    for item in batches.sample(conn, judge, batch, seed=5):
        decisions.mark_opened(conn, judge, item.count_id)
        batches.accept_item(conn, judge, batch, item.count_id)
    batches.accept_batch(conn, judge, batch)
    key = tmp / "judge.p12"
    create_demo_key("Hon. Test Judge", "Judge of the Superior Court", key, KEY_PASS)
    out = tmp / "orders"
    render_batch(conn, batch, out, key, KEY_PASS, user="judge", workers=1)
    sid = subjects[0]
    name, cii = conn.execute("SELECT name, cii FROM subjects WHERE id = ?", (sid,)).fetchone()
    sealed = [
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN counts c ON c.id = r.count_id"
            " WHERE c.subject_id = ? ORDER BY r.count_id",
            (sid,),
        )
    ]
    pending = conn.execute(
        "SELECT count_id FROM review_items WHERE status = 'pending' ORDER BY count_id LIMIT 1"
    ).fetchone()[0]
    conn.close()
    return SignedWorld(db_path, out, batch, sid, name, cii, sealed, pending, second)
