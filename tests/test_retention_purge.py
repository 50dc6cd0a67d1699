"""Issue 18: retention and purge. A finished person's records are purged past the retention
period: the audit chain still verifies, the orders register is intact, and the person's name and
CII are in no byte of the database, its -wal or the post-purge backup. The HS 11361.5 listing on
generated records, and the imported DOJ file is never copied into the program's folders."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from helpers.cli import reliefdesk
from signed_world import SignedWorld, build_signed_world

from desktop import clock
from desktop.cli.main import main
from desktop.demo import DEMO_PASSWORD
from desktop.maintenance.retention import finished_people
from desktop.orders.register import list_orders
from desktop.store import open_db
from desktop.store.backup import list_backups

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SignedWorld:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    return build_signed_world(tmp_path)


@pytest.fixture
def later():
    """Run the clock 90 days ahead (then back)."""
    ahead = datetime.now(UTC) + timedelta(days=90)
    clock.set_now(lambda: ahead)
    yield ahead
    clock.set_now(None)


def _cli(world: SignedWorld, *args: str) -> int:
    return reliefdesk(world.db, *args)


def _files(world: SignedWorld) -> list[Path]:
    """The database, its -wal and every backup beside it."""
    files = [world.db, Path(f"{world.db}-wal")]
    files += list((world.db.parent / "backups").glob("*"))
    return [f for f in files if f.exists()]


def test_finished_people_are_those_with_nothing_open(world: SignedWorld) -> None:
    conn = open_db(world.db).conn
    finished = {f.subject_id for f in finished_people(conn)}
    assert world.subject_id in finished
    pending_person = conn.execute(
        "SELECT subject_id FROM counts WHERE id = ?", (world.pending,)
    ).fetchone()[0]
    mixed = conn.execute(
        "SELECT subject_id FROM counts WHERE id = ?", (world.mixed_open,)
    ).fetchone()[0]
    assert pending_person not in finished and mixed not in finished
    # Everyone with a count still pending, deferred or approved-but-unsigned is open.
    open_people = {
        r[0]
        for r in conn.execute(
            "SELECT c.subject_id FROM review_items r JOIN counts c ON c.id = r.count_id"
            " WHERE r.status IN ('pending', 'deferred') OR (r.status IN ('approved', 'changed')"
            " AND r.count_id NOT IN (SELECT count_id FROM under_seal))"
        )
    }
    assert open_people and not open_people & finished


def test_purge_refused_without_a_retention_period_or_the_role(world: SignedWorld, capsys):
    assert _cli(world, "purge", "--as", "records") == 4
    assert "retention set" in capsys.readouterr().err
    assert _cli(world, "retention", "set", "--days", "30", "--as", "clerk") == 4
    assert _cli(world, "retention", "set", "--days", "30", "--as", "admin") == 0
    assert _cli(world, "purge", "--as", "clerk") == 4
    assert _cli(world, "purge", "--as", "judge") == 4
    assert "admin or records officer" in capsys.readouterr().err
    # Within the retention period nobody is past it.
    assert _cli(world, "purge", "--dry-run", "--json", "--as", "records") == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["people"] == 0


def test_purge_of_a_finished_person_leaves_no_trace(
    world: SignedWorld, later, capsys, tmp_path: Path
) -> None:
    conn = open_db(world.db).conn
    orders_before = [
        (
            o.order_no,
            o.sha256,
            o.counts,
            o.case_numbers,
            o.status,
            o.signed_at,
            o.order_date,
            o.file_path,
        )
        for o in list_orders(conn)
    ]
    counts_before = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT oc.count_id, oc.relief, k.case_number, c.section, c.level, c.conviction_date"
            " FROM order_counts oc JOIN counts c ON c.id = oc.count_id JOIN cases k ON"
            " k.id = oc.case_id"
        )
    }
    survivor_cii = conn.execute(
        "SELECT s.cii FROM counts c JOIN subjects s ON s.id = c.subject_id WHERE c.id = ?",
        (world.pending,),
    ).fetchone()[0]
    assert (
        conn.execute("SELECT COUNT(*) FROM subjects WHERE name = ?", (world.name,)).fetchone()[0]
        == 1
    ), "pick a person with a unique name"
    conn.close()
    assert _cli(world, "retention", "set", "--days", "30", "--as", "admin") == 0
    assert _cli(world, "backup", "--as", "admin") == 0  # a backup from before
    outside = tmp_path / "outside" / "copy.sqlite3"  # one the purge cannot reach
    assert _cli(world, "backup", "--out", str(outside), "--as", "admin") == 0
    old_backups = list_backups(world.db)
    assert old_backups and any(world.cii.encode() in b.read_bytes() for b in old_backups)

    capsys.readouterr()
    report_file = tmp_path / "purge-report.json"
    assert _cli(world, "purge", "--report", str(report_file), "--as", "records") == 0
    text = capsys.readouterr().out
    report = json.loads(report_file.read_text())
    assert world.subject_id in report["subject_ids"] and report["people"] >= 1
    assert report["counts_kept"] >= len(world.sealed) and report["wal_bytes_after"] == 0
    assert f"entry {report['audit_seq']}" in text

    # The audit chain verifies with the tombstone in it, which names no one.
    assert _cli(world, "audit", "verify", "--as", "admin") == 0
    conn = sqlite3.connect(world.db)
    action, targets, payload = conn.execute(
        "SELECT action, targets, payload FROM audit_log WHERE seq = ?", (report["audit_seq"],)
    ).fetchone()
    assert action == "retention.purge" and world.subject_id in json.loads(targets)
    assert world.name not in payload + targets and world.cii not in payload + targets
    assert json.loads(payload)["people"] == report["people"]

    # The orders register is intact: every order, its counts, relief, case and dates, hashes.
    assert [
        (
            o.order_no,
            o.sha256,
            o.counts,
            o.case_numbers,
            o.status,
            o.signed_at,
            o.order_date,
            o.file_path,
        )
        for o in list_orders(conn)
    ] == orders_before
    assert {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT oc.count_id, oc.relief, k.case_number, c.section, c.level, c.conviction_date"
            " FROM order_counts oc JOIN counts c ON c.id = oc.count_id JOIN cases k ON"
            " k.id = oc.case_id"
        )
    } == counts_before
    for order_no, _sha, *_rest, path in orders_before:
        assert _cli(world, "orders", "verify", path) == 0, order_no
    # Nothing of the person's DOJ record, determinations or review state is left.
    assert conn.execute(
        "SELECT name, cii, dob, source_key FROM subjects WHERE id = ?", (world.subject_id,)
    ).fetchone() == (None, None, None, f"purged-{world.subject_id}")
    assert conn.execute(
        "SELECT COUNT(*) FROM determinations WHERE subject_id = ?", (world.subject_id,)
    ).fetchone() == (0,)
    assert conn.execute(
        "SELECT COUNT(*) FROM review_items r JOIN counts c ON c.id = r.count_id"
        " WHERE c.subject_id = ?",
        (world.subject_id,),
    ).fetchone() == (0,)
    assert conn.execute(
        "SELECT COUNT(*) FROM counts WHERE subject_id = ? AND id NOT IN"
        " (SELECT count_id FROM order_counts)",
        (world.subject_id,),
    ).fetchone() == (0,)
    assert conn.execute("SELECT purges.audit_seq FROM purges").fetchall() == [
        (report["audit_seq"],)
    ]
    conn.close()

    # No byte of the name or CII in the database, its -wal, or any backup; older backups gone.
    assert not any(p.exists() for p in old_backups)
    after = list_backups(world.db)
    assert len(after) == 1 and "purge" in after[0].name
    files = _files(world)
    assert world.db in files and after[0] in files
    for f in files:
        data = f.read_bytes()
        assert world.name.encode() not in data, f
        assert world.cii.encode() not in data, f
    # ... while an open person's record is still there (the search really searches).
    assert survivor_cii.encode() in world.db.read_bytes()
    # The purged person is gone from the program: a records officer finds nothing either.
    capsys.readouterr()
    assert (
        _cli(
            world,
            "queue",
            "list",
            "--include-sealed",
            "--search",
            world.cii,
            "--json",
            "--as",
            "records",
        )
        == 0
    )
    assert capsys.readouterr().out == ""
    # A second purge finds nobody new and the chain still verifies.
    assert _cli(world, "purge", "--dry-run", "--json", "--as", "admin") == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["people"] == 0
    assert _cli(world, "audit", "verify", "--as", "records") == 0
    # A new evaluation does not bring the purged person back into the queue.
    assert _cli(world, "evaluate", "--county", "San Bernardino", "--as-of", "2020-07-01") == 0
    conn = sqlite3.connect(world.db)
    assert conn.execute(
        "SELECT COUNT(*) FROM determinations WHERE subject_id = ?", (world.subject_id,)
    ).fetchone() == (0,)
    conn.close()
    # Restoring a backup from before the purge would bring the person back: refused.
    assert _cli(world, "restore", str(outside), "--as", "admin") == 2
    assert "before the purge" in capsys.readouterr().err
    assert world.cii.encode() not in world.db.read_bytes()
    assert _cli(world, "restore", str(after[0]), "--as", "admin") == 0
    assert _cli(world, "audit", "verify", "--as", "admin") == 0


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


def test_hs_11361_5_listing_on_generated_records(tmp_path: Path, monkeypatch, capsys) -> None:
    src = tmp_path / "doj.csv"
    dbp = tmp_path / "db.sqlite3"
    assert (
        main(["generate", "--county", "Kern", "--rows", "4000", "--seed", "7", "--out", str(src)])
        == 0
    )
    assert main(["--db", str(dbp), "import", str(src)]) in (0, 3)
    monkeypatch.setenv("RELIEFDESK_NEW_PASSWORD", "admin-pass-1")
    assert main(["--db", str(dbp), "users", "add", "root", "--role", "admin"]) == 0
    monkeypatch.setenv("RELIEFDESK_PASSWORD", "admin-pass-1")
    capsys.readouterr()
    assert main(["--db", str(dbp), "retention", "list", "--json", "--as", "root"]) == 0
    listed = {r["count_id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}

    # The expectation, worked out independently from the stored counts.
    conn = sqlite3.connect(dbp)
    expected: dict[int, str | None] = {}
    minors = 0
    for cid, section, base, convicted, conv, arrest, dob, juvenile in conn.execute(
        "SELECT c.id, c.section, c.base_section, c.convicted, c.conviction_date,"
        " COALESCE(c.cycle_date, k.cycle_date, k.event_date), s.dob, c.juvenile"
        " FROM counts c JOIN cases k ON k.id = c.case_id JOIN subjects s ON"
        " s.id = c.subject_id WHERE COALESCE(c.code, 'HS') = 'HS'"
    ):
        in_article = "11357" <= (base or "") < "11363" and base != "11357.5"
        if not in_article:
            continue
        when = conv if convicted else arrest
        offense = arrest or conv
        minor = bool(juvenile) or bool(
            dob
            and offense
            and date.fromisoformat(offense[:10]) < _add_years(date.fromisoformat(dob), 18)
        )
        sec = (section or "").upper()
        if minor and base == "11357" and sec.startswith(("11357(D)", "11357(E)")):
            expected[cid] = _add_years(date.fromisoformat(dob), 18).isoformat() if dob else None
        elif base == "11357" or sec.startswith("11360(B)") or minor:
            minors += minor and base != "11357"
            expected[cid] = (
                _add_years(date.fromisoformat(when[:10]), 2).isoformat() if when else None
            )
    assert len(expected) > 50 and minors > 0, "the generator makes 11357 and juvenile records"
    assert {c: r["keep_until"] for c, r in listed.items()} == expected
    today = date.today()
    for r in listed.values():
        assert r["due"] == (
            r["keep_until"] is not None and date.fromisoformat(r["keep_until"]) <= today
        )
        assert r["basis"].startswith("HS 11361.5")
    # Listing destroys nothing.
    assert conn.execute("SELECT COUNT(*) FROM counts").fetchone()[0] >= len(listed)
    # --due keeps only those past their date (all of them: the generated records end in 2020).
    capsys.readouterr()
    assert main(["--db", str(dbp), "retention", "list", "--due", "--json", "--as", "root"]) == 0
    due = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert due and all(r["due"] for r in due)
    assert len(due) == sum(r["due"] for r in listed.values())


def test_the_imported_doj_file_is_never_copied_into_the_programs_folders(tmp_path: Path) -> None:
    src_dir = tmp_path / "delivery"
    src_dir.mkdir()
    src = src_dir / "doj-research-file.csv"
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "RELIEFDESK_DB"}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        TMPDIR=str(tmp),
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
    )
    run = [sys.executable, "-m", "desktop"]
    out = subprocess.run(
        run + ["generate", "--county", "Kern", "--rows", "3000", "--out", str(src)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    for step in (["import", str(src)], ["evaluate", "--county", "Kern"], ["import", str(src)]):
        out = subprocess.run(run + step, env=env, cwd=ROOT, capture_output=True, timeout=300)
        assert out.returncode in (0, 3), out.stderr
    data = src.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    lines = data.splitlines()
    # Three consecutive raw lines of the file: a copy of any part of it would hold them.
    probe = b"\n".join(lines[1000:1003])
    program_files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "reliefdesk.sqlite3" for p in program_files), program_files
    for p in program_files + [p for p in tmp.rglob("*") if p.is_file()]:
        content = p.read_bytes()
        assert hashlib.sha256(content).hexdigest() != digest, p
        assert probe not in content and probe.replace(b"\n", b"\r\n") not in content, p
    # The database records where the file was, not its content.
    conn = sqlite3.connect(next(p for p in program_files if p.name == "reliefdesk.sqlite3"))
    assert conn.execute("SELECT file_path, sha256 FROM imports").fetchall() == [(str(src), digest)]


def test_a_person_confirmed_not_eligible_is_finished_once_the_judge_accepts(
    tmp_path: Path,
) -> None:
    """Approving 'not eligible' ends the work once the judge accepts the batch (no order
    follows); until then, and for a sent-back count, the person stays open."""
    from desktop.demo import build_demo
    from desktop.review import batches, decisions
    from desktop.review.users import authenticate

    db_path = tmp_path / "db.sqlite3"
    build_demo(db_path, rows=3000)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    people = [
        r[0]
        for r in conn.execute(
            "SELECT c.subject_id FROM review_items r JOIN determinations d"
            " ON d.id = r.determination_id JOIN counts c ON c.id = r.count_id"
            " GROUP BY c.subject_id HAVING SUM(d.relief <> 'not_eligible') = 0"
            " ORDER BY c.subject_id LIMIT 2"
        )
    ]
    assert len(people) == 2
    counts = {
        sid: [
            r[0]
            for r in conn.execute(
                "SELECT r.count_id FROM review_items r JOIN counts c ON c.id = r.count_id"
                " WHERE c.subject_id = ?",
                (sid,),
            )
        ]
        for sid in people
    }
    every = counts[people[0]] + counts[people[1]]
    for cid in every:
        decisions.mark_opened(conn, clerk, cid)
    decisions.approve(conn, clerk, every)
    finished = {f.subject_id for f in finished_people(conn)}
    assert not finished & set(people)  # approved, not yet through the judge
    batch = batches.submit_batch(conn, clerk)
    sample = {i.count_id for i in batches.sample(conn, judge, batch, seed=3)}
    for cid in sample:
        decisions.mark_opened(conn, judge, cid)
    back = counts[people[1]][0]
    if back not in sample:  # the judge can only send back a sampled count
        back = next(iter(sample))
    batches.send_back(conn, judge, batch, back, "check the record")
    for cid in sample - {back}:
        batches.accept_item(conn, judge, batch, cid)
    batches.accept_batch(conn, judge, batch)
    finished = {f.subject_id for f in finished_people(conn)}
    sent_back_person = next(sid for sid in people if back in counts[sid])
    assert sent_back_person not in finished
    others = [sid for sid in people if sid != sent_back_person]
    assert set(others) <= finished
