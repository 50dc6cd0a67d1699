"""The Prop 64 relief engine (domain spec §7.1): the statutory floor first, then the county policy.

Pure: the input is one subject with every count on their record, a policy, an as-of date and any
prosecution responses; the output is one Determination per in-scope count. No clock, no database,
no Qt. Each determination carries ordered explanation steps a clerk can read aloud."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from desktop.law.normalize import add_period, offense_section, parse_section, subdivisions
from desktop.rules.model import (
    GRANTS,
    HARD_STOPS,
    CountFacts,
    Determination,
    Response,
    Step,
    SubjectFacts,
)
from desktop.rules.policy import Policy, Rule
from desktop.rules.priors import Prior, PriorIndex, prop64_in_comment
from desktop.rules.sections import (
    PROP64_SECTIONS,
    ineligible_subdivision,
    is_prop64,
    matches,
    matches_pattern,
    mentions_prop64,
    parse_pattern,
)
from desktop.vocabulary import Flag, Relief

PROP64_DATE = date(2016, 11, 9)
GRADE = {"lawful": 0, "infraction": 1, "misdemeanor": 2, "felony": 3}
LEVEL_GRADE = {"F": 3, "M": 2, "I": 1}
LEVEL_WORD = {"F": "felony", "M": "misdemeanor", "I": "infraction"}
GRANT_RANK = {
    Relief.REDESIGNATE_MISDEMEANOR: 1,
    Relief.REDESIGNATE_INFRACTION: 2,
    Relief.DISMISS_AND_SEAL: 3,
}
RELIEF_WORDS = {
    Relief.DISMISS_AND_SEAL: "dismiss and seal",
    Relief.REDESIGNATE_MISDEMEANOR: "redesignate as a misdemeanor",
    Relief.REDESIGNATE_INFRACTION: "redesignate as an infraction",
    Relief.RESENTENCE: "recall and resentence",
    Relief.NOT_ELIGIBLE: "not eligible",
    Relief.NEEDS_REVIEW: "needs review",
}
S_8 = "HS 11361.8"
S_8E = "HS 11361.8(e)-(g)"
S_8A = "HS 11361.8(a)-(d)"


def years_between(a: date, b: date) -> int:
    """Whole years from a to b (an age)."""
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


def _d(v: date | None) -> str | None:
    return v.isoformat() if v else None


@dataclass
class Ctx:
    subject: SubjectFacts
    counts: Sequence[CountFacts]
    county: str
    policy: Policy
    as_of: date
    responses: Sequence[Response]
    convictions: list[CountFacts] = field(default_factory=list)
    by_case: dict[int, list[CountFacts]] = field(default_factory=dict)
    _by_cycle: dict[str, list[CountFacts]] | None = None
    _sentences: dict[int, tuple[date | None, CountFacts | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A fixed order, so that nothing depends on the order the counts were read in.
        self.convictions = sorted(
            (c for c in self.counts if c.convicted),
            key=lambda c: (c.conviction_date or date.min, c.cnt_order, c.id),
        )
        for c in self.convictions:
            self.by_case.setdefault(c.case_id, []).append(c)

    @cached_property
    def priors(self) -> PriorIndex:
        """Every prior weighed once per person (not once per count): linear in the record."""
        return PriorIndex(self.convictions)

    @cached_property
    def latest_conviction(self) -> date | None:
        return max((p.conviction_date for p in self.convictions if p.conviction_date), default=None)

    @cached_property
    def only_prop64(self) -> bool:
        return all(is_prop64(p.base, p.code) for p in self.convictions)

    @cached_property
    def all_completed(self) -> bool:
        return all(self.serving(p) is not True for p in self.convictions)

    @cached_property
    def n_cases(self) -> int:
        return len({p.case_id for p in self.convictions})

    @property
    def by_cycle(self) -> dict[str, list[CountFacts]]:
        """Every count the engine was given (arrest and dismissed ones too), by cycle."""
        if self._by_cycle is None:
            self._by_cycle = {}
            for c in sorted(self.counts, key=lambda c: (c.cnt_order, c.id)):
                self._by_cycle.setdefault(c.cycle, []).append(c)
        return self._by_cycle

    @property
    def interp(self) -> dict:
        return self.policy.interpretation

    def age_at(self, d: date | None) -> int | None:
        if d is None or self.subject.dob is None:
            return None
        return years_between(self.subject.dob, d)

    def response_for(self, c: CountFacts) -> Response | None:
        if not c.case_number:
            return None
        case_level = None
        for r in self.responses:
            if r.case_number == c.case_number:
                if r.count_no is not None and r.count_no == c.count_no:
                    return r
                if r.count_no is None:
                    case_level = r
        return case_level

    def sentence(self, c: CountFacts) -> tuple[date | None, CountFacts | None]:
        """The count's sentence end (None: unknown), and the count of the same court event it is
        written on when the count has no sentence rows of its own (§5.6: a sentence belongs to
        its court event; DOJ often writes it on the last count only)."""
        if c.sentence_end is not None or c.has_sentence:
            return c.sentence_end, None
        # The count itself has no sentence rows, so the event's answer is the same for every
        # such count of it: worked out once per court event (linear in the record).
        got = self._sentences.get(c.case_id)
        if got is None:
            got = self._sentences[c.case_id] = self._event_sentence(c.case_id)
        return got

    def _event_sentence(self, case_id: int) -> tuple[date | None, CountFacts | None]:
        with_sentence = [
            p for p in self.by_case.get(case_id, ()) if p.has_sentence or p.sentence_end is not None
        ]
        if not with_sentence:
            return None, None
        known = [p for p in with_sentence if p.sentence_end is not None]
        latest = max(known, key=lambda p: (p.sentence_end, p.cnt_order), default=None)
        if latest is not None and latest.sentence_end > self.as_of:  # type: ignore[operator]
            return latest.sentence_end, latest
        if latest is None or len(known) < len(with_sentence):
            return None, None  # a sentence of the event could not be read
        return latest.sentence_end, latest

    def serving(self, c: CountFacts) -> bool | None:
        """True serving, False completed, None unknown (no sentence data)."""
        end, _src = self.sentence(c)
        if end is None:
            return None
        return end > self.as_of


def evaluate_subject(
    subject: SubjectFacts,
    counts: Sequence[CountFacts],
    county: str,
    policy: Policy,
    as_of: date,
    responses: Iterable[Response] = (),
) -> list[Determination]:
    """One determination per in-scope conviction of this subject in `county`.

    Partial dates are decided over the intervals they name (_over_partial_dates); a person with
    rows the import had to reject is never decided on the rest (_record_incomplete)."""
    responses = tuple(responses)
    if subject.dob_range is None and not any(c.ranges for c in counts):
        out = _evaluate(subject, counts, county, policy, as_of, responses)
    else:
        out = _over_partial_dates(subject, counts, county, policy, as_of, responses)
    if subject.rejected_lines:
        out = [_record_incomplete(subject, d) for d in out]
    return out


def _evaluate(
    subject: SubjectFacts,
    counts: Sequence[CountFacts],
    county: str,
    policy: Policy,
    as_of: date,
    responses: Sequence[Response],
) -> list[Determination]:
    ctx = Ctx(subject, counts, county.upper(), policy, as_of, responses)
    in_county = [c for c in ctx.convictions if (c.county or "").upper() == ctx.county]
    out: list[Determination] = []
    prop64_by_cycle: dict[str, list[Determination]] = {}
    others: list[CountFacts] = []
    for c in sorted(in_county, key=lambda c: c.cnt_order):
        if is_prop64(c.base, c.code):
            d = _prop64_count(ctx, c)
            out.append(d)
            prop64_by_cycle.setdefault(c.cycle, []).append(d)
        elif mentions_prop64(c.section) or mentions_prop64(c.offense_text):
            out.append(_out_of_scope(ctx, c))
        elif (named := prop64_in_comment(c)) is not None:
            out.append(_comment_only(ctx, c, named))
        else:
            others.append(c)
    if not others or not (policy.plea or policy.related):
        return out
    charged = {p.cycle for p in counts if p.base in PROP64_SECTIONS and is_prop64(p.base, p.code)}
    by_cycle: dict[str, list[CountFacts]] = {}
    for c in others:
        if c.cycle not in charged or not any(_related_match(policy, c)):
            continue
        # §5.3-5.4: the cycle's Prop 64 charges at every step (arrest, court, dismissed), not
        # only its Prop 64 convictions; prosecutor-rejected counts are ignored.
        if c.cycle not in by_cycle:
            by_cycle[c.cycle] = [
                p
                for p in ctx.by_cycle.get(c.cycle, ())
                if is_prop64(p.base, p.code) and not _prosecutor_rejected(p)
            ]
        charges = by_cycle[c.cycle]  # c itself is not a Prop 64 count
        if charges:
            out.append(_related_count(ctx, c, prop64_by_cycle.get(c.cycle, []), charges))
    return out


def _related_match(pol: Policy, c: CountFacts) -> tuple[bool, bool, bool]:
    """(plea-bargain code, related charge, 'maybe' related charge) under the policy."""
    plea = related = maybe = False
    if pol.plea is not None:
        plea = any(matches_pattern(c.section, c.code, p) for p in pol.plea.codes)
    if pol.related is not None:
        related = any(matches_pattern(c.section, c.code, p) for p in pol.related.sections)
        maybe = any(matches_pattern(c.section, c.code, p) for p in pol.related.maybe_sections)
    return plea, related, maybe


# -- partial records (issue 13 §3, domain spec §5.6) ---------------------------------------------
# Beyond this many cycles with partial dates: review, not 4 more evaluations of the whole record
# per such cycle.
MAX_PARTIAL_CYCLES = 12


def _resolve(c: CountFacts, end: int) -> CountFacts:
    """The count with each partial date at its earliest (end=0) or latest (end=1) day."""
    if not c.ranges:
        return c
    dates: dict[str, date] = {name: (lo, hi)[end] for name, lo, hi in c.ranges}
    return replace(c, ranges=(), **dates)  # type: ignore[arg-type]


def _over_partial_dates(
    subject: SubjectFacts,
    counts: Sequence[CountFacts],
    county: str,
    policy: Policy,
    as_of: date,
    responses: Sequence[Response],
) -> list[Determination]:
    """Decide with every date the partial dates allow: each rule compares a date with a fixed
    date or with another date, so the answers at the ends of the intervals (the date of birth at
    either end; every count's dates at the same end, and each cycle's dates at the end opposite
    to the others') are the extremes. A count whose answers agree is decided (flag
    date_partial when a partial date concerned it); otherwise it is needs_review."""
    subjects = (
        [subject]
        if subject.dob_range is None
        else [
            replace(subject, dob=subject.dob_range[0], dob_range=None),
            replace(subject, dob=subject.dob_range[1], dob_range=None),
        ]
    )
    cycles = sorted({c.cycle for c in counts if c.ranges})
    crossed = cycles if len(cycles) > 1 else []
    if len(crossed) > MAX_PARTIAL_CYCLES:
        crossed = []
    runs: list[tuple[str | None, str, dict[int, Determination]]] = []
    for subj in subjects:
        for end in (0, 1):
            resolved = [_resolve(c, end) for c in counts]
            dets = _evaluate(subj, resolved, county, policy, as_of, responses)
            runs.append((None, "earliest" if end == 0 else "latest", {d.count_id: d for d in dets}))
        for cycle in crossed:
            for end in (0, 1):
                resolved = [_resolve(c, end if c.cycle == cycle else 1 - end) for c in counts]
                dets = _evaluate(subj, resolved, county, policy, as_of, responses)
                runs.append(
                    (
                        cycle,
                        f"{'earliest' if end == 0 else 'latest'} for cycle {cycle}",
                        {d.count_id: d for d in dets},
                    )
                )
    by_id = {c.id: c for c in counts}
    too_many = len(cycles) > 1 and not crossed
    out = []
    for count_id, first in runs[0][2].items():
        c = by_id[count_id]
        mine = [
            (label, dets[count_id])
            for cycle, label, dets in runs
            if (cycle is None or cycle == c.cycle) and count_id in dets
        ]
        answers = {(d.relief, d.resentence_target) for _label, d in mine}
        partial = _partial_texts(subject, c, counts)
        concerned = bool(partial) or len({tuple(d.flags) for _l, d in mine}) > 1
        if len(answers) == 1 and not too_many:
            if not concerned:
                out.append(first)
                continue
            steps = [
                *first.steps,
                Step(
                    "RX.partial_date",
                    "The record gives only part of "
                    + "; ".join(partial or ["some dates of this person's record"])
                    + ". Every day "
                    "those dates allow gives the same answer (earliest and latest checked), so the "
                    "determination stands.",
                    "",
                    {"partial": partial},
                ),
            ]
            flags = sorted({*first.flags, Flag.DATE_PARTIAL})
            out.append(
                replace(
                    first, flags=flags, steps=steps, rule_path=_with_flags(first.rule_path, flags)
                )
            )
            continue
        outcomes = [
            f"{label}: {RELIEF_WORDS.get(d.relief, d.relief)}"
            + (f" ({d.resentence_target})" if d.resentence_target else "")
            for label, d in mine
        ]
        why = (
            (
                "Every day those dates allow does not give the same answer ("
                + "; ".join(outcomes)
                + ")"
            )
            if not too_many
            else (f"Partial dates in {len(cycles)} cycles are too many to check every combination")
        )
        flags = sorted({*first.flags, Flag.DATE_PARTIAL})
        step = Step(
            "RX.partial_date",
            "The record gives only part of "
            + "; ".join(partial or ["some dates of this person's record"])
            + ". "
            + why
            + ": a clerk must find the full dates in the court file.",
            "",
            {"partial": partial, "outcomes": outcomes},
        )
        out.append(
            Determination(
                count_id=count_id,
                relief=Relief.NEEDS_REVIEW,
                resentence_target=None,
                rule_path=_rule_path(
                    first.rule_path, "date partial", Relief.NEEDS_REVIEW, None, flags
                ),
                flags=flags,
                steps=[*first.steps[:1], step],
            )
        )
    return out


def _partial_texts(subject: SubjectFacts, c: CountFacts, counts: Sequence[CountFacts]) -> list[str]:
    """The partial dates that concern count c: the date of birth, its own dates, its cycle's."""
    words = {
        "conviction_date": "the conviction date",
        "cycle_date": "the offense (cycle) date",
        "sentence_end": "the sentence end",
    }
    out = []
    if subject.dob_range:
        out.append(f"the date of birth ({_span(subject.dob_range)})")
    seen = set()
    for p in counts:
        if p.id == c.id or p.cycle == c.cycle:
            for name, lo, hi in p.ranges:
                if p.id != c.id and name != "cycle_date":
                    continue
                text = f"{words[name]} ({_span((lo, hi))})"
                if text not in seen:
                    seen.add(text)
                    out.append(text)
    return out


