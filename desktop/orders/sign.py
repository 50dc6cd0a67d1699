"""PAdES signing of rendered orders with pyHanko. The signer is loaded once (key unlocked, certificate
parsed) and the signature size is reserved up front, so each order costs one RSA signature and one
incremental write instead of a key load and a trial signature."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.pdf_utils import content, generic, layout
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.stamp import NoOpStampStyle, StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from desktop import clock
from desktop.keys import KeyInfo, describe, load_key
from desktop.orders.model import Judge, OrderData
from desktop.orders.render import SIGNATURE_FIELD, RenderedOrder
from desktop.tokens import TokenKey, TokenSession

# The order draws its own signature block (embedded fonts, deterministic content). The PAdES field is
# placed over the box left for it; its appearance, made per signature by desktop/orders/appearance.py
# with the same embedded font, shows "Digitally signed by Hon. NAME, TITLE, DATE TIME (Pacific)" as a
# signed paper shows it. No pyHanko text stamp (Courier, unembedded) enters the order.
_NO_STAMP = NoOpStampStyle()
AUDIT_HEAD_KEY = "/ReliefDeskAuditHead"


def _put_info(writer: IncrementalPdfFileWriter, key: str, value: str) -> None:
    """Set one entry of the document information dictionary in the incremental update."""
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if info_ref is not None and isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()
        info[pdf_name(key)] = generic.TextStringObject(value)
        writer.update_container(info)
    else:
        info = generic.DictionaryObject({pdf_name(key): generic.TextStringObject(value)})
        writer.set_info(writer.add_object(info))


def audit_head_of(data: bytes) -> str | None:
    """The audit head ("seq:hash") a signed order carries, or None."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        info = reader.trailer_view["/Info"]
        value = info.get(AUDIT_HEAD_KEY)
    except Exception:
        return None
    return str(value) if value is not None else None


class _BytesPage(content.ImportedPdfPage):
    """pyHanko's ImportedPdfPage reads a file; this one reads PDF bytes held in memory."""

    def __init__(self, pdf: bytes) -> None:
        super().__init__(file_name="", page_ix=0)
        self.pdf = pdf

    def render(self) -> bytes:
        w = self._ensure_writer
        xobj = w.import_page_as_xobject(_reader(self.pdf), page_ix=0)
        resource_name = b"/Appearance"
        self.resources.xobject[resource_name.decode("ascii")] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return resource_name + b" Do"


@lru_cache(maxsize=8)
def _reader(pdf: bytes) -> PdfFileReader:
    """A parsed appearance, kept while orders signed in the same minute reuse it."""
    return PdfFileReader(io.BytesIO(pdf))


def _stamp(appearance: bytes | None) -> NoOpStampStyle | StaticStampStyle:
    if appearance is None:
        return _NO_STAMP
    return StaticStampStyle(
        background=_BytesPage(appearance),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )


