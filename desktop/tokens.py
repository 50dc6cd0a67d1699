"""Signing with a court-issued certificate on a smart card or USB token, through the card's PKCS#11
module (the vendor's DLL or .so; OpenSC's opensc-pkcs11 for most cards). The Windows certificate
store and its smart-card middleware reach the same cards; ReliefDesk talks to the card's PKCS#11
module, not to CryptoAPI/CNG (see docs/install.md).

The module's path is a setting of the database (desktop/review/settings.py: an administrator or a
judge sets it, audited).
Certificates are listed without the PIN (a card shows its certificates to anyone); the PIN is asked
for each signing, held only by the signing job, and never stored or logged."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.errors import UserError

PIN_ENV = "RELIEFDESK_TOKEN_PIN"

# The modules court IT is most likely to name, for hints (never searched for or loaded unasked).
EXAMPLES = (
    "opensc-pkcs11.dll (OpenSC, Windows)",
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so (OpenSC, Debian/Ubuntu)",
)


class TokenError(UserError):
    """A card, its module or its PIN refused; the message says what to do. The CLI exits 2 for
    a wrong module or certificate (the command's input), 4 when the card refuses (PIN, lock)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message, exit_code)


@dataclass(frozen=True)
class TokenCert:
    """A certificate on a card, as the judge chooses it."""

    module: str
    token_label: str
    token_serial: str
    label: str  # the certificate's label on the card (CKA_LABEL)
    cert_id: str  # hex of CKA_ID, shared by the certificate and its private key; '' when none
    name: str  # the certificate's holder (common name)
    issuer: str
    not_after: datetime
    fingerprint: str  # SHA-256 of the certificate

    def describe(self) -> str:
        """One line for the judge: whose certificate, who issued it, until when, on which card."""
        return (
            f"{self.name} — issued by {self.issuer}, valid until {self.not_after:%Y-%m-%d} "
            f"(card “{self.token_label}”)"
        )

    def key(self) -> TokenKey:
        return TokenKey(self.module, self.token_label, self.label, self.cert_id)


@dataclass(frozen=True)
class TokenKey:
    """Which certificate and key on which card to sign with (no PIN: that is given per signing)."""

    module: str
    token_label: str
    cert_label: str = ""
    cert_id: str = ""  # hex
    pin: str = field(default="", repr=False, compare=False)  # held only while signing

    def with_pin(self, pin: str) -> TokenKey:
        return TokenKey(self.module, self.token_label, self.cert_label, self.cert_id, pin)

    def where(self) -> str:
        what = self.cert_label or (f"id {self.cert_id}" if self.cert_id else "its certificate")
        return f"“{what}” on the card “{self.token_label}”"


# --- the module setting ------------------------------------------------------------------------
def check_module(path: str) -> str:
    """The module path, checked (exists, is a file, loads as a PKCS#11 module); a TokenError
    saying what is wrong and what to do otherwise."""
    text = path.strip().strip('"')
    if not text:
        raise TokenError(
            "no smart-card module is set. Ask court IT for the path of your card's PKCS#11 "
            f"module (for example {EXAMPLES[0]})."
        )
    p = Path(text).expanduser()
    if not p.exists():
        raise TokenError(
            f"the smart-card module {text} does not exist. Check the path with court IT (the "
            "card's PKCS#11 module, installed with the card's software)."
        )
    if not p.is_file():
        raise TokenError(
            f"{text} is a folder; choose the card's PKCS#11 module file inside it (a .dll on "
            "Windows, a .so on Linux)."
        )
    _library(str(p))
    return str(p)


def _library(module: str) -> Any:
    try:
        import pkcs11
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise TokenError(
            "this installation has no smart-card support (python-pkcs11 is missing); "
            "reinstall ReliefDesk."
        ) from exc
    try:
        return pkcs11.lib(module)
    except (pkcs11.PKCS11Error, OSError) as exc:
        detail = str(exc).split(": ")[-1].strip() or type(exc).__name__
        raise TokenError(
            f"{module} cannot be used as a smart-card (PKCS#11) module ({detail}). Ask court IT "
            "for the card's PKCS#11 module; a card driver or a reader driver is not one."
        ) from exc


# --- listing ------------------------------------------------------------------------------------
def _tokens(lib: Any) -> list[Any]:
    from pkcs11 import TokenFlag

    out = []
    for slot in lib.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except Exception:  # a reader whose card went away between the two calls
            continue
        if token.flags & TokenFlag.TOKEN_INITIALIZED:
            out.append(token)
    return out


def token_labels(module: str) -> list[str]:
    """The labels of the cards present for this module."""
    return [t.label for t in _tokens(_library(check_module(module)))]


def _name_of(name: Any) -> str:
    from cryptography.x509.oid import NameOID

    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        attrs = name.get_attributes_for_oid(oid)
        if attrs:
            return str(attrs[0].value)
    return name.rfc4514_string() or "(no name)"


def list_certificates(module: str, token_label: str = "") -> list[TokenCert]:
    """The certificates on the cards present (or on the one named), read without the PIN. A
    TokenError says what to do when the module, the card or its certificates are missing."""
    import hashlib

    from cryptography import x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    path = check_module(module)
    lib = _library(path)
    tokens = _tokens(lib)
    if not tokens:
        raise TokenError(
            "no card was found. Insert the smart card in its reader (or plug in the token) and "
            "try again; if it is inserted, ask court IT to check the reader and its driver."
        )
    if token_label:
        tokens = [t for t in tokens if t.label == token_label]
        if not tokens:
            raise TokenError(
                f"no card labelled “{token_label}” was found; the cards present are: "
                + ", ".join(f"“{t.label}”" for t in _tokens(lib))
                + "."
            )
    out: list[TokenCert] = []
    for token in tokens:
        with _session(token) as session:
            for obj in session.get_objects(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                }
            ):
                der = bytes(obj[Attribute.VALUE])
                try:
                    cert = x509.load_der_x509_certificate(der)
                except ValueError:
                    continue
                try:
                    cid = bytes(obj[Attribute.ID]).hex()
                except Exception:
                    cid = ""
                out.append(
                    TokenCert(
                        module=path,
                        token_label=token.label,
                        token_serial=_text(token.serial),
                        label=str(obj[Attribute.LABEL] or ""),
                        cert_id=cid,
                        name=_name_of(cert.subject),
                        issuer=_name_of(cert.issuer),
                        not_after=cert.not_valid_after_utc,
                        fingerprint=hashlib.sha256(der).hexdigest(),
                    )
                )
    if not out:
        where = f"the card “{token_label}”" if token_label else "the card"
        raise TokenError(
            f"{where} holds no certificate. Ask court IT to load your court certificate on it."
        )
    return out


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").strip()
    return str(value or "").strip()


