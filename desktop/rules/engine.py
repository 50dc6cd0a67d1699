"""The Prop 64 relief engine (domain spec §7.1): the statutory floor first, then the county policy.

Pure: the input is one subject with every count on their record, a policy, an as-of date and any
prosecution responses; the output is one Determination per in-scope count. No clock, no database,
no Qt. Each determination carries ordered explanation steps a clerk can read aloud."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from desktop.records.normalize import add_period, offense_section, parse_section, subdivisions
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
    ineligible_subdivision,
    is_prop64,
    matches,
    matches_pattern,
    mentions_prop64,
    parse_pattern,
)

PROP64_DATE = date(2016, 11, 9)
GRADE = {"lawful": 0, "infraction": 1, "misdemeanor": 2, "felony": 3}
LEVEL_GRADE = {"F": 3, "M": 2, "I": 1}
LEVEL_WORD = {"F": "felony", "M": "misdemeanor", "I": "infraction"}
GRANT_RANK = {"redesignate_misdemeanor": 1, "redesignate_infraction": 2, "dismiss_and_seal": 3}
RELIEF_WORDS = {
    "dismiss_and_seal": "dismiss and seal", "redesignate_misdemeanor": "redesignate as a misdemeanor",
    "redesignate_infraction": "redesignate as an infraction", "resentence": "recall and resentence",
    "not_eligible": "not eligible", "needs_review": "needs review",
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

    def __post_init__(self) -> None:
        # A fixed order, so that nothing depends on the order the counts were read in.
        self.convictions = sorted((c for c in self.counts if c.convicted),
                                  key=lambda c: (c.conviction_date or date.min, c.cnt_order, c.id))

    @cached_property
    def priors(self) -> PriorIndex:
        """Every prior weighed once per person (not once per count): linear in the record."""
        return PriorIndex(self.convictions)

    @cached_property
    def latest_conviction(self) -> date | None:
        return max((p.conviction_date for p in self.convictions if p.conviction_date),
                   default=None)

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

    def serving(self, c: CountFacts) -> bool | None:
        """True serving, False completed, None unknown (no sentence data)."""
        if c.sentence_end is None:
            return None
        return c.sentence_end > self.as_of


def evaluate_subject(subject: SubjectFacts, counts: Sequence[CountFacts], county: str,
                     policy: Policy, as_of: date, responses: Iterable[Response] = ()
                     ) -> list[Determination]:
    """One determination per in-scope conviction of this subject in `county`."""
    ctx = Ctx(subject, counts, county.upper(), policy, as_of, tuple(responses))
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
    for c in others:
        if c.cycle in prop64_by_cycle:
            d = _related_count(ctx, c, prop64_by_cycle[c.cycle])
            if d is not None:
                out.append(d)
    return out


# -- statutory floor ------------------------------------------------------------------------------
class _Builder:
    def __init__(self, ctx: Ctx, c: CountFacts) -> None:
        self.ctx, self.c = ctx, c
        self.flags: set[str] = set()
        self.steps: list[Step] = []
        self.path: list[str] = []

    def step(self, rule: str, text: str, statute: str = "", /, **facts) -> None:
        self.steps.append(Step(rule, text, statute, {k: v for k, v in facts.items()
                                                     if v is not None}))

    def done(self, relief: str, target: str | None = None, decisive: str = "") -> Determination:
        c = self.c
        level = _level(c)[0]
        serving = self.ctx.serving(c)
        sentence = {True: "serving sentence", False: "completed sentence",
                    None: "sentence unknown"}[serving]
        flags = sorted(self.flags)
        parts = [f"{c.base or c.section or '?'} {LEVEL_WORD.get(level or '', 'level unknown')}",
                 decisive or "floor", sentence,
                 f"→ {relief}" + (f" ({target})" if target else ""),
                 ("flags: " + ";".join(flags)) if flags else "no flags"]
        return Determination(count_id=c.id, relief=relief, resentence_target=target,
                             rule_path=", ".join(parts), flags=flags, steps=self.steps)


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
        problems.append("the record has no date of birth, so the age at the offense (which sets "
                        "the grade today) cannot be known")
    if dob and c.conviction_date and c.conviction_date < dob:
        problems.append(f"the conviction date {c.conviction_date} is before the date of birth {dob}")
    if dob and c.offense_date and c.offense_date < dob:
        problems.append(f"the offense (cycle) date {c.offense_date} is before the date of birth {dob}")
    if dob and c.conviction_date and dob < c.conviction_date and years_between(dob, c.conviction_date) < 8:
        problems.append(f"the person would have been {years_between(dob, c.conviction_date)} years "
                        "old at conviction")
    if c.conviction_date and c.conviction_date > ctx.as_of:
        problems.append(f"the conviction date {c.conviction_date} is after the as-of date {ctx.as_of}")
    if c.cycle_date and c.conviction_date and c.cycle_date > c.conviction_date:
        problems.append(f"the offense (cycle) date {c.cycle_date} is after the conviction date "
                        f"{c.conviction_date}")
    if _level(c)[0] is None:
        problems.append("the level (felony, misdemeanor or infraction) is not on the record")
    return problems


def _quantity(c: CountFacts) -> tuple[int | None, float | None]:
    """Plant count and grams, when the record states them (court files sometimes do)."""
    text = f"{c.offense_text or ''} {c.comment or ''}".upper()
    plants = re.search(r"(\d+)\s*(?:MARIJUANA\s+|CANNABIS\s+)?PLANTS?\b", text)
    grams = re.search(r"(\d+(?:\.\d+)?)\s*(?:G|GR|GRAMS?)\b", text)
    return (int(plants.group(1)) if plants else None,
            float(grams.group(1)) if grams else None)


def _conduct_11357(c: CountFacts) -> str:
    subs = subdivisions(c.section or "")
    text = f"{c.offense_text or ''} {c.comment or ''}".upper()
    new_era = (c.offense_date is not None and c.offense_date >= PROP64_DATE) or len(subs) >= 2
    if subs:
        table = ({"A": "small", "B": "large", "C": "school", "D": "school_minor"} if new_era else
                 {"A": "conc", "B": "small", "C": "large", "D": "school", "E": "school"})
        if subs[0] in table:
            return table[subs[0]]
    if "CONC" in text:
        return "conc"
    if re.search(r"OVER\s+(28\.5|1\s*OZ)|MORE THAN\s+(28\.5|1\s*OZ)|>\s*28\.5", text):
        return "large"
    if re.search(r"(28\.5\s*G\w*|1\s*OZ\w*)\s+OR LESS|LESS THAN\s+(28\.5|1\s*OZ)|UNDER\s+(28\.5|1\s*OZ)",
                 text):
        return "small"
    if "SCHOOL" in text:
        return "school"
    lvl = _level(c)[0]
    if lvl == "I":
        return "small"       # only <= 28.5 g was an infraction before Prop 64 (SB 1449)
    if lvl == "F":
        return "conc"        # only concentrated cannabis could be a felony under old 11357(a)
    return "unknown"


@dataclass
class Grade:
    grade: str
    statute: str
    text: str
    unknown_quantity: bool = False
    tier_possible: bool = False     # a §6 prior or two priors could keep a felony
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
                return Grade("lawful", "HS 11362.1(a)(1)", f"At {age} (21 or older) possessing up "
                             "to 28.5 g is lawful today")
            return Grade("infraction", "HS 11357(a)(1)-(2)", f"At {age} (under 21) possessing up "
                         "to 28.5 g is an infraction today")
        if conduct == "large":
            if age >= 18:
                return Grade("misdemeanor", "HS 11357(b)(2)", "Possessing more than 28.5 g is "
                             "still a misdemeanor today")
            return Grade("infraction", "HS 11357(b)(1)", f"At {age} (under 18) possessing more "
                         "than 28.5 g is an infraction today")
        if conduct in ("school", "school_minor"):
            if age >= 18 and conduct == "school":
                return Grade("misdemeanor", "HS 11357(c)", "Possession on school grounds by an "
                             "adult is still a misdemeanor today")
            return Grade("infraction", "HS 11357(d)", "Possession on school grounds by a minor "
                         "is an infraction today")
        # Concentrated cannabis or an unknown amount: the record does not show the quantity, so
        # the lesser relief applies (the larger amount's grade) and the count is flagged.
        small = "lawful" if age >= 21 else "infraction"
        large = "misdemeanor" if age >= 18 else "infraction"
        what = "concentrated cannabis" if conduct == "conc" else "cannabis"
        return Grade(large, "HS 11357(b)", f"The record does not show how much {what} was "
                     f"possessed: up to {'8' if conduct == 'conc' else '28.5'} g would be "
                     f"{small} today, more would be a {large}; the lesser relief ({large}) applies",
                     unknown_quantity=(small != large), small_grade=small)
    if base == "11358":
        if subs and subs[0] == "C":
            plants = plants if plants is not None else 7
        elif subs and subs[0] == "B":
            plants = plants if plants is not None else 6
        if age < 18:
            return Grade("infraction", "HS 11358(a)", f"At {age} (under 18) cultivation is an "
                         "infraction today")
        if plants is not None:
            if plants <= 6:
                if age >= 21:
                    return Grade("lawful", "HS 11362.1(a)(3)", f"Growing {plants} plants (six or "
                                 "fewer) at 21 or older is lawful today")
                return Grade("infraction", "HS 11358(b)", f"Growing {plants} plants (six or fewer) "
                             f"at {age} is an infraction today")
            return Grade("misdemeanor", "HS 11358(c)", f"Growing {plants} plants (more than six) "
                         "is a misdemeanor today", tier_possible=True)
        small = "lawful" if age >= 21 else "infraction"
        return Grade("misdemeanor", "HS 11358(c)", "The record does not show the number of "
                     f"plants: six or fewer would be {small} today, more is a misdemeanor; the "
                     "lesser relief (misdemeanor) applies", unknown_quantity=True,
                     tier_possible=True, small_grade=small)
    if base == "11359":
        if age < 18:
            return Grade("infraction", "HS 11359(a)", f"At {age} (under 18) possession for sale "
                         "is an infraction today")
        return Grade("misdemeanor", "HS 11359(b)", "Possession for sale is a misdemeanor today",
                     tier_possible=True)
    # 11360
    lvl = _level(c)[0]
    gift = (subs[:1] == ("B",)) or (not subs and lvl in ("M", "I"))
    if gift:
        if age >= 21 and ctx.interp.get("presume_11360b_lawful", True):
            return Grade("lawful", "HS 11362.1(a)(1); HS 11360(b)", "Giving away or transporting "
                         "up to 28.5 g between adults without payment is lawful today (presumed "
                         "by county policy; a sale or a gift to a minor would be an infraction)")
        return Grade("infraction", "HS 11360(b)", "Giving away or transporting up to 28.5 g is "
                     "an infraction today")
    if age < 18:
        return Grade("infraction", "HS 11360(a)(1)", f"At {age} (under 18) selling or "
                     "transporting for sale is an infraction today")
    return Grade("misdemeanor", "HS 11360(a)(2)", "Selling or transporting for sale is a "
                 "misdemeanor today", tier_possible=True)


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


def _prop64_count(ctx: Ctx, c: CountFacts) -> Determination:
    b = _Builder(ctx, c)
    level, inferred = _level(c)
    age = ctx.age_at(c.offense_date)
    facts = {"section": c.section, "code": c.code or "HS", "level": level,
             "conviction_date": _d(c.conviction_date), "offense_date": _d(c.offense_date),
             "offense_date_source": "cycle date" if c.cycle_date else "conviction date",
             "dob": _d(ctx.subject.dob), "age_at_offense": age, "case_number": c.case_number,
             "county": c.county}
    b.step("R0.scope", f"HS {c.section} ({LEVEL_WORD.get(level or '', 'level unknown')}) is one of "
           "the cannabis sections Proposition 64 changed (HS 11357-11360).",
           "HS 11361.8(a), (e)", **facts)
    read = parse_section(c.offense_text)
    if read is not None and read.prop64 and "code_corrected" in read.flags:
        b.flags.add("code_corrected")
        b.step("R0.code_corrected", f"The record writes '{read.text}': there is no PC "
               f"{read.base} offense, so this is DOJ's known miscoding of HS {read.base} and is "
               "read as the Health and Safety Code section.", "HS 11357-11360",
               written_code=read.written_code, text=read.text)
    if read is not None and read.prop64 and read.parts and (read.parts[0].attempt
                                                            or read.parts[0].conspiracy):
        what = "an attempt (PC 664)" if read.parts[0].attempt else "a conspiracy (PC 182)"
        b.step("R0.attempt", f"The conviction is {what} to commit HS {read.parts[0].section}; it "
               "is in scope like the offense itself.", "HS 11361.8(a), (e)", text=read.text)
    if inferred and level:
        b.flags.add("level_inferred")
        b.step("R0.level", f"The record does not state the level; HS {c.base} was a "
               f"{LEVEL_WORD[level]} before Proposition 64, so that is assumed.", "", level=level)

    # Facts every determination carries, whichever rule decides.
    serving = ctx.serving(c)
    if serving:
        b.flags.add("serving_sentence")
    elif serving is None:
        b.flags.add("sentence_unknown")
    if c.juvenile:
        b.flags.add("juvenile")
    off = c.offense_date
    if off and off >= PROP64_DATE:
        b.flags.add("offense_after_prop64")
    elif off and c.conviction_date and c.conviction_date >= PROP64_DATE:
        b.flags.add("judgment_after_prop64")
    if ineligible_subdivision(c.section):
        b.flags.add("ineligible_subdivision")
    resp = ctx.response_for(c)
    if resp:
        b.flags.add("prosecution_challenged" if resp.response == "challenged"
                    else "prosecution_not_challenged")

    problems = _record_problems(ctx, c)
    if problems:
        b.flags.add("record_inconsistent")
        b.step("RX.record", "The record is inconsistent: " + "; ".join(problems) + ". A clerk must "
               "check the court file before any relief is proposed.", "", problems=problems)
        return _policy(ctx, b, "needs_review", None, "record inconsistent")
    assert age is not None and level is not None and c.conviction_date is not None

    # R1 juvenile adjudication.
    if c.juvenile:
        b.step("R1.juvenile", "This was a juvenile court adjudication (WIC 602); relief goes "
               "through the juvenile court and its forms (JV-744 to JV-746).", "HS 11361.8(m)")
        return _policy(ctx, b, "needs_review", None, "R1 juvenile")

    # R2 effective date.
    if "offense_after_prop64" in b.flags:
        b.step("R2.offense_after", f"The offense ({off}) was on or after November 9, 2016, when "
               "Proposition 64 took effect; the conviction already reflects the new law.",
               "HS 11361.8(a), (e)", offense_date=_d(off))
        if "ineligible_subdivision" in b.flags:
            b.step("R4.ineligible_subdivision", f"HS {c.section} is a subdivision that remains a "
                   "felony under the amended law.", "HS 11359(c)(3), (d); 11360(a)(3)(C)-(D)")
        return _policy(ctx, b, "not_eligible", None, "R2 offense after Prop 64")
    if "judgment_after_prop64" in b.flags:
        choice = ctx.interp.get("judgment_after_prop64", "needs_review")
        b.step("R2.judgment_after", f"The offense ({off}) was before November 9, 2016 but the "
               f"judgment ({c.conviction_date}) came after; whether the new law already applied "
               "(Estrada, plea terms) needs the court file. County policy: "
               f"{'not eligible' if choice == 'not_eligible' else 'review by a clerk'}.",
               "HS 11361.8(a), (e)", offense_date=_d(off), conviction_date=_d(c.conviction_date))
        return _policy(ctx, b, choice, None, "R2 judgment after Prop 64")

    # R3 prosecution challenge (HS 11361.9(b)-(c)).
    if resp and resp.response == "challenged":
        ground = (resp.ground or "").lower()
        text = (f"The prosecution challenged relief on {resp.response_date or 'an unknown date'}"
                f"{' (ground: ' + resp.ground + ')' if resp.ground else ''}; the court decides "
                "after a hearing whether the challenge is proven by clear and convincing evidence.")
        if "safety" in ground and not serving:
            text += (" A public-safety challenge is not a valid ground when the sentence is "
                     "completed (HS 11361.9(c)(2)).")
        b.step("R3.challenged", text, "HS 11361.9(b)-(c); HS 11361.8(b), (f)",
               response_date=_d(resp.response_date), ground=resp.ground)
        return _policy(ctx, b, "needs_review", None, "R3 prosecution challenged")

    # R4 grade today.
    g = _grade_today(ctx, c, age)
    b.step("R4.grade", f"{g.text} (age at the offense: {age}).", g.statute,
           grade_today=g.grade, age_at_offense=age, offense_date=_d(off))
    if g.unknown_quantity:
        b.flags.add("unknown_quantity")
    not_challenged = resp is not None and resp.response == "not_challenged"
    barred: str | None = None
    bar_decisive = ""
    if "ineligible_subdivision" in b.flags:
        b.step("R4.ineligible_subdivision", f"HS {c.section} is a subdivision that remains a "
               "felony under the amended law.", "HS 11359(c)(3), (d); 11360(a)(3)(C)-(D)")
        return _policy(ctx, b, "not_eligible", None, "R4 ineligible subdivision")
    if c.base == "11358" and level == "F" and g.grade == "misdemeanor":
        env = list(ctx.priors.environmental.get(c.cycle, ()))
        env += _environmental_mentions(c)
        if env:
            b.flags.add("environmental_violation")
            b.flags.add("ineligible_subdivision")
            b.step("R4.environmental", "The record shows an environmental violation with the "
                   f"cultivation ({', '.join(env)}), which keeps it a felony.", "HS 11358(d)(3)",
                   violations=env)
            return _policy(ctx, b, "not_eligible", None, "R4 environmental violation")
    felony_tier_applies = level == "F" and (
        (g.tier_possible and c.base in ("11358", "11359", "11360"))
        or bool(ctx.interp.get("priors_bar_all_sections")))
    if felony_tier_applies:
        (dq, n_dq), (maybe, n_maybe), (unread, n_unread) = _disqualifiers(ctx, c)
        mode = ctx.interp.get("disqualifying_priors", "before_offense")
        when = {"before_offense": "before this offense", "before_disposition":
                "before this conviction", "anywhere": "on the record"}[mode]
        dq_statute = "HS 11358(d)(1), 11359(c)(1), 11360(a)(3)(A); PC 667(e)(2)(C)(iv), PC 290(c)"
        if dq:
            b.flags.add("disqualifying_prior")
            b.step("R4.disqualifying_prior", "A disqualifying prior conviction "
                   f"(super-strike or PC 290(c) offense) {when} makes a felony possible today: "
                   + _listed(dq, n_dq) + ".", dq_statute,
                   priors=[{"section": f"{p.count.code or 'PC'} {p.count.section}",
                            "read_as": p.what, "conviction_date": _d(p.count.conviction_date),
                            "case_number": p.count.case_number} for p in dq],
                   prior_count_ids=[p.count.id for p in dq], priors_total=n_dq)
            barred, bar_decisive = "not_eligible", "R4 disqualifying prior"
        elif maybe or unread:
            # Never a silent grant: a prior that may be disqualifying, or one whose section
            # cannot be read at all, goes to a clerk with every reading named.
            texts = []
            if maybe:
                b.flags.add("possible_disqualifier")
                texts.append(f"{n_maybe} prior conviction{'s' if n_maybe != 1 else ''} {when} "
                             "may be a super-strike or PC 290(c) offense: " + _listed(maybe, n_maybe))
            if unread:
                b.flags.add("section_unreadable")
                texts.append(f"{n_unread} prior conviction{'s' if n_unread != 1 else ''} {when} "
                             "name no section that can be read, so the record cannot show that "
                             "they are not disqualifying: " + _listed(unread, n_unread))
            b.step("R4.possible_disqualifier", "; ".join(texts) + ". The court file must show "
                   "what the conviction was before relief is decided.", dq_statute,
                   priors=[{"text": p.count.offense_text, "read_as": p.what, "why": p.why,
                            "conviction_date": _d(p.count.conviction_date),
                            "case_number": p.count.case_number} for p in maybe + unread],
                   prior_count_ids=[p.count.id for p in maybe + unread],
                   priors_total=n_maybe + n_unread)
            barred, bar_decisive = "needs_review", "R4 possible disqualifying prior"
        if not barred and ctx.subject.registered_290 and not ctx.priors.has_pc290:
            b.flags.add("registration_only")
            choice = ctx.interp.get("registration", "needs_review")
            b.step("R4.registration", "The record shows a PC 290 registration event but no PC "
                   "290(c) conviction; the registration is only a sign that such a conviction may "
                   "exist, so the court file must be checked.", "HS 11358(d)(1), 11359(c)(1), "
                   "11360(a)(3)(A); PC 290(c)")
            barred, bar_decisive = choice, "R4 registration only"
        same, n_same, bars = _same_section_priors(ctx, c)
        if n_same >= 2 or bars:
            b.flags.add("two_priors")
            mode = ctx.interp.get("two_priors", "statute")
            why = ("counted by county policy" if bars else "they are not priors under the new "
                   "misdemeanor subdivision (pre-Proposition 64 judgments), so they do not keep a "
                   "felony; flagged for a clerk")
            more = f", and {n_same - len(same)} more" if n_same > len(same) else ""
            b.step("R4.two_priors", f"The record has {n_same} other HS {c.base} convictions "
                   f"({', '.join(f'{p.conviction_date} case {p.case_number}' for p in same)}{more}); "
                   f"{why}.", "HS 11358(d)(2), 11359(c)(2), 11360(a)(3)(B)",
                   priors=[{"conviction_date": _d(p.conviction_date),
                            "case_number": p.case_number} for p in same], counting=mode)
            if bars and barred is None:
                barred, bar_decisive = "not_eligible", "R4 two priors"
    if barred:
        if not_challenged:
            b.step("R5.not_challenged", "The prosecution told the court it does not challenge "
                   f"relief ({resp.response_date or 'date not recorded'}); with no challenge the "
                   "court shall grant relief.", "HS 11361.9(f)",
                   response_date=_d(resp.response_date))
        else:
            return _policy(ctx, b, barred, None, bar_decisive)
    if GRADE[g.grade] >= LEVEL_GRADE[level] and g.unknown_quantity and g.small_grade \
            and GRADE[g.small_grade] < LEVEL_GRADE[level]:
        b.step("R4.quantity_unknown", f"The conviction was a {LEVEL_WORD[level]}: with a larger "
               f"amount it is still a {g.grade} today (no relief), with a smaller amount it would be "
               f"{g.small_grade} today (relief). The court file must show the amount.", g.statute)
        return _policy(ctx, b, "needs_review", None, "R4 quantity unknown")
    if GRADE[g.grade] >= LEVEL_GRADE[level]:
        b.step("R4.same_grade", f"The conviction was a {LEVEL_WORD[level]} and the same conduct is "
               f"{'still a ' + g.grade if g.grade != 'felony' else 'still a felony'} today: "
               "there is no lesser offense to reduce it to.", g.statute)
        return _policy(ctx, b, "not_eligible", None, "R4 same grade today")
    if not_challenged and not barred:
        b.step("R5.not_challenged", "The prosecution told the court it does not challenge relief "
               f"({resp.response_date or 'date not recorded'}).", "HS 11361.9(f)",
               response_date=_d(resp.response_date))

    # R6 the path: serving -> recall and resentence; completed or unknown -> redesignate/dismiss.
    if serving:
        target = {"lawful": "dismissed", "infraction": "infraction",
                  "misdemeanor": "misdemeanor"}[g.grade]
        b.step("R6.resentence", f"The sentence runs until {c.sentence_end}, after the as-of date "
               f"{ctx.as_of}: the person is still serving it, so the path is a petition to recall "
               f"and {'dismiss the sentence as legally invalid' if target == 'dismissed' else 'resentence as a ' + target}; "
               "the court may deny it for an unreasonable risk to public safety.", S_8A,
               sentence_end=_d(c.sentence_end), as_of=ctx.as_of.isoformat())
        return _policy(ctx, b, "resentence", target, f"R6 serving, {g.grade} today")
    relief = {"lawful": "dismiss_and_seal", "infraction": "redesignate_infraction",
              "misdemeanor": "redesignate_misdemeanor"}[g.grade]
    if serving is None:
        b.step("R6.completed", "The record has no sentence data; the sentence is treated as "
               f"completed and the count is flagged. Relief: {RELIEF_WORDS[relief]}.", S_8E)
    else:
        b.step("R6.completed", f"The sentence ended on {c.sentence_end}, before the as-of date: "
               f"relief is to {RELIEF_WORDS[relief]}"
               f"{' as legally invalid' if relief == 'dismiss_and_seal' else ''}.", S_8E,
               sentence_end=_d(c.sentence_end))
    return _policy(ctx, b, relief, None, f"R4 {g.grade} today")


_ENV_TEXT = re.compile(
    r"(?:WATER\s+CODE|\bWC)\s*(?:SECTION|SEC\.?|§)?\s*(1052|13260|13264|13272|13387)\b"
    r"|(?:FISH\s+(?:AND|&)\s+GAME(?:\s+CODE)?|\bFG)\s*(?:SECTION|SEC\.?|§)?\s*"
    r"(5650|5652|1602|12025\.5|12025)\b"
    r"|\b(?:PC|PENAL\s+CODE)\s*(?:SECTION|SEC\.?|§)?\s*(374\.8)\b|\b(374\.8)\s*PC\b"
    r"|\b(11358\(D\)\(3\))")


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
            if not any(matches(offense_section(c.section or ""), parse_pattern(p)[0])
                       for p in want):
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
    policy = ctx.policy
    hard = sorted(b.flags & HARD_STOPS)
    rule: Rule | None = next((r for r in policy.rules if _holds(ctx, b.c, r.when)), None)
    if rule is None:
        if policy.otherwise == "needs_review" and floor in GRANTS and floor != "resentence":
            b.step("P.otherwise", f"No rule of the county policy '{policy.title}' grants this "
                   "count; the policy sends such counts to a clerk for review.", "County policy")
            return b.done("needs_review", None, f"{decisive}; policy: review")
        return b.done(floor, target, decisive)
    where = f"county policy '{policy.title}', rule '{rule.label}'"
    if rule.then in ("needs_review", "not_eligible"):
        if floor in ("needs_review", "not_eligible") and hard:
            return b.done(floor, target, decisive)
        b.step(f"P.{rule.id}", f"Under {where}, this count goes to "
               f"{'review by a clerk' if rule.then == 'needs_review' else 'no relief'}.",
               rule.statute or "County policy")
        if floor == "resentence":   # a hearing is needed anyway; keep the statutory path
            return b.done(floor, target, decisive)
        return b.done(rule.then, None, f"{decisive}; policy {rule.id}")
    granted = "dismiss_and_seal" if rule.then == "dismiss" else "redesignate_misdemeanor"
    if hard:
        b.step(f"P.{rule.id}", f"{where[0].upper() + where[1:]} would grant relief, but county "
               f"policy never overrides these findings: {', '.join(hard)}.", rule.statute)
        return b.done(floor, target, decisive)
    if floor in GRANT_RANK:
        if GRANT_RANK[granted] > GRANT_RANK[floor]:
            b.flags.add("policy_relief")
            b.step(f"P.{rule.id}", f"Under {where}, the relief is raised to "
                   f"{RELIEF_WORDS[granted]} (beyond the statute).", rule.statute or "County policy")
            return b.done(granted, None, f"{decisive}; policy {rule.id}")
        if GRANT_RANK[granted] < GRANT_RANK[floor]:
            b.flags.add("statute_exceeds_policy")
            b.step(f"P.{rule.id}", f"Under {where} the relief would be to {RELIEF_WORDS[granted]}, "
                   f"but the statute gives more: {RELIEF_WORDS[floor]}.", S_8E)
        return b.done(floor, target, decisive)
    if floor == "resentence":
        return b.done(floor, target, decisive)
    # Floor is not_eligible or needs_review without a hard stop.
    if rule.overrides_floor:
        b.flags.add("policy_relief")
        b.step(f"P.{rule.id}", f"Under {where}, the county grants relief the statute alone does "
               f"not: {RELIEF_WORDS[granted]}.", rule.statute or "County policy")
        return b.done(granted, None, f"{decisive}; policy {rule.id}")
    b.step(f"P.{rule.id}", f"The {where} would grant relief, but it does not say it overrides a "
           f"finding of '{RELIEF_WORDS[floor]}', so that finding stands.", rule.statute)
    return b.done(floor, target, decisive)


# -- counts outside HS 11357-11360 -----------------------------------------------------------------
def _out_of_scope(ctx: Ctx, c: CountFacts) -> Determination:
    b = _Builder(ctx, c)
    read = parse_section(c.offense_text)
    if read is not None and read.noise and any(is_prop64(p.base, read.code) for p in read.parts):
        # "11359.11 HS": a cannabis section with text after it that names no section. Neither
        # the nearby section nor "out of scope" may be assumed: a clerk reads the court file.
        b.flags.add("section_unreadable")
        b.step("R0.unreadable", f"The record writes '{read.text}': it names HS "
               f"{read.parts[0].section} followed by '{read.noise}', which names no section, so "
               "the section cannot be read for certain.", "HS 11361.8(a), (e)",
               text=c.offense_text)
        return b.done("needs_review", None, "R0 section unreadable")
    b.flags.add("out_of_scope_section")
    b.step("R0.out_of_scope", f"{c.code or ''} {c.section or c.offense_text} is not one of the "
           "sections Proposition 64 changed (HS 11357-11360); it only looks like one.",
           "HS 11361.8(a), (e)", section=c.section, code=c.code, text=c.offense_text)
    return b.done("not_eligible", None, "R0 out of scope")


def _comment_only(ctx: Ctx, c: CountFacts, named: str) -> Determination:
    """A Prop 64 section named only in the comment of a count of another offense: shown to a
    clerk, decided by nothing (§5.6; gogen's 'possible other P64 charges')."""
    b = _Builder(ctx, c)
    b.flags.add("possible_prop64_in_comment")
    b.step("R0.comment", f"The conviction is for {c.code or ''} {c.section or c.offense_text}, but "
           f"its comment names HS {named} ('{c.comment}'). The comment decides nothing by itself: "
           "a clerk checks the court file for a cannabis conviction.", "HS 11361.8(a), (e)",
           section=c.section, code=c.code, text=c.offense_text, comment=c.comment)
    return b.done("needs_review", None, "R0 Prop 64 section in comment")


def _related_count(ctx: Ctx, c: CountFacts, cycle_dets: list[Determination]) -> Determination | None:
    pol = ctx.policy
    plea = pol.plea and any(matches_pattern(c.section, c.code, p) for p in pol.plea.codes)
    related = pol.related and any(matches_pattern(c.section, c.code, p) for p in pol.related.sections)
    maybe = pol.related and any(matches_pattern(c.section, c.code, p)
                                for p in pol.related.maybe_sections)
    if not (plea or related or maybe):
        return None
    b = _Builder(ctx, c)
    kind = "plea_bargain" if plea else "related_charge"
    b.flags.add(kind)
    granted_p64 = [d for d in cycle_dets if d.relief in GRANT_RANK and not (set(d.flags) & HARD_STOPS)]
    desc = f"{c.code or ''} {c.section}".strip()
    problems = _record_problems(ctx, c)
    problems = [p for p in problems if "level" not in p]
    if problems:
        b.flags.add("record_inconsistent")
        b.step("RX.record", "The record is inconsistent: " + "; ".join(problems) + ".", "")
        return b.done("needs_review", None, "record inconsistent")
    if c.offense_date and c.offense_date >= PROP64_DATE:
        b.flags.add("offense_after_prop64")
    action = (pol.plea.action if plea else pol.related.action) if (plea or related) else "maybe"
    if action == "report":
        b.flags.add("out_of_scope_section")
        b.step("R0.related", f"{desc} is in the same arrest cycle as a Prop 64 conviction but is "
               f"not itself a Prop 64 section; HS 11361.8 gives no relief for it"
               f"{' (a possible plea bargain)' if plea else ' (a related charge)'}.",
               "HS 11361.8(a), (e)", section=desc)
        return b.done("not_eligible", None, "R0 related charge, out of scope")
    if action == "maybe" or not granted_p64 or "offense_after_prop64" in b.flags:
        b.step("P.related_maybe", f"{desc} is in a cycle with a Prop 64 conviction; county policy "
               f"'{pol.title}' treats it as a 'maybe': a clerk decides.", "County policy")
        return b.done("needs_review", None, f"policy {kind} maybe")
    if plea:
        cycle_counts = [p for p in ctx.convictions if p.cycle == c.cycle and p.id != c.id]
        eligible_ids = {d.count_id for d in granted_p64}
        others = [p for p in cycle_counts if p.id not in eligible_ids
                  and not any(matches_pattern(p.section, p.code, q) for q in pol.plea.codes)]
        if others:
            b.step("P.plea_maybe", f"{desc} may be a plea bargain for a Prop 64 charge, but the "
                   "cycle also holds other convictions ("
                   + ", ".join(f"{p.code or ''} {p.section}" for p in others) + "): a clerk "
                   "decides.", "County policy", others=[p.section for p in others])
            return b.done("needs_review", None, "policy plea bargain maybe")
        best = max(granted_p64, key=lambda d: GRANT_RANK.get(d.relief, 0))
        b.flags.add("policy_relief")
        b.step("P.plea_bargain", f"{desc} is a possible plea bargain: every other conviction in the "
               "cycle is an eligible Prop 64 count, so county policy gives it the same relief: "
               f"{RELIEF_WORDS[best.relief]}.", "County policy; HS 11361.8 (would have been guilty "
               "of a lesser offense)")
        return b.done(best.relief, None, "policy plea bargain")
    b.flags.add("policy_relief")
    b.step("P.related", f"{desc} is a related charge in the same cycle as an eligible Prop 64 "
           f"conviction; county policy '{pol.title}' dismisses it. This has no HS 11361.8 basis: "
           "it rests on the county's motion (e.g. PC 1385).", "County policy; PC 1385")
    return b.done("dismiss_and_seal", None, "policy related charge")
