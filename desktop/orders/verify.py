"""Verify a signed order: one PAdES signature, cryptographically intact, covering the whole file, the
unsigned gap holding nothing but the signature, and a signer certificate we can vouch for.

Trust: a certificate recorded in the orders register (the database's orders table) is trusted as the
court's; any other self-signed certificate is accepted only as its own root and reported as such
(demo keys from `reliefdesk keys create` are marked DEMO in their subject)."""

from __future__ import annotations

import binascii
import hashlib
import io
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from asn1crypto import cms
from asn1crypto import parser as asn1_parser
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from desktop.keys import DEMO_MARK

_HEX = re.compile(rb"^<[0-9a-fA-F]*>$")


@dataclass(frozen=True)
class VerifyResult:
    path: str
    ok: bool
    signer: str = ""
    title: str = ""
    signed_at: datetime | None = None
    fingerprint: str = ""
    self_signed: bool = False
    demo: bool = False
    in_register: bool = False
    problem: str = ""
    method: str = "digital"  # 'ink' / 'external': a signature recorded in the register

    def line(self) -> str:
        if not self.ok:
            return f"FAIL {self.path}: {self.problem}"
        if self.method != "digital":
            how = "in ink" if self.method == "ink" else "in the court's own system"
            when = (
                self.signed_at.isoformat(timespec="seconds")
                if self.signed_at
                else "time not stated"
            )
            return (
                f"OK   {self.path}: signed {how} by {self.signer} at {when} as recorded in the "
                "orders register; the file is the one recorded"
            )
        when = self.signed_at.isoformat(timespec="seconds") if self.signed_at else "time not stated"
        if self.in_register:
            trust = "certificate matches the orders register"
        elif self.demo:
            trust = "self-signed DEMO certificate (not for court use)"
        elif self.self_signed:
            trust = "self-signed certificate, not in the orders register: confirm it is the judge's"
        else:
            trust = "certificate not in the orders register"
        if self.in_register and self.demo:
            trust += "; self-signed DEMO certificate (not for court use)"
        who = f"{self.signer}, {self.title}" if self.title else self.signer
        return (
            f"OK   {self.path}: signed by {who} at {when}; intact, whole file covered; "
            f"{trust}; cert sha256 {self.fingerprint[:16]}"
        )


def _name_attr(cert: asn1_x509.Certificate, key: str) -> str:
    return str(cert.subject.native.get(key, ""))


def _gap_is_only_signature(data: bytes, byte_range: list[int], contents: bytes) -> str:
    """The bytes outside the signed ranges must be exactly '<hex of the CMS, zero padded>'.
    pyHanko ignores what follows the CMS in that gap, so a flipped padding digit would pass otherwise."""
    start, len1, start2, len2 = byte_range
    if start != 0 or start2 + len2 != len(data):
        return "the signature does not cover the whole file"
    gap = data[start + len1 : start2]
    if not _HEX.match(gap):
        return "the signature contents are not a clean hexadecimal string"
    try:
        raw = binascii.unhexlify(gap[1:-1])
    except binascii.Error:
        return "the signature contents are not valid hexadecimal"
    try:
        _, _, _, header, body, _ = asn1_parser.parse(raw)
    except ValueError:
        return "the signature contents are not a DER-encoded signature"
    der_len = len(header) + len(body)
    if raw != contents or raw[der_len:].strip(b"\x00"):
        return "the signature contents carry extra data after the signature"
    return _cms_is_canonical(raw[:der_len])


def _cms_is_canonical(der: bytes) -> str:
    """Parts of the CMS are not covered by the signature (lengths, the outer algorithm list, versions).
    Require the exact structure ReliefDesk writes, re-encoded byte for byte, so no byte can change."""
    try:
        info = cms.ContentInfo.load(der, strict=True)
        signed = info["content"]
        if info.dump(force=True) != der:
            return "the signature is not in canonical DER form (altered)"
        signer_infos = signed["signer_infos"]
        if info["content_type"].native != "signed_data" or len(signer_infos) != 1:
            return "the signature is not a single-signer CMS signature"
        si = signer_infos[0]
        digest = si["digest_algorithm"]
        if (
            signed["version"].native != "v1"
            or si["version"].native != "v1"
            or [a.dump() for a in signed["digest_algorithms"]] != [digest.dump()]
            or digest["parameters"].native is not None
            or signed["encap_content_info"]["content_type"].native != "data"
            or signed["encap_content_info"]["content"].native is not None
            or si["signature_algorithm"]["parameters"].native is not None
            or si["unsigned_attrs"].native is not None
        ):
            return (
                "the signature's unsigned structure differs from a ReliefDesk signature (altered)"
            )
    except (ValueError, TypeError, KeyError) as exc:
        return f"the signature structure is malformed ({exc.__class__.__name__})"
    return ""