def _span(r: tuple[date, date]) -> str:
    lo, hi = r
    if (lo.month, lo.day, hi.month, hi.day) == (1, 1, 12, 31) and lo.year == hi.year:
        return f"year {lo.year} only"
    if lo.day == 1 and lo.year == hi.year and lo.month == hi.month:
        return f"{lo.year}-{lo.month:02d}, day unknown"
    return f"{lo.isoformat()} to {hi.isoformat()}"


def _with_flags(rule_path: str, flags: list[str]) -> str:
    head = rule_path.rsplit(", ", 1)[0]
    return head + ", " + (("flags: " + ";".join(flags)) if flags else "no flags")


def _rule_path(
    rule_path: str, decisive: str, relief: str, target: str | None, flags: list[str]
) -> str:
    """A determination's rule path with another outcome: what/level, decisive, sentence kept."""
    parts = rule_path.split(", ")
    head = parts[0]
    sentence = next(
        (p for p in parts if p.endswith("sentence") or p in ("sentence unknown", "deceased")),
        "sentence unknown",
    )
    return ", ".join(
        [
            head,
            decisive,
            sentence,
            f"→ {relief}" + (f" ({target})" if target else ""),
            ("flags: " + ";".join(flags)) if flags else "no flags",
        ]
    )


def _record_incomplete(subject: SubjectFacts, d: Determination) -> Determination:
    """§5.6 record completeness: a row of this person could not be imported, so every
    determination is at best needs_review, with the rejected lines named."""
    lines = subject.rejected_lines
    shown = ", ".join(f"{f} line {n}" for f, n in lines[:20]) + (
        f" and {len(lines) - 20} more" if len(lines) > 20 else ""
    )
    step = Step(
        "RX.record_incomplete",
        f"{len(lines)} row{'s' if len(lines) != 1 else ''} of "
        f"this person (SUBJECT_ID) could not be imported ({shown}); the priors and "
        "sentences on those rows are unknown, so no relief is decided on the rest of the "
        "record: a clerk must check the rejected rows (reliefdesk rejected) and the court "
        "file."
        + (
            f" Without them the engine found: {RELIEF_WORDS.get(d.relief, d.relief)}"
            + (f" ({d.resentence_target})." if d.resentence_target else ".")
            if d.relief != Relief.NEEDS_REVIEW
            else ""
        ),
        "",
        {"rejected_lines": [{"file": f, "line": n} for f, n in lines[:200]], "found": d.relief},
    )
    flags = sorted({*d.flags, Flag.RECORD_INCOMPLETE})
    at = 1 if d.steps and d.steps[0].rule.startswith("R0") else 0
    return Determination(
        count_id=d.count_id,
        relief=Relief.NEEDS_REVIEW,
        resentence_target=None,
        rule_path=_rule_path(d.rule_path, "record incomplete", Relief.NEEDS_REVIEW, None, flags),
        flags=flags,
        steps=[*d.steps[:at], step, *d.steps[at:]],
    )


