"""The engine's codes as words a clerk reads: reliefs, flags and rule paths.

A rule path is the engine's route to a proposal, kept in the database as a compact key such as
'11360 felony, R4 misdemeanor today; policy la-3, completed sentence, → redesignate_misdemeanor,
flags: disqualifying_prior' (desktop.rules.engine). Bulk approval and the queue filter group
counts by it; the window shows it as a sentence."""

from __future__ import annotations

import re

from desktop.vocabulary import Relief

_RELIEF_WORDS: dict[str, str] = {
    Relief.DISMISS_AND_SEAL: "dismiss and seal",
    Relief.REDESIGNATE_MISDEMEANOR: "reduce to misdemeanor",
    Relief.REDESIGNATE_INFRACTION: "reduce to infraction",
    Relief.RESENTENCE: Relief.RESENTENCE,
    Relief.NOT_ELIGIBLE: "not eligible",
    Relief.NEEDS_REVIEW: "needs review",
}
_SENTENCES = ("serving sentence", "completed sentence", "sentence unknown")
_RULE = re.compile(r"^(R\d+)\s+(.*)$")


def relief_words(relief: str | None, target: str | None = None) -> str:
    """'redesignate_misdemeanor' -> 'reduce to misdemeanor'; resentence names its target."""
    text = _RELIEF_WORDS.get(relief or "", (relief or "").replace("_", " "))
    if relief == Relief.RESENTENCE and target:
        text += f" ({target})"
    return text


def flag_words(flag: str) -> str:
    return flag.replace("_", " ")


def _decisive_words(text: str) -> str:
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        if part == "floor":
            out.append("the statutory floor")
        elif part.startswith("policy "):
            rest = part[len("policy ") :]
            out.append(
                "the county policy asks for review"
                if rest == "review"
                else f"the county policy's rule “{rest}”"
            )
        else:
            m = _RULE.match(part)
            out.append(f"{m.group(2)} (rule {m.group(1)})" if m else part)
    return "; ".join(out)


def rule_path_words(path: str | None) -> str:
    """'11360 felony, R4 misdemeanor today, completed sentence, → redesignate_misdemeanor, no
    flags' -> 'HS 11360 felony: misdemeanor today (rule R4), completed sentence → reduce to
    misdemeanor; no flags'. A path in another form is returned with its codes spelled out."""
    if not path:
        return ""
    parts = path.split(", ")
    arrow = next((i for i, p in enumerate(parts) if p.startswith("→")), None)
    if arrow is None or arrow < 1:
        return path.replace("_", " ")
    head = parts[0]
    after = parts[arrow + 1 :]
    sentence_at = arrow - 1 if arrow >= 2 and parts[arrow - 1] in _SENTENCES else arrow
    decisive = ", ".join(parts[1:sentence_at])
    sentence = parts[sentence_at] if sentence_at < arrow else ""
    m = re.match(r"→\s*(\w+)(?:\s*\((\w+)\))?", parts[arrow])
    relief = relief_words(m.group(1), m.group(2)) if m else parts[arrow][1:].strip()
    flags = ", ".join(after)
    if flags.startswith("flags:"):
        flags = "flags: " + ", ".join(flag_words(f) for f in flags[6:].strip().split(";") if f)
    head_text = f"HS {head}" if head[:1].isdigit() else head
    middle = ", ".join(x for x in (_decisive_words(decisive), sentence) if x)
    text = f"{head_text}: {middle} → {relief}" if middle else f"{head_text} → {relief}"
    return f"{text}; {flags}" if flags else text
