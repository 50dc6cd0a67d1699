"""The program's closed vocabularies: reliefs, review statuses, roles and determination flags.

Each is a `StrEnum`: a member *is* its string (`Relief.DISMISS_AND_SEAL == "dismiss_and_seal"`,
`f"{Relief.RESENTENCE}"` is "resentence", SQLite stores and json writes the text), so stored
rows, exports, audit entries and the engine's golden output are byte for byte what they were
when these were plain strings. What the enums add: a misspelt value is an AttributeError where
it is written, not a silent no-match in a comparison; mypy sees which vocabulary a value is from.

A leaf (layer 0): the engine, the importers, review, orders and the front ends all read it."""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Relief(StrEnum):
    """What the engine proposes for a count, and what a clerk may decide instead."""

    DISMISS_AND_SEAL = "dismiss_and_seal"
    REDESIGNATE_MISDEMEANOR = "redesignate_misdemeanor"
    REDESIGNATE_INFRACTION = "redesignate_infraction"
    RESENTENCE = "resentence"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"


@unique
class ResentenceTarget(StrEnum):
    """What a resentenced count becomes (only with Relief.RESENTENCE)."""

    DISMISSED = "dismissed"
    MISDEMEANOR = "misdemeanor"
    INFRACTION = "infraction"


@unique
class ReviewStatus(StrEnum):
    """Where a count's review stands (review_items.status)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGED = "changed"
    DEFERRED = "deferred"


@unique
class Role(StrEnum):
    """A user's role (users.role); role checks live in desktop.review.users."""

    CLERK = "clerk"
    JUDGE = "judge"
    ADMIN = "admin"
    RECORDS_OFFICER = "records_officer"


@unique
class Flag(StrEnum):
    """The engine's determination flags (determinations.flags, a comma-separated list)."""

    OFFENSE_AFTER_PROP64 = "offense_after_prop64"
    JUDGMENT_AFTER_PROP64 = "judgment_after_prop64"
    DISQUALIFYING_PRIOR = "disqualifying_prior"
    TWO_PRIORS = "two_priors"
    REGISTRATION_ONLY = "registration_only"
    INELIGIBLE_SUBDIVISION = "ineligible_subdivision"
    SERVING_SENTENCE = "serving_sentence"
    SENTENCE_UNKNOWN = "sentence_unknown"
    OUT_OF_SCOPE_SECTION = "out_of_scope_section"
    JUVENILE = "juvenile"
    UNKNOWN_QUANTITY = "unknown_quantity"
    PROSECUTION_CHALLENGED = "prosecution_challenged"
    PROSECUTION_NOT_CHALLENGED = "prosecution_not_challenged"
    RECORD_INCONSISTENT = "record_inconsistent"
    POLICY_RELIEF = "policy_relief"
    STATUTE_EXCEEDS_POLICY = "statute_exceeds_policy"
    # ReliefDesk additions:
    ENVIRONMENTAL_VIOLATION = "environmental_violation"
    RELATED_CHARGE = "related_charge"
    PLEA_BARGAIN = "plea_bargain"
    LEVEL_INFERRED = "level_inferred"
    # Issue 13 §3 (never decide on a partial record):
    RECORD_INCOMPLETE = "record_incomplete"  # a row of this person could not be imported
    DATE_PARTIAL = "date_partial"  # a date is known only to its year or month (DOJ's 00)
    SENTENCE_FROM_EVENT = "sentence_from_event"  # the sentence is written on another count
    DECEASED = "deceased"  # the record has a DECEASED event
    # Issue 13 (sections as DOJ writes them, complete disqualifier lists):
    POSSIBLE_DISQUALIFIER = "possible_disqualifier"
    SECTION_UNREADABLE = "section_unreadable"
    CODE_CORRECTED = "code_corrected"
    POSSIBLE_PROP64_IN_COMMENT = "possible_prop64_in_comment"


def sql_in(values: tuple[str, ...] | frozenset[str]) -> str:
    """A SQL list of literal values, `('a', 'b')`, for a fixed vocabulary written into a query.
    (Formatting a tuple of members with str() would write their reprs: <Relief.X: 'x'>.)"""
    for v in values:
        if "'" in v:
            raise ValueError(f"not a vocabulary value: {str(v)!r}")
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"
