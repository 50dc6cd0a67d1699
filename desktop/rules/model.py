"""Engine input and output. Plain data: the engine reads no database, clock or file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

ENGINE_VERSION = "1.2.1"

RELIEFS = (
    "dismiss_and_seal",
    "redesignate_misdemeanor",
    "redesignate_infraction",
    "resentence",
    "not_eligible",
    "needs_review",
)
GRANTS = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction", "resentence")
RESENTENCE_TARGETS = ("dismissed", "misdemeanor", "infraction")

FLAGS = (
    "offense_after_prop64",
    "judgment_after_prop64",
    "disqualifying_prior",
    "two_priors",
    "registration_only",
    "ineligible_subdivision",
    "serving_sentence",
    "sentence_unknown",
    "out_of_scope_section",
    "juvenile",
    "unknown_quantity",
    "prosecution_challenged",
    "prosecution_not_challenged",
    "record_inconsistent",
    "policy_relief",
    "statute_exceeds_policy",
    # ReliefDesk additions:
    "environmental_violation",
    "related_charge",
    "plea_bargain",
    "level_inferred",
    # Issue 13 §3 (never decide on a partial record):
    "record_incomplete",  # a row of this person could not be imported (rejected_rows)
    "date_partial",  # a date is known only to its year or month (DOJ's 00)
    "sentence_from_event",  # the count's sentence is written on another count of its event
    "deceased",  # the record has a DECEASED event
    # Issue 13 (sections as DOJ writes them, complete disqualifier lists):
    "possible_disqualifier",
    "section_unreadable",
    "code_corrected",
    "possible_prop64_in_comment",
)
# Flags that stop county policy from granting relief, and keep a count out of bulk approval.
HARD_STOPS = frozenset(
    {
        "offense_after_prop64",
        "judgment_after_prop64",
        "disqualifying_prior",
        "two_priors",
        "registration_only",
        "ineligible_subdivision",
        "serving_sentence",
        "out_of_scope_section",
        "juvenile",
        "record_inconsistent",
        "prosecution_challenged",
        "environmental_violation",
        "record_incomplete",
        "possible_disqualifier",
        "section_unreadable",
        "possible_prop64_in_comment",
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
    relief: str
    resentence_target: str | None
    rule_path: str
    flags: list[str]
    steps: list[Step]

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
