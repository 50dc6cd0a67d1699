"""Disqualifying priors (domain spec §6): each section string read once per run (`classify`,
cached), each person's convictions weighed once (`PriorIndex`), so evaluating a person grows
linearly with their record.

A prior is *certain* when every reading of its section string disqualifies, *possible* when one
reading does and another does not (a glued letter that may be a subdivision, text after the
section that names no section, a subdivision or an intent or a life term the record cannot show)
and *unreadable* when the string names no section at all. Possible and unreadable priors never
decide silently: the engine sends the count to a clerk with the readings in its explanation."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

from desktop.law.disqualifier_data import Entry, lists
from desktop.law.normalize import Part, Section, parse_section
from desktop.rules.model import CountFacts
from desktop.rules.sections import environmental, is_prop64

MAX_LISTED = 10  # priors named in one explanation step; the rest are counted
PROP64_DATE = date(2016, 11, 9)


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    read_as: str  # the reading that matched: "664/187", "261(A)(2)"
    certain: bool
    why: str = ""  # why it is only possible


@dataclass(frozen=True, slots=True)
class SectionReading:
    """What one section string says about disqualification."""

    text: str | None
    section: Section | None
    hits: tuple[Hit, ...] = ()  # super-strike and PC 290(c) entries
    gang_life: tuple[Hit, ...] = ()  # 136.1, 213(a)(1)(A), 215, 246, 519, 12022.55
    gang_enh: tuple[Hit, ...] = ()  # 186.22(b)(4)

    @property
    def unreadable(self) -> bool:
        return self.section is None

    @property
    def certain(self) -> bool:
        return any(h.certain for h in self.hits)

    @property
    def possible(self) -> bool:
        return bool(self.hits) and not self.certain


def _label(part: Part, section: str | None = None) -> str:
    sec = section or part.section
    if part.attempt:
        return f"664/{sec}"
    if part.conspiracy:
        return f"182/{sec}"
    return sec


def _match(base: str, subs: tuple[str, ...], part: Part, e: Entry) -> tuple[bool, str] | None:
    """(certain, why) when this reading of the part falls under the entry."""
    if part.attempt and not e.attempts:
        return None
    if e.to is not None:
        if not e.in_range(base):
            return None
        certain, why = True, ""
    elif base != e.base:
        return None
    elif subs[: len(e.subs)] == e.subs:
        certain, why = True, ""
    elif e.subs[: len(subs)] == subs:
        certain, why = (
            False,
            (f"the record does not show the subdivision: only PC {e.section} is listed"),
        )
    else:
        return None
    if certain and e.needs:
        certain, why = False, f"listed only when {e.needs}, which the code section cannot show"
    if certain and part.conspiracy:
        certain, why = False, "a conspiracy (PC 182) to commit a listed offense"
    return certain, why


def _alts(part: Part) -> list[tuple[str, tuple[str, ...]]]:
    """Other readings of letters glued to a section number that is not known to carry them:
    '261A2' may be 261(a)(2), '288AC1' may be 288a(c)(1). A known lettered section (288A, 273AB,
    653F, 647A...) has one reading only (§6.0)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Z]+)", part.base)
    if not m or part.base in lists().lettered:
        return []
    number, letters = m.groups()
    out = []
    for k in range(len(letters)):
        base = number + letters[:k]
        if k == 0 or base in lists().lettered:
            out.append((base, (*letters[k:], *part.subs)))
    return out


