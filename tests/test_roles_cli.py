"""Role enforcement at the core, tried from the command line: every forbidden action exits 4 with
a one-line reason and leaves the database byte-for-byte unchanged (table contents compared)."""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from helpers.cli import CliResult, run_cli
from helpers.world import copy_db, fingerprint

from desktop.cli.main import build_parser

PASSWORD = "pw-Roles-2020"
COUNTY = "ALAMEDA"


def commands() -> set[str]:
    for a in build_parser()._actions:
        if isinstance(a, argparse._SubParsersAction):
            return set(a.choices)
    return set()


def cli(db: Path, *args: str, password: str = PASSWORD) -> CliResult:
    return run_cli(db, *args, password=password, new_password=PASSWORD, key_passphrase=PASSWORD)


def ok(db: Path, *args: str) -> str:
    code, out, err = cli(db, *args)
    assert code in (0, 3), f"{args}: exit {code}: {err}"
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    work = tmp_path_factory.mktemp("roles")
    db = work / "template.sqlite3"
    data = work / "gen.csv"
    ok(db, "generate", "--county", COUNTY, "--rows", "3000", "--seed", "5", "--out", str(data))
    ok(db, "import", "--format", "doj", str(data))
    ok(db, "evaluate", "--county", COUNTY, "--as-of", "2020-07-01")
    ok(db, "users", "add", "admin1", "--role", "admin")
    ok(db, "users", "add", "clerk1", "--role", "clerk", "--as", "admin1")
    ok(db, "users", "add", "judge1", "--role", "judge", "--as", "admin1")
    items = [
        json.loads(line)
        for line in ok(db, "queue", "list", "--json", "--as", "clerk1").splitlines()
    ]
    grantable = [
        i["count_id"]
        for i in items
        if i["relief"] in ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")
    ]
    assert len(grantable) >= 6
    ok(db, "review", "approve", *map(str, grantable[:4]), "--as", "clerk1")
    batch = json.loads(ok(db, "batch", "submit", "--as", "clerk1", "--json"))["batch_id"]
    info = {"batch": batch, "pending": grantable[4:6], "approved": grantable[:4]}
    return db, info


@pytest.fixture()
def db(template: tuple[Path, dict], tmp_path: Path) -> Path:
    return copy_db(template[0], tmp_path / "db.sqlite3")


def refused(db: Path, *args: str, password: str = PASSWORD) -> str:
    before = fingerprint(db)
    code, _, err = cli(db, *args, password=password)
    assert code == 4, f"{args}: expected exit 4 (refused), got {code}: {err}"
    assert err.strip() and len(err.strip().splitlines()) == 1, err
    assert fingerprint(db) == before, f"{args} changed the database although refused"
    return err


def test_clerk_cannot_accept_a_batch(db: Path, template: tuple[Path, dict]) -> None:
    err = refused(db, "batch", "accept", str(template[1]["batch"]), "--as", "clerk1")
    assert "judge" in err


def test_clerk_cannot_sample_or_send_back(db: Path, template: tuple[Path, dict]) -> None:
    b = str(template[1]["batch"])
    refused(db, "batch", "sample", b, "--as", "clerk1")
    refused(
        db,
        "batch",
        "send-back",
        b,
        str(template[1]["approved"][0]),
        "--note",
        "x",
        "--as",
        "clerk1",
    )


def test_clerk_cannot_add_users(db: Path) -> None:
    refused(db, "users", "add", "mallory", "--role", "admin", "--as", "clerk1")
    refused(db, "users", "add", "mallory", "--role", "clerk", "--as", "judge1")


def test_first_user_rule_only_on_an_empty_database(db: Path) -> None:
    refused(db, "users", "add", "mallory", "--role", "admin")


def test_judge_cannot_decide(db: Path, template: tuple[Path, dict]) -> None:
    cid = str(template[1]["pending"][0])
    refused(db, "review", "approve", cid, "--as", "judge1")
    refused(db, "review", "reject", cid, "--reason", "other", "--as", "judge1")
    refused(db, "review", "defer", cid, "--as", "judge1")


def test_admin_cannot_decide(db: Path, template: tuple[Path, dict]) -> None:
    cid = str(template[1]["pending"][0])
    refused(db, "review", "approve", cid, "--as", "admin1")
    refused(
        db,
        "review",
        "change",
        cid,
        "--relief",
        "not_eligible",
        "--reason",
        "other",
        "--as",
        "admin1",
    )
    refused(db, "batch", "accept", str(template[1]["batch"]), "--as", "admin1")


def test_wrong_password_and_unknown_user(db: Path, template: tuple[Path, dict]) -> None:
    cid = str(template[1]["pending"][0])
    e1 = refused(db, "review", "approve", cid, "--as", "clerk1", password="wrong")
    e2 = refused(db, "review", "approve", cid, "--as", "nobody")
    assert e1 == e2  # the same message: a name cannot be probed


def test_judge_cannot_accept_before_opening_the_sample(
    db: Path, template: tuple[Path, dict]
) -> None:
    b = str(template[1]["batch"])
    ok(db, "batch", "sample", b, "--as", "judge1")
    refused(db, "batch", "accept", b, "--as", "judge1")


def test_clerk_cannot_render_orders(db: Path, template: tuple[Path, dict], tmp_path: Path) -> None:
    key = tmp_path / "k.p12"
    ok(db, "keys", "create", "--name", "Hon. Test", "--title", "Judge", "--out", str(key))
    refused(
        db,
        "orders",
        "render",
        "--batch",
        str(template[1]["batch"]),
        "--out",
        str(tmp_path / "out"),
        "--sign",
        str(key),
        "--as",
        "clerk1",
    )
    assert not any((tmp_path / "out").glob("*.pdf"))


def test_only_an_admin_restores(db: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.sqlite3"
    ok(db, "backup", "--out", str(backup), "--as", "clerk1")
    refused(db, "restore", str(backup), "--as", "clerk1")
    refused(db, "restore", str(backup), "--as", "admin1", password="wrong")
    ok(db, "restore", str(backup), "--as", "admin1")
    conn = sqlite3.connect(db)
    last = conn.execute("SELECT user, action FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert last == ("admin1", "backup.restore")
    conn.close()
    shutil.rmtree(tmp_path / "backups", ignore_errors=True)


def test_only_an_admin_sets_backup_keep(db: Path) -> None:
    refused(db, "backup", "--keep", "3", "--as", "clerk1")
    refused(db, "backup", "--keep", "3")
    ok(db, "backup", "--keep", "3", "--as", "admin1")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM settings WHERE key = 'backup_keep'").fetchone() == ("3",)
    conn.close()
