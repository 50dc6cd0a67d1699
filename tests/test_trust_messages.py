"""Issue 12 §5: honest messages and a clean terminal.

- A read-only folder or disk, an immutable file, a full disk: said as such (never "damaged ...
  restore a backup"), no Python traceback, nothing changed; the read-only database can still be read.
- Record data printed by the CLI never writes control characters to the terminal.
- `orders verify` without the database: an intact signature from a certificate nothing ties to the
  court is NOT VERIFIED (exit 3) unless `--trust CERT` names it.
- A court-CSV mapping mapping two fields to one column, or one field twice, is refused naming them.

The read-only and disk-full cases use what really exercises the code path: an immutable file
(chattr +i), a read-only tmpfs mount, a tiny tmpfs filled up, and SQLite's max_page_count for
SQLITE_FULL inside a transaction. Those needing root or mounts skip where not possible."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from trustworld import KEY_PASS, World, build_world, copy_world

from desktop.cli.main import main
from desktop.demo import DEMO_PASSWORD
from desktop.errors import UserError
from desktop.review import decisions
from desktop.review.users import authenticate
from desktop.store import open_db

ROOT = Path(__file__).resolve().parent.parent
CONTROL = "\x1b[2J\x1b]0;owned\x07\u202eevil\x08\x00"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("msgworld"), n=3)


@pytest.fixture
def world(base: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    monkeypatch.delenv("RELIEFDESK_DB", raising=False)
    return copy_world(base, tmp_path / "w")


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real program in its own process, as a clerk would run it."""
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        RELIEFDESK_PASSWORD=DEMO_PASSWORD,
        RELIEFDESK_KEY_PASSPHRASE=KEY_PASS,
    )
    env.pop("RELIEFDESK_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def honest(p: subprocess.CompletedProcess[str], *words: str) -> str:
    err = p.stderr
    assert "Traceback" not in err and "unexpected error" not in err, err
    assert "damaged" not in err.replace("Nothing is damaged", "").replace(
        "nothing is damaged", ""
    ), err
    assert "restore" not in err.lower(), err
    for w in words:
        assert w in err, err
    return err


def pending_count(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON"
            " d.id = r.determination_id WHERE r.status = 'pending' AND d.relief = 'dismiss_and_seal'"
            " LIMIT 1"
        ).fetchone()[0]


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("cannot mark files immutable here (needs root and an ext4/xfs/btrfs folder)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root in a namespace that allows mounts)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_an_immutable_database_is_read_only_not_damaged(world: World) -> None:
    cid = pending_count(world.db)
    for suffix in ("-wal", "-shm"):
        Path(f"{world.db}{suffix}").unlink(missing_ok=True)
    with immutable(world.db):
        p = run(world.db, "review", "approve", str(cid), "--as", "clerk")
        assert p.returncode == 6
        honest(p, "read-only", "Nothing is damaged")
        listed = run(world.db, "queue", "list", "--limit", "3", "--as", "judge")
        assert listed.returncode == 0 and listed.stdout.strip()
    assert (
        sqlite3.connect(world.db)
        .execute("SELECT status FROM review_items WHERE count_id = ?", (cid,))
        .fetchone()[0]
        == "pending"
    )


def test_a_read_only_disk_is_reported_as_read_only_and_can_still_be_read(
    world: World, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "ro", "64m") as mnt:
        cid = pending_count(world.db)
        shutil.copy(world.db, mnt / "db.sqlite3")
        db = mnt / "db.sqlite3"
        r = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True, text=True)
        if r.returncode:
            pytest.skip(f"cannot remount read-only here: {r.stderr.strip()}")
        p = run(db, "review", "approve", str(cid), "--as", "clerk")
        assert p.returncode == 6
        honest(p, "read-only", "writable folder")
        p = run(db, "queue", "list", "--limit", "2", "--as", "judge")
        assert p.returncode == 0 and len(p.stdout.splitlines()) == 2
        p = run(db, "audit", "verify", "--as", "judge")
        assert p.returncode == 0, p.stderr
        p = run(db, "audit", "export", "--out", str(mnt / "audit.csv"), "--as", "judge")
        assert p.returncode == 6
        honest(p, "read-only")
        p = run(db, "audit", "export", "--out", str(tmp_path / "elsewhere.csv"), "--as", "judge")
        assert p.returncode == 0, p.stderr


def test_a_full_disk_is_reported_as_full(world: World, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "full", "24m") as mnt:
        shutil.copy(world.db, mnt / "db.sqlite3")
        db = mnt / "db.sqlite3"
        cid = pending_count(db)
        assert run(db, "queue", "list", "--limit", "1", "--as", "judge").returncode == 0
        with (mnt / "filler").open("wb") as fh, contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * 65536)
        p = run(db, "review", "approve", str(cid), "--as", "clerk")
        assert p.returncode == 6
        honest(p, "is full", "nothing is damaged")
        # An export onto the full disk: the same message, and no half file left behind.
        p = run(world.db, "audit", "export", "--out", str(mnt / "a.csv"), "--as", "judge")
        assert p.returncode == 6
        honest(p, "is full")
        assert not [x for x in mnt.iterdir() if x.name.startswith(".")]
        (mnt / "filler").unlink()
        assert run(db, "review", "approve", str(cid), "--as", "clerk").returncode == 0
        assert run(db, "audit", "verify", "--as", "judge").returncode == 0


