"""A small accepted batch on the demo database (synthetic people), built through the real review
core, for the trust tests (issue 12): the clerk approves a few granted counts, submits them, the
judge samples, opens every sampled count and accepts the batch (signing the acceptance with a
demo key)."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.review import batches, decisions
from desktop.review.users import authenticate
from desktop.store import open_db

KEY_PASS = "trust key passphrase"
GRANTS = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")


@dataclass
class World:
    db: Path
    key: Path
    batch: int
    counts: list[int]  # the counts of the accepted batch
    denied: list[int]  # counts the engine found not eligible (never in a batch)
    clerk_only: list[int]  # approved counts left outside any batch


def build_world(where: Path, n: int = 6, sign_acceptance: bool = True) -> World:
    where.mkdir(parents=True, exist_ok=True)
    db = where / "db.sqlite3"
    build_demo(db, rows=3000)
    conn = open_db(db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    rows = conn.execute(
        "SELECT r.count_id, d.relief FROM review_items r JOIN determinations d"
        " ON d.id = r.determination_id ORDER BY r.count_id"
    ).fetchall()
    granted = [cid for cid, relief in rows if relief in GRANTS]
    denied = [cid for cid, relief in rows if relief == "not_eligible"]
    chosen, spare = granted[:n], granted[n : n + 3]
    decisions.approve(conn, clerk, chosen)
    batch = batches.submit_batch(conn, clerk)
    for item in batches.sample(conn, judge, batch, seed=5):
        decisions.mark_opened(conn, judge, item.count_id)
    key = where / "judge.p12"
    create_demo_key("Hon. Test Judge", "Judge of the Superior Court", key, KEY_PASS)
    if sign_acceptance:
        batches.accept_batch(conn, judge, batch, key_file=key, passphrase=KEY_PASS)
    else:
        batches.accept_batch(conn, judge, batch)
    decisions.approve(conn, clerk, spare)
    conn.close()
    return World(db, key, batch, chosen, denied, spare)


def copy_world(world: World, where: Path) -> World:
    """An independent copy of the world's database (and key) in `where`."""
    where.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(world.db)
    dst = sqlite3.connect(where / "db.sqlite3")
    src.backup(dst)
    src.close()
    dst.close()
    shutil.copy(world.key, where / "judge.p12")
    return World(
        where / "db.sqlite3",
        where / "judge.p12",
        world.batch,
        list(world.counts),
        list(world.denied),
        list(world.clerk_only),
    )