_PROSECUTOR_REJECTED = re.compile(
    r"\b(?:PROS\w*|DA|D\.A\.|DISTRICT\s+ATTORNEY|DIST\s+ATTY)\b.*\bREJ|\bREJ\w*\b.*\bPROS"
)


def _prosecutor_rejected(c: CountFacts) -> bool:
    """A count the prosecutor declined to file (SF's plea-bargain rule ignores these)."""
    return c.disposition is not None and bool(_PROSECUTOR_REJECTED.search(c.disposition.upper()))


# -- statutory floor ------------------------------------------------------------------------------
class _Builder:
    def __init__(self, ctx: Ctx, c: CountFacts) -> None:
        self.ctx, self.c = ctx, c
        self.flags: set[str] = set()
        self.steps: list[Step] = []
        self.path: list[str] = []
        if ctx.subject.deceased:
            self.flags.add(Flag.DECEASED)

    def step(self, rule: str, text: str, statute: str = "", /, **facts) -> None:
        self.steps.append(
            Step(rule, text, statute, {k: v for k, v in facts.items() if v is not None})
        )

    def done(self, relief: str, target: str | None = None, decisive: str = "") -> Determination:
        relief = Relief(relief)  # a policy action arrives as text
        c = self.c
        level = _level(c)[0]
        serving = self.ctx.serving(c)
        sentence = {
            True: "serving sentence",
            False: "completed sentence",
            None: "sentence unknown",
        }[serving]
        if serving and self.ctx.subject.deceased:
            sentence = "deceased"
        flags = sorted(self.flags)
        parts = [
            f"{c.base or c.section or '?'} {LEVEL_WORD.get(level or '', 'level unknown')}",
            decisive or "floor",
            sentence,
            f"→ {relief}" + (f" ({target})" if target else ""),
            ("flags: " + ";".join(flags)) if flags else "no flags",
        ]
        return Determination(
            count_id=c.id,
            relief=relief,
            resentence_target=target,
            rule_path=", ".join(parts),
            flags=flags,
            steps=self.steps,
        )


def _level(c: CountFacts) -> tuple[str | None, bool]:
    """The original level, inferred from the pre-AUMA grading when the record has none."""
    if c.level in LEVEL_GRADE:
        return c.level, False
    base = c.base
    subs = subdivisions(c.section or "")
    if base in ("11358", "11359") or (base == "11360" and (not subs or subs[0] == "A")):
        return "F", True
    if base in ("11357", "11360"):
        return "M", True
    return None, True


def _record_problems(ctx: Ctx, c: CountFacts) -> list[str]:
    problems = []
    dob = ctx.subject.dob
    if c.conviction_date is None:
        problems.append("the record has no conviction date")
    if dob is None:
        problems.append(
            "the record has no date of birth, so the age at the offense (which sets "
            "the grade today) cannot be known"
        )
    if dob and c.conviction_date and c.conviction_date < dob:
        problems.append(
            f"the conviction date {c.conviction_date} is before the date of birth {dob}"
        )
    if dob and c.offense_date and c.offense_date < dob:
        problems.append(
            f"the offense (cycle) date {c.offense_date} is before the date of birth {dob}"
        )
    too_young = bool(
        dob
        and c.conviction_date
        and dob <= c.conviction_date
        and years_between(dob, c.conviction_date) < 8
    )
    if too_young:
        assert dob and c.conviction_date
        problems.append(
            f"the person would have been {years_between(dob, c.conviction_date)} years "
            "old at conviction"
        )
    age = ctx.age_at(c.offense_date)
    if age is not None and 0 <= age < 14 and not c.juvenile and not too_young:
        problems.append(
            f"the offense ({c.offense_date}) was before the person's 14th birthday "
            f"(born {dob}): no adult court could have entered this conviction (WIC "
            "602, 707) and the record does not mark the case juvenile"
        )
    if c.conviction_date and c.conviction_date > ctx.as_of:
        problems.append(
            f"the conviction date {c.conviction_date} is after the as-of date {ctx.as_of}"
        )
    if c.cycle_date and c.conviction_date and c.cycle_date > c.conviction_date:
        problems.append(
            f"the offense (cycle) date {c.cycle_date} is after the conviction date "
            f"{c.conviction_date}"
        )
    if _level(c)[0] is None:
        problems.append("the level (felony, misdemeanor or infraction) is not on the record")
    return problems


def _quantity(c: CountFacts) -> tuple[int | None, float | None]:
    """Plant count and grams, when the record states them (court files sometimes do)."""
    text = f"{c.offense_text or ''} {c.comment or ''}".upper()
    plants = re.search(r"(\d+)\s*(?:MARIJUANA\s+|CANNABIS\s+)?PLANTS?\b", text)
    grams = re.search(r"(\d+(?:\.\d+)?)\s*(?:G|GR|GRAMS?)\b", text)
    return (int(plants.group(1)) if plants else None, float(grams.group(1)) if grams else None)


def _conduct_11357(c: CountFacts) -> str:
    subs = subdivisions(c.section or "")
    text = f"{c.offense_text or ''} {c.comment or ''}".upper()
    new_era = (c.offense_date is not None and c.offense_date >= PROP64_DATE) or len(subs) >= 2
    if subs:
        table = (
            {"A": "small", "B": "large", "C": "school", "D": "school_minor"}
            if new_era
            else {"A": "conc", "B": "small", "C": "large", "D": "school", "E": "school"}
        )
        if subs[0] in table:
            return table[subs[0]]
    if "CONC" in text:
        return "conc"
    if re.search(r"OVER\s+(28\.5|1\s*OZ)|MORE THAN\s+(28\.5|1\s*OZ)|>\s*28\.5", text):
        return "large"
    if re.search(
        r"(28\.5\s*G\w*|1\s*OZ\w*)\s+OR LESS|LESS THAN\s+(28\.5|1\s*OZ)|UNDER\s+(28\.5|1\s*OZ)",
        text,
    ):
        return "small"
    if "SCHOOL" in text:
        return "school"
    lvl = _level(c)[0]
    if lvl == "I":
        return "small"  # only <= 28.5 g was an infraction before Prop 64 (SB 1449)
    if lvl == "F":
        return "conc"  # only concentrated cannabis could be a felony under old 11357(a)
    return "unknown"


@dataclass
class Grade:
    grade: str
    statute: str
    text: str
    unknown_quantity: bool = False
    tier_possible: bool = False  # a §6 prior or two priors could keep a felony
    small_grade: str | None = None  # with an unknown quantity: the grade if the amount was small


