"""The sealed acceptance of a batch: what the judge accepted, bound to the audit log and, when the
judge accepts with a key, signed by it. Orders are built from this manifest, and refused when the
tables no longer agree with it or when no judge's acceptance was logged.

The manifest (canonical JSON): the batch id, every count not sent back with its relief and
resentencing target, the sample, the counts sent back, the seed, who prepared the batch, the judge
and the acceptance time. Its SHA-256 is in the `batch.accept` audit entry's payload
(`manifest_sha256`); the manifest itself is kept in `batch_manifests`."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import RefusedError, UserError
from desktop.tokens import TokenKey, TokenSession
from desktop.vocabulary import ReviewStatus

VERSION = 1


def manifest_counts(conn: sqlite3.Connection, batch_id: int) -> list[list[Any]]:
    """[count_id, relief, resentence_target] of every count of the batch not sent back, as the
    tables hold them now: the relief as submitted in the batch (or, for a batch made before the
    batch kept it, the clerk's decision)."""
    out = []
    for cid, b_relief, b_target, status, d_relief, d_target, c_relief, c_target in conn.execute(
        "SELECT bi.count_id, bi.relief, bi.resentence_target, r.status, d.relief,"
        " d.resentence_target, r.decided_relief, r.decided_target FROM batch_items bi"
        " LEFT JOIN review_items r ON r.count_id = bi.count_id"
        " LEFT JOIN determinations d ON d.id = r.determination_id"
        " WHERE bi.batch_id = ? AND COALESCE(bi.judge_status, '') != 'sent_back'"
        " ORDER BY bi.count_id",
        (batch_id,),
    ):
        if b_relief:
            relief, target = b_relief, b_target
        elif status == ReviewStatus.CHANGED:
            relief, target = c_relief, c_target
        else:
            relief, target = d_relief, d_target
        out.append([int(cid), relief, target])
    return out


def build(
    conn: sqlite3.Connection,
    batch: dict[str, Any],
    judge: str,
    at: str,
    sample: list[int],
    sent_back: list[int],
) -> dict[str, Any]:
    from desktop.review.settings import installation_id

    return {
        "version": VERSION,
        "batch_id": int(batch["id"]),
        "counts": manifest_counts(conn, int(batch["id"])),
        "sample": sorted(sample),
        "sent_back": sorted(sent_back),
        "seed": batch["sample_seed"],
        "prepared_by": batch["prepared_by"],
        "judge": judge,
        "accepted_at": at,
        "installation_id": installation_id(conn),
    }


def encode(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


@dataclass(frozen=True)
class ManifestSignature:
    signature: str  # base64
    certificate: str  # base64 DER
    cert_sha256: str
    signer: str


def sign(data: bytes, key_file: Path | TokenKey, passphrase: str) -> ManifestSignature:
    """Sign the manifest bytes with the judge's PKCS#12 key, or on the judge's smart card
    (key_file a TokenKey, passphrase its PIN): RSA PKCS#1 v1.5, SHA-256."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import pkcs12

    from desktop.keys import describe, load_key

    if isinstance(key_file, TokenKey):
        session = TokenSession(key_file.with_pin(passphrase or key_file.pin))
        try:
            sig = session.sign_sha256(data)
            on_card = session.certificate
        finally:
            session.close()
        der = on_card.public_bytes(serialization.Encoding.DER)
        info = describe(on_card)
        return ManifestSignature(
            base64.b64encode(sig).decode(),
            base64.b64encode(der).decode(),
            info.fingerprint,
            info.name,
        )

    blob, _ = load_key(key_file, passphrase)
    key, cert, _ = pkcs12.load_key_and_certificates(blob, passphrase.encode("utf-8"))
    if not isinstance(key, RSAPrivateKey) or cert is None:
        raise UserError(f"{key_file} must hold an RSA key and its certificate")
    sig = key.sign(data, PKCS1v15(), hashes.SHA256())
    der = cert.public_bytes(serialization.Encoding.DER)
    info = describe(cert)
    return ManifestSignature(
        base64.b64encode(sig).decode(), base64.b64encode(der).decode(), info.fingerprint, info.name
    )


def check_signature(data: bytes, signature: str, certificate: str) -> str:
    """'' when the signature verifies with the certificate; else what is wrong."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(certificate))
        pub = cert.public_key()
        if not isinstance(pub, RSAPublicKey):
            return "the acceptance certificate holds no RSA key"
        pub.verify(base64.b64decode(signature), data, PKCS1v15(), hashes.SHA256())
    except (ValueError, TypeError, InvalidSignature) as exc:
        return f"the judge's signature over the acceptance does not verify ({type(exc).__name__})"
    return ""


def store(
    conn: sqlite3.Connection, batch_id: int, data: bytes, signed: ManifestSignature | None
) -> str:
    sha = hashlib.sha256(data).hexdigest()
    conn.execute(
        "INSERT INTO batch_manifests (batch_id, manifest, sha256, signature, certificate,"
        " cert_sha256) VALUES (?, ?, ?, ?, ?, ?)",
        (
            batch_id,
            data.decode("utf-8"),
            sha,
            signed and signed.signature,
            signed and signed.certificate,
            signed and signed.cert_sha256,
        ),
    )
    return sha


@dataclass(frozen=True)
class SealedAcceptance:
    batch_id: int
    seq: int  # the batch.accept audit entry
    judge: str
    counts: dict[int, tuple[str, str | None]]  # count id -> (relief, target)
    signed_by: str | None  # certificate fingerprint when the judge signed the manifest


def _refuse(batch_id: int, why: str) -> RefusedError:
    return RefusedError(
        f"batch {batch_id} cannot be signed: {why}. Nothing was signed; run "
        "`reliefdesk audit verify` and ask court IT to investigate."
    )


def sealed_acceptance(conn: sqlite3.Connection, batch_id: int) -> SealedAcceptance:
    """The judge's sealed acceptance of the batch, checked against the log, its signature and the
    tables (batches, batch_items, review_items, determinations, and their row seals). Refuses,
    naming the first difference, when anything disagrees or no acceptance was logged."""
    from desktop.audit.log import canonical, entry_hash
    from desktop.audit.seals import compare_rows, has_seals

    rows = conn.execute(
        "SELECT seq, at, user, action, targets, payload, prev_hash, hash FROM audit_log"
        " WHERE action = 'batch.accept' AND targets = ? ORDER BY seq",
        (canonical([batch_id]),),
    ).fetchall()
    if not rows:
        raise _refuse(
            batch_id,
            "the audit log holds no judge's acceptance of it (no batch.accept "
            "entry); it was marked accepted outside ReliefDesk",
        )
    if len(rows) > 1:
        raise _refuse(batch_id, f"the audit log holds {len(rows)} acceptances of it")
    seq, at, user, action, targets, payload_text, prev, h = rows[0]
    if entry_hash(seq, at, user, action, targets, payload_text, prev) != h:
        raise _refuse(batch_id, f"its acceptance (audit entry {seq}) was altered")
    payload = json.loads(payload_text)
    batch = conn.execute(
        "SELECT status, accepted_by FROM batches WHERE id = ?", (batch_id,)
    ).fetchone()
    if batch is None or batch[0] != "accepted":
        raise _refuse(batch_id, "it is not accepted")
    if (batch[1] or "").casefold() != (user or "").casefold():
        raise _refuse(batch_id, f"the batch says {batch[1]} accepted it, the audit log says {user}")
    now = {c[0]: (c[1], c[2]) for c in manifest_counts(conn, batch_id)}
    signed_by = None
    if "manifest_sha256" in payload:
        m = conn.execute(
            "SELECT manifest, sha256, signature, certificate, cert_sha256 FROM "
            "batch_manifests WHERE batch_id = ?",
            (batch_id,),
        ).fetchone()
        if m is None:
            raise _refuse(
                batch_id, f"the sealed manifest of its acceptance (audit entry {seq}) is missing"
            )
        data = m[0].encode("utf-8")
        if hashlib.sha256(data).hexdigest() != payload["manifest_sha256"]:
            raise _refuse(
                batch_id, f"its sealed manifest differs from the one audit entry {seq} recorded"
            )
        if payload.get("manifest_cert_sha256") != m[4]:
            raise _refuse(
                batch_id,
                "the manifest's signing certificate differs from the one the acceptance recorded",
            )
        if m[2]:
            problem = check_signature(data, m[2], m[3])
            if problem:
                raise _refuse(batch_id, problem)
            if hashlib.sha256(base64.b64decode(m[3])).hexdigest() != m[4]:
                raise _refuse(batch_id, "the manifest's certificate was replaced")
            signed_by = m[4]
        manifest = json.loads(m[0])
        if (
            manifest.get("batch_id") != batch_id
            or (manifest.get("judge") or "").casefold() != (user or "").casefold()
        ):
            raise _refuse(batch_id, "its sealed manifest is for another batch or judge")
        sealed = {int(c[0]): (c[1], c[2]) for c in manifest["counts"]}
    else:
        # Accepted before manifests existed: the entry lists the count ids only.
        sealed = {int(c): now.get(int(c), (None, None)) for c in payload.get("count_ids", [])}
    # Counts the judge sent back after accepting (orders send-back, logged and sealed) leave the
    # batch legitimately; their rows are checked against their seals below.
    sent_back_later = {
        r[0]
        for r in conn.execute(
            "SELECT count_id FROM batch_items WHERE batch_id = ? AND judge_status = 'sent_back'",
            (batch_id,),
        )
    } & set(sealed)
    for cid in sent_back_later:
        sealed.pop(cid, None)
    for cid in sorted(set(sealed) | set(now)):
        if cid not in sealed:
            raise _refuse(
                batch_id,
                f"count {cid} is in the batch in the database but not in the "
                "judge's sealed acceptance (added outside ReliefDesk)",
            )
        if cid not in now:
            raise _refuse(
                batch_id,
                f"count {cid} is in the judge's sealed acceptance but no "
                "longer in the batch in the database",
            )
        if sealed[cid] != now[cid]:
            raise _refuse(
                batch_id,
                f"count {cid}: the database grants {_relief(now[cid])}, the "
                f"judge accepted {_relief(sealed[cid])}",
            )
    if has_seals(conn):
        ids = sorted(now)
        det_ids = [
            r[0]
            for part in _chunks(ids)
            for r in conn.execute(
                f"SELECT determination_id FROM review_items WHERE count_id IN "
                f"({','.join('?' * len(part))})",
                part,
            )
        ]
        for table, keys in (
            ("batches", [batch_id]),
            ("batch_items", [(batch_id, c) for c in ids + sorted(sent_back_later)]),
            ("review_items", ids),
            ("determinations", det_ids),
        ):
            differs = compare_rows(conn, table, keys)
            if differs:
                raise _refuse(batch_id, str(differs))
    return SealedAcceptance(batch_id, seq, user or "", sealed, signed_by)


def _relief(rt: tuple[str | None, str | None]) -> str:
    relief, target = rt
    return f"{relief or 'nothing'}{' -> ' + target if target else ''}"


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
