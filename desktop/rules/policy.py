"""County policies as data.

A policy has three parts (see resources/policies/README.md):
- `interpretation`: the county's choice on the points where the statute is ambiguous (domain spec
  §5.5, the AMB scenarios): how judgments after 2016-11-09 are treated, which priors disqualify,
  what a PC 290 registration event without a conviction means, what "two priors" means, whether
  an 11360(b) gift is presumed lawful. These shape the statutory floor.
- `rules`: an ordered list (first match wins) of county relief rules. A rule that grants relief
  (`dismiss`, `reduce`) can only raise the floor's relief; it turns a floor `not_eligible` or
  `needs_review` into a grant only when it says `"overrides_floor": true`, and never overrides a
  hard stop (offense after Prop 64, disqualifying priors, ineligible subdivisions, out-of-scope
  sections, juveniles, serving sentences, inconsistent records, prosecution challenges). A rule
  that routes to `needs_review` asks for more human review, never less.
- `related_charges` / `plea_bargain`: non-Prop-64 counts in the same cycle (§5.3, §5.4).

A BEAR/gogen eligibility-options JSON (`baselineEligibility`, `additionalRelief`) is converted to
the same shape with BEAR's semantics, including its implicit "every misdemeanor or infraction
count is dismissed"."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.errors import UserError
from desktop.paths import resources_dir
from desktop.rules.sections import PROP64_SECTIONS, parse_pattern

ACTIONS = ("dismiss", "reduce", "needs_review", "not_eligible")
CONDITIONS = {
    "level": list,
    "sections": list,
    "section_patterns": list,
    "under_21_at_conviction": bool,
    "age_on_as_of_at_least": int,
    "age_on_as_of_at_most": int,
    "years_since_conviction_at_least": int,
    "years_crime_free_at_least": int,
    "deceased": bool,
    "only_prop64": bool,
    "sentence_completed": bool,
    "all_sentences_completed": bool,
    "more_than_one_conviction": bool,
}
INTERPRETATION_DEFAULTS: dict[str, Any] = {
    # Offense before 2016-11-09 but judgment after it (T20): needs_review | not_eligible.
    "judgment_after_prop64": "needs_review",
    # Which super-strike / PC 290(c) convictions disqualify a felony 11358-11360 count:
    # before_offense (statute) | before_disposition (LA) | anywhere (SF).
    "disqualifying_priors": "before_offense",
    # SF barred every count, 11357 included, when the record had a disqualifier anywhere.
    "priors_bar_all_sections": False,
    # A PC 290 REGISTRATION event with no 290(c) conviction on the record (T17).
    "registration": "needs_review",
    # statute (priors must be under the new misdemeanor subdivision, so pre-AUMA priors never
    # count) | two_earlier_same_section (LA) | three_same_section (SF: three or more, any dates).
    "two_priors": "statute",
    # Presume a pre-AUMA 11360(b) give/transport of <= 28.5 g was a lawful adult gift (T30).
    "presume_11360b_lawful": True,
}


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    when: dict[str, Any]
    then: str
    overrides_floor: bool = False
    statute: str = ""


@dataclass(frozen=True)
class RelatedCharges:
    sections: tuple[tuple[str, str], ...]
    action: str = "report"  # report | dismiss
    maybe_sections: tuple[tuple[str, str], ...] = ()
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class PleaBargain:
    codes: tuple[tuple[str, str], ...]
    action: str = "report"  # report | follow_prop64
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    title: str
    description: str
    interpretation: dict[str, Any]
    rules: tuple[Rule, ...]
    otherwise: str  # floor | needs_review
    related: RelatedCharges | None
    plea: PleaBargain | None
    source: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def ref(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}

    def to_json(self) -> str:
        return json.dumps(self.source, sort_keys=True, indent=2)


def policies_dir() -> Path:
    """The policies shipped with ReliefDesk (read-only)."""
    return resources_dir() / "policies"


def user_policies_dir() -> Path:
    """Policies a court saved (edited versions); these take precedence over shipped ones."""
    from desktop.paths import data_dir

    return data_dir() / "policies"


def list_policies() -> list[str]:
    names = {p.stem for p in policies_dir().glob("*.json")}
    names |= {p.stem for p in user_policies_dir().glob("*.json")}
    return sorted(names)


def load_policy(name_or_path: str | Path) -> Policy:
    """A shipped policy by name (resources/policies/NAME.json), or a policy / BEAR options file."""
    p = Path(name_or_path)
    if not p.exists():
        candidate = user_policies_dir() / f"{name_or_path}.json"
        if not candidate.exists():
            candidate = policies_dir() / f"{name_or_path}.json"
        if not candidate.exists():
            raise UserError(
                f"no policy named '{name_or_path}' and no such file; shipped policies: "
                f"{', '.join(list_policies())}",
                exit_code=2,
            )
        p = candidate
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"policy file {p} cannot be read: {exc}", exit_code=2) from None
    if not isinstance(data, dict):
        raise UserError(f"policy file {p} must hold a JSON object", exit_code=2)
    if "baselineEligibility" in data or "additionalRelief" in data:
        return from_bear_options(data, name=p.stem)
    return from_dict(data, where=str(p))


def from_dict(data: dict[str, Any], where: str = "policy") -> Policy:
    def bad(msg: str) -> UserError:
        return UserError(f"{where}: {msg}", exit_code=2)

    for key in ("name", "version"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise bad(f"'{key}' must be a non-empty string")
    interp = dict(INTERPRETATION_DEFAULTS)
    for k, v in (data.get("interpretation") or {}).items():
        if k not in INTERPRETATION_DEFAULTS:
            raise bad(f"unknown interpretation option '{k}'")
        interp[k] = v
    rules = []
    for i, r in enumerate(data.get("rules") or []):
        rid = r.get("id") or f"rule{i + 1}"
        if r.get("then") not in ACTIONS:
            raise bad(f"rule '{rid}': 'then' must be one of {', '.join(ACTIONS)}")
        when = r.get("when") or {}
        for k, v in when.items():
            if k not in CONDITIONS:
                raise bad(f"rule '{rid}': unknown condition '{k}'")
            if not isinstance(v, CONDITIONS[k]) or (CONDITIONS[k] is int and isinstance(v, bool)):
                raise bad(f"rule '{rid}': condition '{k}' must be {CONDITIONS[k].__name__}")
        rules.append(
            Rule(
                id=rid,
                label=r.get("label") or rid,
                when=when,
                then=r["then"],
                overrides_floor=bool(r.get("overrides_floor", False)),
                statute=r.get("statute", ""),
            )
        )
    otherwise = data.get("otherwise", "floor")
    if otherwise not in ("floor", "needs_review"):
        raise bad("'otherwise' must be 'floor' or 'needs_review'")

    def patterns(items: list[str], what: str) -> tuple[tuple[str, str], ...]:
        out = []
        for t in items:
            try:
                out.append(parse_pattern(t))
            except ValueError as exc:
                raise bad(f"{what}: {exc}") from None
        return tuple(out)

    related = None
    if data.get("related_charges"):
        rc = data["related_charges"]
        if rc.get("action", "report") not in ("report", "dismiss"):
            raise bad("related_charges.action must be 'report' or 'dismiss'")
        related = RelatedCharges(
            sections=patterns(rc.get("sections", []), "related_charges"),
            action=rc.get("action", "report"),
            maybe_sections=patterns(rc.get("maybe_sections", []), "related_charges.maybe_sections"),
            texts=tuple(rc.get("sections", [])),
        )
    plea = None
    if data.get("plea_bargain"):
        pb = data["plea_bargain"]
        if pb.get("action", "report") not in ("report", "follow_prop64"):
            raise bad("plea_bargain.action must be 'report' or 'follow_prop64'")
        plea = PleaBargain(
            codes=patterns(pb.get("codes", []), "plea_bargain"),
            action=pb.get("action", "report"),
            texts=tuple(pb.get("codes", [])),
        )
    return Policy(
        name=data["name"],
        version=data["version"],
        title=data.get("title", data["name"]),
        description=data.get("description", ""),
        interpretation=interp,
        rules=tuple(rules),
        otherwise=otherwise,
        related=related,
        plea=plea,
        source=data,
    )


def from_bear_options(opts: dict[str, Any], name: str = "bear-options") -> Policy:
    """A BEAR/gogen eligibility-options file as a policy with BEAR's semantics (§5.1)."""
    base = opts.get("baselineEligibility") or {}
    extra = opts.get("additionalRelief") or {}
    dismiss = [str(s) for s in base.get("dismiss") or []]
    reduce_ = [str(s) for s in base.get("reduce") or []]
    for s in dismiss + reduce_:
        if s not in PROP64_SECTIONS:
            raise UserError(f"BEAR options: '{s}' is not one of {', '.join(PROP64_SECTIONS)}", 2)
    rules: list[dict[str, Any]] = [
        {
            "id": "bear.misdemeanor",
            "label": "Misdemeanor or Infraction",
            "then": "dismiss",
            "when": {"level": ["M", "I"]},
        },
    ]
    for s in dismiss:
        rules.append(
            {
                "id": f"bear.dismiss.{s}",
                "label": f"Dismiss all HS {s} convictions",
                "then": "dismiss",
                "when": {"level": ["F"], "sections": [s]},
            }
        )
    if extra.get("subjectUnder21AtConviction"):
        rules.append(
            {
                "id": "bear.under21",
                "label": "21 years or younger",
                "then": "dismiss",
                "when": {"under_21_at_conviction": True},
            }
        )
    age = int(extra.get("subjectAgeThreshold") or 0)
    if age:
        rules.append(
            {
                "id": "bear.age",
                "label": f"{age} years or older",
                "then": "dismiss",
                "when": {"age_on_as_of_at_least": age},
            }
        )
    years = int(extra.get("yearsSinceConvictionThreshold") or 0)
    if years:
        rules.append(
            {
                "id": "bear.years_since",
                "label": f"Conviction occurred {years} or more years ago",
                "then": "dismiss",
                "when": {"years_since_conviction_at_least": years},
            }
        )
    crime_free = int(extra.get("yearsCrimeFreeThreshold") or 0)
    if crime_free:
        rules.append(
            {
                "id": "bear.crime_free",
                "label": f"No convictions in the past {crime_free} years",
                "then": "dismiss",
                "when": {"years_crime_free_at_least": crime_free},
            }
        )
    if extra.get("subjectHasOnlyProp64Charges"):
        rules.append(
            {
                "id": "bear.only_prop64",
                "label": "Only has 11357-60 charges",
                "then": "dismiss",
                "when": {"only_prop64": True},
            }
        )
    if extra.get("subjectIsDeceased"):
        rules.append(
            {
                "id": "bear.deceased",
                "label": "Individual is deceased",
                "then": "dismiss",
                "when": {"deceased": True},
            }
        )
    for s in reduce_:
        rules.append(
            {
                "id": f"bear.reduce.{s}",
                "label": f"Reduce all HS {s} convictions",
                "then": "reduce",
                "when": {"level": ["F"], "sections": [s]},
            }
        )
    for r in rules:
        r["overrides_floor"] = True  # BEAR decides every in-scope count it matches
        r["statute"] = "County policy (BEAR eligibility options); HS 11361.9"
    digest = hashlib.sha256(json.dumps(opts, sort_keys=True).encode()).hexdigest()[:12]
    data = {
        "name": name,
        "version": f"bear-{digest}",
        "title": f"BEAR options: {name}",
        "description": "Converted from a BEAR/gogen eligibility-options file.",
        "rules": rules,
        "otherwise": "floor",
        "bear_options": opts,
    }
    return from_dict(data, where=name)
