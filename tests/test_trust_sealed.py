"""Issue 12 §1-2: what the judge signs is what the judge accepted.

A database edited behind the program's back (an SQLite tool on the file) is caught by
`orders render` (refused, naming the first difference, nothing signed) AND by `audit verify`
(exit 1 naming the table and row). Each signed order carries the audit head in its signed metadata;
order numbers carry the court prefix and the installation id; rendering never replaces a file."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from helpers.cli import reliefdesk
from trustworld import KEY_PASS, World, build_world, copy_world

from desktop.demo import DEMO_PASSWORD
from desktop.orders.sign import audit_head_of
from desktop.orders.verify import verify_bytes, verify_file
from desktop.review.manifest import check_signature


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("trustworld"))


@pytest.fixture
def world(base: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    monkeypatch.delenv("RELIEFDESK_DB", raising=False)
    return copy_world(base, tmp_path / "w")


def cli(world: World, *args: str) -> int:
    return reliefdesk(world.db, *args)


def render(world: World, out: Path, batch: int | None = None) -> int:
    return cli(
        world,
        "orders",
        "render",
        "--batch",
        str(batch or world.batch),
        "--out",
        str(out),
        "--sign",
        str(world.key),
        "--as",
        "judge",
        "--workers",
        "1",
    )


def raw(world: World) -> sqlite3.Connection:
    """The attacker's view: the file opened in a plain SQLite tool."""
    return sqlite3.connect(world.db, isolation_level=None)


def test_an_untouched_batch_verifies_renders_and_carries_the_audit_head(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(world, "audit", "verify", "--as", "judge") == 0
    assert "match it" in capsys.readouterr().out
    out = tmp_path / "orders"
    assert render(world, out) == 0
    conn = raw(world)
    rows = conn.execute("SELECT order_no, file_path, audit_head FROM orders").fetchall()
    assert rows
    inst = conn.execute("SELECT value FROM settings WHERE key = 'installation_id'").fetchone()[0]
    for order_no, file_path, head in rows:
        assert order_no.startswith(f"P64-{inst}-")
        data = Path(file_path).read_bytes()
        assert verify_bytes(data, file_path).ok
        assert audit_head_of(data) == head
        seq, h = head.split(":")
        assert (
            conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (int(seq),)).fetchone()[0] == h
        )
    # The head is covered by the signature: changing it breaks the order.
    data = Path(rows[0][1]).read_bytes()
    h = rows[0][2].split(":")[1]
    forged = data.replace(h.encode(), ("0" * len(h)).encode())
    assert forged != data and not verify_bytes(forged, "forged").ok
    # After signing, the whole database still agrees with the log.
    assert cli(world, "audit", "verify", "--as", "judge") == 0


def test_the_acceptance_is_sealed_and_signed(world: World) -> None:
    conn = raw(world)
    payload = json.loads(
        conn.execute("SELECT payload FROM audit_log WHERE action = 'batch.accept'").fetchone()[0]
    )
    manifest, sha, sig, cert, cert_sha = conn.execute(
        "SELECT manifest, sha256, signature, certificate, cert_sha256 FROM batch_manifests"
        " WHERE batch_id = ?",
        (world.batch,),
    ).fetchone()
    assert payload["manifest_sha256"] == sha == hashlib.sha256(manifest.encode()).hexdigest()
    assert payload["manifest_cert_sha256"] == cert_sha and sig
    assert check_signature(manifest.encode(), sig, cert) == ""
    assert check_signature(manifest.encode().replace(b'"judge"', b'"jud9e"'), sig, cert)
    m = json.loads(manifest)
    assert [c[0] for c in m["counts"]] == sorted(world.counts)
    assert (
        m["judge"] == "judge" and m["sample"] and m["accepted_at"] and m["batch_id"] == world.batch
    )
    # The manifest and the seals are append-only for ordinary code.
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE batch_manifests SET manifest = '{}'")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("DELETE FROM row_seals")


def _insert_batch_item(world: World, conn: sqlite3.Connection) -> tuple[str, str]:
    cid = world.denied[0]
    conn.execute(
        "UPDATE review_items SET status = 'approved', decided_by = 'clerk' WHERE count_id = ?",
        (cid,),
    )
    conn.execute(
        "INSERT INTO batch_items (batch_id, count_id, relief, rule_path) VALUES (?, ?,"
        " 'dismiss_and_seal', 'forged')",
        (world.batch, cid),
    )
    return "batch_items", f"{world.batch}:{cid}"


def _rewrite_determination(world: World, conn: sqlite3.Connection) -> tuple[str, str]:
    cid = world.counts[0]
    det = conn.execute(
        "SELECT determination_id FROM review_items WHERE count_id = ?", (cid,)
    ).fetchone()[0]
    conn.execute(
        "UPDATE determinations SET relief = 'resentence', resentence_target = 'dismissed'"
        " WHERE id = ?",
        (det,),
    )
    return "determinations", str(det)


