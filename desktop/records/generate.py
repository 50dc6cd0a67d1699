"""Synthetic DOJ research files with coherent, invented people.

Unlike gogen's generator (dates drawn independently of the birth date, every row a felony, no
deceased or registration rows) each person here has a birth date, a life of arrest cycles in
date order, court actions after the arrests, and convictions before the as-of date. The hard
cases the rules engine must get right are made on purpose, at rates high enough that a few
thousand rows hold every one of them.

Deterministic: the output depends only on the arguments (the clock is never read), and the
random stream is seeded from the seed, the county and the as-of date."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path

from desktop.files import replace_file
from desktop.progress import ProgressFn
from desktop.records import generate_catalog as cat
from desktop.records.doj_layout import COLUMNS, INDEX, N_COLUMNS

DEFAULT_AS_OF = date(2020, 7, 1)
FILLER = '"  -  "'  # DOJ's filler in unused columns, quoted as DOJ does
CHUNK_ROWS = 20_000  # rows per file.write
EARLIEST_EVENT = date(1970, 1, 1).toordinal()

# Per-person chances. They are well above real-world rates for the rare cases so that a
# 5,000-row file (about 400 people) holds every hard case.
P_CANNABIS = 0.20  # a conviction under 11357-11360 in the requested county
P_SAME_SECTION_PRIORS = 0.22
P_CANNABIS_ELSEWHERE = 0.15
P_JUVENILE = 0.08
P_ADULT_AT_17 = 0.012
P_SUPER_STRIKE = 0.03
P_PC290 = 0.03
P_REGISTRATION_ONLY = 0.015
P_DECEASED = 0.03
P_LOOK_ALIKE = 0.10
P_COMMENT_ONLY = 0.025  # per charge: section only in COMMENT_TEXT
# Long histories (--rows-per-person): each arrest added to make up the rows is a cannabis one
# with this chance (real long records are mostly other offenses).
P_LONG_CANNABIS = 0.04
MAX_CYCLES = 999  # CNT_ORDER's first 3 digits number a person's cycles


@dataclass(frozen=True, slots=True)
class GenerateStats:
    path: Path
    county: str
    seed: int
    as_of: date
    rows: int
    subjects: int
    cannabis_subjects: int  # people with a cannabis conviction in the requested county
    bytes: int


# A charge is (OFFENSE_DESCR, charged level F/M/I, section only in the comment 0/1/2).
# An outcome is (DISP_DESCR, conviction level or "", sentence parts [(where, length, unit)]).
Charge = tuple[str, str, int]
Part = tuple[str, str, str]
Outcome = tuple[str, str, list[Part]]


@dataclass(slots=True)
class _Cycle:
    date: int  # CYC_DATE ordinal (arrest, the offense-date proxy)
    county: str
    charges: list[Charge]
    court_date: int | None = None
    court_county: str = ""
    juvenile: bool = False
    outcomes: list[Outcome] | None = None
    event: str = ""  # "REGISTRATION" or "DECEASED": an event-only cycle


def _cum(weighted: Sequence[tuple[cat.Offense, int]]) -> tuple[list[cat.Offense], list[int]]:
    items, cum, total = [], [], 0
    for item, w in weighted:
        total += w
        items.append(item)
        cum.append(total)
    return items, cum


def _rows_of(c: _Cycle) -> int:
    """The rows render() writes for a cycle."""
    if c.event:
        return 1
    n = len(c.charges)
    if c.court_date is not None and c.outcomes is not None:
        n += sum(max(1, len(parts)) for _d, _l, parts in c.outcomes)
    return n


def _years_later(ordinal: int, years: int) -> int:
    d = date.fromordinal(ordinal)
    try:
        return d.replace(year=d.year + years).toordinal()
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28).toordinal()


class _Generator:
    def __init__(self, county: str, seed: int, as_of: date) -> None:
        self.county = county
        self.as_of = as_of.toordinal()
        self.hi = self.as_of - 1  # the last day anything may happen
        self.rng = random.Random(f"reliefdesk-generate:{seed}:{county}:{as_of.isoformat()}")
        self.others = tuple(c for c in cat.COUNTIES if c != county)
        self.case_prefix = cat.county_case_prefix(county)
        self.ofn_serial = self.rng.randrange(100_000, 900_000)
        self.ofn_digits = self.rng.randrange(10_000_000, 30_000_000)
        self.ordinary = _cum(cat.ORDINARY)
        self.related = _cum(cat.RELATED)
        self.look_alikes = _cum(cat.LOOK_ALIKES)
        self.post = _cum(cat.POST_POSSESS)
        self.pre = _cum(
            (
                ((cat.PRE_POSSESS_CONC, "?"), 6),
                ((cat.PRE_POSSESS_SMALL, "?"), 14),
                ((cat.PRE_POSSESS_LARGE, "M"), 8),
                ((cat.PRE_POSSESS_SCHOOL, "M"), 1),
                (cat.PRE_CULTIVATE, 12),
                (cat.PRE_FOR_SALE, 18),
                (cat.PRE_SELL, 14),
                (cat.PRE_SELL_OLD, 3),
                (cat.PRE_GIVE_SMALL, 5),
            )
        )
        # YYYYMMDD strings for every day a row can carry.
        self.base = EARLIEST_EVENT - 40_000
        self.ds = [date.fromordinal(o).strftime("%Y%m%d") for o in range(self.base, self.as_of + 1)]
        self.cannabis_subjects = 0

    # --- small draws -------------------------------------------------------------------
    def pick(self, table: tuple[list[cat.Offense], list[int]]) -> cat.Offense:
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def between(self, lo: int, hi: int) -> int | None:
        return self.rng.randint(lo, hi) if lo <= hi else None

    def other_county(self) -> str:
        return self.rng.choice(self.others)

    def home_or_away(self) -> str:
        return self.county if self.rng.random() < 0.78 else self.other_county()

    def charge(self, offense: cat.Offense, when: int) -> Charge:
        descr, level = offense
        if level == "W":
            level = "F" if self.rng.random() < 0.5 else "M"
        elif level == "?":  # pre-AUMA possession: the grade depended on the date
            if descr == cat.PRE_POSSESS_SMALL:
                level = "I" if when >= cat.SB1449 else "M"
            else:  # concentrated cannabis: a wobbler until Prop 47
                level = "F" if when < cat.PROP47 and self.rng.random() < 0.6 else "M"
        r = self.rng.random()
        comment = 0 if r >= P_COMMENT_ONLY else (1 if r < P_COMMENT_ONLY * 0.7 else 2)
        return descr, level, comment

    def cannabis_offense(self, when: int, age: int) -> cat.Offense:
        if when >= cat.AUMA:
            if 18 <= age <= 20 and self.rng.random() < 0.3:
                return cat.POST_SMALL_18_20
            return self.pick(self.post)
        return self.pick(self.pre)

    def sentence(self, level: str) -> list[Part]:
        r = self.rng.random()
        ri = self.rng.randint
        if level == "F":
            if r < 0.3:
                n, unit = self.rng.choice(((16, "M"), (2, "Y"), (3, "Y"), (4, "Y"), (6, "Y")))
                return [("PRISON", str(n), unit)]
            if r < 0.8:
                return [("PROBATION", str(ri(2, 5)), "Y"), ("JAIL", str(ri(3, 12) * 30), "D")]
            return [("JAIL", "365", "D")]
        if level == "M":
            if r < 0.35:
                return [("PROBATION", str(ri(1, 3)), "Y")]
            if r < 0.6:
                return [("PROBATION", str(ri(1, 3)), "Y"), ("JAIL", str(ri(2, 90)), "D")]
            if r < 0.85:
                return [("JAIL", str(ri(2, 180)), "D")]
            return [("FINE", "", "")]
        return [("FINE", "", "")] if r < 0.7 else []

    def convicted(self, level: str, parts: list[Part] | None = None) -> Outcome:
        if parts is None:
            parts = self.sentence(level)
        descr = "CONVICTED"
        if parts and self.rng.random() < 0.2:
            descr = f"CONVICTED-{parts[0][0]}"
        return descr, level, parts

    def not_convicted(self) -> Outcome:
        return ("ACQUITTED" if self.rng.random() < 0.06 else "DISMISSED"), "", []

    def court_after(self, when: int, latest: int | None = None) -> int | None:
        """A court date 2 weeks to 14 months after the arrest, before the as-of date."""
        delay = 14 + int(self.rng.expovariate(1 / 90))
        court = when + min(delay, 420)
        limit = self.hi if latest is None else min(self.hi, latest)
        return court if court <= limit else None

    # --- cycles ------------------------------------------------------------------------
    def ordinary_cycle(self, lo: int, hi: int, n: int = 0) -> _Cycle | None:
        """An arrest with 1-3 charges (n: exactly n, for the wide cycles of a very long record)."""
        when = self.between(lo, hi)
        if when is None:
            return None
        if not n:
            n = 1 if self.rng.random() < 0.6 else self.rng.randint(2, 3)
        charges = [self.charge(self.pick(self.ordinary), when) for _ in range(n)]
        cyc = _Cycle(when, self.home_or_away(), charges)
        r = self.rng.random()
        if r < 0.12:
            return cyc  # released, never filed
        cyc.court_date = self.court_after(when)
        if cyc.court_date is None:
            return cyc  # still pending on the as-of date
        cyc.court_county = cyc.county
        if r < 0.24:
            cyc.outcomes = [self.not_convicted() for _ in charges]
        else:
            cyc.outcomes = [
                self._conviction_level_outcome(c)
                if i == 0 or self.rng.random() < 0.3
                else self.not_convicted()
                for i, c in enumerate(charges)
            ]
        return cyc

    def _conviction_level_outcome(self, c: Charge) -> Outcome:
        level = c[1]
        if level == "F" and self.rng.random() < 0.15:
            level = "M"  # felony charged, misdemeanour plea
        return self.convicted(level)

    def single_conviction(
        self,
        when: int,
        county: str,
        offense: cat.Offense,
        parts: list[Part] | None = None,
        court: int | None = None,
    ) -> _Cycle:
        c = self.charge(offense, when)
        cyc = _Cycle(when, county, [c])
        cyc.court_date = court if court is not None else self.court_after(when)
        if cyc.court_date is not None:
            cyc.court_county = county
            cyc.outcomes = [self.convicted(c[1], parts)]
        return cyc

    def cannabis_cycle(self, lo: int, dob: int, county: str) -> _Cycle | None:
        """A cannabis conviction, with the era, timing and companions the engine must handle."""
        r = self.rng.random()
        court: int | None = None
        parts: list[Part] | None = None
        if r < 0.25:  # offense after Prop 64
            when = self.between(max(lo, cat.AUMA), self.hi - 150)
        elif r < 0.35:  # offense before, judgment after 2016-11-09
            when = self.between(max(lo, cat.AUMA - 300), cat.AUMA - 1)
            if when is not None:
                court = self.between(cat.AUMA, min(when + 420, self.hi))
                if court is None:
                    when = None
        elif r < 0.47:  # sentence still running on the as-of date
            court = self.between(max(lo + 30, self.as_of - 1640), min(cat.AUMA - 1, self.hi))
            when = court - self.rng.randint(20, 200) if court is not None else None
            if when is not None and when < lo:
                when = None
            if court is not None:
                years = (self.as_of - court) // 365 + 1 + self.rng.randint(0, 1)
                parts = [("PROBATION", str(max(years, 3)), "Y")]
        else:
            when = self.between(max(lo, date(1975, 1, 1).toordinal()), min(self.hi, cat.AUMA) - 60)
        if when is None:  # the person is too young for that shape; plain one
            when = self.between(lo, self.hi - 60)
            court, parts = None, None
            if when is None:
                return None
        age = (when - dob) // 365
        offense = self.cannabis_offense(when, age)
        main = self.charge(offense, when)
        charges = [main]
        if self.rng.random() < 0.1:  # possession alongside a sales count
            charges.append(self.charge(self.cannabis_offense(when, age), when))
        env_at = -1
        if offense[0].startswith("11358") and self.rng.random() < 0.55:
            env_at = len(charges)
            charges.append(self.charge(self.rng.choice(cat.ENVIRONMENTAL), when))
        if self.rng.random() < 0.3:
            charges.append(self.charge(self.pick(self.related), when))
        cyc = _Cycle(when, county, charges)
        cyc.court_date = court if court is not None else self.court_after(when)
        if cyc.court_date is None:
            cyc.court_date = self.between(when + 1, self.hi)
        if cyc.court_date is None:
            return None
        cyc.court_county = county
        level = main[1]
        if level == "F" and self.rng.random() < 0.12:
            level = "M"
        outcomes = [self.convicted(level, parts)]
        for i, c in enumerate(charges[1:], start=1):
            # An environmental count is there because the court found the harm: mostly convicted.
            odds = 0.85 if i == env_at else 0.5
            outcomes.append(
                self.convicted(c[1]) if self.rng.random() < odds else self.not_convicted()
            )
        cyc.outcomes = outcomes
        return cyc

    def juvenile_cycle(self, dob: int, county: str, cannabis: bool) -> _Cycle | None:
        lo, eighteen = _years_later(dob, 14), _years_later(dob, 18)
        when = self.between(max(lo, EARLIEST_EVENT), min(eighteen - 60, self.hi - 60))
        if when is None:
            return None
        offense = self.rng.choice(cat.JUVENILE_CANNABIS) if cannabis else self.pick(self.ordinary)
        c = self.charge(offense, when)
        cyc = _Cycle(when, county, [c], juvenile=True)
        cyc.court_date = when + self.rng.randint(14, 59)
        cyc.court_county = county
        cyc.outcomes = [
            self.convicted(c[1], [("PROBATION", "1", "Y")] if self.rng.random() < 0.7 else [])
        ]
        return cyc

    # --- a person ----------------------------------------------------------------------
    def subject_rows(self, sid: int) -> list[str]:
        return list(self.subject_row_iter(sid))

    def subject_row_iter(self, sid: int, rows: int = 0) -> Iterator[str]:
        """A person's rows. rows=0: today's shape (about 10 rows a person); else a long history
        of exactly `rows` rows (the last cycle cut short when it does not fit), rendered as it is
        written so that a million-row person never sits in memory."""
        rng = self.rng
        female = rng.random() < 0.3
        first = rng.choice(cat.FIRST_NAMES_F if female else cat.FIRST_NAMES_M)
        name = f"{rng.choice(cat.LAST_NAMES)},{first} {rng.choice(cat.INITIALS)}"
        age_now = rng.randint(20, 78)
        dob = self.as_of - age_now * 365 - rng.randint(0, 364)
        cycles = self.person_cycles(dob)
        if rows:
            cycles = self.long_history(cycles, dob, rows)
        out = self.render(sid, name, "F" if female else "M", dob, cycles)
        return islice(out, rows) if rows else out

    def long_history(self, cycles: list[_Cycle], dob: int, rows: int) -> list[_Cycle]:
        """More arrest cycles, in date order with the person's own, until they make `rows` rows.
        CNT_ORDER numbers cycles and counts with 3 digits each, so a record has at most
        MAX_CYCLES cycles: past that, each extra arrest carries more charges ("wide" cycles)."""
        rng = self.rng
        adult = max(_years_later(dob, 18), EARLIEST_EVENT)
        deceased = [c for c in cycles if c.event == "DECEASED"]
        cycles = [c for c in cycles if c.event != "DECEASED"]
        have = sum(map(_rows_of, cycles))
        room = MAX_CYCLES - len(cycles) - len(deceased)
        extra: list[_Cycle] = []
        while have < rows and len(extra) < room:
            left = room - len(extra)
            # Charges for this arrest: the usual 1-3 (0) while the cycles left can make up the
            # rows at about 3 rows an arrest, else enough for about 2 rows a charge.
            wide = 0 if rows - have <= left * 3 else min(999, -(-(rows - have) // (left * 2)))
            if not wide and rng.random() < P_LONG_CANNABIS:
                c = self.cannabis_cycle(adult, dob, self.home_or_away())
            else:
                c = self.ordinary_cycle(adult, self.hi, wide)
            if c is not None:
                extra.append(c)
                have += _rows_of(c)
        cycles += extra
        cycles.sort(key=lambda c: c.date)
        if deceased:  # after everything else, or dropped when the record runs to the end
            last = max(max(c.date, c.court_date or 0) for c in cycles)
            if deceased[0].date > last:
                cycles.append(deceased[0])
        return cycles

    def person_cycles(self, dob: int) -> list[_Cycle]:
        rng = self.rng
        adult = max(_years_later(dob, 18), EARLIEST_EVENT)
        cycles: list[_Cycle] = []
        add = cycles.append

        def keep(c: _Cycle | None) -> None:
            if c is not None:
                add(c)

        for _ in range(min(int(rng.expovariate(1 / 2.6)), 9)):
            keep(self.ordinary_cycle(adult, self.hi))
        is_cannabis = rng.random() < P_CANNABIS
        if is_cannabis:
            before = len(cycles)
            for _ in range(1 if rng.random() < 0.75 else 2):
                keep(self.cannabis_cycle(adult, dob, self.county))
            if rng.random() < P_SAME_SECTION_PRIORS:
                offense = rng.choice(cat.PRIOR_FELONIES)
                for _ in range(rng.randint(2, 3)):
                    when = self.between(adult, min(self.hi, cat.AUMA) - 500)
                    if when is not None:
                        keep(self.single_conviction(when, self.county, offense))
            if rng.random() < P_JUVENILE:
                keep(self.juvenile_cycle(dob, self.county, cannabis=True))
            if rng.random() < P_ADULT_AT_17:
                self._adult_at_17(cycles, dob, cat.PRE_SELL)
            if len(cycles) > before:
                self.cannabis_subjects += 1
        elif rng.random() < 0.1:  # a cannabis arrest that went nowhere here
            c = self.ordinary_cycle(adult, self.hi)
            if c is not None:
                c.county = self.county
                c.charges[0] = self.charge(self.cannabis_offense(c.date, 30), c.date)
                if c.outcomes:
                    c.court_county = self.county
                    c.outcomes[0] = self.not_convicted()
                add(c)
        if rng.random() < P_CANNABIS_ELSEWHERE * (1 if is_cannabis else 0.4):
            keep(self.cannabis_cycle(adult, dob, self.other_county()))
        if not is_cannabis:
            if rng.random() < P_JUVENILE:
                keep(self.juvenile_cycle(dob, self.home_or_away(), cannabis=False))
            if rng.random() < P_ADULT_AT_17:
                self._adult_at_17(cycles, dob, self.pick(self.ordinary))
        if rng.random() < P_LOOK_ALIKE:
            when = self.between(adult, self.hi - 60)
            if when is not None:
                keep(self.single_conviction(when, self.home_or_away(), self.pick(self.look_alikes)))
        if rng.random() < P_SUPER_STRIKE:
            # Early in adult life, so that later cannabis counts have it as a prior.
            when = self.between(adult, (adult + self.hi) // 2)
            if when is not None:
                off = rng.choice(cat.SUPER_STRIKES)
                keep(
                    self.single_conviction(
                        when, self.home_or_away(), off, [("PRISON", str(rng.randint(7, 25)), "Y")]
                    )
                )
        if rng.random() < P_PC290:
            when = self.between(adult, self.hi - 500)
            if when is not None:
                cyc = self.single_conviction(
                    when, self.home_or_away(), rng.choice(cat.PC290_OFFENSES)
                )
                add(cyc)
                if cyc.court_date is not None and rng.random() < 0.75:
                    reg = self.between(cyc.court_date + 10, self.hi)
                    if reg is not None:
                        add(_Cycle(reg, cyc.county, [], event="REGISTRATION"))
        if rng.random() < P_REGISTRATION_ONLY:
            reg = self.between(adult, self.hi)
            if reg is not None:
                add(_Cycle(reg, self.home_or_away(), [], event="REGISTRATION"))
        if not cycles:  # everyone in a DOJ file has at least one event
            keep(self.ordinary_cycle(max(_years_later(dob, 18), EARLIEST_EVENT), self.hi))
            if not cycles:
                add(_Cycle(self.hi, self.county, [self.charge(self.pick(self.ordinary), self.hi)]))
        cycles.sort(key=lambda c: c.date)
        if rng.random() < P_DECEASED:
            last = max(max(c.date, c.court_date or 0) for c in cycles)
            died = self.between(last + 30, self.hi)
            if died is not None:
                add(_Cycle(died, self.county, [], event="DECEASED"))
        return cycles

    def _adult_at_17(self, cycles: list[_Cycle], dob: int, offense: cat.Offense) -> None:
        seventeen, eighteen = _years_later(dob, 17), _years_later(dob, 18)
        when = self.between(max(seventeen, EARLIEST_EVENT), min(eighteen - 90, self.hi - 90))
        if when is not None:
            court = self.between(when + 14, min(eighteen - 1, self.hi))
            cycles.append(self.single_conviction(when, self.county, offense, court=court))

    # --- rows --------------------------------------------------------------------------
    def render(
        self, sid: int, name: str, gender: str, dob: int, cycles: list[_Cycle]
    ) -> Iterator[str]:
        ds = self.ds
        base = self.base
        subj = [FILLER] * 36
        subj[INDEX["SUBJECT_ID"]] = str(sid)
        subj[INDEX["CII_NUMBER"]] = self.cii(sid)
        subj[INDEX["PRI_NAME"]] = f'"{name}"'
        subj[INDEX["GENDER"]] = gender
        subj[INDEX["PRI_DOB"]] = ds[dob - base]
        prefix = ",".join(subj) + ","
        for n, cyc in enumerate(cycles, start=1):
            cyc_part = f"{prefix}{n},{ds[cyc.date - base]},"
            age = str((cyc.date - dob) * 4 // 1461)
            if cyc.event:
                ori = ("CORONER " if cyc.event == "DECEASED" else "SO ") + cyc.county
                text = cat.REGISTRATION_TEXT if cyc.event == "REGISTRATION" else ""
                step = _step(1, ds[cyc.date - base], cyc.event, ori, cyc.county)
                yield (
                    cyc_part
                    + step
                    + _count(f"{n:03d}001001000", "", "", text, "", "", "", None, 0, age)
                )
                continue
            arrest = _step(
                1, ds[cyc.date - base], "ARREST/DETAINED/CITED", self.agency(cyc.county), cyc.county
            )
            for k, (descr, toc, comment) in enumerate(cyc.charges, start=1):
                yield (
                    cyc_part
                    + arrest
                    + _count(
                        f"{n:03d}001{k:03d}000", "", "", descr, toc, "", "", None, comment, age
                    )
                )
            if cyc.court_date is None or cyc.outcomes is None:
                continue
            court_ds = ds[cyc.court_date - base]
            court_name = ("CASC JUVENILE " if cyc.juvenile else "CASC ") + cyc.court_county
            step = cyc_part + _step(2, court_ds, "COURT ACTION", court_name, cyc.court_county)
            ofn = self.case_number(any(c[1] == "F" for c in cyc.charges))
            for k, ((descr, toc, comment), (disp, level, parts)) in enumerate(
                zip(cyc.charges, cyc.outcomes, strict=True), start=1
            ):
                cnt = f"{n:03d}002{k:03d}000"
                conv = _LEVEL_WORD[level] if level else ""
                if not parts:
                    yield (
                        step
                        + _count(cnt, court_ds, ofn, descr, toc, disp, conv, None, comment, age)
                    )
                for j, part in enumerate(parts, start=1):
                    yield (
                        step
                        + _count(
                            cnt, court_ds, ofn, descr, toc, disp, conv, (j, *part), comment, age
                        )
                    )

    def cii(self, sid: int) -> str:
        # Multiplying by a number prime to 10 permutes the residues, so CIIs never repeat.
        if sid % 5 == 0:
            return f"A{(sid * 7919 + 12345) % 10**9:09d}"
        return f"{(sid * 104729 + 3_000_000_000) % 10**10:010d}"

    def agency(self, county: str) -> str:
        return ("SO " if self.rng.random() < 0.4 else "PD ") + county

    def case_number(self, felony: bool) -> str:
        if self.rng.random() < 0.25:
            self.ofn_digits += self.rng.randint(1, 9)
            return str(self.ofn_digits)
        self.ofn_serial += self.rng.randint(1, 9)
        return f"{'F' if felony else 'M'}{self.case_prefix}{self.ofn_serial:07d}"


_LEVEL_WORD = {"F": "FELONY", "M": "MISDEMEANOR", "I": "INFRACTION"}

# Column positions inside the step (STP_SEG_SEP .. STP_ORI_CNTY_NAME) and count (CNT_SEG_SEP ..
# END_OF_REC) segments of a row.
_STEP0 = INDEX["STP_SEG_SEP"]
_CNT0 = INDEX["CNT_SEG_SEP"]
_STEP_TEMPLATE = [FILLER] * (_CNT0 - _STEP0)
_COUNT_TEMPLATE = [FILLER] * (N_COLUMNS - _CNT0)
for _name in (
    "DISP_DATE",
    "OFN",
    "DISP_DESCR",
    "CONV_STAT_DESCR",
    "SENT_ORDER",
    "SENT_LOC_DESCR",
    "SENT_LENGTH",
    "SENT_TIME_CODE",
):
    _COUNT_TEMPLATE[INDEX[_name] - _CNT0] = ""
_S = {name: INDEX[name] - _STEP0 for name in COLUMNS[_STEP0:_CNT0]}
_C = {name: INDEX[name] - _CNT0 for name in COLUMNS[_CNT0:]}


def _step(order: int, when: str, kind: str, ori: str, county: str) -> str:
    t = _STEP_TEMPLATE.copy()
    t[_S["STP_ORDER"]] = str(order)
    t[_S["STP_EVENT_DATE"]] = when
    t[_S["STP_TYPE_DESCR"]] = kind
    t[_S["STP_ORI_DESCR"]] = ori
    t[_S["STP_ORI_CNTY_NAME"]] = county
    return ",".join(t) + ","


_I_CNT, _I_DDATE, _I_OFN = _C["CNT_ORDER"], _C["DISP_DATE"], _C["OFN"]
_I_DESCR, _I_TOC, _I_DISP = _C["OFFENSE_DESCR"], _C["OFFENSE_TOC"], _C["DISP_DESCR"]
_I_CONV, _I_SORD, _I_SLOC = _C["CONV_STAT_DESCR"], _C["SENT_ORDER"], _C["SENT_LOC_DESCR"]
_I_SLEN, _I_SUNIT, _I_AGE = _C["SENT_LENGTH"], _C["SENT_TIME_CODE"], _C["CYC_AGE"]
_I_COMMENT = _C["COMMENT_TEXT"]


def _count(
    cnt_order: str,
    disp_date: str,
    ofn: str,
    descr: str,
    toc: str,
    disp: str,
    conv: str,
    part: tuple[int, str, str, str] | None,
    comment: int,
    age: str,
) -> str:
    t = _COUNT_TEMPLATE.copy()
    t[_I_CNT] = cnt_order
    t[_I_DDATE] = disp_date
    t[_I_OFN] = ofn
    if comment:  # the section is only in the comment (1) or blank (2)
        t[_I_DESCR] = "SEE COMMENT FOR CHARGE" if comment == 1 else ""
        t[_I_COMMENT] = descr
    else:
        t[_I_DESCR] = descr
    t[_I_TOC] = toc
    t[_I_DISP] = disp
    t[_I_CONV] = conv
    if part is not None:
        t[_I_SORD], t[_I_SLOC], t[_I_SLEN], t[_I_SUNIT] = str(part[0]), part[1], part[2], part[3]
    t[_I_AGE] = age
    return ",".join(t)


def header_line() -> str:
    return ",".join(COLUMNS)


def generate(
    out_path: str | os.PathLike[str],
    county: str,
    rows: int,
    seed: int = 0,
    as_of: date = DEFAULT_AS_OF,
    header: bool = True,
    progress: ProgressFn | None = None,
    rows_per_person: int = 0,
) -> GenerateStats:
    """Write `rows` data rows for invented people to out_path (atomically: a cancelled or
    failed run leaves no file behind). rows_per_person=0 gives today's shape (about 10 rows a
    person); N gives long histories of exactly N rows a person (the last person may be cut short
    by `rows`): 90-100 is what real county files hold, 1,000,000 one hostile record."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    if rows_per_person < 0:
        raise ValueError("rows_per_person must be 0 (today's shape) or more")
    county = " ".join(county.split()).upper()
    if not county:
        raise ValueError("county must not be blank")
    out = Path(out_path)
    gen = _Generator(county, seed, as_of)
    part = out.with_name(out.name + ".part")
    written = subjects = 0
    size = 0
    sid = 10_000_000 + (seed % 89) * 1_000_000  # 8-digit ids, distinct per seed
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # 0600, as every output
        with open(fd, "w", encoding="utf-8", newline="\n") as fh:
            if header:
                size += fh.write(header_line() + "\n")
            chunk: list[str] = []
            while written < rows:
                sid += 1
                subjects += 1
                room = rows - written
                if rows_per_person:
                    srows: Iterator[str] | list[str] = gen.subject_row_iter(
                        sid, min(rows_per_person, room)
                    )
                else:
                    srows = gen.subject_rows(sid)
                    if len(srows) > room:
                        srows = srows[:room]
                for row in srows:
                    chunk.append(row)
                    written += 1
                    if len(chunk) >= CHUNK_ROWS or written >= rows:
                        chunk.append("")
                        size += fh.write("\n".join(chunk))
                        chunk = []
                        if progress is not None:
                            progress(written, rows, "Generating records")
        replace_file(part, out)  # retried while Excel holds the old file
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return GenerateStats(
        path=out,
        county=county,
        seed=seed,
        as_of=as_of,
        rows=written,
        subjects=subjects,
        cannabis_subjects=gen.cannabis_subjects,
        bytes=size,
    )
