"""The DOJ bulk research-file importer (95 columns, header optional).

Streams the file (never holds it whole) and groups rows into subjects (SUBJECT_ID), cases (court
events: the first six digits of CNT_ORDER) and counts (CNT_ORDER). Every data row is either kept
(it went into a subject, case, count or event) or written to rejected_rows with its physical line
number, column and a plain reason.

A small file is read by this process. A large one is cut into chunks that worker processes read in
parallel (doj_chunks.py), each into a private in-memory database; this process copies each chunk
into the import's transaction in file order (INSERT ... SELECT, ids shifted), and reads a chunk
itself whenever a worker's reading could differ from a reading of the whole file. Either way the
database ends up with the same rows, ids included, as one reading of the file from start to end."""

from __future__ import annotations

import csv
import os
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from desktop.processes import pool_initargs, worker_context, worker_init
from desktop.progress import ProgressFn
from desktop.records import doj_group
from desktop.records.doj_chunks import ChunkJob, NotDojFile, RangeReader, RangeResult, read_chunk
from desktop.records.doj_group import (
    COLUMNS,
    TEMPLATE_COLUMNS,
    Grouper,
    RecordTooLong,
    insert_statements,
)
from desktop.records.doj_layout import N_COLUMNS
from desktop.records.doj_rows import clean, looks_like_header, sentence_end, subject_key_of
from desktop.records.source import LineSource, decode

__all__ = [
    "BatchWriter",
    "DojImporter",
    "NotDojFile",
    "RecordTooLong",
    "clean",
    "looks_like_header",
    "sentence_end",
    "sniff_doj",
]

PARALLEL_MIN_BYTES = 24 << 20  # below this, starting workers costs more than it saves
CHUNK_BYTES = 16 << 20
TAIL_CHUNK_BYTES = 2 << 20  # the smallest of the shrinking chunks at the end of a file
WORKERS = 2
MAX_IN_FLIGHT = 4  # chunks handed out ahead of the copy (bounds memory)
START_METHOD: str | None = None  # None: fork on Linux without Qt, forkserver with Qt, else spawn
_ATTACHED = "reliefdesk_chunk"