class _TimedPdfSigner(signers.PdfSigner):
    """A PdfSigner whose signing time is the one the appearance shows (pyHanko takes the clock's)."""

    def __init__(self, *args: Any, signing_time: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        if self._signing_time is not None:
            session.system_time = self._signing_time
        return session


class _LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses (and re-validates) the private key for every signature,
    which costs ~25 ms for RSA; this keeps the parsed key."""

    def __init__(self, key: RSAPrivateKey, cert: x509.Certificate) -> None:
        asn1_cert = translate_pyca_cryptography_cert_to_asn1(cert)
        # No extra certificates: pyHanko embeds the signing certificate once by itself.
        super().__init__(
            signing_cert=asn1_cert,
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            cert_registry=SimpleCertificateStore(),
        )
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


class OrderSigner:
    """A judge's unlocked key, ready to sign many orders."""

    def __init__(self, p12: bytes, passphrase: str) -> None:
        key, cert, _ = pkcs12.load_key_and_certificates(p12, passphrase.encode("utf-8"))
        if not isinstance(key, RSAPrivateKey) or cert is None:
            raise ValueError("the PKCS#12 file must hold an RSA key and its certificate")
        self._setup(_LoadedKeySigner(key, cert), cert)
        self._token: TokenSession | None = None

    def _setup(self, signer: signers.Signer, cert: x509.Certificate) -> None:
        self._signer = signer
        self.cert = cert
        self.info: KeyInfo = describe(self.cert)
        key_bits = getattr(self.cert.public_key(), "key_size", 4096)
        key_bytes = (key_bits + 7) // 8
        der = cert.public_bytes(serialization.Encoding.DER)
        # pyHanko counts the reservation in hex digits (2 per CMS byte). The CMS holds the certificate,
        # the RSA signature and the signed attributes (~2 KB besides); reserve with a wide margin.
        self.bytes_reserved = 2 * (len(der) + key_bytes + 4096)

    @classmethod
    def from_file(cls, path: Path, passphrase: str) -> OrderSigner:
        blob, _ = load_key(path, passphrase)
        return cls(blob, passphrase)

    @classmethod
    def from_token(cls, key: TokenKey) -> OrderSigner:
        """A signer whose key stays on the judge's smart card (`key.pin` unlocks it; a wrong PIN,
        a missing card or certificate is a TokenError before anything is signed). One process
        signs with it (a card signs one order at a time); close() ends the card session."""
        session = TokenSession(key)
        self = cls.__new__(cls)
        try:
            self._setup(session.pyhanko_signer(), session.certificate)
        except BaseException:
            session.close()
            raise
        self._token = session
        return self

    @property
    def on_token(self) -> bool:
        return self._token is not None

    def close(self) -> None:
        """End the card session (nothing for a key from a file)."""
        if self._token is not None:
            self._token.close()
            self._token = None

    @property
    def judge(self) -> Judge:
        return Judge(name=self.info.name, title=self.info.title)

    def sign(
        self,
        rendered: RenderedOrder,
        *,
        order_number: str,
        county: str,
        order_date: date | None = None,
        signing_time: datetime | None = None,
        appearance: bytes | None = None,
        audit_head: str | None = None,
    ) -> bytes:
        """Sign a rendered order; with `appearance` (a one-page PDF the size of the signature box),
        the signature field shows it; `signing_time` is recorded as the signature's time. With
        `audit_head` ("seq:hash" of the audit log when signing) the document information gets
        /ReliefDeskAuditHead in the revision the signature covers (issue 12)."""
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=f"Order No. {order_number} (HS 11361.8 / 11361.9)",
            location=f"Superior Court of California, County of {county.title()}",
            name=self.info.name,
        )
        spec = fields.SigFieldSpec(
            SIGNATURE_FIELD,
            on_page=rendered.signature.page,
            # pyHanko declares the box as ints but writes it as PDF reals (FloatObject); the
            # box is in points with fractions, and rounding would move the field off the line.
            box=rendered.signature.box,  # type: ignore[arg-type]
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(rendered.pdf))
        if audit_head:
            _put_info(writer, AUDIT_HEAD_KEY, audit_head)
        pdf_signer = _TimedPdfSigner(
            meta,
            signer=self._signer,
            new_field_spec=spec,
            stamp_style=_stamp(appearance),
            signing_time=signing_time,
        )
        out = pdf_signer.sign_pdf(writer, bytes_reserved=self.bytes_reserved)
        return out.getvalue()

    def sign_order(
        self,
        rendered: RenderedOrder,
        order: OrderData,
        moment: datetime | None = None,
        audit_head: str | None = None,
    ) -> tuple[bytes, datetime]:
        """Sign a rendered order with the visible appearance "Digitally signed by Hon. NAME, TITLE,
        DATE TIME (Pacific)" (title as printed on the order); returns the signed PDF and the time."""
        from desktop.orders.appearance import appearance_pdf

        moment = (moment or clock.now()).astimezone(UTC).replace(microsecond=0)
        x1, y1, x2, y2 = rendered.signature.box
        look = appearance_pdf(order.judge.name, order.judge.title, moment, x2 - x1, y2 - y1)
        data = self.sign(
            rendered,
            order_number=order.order_number,
            county=order.county,
            signing_time=moment,
            appearance=look,
            audit_head=audit_head,
        )
        return data, moment
