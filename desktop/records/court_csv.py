"""The ReliefDesk court-extract CSV importer (format: docs/court-csv-format.md).

One row per count, header line required. A JSON mapping lets a court import its own case
management export: other column headers, another date format, its own level and disposition
codes, and fixed values for columns the export lacks (e.g. the county).

Built on the DOJ importer's machinery (the caller in importer.py owns the transaction, the
imports row, sha256 de-duplication and refusals; rows go out through doj_import.BatchWriter),
and stored in the same tables:
- a person is keyed by CII when the row has one, else by name + date of birth (a row without a
  CII joins a person already seen with that name and date of birth);
- a case is keyed by person + county + case number; it plays the part of a DOJ arrest cycle, so
  its counts get CNT_ORDER "<case seq>002<count no>000" and related charges group as in DOJ data;
- a count is keyed by case + count number; a second row for the same count is rejected.
Counts without an offense date take the case's earliest offense date (DOJ's cycle date)."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop.errors import UserError
from desktop.law.normalize import UNREADABLE, BadDate, normalise_name, parse_date, parse_section
from desktop.progress import ProgressFn
from desktop.records.doj_import import BatchWriter, clean, sentence_end
from desktop.records.source import LineSource, Reject

REQUIRED = (
    "case_number",
    "defendant_name",
    "dob",
    "county",
    "count_no",
    "code_section",
    "level",
    "disposition",
    "conviction_date",
    "sentence",
)
OPTIONAL = ("cii", "offense_date", "sentence_end", "court", "akas")
COLUMNS = REQUIRED + OPTIONAL
MAPPING_KEYS = ("columns", "date_format", "level_values", "disposition_values", "defaults")

_LEVELS = {"F": "F", "FELONY": "F", "M": "M", "MISDEMEANOR": "M", "I": "I", "INFRACTION": "I"}
_UNITS = {
    "D": "D",
    "DAY": "D",
    "DAYS": "D",
    "M": "M",
    "MO": "M",
    "MOS": "M",
    "MONTH": "M",
    "MONTHS": "M",
    "Y": "Y",
    "YR": "Y",
    "YRS": "Y",
    "YEAR": "Y",
    "YEARS": "Y",
}
# "3Y PROBATION", "90 DAYS JAIL", "JAIL 90D", "FINE $500", "FINE".
_PART_LEN_FIRST = re.compile(r"^(\d+)\s*([A-Z]+)\s+([A-Z][A-Z /-]*)$")
_PART_LEN_LAST = re.compile(r"^([A-Z][A-Z /-]*?)\s+(\d+)\s*([A-Z]+)$")
_PART_KIND_ONLY = re.compile(r"^([A-Z][A-Z /-]*?)(?:\s+\$?[\d,.]+)?$")
_CII = re.compile(r"^[A-Z0-9]{6,10}$")
FLUSH_EVERY = 10_000
# What an unreadable date or sentence costs a row: never the row. The value is kept as unknown
# with a warning (as the DOJ importer does), so the engine sees the count and refuses to decide
# on what it cannot read instead of deciding the person's other counts without it.
_DATE_COLUMNS = ("dob", "conviction_date", "offense_date", "sentence_end")

# (buffer attribute, INSERT) per table, in insert order.
_INSERTS = (
    (
        "_subjects",
        "INSERT INTO subjects (id, import_id, source_key, cii, name, akas, dob, gender,"
        " deceased, registered_290, source_line) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    ),
    (
        "_events",
        "INSERT INTO subject_events (subject_id, kind, event_date, description, county,"
        " source_line) VALUES (?,?,?,?,?,?)",
    ),
    (
        "_cases",
        "INSERT INTO cases (id, subject_id, event_key, case_number, county, court,"
        " event_date, cycle_date) VALUES (?,?,?,?,?,?,?,?)",
    ),
    (
        "_counts",
        "INSERT INTO counts (id, case_id, subject_id, import_id, source_file, source_line,"
        " extra_lines, cnt_order, count_no, step_type, county, offense_text, section,"
        " base_section, code, level, disposition, convicted, conviction_date, cycle_date,"
        " sentence, sentence_end, juvenile, comment)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    ),
    (
        "_rejects",
        "INSERT INTO rejected_rows (import_id, line, column_name, reason, raw, subject_key)"
        " VALUES (?,?,?,?,?,?)",
    ),
    (
        "_warnings",
        "INSERT INTO row_warnings (import_id, line, column_name, value, reason, subject_key)"
        " VALUES (?,?,?,?,?,?)",
    ),
)


def looks_like(first_line: str) -> bool:
    """Whether a file's first line is a court-extract header (for format auto-detection)."""
    names = {n.strip().lower() for n in _split(first_line)}
    return {"case_number", "code_section"} <= names or len(names & set(COLUMNS)) >= 5


