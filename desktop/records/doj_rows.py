"""One DOJ row: column positions, value cleaning, validation, and the cached conversions.

Everything here is a pure function of the row's own fields (no file position, no other row), so
the same row gives the same result whether the main process or a worker process reads it. The
caches hold values a bulk file repeats hundreds of thousands of times (filler, dates, sentence
codes); invalid values are never cached, so every bad row goes through the slow path and gets its
reason."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from operator import itemgetter

from desktop.law.normalize import UNREADABLE, BadDate, add_period, iso_date, parse_level
from desktop.records.source import Reject

# Column positions used by the importer.
SUBJECT_ID, CII, NAME, GENDER, DOB = 2, 11, 12, 13, 14
REQ_NAME = 5
CYC_DATE, STP_EVENT_DATE, STP_TYPE = 37, 40, 42
STP_ORI_TYPE_DESCR, STP_ORI_DESCR, CNTY = 44, 46, 48
CNT_ORDER, DISP_DATE, OFN, OFFENSE_DESCR, OFFENSE_TOC = 50, 51, 52, 54, 55
FE_NUM_CRT_CASE = 76
DISP_DESCR, CONV_STAT_DESCR = 80, 82
SENT_LOC_DESCR, SENT_LENGTH, SENT_TIME_CODE = 86, 87, 88
COMMENT_TEXT = 93

FILLER = frozenset({"", "-", "NULL", "N/A", "NONE"})
_UNITS = {"D": "D", "M": "M", "Y": "Y", "DAYS": "D", "MONTHS": "M", "YEARS": "Y"}
_CACHE_LIMIT = 200_000  # entries per dict cache before it is emptied (bounds memory on odd files)

_JUVENILE = re.compile(
    r"JUVENILE|\bJUV\b|\bWARD\b|\b602\s*(?:WI|W&I|WIC)\b|\b(?:WI|W&I|WIC)\s*602\b"
)

# A sentence part: (kind, length, unit); stored as {"kind", "length", "unit"} JSON.
Part = tuple[str | None, int | None, str | None]


def is_juvenile(*texts: str) -> bool:
    """A juvenile court adjudication (WIC 602): the court, its type, the disposition or the step
    says so. Age alone does not (a 17-year-old can be tried in adult court)."""
    text = " ".join(texts).upper()
    if "JUV" not in text and "602" not in text and "WARD" not in text:
        return False
    return bool(_JUVENILE.search(text))


@lru_cache(maxsize=1 << 16)
def clean(v: str) -> str:
    """The value without padding, '' for DOJ filler."""
    v = v.strip()
    return "" if v in FILLER else v


@lru_cache(maxsize=1 << 14)
def clean_upper(v: str) -> str:
    return clean(v).upper()


def looks_like_header(fields: list[str]) -> bool:
    return bool(fields) and fields[0].strip().lstrip("\ufeff").upper() == "RECORD_ID"


_MISS = object()
_dates: dict[str, str | None] = {}
_parts: dict[tuple[str, str, str], Part | None] = {}

# A sentence part that is on the record but cannot be read: its length is unknown, so the
# count's sentence end is unknown (the engine flags sentence_unknown).
# Values DOJ and county extracts put where a date is not known (never a reason to drop a row).
_PLACEHOLDERS = frozenset({"X", "XX", "XXXXXXXX", "#", "?", "UNK", "UNKNOWN", "00/00/0000"})

# A field the row kept but could not read: (column, value as written, what was done).
Warning_ = tuple[str, str, str]


def read_date(v: str) -> tuple[str | None, str | None]:
    """(ISO date, warning) of a DOJ date field. A full date is 'YYYY-MM-DD'; DOJ's unknown month
    or day (`19700000`, `20100300`) keeps what is known as a reduced-precision ISO date ('1970',
    '2010-03', compared as the interval they name); a value that is no date (`x`, `#`, 20101340)
    is an unknown date. The warning says what was not read (None for a full date or a blank)."""
    try:
        return iso_date(v), None
    except BadDate as exc:
        reason = str(exc)
    t = v.strip()
    if len(t) == 8 and t.isdigit():
        year, month, day = int(t[:4]), int(t[4:6]), int(t[6:])
        if 1880 <= year <= 2100 and month == 0 and day == 0:
            return t[:4], "month and day unknown (written 00): kept as the year " + t[:4]
        if 1880 <= year <= 2100 and 1 <= month <= 12 and day == 0:
            return f"{t[:4]}-{t[4:6]}", (
                f"day unknown (written 00): kept as the month {t[:4]}-{t[4:6]}"
            )
    if t.upper() in _PLACEHOLDERS or not any(ch.isdigit() for ch in t):
        return None, "not a date (a placeholder): the date is unknown"
    return None, f"{reason}: the date is unknown"


def _date_slow(v: str) -> tuple[str | None, str | None]:
    d, warning = read_date(v)
    if warning is None:  # only clean values are cached, so every odd value gets its warning
        if len(_dates) >= _CACHE_LIMIT:
            _dates.clear()
        _dates[v] = d
    return d, warning


def read_part(loc_raw: str, length_raw: str, unit_raw: str) -> tuple[Part | None, str | None, str]:
    """One sentence part from a row (None when the row carries none), a warning when the part is
    on the record but cannot be read (then its unit is UNREADABLE), and the column to blame."""
    loc = clean(loc_raw)
    length_s = clean(length_raw)
    unit_s = clean(unit_raw).upper()
    if not (length_raw.strip() or unit_raw.strip()) and loc == "":
        return None, None, ""
    if not (loc or length_s or unit_s):
        return None, None, ""
    kind = loc.upper() or None
    length = None
    if length_s:
        if not length_s.isdigit():
            return (
                (kind, None, UNREADABLE),
                f"sentence length '{length_s}' is not a whole number: the sentence end is unknown",
                "SENT_LENGTH",
            )
        length = int(length_s)
        if length > 9999:
            return (
                (kind, None, UNREADABLE),
                f"sentence length {length} is impossible: the sentence end is unknown",
                "SENT_LENGTH",
            )
    unit = None
    if unit_s:
        unit = _UNITS.get(unit_s)
        if unit is None:
            return (
                (kind, length, UNREADABLE),
                f"sentence unit '{unit_s}' is not D, M or Y: the sentence end is unknown",
                "SENT_TIME_CODE",
            )
    if length is not None and unit is None:
        return (
            (kind, length, UNREADABLE),
            "sentence length given without a unit (D, M or Y): the sentence end is unknown",
            "SENT_TIME_CODE",
        )
    return (kind, length, unit), None, ""


def _part_slow(loc_raw: str, length_raw: str, unit_raw: str) -> tuple[Part | None, str | None, str]:
    part, warning, column = read_part(loc_raw, length_raw, unit_raw)
    if warning is None:
        if len(_parts) >= _CACHE_LIMIT:
            _parts.clear()
        _parts[(loc_raw, length_raw, unit_raw)] = part
    return part, warning, column


_checked = itemgetter(
    SUBJECT_ID,
    CNT_ORDER,
    DOB,
    CYC_DATE,
    STP_EVENT_DATE,
    DISP_DATE,
    SENT_LOC_DESCR,
    SENT_LENGTH,
    SENT_TIME_CODE,
)

# What check_row returns: key, cnt_order, dob, cycle date, event date, disposition date, part,
# and the warnings of the fields the row keeps unread (a tuple, () for almost every row).
Checked = tuple[
    str, str, str | None, str | None, str | None, str | None, Part | None, tuple[Warning_, ...]
]


def check_row(f: list[str]) -> Checked:
    """Validate a 95-field row and convert its keys, dates and sentence part. Raises Reject only
    when the row cannot be tied to a person and a count (SUBJECT_ID, CNT_ORDER); a date or a
    sentence that cannot be read is left unknown and reported in the warnings (column order)."""
    key, cnt, dob_s, cyc_s, ev_s, disp_s, loc_s, len_s, unit_s = _checked(f)
    key = key.strip()
    if key in FILLER:
        raise Reject("SUBJECT_ID", "SUBJECT_ID is blank; the row cannot be tied to a person")
    cnt = cnt.strip()
    if cnt in FILLER:
        raise Reject("CNT_ORDER", "CNT_ORDER is blank; the row cannot be tied to a count")
    if not cnt.isdigit() or len(cnt) < 6:
        raise Reject("CNT_ORDER", f"CNT_ORDER '{cnt}' is not a number of at least 6 digits")
    warnings: tuple[Warning_, ...] = ()
    dget = _dates.get
    dob = dget(dob_s, _MISS)
    if dob is _MISS:
        dob, w = _date_slow(dob_s)
        if w:
            warnings += (("PRI_DOB", dob_s, w),)
    cyc = dget(cyc_s, _MISS)
    if cyc is _MISS:
        cyc, w = _date_slow(cyc_s)
        if w:
            warnings += (("CYC_DATE", cyc_s, w),)
    ev = dget(ev_s, _MISS)
    if ev is _MISS:
        ev, w = _date_slow(ev_s)
        if w:
            warnings += (("STP_EVENT_DATE", ev_s, w),)
    disp = dget(disp_s, _MISS)
    if disp is _MISS:
        disp, w = _date_slow(disp_s)
        if w:
            warnings += (("DISP_DATE", disp_s, w),)
    part = _parts.get((loc_s, len_s, unit_s), _MISS)
    if part is _MISS:
        part, w, column = _part_slow(loc_s, len_s, unit_s)
        if w:
            raw = len_s if column == "SENT_LENGTH" else unit_s
            warnings += ((column, raw, w),)
    return key, cnt, dob, cyc, ev, disp, part, warnings  # type: ignore[return-value]


def subject_key_of(raw: str) -> str | None:
    """The SUBJECT_ID of a rejected line where it can be read (the third field of a line that
    parses as CSV with at least three fields and a non-blank value there), else None."""
    import csv

    try:
        fields = next(csv.reader([raw.replace("\x00", "")]))
    except (csv.Error, StopIteration):
        fields = raw.split(",")
    if len(fields) <= SUBJECT_ID:
        return None
    key = fields[SUBJECT_ID].strip()
    if key in FILLER or looks_like_header(fields) or len(key) > 40:
        return None
    return key


def row_key(f: list[str]) -> str | None:
    """The SUBJECT_ID of a row that would be kept, None for a row that would be rejected."""
    try:
        return check_row(f)[0]
    except Reject:
        return None


@lru_cache(maxsize=1 << 14)
def level_of(conv_stat: str, toc: str) -> str | None:
    return parse_level(clean(conv_stat), clean(toc))


@lru_cache(maxsize=1 << 14)
def juvenile_of(court: str, ori_type: str, disposition: str, step_type: str) -> bool:
    return is_juvenile(court, ori_type, disposition, step_type)


def part_dict(p: Part) -> dict:
    return {"kind": p[0], "length": p[1], "unit": p[2]}


@lru_cache(maxsize=1 << 12)
def _part_json(p: Part) -> str:
    return json.dumps(part_dict(p))


def sentence_json(parts: list[Part]) -> str:
    """json.dumps of the parts as dicts (same text: items joined by ', ')."""
    if not parts:
        return "[]"
    return "[" + ", ".join([_part_json(p) for p in parts]) + "]"


def sentence_end(conv: date | None, parts: list[dict]) -> date | None:
    """Conviction date + the sum of the sentence parts (DOJ data rule §5.6). None = unknown.

    Parts without a length (a fine) mean nothing to serve: the sentence ends at conviction."""
    if conv is None or not parts or any(p.get("unit") == UNREADABLE for p in parts):
        return None
    end = conv
    for p in parts:
        if p.get("length") and p.get("unit"):
            end = add_period(end, p["length"], p["unit"])
    return end


def sentence_end_iso(conv_date: str, parts: tuple[Part, ...]) -> str | None:
    """sentence_end on an ISO conviction date and part tuples, as an ISO date."""
    if not parts or len(conv_date) != 10 or any(p[2] == UNREADABLE for p in parts):
        return None  # a partial conviction date: the engine works the end out as an interval
    end = date.fromisoformat(conv_date)
    for _kind, length, unit in parts:
        if length and unit:
            end = add_period(end, length, unit)
    return end.isoformat()
