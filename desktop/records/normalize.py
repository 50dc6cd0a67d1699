"""Normalising DOJ and court values: code sections, levels, dates, sentences.

Sections are written many ways in DOJ text ("11357(C)HS-POSSESS", "11357B2 HS-POSS",
"11360(B) SELL/FURNISH", " 148 PC - RESISTING", "HS 11359(b)"). Matching on raw text is how
earlier tools went wrong (a regex for 11357 also matched 11357.5, `647\\(f\\)` missed `647(F)`),
so every comparison in ReliefDesk is made on the normalised form produced here."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

CODES = frozenset({"HS", "PC", "BP", "VC", "WI", "MV", "WC", "FG", "GC", "CC", "RT", "PR", "UI",
                   "LC", "FA", "EC", "HN", "CI", "US", "MC", "CO"})

_CODE_ALIASES = {"H&S": "HS", "H/S": "HS", "B&P": "BP", "B/P": "BP", "W&I": "WI", "W/I": "WI",
                 "F&G": "FG", "F/G": "FG", "P/C": "PC"}

# A section token: digits with optional dotted part, then subdivision letters/digits in any mix of
# bracketed and bare forms, possibly joined with "/" to another section (664/187, 484(A)/490.5).
_SECTION_TOKEN = re.compile(r"\d+(?:\.\d+)?[A-Z0-9()]*(?:/\d+(?:\.\d+)?[A-Z0-9()]*)*")
_SUBDIV_PART = re.compile(r"[A-Z]+|\d+")


@dataclass(frozen=True, slots=True)
class Section:
    text: str      # the section text as written (stripped)
    section: str   # normalised, e.g. 11357(B)(2), 664/187, 11357.5
    base: str      # the first section number, e.g. 11357, 11357.5, 664
    code: str      # HS, PC, ... or '' when not written


def _norm_single(tok: str) -> tuple[str, str]:
    """'11357B2' -> ('11357(B)(2)', '11357'); '11360(A)(3)(C)' unchanged; '11357.5' unchanged."""
    m = re.match(r"(\d+(?:\.\d+)?)(.*)$", tok)
    if not m:
        return tok, tok
    base, rest = m.group(1), m.group(2)
    parts = _SUBDIV_PART.findall(rest.replace("(", " ").replace(")", " "))
    return base + "".join(f"({p})" for p in parts), base


@lru_cache(maxsize=65536)
def parse_section(text: str | None) -> Section | None:
    """Parse the code section out of an offense description or a court's section text."""
    if text is None:
        return None
    raw = text.strip()
    if not raw:
        return None
    up = raw.upper()
    for alias, code in _CODE_ALIASES.items():
        up = up.replace(alias, code)
    # DOJ text is "<section> <code>-<description>"; the description may itself hold digits.
    head = up.split("-", 1)[0] if not re.match(r"^\s*[A-Z]{2}\s*\d", up) else up
    code = ""
    # Leading code form: "HS 11359(B)".
    lead = re.match(r"^\s*([A-Z]{2})\s+(?=\d)", head)
    if lead and lead.group(1) in CODES:
        code = lead.group(1)
        head = head[lead.end():]
    words = head.split()
    if not words:
        return None
    first = words[0]
    k = 1
    while k < len(words) and words[k].startswith("("):  # "11357 (B)" written with a space
        first += words[k]
        k += 1
    m = _SECTION_TOKEN.match(first)
    if not m:
        return None
    tok = m.group(0)
    tail = first[m.end():]
    # A code written straight after the section ("11357(C)HS") is eaten by the token pattern
    # when it ends in letters: split it back off.
    if not code:
        for c in CODES:
            if tok.endswith(c):
                cand = tok[: -len(c)]
                if cand and (cand[-1].isalnum() or cand[-1] == ")"):
                    tok, code = cand, c
                    break
    if not code:
        t2 = re.match(r"^([A-Z]{2})", tail)
        if t2 and t2.group(1) in CODES:
            code = t2.group(1)
        elif k < len(words) and words[k] in CODES:
            code = words[k]
    pieces = [_norm_single(p) for p in tok.split("/") if p]
    if not pieces:
        return None
    section = "/".join(p[0] for p in pieces)
    return Section(text=raw, section=section, base=pieces[0][1], code=code)


def subdivisions(section: str) -> tuple[str, ...]:
    """'11360(A)(3)(C)' -> ('A', '3', 'C')."""
    first = section.split("/", 1)[0]
    return tuple(re.findall(r"\(([A-Z0-9]+)\)", first))


_LEVELS = {"FELONY": "F", "F": "F", "MISDEMEANOR": "M", "M": "M", "INFRACTION": "I", "I": "I"}


def parse_level(conv_stat: str | None, toc: str | None) -> str | None:
    """Level: CONV_STAT_DESCR when it names one, else OFFENSE_TOC (DOJ data rule §5.6)."""
    for v in (conv_stat, toc):
        if v:
            lv = _LEVELS.get(v.strip().upper())
            if lv:
                return lv
    return None


class BadDate(ValueError):
    pass


@lru_cache(maxsize=131072)
def parse_date(value: str | None) -> date | None:
    """YYYYMMDD (DOJ), YYYY-MM-DD or MM/DD/YYYY; None for blank/filler; BadDate when impossible.

    Cached: a bulk file repeats the same few thousand dates hundreds of thousands of times."""
    if value is None:
        return None
    v = value.strip()
    if not v or v in ("-", "NULL", "00000000", "0"):
        return None
    try:
        if len(v) == 8 and v.isdigit():
            d = date(int(v[:4]), int(v[4:6]), int(v[6:]))
        elif len(v) == 10 and v[4] == "-" and v[7] == "-":
            d = date(int(v[:4]), int(v[5:7]), int(v[8:]))
        elif "/" in v:
            mm, dd, yy = v.split("/")
            d = date(int(yy), int(mm), int(dd))
        else:
            raise BadDate(f"'{v}' is not a date (expected YYYYMMDD)")
    except (ValueError, TypeError) as exc:
        if isinstance(exc, BadDate):
            raise
        raise BadDate(f"'{v}' is not a valid date") from exc
    if d.year < 1880 or d.year > 2100:
        raise BadDate(f"'{v}' is outside the years 1880-2100")
    return d


def add_period(start: date, length: int, unit: str) -> date:
    """start + length days/months/years, clamping the day of month."""
    if unit == "D":
        return start + timedelta(days=length)
    months = length * 12 if unit == "Y" else length
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    day = start.day
    if day > 28 and 1 <= year <= 9999:
        day = min(day, monthrange(year, month)[1])
    return date(min(max(year, 1), 9999), month, day)


def normalise_name(name: str) -> str:
    return " ".join(name.replace(" ,", ",").split()).upper()


@lru_cache(maxsize=131072)
def iso_date(value: str) -> str | None:
    """parse_date as an ISO string (what the database stores); cached for bulk files."""
    d = parse_date(value)
    return d.isoformat() if d else None