class BatchWriter:
    """Runs executemany on a second thread so SQLite's B-tree work (done without the GIL)
    overlaps with parsing the next rows on the main thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.q: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        while True:
            job = self.q.get()
            if job is None:
                self.q.task_done()
                return
            if self.error is None:
                try:
                    for sql, rows in job:
                        self.conn.executemany(sql, rows)
                except BaseException as exc:  # re-raised on the main thread
                    self.error = exc
            self.q.task_done()

    def put(self, job: list[tuple[str, list[tuple]]]) -> None:
        if self.error is not None:
            raise self.error
        self.q.put(job)

    def drain(self) -> None:
        self.q.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.q.put(None)
        self.thread.join()


def first_data_line(path: Path) -> int:
    """The first non-blank physical line (where a header may be), as LineSource counts it."""
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            text = decode(raw)
            if n == 1:
                text = text.lstrip("\ufeff")
            if text.rstrip("\r\n").strip():
                return n
    return 0


def plan_chunks(
    path: Path, chunk_bytes: int, sha, stop: threading.Event, size: int = 0
) -> Iterator[tuple[int, int, int]]:
    """(start, end, first line number) of chunks of about chunk_bytes cut at line starts, while
    hashing the whole file into `sha` (hashlib releases the GIL on large buffers). Given the
    file's size, the last chunks shrink (to an eighth of what is left, at least TAIL_CHUNK_BYTES)
    so that both workers finish at about the same time and the last copy is short."""
    start, start_line = 0, 1
    pos, lines = 0, 0
    with open(path, "rb") as fh:
        while not stop.is_set():
            block = fh.read(4 << 20)
            if not block:
                break
            sha.update(block)
            counted = 0  # block index up to which newlines are counted into `lines`
            while True:
                want = chunk_bytes
                if size:
                    want = min(want, max(TAIL_CHUNK_BYTES, (size - start) // 8))
                nl = block.find(b"\n", max(start + want - pos - 1, counted))
                if nl < 0:
                    break
                lines += block.count(b"\n", counted, nl + 1)
                counted = nl + 1
                yield start, pos + nl + 1, start_line
                start, start_line = pos + nl + 1, lines + 1
            lines += block.count(b"\n", counted)
            pos += len(block)
    if not stop.is_set() and pos > start:
        yield start, pos, start_line


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
        self.path = source.path
        self.import_id = import_id
        self.file_name = file_name
        self.progress = progress
        self.rows_read = 0
        self.rows_kept = 0
        self.last_line = 0  # the file's last physical line, once read
        self.has_header = False
        self.subject_ids: dict[str, int] = {}
        self.next_ids = {
            t: (conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] + 1)
            for t in ("subjects", "cases", "counts")
        }
        self.line_rejects: list[tuple[int, str | None, str, str]] = []
        self.statements = dict(insert_statements(import_id, file_name))
        self.copy_statements = _copy_statements()
        self.chunks_in_workers = 0
        self.chunks_in_main = 0
        # Seconds this process spent waiting for workers, copying their chunks, and reading
        # chunks itself (the benchmark prints them).
        self.timings = {"wait": 0.0, "copy": 0.0, "read_here": 0.0}
        self.writer: BatchWriter | None = None

    # -- common --------------------------------------------------------------------------------
    def _grouper(self, writer: BatchWriter) -> Grouper:
        statements = self.statements

        def sink(batch: list[tuple[str, list[tuple]]]) -> None:
            writer.put([(statements[table], rows) for table, rows in batch])

        return Grouper(sink, self.next_ids, self.subject_ids, self.conn, sync=writer.drain)

    def _tick(self, pos: int) -> None:
        if self.progress:
            self.progress(pos, self.src.size, "Importing")

    def _add(self, res: RangeResult) -> None:
        self.last_line = res.end_line - 1  # the results come in file order
        self.rows_read += res.rows_read
        self.rows_kept += res.rows_kept
        self.has_header = self.has_header or res.has_header
        self.line_rejects += res.line_rejects

    def _finish(self, writer: BatchWriter) -> None:
        # Lines that never reached the CSV reader are reported after the rows, in line order.
        rows = [
            (n, col, reason, raw[:10_000], subject_key_of(raw))
            for n, col, reason, raw in self.line_rejects
        ]
        self.rows_read += len(rows)
        if rows:
            writer.put([(self.statements["rejected_rows"], rows)])
        writer.drain()
        self._note_cut_short()
        self.src.bytes_read = self.src.size
        self._tick(self.src.size)

    def _note_cut_short(self) -> None:
        """A file whose last line has no line end may have been cut short (an interrupted copy
        or transfer): say so on that line's rejection, where the clerk will look."""
        if self.src.size == 0 or self.last_line < 1:
            return
        with open(self.path, "rb") as fh:
            fh.seek(self.src.size - 1)
            if fh.read(1) == b"\n":
                return
        self.conn.execute(
            "UPDATE rejected_rows SET reason = reason || ? WHERE import_id = ? AND line = ?",
            (
                "; it is the file's last line and has no line end: the file may have been cut "
                "short (copy it again from the original)",
                self.import_id,
                self.last_line,
            ),
        )

    def run(self) -> None:
        size = self.src.size
        first_line = first_data_line(self.path)
        workers = min(WORKERS, os.cpu_count() or 1)
        if size < PARALLEL_MIN_BYTES or workers < 2:
            self._run_here(first_line)
        else:
            self._run_parallel(first_line, workers)

    # -- one process ---------------------------------------------------------------------------
    def _run_here(self, first_line: int) -> None:
        writer = self.writer = BatchWriter(self.conn)
        try:
            reader = RangeReader(
                self.path,
                0,
                1,
                self.src.size,
                first_line,
                self._grouper(writer),
                tick=self._tick if self.progress else None,
            )
            reader.on_data = self.src.sha.update
            self._add(reader.run())
            self.chunks_in_main += 1
            self._finish(writer)
        finally:
            writer.close()
            self.writer = None

    # -- worker processes ----------------------------------------------------------------------
    def _run_parallel(self, first_line: int, workers: int) -> None:
        # The pool starts (forks) before this process runs any other thread.
        # Each reader dies with this process however it ends (desktop/processes.py).
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=worker_context("desktop.records.doj_chunks", START_METHOD),
            initializer=worker_init,
            initargs=pool_initargs(),
        )
        stop = threading.Event()
        planned: queue.Queue = queue.Queue()
        planner = threading.Thread(
            target=self._plan, args=(planned, stop), daemon=True, name="import-planner"
        )
        writer: BatchWriter | None = None
        try:
            pool.submit(int).result()
            planner.start()
            writer = self.writer = BatchWriter(self.conn)
            self._attach()
            self._copy_chunks(pool, planned, writer, first_line)
            planner.join()
            if isinstance(self.planner_error, BaseException):
                raise self.planner_error
            self._finish(writer)
        finally:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            if writer is not None:
                writer.close()
                self.writer = None
            self._detach()

    planner_error: BaseException | None = None

    def _plan(self, planned: queue.Queue, stop: threading.Event) -> None:
        try:
            for chunk in plan_chunks(self.path, CHUNK_BYTES, self.src.sha, stop, self.src.size):
                planned.put(chunk)
        except BaseException as exc:  # re-raised by the main thread
            self.planner_error = exc
        finally:
            planned.put(None)

    def _copy_chunks(
        self, pool: ProcessPoolExecutor, planned: queue.Queue, writer: BatchWriter, first_line: int
    ) -> None:
        # A chunk and its worker's future, or None when it will be read here (after handovers).
        in_flight: deque[tuple[ChunkJob, Future | None]] = deque()
        planning = True
        index = 0
        pos, pos_line = 0, 1
        handovers = 0
        while True:
            while planning and len(in_flight) < MAX_IN_FLIGHT:
                try:
                    chunk = planned.get(timeout=None if not in_flight else 0)
                except queue.Empty:
                    break
                if chunk is None:
                    planning = False
                    break
                job = ChunkJob(
                    str(self.path),
                    index,
                    chunk[0],
                    chunk[2],
                    chunk[1],
                    first_line,
                    doj_group.MAX_SUBJECT_ROWS,
                )
                index += 1
                in_flight.append((job, pool.submit(read_chunk, job) if handovers < 3 else None))
            if not in_flight:
                return
            job, fut = in_flight.popleft()
            if pos >= job.end and pos > job.start:
                # Read already, by the reading of a record that runs on past this chunk's end
                # (the worker gave up on it at its nominal end): nothing of it is left to read.
                if fut is not None:
                    fut.cancel()
                continue
            t0 = time.perf_counter()
            res = self._wait(fut, pos) if fut is not None else None
            t1 = time.perf_counter()
            self.timings["wait"] += t1 - t0
            if res is not None and res.error is not None:
                raise NotDojFile(res.error)
            if res is not None and res.too_long is not None:
                raise RecordTooLong(res.too_long)
            if (
                res is not None
                and res.handover is None
                and res.start == pos
                and self.subject_ids.keys().isdisjoint(res.keys)
            ):
                writer.drain()
                self._copy(res)
                self.chunks_in_workers += 1
                self.timings["copy"] += time.perf_counter() - t1
            else:
                # A subject seen before, or a chunk start that does not fall where the previous
                # chunk stopped: read this stretch here, from where the previous one stopped.
                handovers += 1
                res = RangeReader(
                    self.path, pos, pos_line, job.end, first_line, self._grouper(writer)
                ).run()
                self.chunks_in_main += 1
                self.timings["read_here"] += time.perf_counter() - t1
            self._add(res)
            pos, pos_line = res.end, res.end_line
            self.src.bytes_read = pos
            self._tick(pos)

    def _wait(self, fut: Future, pos: int) -> RangeResult:
        while True:
            try:
                return fut.result(timeout=0.2)
            except FutureTimeout:
                self._tick(pos)  # lets a progress callback cancel while workers read

    def _attach(self) -> None:
        names = {r[1] for r in self.conn.execute("PRAGMA database_list")}
        if _ATTACHED not in names:
            self.conn.execute(f"ATTACH ':memory:' AS {_ATTACHED}")

    def _detach(self) -> None:
        """Free the last chunk's memory (DETACH is refused inside the import's transaction)."""
        try:
            empty = sqlite3.connect(":memory:")
            self.conn.deserialize(empty.serialize(), name=_ATTACHED)
            empty.close()
            self.conn.execute(f"DETACH {_ATTACHED}")
        except sqlite3.Error:
            pass

    def _copy(self, res: RangeResult) -> None:
        """Copy a worker's chunk into the import, shifting its local ids past the ids in use."""
        assert res.data is not None
        conn = self.conn
        conn.deserialize(res.data, name=_ATTACHED)
        nxt = self.next_ids
        s, c, n = nxt["subjects"] - 1, nxt["cases"] - 1, nxt["counts"] - 1
        for sql in self.copy_statements:
            conn.execute(
                sql, {"s": s, "c": c, "n": n, "import_id": self.import_id, "file": self.file_name}
            )
        for i, key in enumerate(res.keys, s + 1):
            self.subject_ids[key] = i
        for t, used in res.ids_used.items():
            nxt[t] += used