def _split(line: str) -> list[str]:
    try:
        return next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return []


def _refuse(path: Path, why: str) -> UserError:
    from desktop.records.importer import NotImportable

    return NotImportable(path, why)


def check_mapping(mapping: Any) -> dict[str, Any]:
    """The mapping with defaults filled in; UserError (exit 2) naming what is wrong in it."""
    if mapping is None:
        mapping = {}
    if not isinstance(mapping, dict):
        raise UserError(
            "the mapping file must hold a JSON object such as "
            '{"columns": {"case_number": "Case No"}}',
            exit_code=2,
        )
    unknown = sorted(set(mapping) - set(MAPPING_KEYS))
    if unknown:
        raise UserError(
            f"the mapping file has unknown keys {unknown}; allowed: {', '.join(MAPPING_KEYS)}",
            exit_code=2,
        )
    out: dict[str, Any] = {}
    for key in ("columns", "level_values", "disposition_values", "defaults"):
        value = mapping.get(key, {})
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise UserError(
                f'"{key}" in the mapping file must map names to text, e.g. {{"F": "FELONY"}}',
                exit_code=2,
            )
        out[key] = value
    for key in ("columns", "defaults"):
        bad = sorted(set(out[key]) - set(COLUMNS))
        if bad:
            raise UserError(
                f'"{key}" in the mapping file names unknown columns {bad}; '
                f"ReliefDesk's columns are: {', '.join(COLUMNS)}",
                exit_code=2,
            )
    # One column feeds one field: two fields read from the same column (named alike, or one
    # mapped onto another's own column name) would silently give both the same value.
    used: dict[str, list[str]] = {}
    for name in COLUMNS:
        used.setdefault(out["columns"].get(name, name).strip().lower(), []).append(name)
    for column, fields in used.items():
        if len(fields) > 1:
            mapped = [f for f in fields if f in out["columns"]]
            raise UserError(
                f'"columns" in the mapping file maps {" and ".join(fields)} to the same '
                f'column "{column}"'
                + (
                    ""
                    if len(mapped) == len(fields)
                    else f" ({', '.join(f for f in fields if f not in mapped)} reads its own "
                    "column of that name unless mapped elsewhere)"
                )
                + "; give each field its own column",
                exit_code=2,
            )
    bad_levels = sorted(v for v in out["level_values"].values() if v.strip().upper() not in _LEVELS)
    if bad_levels:
        raise UserError(
            f'"level_values" in the mapping file must map to F, M or I '
            f"(FELONY, MISDEMEANOR, INFRACTION); got {bad_levels}",
            exit_code=2,
        )
    out["level_values"] = {
        k.strip().upper(): _LEVELS[v.strip().upper()] for k, v in out["level_values"].items()
    }
    out["disposition_values"] = {
        k.strip().upper(): v.strip().upper() for k, v in out["disposition_values"].items()
    }
    fmt = mapping.get("date_format")
    if fmt is not None:
        if not isinstance(fmt, str) or "%" not in fmt:
            raise UserError(
                '"date_format" in the mapping file must be a strftime pattern such as "%m/%d/%Y"',
                exit_code=2,
            )
        try:
            datetime.strptime(date(2001, 2, 3).strftime(fmt), fmt)
        except ValueError:
            raise UserError(
                f'"date_format" {fmt!r} in the mapping file cannot read the dates it writes itself',
                exit_code=2,
            ) from None
    out["date_format"] = fmt
    return out


