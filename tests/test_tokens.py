"""Signing on a judge's smart card (issue 16): the card's PKCS#11 module is a setting (admin or
judge, checked, audited), certificates on the card are listed without the PIN, the PIN is given per
signing and never stored or logged, and orders and the sealed acceptance are signed on the card,
from the CLI as from the window.

The parts that need no card run everywhere; the ones that sign run on a SoftHSM2 software token
and skip, saying so, where SoftHSM2 is not installed (CI)."""

from __future__ import annotations

import base64
import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.errors import UserError
from desktop.review import batches, decisions
from desktop.review.manifest import check_signature
from desktop.review.settings import MODULE_KEY, module_setting, set_module
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.tokens import TokenError, TokenKey, check_module, list_certificates
from tests.softhsm import PIN, SoftCard, make_card, requires_softhsm


# --- everywhere: the module setting and the listing's errors (exit 2: the input; 4: the card) --------------------------------------
def test_check_module_says_what_is_wrong_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match="no smart-card module is set.*court IT"):
        check_module("  ")
    with pytest.raises(TokenError, match="does not exist"):
        check_module(str(tmp_path / "missing-pkcs11.dll"))
    with pytest.raises(TokenError, match="is a folder"):
        check_module(str(tmp_path))
    not_a_module = tmp_path / "readme.txt"
    not_a_module.write_text("not a library")
    with pytest.raises(TokenError, match="cannot be used as a smart-card .PKCS#11. module"):
        check_module(str(not_a_module))
    with pytest.raises(TokenError, match="no smart-card module is set"):
        list_certificates("")
    assert issubclass(TokenError, UserError)  # the CLI refuses in one line, the window in words


