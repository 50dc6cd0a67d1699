"""Grouping checked DOJ rows into subjects, cases and counts, and turning each finished subject into
table rows.

Rows of one subject are normally contiguous, so a subject is buffered only until the next one
starts. A subject whose rows come back later (non-contiguous) is merged into what was already
written; a worker process, which cannot see what other workers wrote, refuses such a subject
(NeedsMainProcess) and the main process reads that stretch of the file itself.

Counts are kept as lists (not objects): a million of them are built per large file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from operator import itemgetter

from desktop.law.normalize import parse_section
from desktop.records.doj_rows import (
    CII,
    CNTY,
    COMMENT_TEXT,
    CONV_STAT_DESCR,
    DISP_DESCR,
    FE_NUM_CRT_CASE,
    FILLER,
    GENDER,
    NAME,
    OFFENSE_DESCR,
    OFFENSE_TOC,
    OFN,
    REQ_NAME,
    STP_ORI_DESCR,
    STP_ORI_TYPE_DESCR,
    STP_TYPE,
    Checked,
    Part,
    clean,
    clean_upper,
    juvenile_of,
    level_of,
    part_dict,
    sentence_end,
    sentence_end_iso,
    sentence_json,
    subject_key_of,
)

# A count being read: [line, cnt_order, template, ofn, conviction date, event date, cycle date,
# sentence parts, extra lines]; the last two are () until the count has some (most never do),
# then lists that grow in place (a tuple grown row by row would cost the square of its rows). The template holds what follows from the row's descriptive columns alone (see
# count_template), shared by every count with the same texts.
C_LINE, C_CNT, C_TPL, C_OFN, C_CONV_DATE, C_EVENT_DATE, C_CYC_DATE, C_SENTENCE, C_EXTRA = range(9)
# Template positions.
T_STEP, T_COUNTY, T_COURT, T_CONVICTED, T_EVENT, T_EVENT_DESC, T_ROW, T_SLOT = range(8)

_template_fields = itemgetter(
    STP_TYPE,
    CNTY,
    STP_ORI_DESCR,
    STP_ORI_TYPE_DESCR,
    OFFENSE_DESCR,
    COMMENT_TEXT,
    DISP_DESCR,
    CONV_STAT_DESCR,
    OFFENSE_TOC,
)


def count_template(raw: tuple[str, ...]) -> list:
    """Everything a count takes from its descriptive columns: step type, county, court, the
    event kind (deceased/registration), the end of its counts row (TEMPLATE_COLUMNS), and a slot
    for the template's id in a worker's chunk: [owner, id]."""
    step_s, cnty_s, court_s, ori_type_s, off_s, comm_s, disp_s, conv_s, toc_s = raw
    step_type = clean_upper(step_s)
    county = clean_upper(cnty_s)
    event = None
    if step_type == "DECEASED" or "REGISTRATION" in step_type:
        event = "deceased" if step_type == "DECEASED" else "registration"
    offense = clean(off_s)
    event_desc = offense or step_type
    comment = clean(comm_s)
    if not offense or offense.upper().startswith("SEE COMMENT"):
        offense = comment
    disposition = clean_upper(disp_s)
    convicted = disposition.startswith("CONVICTED")
    court = clean(court_s)
    juvenile = convicted and juvenile_of(court, ori_type_s, disposition, step_type)
    sec = parse_section(offense)
    row = (
        step_type or None,
        county or None,
        offense or None,
        sec.section if sec else None,
        sec.base if sec else None,
        (sec.code or None) if sec else None,
        level_of(conv_s, toc_s),
        disposition or None,
        int(convicted),
        int(juvenile),
        comment or None,
    )
    return [step_type, county, court, convicted, event, event_desc, row, [None, 0]]


class _Templates(dict):
    def __missing__(self, raw: tuple[str, ...]) -> list:
        if len(self) >= 200_000:
            self.clear()
        t = self[raw] = count_template(raw)
        return t


class _Clean(dict):
    def __missing__(self, v: str) -> str:
        if len(self) >= 200_000:
            self.clear()
        c = self[v] = clean(v)
        return c


class _SentenceJson(dict):
    """parts -> sentence JSON (a few hundred distinct sentences in a whole file)."""

    def __missing__(self, parts: tuple[Part, ...]) -> str:
        if len(self) >= 200_000:
            self.clear()
        v = self[parts] = sentence_json(list(parts))
        return v


class _Sentences(dict):
    """(conviction date or None, parts) -> (sentence JSON, sentence end or None)."""

    def __missing__(self, key: tuple[str | None, tuple[Part, ...]]) -> tuple[str, str | None]:
        if len(self) >= 200_000:
            self.clear()
        conv_date, parts = key
        v = self[key] = (
            _SENTENCE_JSON[parts],
            sentence_end_iso(conv_date, parts) if conv_date else None,
        )
        return v


class _CountNo(dict):
    def __missing__(self, digits: str) -> int | None:
        try:
            n = int(digits) if len(digits) == 3 else None
        except ValueError:
            n = None
        self[digits] = n
        return n


_TEMPLATES = _Templates()
_CLEAN = _Clean()
_SENTENCE_JSON = _SentenceJson()
_SENTENCES = _Sentences()
_COUNT_NO = _CountNo()
_NO_SENTENCE = ("[]", None)
_NOT_CASE_HEAD: tuple[int | None, str | None, str | None] = (
    None,
    None,
    None,
)  # a worker's count that is not the first of its case


# The grouper's rows per table, in this column order. They leave out what is the same for every
# row of an import (import id, file name): that is written into the statement, or added when a
# worker's chunk is copied.
COLUMNS: dict[str, tuple[str, ...]] = {
    "subjects": (
        "id",
        "source_key",
        "cii",
        "name",
        "akas",
        "dob",
        "gender",
        "deceased",
        "registered_290",
        "source_line",
    ),
    "subject_events": ("subject_id", "kind", "event_date", "description", "county", "source_line"),
    "cases": (
        "id",
        "subject_id",
        "event_key",
        "case_number",
        "county",
        "court",
        "event_date",
        "cycle_date",
    ),
    "counts": (
        "id",
        "case_id",
        "subject_id",
        "source_line",
        "extra_lines",
        "cnt_order",
        "count_no",
        "conviction_date",
        "cycle_date",
        "sentence",
        "sentence_end",
        "step_type",
        "county",
        "offense_text",
        "section",
        "base_section",
        "code",
        "level",
        "disposition",
        "convicted",
        "juvenile",
        "comment",
    ),
    "rejected_rows": ("line", "column_name", "reason", "raw", "subject_key"),
    # Fields a kept row could not read (issue 13 §3): the fact is left unknown, the row kept.
    "row_warnings": ("line", "column_name", "value", "reason", "subject_key"),
}
# The counts columns that come from the count's template, in its order.
TEMPLATE_COLUMNS = COLUMNS["counts"][11:]
# A worker writes each distinct template once per chunk; its counts refer to it by id. It writes
# no cases rows either: a case is what its first count says (its number, court, first event
# date), carried on that count and made a cases row by the copy (doj_import._copy_statements). A
# dense county file holds ~0.6 cases per row, and one executemany row fewer each is a twelfth of
# a worker's time; the copy's INSERT ... SELECT makes them in C.
LOCAL_COLUMNS: dict[str, tuple[str, ...]] = {
    **{t: cols for t, cols in COLUMNS.items() if t != "cases"},
    "count_templates": ("id", *TEMPLATE_COLUMNS, "court"),
    "counts": (
        *COLUMNS["counts"][:11],
        "template",
        "case_first",  # 1 on the first count of its case, else NULL
        "case_number",
        "case_event_date",
    ),
}
# Constant columns per table: (names, values as SQL, for insert_statements).
_CONSTANT = {
    "subjects": ("import_id",),
    "counts": ("import_id", "source_file"),
    "rejected_rows": ("import_id",),
    "row_warnings": ("import_id",),
}


def sql_literal(v: int | str) -> str:
    return str(int(v)) if isinstance(v, int) else "'" + v.replace("'", "''") + "'"


def insert_statements(import_id: int, file_name: str) -> list[tuple[str, str]]:
    """(table, INSERT) into the real tables for rows of the layout in COLUMNS."""
    values = {"import_id": sql_literal(import_id), "source_file": sql_literal(file_name)}
    out = []
    for table, cols in COLUMNS.items():
        const = _CONSTANT.get(table, ())
        names = ", ".join((*const, *cols))
        marks = ", ".join((*(values[c] for c in const), *("?" * len(cols))))
        out.append((table, f"INSERT INTO {table} ({names}) VALUES ({marks})"))
    return out


FLUSH_ROWS = 20_000
# The most rows one person's record may run to without another person's row in between. Real
# records hold at most a few thousand (a county's long histories average ~90); a file with more
# is damaged or is not a DOJ extract, and it is refused after reading that many rows of the
# person, so that a hostile file costs time in proportion to this limit, not to its square.
MAX_SUBJECT_ROWS = 100_000


class NeedsMainProcess(Exception):
    """A worker met something only the main process can do (a subject seen before)."""


class RecordTooLong(Exception):
    """One person's rows run past MAX_SUBJECT_ROWS: the file is refused."""


