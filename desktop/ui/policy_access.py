"""The import wizard's view of county policies, through the rules engine's policy module
(desktop/rules/policy.py): names, the editable options of one policy (its interpretation
choices and each relief rule's conditions), and saving edited options as a new version."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

from desktop.errors import UserError


def policy_names() -> list[str]:
    from desktop.rules import policy

    return list(policy.list_policies())


def load_options(name: str) -> dict[str, Any]:
    """{"version": ..., "options": {"interpretation": {...}, "rule ID": {"then": ..., conditions}}}"""
    from desktop.rules import policy

    p = policy.load_policy(name)
    options: dict[str, Any] = {"interpretation": dict(p.interpretation)}
    titles = {"interpretation": "How the statute is read where it is ambiguous"}
    for rule in p.rules:
        options[f"rule {rule.id}"] = {"then": rule.then, **rule.when}
        titles[f"rule {rule.id}"] = f"Rule {rule.id}: {rule.label}"
    return {
        "version": p.version,
        "options": options,
        "source": p.source,
        "titles": titles,
        "title": p.title,
    }


def choices(option: str) -> list[str]:
    """The values an option takes in any policy we have (shipped or saved) plus the engine's
    default, for a pick list; 'then' offers the engine's rule actions."""
    from desktop.rules import policy

    if option == "then":
        return list(policy.ACTIONS)
    seen: list[str] = []
    default = policy.INTERPRETATION_DEFAULTS.get(option)
    if isinstance(default, str):
        seen.append(default)
    for name in policy.list_policies():
        try:
            value = policy.load_policy(name).interpretation.get(option)
        except UserError:
            continue
        if isinstance(value, str) and value not in seen:
            seen.append(value)
    return seen


def apply_options(source: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """The policy's data with edited options written back (same shape as the file)."""
    data = copy.deepcopy(source)
    data["interpretation"] = {**data.get("interpretation", {}), **options.get("interpretation", {})}
    for rule in data.get("rules", []):
        edited = options.get(f"rule {rule.get('id')}")
        if edited:
            edited = dict(edited)
            rule["then"] = edited.pop("then", rule.get("then"))
            rule["when"] = {**rule.get("when", {}), **edited}
    return data


def save_version(conn: sqlite3.Connection, name: str, options: dict[str, Any], user: Any) -> str:
    """Store the edited options as a new version of policy `name` (validated, audited by the
    evaluation layer's save_policy_version); returns the new version."""
    from desktop.evaluation import policies

    data = apply_options(load_options(name)["source"], options)
    saved = policies.save_policy_version(conn, data, getattr(user, "name", user))
    return saved.version


_VALUE_WORDS = {
    "dismiss": "dismiss and seal",
    "reduce": "reduce the level",
    "needs_review": "review by hand",
    "not_eligible": "not eligible",
    "before_offense": "only priors before the offense (the statute)",
    "before_disposition": "priors before the disposition",
    "anywhere": "priors anywhere on the record",
    "statute": "as the statute reads it",
    "two_earlier_same_section": "two earlier convictions under the same section",
    "three_same_section": "three or more under the same section, any dates",
}


def value_words(value: str) -> str:
    """A policy option's value as words ('before_disposition' -> 'priors before the
    disposition'); values without a phrase are spelled out without underscores."""
    return _VALUE_WORDS.get(value, str(value).replace("_", " "))


def policy_title(name: str) -> str:
    """The policy's own title ('Los Angeles pilot (gogen_pilots)'), or '' when unreadable."""
    from desktop.rules import policy

    try:
        return policy.load_policy(name).title or ""
    except UserError:
        return ""


_OPTION_WORDS = {
    "judgment_after_prop64": "Offense before Prop 64 (Nov 9, 2016) but judgment after it",
    "disqualifying_priors": "Super-strike or PC 290(c) priors that bar a felony 11358–11360 count",
    "priors_bar_all_sections": "Such a prior bars every count, HS 11357 included",
    "registration": "A PC 290 registration with no 290(c) conviction on the record",
    "two_priors": "Repeat convictions that bar relief",
    "presume_11360b_lawful": "Presume a pre-Prop 64 HS 11360(b) gift or transport of 28.5 g or "
    "less was lawful",
    "then": "Then",
    "level": "Level of the conviction",
    "sections": "Sections",
    "section_patterns": "Section patterns",
    "under_21_at_conviction": "Under 21 at conviction",
    "age_on_as_of_at_least": "Age on the as-of date at least",
    "age_on_as_of_at_most": "Age on the as-of date at most",
    "years_since_conviction_at_least": "Years since the conviction at least",
    "years_crime_free_at_least": "Years without a conviction at least",
    "deceased": "The person has died",
    "only_prop64": "Prop 64 convictions only on the record",
    "sentence_completed": "Sentence completed",
    "all_sentences_completed": "Every sentence completed",
    "more_than_one_conviction": "More than one conviction",
}


def option_words(key: str) -> str:
    """A policy option's name as a sentence for its label ('judgment_after_prop64' -> 'Offense
    before Prop 64 (Nov 9, 2016) but judgment after it')."""
    text = _OPTION_WORDS.get(key, key.replace("_", " "))
    return text[:1].upper() + text[1:]
