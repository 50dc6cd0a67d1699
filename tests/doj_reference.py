"""The DOJ importer as it was before the parallel reader (one process, one CSV reader fed line by
line, plain dataclasses, synchronous writes): the reference that tests/test_import_equivalence.py
holds the fast importer to. Kept deliberately simple; not used by the program."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from desktop.law.normalize import add_period, parse_level, parse_section
from desktop.progress import ProgressFn
from desktop.records.doj_layout import COLUMNS, N_COLUMNS
from desktop.records.doj_rows import UNREADABLE, read_date, read_part, subject_key_of
from desktop.records.source import MAX_LINE_CHARS, Reject, decode

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


class LineSource:
    """Physical lines, hashed and decoded one at a time, pre-filtered as the importer does."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.bytes_read = 0
        self.first_line = 0
        self.rejects: list[tuple[int, str | None, str, str]] = []
        self.pending: list[tuple[int, str]] = []

    def lines(self) -> Iterator[str]:
        n = 0
        with open(self.path, "rb") as fh:
            for raw in fh:
                n += 1
                self.bytes_read += len(raw)
                text = decode(raw)
                if n == 1:
                    text = text.lstrip("\ufeff")
                text = text.rstrip("\r\n")
                if not text.strip():
                    continue
                if not self.first_line:
                    self.first_line = n
                if "\x00" in text:
                    self.rejects.append(
                        (
                            n,
                            None,
                            "the line contains NUL bytes (binary data)",
                            text.replace("\x00", "\\0"),
                        )
                    )
                    continue
                if len(text) > MAX_LINE_CHARS:
                    self.rejects.append(
                        (
                            n,
                            None,
                            f"the line is {len(text):,} characters long; a "
                            "record line is at most a few thousand",
                            text[:2000],
                        )
                    )
                    continue
                if text.count('"') % 2:
                    self.rejects.append(
                        (n, None, "a quoted field is not closed on this line", text)
                    )
                    continue
                if "\r" in text:
                    self.rejects.append(
                        (n, None, "the line contains a stray carriage return", text)
                    )
                    continue
                self.pending.append((n, text))
                yield text

    def records(self) -> Iterator[tuple[int, str, list[str] | None, str | None]]:
        reader = csv.reader(self.lines())
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                for lineno, text in self.take_row_lines():
                    yield lineno, text, None, f"the line cannot be read as CSV ({exc})"
                continue
            rows = self.take_row_lines()
            if len(rows) != 1:
                for lineno, text in rows:
                    yield (
                        lineno,
                        text,
                        None,
                        f"inside a quoted field left open on line {rows[0][0]}",
                    )
                continue
            yield rows[0][0], rows[0][1], fields, None

    def take_row_lines(self) -> list[tuple[int, str]]:
        got = list(self.pending)
        self.pending.clear()
        return got


_FILLER = frozenset({"", "-", "NULL", "N/A", "NONE"})
_UNITS = {"D": "D", "M": "M", "Y": "Y", "DAYS": "D", "MONTHS": "M", "YEARS": "Y"}
FLUSH_EVERY = 20_000


_JUVENILE = re.compile(
    r"JUVENILE|\bJUV\b|\bWARD\b|\b602\s*(?:WI|W&I|WIC)\b|\b(?:WI|W&I|WIC)\s*602\b"
)


def is_juvenile(*texts: str) -> bool:
    """A juvenile court adjudication (WIC 602): the court, its type, the disposition or the step
    says so. Age alone does not (a 17-year-old can be tried in adult court)."""
    text = " ".join(texts).upper()
    if "JUV" not in text and "602" not in text and "WARD" not in text:
        return False
    return bool(_JUVENILE.search(text))


@lru_cache(maxsize=1 << 16)
def clean(v: str) -> str:
    """The value without padding, '' for DOJ filler. Cached: a bulk file repeats a few thousand
    values (filler, counties, offense texts) hundreds of thousands of times."""
    v = v.strip()
    return "" if v in _FILLER else v


class NotDojFile(Exception):
    """The file as a whole is not a DOJ research file."""


def looks_like_header(fields: list[str]) -> bool:
    return bool(fields) and fields[0].strip().lstrip("\ufeff").upper() == "RECORD_ID"


@dataclass(slots=True)
class CountBuf:
    line: int
    cnt_order: str
    step_type: str
    county: str
    court: str
    ofn: str
    offense_text: str
    level: str | None
    disposition: str
    convicted: bool
    conv_date: str | None
    event_date: str | None
    cyc_date: str | None
    juvenile: bool
    comment: str
    sentence: list[dict] = field(default_factory=list)
    extra_lines: list[int] = field(default_factory=list)


