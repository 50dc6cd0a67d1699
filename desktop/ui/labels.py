"""Words and colours the window uses for reliefs, statuses and flags.

Every relief is shown as words first; the colour only repeats what the words say, so a
colour-blind clerk or a grey-scale printout reads the same thing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.clock import court_time_text
from desktop.review.words import rule_path_words


@dataclass(frozen=True)
class Badge:
    text: str
    fg: str
    bg: str


RELIEFS: tuple[str, ...] = (
    "dismiss_and_seal",
    "redesignate_misdemeanor",
    "redesignate_infraction",
    "resentence",
    "not_eligible",
    "needs_review",
)

_RELIEF_BADGES: dict[str, Badge] = {
    "dismiss_and_seal": Badge("Dismiss & seal", "#ffffff", "#1d5e2a"),
    "redesignate_misdemeanor": Badge("Reduce to misdemeanor", "#ffffff", "#1f4f8f"),
    "redesignate_infraction": Badge("Reduce to infraction", "#ffffff", "#0d6470"),
    "resentence": Badge("Resentence", "#ffffff", "#6a2c8a"),
    "not_eligible": Badge("Not eligible", "#ffffff", "#5a5f66"),
    "needs_review": Badge("Needs review", "#111111", "#f2c14e"),
}

RESENTENCE_TARGETS: tuple[str, ...] = ("dismissed", "misdemeanor", "infraction")

STATUSES: tuple[str, ...] = ("pending", "approved", "rejected", "changed", "deferred")

_STATUS_BADGES: dict[str, Badge] = {
    "pending": Badge("Pending", "#111111", "#ffffff"),
    "approved": Badge("Approved", "#1d5e2a", "#e4f2e6"),
    "rejected": Badge("Rejected", "#8f1d1d", "#f8e3e3"),
    "changed": Badge("Changed", "#1f4f8f", "#e3ecf8"),
    "deferred": Badge("Deferred", "#6b4a00", "#fbf0d0"),
    # After the clerk's part (desktop.review.lifecycle): the count's later life.
    "sent_back": Badge("Sent back by the judge", "#8f1d1d", "#fde8d8"),
    "submitted": Badge("With the judge", "#3b2f7a", "#ece8f8"),
    "accepted": Badge("Accepted by the judge", "#134a20", "#d8efdc"),
    "ordered": Badge("Ordered", "#ffffff", "#24425f"),
}

# Reasons offered in the reject dialog; the review core keeps its own list and accepts free text.
REJECT_REASONS: tuple[str, ...] = (
    "record inconsistent",
    "not a cannabis conviction",
    "prosecution challenge",
    "needs hearing",
    "other",
)


def relief_badge(relief: str | None, target: str | None = None) -> Badge:
    badge = _RELIEF_BADGES.get(relief or "", Badge(relief or "—", "#111111", "#ffffff"))
    if relief == "resentence" and target:
        return Badge(f"Resentence → {target}", badge.fg, badge.bg)
    return badge


def relief_text(relief: str | None, target: str | None = None) -> str:
    return relief_badge(relief, target).text


_RELIEF_SHORT = {
    "redesignate_misdemeanor": "To misdemeanor",
    "redesignate_infraction": "To infraction",
}


def relief_short(relief: str | None, target: str | None = None) -> str:
    """The relief in the fewest words that still tell the reliefs apart, for a narrow list
    column ('To misdemeanor', 'Resentence'); the whole words ('Resentence → misdemeanor') are
    in its tooltip and the detail pane."""
    if relief == "resentence":
        return "Resentence"
    return _RELIEF_SHORT.get(relief or "", relief_text(relief, target))


def status_badge(status: str | None) -> Badge:
    return _STATUS_BADGES.get(status or "", Badge(status or "—", "#111111", "#ffffff"))


def flag_text(flag: str) -> str:
    """'disqualifying_prior' -> 'disqualifying prior'."""
    return flag.replace("_", " ")


def split_flags(flags: str | list[str] | None) -> list[str]:
    if not flags:
        return []
    if isinstance(flags, list):
        return [f for f in flags if f]
    return [f for f in flags.split(";") if f]


def when(stamp: str | None) -> str:
    """'2026-11-26T03:45:45.994290+00:00' -> '2026-11-25 19:45 PST': a stored UTC instant on the
    court's wall clock (desktop.clock.court_time_text), to the minute a clerk needs; the audit
    log keeps the full time."""
    return court_time_text(stamp)


def rule_path_text(path: str | None) -> str:
    """A rule path as a sentence (desktop.review.words)."""
    return rule_path_words(path)


_COMMAND_HINTS = (
    # "; see `reliefdesk queue list` for the count ids", "(reliefdesk review show 5 --as x)"
    re.compile(r"[;,]?\s*(?:see|use|run|with|make the key with)?\s*`reliefdesk [^`]*`[^.;)]*"),
    re.compile(r"\s*\((?:reliefdesk|use reliefdesk) [^)]*\)"),
    re.compile(r"[;,]?\s*use reliefdesk [^.;]*"),
)


def user_message(text: str) -> str:
    """A core refusal as the window shows it: the command-line hints written for the CLI are
    left out (a clerk in the window has no terminal), the first letter capitalised."""
    out = str(text)
    for pattern in _COMMAND_HINTS:
        out = pattern.sub("", out)
    out = re.sub(r"\s{2,}", " ", out).strip().rstrip(";,")
    if out and not out.endswith((".", "!", "?")):
        out += "."
    return out[:1].upper() + out[1:]
