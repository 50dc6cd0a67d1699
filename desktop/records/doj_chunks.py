"""Reading one byte range of a DOJ file: lines, CSV rows, and where the range really starts and ends.

A large file is cut into chunks at line starts. A chunk's rows are read exactly as a reading of the
whole file would read them, provided the reading of the chunk starts where the reading of the file
is at a row boundary with the previous subject finished. So a chunk does not stop at its nominal
end: it reads on (the "extension") until the next row that would be kept belongs to another
subject, and stops before that row. The next chunk, read in parallel by another worker, skips the
same stretch: it looks back for the last kept row before its start and skips rows until one with
another SUBJECT_ID, but never past its own nominal end: a chunk that lies wholly inside one long
record gives up there (the chunk that reads the record's start reads it all, and the main process
skips the chunks it covered), so the work spent skipping is at most the file's size, whatever the
length of a record. The main process accepts a worker's chunk only when the chunk starts exactly
where the previous one stopped; otherwise it reads that stretch itself (the result is then the
same as a reading of the whole file, whatever tricks the file plays with quotes).

Physical line numbers are counted by the caller up to each chunk's start and passed in."""

from __future__ import annotations

import csv
import gc
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path

from desktop.records.doj_group import (
    LOCAL_COLUMNS,
    MAX_SUBJECT_ROWS,
    Grouper,
    NeedsMainProcess,
    RecordTooLong,
)
from desktop.records.doj_layout import COLUMNS, N_COLUMNS
from desktop.records.doj_rows import check_row, looks_like_header, row_key
from desktop.records.source import MAX_LINE_CHARS, Reject, decode

BLOCK = 4 << 20  # bytes read at a time inside a range
LOOK_BACK = 256 << 10  # bytes a worker reads before its chunk to find the previous subject
_DONE = 1 << 62  # "no line number yet"


class NotDojFile(Exception):
    """The file as a whole is not a DOJ research file."""


LineReject = tuple[int, str | None, str, str]


@dataclass
class RangeResult:
    start: int  # byte offset where reading began (after any skip)
    start_line: int
    end: int  # byte offset of the row boundary where reading stopped
    end_line: int
    rows_read: int = 0  # rows read as CSV rows (line rejects are added by the caller)
    rows_kept: int = 0
    has_header: bool = False
    line_rejects: list[LineReject] = field(default_factory=list)
    # Worker results only:
    keys: list[str] = field(default_factory=list)  # SUBJECT_IDs in order of their local ids
    ids_used: dict[str, int] = field(default_factory=dict)
    data: bytes | None = None  # the chunk's rows as a serialized SQLite db
    handover: str | None = None  # why the main process must read it instead
    error: str | None = None  # the file is not a DOJ file (NotDojFile)
    too_long: str | None = None  # a record past the limit (RecordTooLong)


def read_block(fh, pos: int, want: int) -> bytes:
    """Bytes from pos: about `want`, ending just after a newline (or at the end of the file)."""
    fh.seek(pos)
    data = fh.read(want)
    if not data or data.endswith(b"\n"):
        return data
    cut = data.rfind(b"\n")
    if cut >= 0:
        return data[: cut + 1]
    parts = [data]
    while True:  # one line longer than the block: read to its end
        more = fh.read(want)
        if not more:
            return b"".join(parts)
        nl = more.find(b"\n")
        if nl >= 0:
            parts.append(more[: nl + 1])
            return b"".join(parts)
        parts.append(more)