def _certificate_problem(sig: object, cert: asn1_x509.Certificate) -> str:
    """The certificate travels unsigned inside the CMS; tie it to the signed attributes (ESS
    signing-certificate-v2 hash) and, for a self-signed one, check its own signature."""
    signer_info = sig.signer_info  # type: ignore[attr-defined]
    cert_hash = None
    for attr in signer_info["signed_attrs"]:
        if attr["type"].native == "signing_certificate_v2":
            ess = attr["values"][0]
            for cid in ess["certs"]:
                algo = cid["hash_algorithm"]["algorithm"].native
                cert_hash = (algo, cid["cert_hash"].native)
                break
    if cert_hash is None:
        return "the signature does not name its certificate (no signing-certificate attribute)"
    algo, expected = cert_hash
    if hashlib.new(algo, cert.dump()).digest() != expected:
        return "the embedded certificate is not the one the signature names (certificate altered)"
    # Our orders carry only the signer's certificate; anything else in the unsigned set is tampering.
    for choice in sig.signed_data["certificates"]:  # type: ignore[attr-defined]
        if hashlib.new(algo, choice.chosen.dump()).digest() != expected:
            return "the signature carries a certificate other than the signer's (altered)"
    if cert.subject == cert.issuer:
        try:
            x509.load_der_x509_certificate(cert.dump()).verify_directly_issued_by(
                x509.load_der_x509_certificate(cert.dump())
            )
        except (ValueError, TypeError, InvalidSignature) as exc:
            return f"the self-signed certificate does not verify ({exc.__class__.__name__})"
    return ""


def verify_bytes(data: bytes, label: str, register: dict[str, str] | None = None) -> VerifyResult:
    """Verify one signed order. `register` maps certificate SHA-256 fingerprints to order numbers
    (or any note) for certificates the orders register knows."""
    register = register or {}
    # pyHanko logs validation details at WARNING with tracebacks; the result line says what matters.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:
        return VerifyResult(
            label, False, problem=f"not a readable PDF ({exc.__class__.__name__}: {exc})"
        )
    if len(sigs) != 1:
        return VerifyResult(label, False, problem=f"expected one signature, found {len(sigs)}")
    sig = sigs[0]
    try:
        cert = sig.signer_cert
        fingerprint = hashlib.sha256(cert.dump()).hexdigest()
        self_signed = cert.self_signed == "yes" or cert.subject == cert.issuer
        known = fingerprint in register
        roots = [cert] if (known or self_signed) else []
        vc = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(sig, vc)
        contents = bytes(sig.pkcs7_content)
        gap_problem = _gap_is_only_signature(data, list(sig.byte_range), contents)
        cert_problem = _certificate_problem(sig, cert)
    except Exception as exc:
        return VerifyResult(
            label, False, problem=f"signature cannot be validated ({exc.__class__.__name__}: {exc})"
        )
    signer = _name_attr(cert, "common_name")
    base = dict(
        signer=signer,
        title=_name_attr(cert, "title"),
        signed_at=status.signer_reported_dt,
        fingerprint=fingerprint,
        self_signed=self_signed,
        demo=DEMO_MARK in _name_attr(cert, "organization_name"),
        in_register=known,
    )
    if not status.intact:
        return VerifyResult(
            label,
            False,
            problem="the document was changed after signing (digest does not match)",
            **base,
        )
    if not status.valid:
        return VerifyResult(label, False, problem="the signature value does not verify", **base)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return VerifyResult(label, False, problem="content was added after the signature", **base)
    if gap_problem or cert_problem:
        return VerifyResult(label, False, problem=gap_problem or cert_problem, **base)
    if not status.trusted:
        return VerifyResult(
            label,
            False,
            problem="the signer's certificate is not trusted "
            "(not in the orders register and not self-signed)",
            **base,
        )
    return VerifyResult(label, True, **base)


def verify_file(path: Path, register: dict[str, str] | None = None) -> VerifyResult:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return VerifyResult(str(path), False, problem=f"cannot read: {exc.strerror}")
    return verify_bytes(data, str(path), register)


# `orders verify` exit code for signatures that are intact but whose certificate nothing ties to
# the court (no database register, no --trust CERT naming it): not verified, but not tampering.
UNTRUSTED_EXIT = 3


def untrusted(result: VerifyResult) -> VerifyResult:
    """An intact signature from a certificate that cannot be tied to the court: not verified."""
    kind = "self-signed DEMO " if result.demo else "self-signed " if result.self_signed else ""
    return replace(
        result,
        ok=False,
        problem=(
            f"NOT VERIFIED: the signature is intact but its {kind}certificate ({result.signer}, "
            f"sha256 {result.fingerprint[:16]}) cannot be tied to the court: verify with the court's "
            "database (--db), or name the court's certificate with --trust CERT"
        ),
    )


def load_trusted(paths: list[str] | list[Path]) -> dict[str, str]:
    """Fingerprints (SHA-256 of the DER certificate) of the certificates named by --trust (PEM or
    DER files, e.g. the .cert.pem `reliefdesk keys create` writes beside a key). The certificate
    must come from the court, never from the file being checked."""
    from cryptography.hazmat.primitives import serialization

    from desktop.errors import UserError

    out: dict[str, str] = {}
    for p in paths:
        path = Path(p)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read the certificate {path}: {exc.strerror}") from exc
        try:
            cert = (
                x509.load_pem_x509_certificate(data)
                if b"-----BEGIN" in data
                else x509.load_der_x509_certificate(data)
            )
        except ValueError as exc:
            raise UserError(
                f"{path} is not a certificate (PEM or DER): export the court's "
                "certificate, e.g. with `openssl pkcs12 -in KEY.p12 -nokeys`"
            ) from exc
        der = cert.public_bytes(serialization.Encoding.DER)
        out[hashlib.sha256(der).hexdigest()] = f"--trust {path.name}"
    return out