def test_sqlite_full_inside_a_transaction_is_a_message_and_nothing_is_saved(world: World) -> None:
    conn = open_db(world.db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    cid = pending_count(world.db)
    entries = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the "disk" holds not one more page
    big = [
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            " WHERE r.status = 'pending' AND d.relief != 'needs_review'"
        )
    ]
    with pytest.raises(UserError) as caught:
        for _ in range(50):  # each step adds log rows; the file must grow within a few
            decisions.defer(conn, clerk, big, "x" * 2000)
            decisions.undo(conn, clerk)
    assert caught.value.exit_code == 6 and "is full" in str(caught.value)
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert conn.execute("SELECT status FROM review_items WHERE count_id = ?", (cid,)).fetchone()[
        0
    ] in ("pending", "deferred")
    assert conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] >= entries
    from desktop.audit.log import verify
    from desktop.audit.seals import verify_state

    assert verify(conn).ok and verify_state(conn) is None


def test_an_immutable_output_file_or_folder_is_a_message(world: World, tmp_path: Path) -> None:
    out = tmp_path / "locked.csv"
    out.write_text("kept\n")
    with immutable(out):
        p = run(world.db, "determinations", "--out", str(out), "--force", "--as", "judge")
        # Replacing goes through desktop.files.replace_file, which retries a file another program
        # holds and then says so (exit 5) - its message covers a file one may not change too.
        assert p.returncode in (5, 6)
        assert "not allowed" in p.stderr or "may not change it" in p.stderr, p.stderr
        assert "Traceback" not in p.stderr
        assert out.read_text() == "kept\n"
    folder = tmp_path / "frozen"
    folder.mkdir()
    with immutable(folder):
        p = run(world.db, "audit", "export", "--out", str(folder / "a.csv"), "--as", "judge")
        assert p.returncode == 6
        honest(p, "not allowed")
    # An existing output: one line, no traceback.
    p = run(world.db, "determinations", "--out", str(out), "--as", "judge")
    assert p.returncode == 2 and "already exists" in p.stderr and "Traceback" not in p.stderr


def test_record_data_never_writes_control_characters_to_the_terminal(world: World) -> None:
    conn = sqlite3.connect(world.db)
    cid = world.counts[0]
    sid = conn.execute("SELECT subject_id FROM counts WHERE id = ?", (cid,)).fetchone()[0]
    conn.execute("UPDATE subjects SET name = ? WHERE id = ?", (f"DOE,{CONTROL}JANE", sid))
    conn.execute(
        "UPDATE cases SET case_number = ? WHERE id = (SELECT case_id FROM counts WHERE id = ?)",
        (f"F{CONTROL}1", cid),
    )
    conn.execute(
        "INSERT INTO rejected_rows (import_id, line, column_name, reason, raw) VALUES"
        " (1, 99, 'PRI_NAME', ?, ?)",
        (f"bad {CONTROL}", f"raw,{CONTROL},row"),
    )
    conn.commit()
    outputs = {
        "queue list": run(world.db, "queue", "list", "--as", "judge"),
        "review show": run(world.db, "review", "show", str(cid), "--as", "judge"),
        "explain": run(world.db, "explain", str(cid), "--as", "judge"),
        "rejected": run(world.db, "rejected", "--as", "judge"),
        "batch sample": run(world.db, "batch", "sample", str(world.batch), "--as", "judge"),
    }
    for name, p in outputs.items():
        assert p.returncode == 0, (name, p.stderr)
        text = p.stdout + p.stderr
        bad = sorted(
            {
                c
                for c in text
                if (ord(c) < 32 and c not in "\n") or 0x7F <= ord(c) < 0xA0 or c == "\u202e"
            }
        )
        assert not bad, (name, bad)
        assert "\\x1b" in p.stdout, name  # shown visibly, not dropped