def split_lines(data: bytes, first_no: int) -> tuple[list[bytes] | None, list[str], int]:
    """Raw and decoded physical lines of a block (decoded as LineSource does: UTF-8, else
    Windows-1252 per line; BOM dropped on line 1; trailing CR/LF dropped), and the length of a line
    end. Raw lines are only needed to find byte offsets: for a plain ASCII block whose lines all
    end in LF, or all in CR LF (DOJ files written on Windows), they are the decoded lines (None)
    and each raw line is its text plus the line end."""
    if data.isascii():
        texts = data.decode("ascii").split("\n")
        last = texts.pop()  # "" after a final LF, else a line the end of the file cut off
        # `in` is a memchr; counting every byte of a 4 MB block costs as much as the quote
        # count of all its lines (_plain), so count CRs only when there is one (CR LF files).
        n_cr = data.count(b"\r") if b"\r" in data else 0
        if not n_cr:
            if last:
                texts.append(last)
            return None, texts, 1
        if n_cr == len(texts):
            # As many CRs as LFs: CR LF line ends when every ended line ends in CR (then the
            # last, unended piece has none). Single-byte searches: b"\r\n" would be 2x slower.
            crlf = [t[:-1] for t in texts if t[-1:] == "\r"]
            if len(crlf) == len(texts):
                if last:
                    crlf.append(last)
                return None, crlf, 2
    raws = data.split(b"\n")
    if raws and raws[-1] == b"":
        raws.pop()
    try:
        texts = data.decode("utf-8").split("\n")
        if len(texts) > len(raws):
            texts.pop()
    except UnicodeDecodeError:
        texts = [decode(r) for r in raws]
    if first_no == 1 and texts:
        texts[0] = texts[0].lstrip("\ufeff")
    if b"\r" in data:
        texts = [t.rstrip("\r") for t in texts]
    return raws, texts, 1


def _plain(texts: list[str]) -> bool:
    """No line to filter out: none blank, none over-long, none with an odd number of quotes
    (checked a block at a time; NUL and CR are checked on the raw block)."""
    if not texts or "" in texts or any(map(str.isspace, texts)):
        return False
    if max(map(len, texts)) > MAX_LINE_CHARS:
        return False
    return not any(n & 1 for n in set(map(str.count, texts, repeat('"'))))