@pytest.fixture(scope="module")
def accepted_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A demo database with one submitted, sampled batch (the judge opened the sample)."""
    d = tmp_path_factory.mktemp("cardworld")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=2500)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id ="
            " r.determination_id WHERE d.relief IN ('dismiss_and_seal', 'redesignate_misdemeanor',"
            " 'redesignate_infraction') ORDER BY r.count_id LIMIT 6"
        )
    ]
    decisions.approve(conn, clerk, ids)
    batch = batches.submit_batch(conn, clerk)
    for item in batches.sample(conn, judge, batch, seed=3):
        decisions.mark_opened(conn, judge, item.count_id)
    conn.close()
    return db_path, batch


@pytest.fixture()
def world(accepted_world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    src, batch = accepted_world
    db_path = tmp_path / "demo.sqlite3"
    shutil.copy(src, db_path)
    monkeypatch.setenv("RELIEFDESK_DB", str(db_path))
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.delenv("RELIEFDESK_TOKEN_PIN", raising=False)
    return {"db": db_path, "batch": batch, "out": tmp_path / "orders"}


def _audit_text(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return "\n".join(str(r) for r in conn.execute("SELECT * FROM audit_log"))
    finally:
        conn.close()


def test_module_setting_is_checked_role_bound_and_audited(world: dict, tmp_path: Path) -> None:
    conn = open_db(world["db"]).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    before = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    with pytest.raises(UserError, match="only an? (administrator|admin|judge)"):
        set_module(conn, clerk, str(tmp_path))
    with pytest.raises(TokenError, match="is a folder"):
        set_module(conn, judge, str(tmp_path))
    assert module_setting(conn) == ""
    assert conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == before  # no change
    assert set_module(conn, judge, "") == ""  # clearing an unset module changes nothing
    conn.close()


def test_cli_refuses_in_one_line_without_a_card(
    world: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "vendor-pkcs11.so")
    assert main(["keys", "cards", "--pkcs11-module", missing]) == 2
    err = capsys.readouterr().err.strip()
    assert "does not exist" in err and "\n" not in err and "Traceback" not in err
    assert main(["keys", "module", "--set", missing, "--as", "judge"]) == 2
    assert "does not exist" in capsys.readouterr().err
    # A key label without a card, or two ways to sign at once: refused before anything.
    args = ["orders", "sign", "--batch", str(world["batch"]), "--out", str(world["out"])]
    assert main([*args, "--key-label", "x", "--as", "judge"]) == 2
    assert "give the judge's key" in capsys.readouterr().err
    assert main([*args, "--token-label", "Judge Card", "--as", "judge"]) == 2
    assert "no smart-card module is set" in capsys.readouterr().err
    assert main(["keys", "module"]) == 0
    assert "no smart-card module is set" in capsys.readouterr().out


# --- on a software smart card (SoftHSM2) -----------------------------------------------------------
@pytest.fixture()
def card(tmp_path_factory: pytest.TempPathFactory) -> SoftCard:
    return make_card(tmp_path_factory.getbasetemp() / "softcard")


@requires_softhsm
def test_certificates_listed_without_the_pin(card: SoftCard) -> None:
    certs = list_certificates(card.module)
    assert {c.label for c in certs} == {card.cert_label, "Encryption"}
    mine = next(c for c in certs if c.label == card.cert_label)
    assert mine.name == "Hon. Ana Ruiz" and mine.cert_id == card.cert_id
    assert "Hon. Ana Ruiz" in mine.describe() and card.token in mine.describe()
    with pytest.raises(TokenError, match="no card labelled “Other card”"):
        list_certificates(card.module, "Other card")


@requires_softhsm
def test_orders_and_acceptance_signed_on_the_card_from_the_cli(
    world: dict, card: SoftCard, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    db, batch = world["db"], world["batch"]
    assert main(["keys", "module", "--set", card.module, "--as", "judge"]) == 0
    conn = open_db(db).conn
    assert module_setting(conn) == card.module
    row = conn.execute(
        "SELECT payload FROM audit_log WHERE action = 'settings.set' ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert MODULE_KEY in row[0]
    conn.close()
    assert main(["keys", "cards", "--json"]) == 0
    assert card.cert_label in capsys.readouterr().out

    accept = ["batch", "accept", str(batch), "--token-label", card.token, "--as", "judge"]
    # Wrong PIN: refused before any change, the PIN never in a message or the log.
    monkeypatch.setenv("RELIEFDESK_TOKEN_PIN", "999999")
    assert main([*accept, "--key-label", card.cert_label]) == 4
    err = capsys.readouterr().err
    assert "PIN" in err and "not correct" in err and "999999" not in err
    conn = open_db(db).conn
    assert conn.execute("SELECT status FROM batches WHERE id = ?", (batch,)).fetchone()[0] == (
        "submitted"
    )
    conn.close()
    # Two certificates on the card: the judge names one.
    monkeypatch.setenv("RELIEFDESK_TOKEN_PIN", PIN)
    assert main(accept) == 2
    assert "several certificates" in capsys.readouterr().err
    assert main([*accept, "--key-label", card.cert_label]) == 0
    assert "signed with “Court signing certificate” on the card" in capsys.readouterr().out
    conn = open_db(db).conn
    data, sig, cert = conn.execute(
        "SELECT manifest, signature, certificate FROM batch_manifests WHERE batch_id = ?",
        (batch,),
    ).fetchone()
    assert sig and check_signature(data.encode("utf-8"), sig, cert) == ""
    assert b"Hon. Ana Ruiz" in base64.b64decode(cert)
    conn.close()

    out = world["out"]
    sign = ["orders", "sign", "--batch", str(batch), "--out", str(out), "--as", "judge"]
    assert main([*sign, "--token-label", card.token, "--cert-id", card.cert_id]) == 0
    printed = [w for w in capsys.readouterr().out.split() if w.endswith(".pdf")]
    assert printed
    from desktop.orders.register import verify_order

    conn = open_db(db).conn
    rows = conn.execute("SELECT order_no, signer, status FROM orders").fetchall()
    assert rows and {r[1] for r in rows} == {"Hon. Ana Ruiz"} and {r[2] for r in rows} == {"signed"}
    mine = next(c for c in list_certificates(card.module) if c.label == card.cert_label)
    for order_no, _, _ in rows:
        assert verify_order(conn, order_no).fingerprint == mine.fingerprint
    conn.close()
    assert PIN not in _audit_text(db)


@requires_softhsm
def test_order_signer_from_the_card_signs_a_valid_pades_signature(
    world: dict, card: SoftCard
) -> None:
    from desktop.orders.batch import render_batch

    conn = open_db(world["db"]).conn
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    batches.accept_batch(conn, judge, world["batch"])
    key = TokenKey(card.module, card.token, card.cert_label, card.cert_id)
    with pytest.raises(TokenError, match="not correct"):
        render_batch(conn, world["batch"], world["out"], key, "000000", user="judge")
    assert conn.execute("SELECT COUNT(*) FROM orders WHERE status = 'signed'").fetchone()[0] == 0
    outcomes = render_batch(conn, world["batch"], world["out"], key, PIN, user="judge")
    assert outcomes and all(o.signed and not o.problem for o in outcomes)
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from desktop.keys import load_key

    _, cert = load_key(card.p12, card.passphrase)  # the same certificate as on the card
    pem = cert.public_bytes(serialization.Encoding.PEM)
    roots: list[asn1_x509.Certificate] = list(load_certs_from_pemder_data(pem))
    for o in outcomes:
        with open(o.path, "rb") as fh:
            sig = PdfFileReader(fh).embedded_signatures[0]
            status = validate_pdf_signature(sig, ValidationContext(trust_roots=roots))
        assert status.intact and status.valid and status.trusted  # the card's signature
        assert status.signing_cert.subject.native["common_name"] == "Hon. Ana Ruiz"
    conn.close()
