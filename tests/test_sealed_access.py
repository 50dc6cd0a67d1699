"""Issue 18: reading needs a signed-in user with a role; a sealed count (its order is signed) is
invisible to a clerk and visible to a records officer or judge, each showing and read audited."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from helpers.cli import reliefdesk
from signed_world import SignedWorld, build_signed_world

from desktop.cli.main import main
from desktop.demo import DEMO_COUNTY, DEMO_PASSWORD
from desktop.review import access
from desktop.review.queue import count_queue, list_queue, queue_ids_query
from desktop.review.users import authenticate, create_user
from desktop.store import open_db

# Every command that reads the records, with arguments that make it otherwise valid.
READ_COMMANDS = [
    ["queue", "list"],
    ["queue", "paths"],
    ["review", "show", "{pending}"],
    ["review", "history", "{pending}"],
    ["review", "settings"],
    ["explain", "{pending}"],
    ["determinations", "--out", "{tmp}/d.csv"],
    ["rejected"],
    ["users", "list"],
    ["batch", "list"],
    ["batch", "sample", "{batch}"],
    ["audit", "verify"],
    ["audit", "list"],
    ["audit", "export", "--out", "{tmp}/a.csv"],
    ["orders", "list"],
    ["export", "doj-update", "--batch", "{batch}", "--out", "{tmp}/doj.csv"],
    ["export", "court-update", "--batch", "{batch}", "--out", "{tmp}/court.csv"],
    ["report", "summary", "--out", "{tmp}/s.pdf"],
    ["backup"],
    ["backup", "--list"],
    ["retention", "show"],
    ["retention", "list"],
    ["purge", "--dry-run"],
    ["matter", "list"],
    ["matter", "find", "--name", "A"],
    ["matter", "show", "{matter}"],
    ["hearing", "list"],
    ["status", "--county", "{county}"],
    ["service", "show"],
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> SignedWorld:
    w = build_signed_world(tmp_path_factory.mktemp("sealed"))
    conn = open_db(w.db).conn
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    create_user(conn, "clerk2", "clerk", DEMO_PASSWORD, admin)
    # A matter on the pending count, so `matter show` has one to read.
    from desktop.dispositions.matters import Filing, open_matter

    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    subject = conn.execute("SELECT subject_id FROM counts WHERE id = ?", (w.pending,)).fetchone()
    open_matter(
        conn,
        clerk,
        subject[0],
        [w.pending],
        Filing("application", "2026-01-05", "person", served_on="2026-01-05"),
        evaluate=False,
    )
    conn.close()
    return w


@pytest.fixture
def cli(world: SignedWorld, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)

    def run(*args: str) -> int:
        return reliefdesk(world.db, *args)

    return run


def _fill(args: list[str], world: SignedWorld, tmp: Path) -> list[str]:
    return [
        a.format(pending=world.pending, batch=world.batch, tmp=tmp, matter=1, county=DEMO_COUNTY)
        for a in args
    ]


def _audit(world: SignedWorld, action: str) -> list[tuple[str, list[int], dict]]:
    conn = sqlite3.connect(world.db)
    try:
        return [
            (u, json.loads(t), json.loads(p))
            for u, t, p in conn.execute(
                "SELECT user, targets, payload FROM audit_log WHERE action = ? ORDER BY seq",
                (action,),
            )
        ]
    finally:
        conn.close()


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_reading_without_sign_in_is_refused(
    world: SignedWorld, cli, tmp_path: Path, capsys: pytest.CaptureFixture, command: list[str]
):
    before = len(_audit(world, "sealed.read"))
    capsys.readouterr()
    assert cli(*_fill(command, world, tmp_path)) == 4
    out, err = capsys.readouterr()
    assert out == "" and "signed-in user" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not any(tmp_path.iterdir()), "a refused read wrote a file"
    assert len(_audit(world, "sealed.read")) == before


@pytest.mark.parametrize("command", READ_COMMANDS[:6], ids=lambda c: " ".join(c[:2]))
def test_a_wrong_password_reads_nothing(
    world: SignedWorld,
    cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    command: list[str],
):
    monkeypatch.setenv("RELIEFDESK_PASSWORD", "not the password")
    capsys.readouterr()
    assert cli(*_fill(command, world, tmp_path), "--as", "clerk") == 4
    out, err = capsys.readouterr()
    assert out == "" and "wrong user name or password" in err


def test_signed_in_reads_work(world: SignedWorld, cli, tmp_path: Path, capsys):
    for command in READ_COMMANDS:
        if command[0] in ("purge", "batch") and command[1] in ("--dry-run", "sample"):
            continue
        assert cli(*_fill(command, world, tmp_path), "--as", "judge") == 0, command


def test_sealed_counts_are_signed_orders_counts(world: SignedWorld) -> None:
    conn = open_db(world.db).conn
    signed = {
        r[0]
        for r in conn.execute(
            "SELECT oc.count_id FROM order_counts oc JOIN orders o ON o.id = oc.order_id"
            " WHERE o.status IN ('signed', 'printed')"
        )
    }
    assert signed and access.sealed_ids(conn) == signed
    assert set(world.sealed) <= signed and world.pending not in signed


def test_queue_hides_sealed_counts_by_default(world: SignedWorld) -> None:
    conn = open_db(world.db).conn
    shown = {r["count_id"] for r in list_queue(conn)}
    everything = {r["count_id"] for r in list_queue(conn, include_sealed=True)}
    sealed = access.sealed_ids(conn)
    assert shown == everything - sealed and sealed <= everything
    for filters in (
        {"status": "approved"},
        {"search": world.name},
        {"search": world.cii},
        {"sort": "name"},
        {"relief": "dismiss_and_seal"},
    ):
        ids = {r[0] for r in conn.execute(*queue_ids_query(**filters))}
        assert not ids & sealed, filters
        assert count_queue(conn, **filters) == len(ids)
    # The person's name finds nothing for a clerk once all their counts are sealed.
    assert list_queue(conn, search=world.name) == [] or all(
        r["count_id"] not in sealed for r in list_queue(conn, search=world.name)
    )


def test_sealed_count_invisible_to_a_clerk(world: SignedWorld, cli, capsys, tmp_path: Path):
    sealed = world.sealed[0]
    capsys.readouterr()
    assert cli("queue", "list", "--search", world.cii, "--json", "--as", "clerk") == 0
    assert world.cii not in capsys.readouterr().out
    assert cli("queue", "list", "--include-sealed", "--as", "clerk") == 4
    assert "records officer" in capsys.readouterr().err
    for command in (
        ["review", "show", str(sealed)],
        ["explain", str(sealed)],
        ["review", "history", str(sealed)],
    ):
        assert cli(*command, "--as", "clerk") == 4, command
        out, err = capsys.readouterr()
        assert out == "" and "sealed" in err and world.name not in err
    out_csv = tmp_path / "det.csv"
    assert cli("determinations", "--out", str(out_csv), "--as", "clerk") == 0
    ids = {
        int(r["count_id"])
        for r in csv.DictReader(
            line for line in out_csv.open(encoding="utf-8") if not line.startswith("#")
        )
    }
    assert ids and not ids & set(world.sealed)
    assert world.name not in out_csv.read_text(encoding="utf-8")
    assert cli("determinations", "--out", str(out_csv), "--include-sealed", "--as", "clerk") == 4
    # The orders register shows a signed order's people to a clerk as sealed.
    capsys.readouterr()
    assert cli("orders", "list", "--json", "--as", "clerk") == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["names"] == "(sealed)" for r in rows)
    assert not [u for u, _, _ in _audit(world, "sealed.read") if u == "clerk"]


@pytest.mark.parametrize("officer", ["records", "judge"])
def test_sealed_count_visible_to_records_officer_with_audit_entry(
    world: SignedWorld, cli, capsys, tmp_path: Path, officer: str
):
    sealed = world.sealed[0]
    reads = len(_audit(world, "sealed.read"))
    capsys.readouterr()
    assert cli("review", "show", str(sealed), "--json", "--as", officer) == 0
    detail = json.loads(capsys.readouterr().out)
    assert detail["subject"]["name"] == world.name and detail["count_id"] == sealed
    entries = _audit(world, "sealed.read")
    assert len(entries) == reads + 1
    user, targets, payload = entries[-1]
    assert user == officer and sealed in targets and payload["what"] == "review show"
    assert world.name not in json.dumps(entries[-1])  # the log names counts, never people

    assert cli("explain", str(sealed), "--as", officer) == 0
    assert world.name in capsys.readouterr().out
    assert _audit(world, "sealed.read")[-1][:2] == (officer, [sealed])

    shows = len(_audit(world, "sealed.show"))
    assert (
        cli("queue", "list", "--include-sealed", "--search", world.cii, "--json", "--as", officer)
        == 0
    )
    listed = {json.loads(line)["count_id"] for line in capsys.readouterr().out.splitlines()}
    assert set(world.sealed) <= listed
    user, targets, payload = _audit(world, "sealed.show")[-1]
    assert len(_audit(world, "sealed.show")) == shows + 1
    assert user == officer and set(world.sealed) <= set(targets) and payload["what"] == "queue"

    out_csv = tmp_path / "all.csv"
    assert cli("determinations", "--out", str(out_csv), "--include-sealed", "--as", officer) == 0
    ids = {
        int(r["count_id"])
        for r in csv.DictReader(
            line for line in out_csv.open(encoding="utf-8") if not line.startswith("#")
        )
    }
    assert set(world.sealed) <= ids
    assert set(world.sealed) <= set(_audit(world, "sealed.show")[-1][1])


def test_a_clerk_reading_a_persons_other_count_does_not_see_the_sealed_one(
    world: SignedWorld, tmp_path: Path
) -> None:
    """The record beside an open count leaves out the person's sealed counts for a clerk."""
    from desktop.review.detail import count_detail_for

    conn = open_db(world.db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    records = authenticate(conn, "records", DEMO_PASSWORD)
    open_id = world.mixed_open
    assert not access.is_sealed(conn, open_id)
    detail = count_detail_for(conn, clerk, open_id)
    shown = {r["count_id"] for r in detail["record"]}
    assert open_id in shown and not shown & access.sealed_ids(conn)
    full = count_detail_for(conn, records, open_id)
    sealed_beside = {r["count_id"] for r in full["record"]} & access.sealed_ids(conn)
    assert sealed_beside
    user, targets, payload = conn.execute(
        "SELECT user, targets, payload FROM audit_log WHERE action = 'sealed.read'"
        " ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert user == "records" and set(json.loads(targets)) == sealed_beside


def test_an_inactive_user_reads_nothing(world: SignedWorld, cli, capsys) -> None:
    conn = open_db(world.db).conn
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    from desktop.review.users import deactivate_user

    deactivate_user(conn, admin, "clerk2")
    capsys.readouterr()
    assert cli("queue", "list", "--as", "clerk2") == 4
    assert capsys.readouterr().out == ""


def test_records_officer_role_only_by_an_admin(world: SignedWorld, cli, monkeypatch, capsys):
    monkeypatch.setenv("RELIEFDESK_NEW_PASSWORD", "officer-pass-1")
    assert cli("users", "add", "ro2", "--role", "records_officer", "--as", "clerk") == 4
    assert "admin" in capsys.readouterr().err
    assert cli("users", "add", "ro2", "--role", "records_officer", "--as", "admin") == 0
    conn = open_db(world.db).conn
    ro = authenticate(conn, "ro2", "officer-pass-1")
    assert ro.role == "records_officer" and access.may_see_sealed(ro)
    # A records officer reads, but decides nothing.
    from desktop.errors import RefusedError
    from desktop.review import decisions

    with pytest.raises(RefusedError):
        decisions.approve(conn, ro, [world.pending])


def test_exceptions_need_no_sign_in(tmp_path: Path, capsys) -> None:
    """generate, policies, --help, orders verify of a file and the first admin need no one."""
    dbp = tmp_path / "fresh.sqlite3"
    assert (
        main(["generate", "--county", "Kern", "--rows", "50", "--out", str(tmp_path / "g.csv")])
        == 0
    )
    assert main(["policies"]) == 0
    with pytest.raises(SystemExit) as exc:
        main(["queue", "list", "--help"])
    assert exc.value.code == 0
    # No users yet: listing them shows nobody and says how to add the admin.
    capsys.readouterr()
    assert main(["--db", str(dbp), "users", "list"]) == 0
    assert "no users yet" in capsys.readouterr().out