def _positions(header: Sequence[str], mapping: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """Where each of our columns is in the file's header, and which required ones are missing."""
    at = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
    pos: dict[str, int] = {}
    for name in COLUMNS:
        theirs = mapping["columns"].get(name, name).strip().lower()
        if theirs in at:
            pos[name] = at[theirs]
    missing = [n for n in REQUIRED if n not in pos and n not in mapping["defaults"]]
    return pos, missing


def sniff(head: list[tuple[int, str]], mapping: Any, path: Path) -> None:
    """Refuse a file whose header does not give the court-extract columns (exit 2)."""
    m = check_mapping(mapping)
    if not head:
        raise _refuse(path, "it is empty")
    header = _split(head[0][1])
    if header and header[0].strip().upper() == "RECORD_ID":
        raise _refuse(path, "it is a DOJ research file; import it with --format doj")
    _, missing = _positions(header, m)
    if missing:
        shown = ", ".join(missing)
        hint = (
            "; name them in a mapping file (--mapping)"
            if not m["columns"]
            else '; check the mapping file\'s "columns"'
        )
        raise _refuse(
            path,
            f"its first line is not a court-extract header with the columns "
            f"ReliefDesk needs (missing: {shown}){hint}. See docs/court-csv-format.md",
        )


def parse_sentence(text: str) -> list[dict]:
    """'3Y PROBATION; 90D JAIL' -> [{kind, length, unit}, ...]. Raises Reject.

    Strict: the row reader calls read_sentence, which keeps what this cannot read."""
    parts = []
    for raw in re.split(r"[;+]", text.upper()):
        part = " ".join(re.sub(r"(\d),(\d{3})", r"\1\2", raw).replace(",", " ").split())
        if not part:
            continue
        m = _PART_LEN_FIRST.match(part)
        if m:
            length, unit_s, kind = m.group(1), m.group(2), m.group(3)
        elif m := _PART_LEN_LAST.match(part):
            kind, length, unit_s = m.group(1), m.group(2), m.group(3)
        elif m := _PART_KIND_ONLY.match(part):
            parts.append({"kind": m.group(1).strip(), "length": None, "unit": None})
            continue
        else:
            raise Reject(
                "sentence",
                f"sentence part '{raw.strip()}' is not like '3Y PROBATION' or '90D JAIL'",
            )
        unit = _UNITS.get(unit_s)
        if unit is None:
            raise Reject(
                "sentence", f"sentence part '{raw.strip()}': unit '{unit_s}' is not D, M or Y"
            )
        n = int(length)
        if n > 9999:
            raise Reject("sentence", f"sentence length {n} is impossible")
        parts.append({"kind": kind.strip(), "length": n, "unit": unit})
    return parts


def read_sentence(text: str) -> tuple[list[dict], str | None]:
    """The sentence parts and, when some part cannot be read, why. An unreadable sentence is
    on the record but of unknown length: it is kept as one part whose unit is UNREADABLE, so the
    count's sentence end is unknown (the engine says so) rather than the row being dropped."""
    try:
        return parse_sentence(text), None
    except Reject as r:
        return [{"kind": text.strip().upper(), "length": None, "unit": UNREADABLE}], r.reason


class CourtCsvImporter:
    def __init__(
        self,
        conn: sqlite3.Connection,
        source: LineSource,
        import_id: int,
        file_name: str,
        progress: ProgressFn | None = None,
        mapping: dict | None = None,
    ) -> None:
        self.conn = conn
        self.src = source
        self.import_id = import_id
        self.file_name = file_name
        self.progress = progress
        self.m = check_mapping(mapping)
        self.rows_read = 0
        self.rows_kept = 0
        self.has_header = False
        self.pos: dict[str, int] = {}
        self.width = 0
        self._next = {
            t: (conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] + 1)
            for t in ("subjects", "cases", "counts")
        }
        # Keys to ids; kept in memory for the whole file (a court extract is rows per count, so
        # this is a few small entries per person).
        self.by_cii: dict[str, int] = {}
        self.by_name_dob: dict[tuple[str, str], int] = {}
        self.subject_info: dict[int, dict[str, Any]] = {}
        self.cases: dict[tuple[int, str, str], tuple[int, int]] = {}
        self.case_seq: dict[int, int] = {}
        self.case_offense: dict[int, str | None] = {}
        self.cases_with_court: set[int] = set()
        self.case_court: dict[int, str] = {}  # courts named only after the case's first row
        self.count_lines: dict[tuple[int, int], int] = {}
        self._subjects: list[tuple] = []
        self._events: list[tuple] = []
        self._cases: list[tuple] = []
        self._counts: list[tuple] = []
        self._rejects: list[tuple] = []
        self._warnings: list[tuple] = []
        self.row_warnings: list[tuple[str, str, str]] = []  # the current row's (column, value, why)
        self.writer: BatchWriter | None = None

    # -- reading ---------------------------------------------------------------------------------
    def run(self) -> None:
        self.writer = BatchWriter(self.conn)
        try:
            self._run()
            self._flush()
            self.writer.drain()
            self._finish()
        finally:
            self.writer.close()
            self.writer = None

    def _run(self) -> None:
        src = self.src
        for lineno, text, fields, problem in src.records():
            if fields is None:
                self.rows_read += 1
                self._reject(lineno, None, problem or "unreadable line", text)
                continue
            if not self.has_header:
                self._header(fields, lineno)
                continue
            self.rows_read += 1
            if len(fields) != self.width:
                self._reject(
                    lineno, None, f"has {len(fields)} fields; the header has {self.width}", text
                )
                continue
            self.row_warnings = []
            try:
                key = self._row(fields, lineno)
            except Reject as r:
                self._reject(lineno, r.column, r.reason, text, self._person_key(fields))
                continue
            for column, value, why in self.row_warnings:
                self._warnings.append((self.import_id, lineno, column, value, why, key))
            self.rows_kept += 1
            if self.rows_read % FLUSH_EVERY == 0:
                self._flush()
                if self.progress:
                    self.progress(src.bytes_read, src.size, "Importing")
        for lineno, where, reason, raw in src.rejects:  # where: a column name or None
            self.rows_read += 1
            self._reject(lineno, where, reason, raw)
        src.rejects.clear()
        if self.progress:
            self.progress(src.size, src.size, "Importing")

    def _header(self, fields: list[str], lineno: int) -> None:
        pos, missing = _positions(fields, self.m)
        if missing:
            # sniff() saw a good header; this line is something else (e.g. the first line was
            # unreadable): refuse the whole file rather than guess.
            raise _refuse(
                self.src.path,
                f"line {lineno} is not a court-extract header (missing: {', '.join(missing)})",
            )
        self.pos, self.width, self.has_header = pos, len(fields), True

    def _reject(
        self, line: int, column: str | None, reason: str, raw: str, key: str | None = None
    ) -> None:
        """Report a row. `key` names the person when the row still identifies one: the engine
        then knows that person's record is incomplete and decides none of their counts."""
        self._rejects.append((self.import_id, line, column, reason, raw[:10_000], key))

    def _warn(self, name: str, value: str, why: str) -> None:
        self.row_warnings.append((self._their(name), value, why))

    def _person_key(self, f: list[str]) -> str | None:
        """The source key of the person a rejected row belongs to, when it can be told (a CII,
        or a name with a readable date of birth); None when the row names nobody."""
        try:
            name = normalise_name(self._get(f, "defendant_name"))
            cii = re.sub(r"[\s-]", "", self._get(f, "cii")).upper()
            if cii and _CII.match(cii):
                return f"CII:{cii}"
            self.row_warnings = []
            dob = self._date(f, "dob")
        except (Reject, IndexError):
            return None
        if not (name and dob):
            return None
        name_key = (re.sub(r"\s*,\s*", ",", name), dob)
        sid = self.by_name_dob.get(name_key)
        if sid is not None and self.subject_info[sid]["cii0"]:
            return f"CII:{self.subject_info[sid]['cii0']}"
        return f"NAME:{name_key[0]}|{name_key[1]}"

    def _get(self, f: list[str], name: str) -> str:
        i = self.pos.get(name)
        value = clean(f[i]) if i is not None else ""
        return value or self.m["defaults"].get(name, "")

    def _date(self, f: list[str], name: str) -> str | None:
        """The column's date as ISO text; None when blank or unreadable (then with a warning:
        the row is kept and the date is unknown)."""
        value = self._get(f, name)
        if not value:
            return None
        fmt = self.m["date_format"]
        d: date | None
        try:
            if fmt:
                try:
                    d = datetime.strptime(value, fmt).date()
                except ValueError:
                    raise BadDate(f"'{value}' does not match the date format {fmt}") from None
                if not 1880 <= d.year <= 2100:
                    raise BadDate(f"'{value}' is outside the years 1880-2100")
            else:
                d = parse_date(value)
        except BadDate as exc:
            self._warn(name, value, f"{exc}: the date is unknown")
            return None
        return d.isoformat() if d else None

    def _their(self, name: str) -> str:
        """The column name as the file's header says it, for reject reports."""
        return self.m["columns"].get(name, name)

    def _row(self, f: list[str], lineno: int) -> str:
        """Buffer one count row; returns the person's source key. Raises Reject."""
        get = self._get
        case_number = get(f, "case_number").upper()
        if not case_number:
            raise Reject(self._their("case_number"), "the case number is blank")
        name = normalise_name(get(f, "defendant_name"))
        if not name:
            raise Reject(self._their("defendant_name"), "the defendant's name is blank")
        dob = self._date(f, "dob")
        cii = re.sub(r"[\s-]", "", get(f, "cii")).upper()
        if cii and not _CII.match(cii):
            raise Reject(
                self._their("cii"),
                f"'{get(f, 'cii')}' is not a CII number (6 to 10 letters and digits)",
            )
        if not cii and not dob:
            unread = [w for w in self.row_warnings if w[0] == self._their("dob")]
            raise Reject(
                self._their("dob"),
                (
                    f"the date of birth {unread[0][2].removesuffix(': the date is unknown')}"
                    if unread
                    else "the date of birth is blank"
                )
                + " and there is no CII: the person cannot be identified",
            )
        county = get(f, "county").upper()
        county = re.sub(r"\s+COUNTY$", "", " ".join(county.split()))
        if not county:
            raise Reject(self._their("county"), "the county is blank")
        count_s = get(f, "count_no")
        if not count_s.isdigit() or not 1 <= int(count_s) <= 999:
            raise Reject(
                self._their("count_no"),
                f"count number '{count_s}' is not a whole number from 1 to 999",
            )
        count_no = int(count_s)
        section_text = get(f, "code_section")
        sec = parse_section(section_text)
        if sec is None:
            raise Reject(
                self._their("code_section"),
                f"code section '{section_text}' cannot be read (write e.g. '11359 HS')"
                if section_text
                else "the code section is blank",
            )
        level_s = get(f, "level").upper()
        level = self.m["level_values"].get(level_s) or _LEVELS.get(level_s)
        if level_s and level is None:
            raise Reject(
                self._their("level"),
                f"level '{level_s}' is not F, M or I (FELONY, MISDEMEANOR, INFRACTION)",
            )
        disp_s = get(f, "disposition").upper()
        disposition = self.m["disposition_values"].get(disp_s, disp_s)
        if not disposition:
            raise Reject(self._their("disposition"), "the disposition is blank")
        convicted = disposition.startswith(("CONVICTED", "GUILTY"))
        conv_date = self._date(f, "conviction_date")
        if convicted and conv_date is None and not get(f, "conviction_date"):
            self._warn(
                "conviction_date",
                "",
                "the conviction date is blank for a convicted count: the date is unknown",
            )
        offense_date = self._date(f, "offense_date")
        sentence_text = get(f, "sentence")
        parts, unreadable = read_sentence(sentence_text)
        if unreadable:
            self._warn("sentence", sentence_text, f"{unreadable}: the sentence length is unknown")
        end = self._date(f, "sentence_end")
        if end is None and convicted and conv_date and parts:
            d = sentence_end(date.fromisoformat(conv_date), parts)
            end = d.isoformat() if d else None
        court = get(f, "court")
        akas = [normalise_name(a) for a in get(f, "akas").split(";") if a.strip()]

        sid = self._subject(cii, name, dob, akas, lineno)
        key = (sid, county, case_number)
        case = self.cases.get(key)
        if case is None:
            seq = self.case_seq.get(sid, 0) + 1
            if seq > 999:
                raise Reject(self._their("case_number"), "more than 999 cases for one person")
            self.case_seq[sid] = seq
            case = (self._new_id("cases"), seq)
            self.cases[key] = case
            self.case_offense[case[0]] = offense_date
            if court:
                self.cases_with_court.add(case[0])
            self._cases.append(
                (
                    case[0],
                    sid,
                    f"{county}|{case_number}",
                    case_number,
                    county,
                    court or None,
                    conv_date or offense_date,
                    offense_date,
                )
            )
        else:
            if court and case[0] not in self.cases_with_court:
                self.cases_with_court.add(case[0])
                self.case_court[case[0]] = court
            prev = self.case_offense[case[0]]
            if offense_date and (prev is None or offense_date < prev):
                self.case_offense[case[0]] = offense_date
        case_id, seq = case
        first = self.count_lines.get((case_id, count_no))
        if first is not None:
            raise Reject(
                self._their("count_no"),
                f"count {count_no} of case {case_number} ({county}) is already on line {first}",
            )
        self.count_lines[(case_id, count_no)] = lineno
        self._counts.append(
            (
                self._new_id("counts"),
                case_id,
                sid,
                self.import_id,
                self.file_name,
                lineno,
                None,
                f"{seq:03d}002{count_no:03d}000",
                count_no,
                "COURT ACTION",
                county,
                section_text,
                sec.section,
                sec.base,
                sec.code or None,
                level,
                disposition,
                int(convicted),
                conv_date if convicted else None,
                offense_date,
                json.dumps(parts) if parts else "[]",
                end if convicted else None,
                int("JUVENILE" in court.upper()),
                None,
            )
        )
        return str(self.subject_info[sid]["key"])

    def _subject(self, cii: str, name: str, dob: str | None, akas: list[str], lineno: int) -> int:
        name_key = (re.sub(r"\s*,\s*", ",", name), dob or "")
        sid = self.by_cii.get(cii) if cii else None
        if sid is None and dob:
            sid = self.by_name_dob.get(name_key)
            if sid is not None and cii:
                if self.subject_info[sid]["cii"]:
                    sid = None  # same name and birth date, another CII: another person
                else:
                    self.subject_info[sid]["cii"] = cii
                    self.by_cii[cii] = sid
        if sid is None:
            sid = self._new_id("subjects")
            source_key = f"CII:{cii}" if cii else f"NAME:{name_key[0]}|{name_key[1]}"
            # cii0/dob0: what the subjects row was written with, to know what _finish updates.
            self.subject_info[sid] = {
                "cii": cii,
                "name": name,
                "dob": dob,
                "akas": set(),
                "cii0": cii,
                "dob0": dob,
                "key": source_key,
            }
            if cii:
                self.by_cii[cii] = sid
            if dob:
                self.by_name_dob.setdefault(name_key, sid)
            self._subjects.append(
                (sid, self.import_id, source_key, cii or None, name, "[]", dob, None, 0, 0, lineno)
            )
        info = self.subject_info[sid]
        if name != info["name"]:
            info["akas"].add(name)
        if dob and not info["dob"]:
            info["dob"] = dob
            self.by_name_dob.setdefault(name_key, sid)
        info["akas"].update(a for a in akas if a != info["name"])
        return sid

    # -- writing ---------------------------------------------------------------------------------
    def _new_id(self, table: str) -> int:
        i = self._next[table]
        self._next[table] = i + 1
        return i

    def _flush(self) -> None:
        job: list[tuple[str, list[tuple]]] = []
        for attr, sql in _INSERTS:
            rows = getattr(self, attr)
            if rows:
                job.append((sql, rows))
                setattr(self, attr, [])
        if job:
            assert self.writer is not None
            self.writer.put(job)

    def _finish(self) -> None:
        """What is only known at the end: other names, a CII or birth date learned later, the
        case's earliest offense date for counts that have none."""
        conn = self.conn
        conn.executemany(
            "UPDATE subjects SET akas = ?, cii = ?, dob = ? WHERE id = ?",
            [
                (json.dumps(sorted(i["akas"])), i["cii"] or None, i["dob"], sid)
                for sid, i in self.subject_info.items()
                if i["akas"] or i["cii"] != i["cii0"] or i["dob"] != i["dob0"]
            ],
        )
        conn.executemany(
            "UPDATE cases SET court = ? WHERE id = ?",
            [(court, cid) for cid, court in self.case_court.items()],
        )
        conn.executemany(
            "UPDATE cases SET cycle_date = ? WHERE id = ?",
            [(d, cid) for cid, d in self.case_offense.items() if d],
        )
        conn.execute(
            "UPDATE counts SET cycle_date = (SELECT cycle_date FROM cases"
            " WHERE cases.id = counts.case_id) WHERE import_id = ? AND cycle_date IS NULL",
            (self.import_id,),
        )