class RangeReader:
    """Reads [start, nominal_end) of a file plus the extension, into a Grouper."""

    def __init__(
        self,
        path: str | Path,
        start: int,
        start_line: int,
        nominal_end: int,
        first_line: int,
        grouper: Grouper,
        *,
        skip_key: str | None = None,
        tick: Callable[[int], None] | None = None,
    ) -> None:
        self.path = path
        self.start, self.start_line = start, start_line
        self.nominal_end = nominal_end
        self.first_line = first_line
        self.g = grouper
        self.skip_key = skip_key
        self.tick = tick
        self.ext_line = start_line if start >= nominal_end else _DONE
        self.nos: list[int] = []  # line numbers of the lines fed to csv, from self.base
        self.texts: list[str] = []
        self.base = 0  # csv line index of nos[0]
        self.consumed = 0  # csv line index where the current row starts
        # The block read last: its offset, first line number, raw (or plain) lines, line end.
        self.last_block: tuple[int, int, list[bytes] | list[str], int] = (start, start_line, [], 1)
        self.line_rejects: list[LineReject] = []
        self.pos = start  # end of what has been read so far
        self.next_line = start_line
        self.on_data: Callable[[bytes], None] | None = None  # sees every block read, in order

    # -- lines ---------------------------------------------------------------------------------
    def _blocks(self, fh) -> Iterator[list[str]]:
        pos, no = self.start, self.start_line
        while True:
            if pos < self.nominal_end:
                data = read_block(fh, pos, min(BLOCK, self.nominal_end - pos))
            else:
                if self.ext_line == _DONE:
                    self.ext_line = no
                data = read_block(fh, pos, 1 << 20)
            if not data:
                return
            if self.on_data is not None:
                self.on_data(data)
            raws, texts, eol = split_lines(data, no)
            n_lines = len(texts)
            self.last_block = (pos, no, raws if raws is not None else texts, eol)
            has_nul = b"\x00" in data
            has_cr = raws is not None and b"\r" in data  # a CR left inside a line
            good: list[str] = []
            kept_nos: list[int] = []  # line numbers of the lines kept one by one
            good_nos: Sequence[int] = kept_nos
            rejects = self.line_rejects
            if not has_nul and not has_cr and _plain(texts):
                good, good_nos, texts = texts, range(no, no + len(texts)), []
            for i, t in enumerate(texts):
                if not t or t.isspace():
                    continue
                if has_nul and "\x00" in t:
                    rejects.append(
                        (
                            no + i,
                            None,
                            "the line contains NUL bytes (binary data)",
                            t.replace("\x00", "\\0"),
                        )
                    )
                elif len(t) > MAX_LINE_CHARS:
                    rejects.append(
                        (
                            no + i,
                            None,
                            f"the line is {len(t):,} characters long; a "
                            "record line is at most a few thousand",
                            t[:2000],
                        )
                    )
                elif t.count('"') & 1:
                    rejects.append((no + i, None, "a quoted field is not closed on this line", t))
                elif has_cr and "\r" in t:
                    rejects.append((no + i, None, "the line contains a stray carriage return", t))
                else:
                    good.append(t)
                    kept_nos.append(no + i)
            # Lines before the row being parsed are no longer needed.
            cut = self.consumed - self.base
            if cut > 0:
                del self.nos[:cut]
                del self.texts[:cut]
                self.base += cut
            self.nos += good_nos
            self.texts += good
            pos += len(data)
            no += n_lines
            self.pos, self.next_line = pos, no
            if pos >= self.nominal_end and self.ext_line == _DONE:
                self.ext_line = no
            yield good

    def _offset(self, lineno: int) -> int:
        pos, first_no, raws, eol = self.last_block
        return pos + sum(len(r) + eol for r in raws[: lineno - first_no])

    # -- rows ----------------------------------------------------------------------------------
    def run(self) -> RangeResult:
        res = RangeResult(self.start, self.start_line, self.start, self.start_line)
        skipping = self.skip_key is not None
        g = self.g
        add, reject = g.add, g.reject
        nos, texts = self.nos, self.texts  # mutated in place by _blocks
        first_line, tick = self.first_line, self.tick
        rows_read = rows_kept = 0
        with open(self.path, "rb") as fh:
            reader = csv.reader(chain.from_iterable(self._blocks(fh)))
            prev = 0
            stopped = False
            while not stopped:
                try:
                    for fields in reader:
                        ln = reader.line_num
                        i = prev - self.base
                        lineno = nos[i]
                        if ln - prev != 1:
                            if not skipping:
                                for j in range(i, i + ln - prev):
                                    rows_read += 1
                                    reject(
                                        nos[j],
                                        None,
                                        f"inside a quoted field left open on line {lineno}",
                                        texts[j],
                                    )
                            prev = self.consumed = ln
                            continue
                        prev = self.consumed = ln
                        if skipping or lineno >= self.ext_line:
                            key = self._kept_key(fields, lineno)
                            if skipping:
                                if lineno >= self.ext_line:
                                    # The whole chunk is the previous record's: leave it to
                                    # the reading of that record (see the module's docstring).
                                    res.end, res.end_line = self._offset(lineno), lineno
                                    stopped = True
                                    break
                                if key is None or key == self.skip_key:
                                    continue
                                skipping = False
                                res.start, res.start_line = self._offset(lineno), lineno
                            if (
                                lineno >= self.ext_line
                                and key is not None
                                and (g.current is None or key != g.current.key)
                            ):
                                res.end, res.end_line = self._offset(lineno), lineno
                                stopped = True
                                break
                        if lineno == first_line and looks_like_header(fields):
                            rows_read += self._header(fields, lineno, texts[i], res)
                            continue
                        rows_read += 1
                        if len(fields) != N_COLUMNS:
                            reject(
                                lineno,
                                None,
                                f"has {len(fields)} fields; a DOJ row has {N_COLUMNS}",
                                texts[i],
                            )
                        else:
                            try:
                                checked = check_row(fields)
                            except Reject as r:
                                reject(lineno, r.column, r.reason, texts[i])
                            else:
                                add(fields, lineno, checked)
                                rows_kept += 1
                        if tick is not None and rows_read % 10_000 == 0:
                            tick(self.pos)
                    else:
                        res.end, res.end_line = self.pos, self.next_line
                        stopped = True
                except csv.Error as exc:
                    ln = reader.line_num
                    i = prev - self.base
                    if not skipping:
                        for j in range(i, i + ln - prev):
                            rows_read += 1
                            reject(
                                nos[j], None, f"the line cannot be read as CSV ({exc})", texts[j]
                            )
                    prev = self.consumed = ln
        if skipping:  # nothing but the previous subject's rows up to the end of the file
            res.start, res.start_line = res.end, res.end_line
        g.finish()
        res.rows_read, res.rows_kept = rows_read, rows_kept
        res.line_rejects = [r for r in self.line_rejects if res.start_line <= r[0] < res.end_line]
        return res

    def _kept_key(self, fields: list[str], lineno: int) -> str | None:
        """The SUBJECT_ID if this row would be kept (not a header, not rejected), else None."""
        if len(fields) != N_COLUMNS:
            return None
        if lineno == self.first_line and looks_like_header(fields):
            return None
        return row_key(fields)

    def _header(self, fields: list[str], lineno: int, text: str, res: RangeResult) -> int:
        """The header on the first line: rows read (1 when it is reported as a reject)."""
        res.has_header = True
        names = [c.strip().lstrip("\ufeff").upper() for c in fields]
        if len(names) != N_COLUMNS and names[:N_COLUMNS] == list(COLUMNS[: len(names)]):
            # A header with a stray trailing comma (or one short): report it, read the data rows
            # by position as usual.
            self.g.reject(
                lineno,
                None,
                f"header line has {len(names)} fields; a DOJ header has "
                f"{N_COLUMNS} (data rows are read by position)",
                text,
            )
            return 1
        if names != list(COLUMNS):
            raise NotDojFile(
                "its header line does not match the 95-column DOJ layout (RECORD_ID … END_OF_REC)"
            )
        return 0