@contextmanager
def _session(token: Any, pin: str | None = None) -> Iterator[Any]:
    try:
        session = token.open(user_pin=pin) if pin is not None else token.open()
    except Exception as exc:
        raise _pin_error(exc, token.label) from exc
    try:
        yield session
    finally:
        try:
            session.close()
        except Exception:
            pass


def _pin_error(exc: BaseException, label: str) -> TokenError:
    """The card's refusal in words; never the PIN itself."""
    from pkcs11 import exceptions as e

    if isinstance(exc, (e.PinIncorrect, e.PinInvalid, e.PinLenRange)):
        return TokenError(
            f"the PIN for the card “{label}” is not correct. Nothing was signed. Type it again "
            "carefully: after a few wrong PINs the card locks.",
            4,
        )
    if isinstance(exc, e.PinLocked):
        return TokenError(
            f"the card “{label}” is locked after too many wrong PINs. Nothing was signed; ask "
            "court IT to unlock it.",
            4,
        )
    if isinstance(exc, e.PinExpired):
        return TokenError(
            f"the PIN of the card “{label}” has expired; change it with the card's software, "
            "then sign again.",
            4,
        )
    if isinstance(exc, (e.TokenNotPresent, e.DeviceRemoved, e.SessionClosed)):
        return TokenError(
            f"the card “{label}” was removed. Nothing more was signed; insert it and sign again."
        )
    if isinstance(exc, TokenError):
        return exc
    detail = type(exc).__name__
    return TokenError(
        f"the card “{label}” refused ({detail}). Nothing was signed; try again, or ask court IT "
        "to check the card."
    )