def _rewrite_decision(world: World, conn: sqlite3.Connection) -> tuple[str, str]:
    cid = world.counts[1]
    conn.execute(
        "UPDATE review_items SET status = 'changed', decided_relief = 'resentence',"
        " decided_target = 'dismissed', decided_by = 'clerk' WHERE count_id = ?",
        (cid,),
    )
    return "review_items", str(cid)


def _change_batch_relief(world: World, conn: sqlite3.Connection) -> tuple[str, str]:
    cid = world.counts[2]
    conn.execute(
        "UPDATE batch_items SET relief = 'resentence', resentence_target = 'dismissed'"
        " WHERE batch_id = ? AND count_id = ?",
        (world.batch, cid),
    )
    return "batch_items", f"{world.batch}:{cid}"


def _remove_batch_item(world: World, conn: sqlite3.Connection) -> tuple[str, str]:
    cid = world.counts[-1]
    conn.execute("DELETE FROM batch_items WHERE batch_id = ? AND count_id = ?", (world.batch, cid))
    return "batch_items", f"{world.batch}:{cid}"


def _flip_batch_to_accepted(world: World, conn: sqlite3.Connection) -> tuple[str, str]:
    # A second batch is submitted through the program, then marked accepted by hand: no sample was
    # drawn, no judge accepted it.
    assert cli(world, "batch", "submit", "--as", "clerk") == 0
    batch = conn.execute("SELECT MAX(id) FROM batches").fetchone()[0]
    conn.execute(
        "UPDATE batches SET status = 'accepted', accepted_by = 'judge', accepted_at ="
        " submitted_at WHERE id = ?",
        (batch,),
    )
    world.batch = batch
    return "batches", str(batch)