def _grade_today(ctx: Ctx, c: CountFacts, age: int) -> Grade:
    base = c.base
    subs = subdivisions(c.section or "")
    plants, grams = _quantity(c)
    if base == "11357":
        conduct = _conduct_11357(c)
        if conduct == "conc" and grams is not None:
            conduct = "small" if grams <= 8 else "large"
        if conduct == "small":
            if age >= 21:
                return Grade(
                    "lawful",
                    "HS 11362.1(a)(1)",
                    f"At {age} (21 or older) possessing up to 28.5 g is lawful today",
                )
            return Grade(
                "infraction",
                "HS 11357(a)(1)-(2)",
                f"At {age} (under 21) possessing up to 28.5 g is an infraction today",
            )
        if conduct == "large":
            if age >= 18:
                return Grade(
                    "misdemeanor",
                    "HS 11357(b)(2)",
                    "Possessing more than 28.5 g is still a misdemeanor today",
                )
            return Grade(
                "infraction",
                "HS 11357(b)(1)",
                f"At {age} (under 18) possessing more than 28.5 g is an infraction today",
            )
        if conduct in ("school", "school_minor"):
            if age >= 18 and conduct == "school":
                return Grade(
                    "misdemeanor",
                    "HS 11357(c)",
                    "Possession on school grounds by an adult is still a misdemeanor today",
                )
            return Grade(
                "infraction",
                "HS 11357(d)",
                "Possession on school grounds by a minor is an infraction today",
            )
        # Concentrated cannabis or an unknown amount: the record does not show the quantity, so
        # the lesser relief applies (the larger amount's grade) and the count is flagged.
        small = "lawful" if age >= 21 else "infraction"
        large = "misdemeanor" if age >= 18 else "infraction"
        what = "concentrated cannabis" if conduct == "conc" else "cannabis"
        return Grade(
            large,
            "HS 11357(b)",
            f"The record does not show how much {what} was "
            f"possessed: up to {'8' if conduct == 'conc' else '28.5'} g would be "
            f"{small} today, more would be a {large}; the lesser relief ({large}) applies",
            unknown_quantity=(small != large),
            small_grade=small,
        )
    if base == "11358":
        if subs and subs[0] == "C":
            plants = plants if plants is not None else 7
        elif subs and subs[0] == "B":
            plants = plants if plants is not None else 6
        if age < 18:
            return Grade(
                "infraction",
                "HS 11358(a)",
                f"At {age} (under 18) cultivation is an infraction today",
            )
        if plants is not None:
            if plants <= 6:
                if age >= 21:
                    return Grade(
                        "lawful",
                        "HS 11362.1(a)(3)",
                        f"Growing {plants} plants (six or fewer) at 21 or older is lawful today",
                    )
                return Grade(
                    "infraction",
                    "HS 11358(b)",
                    f"Growing {plants} plants (six or fewer) at {age} is an infraction today",
                )
            return Grade(
                "misdemeanor",
                "HS 11358(c)",
                f"Growing {plants} plants (more than six) is a misdemeanor today",
                tier_possible=True,
            )
        small = "lawful" if age >= 21 else "infraction"
        return Grade(
            "misdemeanor",
            "HS 11358(c)",
            "The record does not show the number of "
            f"plants: six or fewer would be {small} today, more is a misdemeanor; the "
            "lesser relief (misdemeanor) applies",
            unknown_quantity=True,
            tier_possible=True,
            small_grade=small,
        )
    if base == "11359":
        if age < 18:
            return Grade(
                "infraction",
                "HS 11359(a)",
                f"At {age} (under 18) possession for sale is an infraction today",
            )
        return Grade(
            "misdemeanor",
            "HS 11359(b)",
            "Possession for sale is a misdemeanor today",
            tier_possible=True,
        )
    # 11360
    lvl = _level(c)[0]
    gift = (subs[:1] == ("B",)) or (not subs and lvl in ("M", "I"))
    if gift:
        if age >= 21 and ctx.interp.get("presume_11360b_lawful", True):
            return Grade(
                "lawful",
                "HS 11362.1(a)(1); HS 11360(b)",
                "Giving away or transporting "
                "up to 28.5 g between adults without payment is lawful today (presumed "
                "by county policy; a sale or a gift to a minor would be an infraction)",
            )
        return Grade(
            "infraction",
            "HS 11360(b)",
            "Giving away or transporting up to 28.5 g is an infraction today",
        )
    if age < 18:
        return Grade(
            "infraction",
            "HS 11360(a)(1)",
            f"At {age} (under 18) selling or transporting for sale is an infraction today",
        )
    return Grade(
        "misdemeanor",
        "HS 11360(a)(2)",
        "Selling or transporting for sale is a misdemeanor today",
        tier_possible=True,
    )


def _disqualifiers(ctx: Ctx, c: CountFacts) -> tuple[tuple[list[Prior], int], ...]:
    """§6 prior convictions that make a felony possible, judged as the policy says: (certain,
    possible, unreadable), each as (the first MAX_LISTED, how many)."""
    return ctx.priors.disqualifiers(c, ctx.interp.get("disqualifying_priors", "before_offense"))


def _same_section_priors(ctx: Ctx, c: CountFacts) -> tuple[list[CountFacts], int, bool]:
    """Convictions under the same section (listed, how many), and whether the policy counts
    them as disqualifying. One prior per case: two counts of one judgment are one conviction;
    under the statute they must be priors under the new misdemeanor subdivision (judgments for
    offenses on or after 2016-11-09; PD cheat sheet)."""
    return ctx.priors.same_section(c, ctx.interp.get("two_priors", "statute"))


def _listed(priors: list[Prior], total: int) -> str:
    more = f"; and {total - len(priors)} more" if total > len(priors) else ""
    return "; ".join(p.describe() for p in priors) + more


@dataclass
class _Count:
    """What the rules of one Prop 64 count share while it is evaluated (in spec order)."""

    b: _Builder
    c: CountFacts
    level: str | None
    inferred: bool
    age: int | None
    serving: bool | None
    resp: Response | None
    grade: Grade | None = None
    bar: tuple[str, str] | None = None  # (floor, decisive) of a §6 finding R5 may set aside
    deceased_serving: bool = False  # the sentence would still run, but the person died

    @property
    def not_challenged(self) -> bool:
        return self.resp is not None and self.resp.response == "not_challenged"


# A rule returns None to pass the count on, or the statutory floor (relief, target, decisive).
Floor = tuple[str, str | None, str]


def _r0_scope(ctx: Ctx, e: _Count) -> Floor | None:
    """R0: the count is a conviction under HS 11357-11360 (the caller chose it for that)."""
    b, c, level = e.b, e.c, e.level
    facts = {
        "section": c.section,
        "code": c.code or "HS",
        "level": level,
        "conviction_date": _d(c.conviction_date),
        "offense_date": _d(c.offense_date),
        "offense_date_source": "cycle date" if c.cycle_date else "conviction date",
        "dob": _d(ctx.subject.dob),
        "age_at_offense": e.age,
        "case_number": c.case_number,
        "county": c.county,
    }
    b.step(
        "R0.scope",
        f"HS {c.section} ({LEVEL_WORD.get(level or '', 'level unknown')}) is one of "
        "the cannabis sections Proposition 64 changed (HS 11357-11360).",
        "HS 11361.8(a), (e)",
        **facts,
    )
    read = parse_section(c.offense_text)
    if read is not None and read.prop64 and Flag.CODE_CORRECTED in read.flags:
        b.flags.add(Flag.CODE_CORRECTED)
        b.step(
            "R0.code_corrected",
            f"The record writes '{read.text}': there is no PC "
            f"{read.base} offense, so this is DOJ's known miscoding of HS {read.base} and is "
            "read as the Health and Safety Code section.",
            "HS 11357-11360",
            written_code=read.written_code,
            text=read.text,
        )
    if (
        read is not None
        and read.prop64
        and read.parts
        and (read.parts[0].attempt or read.parts[0].conspiracy)
    ):
        what = "an attempt (PC 664)" if read.parts[0].attempt else "a conspiracy (PC 182)"
        b.step(
            "R0.attempt",
            f"The conviction is {what} to commit HS {read.parts[0].section}; it "
            "is in scope like the offense itself.",
            "HS 11361.8(a), (e)",
            text=read.text,
        )
    if e.inferred and level:
        b.flags.add(Flag.LEVEL_INFERRED)
        b.step(
            "R0.level",
            f"The record does not state the level; HS {c.base} was a "
            f"{LEVEL_WORD[level]} before Proposition 64, so that is assumed.",
            "",
            level=level,
        )
    return None


def _rx_record(ctx: Ctx, e: _Count) -> Floor | None:
    """The record must hold the facts the rules below read, consistently (§5.6, §7.1)."""
    problems = _record_problems(ctx, e.c)
    if not problems:
        return None
    e.b.flags.add(Flag.RECORD_INCONSISTENT)
    e.b.step(
        "RX.record",
        "The record is inconsistent: " + "; ".join(problems) + ". A clerk must "
        "check the court file before any relief is proposed.",
        "",
        problems=problems,
    )
    return Relief.NEEDS_REVIEW, None, "record inconsistent"