def _copy_statements() -> list[str]:
    """INSERT ... SELECT per table from a worker's chunk (LOCAL_COLUMNS layout): local ids shifted
    by :s (subjects), :c (cases) and :n (counts); the import id and file name added; each count
    joined to its template; rows in the order read."""
    a = _ATTACHED
    shift = {"subject_id": ":s", "case_id": ":c"}
    own_id = {"subjects": ":s", "cases": ":c", "counts": ":n"}
    out = []
    for table, cols in COLUMNS.items():
        const = {
            "subjects": ["import_id"],
            "counts": ["import_id", "source_file"],
            "rejected_rows": ["import_id"],
            "row_warnings": ["import_id"],
        }.get(table, [])
        values = [":import_id" if k == "import_id" else ":file" for k in const]
        for col in cols:
            by = own_id[table] if col == "id" else shift.get(col)
            if table == "counts":
                col = f"t.{col}" if col in TEMPLATE_COLUMNS else f"c.{col}"
            values.append(f"{col} + {by}" if by else col)
        source = f"{a}.{table} ORDER BY {'id' if 'id' in cols else 'rowid'}"
        if table in ("counts", "cases"):  # CROSS JOIN: counts in id order, templates looked up
            source = (
                f"{a}.counts AS c CROSS JOIN {a}.count_templates AS t ON t.id = c.template"
                f"{' WHERE c.case_first IS NOT NULL' if table == 'cases' else ''} ORDER BY c.id"
            )
        if table == "cases":  # a chunk's cases are carried by their first counts (LOCAL_COLUMNS)
            values = [
                f"c.case_id + {own_id['cases']}",
                f"c.subject_id + {shift['subject_id']}",
                "substr(c.cnt_order, 1, 6)",
                "c.case_number",
                "t.county",
                "t.court",
                "c.case_event_date",
                "c.cycle_date",
            ]
        out.append(
            f"INSERT INTO main.{table} ({', '.join([*const, *cols])})"
            f" SELECT {', '.join(values)} FROM {source}"
        )
    return out


def sniff_doj(lines: Iterator[tuple[int, str]]) -> None:
    """Refuse a file that is not a DOJ research file, from its first lines. Raises NotDojFile."""
    widths: dict[int, int] = {}
    seen = 0
    for _lineno, text in lines:
        try:
            fields = next(csv.reader([text]))
        except (csv.Error, StopIteration):
            continue
        if seen == 0 and looks_like_header(fields):
            seen += 1
            continue
        seen += 1
        widths[len(fields)] = widths.get(len(fields), 0) + 1
        if len(fields) == N_COLUMNS:
            return
        if seen >= 200:
            break
    if not widths:
        raise NotDojFile("it holds no data rows")
    common = max(widths, key=lambda k: widths[k])
    raise NotDojFile(
        f"its rows have {common} fields; a DOJ research file has {N_COLUMNS} "
        "(RECORD_ID … END_OF_REC)"
    )
