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

# A sentence unit on the record that could not be read (the sentence end is then unknown).
UNREADABLE = "?"

CODES = frozenset(
    {
        "HS",
        "PC",
        "BP",
        "VC",
        "WI",
        "MV",
        "WC",
        "FG",
        "GC",
        "CC",
        "RT",
        "PR",
        "UI",
        "LC",
        "FA",
        "EC",
        "HN",
        "CI",
        "US",
        "MC",
        "CO",
    }
)

_CODE_ALIASES = (
    ("H & S", "HS"),
    ("H&S", "HS"),
    ("H/S", "HS"),
    ("H.S.", "HS"),
    ("B&P", "BP"),
    ("B/P", "BP"),
    ("W&I", "WI"),
    ("W/I", "WI"),
    ("F&G", "FG"),
    ("F/G", "FG"),
    ("P/C", "PC"),
    ("P.C.", "PC"),
    ("V.C.", "VC"),
)

# HS 11357-11360: the only sections where a letter glued to the digits is a subdivision (§6.0);
# everywhere else it is part of the section number (288A is section 288a, not 288(a)).
PROP64_BASES = frozenset({"11357", "11358", "11359", "11360"})
# Attempt (PC 664) and conspiracy (PC 182) written in front of the offense they name.
PREFIXES = {"664": "attempt", "182": "conspiracy"}

# One section: the number (one dotted part), then glued letters/digits and bracketed
# subdivisions in any mix ("288A(C)(1)", "11357B2", "653F(B)", "11360(A)(3)(C)HS").
_TOKEN = re.compile(r"(\d+)(?:\.(\d+))?((?:[A-Z0-9]|\(\s*[A-Z0-9]{1,4}\s*\))*)")
_RUN = re.compile(r"\(\s*([A-Z0-9]{1,4})\s*\)|([A-Z]+|\d+)")
_SPACED_SUB = re.compile(r"\s+(\(\s*[A-Z0-9]{1,4}\s*\))")
_ORDINAL = re.compile(r"\d+(?:ST|ND|RD|TH)(?![A-Z])")
_LEAD_CODE = re.compile(r"([A-Z]{2})\s*/?\s*(?=\d)")
_JOIN = re.compile(r"\s*([/+-])\s*(?=\d)")
_NOISE = re.compile(r"\.[A-Z0-9.]*")
_DOT_PREFIX = re.compile(r"(664|182)\.(\d{2,}(?:\.\d+)?)")
_CODE_AFTER = re.compile(r"\s*([A-Z]{2})(?![A-Z0-9])")


@dataclass(frozen=True, slots=True)
class Part:
    """One offense named in a section string."""

    section: str  # normalised: '187', '288A(C)(1)', '653F(B)', '11357(B)(2)'
    base: str  # the section number with its letters: '187', '288A', '186.22'
    subs: tuple[str, ...] = ()  # subdivisions: ('C', '1')
    attempt: bool = False  # written with PC 664
    conspiracy: bool = False  # written with PC 182
    alt: str | None = None  # the other reading of a glued letter not known as a section
    # letter: '261(A)(2)' for '261A2'


@dataclass(frozen=True, slots=True)
class Section:
    text: str  # the section text as written (stripped)
    section: str  # normalised, e.g. 11357(B)(2), 664/187, 11357.5, 519/186.22(B)(4)
    base: str  # the first offense's section number, e.g. 11357, 11357.5, 187 (of 664/187), 288A
    code: str  # HS, PC, ... or '' when not written (HS when an 11357-11360 was written PC)
    parts: tuple[Part, ...] = ()  # every offense named, attempts/conspiracies marked
    written_code: str = ""  # the code as written
    noise: str = ""  # text glued after a section naming no section ('.11')
    flags: frozenset[str] = frozenset()  # code_corrected, section_noise

    @property
    def prop64(self) -> bool:
        """Names one of HS 11357-11360 (also as an attempt or conspiracy)."""
        return self.base in PROP64_BASES and self.code in ("", "HS")