@dataclass(slots=True)
class SubjectBuf:
    key: str
    line: int
    name: str
    dob: str | None
    cii: str
    gender: str
    names: set[str] = field(default_factory=set)
    events: list[tuple] = field(default_factory=list)
    counts: dict[str, CountBuf] = field(default_factory=dict)


def _sentence_part(f: list[str], warn: list) -> dict | None:
    """One sentence part from a row, or None when the row carries none. A part that cannot be
    read is kept with an unknown end (unit UNREADABLE) and a warning (issue 13 §3)."""
    part, warning, column = read_part(f[SENT_LOC_DESCR], f[SENT_LENGTH], f[SENT_TIME_CODE])
    if warning:
        warn.append(
            (column, f[SENT_LENGTH] if column == "SENT_LENGTH" else f[SENT_TIME_CODE], warning)
        )
    if part is None:
        return None
    return {"kind": part[0], "length": part[1], "unit": part[2]}


def _date(f: list[str], idx: int, warn: list) -> str | None:
    """The ISO date in column idx (ISO strings compare in date order; '1970' and '2010-03' for
    DOJ's partial dates), or None; a value that is not a date is a warning (issue 13 §3)."""
    d, warning = read_date(f[idx])
    if warning:
        warn.append((COLUMNS[idx], f[idx], warning))
    return d