@lru_cache(maxsize=65536)
def classify(text: str | None) -> SectionReading:
    """Read one section string (as written in the record) against the §6 lists. Cached: a run
    reads each distinct string once."""
    sec = parse_section(text)
    if sec is None:
        return SectionReading(text, None)
    if sec.code not in ("", "PC"):
        return SectionReading(text, sec)
    data = lists()
    out: dict[str, list[Hit]] = {"hits": [], "gang_life": [], "gang_enh": []}
    for part in sec.parts:
        readings = [(part.base, part.subs, "")]
        for base, subs in _alts(part):
            alt_text = base + "".join(f"({x})" for x in subs)
            readings.append(
                (
                    base,
                    subs,
                    f"'{sec.text}' can be read as section "
                    f"{_label(part)} or as {_label(part, alt_text)}",
                )
            )
        for base, subs, ambiguity in readings:
            number = base if base[-1:].isdigit() else None
            candidates = list(data.by_base.get(base, ()))
            if number:
                candidates += [e for e in data.ranges if e.in_range(number)]
            for e in candidates:
                m = _match(base, subs, part, e)
                if m is None:
                    continue
                certain, why = m
                read_as = _label(part, base + "".join(f"({s})" for s in subs))
                if ambiguity:
                    certain, why = False, ambiguity
                if sec.noise:
                    certain, why = (
                        False,
                        (
                            f"'{sec.text}': the text after {_label(part)} "
                            f"('{sec.noise}') names no section, so the section "
                            "cannot be read for certain"
                        ),
                    )
                key = {"gang_life": "gang_life", "gang_enhancement": "gang_enh"}.get(e.list, "hits")
                out[key].append(Hit(e, read_as, certain, why))
    return SectionReading(
        text, sec, tuple(out["hits"]), tuple(out["gang_life"]), tuple(out["gang_enh"])
    )


def superstrike(text: str | None) -> bool:
    """Certainly a super-strike on its own (gang life crimes need their event: PriorIndex)."""
    return any(h.certain and h.entry.list == "superstrike" for h in classify(text).hits)


def pc290(text: str | None) -> bool:
    return any(h.certain and h.entry.list == "pc290" for h in classify(text).hits)


def _text(c: CountFacts) -> str | None:
    return c.offense_text if c.offense_text is not None else c.section


@dataclass(frozen=True, slots=True)
class Prior:
    count: CountFacts
    certain: bool
    what: str  # "PC 664/187 (PC 667(e)(2)(C)(iv)(IV) ...)"
    why: str = ""  # for a possible prior: why it is not certain

    def describe(self) -> str:
        c = self.count
        text = f"{self.what} on {c.conviction_date} (case {c.case_number or 'unknown'})"
        return f"{text}: {self.why}" if self.why else text


class _Dated:
    """Priors sorted by conviction date (undated first), for 'those before a date' in O(log n)."""

    def __init__(self, priors: list[Prior]) -> None:
        self.priors = sorted(
            priors,
            key=lambda p: (p.count.conviction_date or date.min, p.count.cnt_order, p.count.id),
        )
        self.dates = [p.count.conviction_date or date.min for p in self.priors]
        self.undated = sum(1 for p in self.priors if p.count.conviction_date is None)
        self.pos = {p.count.id: i for i, p in enumerate(self.priors)}

    def select(self, before: date | None, exclude: int) -> tuple[list[Prior], int]:
        """The priors dated before `before` (all, undated ones too, when None) other than count
        `exclude`: the first MAX_LISTED of them and how many there are."""
        lo = 0 if before is None else self.undated
        hi = len(self.priors) if before is None else max(lo, bisect.bisect_left(self.dates, before))
        i = self.pos.get(exclude)
        listed = [
            p for p in self.priors[lo : min(hi, lo + MAX_LISTED + 1)] if p.count.id != exclude
        ]
        return listed[:MAX_LISTED], hi - lo - (1 if i is not None and lo <= i < hi else 0)


