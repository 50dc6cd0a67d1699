"""Judge keys, PAdES signing and verification: signatures validate with pyHanko, any changed byte fails,
the process pool signs as well as a single process, and the CLI exit codes."""

from __future__ import annotations

import io
import os
import re
import stat
from datetime import date
from pathlib import Path

import pytest
from cryptography.x509.oid import NameOID
from pdfread import flat, printed_texts
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from desktop.cli.main import main
from desktop.clock import pacific
from desktop.errors import RefusedError
from desktop.keys import DEMO_ORGANIZATION, create_demo_key
from desktop.orders import demo
from desktop.orders.appearance import appearance_text
from desktop.orders.produce import Job, produce_orders
from desktop.orders.render import render_order
from desktop.orders.sign import OrderSigner
from desktop.orders.templates import load_template
from desktop.orders.verify import verify_bytes, verify_file

PASS = "correct horse battery staple"


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "judge.p12"
    create_demo_key(
        "Hon. Teodora Blackwood-Ng",
        "Judge of the Superior Court",
        path,
        PASS,
        county="San Bernardino",
    )
    return path


@pytest.fixture(scope="module")
def signer(key: Path) -> OrderSigner:
    return OrderSigner.from_file(key, PASS)


@pytest.fixture(scope="module")
def signed(signer: OrderSigner) -> bytes:
    order = demo.one_case_order(4, counts=3, judge=signer.judge)
    return signer.sign_order(render_order(order, load_template("one_case")), order)[0]


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_demo_key_is_private_marked_and_passphrase_locked(key: Path, tmp_path: Path) -> None:
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    signer = OrderSigner.from_file(key, PASS)
    assert signer.info.demo and signer.info.self_signed
    assert signer.info.name == "Hon. Teodora Blackwood-Ng"
    assert signer.info.title == "Judge of the Superior Court"
    org = signer.cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert org == DEMO_ORGANIZATION and "not for court use" in org
    with pytest.raises(RefusedError):
        OrderSigner.from_file(key, "wrong passphrase")
    with pytest.raises(RefusedError):
        create_demo_key("Hon. X", "Judge", key, PASS)  # never overwrites a key


def test_signed_order_validates_with_pyhanko_and_names_the_judge(
    signed: bytes, signer: OrderSigner
) -> None:
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[sig.signer_cert]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    result = verify_bytes(signed, "order.pdf")
    assert result.ok, result.problem
    assert result.signer == "Hon. Teodora Blackwood-Ng" and result.demo
    assert result.fingerprint == signer.info.fingerprint
    assert "self-signed DEMO certificate" in result.line()
    registered = verify_bytes(signed, "order.pdf", {signer.info.fingerprint: "Hon. T"})
    assert registered.ok and registered.in_register
    assert "matches the orders register" in registered.line()


def test_visible_signature_block_and_field_are_on_the_page(signed: bytes) -> None:
    text = flat(printed_texts(signed)[-1])
    assert "Hon. Teodora Blackwood-Ng" in text and "Judge of the Superior Court" in text
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    rect = [float(x) for x in sig.sig_field["/Rect"]]
    assert rect[2] - rect[0] > 100 and rect[3] - rect[1] > 20  # a visible field, not hidden
    # The appearance shows what a signed paper shows: signer, title and the signature's own time.
    when = sig.self_reported_timestamp
    assert when is not None
    shown = appearance_text("Hon. Teodora Blackwood-Ng", "Judge of the Superior Court", when)
    assert shown.endswith("(Pacific)") and str(pacific(when).year) in shown
    assert flat(shown) in text
    # No program instructions on the order.
    for word in ("reliefdesk", "signature panel", "orders verify", "PAdES"):
        assert word.lower() not in text.lower()
    # Every font of the signed order is embedded (the field adds no Courier appearance).
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Za-z+-]+)", signed))
    assert fonts and all(b"Liberation" in f for f in fonts), fonts


def _flip(data: bytes, pos: int) -> bytes:
    out = bytearray(data)
    out[pos] ^= 0x01
    return bytes(out)


