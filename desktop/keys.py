"""Judges' signing keys: PKCS#12 files unlocked with a passphrase at signing time (never stored).

`create_demo_key` makes a self-signed certificate for demonstrations and tests. Its subject says so
(O=ReliefDesk DEMO – not for court use), and verification reports it as a demo certificate."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from desktop import clock
from desktop.errors import RefusedError, UserError
from desktop.files import make_private

DEMO_ORGANIZATION = "ReliefDesk DEMO \u2013 not for court use"
DEMO_MARK = "ReliefDesk DEMO"


@dataclass(frozen=True)
class KeyInfo:
    name: str  # certificate common name, e.g. 'Hon. Ana Ruiz'
    title: str  # certificate title attribute, e.g. 'Judge of the Superior Court'
    fingerprint: str  # SHA-256 of the certificate (DER), hex
    self_signed: bool
    demo: bool
    not_after: datetime


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def describe(cert: x509.Certificate) -> KeyInfo:
    der = cert.public_bytes(serialization.Encoding.DER)
    org = _attr(cert.subject, NameOID.ORGANIZATION_NAME)
    return KeyInfo(
        name=_attr(cert.subject, NameOID.COMMON_NAME),
        title=_attr(cert.subject, NameOID.TITLE),
        fingerprint=hashlib.sha256(der).hexdigest(),
        self_signed=cert.issuer == cert.subject,
        demo=DEMO_MARK in org,
        not_after=cert.not_valid_after_utc,
    )


def create_demo_key(
    name: str,
    title: str,
    out: Path,
    passphrase: str,
    *,
    county: str = "",
    days: int = 3 * 365,
    key_size: int = 2048,
) -> KeyInfo:
    """Write a self-signed demo judge key as a passphrase-protected PKCS#12 file (mode 0600)."""
    if not passphrase:
        raise UserError("the key passphrase is empty: set RELIEFDESK_KEY_PASSPHRASE or type one.")
    if out.exists():
        raise RefusedError(
            f"{out} already exists; a judge's key is never overwritten. Choose another --out file."
        )
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "California"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANIZATION),
    ]
    if county:
        attrs.append(
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, f"Superior Court, County of {county.title()}"
            )
        )
    attrs += [
        x509.NameAttribute(NameOID.TITLE, title),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ]
    subject = x509.Name(attrs)
    now = clock.now().replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    blob = pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"),
        key,
        cert,
        None,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    # Create with 0600 before writing: the key must never be readable by others, even briefly.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    make_private(out)  # Windows: owner-only ACL before the key is written
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
    return describe(cert)


def load_key(path: Path, passphrase: str) -> tuple[bytes, x509.Certificate]:
    """Read a PKCS#12 file and check the passphrase; returns the file bytes and the certificate."""
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the signing key {path}: {exc.strerror}.") from exc
    try:
        _, cert, _ = pkcs12.load_key_and_certificates(blob, passphrase.encode("utf-8"))
    except ValueError as exc:
        raise RefusedError(
            f"cannot unlock {path}: wrong passphrase, or not a PKCS#12 key file."
        ) from exc
    if cert is None:
        raise UserError(f"{path} holds no certificate; make the key with `reliefdesk keys create`.")
    return blob, cert
