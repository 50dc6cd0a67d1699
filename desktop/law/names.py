"""People's names as an order prints them.

DOJ files and most court extracts write a name surname first, `CALDERON,AMARA P` or
`CALDERON, AMARA P`. A court order names a person as people are named: `AMARA P CALDERON`. Nothing
is invented: no period after an initial, no comma that the record lacks, no change of spelling; the
court chooses only the letter case (`upper`, as DOJ records carry it, or `title`). A schedule that
lists many people may keep the surname first (`CALDERON, AMARA P`) so it can be sorted by surname.
"""

from __future__ import annotations

import re

NAME_STYLES = ("upper", "as_recorded", "title")
SCHEDULE_ORDERS = ("surname_first", "natural")

_SPACES = re.compile(r"\s+")
# A title-case word part starts after the start, a space, a hyphen or an apostrophe.
_WORD = re.compile(r"(^|[\s\-'\u2019])(\w)(\w*)", re.UNICODE)


def _parts(raw: str) -> tuple[str, str, str]:
    """(surname, given names, suffix) of a surname-first name; ('', raw, '') when it has no comma.

    `LAST,FIRST M` -> ('LAST', 'FIRST M', ''); `LAST,FIRST,JR` -> ('LAST', 'FIRST', 'JR')."""
    text = _SPACES.sub(" ", raw.strip())
    if "," not in text:
        return "", text, ""
    pieces = [p.strip() for p in text.split(",")]
    surname = pieces[0]
    given = pieces[1] if len(pieces) > 1 else ""
    suffix = " ".join(p for p in pieces[2:] if p)
    if not given:  # 'LAST,' -> just the surname
        return "", surname, suffix
    if not surname:  # ',FIRST' -> just the given names
        return "", given, suffix
    return surname, given, suffix


def _case(text: str, style: str) -> str:
    if style == "title":
        return _WORD.sub(
            lambda m: m.group(1) + m.group(2).upper() + m.group(3).lower(), text.lower()
        )
    if style == "upper":
        return text.upper()
    return text


def natural(raw: str | None, style: str = "upper") -> str:
    """`CALDERON,AMARA P` -> `AMARA P CALDERON` (style `upper`) or `Amara P Calderon` (`title`)."""
    if not raw:
        return ""
    surname, given, suffix = _parts(raw)
    words = [w for w in (given, surname, suffix) if w]
    return _case(" ".join(words), style)


def surname_first(raw: str | None, style: str = "upper") -> str:
    """`CALDERON,AMARA P` -> `CALDERON, AMARA P` (a schedule sorted by surname); a name without a
    comma is kept as written."""
    if not raw:
        return ""
    surname, given, suffix = _parts(raw)
    if not surname:
        return _case(given + (f" {suffix}" if suffix else ""), style)
    text = f"{surname}, {given}" + (f" {suffix}" if suffix else "")
    return _case(text, style)


def sort_key(raw: str | None) -> tuple[str, str]:
    """Sort by surname, then given names, ignoring case."""
    surname, given, _ = _parts(raw or "")
    return (surname or given).casefold(), given.casefold()


def is_surname_first(text: str) -> bool:
    """Whether a printed name is in the `LAST,FIRST` record form (for checks on orders)."""
    return bool(re.search(r"\w,\S", text))
