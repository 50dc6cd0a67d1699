"""Engine input and output. Plain data: the engine reads no database, clock or file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop.vocabulary import Flag, Relief, ResentenceTarget

ENGINE_VERSION = "1.2.1"

# The vocabularies are StrEnums in desktop.vocabulary; these tuples keep their order (the
# determinations export, the queue's filters and the reports list them in it).
RELIEFS: tuple[Relief, ...] = tuple(Relief)
GRANTS: tuple[Relief, ...] = (
    Relief.DISMISS_AND_SEAL,
    Relief.REDESIGNATE_MISDEMEANOR,
    Relief.REDESIGNATE_INFRACTION,
    Relief.RESENTENCE,
)
RESENTENCE_TARGETS: tuple[ResentenceTarget, ...] = tuple(ResentenceTarget)

FLAGS: tuple[Flag, ...] = tuple(Flag)
# Flags that stop county policy from granting relief, and keep a count out of bulk approval.
HARD_STOPS: frozenset[Flag] = frozenset(
    {
        Flag.OFFENSE_AFTER_PROP64,
        Flag.JUDGMENT_AFTER_PROP64,
        Flag.DISQUALIFYING_PRIOR,
        Flag.TWO_PRIORS,
        Flag.REGISTRATION_ONLY,
        Flag.INELIGIBLE_SUBDIVISION,
        Flag.SERVING_SENTENCE,
        Flag.OUT_OF_SCOPE_SECTION,
        Flag.JUVENILE,
        Flag.RECORD_INCONSISTENT,
        Flag.PROSECUTION_CHALLENGED,
        Flag.ENVIRONMENTAL_VIOLATION,
        Flag.RECORD_INCOMPLETE,
        Flag.POSSIBLE_DISQUALIFIER,
        Flag.SECTION_UNREADABLE,
        Flag.POSSIBLE_PROP64_IN_COMMENT,
    }
)


@dataclass(frozen=True)
class SubjectFacts:
    id: int
    name: str | None
    dob: date | None
    deceased: bool
    registered_290: bool
    # DOJ's partial date of birth (19700000): the interval it names; dob is then None.
    dob_range: tuple[date, date] | None = None
    # Rows of this person the import had to reject: (file name, line), by SUBJECT_ID.
    rejected_lines: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class CountFacts:
    id: int
    case_id: int
    case_number: str | None
    cnt_order: str
    count_no: int | None
    county: str | None
    offense_text: str | None
    section: str | None
    base: str | None
    code: str | None
    level: str | None
    convicted: bool
    conviction_date: date | None
    cycle_date: date | None
    sentence_end: date | None  # None: the record has no sentence data
    juvenile: bool
    comment: str | None = None
    disposition: str | None = None
    # The count has sentence rows (when sentence_end is None too, they could not be read).
    has_sentence: bool = False
    # Dates the record gives only in part ('2010-03'): (field, earliest, latest); the field
    # itself is then None. Fields: conviction_date, cycle_date, sentence_end.
    ranges: tuple[tuple[str, date, date], ...] = ()

    @property
    def cycle(self) -> str:
        return self.cnt_order[:3]

    @property
    def offense_date(self) -> date | None:
        """No offense date exists in DOJ data: the cycle (arrest) date is the proxy (§5.6)."""
        return self.cycle_date or self.conviction_date


@dataclass(frozen=True)
class Response:
    """A prosecution response under HS 11361.9(b)-(c), for a case or one count of it."""

    case_number: str
    count_no: int | None
    response: str  # challenged | not_challenged
    ground: str | None = None  # criteria | public_safety | ...
    response_date: date | None = None


@dataclass
class Step:
    rule: str
    text: str
    statute: str = ""
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "text": self.text, "statute": self.statute, "facts": self.facts}


@dataclass
class Determination:
    count_id: int
    relief: Relief
    resentence_target: str | None
    rule_path: str
    flags: list[str]
    steps: list[Step]

    def __post_init__(self) -> None:
        # A relief read from policy data arrives as text: one vocabulary from here on, and a
        # value outside it (a misspelt policy action) fails here instead of being stored.
        self.relief = Relief(self.relief)

    def explanation(self, policy_ref: dict[str, str], as_of: date) -> dict[str, Any]:
        return {
            "engine_version": ENGINE_VERSION,
            "policy": policy_ref,
            "as_of": as_of.isoformat(),
            "relief": self.relief,
            "resentence_target": self.resentence_target,
            "flags": self.flags,
            "steps": [s.as_dict() for s in self.steps],
        }
