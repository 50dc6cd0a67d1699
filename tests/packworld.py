"""Two PCs for the batch-package tests (issue 15): a clerk's data folder with a submitted batch,
built once through the real importer, engine and review core and copied per test, and a judge's
data folder that starts empty. Everything is real: SQLite files, the demo key, signed PDFs."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.review import batches, decisions
from desktop.review.users import authenticate, create_user
from desktop.store import open_db

KEY_PASS = "judge key passphrase"
GRANTS = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")


@dataclass
class Template:
    db: Path
    key: Path  # the judge's PKCS#12 (on the judge's PC only)
    batch: int
    counts: list[int]


def build_template(folder: Path, counts: int = 6) -> Template:
    """A clerk's database with one submitted batch of `counts` granted counts (three people or
    so), a second judge (judge2), and the judge's demo key beside it."""
    db_path = folder / "clerk-template.sqlite3"
    build_demo(db_path, rows=1500)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    create_user(conn, "judge2", "judge", DEMO_PASSWORD, admin)
    people = [
        r[0]
        for r in conn.execute(
            "SELECT c.subject_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            " JOIN counts c ON c.id = r.count_id GROUP BY c.subject_id"
            f" HAVING SUM(d.relief NOT IN ({','.join('?' * len(GRANTS))})) = 0"
            " ORDER BY COUNT(*) DESC, c.subject_id",
            GRANTS,
        )
    ]
    chosen: list[int] = []
    for sid in people:
        chosen += [
            r[0]
            for r in conn.execute(
                "SELECT r.count_id FROM review_items r JOIN counts c ON c.id = r.count_id"
                " WHERE c.subject_id = ? ORDER BY r.count_id",
                (sid,),
            )
        ]
        if len(chosen) >= counts:
            break
    decisions.approve(conn, clerk, chosen)
    batch = batches.submit_batch(conn, clerk)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    key = folder / "judge.p12"
    create_demo_key("Hon. Test Judge", "Judge of the Superior Court", key, KEY_PASS)
    return Template(db_path, key, batch, sorted(chosen))


def copy_db(src: Path, dst: Path) -> Path:
    """A copy of a database through SQLite's backup API (a new file, as another PC would have)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    a = sqlite3.connect(src)
    b = sqlite3.connect(dst)
    with b:
        a.backup(b)
    a.close()
    b.close()
    return dst


@dataclass
class Answered:
    clerk_db: Path  # the clerk's database right after sending (the package recorded)
    package: Path
    answer: Path
    workspace: Path
    sampled: list[int]
    sent_back: int
    key: Path


def answer_through_the_core(template: Template, folder: Path) -> Answered:
    """The whole judge's round through the core (the CLI test does it through the commands):
    send, open, sample, open each sampled count, send the first back, accept the rest, accept
    the batch signed, render and sign, answer."""
    from desktop.exchange.answer import write_answer
    from desktop.exchange.send import send_batch
    from desktop.exchange.workspace import open_package
    from desktop.orders.batch import render_batch

    clerk_pc, judge_pc, share = folder / "clerk-pc", folder / "judge-pc", folder / "share"
    for d in (clerk_pc, judge_pc, share):
        d.mkdir(parents=True)
    db = copy_db(template.db, clerk_pc / "reliefdesk.sqlite3")
    conn = open_db(db).conn
    sent = send_batch(
        conn,
        authenticate(conn, "clerk", DEMO_PASSWORD),
        template.batch,
        share / "batch.rdpkg",
        judge="judge",
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    key = judge_pc / "judge.p12"
    key.write_bytes(template.key.read_bytes())
    ws = judge_pc / "workspace.sqlite3"
    open_package(sent.path, "judge", password="judge's own password", workspace=ws)
    w = open_db(ws).conn
    judge = authenticate(w, "judge", "judge's own password")
    items = batches.sample(w, judge, template.batch, seed=11)
    for i in items:
        decisions.mark_opened(w, judge, i.count_id)
    back = items[0].count_id
    batches.send_back(w, judge, template.batch, back, "check the conviction date")
    for i in items[1:]:
        batches.accept_item(w, judge, template.batch, i.count_id)
    batches.accept_batch(w, judge, template.batch, key_file=key, passphrase=KEY_PASS)
    render_batch(w, template.batch, judge_pc / "orders", key, KEY_PASS, user="judge", workers=1)
    done = write_answer(w, judge, share / "answer.rdpkg")
    w.close()
    return Answered(db, sent.path, done.path, ws, [i.count_id for i in items], back, key)