class SubjectBuf:
    __slots__ = ("key", "line", "name", "dob", "cii", "gender", "names", "events", "counts", "rows")

    def __init__(
        self, key: str, line: int, name: str, dob: str | None, cii: str, gender: str
    ) -> None:
        self.key = key
        self.line = line
        self.name = name
        self.dob = dob
        self.cii = cii
        self.gender = gender
        self.names: set[str] = set()
        self.events: list[tuple] = []
        self.counts: dict[str, list] = {}
        self.rows = 0


Sink = Callable[[list[tuple[str, list[tuple]]]], None]  # [(table, rows)], in table order


class Grouper:
    """Builds the rows of one import. `sink` receives batches [(table, rows), ...] in order;
    `conn` is read back only to merge a non-contiguous subject (main process only)."""

    def __init__(
        self,
        sink: Sink,
        next_ids: dict[str, int],
        subject_ids: dict[str, int],
        conn: sqlite3.Connection | None,
        sync: Callable[[], None] | None = None,
        *,
        local: bool = False,
        max_subject_rows: int | None = None,
    ) -> None:
        self.sink = sink
        self.next = next_ids  # next free id per table, shared with the caller
        self.subject_ids = subject_ids  # SUBJECT_ID -> subjects.id, for this import
        self.conn = conn  # None in a worker: merging is not possible there
        self.sync = sync or (lambda: None)
        self.current: SubjectBuf | None = None
        # local: rows in the LOCAL_COLUMNS layout (a worker's chunk), else COLUMNS.
        self.local = local
        self.rows: dict[str, list[tuple]] = {t: [] for t in (LOCAL_COLUMNS if local else COLUMNS)}
        self.templates = 0
        self.pending = 0
        self.max_rows = MAX_SUBJECT_ROWS if max_subject_rows is None else max_subject_rows

    # -- rows ----------------------------------------------------------------------------------
    def reject(self, line: int, column: str | None, reason: str, raw: str) -> None:
        self.rows["rejected_rows"].append((line, column, reason, raw[:10_000], subject_key_of(raw)))
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self.flush()

    def add(self, f: list[str], lineno: int, checked: Checked) -> None:
        key, cnt_order, dob, cyc_date, event_date, disp_date, part, warnings = checked
        if warnings:
            self.rows["row_warnings"].extend(
                (lineno, col, value, reason, key) for col, value, reason in warnings
            )
        cl = _CLEAN
        name = cl[f[NAME]]
        cur = self.current
        if cur is None or cur.key != key:
            if cur is not None:
                self.close_subject(cur)
            cur = self.current = SubjectBuf(key, lineno, name, dob, cl[f[CII]], cl[f[GENDER]])
        cur.rows += 1
        if cur.rows > self.max_rows:
            raise RecordTooLong(
                f"SUBJECT_ID {key} has more than {self.max_rows:,} rows in a row (lines "
                f"{cur.line:,} to {lineno:,}); a DOJ record holds a few thousand at most, so the "
                "file is damaged or is not a DOJ research extract: ask DOJ for a new copy"
            )
        if name and name != cur.name:
            cur.names.add(name)
        req_name = cl[f[REQ_NAME]]
        if req_name and req_name != cur.name and req_name not in cur.names:
            cur.names.add(req_name)
        if cur.dob is None and dob is not None:
            cur.dob = dob

        t = _TEMPLATES[_template_fields(f)]
        if t[T_EVENT] is not None:
            cur.events.append(
                (t[T_EVENT], event_date or cyc_date, t[T_EVENT_DESC], t[T_COUNTY], lineno)
            )
            return
        c = cur.counts.get(cnt_order)
        if c is not None:
            extra = c[C_EXTRA]
            if extra:
                extra.append(lineno)
            else:
                c[C_EXTRA] = [lineno]
            if part:
                parts = c[C_SENTENCE]
                if parts:
                    parts.append(part)
                else:
                    c[C_SENTENCE] = [part]
            return
        ofn = f[OFN].strip()
        if ofn in FILLER:
            ofn = cl[f[FE_NUM_CRT_CASE]]
        cur.counts[cnt_order] = [
            lineno,
            cnt_order,
            t,
            ofn,
            (disp_date or event_date) if t[T_CONVICTED] else None,
            event_date or disp_date,
            cyc_date,
            [part] if part else (),
            (),
        ]

    def finish(self) -> None:
        """Close the last subject and hand over everything still buffered."""
        if self.current is not None:
            self.close_subject(self.current)
            self.current = None
        self.flush()

    # -- finished subjects ---------------------------------------------------------------------
    def close_subject(self, s: SubjectBuf) -> None:
        existing = self.subject_ids.get(s.key)
        if existing is not None:
            if self.conn is None:
                raise NeedsMainProcess(f"subject {s.key} appears again on line {s.line}")
            self._merge_subject(existing, s)
            return
        sid = self.next["subjects"]
        self.next["subjects"] = sid + 1
        self.subject_ids[s.key] = sid
        events = s.events
        deceased = registered = False
        if events:
            deceased = any(e[0] == "deceased" for e in events)
            registered = any(e[0] == "registration" and "290" in (e[2] or "") for e in events)
            ev_rows = self.rows["subject_events"]
            for kind, d, desc, county, line in events:
                ev_rows.append((sid, kind, d, desc, county or None, line))
        self.rows["subjects"].append(
            (
                sid,
                s.key,
                s.cii or None,
                s.name or None,
                json.dumps(sorted(s.names)) if s.names else "[]",
                s.dob,
                s.gender or None,
                int(deceased),
                int(registered),
                s.line,
            )
        )
        self._add_counts(sid, s, {})
        self.pending += len(s.counts) + 1
        if self.pending >= FLUSH_ROWS:
            self.flush()

    def _add_counts(self, sid: int, s: SubjectBuf, case_ids: dict[str, int]) -> None:
        # Offense-date proxy per cycle (first 3 digits of CNT_ORDER): the earliest CYC_DATE,
        # else the cycle's earliest step date. Counts grouped by case (first 6 digits).
        # This runs once per count of the file (~0.9 per row): one dict lookup where two would
        # do, and what is the same for every count of a case (its cycle date) worked out once.
        cyc_dates: dict[str, str] = {}
        step_dates: dict[str, str] = {}
        by_case: dict[str, list[list]] = {}
        for c in s.counts.values():
            cnt = c[C_CNT]
            cyc = cnt[:3]
            d = c[C_CYC_DATE]
            if d is not None:
                known = cyc_dates.get(cyc)  # never None once set
                if known is None or d < known:
                    cyc_dates[cyc] = d
            d = c[C_EVENT_DATE]
            if d is not None:
                known = step_dates.get(cyc)
                if known is None or d < known:
                    step_dates[cyc] = d
            group = by_case.get(cnt[:6])
            if group is None:
                by_case[cnt[:6]] = [c]
            else:
                group.append(c)
        cycles = {**step_dates, **cyc_dates}
        case_rows = self.rows.get("cases", [])  # a worker's chunk has none (LOCAL_COLUMNS)
        count_rows = self.rows["counts"]
        append_count = count_rows.append
        nxt = self.next
        count_id = nxt["counts"]
        sentences = _SENTENCES
        count_nos = _COUNT_NO
        local = self.local
        for event_key, counts in by_case.items():
            # Every count of a case has its cycle (the case key's first 3 digits).
            cycle_date = cycles.get(event_key[:3])
            case_id = case_ids.get(event_key)
            case_head = _NOT_CASE_HEAD
            if case_id is None:
                case_id = nxt["cases"]
                nxt["cases"] = case_id + 1
                first = counts[0]
                ft = first[C_TPL]
                if len(counts) == 1:  # most events: the one count's OFN
                    ofn = first[C_OFN]
                else:
                    ofn = next(
                        (
                            c[C_OFN]
                            for c in counts
                            if c[C_OFN] and c[C_TPL][T_STEP] == "COURT ACTION"
                        ),
                        "",
                    ) or next((c[C_OFN] for c in counts if c[C_OFN]), "")
                if local:
                    case_head = (1, ofn or None, first[C_EVENT_DATE])
                else:
                    case_rows.append(
                        (
                            case_id,
                            sid,
                            event_key,
                            ofn or None,
                            ft[T_COUNTY] or None,
                            ft[T_COURT] or None,
                            first[C_EVENT_DATE],
                            cycle_date,
                        )
                    )
            for c in counts:
                cnt_order = c[C_CNT]
                t = c[C_TPL]
                parts = c[C_SENTENCE]
                conv_date = c[C_CONV_DATE]  # None unless the count is a conviction (add)
                sentence, end = sentences[conv_date, tuple(parts)] if parts else _NO_SENTENCE
                extra = c[C_EXTRA]
                if local:
                    slot = t[T_SLOT]
                    if slot[0] is not self:
                        self.templates += 1
                        slot[0], slot[1] = self, self.templates
                        self.rows["count_templates"].append(
                            (self.templates, *t[T_ROW], t[T_COURT] or None)
                        )
                    append_count(
                        (
                            count_id,
                            case_id,
                            sid,
                            c[C_LINE],
                            ",".join(map(str, extra)) if extra else None,
                            cnt_order,
                            count_nos[cnt_order[6:9]],
                            conv_date,
                            cycle_date,
                            sentence,
                            end,
                            slot[1],
                            *case_head,
                        )
                    )
                    case_head = _NOT_CASE_HEAD
                else:
                    append_count(
                        (
                            count_id,
                            case_id,
                            sid,
                            c[C_LINE],
                            ",".join(map(str, extra)) if extra else None,
                            cnt_order,
                            count_nos[cnt_order[6:9]],
                            conv_date,
                            cycle_date,
                            sentence,
                            end,
                        )
                        + t[T_ROW]
                    )
                count_id += 1
        nxt["counts"] = count_id

    def _merge_subject(self, sid: int, s: SubjectBuf) -> None:
        """A subject whose rows are not contiguous: merge into what was already written."""
        assert self.conn is not None
        conn = self.conn
        self.flush()
        self.sync()
        # Only the cases this piece names (UNIQUE (subject_id, event_key)): re-reading all of the
        # subject's cases for each piece would cost the square of the pieces.
        case_ids: dict[str, int] = {}
        for event_key in {c[C_CNT][:6] for c in s.counts.values()}:
            row = conn.execute(
                "SELECT id FROM cases WHERE subject_id = ? AND event_key = ?", (sid, event_key)
            ).fetchone()
            if row is not None:
                case_ids[event_key] = row[0]
        ev_rows = self.rows["subject_events"]
        for kind, d, desc, county, line in s.events:
            ev_rows.append((sid, kind, d, desc, county or None, line))
            if kind == "deceased":
                conn.execute("UPDATE subjects SET deceased = 1 WHERE id = ?", (sid,))
            elif "290" in (desc or ""):
                conn.execute("UPDATE subjects SET registered_290 = 1 WHERE id = ?", (sid,))
        fresh = SubjectBuf(s.key, s.line, s.name, s.dob, s.cii, s.gender)
        for cnt_order, c in s.counts.items():
            row = conn.execute(
                "SELECT id, sentence, extra_lines, conviction_date FROM counts"
                " WHERE subject_id = ? AND cnt_order = ?",
                (sid, cnt_order),
            ).fetchone()
            if row is None:
                fresh.counts[cnt_order] = c
                continue
            parts = json.loads(row[1]) + [part_dict(p) for p in c[C_SENTENCE]]
            lines = ",".join(filter(None, [row[2], str(c[C_LINE]), *map(str, c[C_EXTRA])]))
            conv = date.fromisoformat(row[3]) if row[3] and len(row[3]) == 10 else None
            end = sentence_end(conv, parts) if conv else None
            conn.execute(
                "UPDATE counts SET sentence = ?, extra_lines = ?, sentence_end = ? WHERE id = ?",
                (json.dumps(parts), lines, end.isoformat() if end else None, row[0]),
            )
        self._add_counts(sid, fresh, case_ids)
        self.flush()
        self.sync()

    def flush(self) -> None:
        batch: list[tuple[str, list[tuple]]] = []
        rows = self.rows
        for table in rows:
            if rows[table]:
                batch.append((table, rows[table]))
                rows[table] = []
        self.pending = 0
        if batch:
            self.sink(batch)


def part_tuples(parts: list[dict]) -> list[Part]:
    return [(p.get("kind"), p.get("length"), p.get("unit")) for p in parts]