def _r1_juvenile(ctx: Ctx, e: _Count) -> Floor | None:
    """R1: a juvenile court adjudication (WIC 602) goes through the juvenile court."""
    if not e.c.juvenile:
        return None
    e.b.step(
        "R1.juvenile",
        "This was a juvenile court adjudication (WIC 602); relief goes "
        "through the juvenile court and its forms (JV-744 to JV-746).",
        "HS 11361.8(m)",
    )
    return Relief.NEEDS_REVIEW, None, "R1 juvenile"


def _r2_effective_date(ctx: Ctx, e: _Count) -> Floor | None:
    """R2: an offense on or after 2016-11-09 already had the new law; a judgment after it for an
    earlier offense is the county's choice (T20)."""
    b, c = e.b, e.c
    off = c.offense_date
    if Flag.OFFENSE_AFTER_PROP64 in b.flags:
        also = ""
        if Flag.INELIGIBLE_SUBDIVISION in b.flags:
            also = (
                f" HS {c.section} is moreover a subdivision that remains a felony under the "
                "amended law (HS 11359(c)(3), (d); 11360(a)(3)(C)-(D))."
            )
        b.step(
            "R2.offense_after",
            f"The offense ({off}) was on or after November 9, 2016, when "
            "Proposition 64 took effect; the conviction already reflects the new law." + also,
            "HS 11361.8(a), (e)",
            offense_date=_d(off),
            ineligible_subdivision=True if also else None,
        )
        return Relief.NOT_ELIGIBLE, None, "R2 offense after Prop 64"
    if Flag.JUDGMENT_AFTER_PROP64 in b.flags:
        choice = ctx.interp.get("judgment_after_prop64", Relief.NEEDS_REVIEW)
        b.step(
            "R2.judgment_after",
            f"The offense ({off}) was before November 9, 2016 but the "
            f"judgment ({c.conviction_date}) came after; whether the new law already applied "
            "(Estrada, plea terms) needs the court file. County policy: "
            f"{'not eligible' if choice == 'not_eligible' else 'review by a clerk'}.",
            "HS 11361.8(a), (e)",
            offense_date=_d(off),
            conviction_date=_d(c.conviction_date),
        )
        return choice, None, "R2 judgment after Prop 64"
    return None


def _r3_challenge(ctx: Ctx, e: _Count) -> Floor | None:
    """R3: a prosecution challenge (HS 11361.9(b)-(c)) is decided by the court after a hearing."""
    resp = e.resp
    if not (resp and resp.response == "challenged"):
        return None
    ground = (resp.ground or "").lower()
    text = (
        f"The prosecution challenged relief on {resp.response_date or 'an unknown date'}"
        f"{' (ground: ' + resp.ground + ')' if resp.ground else ''}; the court decides "
        "after a hearing whether the challenge is proven by clear and convincing evidence."
    )
    if "safety" in ground and not e.serving:
        text += (
            " A public-safety challenge is not a valid ground when the sentence is "
            "completed (HS 11361.9(c)(2))."
        )
    e.b.step(
        "R3.challenged",
        text,
        "HS 11361.9(b)-(c); HS 11361.8(b), (f)",
        response_date=_d(resp.response_date),
        ground=resp.ground,
    )
    return Relief.NEEDS_REVIEW, None, "R3 prosecution challenged"


def _r4_grade(ctx: Ctx, e: _Count) -> Floor | None:
    """R4: the grade of the same conduct today (tables 1.2/1.4, age at the offense); a felony
    tier only through the listed subdivisions, an environmental violation or §6 priors. A §6
    finding is kept in e.bar for R5; every other finding here decides."""
    b, c, level = e.b, e.c, e.level
    assert e.age is not None and level is not None
    g = e.grade = _grade_today(ctx, c, e.age)
    b.step(
        "R4.grade",
        f"{g.text} (age at the offense: {e.age}).",
        g.statute,
        grade_today=g.grade,
        age_at_offense=e.age,
        offense_date=_d(c.offense_date),
    )
    if g.unknown_quantity:
        b.flags.add(Flag.UNKNOWN_QUANTITY)
    if Flag.INELIGIBLE_SUBDIVISION in b.flags:
        b.step(
            "R4.ineligible_subdivision",
            f"HS {c.section} is a subdivision that remains a felony under the amended law.",
            "HS 11359(c)(3), (d); 11360(a)(3)(C)-(D)",
        )
        return Relief.NOT_ELIGIBLE, None, "R4 ineligible subdivision"
    if c.base == "11358" and level == "F" and g.grade == "misdemeanor":
        env = list(ctx.priors.environmental.get(c.cycle, ()))
        env += _environmental_mentions(c)
        if env:
            b.flags.add(Flag.ENVIRONMENTAL_VIOLATION)
            b.flags.add(Flag.INELIGIBLE_SUBDIVISION)
            b.step(
                "R4.environmental",
                "The record shows an environmental violation with the "
                f"cultivation ({', '.join(env)}), which keeps it a felony.",
                "HS 11358(d)(3)",
                violations=env,
            )
            return Relief.NOT_ELIGIBLE, None, "R4 environmental violation"
    if (
        GRADE[g.grade] >= LEVEL_GRADE[level]
        and g.unknown_quantity
        and g.small_grade
        and GRADE[g.small_grade] < LEVEL_GRADE[level]
    ):
        b.step(
            "R4.quantity_unknown",
            f"The conviction was a {LEVEL_WORD[level]}: with a larger "
            f"amount it is still a {g.grade} today (no relief), with a smaller amount it would be "
            f"{g.small_grade} today (relief). The court file must show the amount.",
            g.statute,
        )
        return Relief.NEEDS_REVIEW, None, "R4 quantity unknown"
    if GRADE[g.grade] >= LEVEL_GRADE[level]:
        b.step(
            "R4.same_grade",
            f"The conviction was a {LEVEL_WORD[level]} and the same conduct is "
            f"{'still a ' + g.grade if g.grade != 'felony' else 'still a felony'} today: "
            "there is no lesser offense to reduce it to.",
            g.statute,
        )
        return Relief.NOT_ELIGIBLE, None, "R4 same grade today"
    felony_tier_applies = level == "F" and (
        (g.tier_possible and c.base in ("11358", "11359", "11360"))
        or bool(ctx.interp.get("priors_bar_all_sections"))
    )
    if felony_tier_applies:
        e.bar = _r4_priors(ctx, e)
    return None


