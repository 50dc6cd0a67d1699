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

from desktop.records.doj_layout import COLUMNS
from desktop.records.normalize import BadDate, add_period, iso_date, parse_level
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
_CACHE_LIMIT = 200_000   # entries per dict cache before it is emptied (bounds memory on odd files)

_JUVENILE = re.compile(r"JUVENILE|\bJUV\b|\bWARD\b|\b602\s*(?:WI|W&I|WIC)\b|\b(?:WI|W&I|WIC)\s*602\b")

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


def _date_slow(v: str, idx: int) -> str | None:
    try:
        d = iso_date(v)
    except BadDate as exc:
        raise Reject(COLUMNS[idx], str(exc)) from None
    if len(_dates) >= _CACHE_LIMIT:
        _dates.clear()
    _dates[v] = d
    return d


def _part_slow(loc_raw: str, length_raw: str, unit_raw: str) -> Part | None:
    """One sentence part from a row, or None when the row carries none. Raises Reject."""
    loc = clean(loc_raw)
    length_s = clean(length_raw)
    unit_s = clean(unit_raw).upper()
    if not (length_raw.strip() or unit_raw.strip()) and loc == "":
        part = None
    elif not (loc or length_s or unit_s):
        part = None
    else:
        length = None
        if length_s:
            if not length_s.isdigit():
                raise Reject("SENT_LENGTH", f"sentence length '{length_s}' is not a whole number")
            length = int(length_s)
            if length > 9999:
                raise Reject("SENT_LENGTH", f"sentence length {length} is impossible")
        unit = None
        if unit_s:
            unit = _UNITS.get(unit_s)
            if unit is None:
                raise Reject("SENT_TIME_CODE", f"sentence unit '{unit_s}' is not D, M or Y")
        if length is not None and unit is None:
            raise Reject("SENT_TIME_CODE", "sentence length given without a unit (D, M or Y)")
        part = (loc.upper() or None, length, unit)
    if len(_parts) >= _CACHE_LIMIT:
        _parts.clear()
    _parts[(loc_raw, length_raw, unit_raw)] = part
    return part


_checked = itemgetter(SUBJECT_ID, CNT_ORDER, DOB, CYC_DATE, STP_EVENT_DATE, DISP_DATE,
                      SENT_LOC_DESCR, SENT_LENGTH, SENT_TIME_CODE)

# What check_row returns: key, cnt_order, dob, cycle date, event date, disposition date, part.
Checked = tuple[str, str, str | None, str | None, str | None, str | None, Part | None]


def check_row(f: list[str]) -> Checked:
    """Validate a 95-field row and convert its keys, dates and sentence part. Raises Reject
    (checks in column order: SUBJECT_ID, CNT_ORDER, the dates, the sentence)."""
    key, cnt, dob_s, cyc_s, ev_s, disp_s, loc_s, len_s, unit_s = _checked(f)
    key = key.strip()
    if key in FILLER:
        raise Reject("SUBJECT_ID", "SUBJECT_ID is blank; the row cannot be tied to a person")
    cnt = cnt.strip()
    if cnt in FILLER:
        raise Reject("CNT_ORDER", "CNT_ORDER is blank; the row cannot be tied to a count")
    if not cnt.isdigit() or len(cnt) < 6:
        raise Reject("CNT_ORDER", f"CNT_ORDER '{cnt}' is not a number of at least 6 digits")
    dget = _dates.get
    dob = dget(dob_s, _MISS)
    if dob is _MISS:
        dob = _date_slow(dob_s, DOB)
    cyc = dget(cyc_s, _MISS)
    if cyc is _MISS:
        cyc = _date_slow(cyc_s, CYC_DATE)
    ev = dget(ev_s, _MISS)
    if ev is _MISS:
        ev = _date_slow(ev_s, STP_EVENT_DATE)
    disp = dget(disp_s, _MISS)
    if disp is _MISS:
        disp = _date_slow(disp_s, DISP_DATE)
    part = _parts.get((loc_s, len_s, unit_s), _MISS)
    if part is _MISS:
        part = _part_slow(loc_s, len_s, unit_s)
    return key, cnt, dob, cyc, ev, disp, part  # type: ignore[return-value]


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
    if conv is None or not parts:
        return None
    end = conv
    for p in parts:
        if p.get("length") and p.get("unit"):
            end = add_period(end, p["length"], p["unit"])
    return end


def sentence_end_iso(conv_date: str, parts: tuple[Part, ...]) -> str | None:
    """sentence_end on an ISO conviction date and part tuples, as an ISO date."""
    if not parts:
        return None
    end = date.fromisoformat(conv_date)
    for _kind, length, unit in parts:
        if length and unit:
            end = add_period(end, length, unit)
    return end.isoformat()