def test_changing_any_byte_breaks_the_signature(signed: bytes) -> None:
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    start, len1, start2, _ = sig.byte_range
    content_stream = signed.index(b"stream\n", 200) + 40
    positions = {
        "header": 3,
        "content stream": content_stream,
        "middle": len(signed) // 2,
        "signature hex, start": start + len1 + 1,
        "signature hex, certificate": start + len1 + 400,
        "signature hex, RSA value": start + len1 + 2 * len(sig.pkcs7_content.rstrip(b"\0")) - 20,
        "signature padding": start2 - 10,
        "byte range": signed.index(b"/ByteRange") + 14,
        "trailer": len(signed) - 20,
        "last byte": len(signed) - 1,
    }
    for where, pos in positions.items():
        result = verify_bytes(_flip(signed, pos), "x.pdf")
        assert not result.ok, f"a flipped byte in the {where} (offset {pos}) was not detected"
    assert not verify_bytes(signed + b"\n% appended\n", "x.pdf").ok
    assert not verify_bytes(signed[:-1], "x.pdf").ok
    assert not verify_bytes(b"not a pdf", "x.pdf").ok


@pytest.mark.slow  # one verification per 9th hex digit of the CMS (hundreds)
def test_every_byte_of_the_cms_signature_is_protected(signed: bytes) -> None:
    """pyHanko does not sign the CMS envelope itself (lengths, certificate set, algorithm list);
    the verifier must still refuse a change to any of it. Every 9th hex digit of the CMS
    (a full sweep of every digit passes too, but takes a minute)."""
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    start, len1, _, _ = sig.byte_range
    cms_hex = 2 * len(sig.pkcs7_content.rstrip(b"\0"))
    missed = [
        pos
        for pos in range(start + len1 + 1, start + len1 + 1 + cms_hex, 9)
        if verify_bytes(_flip(signed, pos), "x.pdf").ok
    ]
    assert missed == []


def test_unsigned_pdf_fails(tmp_path: Path) -> None:
    path = tmp_path / "plain.pdf"
    path.write_bytes(render_order(demo.one_case_order(1), load_template("one_case")).pdf)
    result = verify_file(path)
    assert not result.ok and "found 0" in result.problem


@pytest.mark.slow  # a signing process pool
def test_pool_and_single_process_sign_the_same_content(key: Path, tmp_path: Path) -> None:
    signer = OrderSigner.from_file(key, PASS)
    jobs = [
        Job(
            demo.one_case_order(i, counts=1 + i % 3, judge=signer.judge, number=i),
            "one_case",
            str(tmp_path / f"o{i}.pdf"),
        )
        for i in range(14)
    ]
    pooled = produce_orders(jobs, key.read_bytes(), PASS, workers=2)
    single = produce_orders(jobs[:3], key.read_bytes(), PASS, workers=1)
    assert [p.order_no for p in pooled] == [j.order.order_number for j in jobs]
    assert [p.content_sha256 for p in pooled[:3]] == [s.content_sha256 for s in single]
    for p in pooled:
        assert verify_file(Path(p.path)).ok
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


def test_cli_keys_create_and_orders_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", PASS)
    monkeypatch.setenv("RELIEFDESK_DB", str(tmp_path / "none.sqlite3"))
    key = tmp_path / "cli.p12"
    assert (
        main(
            [
                "keys",
                "create",
                "--name",
                "Hon. Ada Okafor",
                "--title",
                "Commissioner",
                "--out",
                str(key),
            ]
        )
        == 0
    )
    assert "DEMO" in capsys.readouterr().out
    signer = OrderSigner.from_file(key, PASS)
    order = demo.one_case_order(9, judge=signer.judge, order_date=date(2025, 1, 6))
    good = tmp_path / "good.pdf"
    good.write_bytes(
        signer.sign(
            render_order(order, load_template("one_case")),
            order_number=order.order_number,
            county=order.county,
        )
    )
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_flip(good.read_bytes(), 1000))
    # Without the database nothing ties the certificate to the court (issue 12): not verified
    # (exit 3) unless the court's certificate is named; keys create wrote it beside the key.
    assert main(["orders", "verify", str(good)]) == 3
    assert "NOT VERIFIED" in capsys.readouterr().out
    trust = ["--trust", str(tmp_path / "cli.cert.pem")]
    assert main(["orders", "verify", str(good), *trust]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK") and "Hon. Ada Okafor" in out and "DEMO" in out
    assert main(["orders", "verify", str(good), str(bad), *trust]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("OK") and lines[1].startswith("FAIL")
    assert not (tmp_path / "none.sqlite3").exists()  # verifying creates no database