def previous_subject(path: str | Path, start: int, start_line: int, first_line: int) -> str | None:
    """The SUBJECT_ID of the last row before `start` that would be kept, read line by line
    backwards (None when none is found within LOOK_BACK bytes)."""
    lo = max(0, start - LOOK_BACK)
    with open(path, "rb") as fh:
        fh.seek(lo)
        data = fh.read(start - lo)
    raws = data.split(b"\n")
    if raws and raws[-1] == b"":
        raws.pop()
    if lo > 0 and raws:
        raws.pop(0)  # may be the tail of a line that began before lo
    for back, raw in enumerate(reversed(raws)):
        lineno = start_line - 1 - back
        text = decode(raw)
        if lineno == 1:
            text = text.lstrip("\ufeff")
        text = text.rstrip("\r")
        if (
            not text.strip()
            or "\x00" in text
            or len(text) > MAX_LINE_CHARS
            or text.count('"') % 2
            or "\r" in text
        ):
            continue
        try:
            fields = next(csv.reader([text]))
        except (csv.Error, StopIteration):
            continue
        if len(fields) != N_COLUMNS or (lineno == first_line and looks_like_header(fields)):
            continue
        key = row_key(fields)
        if key is not None:
            return key
    return None


@dataclass(frozen=True)
class ChunkJob:
    path: str
    index: int
    start: int
    start_line: int
    end: int
    first_line: int
    max_subject_rows: int = MAX_SUBJECT_ROWS  # the main process's limit (doj_group)


def _local_tables(conn: sqlite3.Connection) -> dict[str, str]:
    """A worker's tables (the grouper's row layouts, no constraints); INSERT per table."""
    out = {}
    for table, cols in LOCAL_COLUMNS.items():
        defs = ", ".join("id INTEGER PRIMARY KEY" if c == "id" else c for c in cols)
        conn.execute(f"CREATE TABLE {table} ({defs})")
        out[table] = f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})"
    return out


def _null(value: None) -> None:
    return None