def _r4_priors(ctx: Ctx, e: _Count) -> tuple[str, str] | None:
    """The §6 priors that could keep a felony (disqualifying priors, possible or unreadable ones,
    a registration without a conviction, two priors), each with its explanation step; the first
    finding bars. The classification itself is ctx.priors (desktop/rules/priors.py)."""
    b, c = e.b, e.c
    barred: str | None = None
    bar_decisive = ""
    (dq, n_dq), (maybe, n_maybe), (unread, n_unread) = _disqualifiers(ctx, c)
    mode = ctx.interp.get("disqualifying_priors", "before_offense")
    when = {
        "before_offense": "before this offense",
        "before_disposition": "before this conviction",
        "anywhere": "on the record",
    }[mode]
    dq_statute = "HS 11358(d)(1), 11359(c)(1), 11360(a)(3)(A); PC 667(e)(2)(C)(iv), PC 290(c)"
    if dq:
        b.flags.add(Flag.DISQUALIFYING_PRIOR)
        b.step(
            "R4.disqualifying_prior",
            "A disqualifying prior conviction "
            f"(super-strike or PC 290(c) offense) {when} makes a felony possible today: "
            + _listed(dq, n_dq)
            + ".",
            dq_statute,
            priors=[
                {
                    "section": f"{p.count.code or 'PC'} {p.count.section}",
                    "read_as": p.what,
                    "conviction_date": _d(p.count.conviction_date),
                    "case_number": p.count.case_number,
                }
                for p in dq
            ],
            prior_count_ids=[p.count.id for p in dq],
            priors_total=n_dq,
        )
        barred, bar_decisive = Relief.NOT_ELIGIBLE, "R4 disqualifying prior"
    elif maybe or unread:
        # Never a silent grant: a prior that may be disqualifying, or one whose section
        # cannot be read at all, goes to a clerk with every reading named.
        texts = []
        if maybe:
            b.flags.add(Flag.POSSIBLE_DISQUALIFIER)
            texts.append(
                f"{n_maybe} prior conviction{'s' if n_maybe != 1 else ''} {when} "
                "may be a super-strike or PC 290(c) offense: " + _listed(maybe, n_maybe)
            )
        if unread:
            b.flags.add(Flag.SECTION_UNREADABLE)
            texts.append(
                f"{n_unread} prior conviction{'s' if n_unread != 1 else ''} {when} "
                "name no section that can be read, so the record cannot show that "
                "they are not disqualifying: " + _listed(unread, n_unread)
            )
        b.step(
            "R4.possible_disqualifier",
            "; ".join(texts) + ". The court file must show "
            "what the conviction was before relief is decided.",
            dq_statute,
            priors=[
                {
                    "text": p.count.offense_text,
                    "read_as": p.what,
                    "why": p.why,
                    "conviction_date": _d(p.count.conviction_date),
                    "case_number": p.count.case_number,
                }
                for p in maybe + unread
            ],
            prior_count_ids=[p.count.id for p in maybe + unread],
            priors_total=n_maybe + n_unread,
        )
        barred, bar_decisive = Relief.NEEDS_REVIEW, "R4 possible disqualifying prior"
    if not barred and ctx.subject.registered_290 and not ctx.priors.has_pc290:
        b.flags.add(Flag.REGISTRATION_ONLY)
        choice = ctx.interp.get("registration", Relief.NEEDS_REVIEW)
        b.step(
            "R4.registration",
            "The record shows a PC 290 registration event but no PC "
            "290(c) conviction; the registration is only a sign that such a conviction may "
            "exist, so the court file must be checked.",
            "HS 11358(d)(1), 11359(c)(1), 11360(a)(3)(A); PC 290(c)",
        )
        barred, bar_decisive = choice, "R4 registration only"
    same, n_same, bars = _same_section_priors(ctx, c)
    if n_same >= 2 or bars:
        b.flags.add(Flag.TWO_PRIORS)
        mode = ctx.interp.get("two_priors", "statute")
        why = (
            "counted by county policy"
            if bars
            else "they are not priors under the new "
            "misdemeanor subdivision (pre-Proposition 64 judgments), so they do not keep a "
            "felony; flagged for a clerk"
        )
        more = f", and {n_same - len(same)} more" if n_same > len(same) else ""
        b.step(
            "R4.two_priors",
            f"The record has {n_same} other HS {c.base} convictions "
            f"({', '.join(f'{p.conviction_date} case {p.case_number}' for p in same)}{more}); "
            f"{why}.",
            "HS 11358(d)(2), 11359(c)(2), 11360(a)(3)(B)",
            priors=[
                {"conviction_date": _d(p.conviction_date), "case_number": p.case_number}
                for p in same
            ],
            counting=mode,
        )
        if bars and barred is None:
            barred, bar_decisive = Relief.NOT_ELIGIBLE, "R4 two priors"
    return (barred, bar_decisive) if barred else None


def _r5_not_challenged(ctx: Ctx, e: _Count) -> Floor | None:
    """R5: with the prosecution's "not challenged" the court shall grant the floor relief, even
    where R4 saw a §6 finding (flagged); without it a §6 finding decides."""
    resp = e.resp
    if e.not_challenged:
        assert resp is not None
        text = (
            "The prosecution told the court it does not challenge relief "
            f"({resp.response_date or 'date not recorded'})"
        )
        if e.bar:
            text += "; with no challenge the court shall grant relief despite the finding above."
        else:
            text += "."
        e.b.step(
            "R5.not_challenged",
            text,
            "HS 11361.9(f)",
            response_date=_d(resp.response_date),
            sets_aside=e.bar[1] if e.bar else None,
        )
        return None
    if e.bar:
        return e.bar[0], None, e.bar[1]
    return None


def _r6_path(ctx: Ctx, e: _Count) -> Floor | None:
    """R6: serving -> recall and resentence; completed or unknown -> redesignate or dismiss.
    A deceased person is never proposed for resentencing (no sentence is left to recall)."""
    b, c = e.b, e.c
    assert e.grade is not None
    g = e.grade
    end, source = ctx.sentence(c)
    where = ""
    if source is not None:
        where = (
            f" (the sentence of this court event is written on count "
            f"{source.count_no or source.cnt_order}; it covers every count of the case)"
        )
    facts = {"sentence_end": _d(end), "sentence_count": source.cnt_order if source else None}
    if e.serving:
        target = {"lawful": "dismissed", "infraction": "infraction", "misdemeanor": "misdemeanor"}[
            g.grade
        ]
        b.step(
            "R6.resentence",
            f"The sentence runs until {end}{where}, after the as-of date "
            f"{ctx.as_of}: the person is still serving it, so the path is a petition to recall "
            f"and {'dismiss the sentence as legally invalid' if target == 'dismissed' else 'resentence as a ' + target}; "
            "the court may deny it for an unreasonable risk to public safety.",
            S_8A,
            as_of=ctx.as_of.isoformat(),
            **facts,
        )
        return Relief.RESENTENCE, target, f"R6 serving, {g.grade} today"
    relief = {
        "lawful": Relief.DISMISS_AND_SEAL,
        "infraction": Relief.REDESIGNATE_INFRACTION,
        "misdemeanor": Relief.REDESIGNATE_MISDEMEANOR,
    }[g.grade]
    invalid = " as legally invalid" if relief == Relief.DISMISS_AND_SEAL else ""
    if e.deceased_serving:
        b.step(
            "R6.deceased",
            f"The sentence would run until {end}{where}, but the person is "
            "deceased (a DECEASED event is on the record): there is no sentence left to recall "
            f"or resentence, so the record is corrected instead: relief is to "
            f"{RELIEF_WORDS[relief]}{invalid}.",
            S_8E,
            **facts,
        )
    elif end is None:
        unreadable = c.has_sentence and c.sentence_end is None
        b.step(
            "R6.completed",
            (
                "The record's sentence for this count could not be read"
                if unreadable
                else "The record has no sentence data"
            )
            + "; the sentence is treated as completed and the count is flagged. Relief: "
            f"{RELIEF_WORDS[relief]}.",
            S_8E,
        )
    else:
        b.step(
            "R6.completed",
            f"The sentence ended on {end}{where}, before the as-of date: "
            f"relief is to {RELIEF_WORDS[relief]}{invalid}.",
            S_8E,
            **facts,
        )
    return relief, None, f"R4 {g.grade} today"


# The statutory floor in the order of domain spec §7.1; the first rule that decides wins.
RULES = (
    _r0_scope,
    _rx_record,
    _r1_juvenile,
    _r2_effective_date,
    _r3_challenge,
    _r4_grade,
    _r5_not_challenged,
    _r6_path,
)


def _prop64_count(ctx: Ctx, c: CountFacts) -> Determination:
    b = _Builder(ctx, c)
    level, inferred = _level(c)
    e = _Count(
        b, c, level, inferred, ctx.age_at(c.offense_date), ctx.serving(c), ctx.response_for(c)
    )
    _count_flags(ctx, e)
    for rule in RULES:
        floor = rule(ctx, e)
        if floor is not None:
            return _policy(ctx, b, *floor)
    raise AssertionError("R6 always decides")


def _count_flags(ctx: Ctx, e: _Count) -> None:
    """Facts every determination carries, whichever rule decides."""
    b, c = e.b, e.c
    if ctx.sentence(c)[1] is not None:
        b.flags.add(Flag.SENTENCE_FROM_EVENT)
    if e.serving and ctx.subject.deceased:
        # §2: there is no sentence left to recall; redesignation still corrects the record.
        e.serving, e.deceased_serving = False, True
    if e.serving:
        b.flags.add(Flag.SERVING_SENTENCE)
    elif e.serving is None:
        b.flags.add(Flag.SENTENCE_UNKNOWN)
    if c.juvenile:
        b.flags.add(Flag.JUVENILE)
    off = c.offense_date
    if off and off >= PROP64_DATE:
        b.flags.add(Flag.OFFENSE_AFTER_PROP64)
    elif off and c.conviction_date and c.conviction_date >= PROP64_DATE:
        b.flags.add(Flag.JUDGMENT_AFTER_PROP64)
    if ineligible_subdivision(c.section):
        b.flags.add(Flag.INELIGIBLE_SUBDIVISION)
    if e.resp:
        b.flags.add(
            Flag.PROSECUTION_CHALLENGED
            if e.resp.response == "challenged"
            else Flag.PROSECUTION_NOT_CHALLENGED
        )