class DojImporter:
    def __init__(
        self,
        conn: sqlite3.Connection,
        source: LineSource,
        import_id: int,
        file_name: str,
        progress: ProgressFn | None = None,
    ) -> None:
        self.conn = conn
        self.src = source
        self.import_id = import_id
        self.file_name = file_name
        self.progress = progress
        self.rows_read = 0
        self.rows_kept = 0
        self.has_header = False
        self.subject_ids: dict[str, int] = {}
        self._next = {
            t: (conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] + 1)
            for t in ("subjects", "cases", "counts")
        }
        self._subjects: list[tuple] = []
        self._events: list[tuple] = []
        self._cases: list[tuple] = []
        self._counts: list[tuple] = []
        self._rejects: list[tuple] = []
        self._warnings: list[tuple] = []

    # -- reading -------------------------------------------------------------------------------
    def run(self) -> None:
        self._run()

    def _run(self) -> None:
        src = self.src
        current: SubjectBuf | None = None
        for lineno, text, fields, problem in src.records():
            if fields is None:
                self.rows_read += 1
                self._reject(lineno, None, problem or "unreadable line", text)
                continue
            if lineno == src.first_line and looks_like_header(fields):
                self.has_header = True
                names = [c.strip().lstrip("\ufeff").upper() for c in fields]
                if len(names) != N_COLUMNS and names[:N_COLUMNS] == list(COLUMNS[: len(names)]):
                    # A header with a stray trailing comma (or one short): report it, read the
                    # data rows by position as usual.
                    self.rows_read += 1
                    self._reject(
                        lineno,
                        None,
                        f"header line has {len(names)} fields; a DOJ "
                        f"header has {N_COLUMNS} (data rows are read by position)",
                        text,
                    )
                    continue
                if names != list(COLUMNS):
                    raise NotDojFile(
                        "its header line does not match the 95-column DOJ layout "
                        "(RECORD_ID … END_OF_REC)"
                    )
                continue
            self.rows_read += 1
            if len(fields) != N_COLUMNS:
                self._reject(
                    lineno, None, f"has {len(fields)} fields; a DOJ row has {N_COLUMNS}", text
                )
                continue
            try:
                current = self._row(fields, lineno, current)
            except Reject as r:
                self._reject(lineno, r.column, r.reason, text)
                continue
            self.rows_kept += 1
            if self.rows_read % 10_000 == 0:
                if len(self._counts) >= FLUSH_EVERY:
                    self._flush()
                if self.progress:
                    self.progress(src.bytes_read, src.size, "Importing")
        for lineno, column, reason, raw in src.rejects:
            self.rows_read += 1
            self._reject(lineno, column, reason, raw)
        src.rejects.clear()
        if current is not None:
            self._close_subject(current)
        self._flush()
        if self.progress:
            self.progress(src.size, src.size, "Importing")

    def _reject(self, line: int, column: str | None, reason: str, raw: str) -> None:
        self._rejects.append(
            (self.import_id, line, column, reason, raw[:10_000], subject_key_of(raw))
        )

    def _row(self, f: list[str], lineno: int, current: SubjectBuf | None) -> SubjectBuf:
        key = f[SUBJECT_ID].strip()
        if key in _FILLER:
            raise Reject("SUBJECT_ID", "SUBJECT_ID is blank; the row cannot be tied to a person")
        cnt_order = f[CNT_ORDER].strip()
        if cnt_order in _FILLER:
            raise Reject("CNT_ORDER", "CNT_ORDER is blank; the row cannot be tied to a count")
        if not cnt_order.isdigit() or len(cnt_order) < 6:
            raise Reject(
                "CNT_ORDER", f"CNT_ORDER '{cnt_order}' is not a number of at least 6 digits"
            )
        warn: list = []
        dob = _date(f, DOB, warn)
        cyc_date = _date(f, CYC_DATE, warn)
        event_date = _date(f, STP_EVENT_DATE, warn)
        disp_date = _date(f, DISP_DATE, warn)
        part = _sentence_part(f, warn)
        for column, value, reason in warn:
            self._warnings.append((self.import_id, lineno, column, value, reason, key))
        name = clean(f[NAME])

        if current is None or current.key != key:
            if current is not None:
                self._close_subject(current)
            current = SubjectBuf(
                key=key, line=lineno, name=name, dob=dob, cii=clean(f[CII]), gender=clean(f[GENDER])
            )
        if name and name != current.name:
            current.names.add(name)
        req_name = clean(f[REQ_NAME])
        if req_name and req_name != current.name and req_name not in current.names:
            current.names.add(req_name)
        if current.dob is None and dob is not None:
            current.dob = dob

        step_type = clean(f[STP_TYPE]).upper()
        county = clean(f[CNTY]).upper()
        if step_type == "DECEASED" or "REGISTRATION" in step_type:
            kind = "deceased" if step_type == "DECEASED" else "registration"
            current.events.append(
                (kind, event_date or cyc_date, clean(f[OFFENSE_DESCR]) or step_type, county, lineno)
            )
            return current

        c = current.counts.get(cnt_order)
        if c is not None:
            c.extra_lines.append(lineno)
            if part:
                c.sentence.append(part)
            return current

        offense = clean(f[OFFENSE_DESCR])
        comment = clean(f[COMMENT_TEXT])
        if not offense or offense.upper().startswith("SEE COMMENT"):
            offense = comment
        disposition = clean(f[DISP_DESCR]).upper()
        convicted = disposition.startswith("CONVICTED")
        court = clean(f[STP_ORI_DESCR])
        juvenile = convicted and is_juvenile(court, f[STP_ORI_TYPE_DESCR], disposition, step_type)
        c = CountBuf(
            line=lineno,
            cnt_order=cnt_order,
            step_type=step_type,
            county=county,
            court=court,
            ofn=clean(f[OFN]) or clean(f[FE_NUM_CRT_CASE]),
            offense_text=offense,
            level=parse_level(clean(f[CONV_STAT_DESCR]), clean(f[OFFENSE_TOC])),
            disposition=disposition,
            convicted=convicted,
            conv_date=(disp_date or event_date) if convicted else None,
            event_date=event_date or disp_date,
            cyc_date=cyc_date,
            juvenile=juvenile,
            comment=comment,
        )
        if part:
            c.sentence.append(part)
        current.counts[cnt_order] = c
        return current

    # -- writing -------------------------------------------------------------------------------
    def _new_id(self, table: str) -> int:
        i = self._next[table]
        self._next[table] = i + 1
        return i

    def _close_subject(self, s: SubjectBuf) -> None:
        existing = self.subject_ids.get(s.key)
        if existing is not None:
            self._merge_subject(existing, s)
            return
        sid = self._new_id("subjects")
        self.subject_ids[s.key] = sid
        deceased = any(e[0] == "deceased" for e in s.events)
        registered = any(e[0] == "registration" and "290" in (e[2] or "") for e in s.events)
        self._subjects.append(
            (
                sid,
                self.import_id,
                s.key,
                s.cii or None,
                s.name or None,
                json.dumps(sorted(s.names)),
                s.dob,
                s.gender or None,
                int(deceased),
                int(registered),
                s.line,
            )
        )
        for kind, d, desc, county, line in s.events:
            self._events.append((sid, kind, d, desc, county or None, line))
        self._add_counts(sid, s, case_ids={})

    def _cycle_dates(self, s: SubjectBuf) -> dict[str, str]:
        """Offense-date proxy per cycle: CYC_DATE, else the cycle's earliest step date."""
        out: dict[str, str] = {}
        for c in s.counts.values():
            cyc = c.cnt_order[:3]
            d = c.cyc_date
            if d is not None and (cyc not in out or d < out[cyc]):
                out[cyc] = d
        fallback: dict[str, str] = {}
        for c in s.counts.values():
            cyc = c.cnt_order[:3]
            if cyc not in out and c.event_date is not None:
                if cyc not in fallback or c.event_date < fallback[cyc]:
                    fallback[cyc] = c.event_date
        out.update(fallback)
        return out

    def _add_counts(self, sid: int, s: SubjectBuf, case_ids: dict[str, int]) -> None:
        cycles = self._cycle_dates(s)
        by_case: dict[str, list[CountBuf]] = {}
        for c in s.counts.values():
            by_case.setdefault(c.cnt_order[:6], []).append(c)
        for event_key, counts in by_case.items():
            case_id = case_ids.get(event_key)
            if case_id is None:
                case_id = self._new_id("cases")
                first = counts[0]
                ofn = next(
                    (c.ofn for c in counts if c.ofn and c.step_type == "COURT ACTION"), ""
                ) or next((c.ofn for c in counts if c.ofn), "")
                cyc = cycles.get(event_key[:3])
                self._cases.append(
                    (
                        case_id,
                        sid,
                        event_key,
                        ofn or None,
                        first.county or None,
                        first.court or None,
                        first.event_date,
                        cyc,
                    )
                )
            for c in counts:
                self._counts.append(self._count_row(case_id, sid, c, cycles.get(c.cnt_order[:3])))

    def _count_row(self, case_id: int, sid: int, c: CountBuf, cyc: str | None) -> tuple:
        sec = parse_section(c.offense_text)
        end = None
        if c.convicted and c.conv_date and len(c.conv_date) == 10 and c.sentence:
            d = sentence_end(date.fromisoformat(c.conv_date), c.sentence)
            end = d.isoformat() if d else None
        try:
            count_no = int(c.cnt_order[6:9]) if len(c.cnt_order) >= 9 else None
        except ValueError:
            count_no = None
        return (
            self._new_id("counts"),
            case_id,
            sid,
            self.import_id,
            self.file_name,
            c.line,
            ",".join(map(str, c.extra_lines)) or None,
            c.cnt_order,
            count_no,
            c.step_type or None,
            c.county or None,
            c.offense_text or None,
            sec.section if sec else None,
            sec.base if sec else None,
            (sec.code or None) if sec else None,
            c.level,
            c.disposition or None,
            int(c.convicted),
            c.conv_date,
            cyc,
            json.dumps(c.sentence) if c.sentence else "[]",
            end,
            int(c.juvenile),
            c.comment or None,
        )

    def _merge_subject(self, sid: int, s: SubjectBuf) -> None:
        """A subject whose rows are not contiguous: merge into what was already written."""
        self._sync()
        case_ids = {
            k: i
            for k, i in self.conn.execute(
                "SELECT event_key, id FROM cases WHERE subject_id = ?", (sid,)
            )
        }
        for kind, d, desc, county, line in s.events:
            self._events.append((sid, kind, d, desc, county or None, line))
            if kind == "deceased":
                self.conn.execute("UPDATE subjects SET deceased = 1 WHERE id = ?", (sid,))
            elif "290" in (desc or ""):
                self.conn.execute("UPDATE subjects SET registered_290 = 1 WHERE id = ?", (sid,))
        fresh = SubjectBuf(
            key=s.key, line=s.line, name=s.name, dob=s.dob, cii=s.cii, gender=s.gender
        )
        for cnt_order, c in s.counts.items():
            row = self.conn.execute(
                "SELECT id, sentence, extra_lines, conviction_date FROM counts"
                " WHERE subject_id = ? AND cnt_order = ?",
                (sid, cnt_order),
            ).fetchone()
            if row is None:
                fresh.counts[cnt_order] = c
                continue
            parts = json.loads(row[1]) + c.sentence
            lines = ",".join(filter(None, [row[2], str(c.line), *map(str, c.extra_lines)]))
            conv = date.fromisoformat(row[3]) if row[3] and len(row[3]) == 10 else None
            end = sentence_end(conv, parts) if conv else None
            self.conn.execute(
                "UPDATE counts SET sentence = ?, extra_lines = ?, sentence_end = ? WHERE id = ?",
                (json.dumps(parts), lines, end.isoformat() if end else None, row[0]),
            )
        self._add_counts(sid, fresh, case_ids)
        self._sync()

    def _flush(self) -> None:
        job: list[tuple[str, list[tuple]]] = []
        for attr, sql in _INSERTS:
            rows = getattr(self, attr)
            if rows:
                job.append((sql, rows))
                setattr(self, attr, [])
        for sql, rows in job:
            self.conn.executemany(sql, rows)

    def _sync(self) -> None:
        """Write everything buffered and wait for it, before reading back from the database."""
        self._flush()


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
        "INSERT INTO rejected_rows (import_id, line, column_name, reason, raw,"
        " subject_key) VALUES (?,?,?,?,?,?)",
    ),
    (
        "_warnings",
        "INSERT INTO row_warnings (import_id, line, column_name, value, reason,"
        " subject_key) VALUES (?,?,?,?,?,?)",
    ),
)


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


def reference_import(conn: sqlite3.Connection, path: str | Path, import_id: int) -> DojImporter:
    """Read `path` into the (already created) import `import_id`, inside one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    imp = DojImporter(conn, LineSource(path), import_id, Path(path).name)
    imp.run()
    conn.execute("COMMIT")
    return imp