EDITS = {
    "insert a batch item": _insert_batch_item,
    "rewrite a determination": _rewrite_determination,
    "rewrite a decision": _rewrite_decision,
    "change a batch item's relief": _change_batch_relief,
    "remove a batch item": _remove_batch_item,
    "flip a batch to accepted": _flip_batch_to_accepted,
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_behind_the_programs_back_is_caught_by_render_and_by_audit_verify(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: str
) -> None:
    conn = raw(world)
    table, row = EDITS[edit](world, conn)
    capsys.readouterr()
    # audit verify: exit 1, naming the table and the row.
    assert cli(world, "audit", "verify", "--as", "judge") == 1
    said = capsys.readouterr().out
    assert f"{table} row {row} " in said and "outside ReliefDesk" in said, said
    assert cli(world, "audit", "verify", "--json", "--as", "judge") == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"] and report["state_table"] == table and report["state_row"] == row
    # render: refused (exit 4), naming the difference; nothing signed, no file written.
    out = tmp_path / "orders"
    assert render(world, out) == 4
    err = capsys.readouterr().err
    assert "cannot be signed" in err and "Nothing was signed" in err, err
    assert not out.exists() or not list(out.glob("*.pdf"))
    assert conn.execute("SELECT COUNT(*) FROM orders WHERE status != 'prepared'").fetchone()[0] == 0


def test_render_names_the_count_added_to_an_accepted_batch(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = raw(world)
    _, row = _insert_batch_item(world, conn)
    capsys.readouterr()
    assert render(world, tmp_path / "o") == 4
    assert (
        f"count {row.split(':')[1]} is in the batch in the database but not in the judge's "
        "sealed acceptance" in capsys.readouterr().err
    )


def test_render_refuses_a_flipped_batch_for_want_of_an_acceptance(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _flip_batch_to_accepted(world, raw(world))
    capsys.readouterr()
    assert render(world, tmp_path / "o") == 4
    assert "no judge's acceptance" in capsys.readouterr().err


def test_rewriting_seals_or_the_manifest_is_caught(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An attacker who also drops the triggers and reseals the edited row still breaks the
    entry's recorded seal digest; an edited manifest no longer matches the acceptance entry."""
    from desktop.audit.seals import SEALED, row_digest

    conn = raw(world)
    _, row = _change_batch_relief(world, conn)
    conn.execute("DROP TRIGGER row_seals_no_update")
    keys, cols = SEALED["batch_items"]
    values = conn.execute(
        f"SELECT {', '.join(cols)} FROM batch_items WHERE batch_id = ? AND count_id = ?",
        row.split(":"),
    ).fetchone()
    conn.execute(
        "UPDATE row_seals SET digest = ? WHERE tbl = 'batch_items' AND row_key = ?",
        (row_digest("batch_items", values), row),
    )
    capsys.readouterr()
    assert cli(world, "audit", "verify", "--as", "judge") == 1
    assert "row seals of audit entry" in capsys.readouterr().out
    # The manifest: rewritten to match the edited relief.
    conn.execute("DROP TRIGGER batch_manifests_no_update")
    manifest = json.loads(conn.execute("SELECT manifest FROM batch_manifests").fetchone()[0])
    cid = int(row.split(":")[1])
    manifest["counts"] = [
        [c, "resentence", "dismissed"] if c == cid else [c, r, t] for c, r, t in manifest["counts"]
    ]
    conn.execute(
        "UPDATE batch_manifests SET manifest = ?",
        (json.dumps(manifest, sort_keys=True, separators=(",", ":")),),
    )
    assert render(world, tmp_path / "o") == 4
    assert "differs from the one audit entry" in capsys.readouterr().err


def test_an_unsigned_acceptance_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    w = build_world(tmp_path / "u", n=2, sign_acceptance=False)
    assert sqlite3.connect(w.db).execute("SELECT signature FROM batch_manifests").fetchone() == (
        None,
    )
    assert render(w, tmp_path / "o") == 0


def test_rendering_never_replaces_an_existing_file(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "orders"
    out.mkdir()
    inst = (
        raw(world).execute("SELECT value FROM settings WHERE key = 'installation_id'").fetchone()[0]
    )
    from desktop.clock import court_today

    squatter = out / f"P64-{inst}-36-{court_today().year}-000001.pdf"
    squatter.write_bytes(b"another court's signed order")
    capsys.readouterr()
    assert render(world, out) == 0
    assert squatter.read_bytes() == b"another court's signed order"
    path = (
        raw(world)
        .execute("SELECT file_path FROM orders WHERE order_no = ?", (squatter.stem,))
        .fetchone()[0]
    )
    assert path == str(out / f"{squatter.stem}-2.pdf") and verify_file(Path(path)).ok
    # The register records the real path, and verify with the database ties the file to it.
    assert cli(world, "orders", "verify", path) == 0
    # A rerun finds its files complete and writes nothing.
    before = sorted(p.name for p in out.iterdir())
    assert render(world, out) == 0
    assert sorted(p.name for p in out.iterdir()) == before


@pytest.mark.slow  # two batches rendered and signed
def test_two_databases_rendering_into_one_folder_never_collide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    a = build_world(tmp_path / "a", n=3)
    b = build_world(tmp_path / "b", n=3)
    out = tmp_path / "one-folder"  # both databases render here
    assert render(a, out) == 0 and render(b, out) == 0
    files = {}
    for w in (a, b):
        for no, path, sha in sqlite3.connect(w.db).execute(
            "SELECT order_no, file_path, sha256 FROM orders"
        ):
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
            files[path] = no
    assert len(files) == len(list(out.glob("*.pdf")))


def test_installation_id_and_prefix_are_shown_and_used(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli(world, "review", "settings", "--json", "--as", "judge") == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["installation_id"]) == 8 and shown["order_prefix"] == "P64"
    assert (
        cli(world, "review", "settings", "--set", "installation_id=00000000", "--as", "admin") == 4
    )
    assert cli(world, "review", "settings", "--set", "order_prefix=SBSC", "--as", "clerk") == 4
    assert cli(world, "review", "settings", "--set", "order_prefix=SBSC", "--as", "admin") == 0
    assert render(world, tmp_path / "o") == 0
    numbers = [r[0] for r in raw(world).execute("SELECT order_no FROM orders")]
    assert numbers and all(n.startswith(f"SBSC-{shown['installation_id']}-") for n in numbers)


def test_the_window_shows_the_installation(world: World, qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from desktop.review.users import authenticate
    from desktop.store import open_db
    from desktop.ui.main_window import MainWindow

    conn = open_db(world.db).conn
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.IniFormat)
    window = MainWindow(conn, world.db, authenticate(conn, "admin", DEMO_PASSWORD), settings)
    qtbot.addWidget(window)
    inst = conn.execute("SELECT value FROM settings WHERE key = 'installation_id'").fetchone()[0]
    text = window.installation_text()
    assert inst in text and f"P64-{inst}-" in text
    assert any("installation" in a.text() for a in window.menuBar().actions()[-1].menu().actions())


def test_an_order_reveals_a_rewritten_history(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone rewrites the log before the order's signing (recomputing every hash, so the chain
    itself verifies): the audit head inside the signed order no longer matches."""
    from desktop.audit.log import entry_hash

    out = tmp_path / "orders"
    assert render(world, out) == 0
    order = sorted(out.glob("*.pdf"))[0]
    assert cli(world, "orders", "verify", str(order)) == 0
    conn = raw(world)
    conn.execute("DROP TRIGGER audit_log_no_update")
    rows = conn.execute(
        "SELECT seq, at, user, action, targets, payload, prev_hash FROM audit_log ORDER BY seq"
    ).fetchall()
    prev = None
    for seq, at, user, action, targets, payload, prev_hash in rows:
        if seq == 1:
            user = "mallory"
        prev_hash = prev if prev is not None else prev_hash
        h = entry_hash(seq, at, user, action, targets, payload, prev_hash)
        conn.execute(
            "UPDATE audit_log SET user = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (user, prev_hash, h, seq),
        )
        prev = h
    conn.execute(
        "UPDATE settings SET value = ? WHERE key = 'audit_head'",
        (json.dumps({"hash": prev, "seq": rows[-1][0]}, sort_keys=True, separators=(",", ":")),),
    )
    capsys.readouterr()
    assert cli(world, "orders", "verify", str(order)) == 1
    assert "history before the order was rewritten" in capsys.readouterr().out