_ENV_TEXT = re.compile(
    r"(?:WATER\s+CODE|\bWC)\s*(?:SECTION|SEC\.?|§)?\s*(1052|13260|13264|13272|13387)\b"
    r"|(?:FISH\s+(?:AND|&)\s+GAME(?:\s+CODE)?|\bFG)\s*(?:SECTION|SEC\.?|§)?\s*"
    r"(5650|5652|1602|12025\.5|12025)\b"
    r"|\b(?:PC|PENAL\s+CODE)\s*(?:SECTION|SEC\.?|§)?\s*(374\.8)\b|\b(374\.8)\s*PC\b"
    r"|\b(11358\(D\)\(3\))"
)


def _environmental_mentions(c: CountFacts) -> list[str]:
    """Environmental findings written into the count's text or comment (HS 11358(d)(3))."""
    text = f"{c.offense_text or ''} {c.comment or ''}".upper()
    return [m.group(0).strip() for m in _ENV_TEXT.finditer(text)]


# -- county policy ------------------------------------------------------------------------------
def _holds(ctx: Ctx, c: CountFacts, when: dict) -> bool:
    dob = ctx.subject.dob
    for key, want in when.items():
        if key == "level":
            if _level(c)[0] not in want:
                return False
        elif key == "sections":
            if c.base not in [str(s) for s in want]:
                return False
        elif key == "section_patterns":
            # An attempt (664/11359) is weighed like its offense.
            if not any(
                matches(offense_section(c.section or ""), parse_pattern(p)[0]) for p in want
            ):
                return False
        elif key == "under_21_at_conviction":
            ok = bool(dob and c.conviction_date and add_period(dob, 21, "Y") > c.conviction_date)
            if ok != want:
                return False
        elif key == "age_on_as_of_at_least":
            if not (dob and years_between(dob, ctx.as_of) >= want):
                return False
        elif key == "age_on_as_of_at_most":
            if not (dob and years_between(dob, ctx.as_of) <= want):
                return False
        elif key == "years_since_conviction_at_least":
            if not (c.conviction_date and c.conviction_date <= add_period(ctx.as_of, -want, "Y")):
                return False
        elif key == "years_crime_free_at_least":
            latest = ctx.latest_conviction
            if latest is None or latest > add_period(ctx.as_of, -want, "Y"):
                return False
        elif key == "deceased":
            if ctx.subject.deceased != want:
                return False
        elif key == "only_prop64":
            if ctx.only_prop64 != want:
                return False
        elif key == "sentence_completed":
            if (ctx.serving(c) is not True) != want:
                return False
        elif key == "all_sentences_completed":
            if ctx.all_completed != want:
                return False
        elif key == "more_than_one_conviction":
            if (ctx.n_cases > 1) != want:
                return False
    return True


def _policy(ctx: Ctx, b: _Builder, floor: str, target: str | None, decisive: str) -> Determination:
    """Apply the county's relief rules to the floor (first matching rule wins)."""
    floor = Relief(floor)  # a policy's interpretation choice arrives as text
    policy = ctx.policy
    hard = sorted(b.flags & HARD_STOPS)
    rule: Rule | None = next((r for r in policy.rules if _holds(ctx, b.c, r.when)), None)
    if rule is None:
        if (
            policy.otherwise == Relief.NEEDS_REVIEW
            and floor in GRANTS
            and floor != Relief.RESENTENCE
        ):
            b.step(
                "P.otherwise",
                f"No rule of the county policy '{policy.title}' grants this "
                "count; the policy sends such counts to a clerk for review.",
                "County policy",
            )
            return b.done(Relief.NEEDS_REVIEW, None, f"{decisive}; policy: review")
        return b.done(floor, target, decisive)
    where = f"county policy '{policy.title}', rule '{rule.label}'"
    if rule.then in (Relief.NEEDS_REVIEW, Relief.NOT_ELIGIBLE):
        if floor in (Relief.NEEDS_REVIEW, Relief.NOT_ELIGIBLE) and hard:
            return b.done(floor, target, decisive)
        b.step(
            f"P.{rule.id}",
            f"Under {where}, this count goes to "
            f"{'review by a clerk' if rule.then == 'needs_review' else 'no relief'}.",
            rule.statute or "County policy",
        )
        if floor == Relief.RESENTENCE:  # a hearing is needed anyway; keep the statutory path
            return b.done(floor, target, decisive)
        return b.done(rule.then, None, f"{decisive}; policy {rule.id}")
    granted = Relief.DISMISS_AND_SEAL if rule.then == "dismiss" else Relief.REDESIGNATE_MISDEMEANOR
    if hard:
        b.step(
            f"P.{rule.id}",
            f"{where[0].upper() + where[1:]} would grant relief, but county "
            f"policy never overrides these findings: {', '.join(hard)}.",
            rule.statute,
        )
        return b.done(floor, target, decisive)
    if floor in GRANT_RANK:
        if GRANT_RANK[granted] > GRANT_RANK[floor]:
            b.flags.add(Flag.POLICY_RELIEF)
            b.step(
                f"P.{rule.id}",
                f"Under {where}, the relief is raised to "
                f"{RELIEF_WORDS[granted]} (beyond the statute).",
                rule.statute or "County policy",
            )
            return b.done(granted, None, f"{decisive}; policy {rule.id}")
        if GRANT_RANK[granted] < GRANT_RANK[floor]:
            b.flags.add(Flag.STATUTE_EXCEEDS_POLICY)
            b.step(
                f"P.{rule.id}",
                f"Under {where} the relief would be to {RELIEF_WORDS[granted]}, "
                f"but the statute gives more: {RELIEF_WORDS[floor]}.",
                S_8E,
            )
        return b.done(floor, target, decisive)
    if floor == Relief.RESENTENCE:
        return b.done(floor, target, decisive)
    # Floor is not_eligible or needs_review without a hard stop.
    if rule.overrides_floor:
        b.flags.add(Flag.POLICY_RELIEF)
        b.step(
            f"P.{rule.id}",
            f"Under {where}, the county grants relief the statute alone does "
            f"not: {RELIEF_WORDS[granted]}.",
            rule.statute or "County policy",
        )
        return b.done(granted, None, f"{decisive}; policy {rule.id}")
    b.step(
        f"P.{rule.id}",
        f"The {where} would grant relief, but it does not say it overrides a "
        f"finding of '{RELIEF_WORDS[floor]}', so that finding stands.",
        rule.statute,
    )
    return b.done(floor, target, decisive)


# -- counts outside HS 11357-11360 -----------------------------------------------------------------
def _out_of_scope(ctx: Ctx, c: CountFacts) -> Determination:
    b = _Builder(ctx, c)
    read = parse_section(c.offense_text)
    if read is not None and read.noise and any(is_prop64(p.base, read.code) for p in read.parts):
        # "11359.11 HS": a cannabis section with text after it that names no section. Neither
        # the nearby section nor "out of scope" may be assumed: a clerk reads the court file.
        b.flags.add(Flag.SECTION_UNREADABLE)
        b.step(
            "R0.unreadable",
            f"The record writes '{read.text}': it names HS "
            f"{read.parts[0].section} followed by '{read.noise}', which names no section, so "
            "the section cannot be read for certain.",
            "HS 11361.8(a), (e)",
            text=c.offense_text,
        )
        return b.done(Relief.NEEDS_REVIEW, None, "R0 section unreadable")
    b.flags.add(Flag.OUT_OF_SCOPE_SECTION)
    b.step(
        "R0.out_of_scope",
        f"{c.code or ''} {c.section or c.offense_text} is not one of the "
        "sections Proposition 64 changed (HS 11357-11360); it only looks like one.",
        "HS 11361.8(a), (e)",
        section=c.section,
        code=c.code,
        text=c.offense_text,
    )
    return b.done(Relief.NOT_ELIGIBLE, None, "R0 out of scope")