# --- signing ------------------------------------------------------------------------------------
class TokenSession:
    """An open, logged-in session on the card holding the chosen certificate and its key."""

    def __init__(self, key: TokenKey) -> None:
        from cryptography import x509

        if not key.pin:
            raise TokenError(f"type the PIN of the card “{key.token_label}”.")
        lib = _library(check_module(key.module))
        tokens = [t for t in _tokens(lib) if t.label == key.token_label]
        if not tokens:
            raise TokenError(
                f"the card “{key.token_label}” is not inserted. Insert it and sign again."
            )
        self.label = key.token_label
        from pkcs11.exceptions import UserAlreadyLoggedIn

        try:
            self.session = tokens[0].open(user_pin=key.pin)
        except UserAlreadyLoggedIn:
            # PKCS#11 logs in per program: another session of this program is signing already.
            self.session = tokens[0].open()
        except Exception as exc:
            raise _pin_error(exc, key.token_label) from exc
        try:
            self._cert_obj, self._key_obj = self._find(key)
            from pkcs11 import Attribute

            self.certificate = x509.load_der_x509_certificate(
                bytes(self._cert_obj[Attribute.VALUE])
            )
        except BaseException:
            self.close()
            raise
        self.key = key

    def _find(self, key: TokenKey) -> tuple[Any, Any]:
        from pkcs11 import Attribute, ObjectClass

        query: dict[Any, Any] = {Attribute.CLASS: ObjectClass.CERTIFICATE}
        if key.cert_id:
            query[Attribute.ID] = bytes.fromhex(key.cert_id)
        elif key.cert_label:
            query[Attribute.LABEL] = key.cert_label
        certs = list(self.session.get_objects(query))
        if key.cert_id and key.cert_label and len(certs) > 1:
            certs = [c for c in certs if c[Attribute.LABEL] == key.cert_label]
        if len(certs) != 1:
            raise TokenError(
                f"{key.where()}: "
                + ("no such certificate" if not certs else "more than one certificate matches")
                + ". Choose the certificate again from the list."
            )
        cid = bytes(certs[0][Attribute.ID]) if key.cert_id or not key.cert_label else None
        kq: dict[Any, Any] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
        if cid:
            kq[Attribute.ID] = cid
        else:
            kq[Attribute.LABEL] = key.cert_label
        keys = list(self.session.get_objects(kq))
        if len(keys) != 1:
            raise TokenError(
                f"{key.where()}: the card holds "
                + ("no private key" if not keys else "several private keys")
                + " for this certificate, so it cannot sign with it. Ask court IT which "
                "certificate on the card is for signing."
            )
        return certs[0], keys[0]

    def pyhanko_signer(self) -> Any:
        """A pyHanko signer that signs on the card."""
        from pkcs11 import Attribute
        from pyhanko.sign.pkcs11 import PKCS11Signer

        cid = bytes(self._key_obj[Attribute.ID] or b"")
        kw: dict[str, Any] = {"key_id": cid} if cid else {"key_label": self.key.cert_label}
        if cid:
            kw["cert_id"] = cid
        else:
            kw["cert_label"] = self.key.cert_label
        return PKCS11Signer(self.session, **kw)

    def sign_sha256(self, data: bytes) -> bytes:
        """An RSA PKCS#1 v1.5 SHA-256 signature of `data`, made on the card (acceptance
        manifests)."""
        from pkcs11 import KeyType, Mechanism

        if self._key_obj.key_type != KeyType.RSA:
            raise TokenError(
                f"{self.key.where()}: the key is not an RSA key; ReliefDesk signs acceptances "
                "with RSA keys. Ask court IT for an RSA signing certificate."
            )
        try:
            return bytes(self._key_obj.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))
        except Exception as exc:
            raise _pin_error(exc, self.label) from exc

    def close(self) -> None:
        try:
            self.session.close()
        except Exception:
            pass


def pin_from_env() -> str | None:
    """The PIN from RELIEFDESK_TOKEN_PIN (scripts and tests), else None (ask for it)."""
    return os.environ.get(PIN_ENV)