def _glued_prefix(num: str, frac: str | None) -> tuple[str, str] | None:
    """'66411357' -> ('664', '11357'): an attempt or conspiracy glued to a known offense."""
    for p in PREFIXES:
        rest = num[len(p) :]
        if (
            num.startswith(p)
            and len(rest) >= 2
            and rest[0] != "0"
            and (rest in PROP64_BASES or _known_offense(rest + (f".{frac}" if frac else "")))
        ):
            return p, rest
    return None


def _known_offense(number: str) -> bool:
    from desktop.law.disqualifier_data import known_number

    return known_number(number)


def _part(num: str, frac: str | None, run: str, code: str) -> tuple[Part, str, str]:
    """One token as (Part, code found glued to it, noise)."""
    number = num + (f".{frac}" if frac else "")
    items = [(p, b) for p, b in _RUN.findall(run)]
    glued: list[str] = []
    k = 0
    while k < len(items) and items[k][1]:
        glued.append(items[k][1])
        k += 1
    rest = [p or b for p, b in items[k:]]
    found_code = ""
    if rest and rest[-1] in CODES and not items[-1][0]:
        found_code = rest.pop()
    elif not rest and glued and glued[-1].isalpha():
        last = glued[-1]
        if last in CODES:
            found_code = glued.pop()
        elif len(last) > 2 and last[-2:] in CODES:
            found_code, glued[-1] = last[-2:], last[:-2]
    noise = ""
    p64 = number in PROP64_BASES and (code or found_code) in ("", "HS", "PC")
    letters = ""
    if p64:
        subs = [c for g in glued for c in (list(g) if g.isalpha() else [g])]
    else:
        if glued and glued[0].isalpha():
            if len(glued[0]) <= 2:
                letters = glued.pop(0)
            else:
                noise = glued.pop(0) + "".join(glued)
                glued = []
        subs = list(glued)
    subs += rest
    base = number + letters
    section = base + "".join(f"({s})" for s in subs)
    alt = None
    if len(letters) == 1:
        alt = number + "".join(f"({s})" for s in [letters, *subs])
    return Part(section, base, tuple(subs), alt=alt), found_code, noise


def _skip_lead(up: str, i: int) -> int:
    """Past spaces and slashes ("/11357 HS")."""
    while i < len(up) and up[i] in " /\t":
        i += 1
    return i