def _cert_pem(world: World, tmp_path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization

    from desktop.keys import load_key

    _, cert = load_key(world.key, KEY_PASS)
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "court.cert.pem"
    out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return out


@pytest.mark.slow  # a batch rendered and signed, then verified
def test_orders_verify_without_the_database_needs_the_courts_certificate(
    world: World, tmp_path: Path
) -> None:
    out = tmp_path / "orders"
    assert (
        main(
            [
                "--db",
                str(world.db),
                "orders",
                "render",
                "--batch",
                str(world.batch),
                "--out",
                str(out),
                "--sign",
                str(world.key),
                "--as",
                "judge",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    order = sorted(out.glob("*.pdf"))[0]
    nodb = tmp_path / "no-database-here.sqlite3"
    p = run(nodb, "orders", "verify", str(order))
    assert p.returncode == 3 and "NOT VERIFIED" in p.stdout and not nodb.exists()
    p = run(nodb, "orders", "verify", str(order), "--json")
    assert p.returncode == 3 and json.loads(p.stdout)["ok"] is False
    cert = _cert_pem(world, tmp_path)
    p = run(nodb, "orders", "verify", str(order), "--trust", str(cert))
    assert p.returncode == 0 and p.stdout.startswith("OK"), p.stdout
    other = tmp_path / "other.p12"
    from desktop.keys import create_demo_key

    create_demo_key("Hon. Someone Else", "Judge", other, KEY_PASS)
    other_cert = _cert_pem(World(world.db, other, 0, [], [], []), tmp_path / "o")
    p = run(nodb, "orders", "verify", str(order), "--trust", str(other_cert))
    assert p.returncode == 3
    # A changed file is a failure (1), whatever is trusted; with the database the register decides.
    bad = tmp_path / "bad.pdf"
    data = bytearray(order.read_bytes())
    data[len(data) // 3] ^= 0x01
    bad.write_bytes(bytes(data))
    assert run(nodb, "orders", "verify", str(bad), "--trust", str(cert)).returncode == 1
    assert run(world.db, "orders", "verify", str(order)).returncode == 0
    # keys create writes the public certificate beside the key, for --trust.
    p = run(
        nodb,
        "keys",
        "create",
        "--name",
        "Hon. New",
        "--title",
        "Judge",
        "--out",
        str(tmp_path / "new.p12"),
    )
    assert p.returncode == 0 and (tmp_path / "new.cert.pem").exists(), p.stderr


def _court_csv(tmp_path: Path, mapping: str) -> tuple[Path, Path]:
    data = tmp_path / "cms.csv"
    data.write_text(
        "Case No,Defendant,DOB,County,Count,Statute,Level,Disposition,Date,Sentence\n"
        'F1,"DOE, JANE",1980-01-01,YOLO,1,11357(b) HS,M,CONVICTED,2010-01-01,FINE\n',
        encoding="utf-8",
    )
    m = tmp_path / "map.json"
    m.write_text(mapping, encoding="utf-8")
    return data, m


@pytest.mark.parametrize(
    "mapping, named",
    [
        (
            '{"columns": {"case_number": "Case No", "defendant_name": "Case No"}}',
            ["case_number", "defendant_name", "case no"],
        ),
        ('{"columns": {"dob": "DOB", "conviction_date": "dob"}}', ["dob", "conviction_date"]),
        ('{"columns": {"dob": "county"}}', ["dob", "county"]),
        ('{"columns": {"dob": "DOB", "dob": "Date"}}', ['"dob" twice']),
        ('{"columns": {"dob": "DOB"}, "columns": {"dob": "DOB"}}', ['"columns" twice']),
    ],
)
def test_a_mapping_with_two_fields_on_one_column_or_one_field_twice_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mapping: str, named: list[str]
) -> None:
    data, m = _court_csv(tmp_path, mapping)
    db = tmp_path / "db.sqlite3"
    assert (
        main(["--db", str(db), "import", str(data), "--format", "court-csv", "--mapping", str(m)])
        == 2
    )
    err = capsys.readouterr().err
    for word in named:
        assert word in err, err
    assert "Traceback" not in err