def _bind_none_cheaply() -> None:
    """Python 3.11's sqlite3 looks for an adapter for every None it binds (None is not one of the
    types it binds directly) and, finding none, builds and drops an AttributeError: about 0.3 µs
    per None, and a worker binds several per row (no extra lines, no sentence end, no
    conviction date...): a sixth of its SQLite work (valgrind instruction counts). With an
    adapter registered for None the lookup finds it, and None is still bound as NULL.
    Registered in the worker process only (its own sqlite3 module state); the same rows are
    stored."""
    sqlite3.register_adapter(type(None), _null)


def check_local_references(
    conn: sqlite3.Connection, ids_used: dict[str, int], templates: int
) -> None:
    """Every reference in a worker's chunk points at a row of the chunk. The main process copies
    the chunk with foreign keys off, shifting each table's ids by the same amount, so a chunk
    whose ids are 1..n per table and whose references stay within those ranges lands with every
    reference whole. A range scan of the in-memory chunk (milliseconds) instead of SQLite's
    three look-ups per count in the main process; a failure is a bug, never a property of the
    file, and stops the import before anything is written."""
    s, c, n = ids_used["subjects"], ids_used["cases"], ids_used["counts"]
    dense = "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM {}"
    outside = "SELECT COUNT(*) FROM {} WHERE {}"
    checks: list[tuple[str, str, tuple[int, ...], tuple[int, ...]]] = [
        ("subjects are 1..n", dense.format("subjects"), (), (s, s)),
        (
            "cases are 1..n (each carried by its first count)",
            "SELECT COUNT(*), COALESCE(MAX(case_id), 0) FROM counts WHERE case_first IS NOT NULL",
            (),
            (c, c),
        ),
        ("counts are 1..n", dense.format("counts"), (), (n, n)),
        (
            "an event's subject is in the chunk",
            outside.format("subject_events", "subject_id NOT BETWEEN 1 AND ?"),
            (s,),
            (0,),
        ),
        (
            "a count's case, subject and template are in the chunk",
            outside.format(
                "counts",
                "case_id NOT BETWEEN 1 AND ? OR subject_id NOT BETWEEN 1 AND ?"
                " OR template NOT BETWEEN 1 AND ?",
            ),
            (c, s, templates),
            (0,),
        ),
    ]
    for what, sql, params, want in checks:
        got = tuple(conn.execute(sql, params).fetchone())
        if got != want:
            raise RuntimeError(f"import chunk check failed: {what} ({got} != {want})")


def read_chunk(job: ChunkJob) -> RangeResult:
    """Worker process entry: read one chunk into a private in-memory database and return it
    serialized, with local ids starting at 1 (the main process shifts them when copying)."""
    _bind_none_cheaply()
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inserts = _local_tables(conn)
    conn.execute("BEGIN")

    def sink(batch: list[tuple[str, list[tuple]]]) -> None:
        for table, rows in batch:
            conn.executemany(inserts[table], rows)

    next_ids = {"subjects": 1, "cases": 1, "counts": 1}
    subject_ids: dict[str, int] = {}
    grouper = Grouper(
        sink, next_ids, subject_ids, None, local=True, max_subject_rows=job.max_subject_rows
    )
    skip_key = None
    if job.index > 0:
        skip_key = previous_subject(job.path, job.start, job.start_line, job.first_line)
    reader = RangeReader(
        job.path, job.start, job.start_line, job.end, job.first_line, grouper, skip_key=skip_key
    )
    # The rows read here form no reference cycles; the collector would only rescan them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        res = reader.run()
    except NeedsMainProcess as exc:
        return RangeResult(job.start, job.start_line, job.start, job.start_line, handover=str(exc))
    except NotDojFile as exc:
        return RangeResult(job.start, job.start_line, job.start, job.start_line, error=str(exc))
    except RecordTooLong as exc:
        return RangeResult(job.start, job.start_line, job.start, job.start_line, too_long=str(exc))
    finally:
        if collecting:
            gc.enable()
    conn.execute("COMMIT")
    res.keys = list(subject_ids)
    res.ids_used = {t: n - 1 for t, n in next_ids.items()}
    check_local_references(conn, res.ids_used, grouper.templates)
    res.data = conn.serialize()
    conn.close()
    return res
