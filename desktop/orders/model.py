"""What an order says, as plain data: the renderer and signer take these and never touch the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from desktop.vocabulary import Relief, ResentenceTarget

# Reliefs an order can grant (not_eligible / needs_review never reach an order).
GRANTABLE: tuple[Relief, ...] = (
    Relief.DISMISS_AND_SEAL,
    Relief.REDESIGNATE_MISDEMEANOR,
    Relief.REDESIGNATE_INFRACTION,
    Relief.RESENTENCE,
)
RESENTENCE_TARGETS: tuple[ResentenceTarget, ...] = tuple(ResentenceTarget)


@dataclass(frozen=True)
class CountLine:
    """One convicted count and the relief granted for it."""

    count_no: int | None
    code: str  # HS, PC, ...
    section: str  # as convicted, normalised: '11359', '11357(B)'
    level: str | None  # F | M | I | None (unknown)
    conviction_date: str | None  # ISO date
    relief: str  # one of GRANTABLE
    resentence_target: str | None = None  # for relief == 'resentence'
    count_id: int | None = None  # database id, when the order came from a batch
    changed: bool = False  # the clerk changed the relief the engine proposed
    reason: str | None = None  # the clerk's stated reason for the decision, when given
    flags: tuple[str, ...] = ()  # engine flags the court resolved in granting this relief

    @property
    def serving(self) -> bool:
        """Resentencing is the path for people still serving the sentence (HS 11361.8(a)-(d))."""
        return self.relief == "resentence"


@dataclass(frozen=True)
class ProsecutionNotice:
    """The prosecution's response for a case under HS 11361.9(b)-(c); None fields = none on file."""

    response: str | None = (
        None  # 'not_challenged' | 'challenged' | None (no response by the deadline)
    )
    date: str | None = None  # ISO date of the notice


@dataclass(frozen=True)
class Person:
    name: str
    akas: tuple[str, ...] = ()
    dob: str | None = None  # ISO date
    cii: str | None = None
    sort_name: str = ""  # surname first, for a schedule sorted by surname


@dataclass(frozen=True)
class CaseEntry:
    """One court case of one person, with the counts this order covers."""

    person: Person
    case_number: str | None
    counts: tuple[CountLine, ...]
    court: str | None = None
    prosecution: ProsecutionNotice = field(default_factory=ProsecutionNotice)
    juvenile: bool = False
    case_id: int | None = None
    terms: ResentenceTerms | None = None  # resentencing orders only


@dataclass(frozen=True)
class ResentenceTerms:
    """What the judge decided for a resentencing (HS 11361.8(b)-(d))."""

    credit_days: int
    disposition: str  # 'released' | 'supervision'
    supervision_kind: str = ""  # e.g. 'misdemeanor probation'
    supervision_months: int | None = None
    hearing_date: str | None = None  # ISO date; None = decided on the papers without a hearing
    hearing_department: str = ""


@dataclass(frozen=True)
class CourtDetails:
    """The court's own details, set once by an administrator (desktop/orders/court_settings.py)."""

    department: str = ""
    courthouse: str = ""
    address: str = ""
    clerk_certificate: str = ""
    name_style: str = "upper"
    schedule_names: str = "surname_first"
    relief_words: dict[str, str] = field(default_factory=dict)

    @property
    def address_lines(self) -> list[str]:
        return [p.strip() for p in self.address.replace("|", "\n").splitlines() if p.strip()]


@dataclass(frozen=True)
class Judge:
    name: str  # as it appears on the certificate, e.g. 'Hon. Ana Ruiz'
    title: str  # 'Judge of the Superior Court'
    signature_image: bytes | None = None  # optional PNG/JPEG of a handwritten signature


@dataclass(frozen=True)
class OrderData:
    """Everything printed on one order. A one-case or resentencing order has one entry; a bulk
    order has many (its schedule)."""

    order_number: str
    county: str
    order_date: date
    judge: Judge
    entries: tuple[CaseEntry, ...]
    courthouse: str | None = None
    court: CourtDetails = field(default_factory=CourtDetails)
    amends: str | None = None  # the order number this order corrects
    amend_reason: str = ""
    signing: str = "digital"  # 'digital' (PAdES appearance box) | 'unsigned' (ink / external)

    @property
    def counts(self) -> list[CountLine]:
        return [c for e in self.entries for c in e.counts]