def _comment_only(ctx: Ctx, c: CountFacts, named: str) -> Determination:
    """A Prop 64 section named only in the comment of a count of another offense: shown to a
    clerk, decided by nothing (§5.6; gogen's 'possible other P64 charges')."""
    b = _Builder(ctx, c)
    b.flags.add(Flag.POSSIBLE_PROP64_IN_COMMENT)
    b.step(
        "R0.comment",
        f"The conviction is for {c.code or ''} {c.section or c.offense_text}, but "
        f"its comment names HS {named} ('{c.comment}'). The comment decides nothing by itself: "
        "a clerk checks the court file for a cannabis conviction.",
        "HS 11361.8(a), (e)",
        section=c.section,
        code=c.code,
        text=c.offense_text,
        comment=c.comment,
    )
    return b.done(Relief.NEEDS_REVIEW, None, "R0 Prop 64 section in comment")


def _related_count(
    ctx: Ctx, c: CountFacts, cycle_dets: list[Determination], charges: list[CountFacts]
) -> Determination:
    """A non-Prop-64 conviction in a cycle with Prop 64 charges (§5.3 related charges, §5.4 SF
    plea bargains) that the policy names. `charges`: the cycle's Prop 64 counts at every step
    (arrest, court, dismissed; prosecutor-rejected ones left out); `cycle_dets`: the
    determinations of its Prop 64 convictions in the county."""
    pol = ctx.policy
    plea, related, maybe = _related_match(pol, c)
    b = _Builder(ctx, c)
    kind = Flag.PLEA_BARGAIN if plea else Flag.RELATED_CHARGE
    b.flags.add(kind)
    granted_p64 = [
        d for d in cycle_dets if d.relief in GRANT_RANK and not (set(d.flags) & HARD_STOPS)
    ]
    desc = f"{c.code or ''} {c.section}".strip()
    convicted = [p for p in charges if p.convicted]
    seen = ", ".join(
        dict.fromkeys(
            f"HS {p.section} ({'conviction' if p.convicted else (p.disposition or 'arrest').lower()})"
            for p in charges
        )
    )
    problems = _record_problems(ctx, c)
    problems = [p for p in problems if "level" not in p]
    if problems:
        b.flags.add(Flag.RECORD_INCONSISTENT)
        b.step("RX.record", "The record is inconsistent: " + "; ".join(problems) + ".", "")
        return b.done(Relief.NEEDS_REVIEW, None, "record inconsistent")
    if c.offense_date and c.offense_date >= PROP64_DATE:
        b.flags.add(Flag.OFFENSE_AFTER_PROP64)
    action = "maybe"
    if plea and pol.plea:
        action = pol.plea.action
    elif related and pol.related:
        action = pol.related.action
    if action == "report":
        b.flags.add(Flag.OUT_OF_SCOPE_SECTION)
        b.step(
            "R0.related",
            f"{desc} is in the same arrest cycle as a Prop 64 charge ({seen}) but "
            f"is not itself a Prop 64 section; HS 11361.8 gives no relief for it"
            f"{' (a possible plea bargain)' if plea else ' (a related charge)'}.",
            "HS 11361.8(a), (e)",
            section=desc,
        )
        return b.done(Relief.NOT_ELIGIBLE, None, "R0 related charge, out of scope")
    if plea and Flag.OFFENSE_AFTER_PROP64 not in b.flags:
        return _plea_bargain(ctx, b, c, desc, seen, convicted, granted_p64, charges)
    if action == "maybe" or not granted_p64 or Flag.OFFENSE_AFTER_PROP64 in b.flags:
        b.step(
            "P.related_maybe",
            f"{desc} is in a cycle with a Prop 64 charge ({seen}); county "
            f"policy '{pol.title}' treats it as a 'maybe'"
            + (
                ""
                if granted_p64 or action == "maybe"
                else " (no Prop 64 conviction of the cycle is granted relief)"
            )
            + ": a clerk decides.",
            "County policy",
            charges=seen,
        )
        return b.done(Relief.NEEDS_REVIEW, None, f"policy {kind} maybe")
    b.flags.add(Flag.POLICY_RELIEF)
    b.step(
        "P.related",
        f"{desc} is a related charge in the same cycle as an eligible Prop 64 "
        f"conviction; county policy '{pol.title}' dismisses it. This has no HS 11361.8 basis: "
        "it rests on the county's motion (e.g. PC 1385).",
        "County policy; PC 1385",
    )
    return b.done(Relief.DISMISS_AND_SEAL, None, "policy related charge")


def _plea_bargain(
    ctx: Ctx,
    b: _Builder,
    c: CountFacts,
    desc: str,
    seen: str,
    convicted: list[CountFacts],
    granted_p64: list[Determination],
    charges: list[CountFacts],
) -> Determination:
    """SF's rule (§5.4): every other count of the cycle (arrest and court, dismissed ones too;
    prosecutor-rejected ones ignored) is a plea code or an eligible Prop 64 count -> "yes", the
    relief of the Prop 64 charge; otherwise "maybe" -> needs_review."""
    pol = ctx.policy
    assert pol.plea is not None
    eligible_ids = {d.count_id for d in granted_p64}
    charge_ids = {p.id for p in charges}
    cycle = [
        p for p in ctx.by_cycle.get(c.cycle, ()) if p.id != c.id and not _prosecutor_rejected(p)
    ]
    others = [
        p
        for p in cycle
        if p.id not in eligible_ids
        and not (p.id in charge_ids and not p.convicted)
        and not any(matches_pattern(p.section, p.code, q) for q in pol.plea.codes)
    ]
    if others:
        listed = ", ".join(
            dict.fromkeys(
                f"{p.code or ''} {p.section or p.offense_text or '?'}".strip()
                + ("" if p.convicted else f" ({(p.disposition or 'arrest').lower()})")
                for p in others
            )
        )
        b.step(
            "P.plea_maybe",
            f"{desc} may be a plea bargain for a Prop 64 charge ({seen}), but "
            f"the cycle also holds other counts ({listed}): a clerk decides.",
            "County policy",
            others=[p.section for p in others],
        )
        return b.done(Relief.NEEDS_REVIEW, None, "policy plea bargain maybe")
    if convicted:
        best = max(granted_p64, key=lambda d: GRANT_RANK.get(d.relief, 0))
        relief, basis = best.relief, "every other count of the cycle is an eligible Prop 64 count"
    else:
        # The Prop 64 charge appears only at arrest (or was dismissed): what would it have been
        # granted had it been the conviction (same date, sentence and case as this count)?
        hypo = [
            _prop64_count(
                ctx,
                replace(
                    p,
                    convicted=True,
                    conviction_date=c.conviction_date,
                    level=p.level or c.level,
                    sentence_end=c.sentence_end,
                    has_sentence=c.has_sentence,
                    case_id=c.case_id,
                    case_number=c.case_number,
                    count_no=c.count_no,
                    county=c.county,
                    juvenile=c.juvenile,
                    ranges=(),
                ),
            )
            for p in charges
        ]
        bad = [d for d in hypo if d.relief not in GRANT_RANK or set(d.flags) & HARD_STOPS]
        if bad:
            b.step(
                "P.plea_maybe",
                f"{desc} may be a plea bargain for the Prop 64 charge of its "
                f"cycle ({seen}), which appears only at arrest; as a conviction that charge "
                f"would not be granted relief outright ({RELIEF_WORDS.get(bad[0].relief)}"
                + (
                    f"; {', '.join(sorted(set(bad[0].flags) & HARD_STOPS))}"
                    if set(bad[0].flags) & HARD_STOPS
                    else ""
                )
                + "): a clerk decides.",
                "County policy",
                charges=seen,
            )
            return b.done(Relief.NEEDS_REVIEW, None, "policy plea bargain maybe")
        worst = min(hypo, key=lambda d: GRANT_RANK[d.relief])
        relief = worst.relief
        basis = (
            "the cycle's Prop 64 charge appears only at arrest (no Prop 64 conviction), and "
            "as the conviction it would be granted this relief"
        )
    b.flags.add(Flag.POLICY_RELIEF)
    b.step(
        "P.plea_bargain",
        f"{desc} is a possible plea bargain: {basis} ({seen}); county "
        f"policy gives it the same relief: {RELIEF_WORDS[relief]}.",
        "County policy; HS 11361.8 (would have been guilty of a lesser offense)",
        charges=seen,
    )
    return b.done(relief, None, "policy plea bargain")