@lru_cache(maxsize=65536)
def parse_section(text: str | None) -> Section | None:
    """Read the code section(s) out of an offense description or a court's section text, as
    domain spec §6.0 says DOJ writes them. None when the text names no section at all."""
    if text is None:
        return None
    raw = text.strip()
    if not raw:
        return None
    up = raw.upper()
    for alias, code in _CODE_ALIASES:
        up = up.replace(alias, code)
    i = _skip_lead(up, 0)
    code = ""
    lead = _LEAD_CODE.match(up, i)
    if lead and lead.group(1) in CODES:
        code = lead.group(1)
        i = _skip_lead(up, lead.end())
    tokens: list[tuple[str, str | None, str]] = []
    noise = ""
    glued_code = ""
    while True:
        d = _DOT_PREFIX.match(up, i)  # "664.236.1(B)": an attempt written with a dot
        if d and (d.group(2) in PROP64_BASES or _known_offense(d.group(2))):
            tokens.append((d.group(1), None, ""))
            i = d.start(2)
            continue
        m = _TOKEN.match(up, i)
        if not m or (tokens and _ORDINAL.match(up, i)):
            break
        num, frac, run = m.groups()
        i = m.end()
        while s := _SPACED_SUB.match(up, i):  # "11357 (B)" written with a space
            run += s.group(1)
            i = s.end()
        tokens.append((num, frac, run))
        n = _NOISE.match(up, i)
        if n and n.group(0)[1:] in CODES:  # "11359.HS"
            i = n.start() + 1
        elif n and len(n.group(0)) > 1:
            noise = n.group(0)
            i = n.end()
            break
        if any(c in CODES and run.endswith(c) for c in CODES if len(run) >= 2):
            break  # "11357(C)HS-...": the code ends it
        j = _JOIN.match(up, i)
        if not j:
            break
        nxt = _TOKEN.match(up, j.end())
        if j.group(1) == "-" and nxt is not None:
            after = up[nxt.end() :]
            code_next = _CODE_AFTER.match(after)
            ok = (
                not after
                or after[0] in "/+-"
                or bool(code_next and code_next.group(1) in CODES)
                or len(nxt.group(1)) >= 3
            )
            if not ok or _ORDINAL.match(up, j.end()):
                break
        i = j.end()
    if not tokens:
        return None
    if not code:
        c = _CODE_AFTER.match(up, i)
        if c and c.group(1) in CODES:
            code = c.group(1)
    # An attempt or conspiracy written with a dot or glued to its offense: 664.11357(C), 66411357(C).
    expanded: list[tuple[str, str | None, str]] = []
    for num, frac, run in tokens:
        if (
            num in PREFIXES
            and frac
            and len(frac) >= 3
            and (frac in PROP64_BASES or _known_offense(frac))
        ):
            expanded += [(num, None, ""), (frac, None, run)]
        elif code in ("", "PC", "HS") and (g := _glued_prefix(num, frac)):
            expanded += [(g[0], None, ""), (g[1], frac, run)]
        else:
            expanded.append((num, frac, run))
    parts: list[Part] = []
    prefix_secs: list[str] = []
    attempt = conspiracy = False
    for k, (num, frac, run) in enumerate(expanded):
        part, found, tok_noise = _part(num, frac, run, code)
        glued_code = glued_code or found
        noise = noise or tok_noise
        if (
            not parts
            and num in PREFIXES
            and not frac
            and k + 1 < len(expanded)
            and not part.alt
            and part.base == num
        ):
            prefix_secs.append(part.section)
            attempt = attempt or PREFIXES[num] == "attempt"
            conspiracy = conspiracy or PREFIXES[num] == "conspiracy"
            continue
        parts.append(part)
    code = code or glued_code
    if attempt or conspiracy:
        parts = [Part(p.section, p.base, p.subs, attempt, conspiracy, p.alt) for p in parts]
    flags = set()
    if noise:
        flags.add("section_noise")
    written = code
    if code == "PC" and all(p.base in PROP64_BASES for p in parts):
        # No PC 11357-11360 exists: DOJ's known miscoding of the HS cannabis sections (§5.6).
        code = "HS"
        if not (attempt or conspiracy):
            flags.add("code_corrected")
    section = "/".join([*prefix_secs, *(p.section for p in parts)])
    base = parts[0].base
    if noise:
        # Kept as written: "266J.11" is no section of the code, and stored as "266J" it would
        # silently become one. The parts keep the nearby reading for the disqualifier check.
        section += noise
        if len(parts) == 1:
            base += noise
    return Section(
        text=raw,
        section=section,
        base=base,
        code=code,
        parts=tuple(parts),
        written_code=written,
        noise=noise,
        flags=frozenset(flags),
    )


def offense_section(section: str) -> str:
    """The first offense of a normalised section: '664/11359(D)' -> '11359(D)'."""
    pieces = section.split("/")
    while len(pieces) > 1 and re.match(r"(664|182)(\(|$)", pieces[0]):
        pieces.pop(0)
    return pieces[0]


def subdivisions(section: str) -> tuple[str, ...]:
    """'11360(A)(3)(C)' -> ('A', '3', 'C'); of the offense, not of a 664/182 in front."""
    return tuple(re.findall(r"\(([A-Z0-9]+)\)", offense_section(section)))


_COURT_PREFIX = re.compile(r"^CA(?:SC|MC|JC|PD|SO|JV|CO)(?:\s+|(?=[A-Z]{3}))")


def court_display(raw: str | None) -> str:
    """A court as shown and printed: DOJ's agency-type prefix removed ('CASCLOS ANGELES' ->
    'LOS ANGELES', 'CASC SAN PEDRO' -> 'SAN PEDRO', 'CAMC ...' municipal courts). The raw text is
    what the database keeps."""
    text = " ".join((raw or "").split())
    rest = _COURT_PREFIX.sub("", text.upper(), count=1)
    return rest if rest and rest != text.upper() else text


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
