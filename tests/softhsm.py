"""A software smart card for tests: a SoftHSM2 token holding a judge's key and certificate, made in
a temporary folder (SOFTHSM2_CONF points there). Tests that need it skip, saying why, when SoftHSM2
is not installed (`apt-get install softhsm2`); CI does not have it."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)
PIN = "246810"
SO_PIN = "13579246"
TOKEN = "Judge Card"
CERT_LABEL = "Court signing certificate"


def softhsm_module() -> str | None:
    for path in MODULE_CANDIDATES:
        if Path(path).is_file():
            return path
    return None


def skip_reason() -> str | None:
    """Why the token tests cannot run here, or None."""
    if shutil.which("softhsm2-util") is None or softhsm_module() is None:
        return (
            "SoftHSM2 is not installed (apt-get install softhsm2): the tests that sign on a "
            "software smart card are skipped; the rest run everywhere"
        )
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        return "python-pkcs11 is not installed"
    return None


requires_softhsm = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")


@dataclass(frozen=True)
class SoftCard:
    module: str
    token: str
    pin: str
    cert_label: str
    cert_id: str  # hex
    p12: Path  # the same key and certificate as a file (to compare)
    passphrase: str


_made: SoftCard | None = None


def make_card(folder: Path, name: str = "Hon. Ana Ruiz", *, county: str = "") -> SoftCard:
    """A SoftHSM2 token (label TOKEN, user PIN PIN) holding an RSA key and its certificate (both
    with id 01 and label CERT_LABEL), plus one more certificate without a key. One per test
    process: SoftHSM2 reads its configuration (SOFTHSM2_CONF) once, when first loaded."""
    global _made
    if _made is not None:
        return _made
    import pkcs11
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    from desktop.keys import create_demo_key

    module = softhsm_module()
    assert module is not None
    tokens = folder / "softhsm-tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            PIN,
            "--so-pin",
            SO_PIN,
        ],
        check=True,
        capture_output=True,
    )
    p12 = folder / "judge.p12"
    phrase = "card test passphrase"
    create_demo_key(name, "Judge of the Superior Court", p12, phrase, county=county)
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), phrase.encode())
    assert key is not None and cert is not None
    other = folder / "other.p12"
    create_demo_key("Court Clerk Encryption", "Clerk", other, phrase)
    _, other_cert, _ = pkcs12.load_key_and_certificates(other.read_bytes(), phrase.encode())
    assert other_cert is not None
    lib = pkcs11.lib(module)
    token = lib.get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        attrs = decode_rsa_private_key(key_der)
        attrs.update(
            {
                Attribute.TOKEN: True,
                Attribute.LABEL: CERT_LABEL,
                Attribute.ID: b"\x01",
                Attribute.SIGN: True,
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True,
            }
        )
        session.create_object(attrs)
        for c, label, cid in ((cert, CERT_LABEL, b"\x01"), (other_cert, "Encryption", b"\x02")):
            cattrs = decode_x509_certificate(c.public_bytes(serialization.Encoding.DER))
            cattrs.update({Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: cid})
            cattrs[Attribute.CLASS] = ObjectClass.CERTIFICATE
            session.create_object(cattrs)
    _made = SoftCard(module, TOKEN, PIN, CERT_LABEL, "01", p12, phrase)
    return _made