class PriorIndex:
    """One person's convictions weighed once: disqualifying priors (certain, possible,
    unreadable), PC 290(c) convictions, environmental findings per cycle and prior Prop 64
    convictions per section. Each part is built the first time a count asks for it (most people
    have no felony that could need it)."""

    def __init__(self, convictions: Sequence[CountFacts]) -> None:
        self.convictions = convictions

    @cached_property
    def _weighed(self) -> tuple[_Dated, _Dated, _Dated, bool]:
        certain: list[Prior] = []
        possible: list[Prior] = []
        unreadable: list[Prior] = []
        has_pc290 = False
        gang: dict[int, list[tuple[CountFacts, SectionReading]]] = {}
        for c in self.convictions:
            r = classify(_text(c))
            if r.unreadable:
                unreadable.append(
                    Prior(
                        c,
                        False,
                        f"'{_text(c) or ''}'",
                        "the section cannot be read, so the record cannot show "
                        "whether it is a disqualifying offense",
                    )
                )
                continue
            if r.gang_life or r.gang_enh:
                gang.setdefault(c.case_id, []).append((c, r))
            if not r.hits:
                continue
            hits = [h for h in r.hits if self._level_ok(h, c) is not False]
            if hits:
                sure = [h for h in hits if h.certain and self._level_ok(h, c)]
                if any(h.entry.list == "pc290" for h in sure):
                    has_pc290 = True
                best = sure[0] if sure else hits[0]
                what = f"PC {best.read_as} ({best.entry.statute})"
                if sure:
                    certain.append(Prior(c, True, what))
                else:
                    why = best.why or (
                        "listed only as a felony, and the level is not on the record"
                    )
                    possible.append(Prior(c, False, what, why))
        for members in gang.values():
            self._gang_event(members, certain, possible)
        return _Dated(certain), _Dated(possible), _Dated(unreadable), has_pc290

    @property
    def certain(self) -> _Dated:
        return self._weighed[0]

    @property
    def possible(self) -> _Dated:
        return self._weighed[1]

    @property
    def unreadable(self) -> _Dated:
        return self._weighed[2]

    @property
    def has_pc290(self) -> bool:
        """A certain PC 290(c) conviction anywhere on the record."""
        return self._weighed[3]

    @cached_property
    def environmental(self) -> dict[str, list[str]]:
        """HS 11358(d)(3) violations per cycle, as 'WC 1052'."""
        out: dict[str, list[str]] = {}
        for c in self.convictions:
            if c.section and c.code and environmental(c.section, c.code):
                out.setdefault(c.cycle, []).append(f"{c.code} {c.section}")
        return out

    @cached_property
    def _same(self) -> dict[str, tuple[list[CountFacts], dict[int, int], list[date], list[int]]]:
        """Per Prop 64 section: the first conviction of each case (in the engine's fixed order),
        its position by case, the conviction dates and a running count of post-AUMA offenses."""
        by_base: dict[str, list[CountFacts]] = {}
        seen: set[tuple[str, int]] = set()
        for p in self.convictions:
            if is_prop64(p.base, p.code) and (p.base or "", p.case_id) not in seen:
                seen.add((p.base or "", p.case_id))
                by_base.setdefault(p.base or "", []).append(p)
        return {
            b: (
                ps,
                {p.case_id: i for i, p in enumerate(ps)},
                [p.conviction_date or date.min for p in ps],
                _prefix([bool(p.offense_date and p.offense_date >= PROP64_DATE) for p in ps]),
            )
            for b, ps in by_base.items()
        }

    @staticmethod
    def _level_ok(h: Hit, c: CountFacts) -> bool | None:
        """Whether the count's level meets the entry's (None: the level is not on the record)."""
        if not h.entry.level:
            return True
        if c.level is None:
            return None
        return c.level == h.entry.level

    @staticmethod
    def _gang_event(
        members: list[tuple[CountFacts, SectionReading]],
        certain: list[Prior],
        possible: list[Prior],
    ) -> None:
        """PC 186.22(b)(4) life-term gang crimes: the crime and the enhancement in one string or
        as counts of the same court event are a super-strike; either without the other, or a
        part the record cannot pin down, is only possible."""
        life = [(c, h) for c, r in members for h in r.gang_life]
        enh = [(c, h) for c, r in members for h in r.gang_enh]
        if not enh:
            return  # a 519 or 215 without the gang enhancement carries no life term
        sure_life = [(c, h) for c, h in life if h.certain]
        sure_enh = [(c, h) for c, h in enh if h.certain]
        enh_text = ", ".join(sorted({f"PC {h.read_as}" for _c, h in enh}))
        if sure_life and sure_enh:
            for c, h in sure_life:
                certain.append(
                    Prior(
                        c,
                        True,
                        f"PC {h.read_as} with the {enh_text} gang life-term "
                        f"enhancement ({h.entry.statute})",
                    )
                )
            return
        for c, h in life or enh:
            if life:
                why = (
                    f"with {enh_text}, but the record cannot show that the term was life "
                    "(PC 186.22(b)(4))"
                )
            else:
                why = (
                    "the gang life-term enhancement without a listed life crime in the same "
                    "court event: the record cannot show the crime or its term"
                )
            possible.append(Prior(c, False, f"PC {h.read_as} ({h.entry.statute})", why))

    # -- queries ---------------------------------------------------------------------------------
    def disqualifiers(
        self, c: CountFacts, mode: str
    ) -> tuple[tuple[list[Prior], int], tuple[list[Prior], int], tuple[list[Prior], int]]:
        """(certain, possible, unreadable) priors of count c as the policy judges them
        ('before_offense', 'before_disposition' or 'anywhere'): up to MAX_LISTED each, with the
        total."""
        if mode == "anywhere":
            before: date | None = None
        else:
            before = c.conviction_date if mode == "before_disposition" else c.offense_date
            if before is None:
                empty: tuple[list[Prior], int] = ([], 0)
                return empty, empty, empty
        return (
            self.certain.select(before, c.id),
            self.possible.select(before, c.id),
            self.unreadable.select(before, c.id),
        )

    def same_section(self, c: CountFacts, mode: str) -> tuple[list[CountFacts], int, bool]:
        """Other convictions under c's section, one per case (listed up to MAX_LISTED, total) and
        whether the policy counts them as keeping a felony (HS 11358(d)(2), 11359(c)(2),
        11360(a)(3)(B))."""
        ps, pos, dates, post = self._same.get(c.base or "", ([], {}, [], [0]))
        own = pos.get(c.case_id)
        undated = bisect.bisect_right(dates, date.min)

        def upto(limit: date) -> int:
            """Index just past the dated priors before `limit`."""
            return bisect.bisect_left(dates, limit)

        if mode == "three_same_section":
            lo, hi = 0, len(ps)
        elif mode == "two_earlier_same_section":
            lo, hi = undated, upto(c.conviction_date) if c.conviction_date else undated
        else:
            lo, hi = undated, upto(c.offense_date) if c.offense_date else undated
        hi = max(hi, lo)
        total = hi - lo - (1 if own is not None and lo <= own < hi else 0)
        listed = [p for p in ps[lo : min(hi, lo + MAX_LISTED + 1)] if p.case_id != c.case_id]
        if mode == "three_same_section":
            bars = total + 1 >= 3
        elif mode == "two_earlier_same_section":
            bars = total >= 2
        else:
            n_post = post[hi] - post[lo]
            if own is not None and lo <= own < hi and post[own + 1] - post[own]:
                n_post -= 1
            bars = n_post >= 2
        return listed[:MAX_LISTED], total, bars


def _prefix(flags: list[bool]) -> list[int]:
    out = [0]
    for f in flags:
        out.append(out[-1] + int(f))
    return out


_P64_IN_TEXT = re.compile(r"(?<![\d.])(1135[789]|11360)(?![\d.])((?:\([A-Z0-9]{1,3}\))*)")


def prop64_in_comment(c: CountFacts) -> str | None:
    """The Prop 64 section named in the COMMENT_TEXT of a count of another offense (gogen's
    'possible other P64 charges'), or None. It decides nothing by itself (§5.6)."""
    comment = (c.comment or "").upper()
    if not comment or comment == (c.offense_text or "").upper():
        return None
    m = _P64_IN_TEXT.search(comment)
    return (m.group(1) + m.group(2)) if m else None
