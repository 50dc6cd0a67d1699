"""Evaluation runs: load each subject with a Prop 64 conviction in a county, run the engine, store
the determinations and point the review queue at them. One transaction per run, so a crash leaves
no half-finished run; a re-evaluation never destroys a clerk's decision but reopens the counts
whose determination changed.

A large run (PARALLEL_MIN_SUBJECTS subjects or more, in a database file) loads and evaluates its
subjects in worker processes, CHUNK subjects at a time, each worker reading the committed records
through its own read-only connection; this process numbers the determinations in subject order
and writes them, so the stored run is the same, ids included, as one evaluated here alone."""

from __future__ import annotations

import json
import multiprocessing
import re
import sqlite3
import sys
from collections import Counter, deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from dataclasses import fields
from datetime import date
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from desktop import audit, clock
from desktop.errors import UserError
from desktop.law.normalize import parse_section
from desktop.progress import ProgressFn
from desktop.rules.engine import evaluate_subject
from desktop.rules.facts import date_or_range, sentence_end_range
from desktop.rules.model import ENGINE_VERSION, CountFacts, Response, SubjectFacts
from desktop.rules.policy import Policy, load_policy
from desktop.store.tx import transaction
from desktop.vocabulary import ReviewStatus

CHUNK = 500
WORKERS = 2
PARALLEL_MIN_SUBJECTS = 3_000  # fewer: starting the workers costs more than they save
MAX_IN_FLIGHT = 6  # chunks handed out ahead of the writing (bounds memory)
WORKER_CHUNK = 200  # subjects per chunk handed to a worker (the last ones end together)
# Determinations written as they come, while the workers evaluate the next subjects: a county's
# ~15,000 written at the end would leave both processors to one process for a quarter second.
WRITE_ROWS = 2_000

# One determination as this process stores it: count id, subject id, relief, resentence target,
# rule path, flags (";"-joined), explanation (JSON).
DetRow = tuple[int, int, str, str | None, str, str, str]


def _date(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


def _is_290_registration(description: str | None) -> bool:
    """A REGISTRATION step is a PC 290 (sex offender) registration when it says 290, or when it
    names no section at all (then it may be one: the clerk is asked). HS 11590 narcotics and
    PC 457.1 arson registrations are not."""
    text = (description or "").upper()
    if "290" in text:
        return True
    return not re.search(r"\d", text)


def subjects_in_scope(
    conn: sqlite3.Connection, county: str, *, any_disposition: bool = False
) -> list[int]:
    """Subjects with a conviction in the county whose section is 11357-11360 or looks like one,
    or whose comment names one (possible_prop64_in_comment); with any_disposition (policies with
    related-charge or plea-bargain options, §5.3-5.4) also subjects whose Prop 64 charge in the
    county was not a conviction (an arrest, a dismissed count) but whose cycle holds a
    conviction (a possible plea bargain or related charge). A purged person
    (desktop/records/purge.py) is not evaluated again: what is left of them is the orders
    register's record, not a criminal history."""
    rows = conn.execute(
        "SELECT subject_id FROM counts WHERE base_section >= '11357'"
        " AND base_section < '11361' AND county = ? AND convicted = 1"
        " UNION SELECT subject_id FROM counts"  # the partial index counts_comment_cannabis
        " WHERE (comment LIKE '%1135%' OR comment LIKE '%11360%') AND county = ? AND convicted = 1",
        (county.upper(), county.upper()),
    ).fetchall()
    ids = {r[0] for r in rows}
    if any_disposition:
        ids.update(
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT c.subject_id FROM counts c WHERE c.base_section >= '11357'"
                " AND c.base_section < '11361' AND c.county = ? AND c.convicted = 0"
                " AND EXISTS (SELECT 1 FROM counts o WHERE o.subject_id = c.subject_id"
                " AND o.cnt_order >= substr(c.cnt_order, 1, 3)"
                " AND o.cnt_order < substr(c.cnt_order, 1, 3) || ':' AND o.convicted = 1)",
                (county.upper(),),
            )
        )
    purged = {
        r[0] for r in conn.execute("SELECT id FROM subjects WHERE source_key LIKE 'purged-%'")
    }
    return sorted(ids - purged)


def load_responses(conn: sqlite3.Connection) -> dict[str, list[Response]]:
    out: dict[str, list[Response]] = {}
    for case_number, count_no, response, ground, rdate in conn.execute(
        "SELECT case_number, count_no, response, ground, response_date"
        " FROM prosecution_responses ORDER BY id"
    ):
        out.setdefault(case_number, []).append(
            Response(case_number, count_no, response, ground, _date(rdate))
        )
    return out


def load_subjects(
    conn: sqlite3.Connection,
    ids: list[int],
    *,
    all_counts: bool = False,
    prop64_charges: bool = False,
) -> Iterator[tuple[SubjectFacts, list[CountFacts]]]:
    """The engine's input for each subject id, read in chunks: the convictions (with
    prop64_charges also the Prop 64 charges that were not convictions, with all_counts every count
    of the record: for the related-charge and plea-bargain options, §5.3-5.4), partial dates as
    intervals, and the lines of the person's rows the import had to reject."""
    convicted_only = (
        ""
        if all_counts
        else (
            " AND (c.convicted = 1 OR (c.base_section >= '11357' AND c.base_section < '11361'))"
            if prop64_charges
            else " AND c.convicted = 1"
        )
    )
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        marks = ",".join("?" * len(chunk))
        reg290 = {
            sid
            for sid, desc in conn.execute(
                "SELECT subject_id, description FROM subject_events WHERE kind = 'registration'"
                f" AND subject_id IN ({marks})",
                chunk,
            )
            if _is_290_registration(desc)
        }
        rejected: dict[int, list[tuple[str, int]]] = {}
        for sid, file_name, line in conn.execute(
            "SELECT s.id, i.file_name, r.line FROM subjects s JOIN rejected_rows r"
            " ON r.subject_key = s.source_key JOIN imports i ON i.id = r.import_id"
            f" WHERE s.id IN ({marks}) ORDER BY s.id, r.import_id, r.line",
            chunk,
        ):
            rejected.setdefault(sid, []).append((file_name, line))
        counts: dict[int, list[CountFacts]] = {}
        for row in conn.execute(
            "SELECT c.id, c.case_id, k.case_number, c.cnt_order, c.count_no, c.county,"
            " c.offense_text, c.section, c.base_section, c.code, c.level, c.convicted,"
            " c.conviction_date, c.cycle_date, c.sentence_end, c.juvenile, c.comment,"
            " c.subject_id, c.disposition, c.sentence != '[]',"
            " CASE WHEN length(c.conviction_date) < 10 THEN c.sentence END"
            " FROM counts c JOIN cases k ON k.id = c.case_id"
            f" WHERE c.subject_id IN ({marks}){convicted_only}",
            chunk,
        ):
            counts.setdefault(row[17], []).append(_count_facts(row))
        for sid, name, dob, deceased, reg in conn.execute(
            f"SELECT id, name, dob, deceased, registered_290 FROM subjects WHERE id IN ({marks})",
            chunk,
        ):
            dob_date, dob_range = date_or_range(dob)
            yield (
                SubjectFacts(
                    id=sid,
                    name=name,
                    dob=dob_date,
                    deceased=bool(deceased),
                    registered_290=bool(reg) or sid in reg290,
                    dob_range=dob_range,
                    rejected_lines=tuple(rejected.get(sid, ())),
                ),
                counts.get(sid, []),
            )


def _needs_whole_cycles(policy: Policy) -> bool:
    """Whether the policy's related-charge or plea-bargain options can grant or ask for review
    (§5.3-5.4), so every count of a cycle is needed, not only the convictions. Options that only
    report such counts as outside HS 11361.8 are decided on the convictions."""
    related, plea = policy.related, policy.plea
    return bool(
        (related and (related.action != "report" or related.maybe_sections))
        or (plea and plea.action != "report")
    )


_iso = lru_cache(maxsize=1 << 16)(date.fromisoformat)  # a file repeats a few thousand dates
_new = object.__new__
# CountFacts' fields in declaration order, as the fast path of _count_facts fills them.
_COUNT_FIELDS = tuple(f.name for f in fields(CountFacts))


def _count_facts(row: tuple) -> CountFacts:
    # The section as the one normaliser reads the text today (a database imported by an older
    # version keeps its older reading in the table); cached per distinct text.
    sec = parse_section(row[6]) if row[6] else None
    section, base, code = (
        (sec.section, sec.base, sec.code or None) if sec else (row[7], row[8], row[9])
    )
    conv_s, cyc_s, end_s = row[12], row[13], row[14]
    if (conv_s is None or len(conv_s) == 10) and (cyc_s is None or len(cyc_s) == 10):
        # Full dates (almost every count). A run builds one CountFacts per conviction of every
        # subject in scope (~190,000 for a dense 1M-row file); the frozen dataclass's __init__
        # sets its 20 fields one object.__setattr__ at a time, which was over half the cost of
        # loading a count. Filling the instance's __dict__ directly gives the same object (same
        # fields, equality and hash; tests/test_evaluate_parallel.py builds both and compares).
        facts = _new(CountFacts)
        facts.__dict__.update(
            zip(
                _COUNT_FIELDS,
                (
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    row[5],
                    row[6],
                    section,
                    base,
                    code,
                    row[10],
                    bool(row[11]),
                    _iso(conv_s) if conv_s else None,
                    _iso(cyc_s) if cyc_s else None,
                    _iso(end_s) if end_s else None,
                    bool(row[15]),
                    row[16],
                    row[18],
                    bool(row[19]),
                    (),
                ),
                strict=True,  # a field added to CountFacts must be added here
            )
        )
        return facts
    conv, conv_range = date_or_range(conv_s)
    cyc, cyc_range = date_or_range(cyc_s)
    end, _ = date_or_range(end_s)
    # An offense is never after its conviction: each partial date is narrowed by the other.
    if cyc_range and (conv or conv_range):
        latest = conv or conv_range[1]  # type: ignore[index]
        if cyc_range[0] <= latest < cyc_range[1]:
            cyc_range = (cyc_range[0], latest)
    if conv_range and (cyc or cyc_range):
        earliest = cyc or cyc_range[0]  # type: ignore[index]
        if conv_range[0] < earliest <= conv_range[1]:
            conv_range = (earliest, conv_range[1])
    ranges: list[tuple[str, date, date]] = []
    if conv_range:
        ranges.append(("conviction_date", *conv_range))
        end_range = sentence_end_range(conv_range, row[20])
        if end_range:
            ranges.append(("sentence_end", *end_range))
    if cyc_range:
        ranges.append(("cycle_date", *cyc_range))
    return CountFacts(
        id=row[0],
        case_id=row[1],
        case_number=row[2],
        cnt_order=row[3],
        count_no=row[4],
        county=row[5],
        offense_text=row[6],
        section=section,
        base=base,
        code=code,
        level=row[10],
        convicted=bool(row[11]),
        conviction_date=conv,
        cycle_date=cyc,
        sentence_end=end,
        juvenile=bool(row[15]),
        comment=row[16],
        disposition=row[18],
        has_sentence=bool(row[19]),
        ranges=tuple(ranges),
    )


def evaluate_chunk(
    conn: sqlite3.Connection,
    ids: list[int],
    county: str,
    policy: Policy,
    as_of: date,
    responses: dict[str, list[Response]],
) -> list[DetRow]:
    """The engine's determinations for these subjects, in subject order, ready to store."""
    out: list[DetRow] = []
    policy_ref = policy.ref
    all_counts = _needs_whole_cycles(policy)
    cycles = policy.related is not None or policy.plea is not None
    for subject, counts in load_subjects(conn, ids, all_counts=all_counts, prop64_charges=cycles):
        # The responses to this subject's cases, each once (a case's responses repeated for each
        # of its counts would cost counts x responses for nothing: the engine looks them up by
        # case number and count number).
        cases = dict.fromkeys(c.case_number for c in counts if c.case_number)
        subject_responses = [r for n in cases for r in responses.get(n, ())]
        for d in evaluate_subject(subject, counts, county, policy, as_of, subject_responses):
            out.append(
                (
                    d.count_id,
                    subject.id,
                    d.relief,
                    d.resentence_target,
                    d.rule_path,
                    ";".join(d.flags),
                    json.dumps(d.explanation(policy_ref, as_of), sort_keys=True),
                )
            )
    return out


# -- worker processes ---------------------------------------------------------------------------
_worker: dict = {}


def _worker_start(path: str, county: str, policy: Policy, as_of: date) -> None:
    conn = sqlite3.connect(
        f"file:{Path(path).as_posix()}?mode=ro",
        uri=True,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.execute("PRAGMA busy_timeout = 30000")
    _worker.update(
        conn=conn, county=county, policy=policy, as_of=as_of, responses=load_responses(conn)
    )


def _worker_chunk(ids: list[int]) -> list[DetRow]:
    w = _worker
    conn = w["conn"]
    conn.execute("BEGIN")  # one snapshot per chunk
    try:
        return evaluate_chunk(conn, ids, w["county"], w["policy"], w["as_of"], w["responses"])
    finally:
        conn.execute("COMMIT")


def _context() -> multiprocessing.context.BaseContext:
    """forkserver on Linux (a fork of this process would carry its open SQLite connection and
    its locks into the worker), spawn elsewhere."""
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["desktop.evaluation.runs"])
        return ctx
    return multiprocessing.get_context("spawn")


def _start_server_early(db: sqlite_utils.Database) -> None:
    """Start the forkserver (Linux) now when the run is likely to use workers: it is a new Python
    that imports the engine (~0.2-0.3 s before the first worker can start), and started here it
    does so while this process works out which subjects are in scope. The run starts its pool as
    before; the pool's workers are forked from this server. A run that turns out too small for
    workers leaves the server idle (it serves this process's later runs)."""
    if WORKERS < 2 or not sys.platform.startswith("linux") or _db_path(db) is None:
        return
    subjects = db.conn.execute("SELECT COALESCE(MAX(id), 0) FROM subjects").fetchone()[0]
    if subjects < max(PARALLEL_MIN_SUBJECTS, 2):  # too few people in the database for workers
        return
    _context()  # sets the server's preload before it starts
    from multiprocessing import forkserver

    forkserver.ensure_running()


def _results(
    db: sqlite_utils.Database, ids: list[int], county: str, policy: Policy, as_of: date
) -> Generator[tuple[int, list[DetRow]], None, None]:
    """(subjects done, their determinations) per chunk of subjects, in subject order."""
    conn = db.conn
    path = _db_path(db)
    if path is None or len(ids) < max(PARALLEL_MIN_SUBJECTS, 2) or WORKERS < 2:
        responses = load_responses(conn)
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            yield len(chunk), evaluate_chunk(conn, chunk, county, policy, as_of, responses)
        return
    step = min(WORKER_CHUNK, CHUNK)
    chunks = [ids[i : i + step] for i in range(0, len(ids), step)]
    pool = ProcessPoolExecutor(
        max_workers=WORKERS,
        mp_context=_context(),
        initializer=_worker_start,
        initargs=(str(path), county, policy, as_of),
    )
    try:
        pending: deque[tuple[int, Future]] = deque()
        it = iter(chunks)
        for chunk in it:
            pending.append((len(chunk), pool.submit(_worker_chunk, chunk)))
            if len(pending) >= MAX_IN_FLIGHT:
                break
        while pending:
            n, fut = pending.popleft()
            rows = fut.result()
            more = next(it, [])
            if more:
                pending.append((len(more), pool.submit(_worker_chunk, more)))
            yield n, rows
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _db_path(db: sqlite_utils.Database) -> Path | None:
    """The database file, when the records are in one (not an in-memory database)."""
    row = next((r for r in db.conn.execute("PRAGMA database_list") if r[1] == "main"), None)
    if row is None or not row[2]:
        return None
    return Path(row[2])


def evaluate_county(
    db: sqlite_utils.Database,
    county: str,
    policy: Policy | str,
    as_of: date,
    *,
    user: str | None = None,
    progress: ProgressFn | None = None,
    backup: bool = True,
    subjects: list[int] | None = None,
) -> int:
    """Evaluate every subject with a Prop 64 conviction in `county`; returns the run id.
    A backup of the database is taken first (backup=False skips it, for benchmarks).

    subjects: evaluate only these people (a petition or application filed at the counter, issue
    19): a run of its own, stored and audited like any other, whose counts join the review
    queue; the county's other determinations are left as they are."""
    if not isinstance(policy, Policy):
        policy = load_policy(policy)  # a shipped policy name or a policy / BEAR options file
    conn = db.conn
    county = county.strip().upper()
    if not county:
        raise UserError("name the county to evaluate (--county NAME)", exit_code=2)
    cycles = policy.related is not None or policy.plea is not None
    if subjects is not None:
        purged = {
            r[0] for r in conn.execute("SELECT id FROM subjects WHERE source_key LIKE 'purged-%'")
        }
        ids = sorted({int(s) for s in subjects} - purged)
        if not ids:
            raise UserError("no one to evaluate: the people named are not in the records")
    else:
        _start_server_early(db)  # a county-wide run: the people named above are a handful
        ids = subjects_in_scope(conn, county, any_disposition=cycles)
    if not ids:
        known = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT county FROM counts WHERE county IS NOT NULL AND base_section >= '11357'"
                " AND base_section < '11361' ORDER BY 1 LIMIT 20"
            )
        ]
        raise UserError(
            f"no cannabis convictions in county '{county}'"
            + (
                f"; counties with some: {', '.join(known)}"
                if known
                else "; import a DOJ file first (reliefdesk import FILE)"
            ),
            exit_code=2,
        )
    if backup:
        from desktop.records.importer import db_file
        from desktop.store.backup import auto_backup

        target = db_file(db)
        if target is not None:
            auto_backup(target, "evaluate")
    with transaction(conn):
        now = clock.utc_stamp()
        run_id = int(
            conn.execute(
                "INSERT INTO evaluation_runs (county, policy_name, policy_version, policy_json, as_of,"
                " engine_version, created_by, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    county,
                    policy.name,
                    policy.version,
                    policy.to_json(),
                    as_of.isoformat(),
                    ENGINE_VERSION,
                    user,
                    now,
                ),
            ).lastrowid
            or 0
        )
        next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM determinations").fetchone()[0]
        previous = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT r.count_id, r.status, r.decided_relief, r.decided_target, r.reason,"
                " r.decided_by, r.decided_at, d.relief, d.resentence_target, r.determination_id"
                " FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            )
        }
        totals: Counter[str] = Counter()
        det_rows: list[tuple] = []
        new_items: list[tuple] = []
        keep_items: list[tuple] = []
        reopened: list[tuple] = []
        policy_ref = policy.ref
        done = reopened_n = 0
        # closing(): the workers stop also when the loop is left by an exception (Cancelled).
        with closing(_results(db, ids, county, policy, as_of)) as results:
            for n, rows in results:
                for count_id, subject_id, relief, to, rule_path, flags, explanation in rows:
                    det_id = next_id
                    next_id += 1
                    totals[relief] += 1
                    det_rows.append(
                        (
                            det_id,
                            run_id,
                            count_id,
                            subject_id,
                            relief,
                            to,
                            rule_path,
                            flags,
                            explanation,
                        )
                    )
                    _route(
                        count_id,
                        relief,
                        to,
                        det_id,
                        previous.get(count_id),
                        new_items,
                        keep_items,
                        reopened,
                    )
                done += n
                if progress:
                    progress(done, len(ids), "Evaluating")
                if len(det_rows) >= WRITE_ROWS:
                    reopened_n += len(reopened)
                    _write(conn, det_rows, new_items, keep_items, reopened)
        reopened_n += len(reopened)
        _write(conn, det_rows, new_items, keep_items, reopened)
        summary = dict(sorted(totals.items()))
        conn.execute(
            "UPDATE evaluation_runs SET status = 'complete', finished_at = ?, totals = ?"
            " WHERE id = ?",
            (clock.utc_stamp(), json.dumps(summary), run_id),
        )
        audit.append(
            conn,
            user,
            "evaluate",
            [run_id],
            {
                "county": county,
                "policy": policy_ref,
                "as_of": as_of.isoformat(),
                "engine_version": ENGINE_VERSION,
                "subjects": len(ids),
                **({"only_subjects": ids} if subjects is not None else {}),
                "totals": summary,
                "reopened_for_review": reopened_n,
            },
            rows={
                "determinations": ("run_id = ?", [run_id]),
                "review_items": (
                    "count_id IN (SELECT count_id FROM determinations WHERE run_id = ?)",
                    [run_id],
                ),
            },
        )
    if progress:
        progress(len(ids), len(ids), "Evaluating")
    return run_id


def _route(
    count_id: int,
    relief: str,
    target: str | None,
    det_id: int,
    prev: tuple | None,
    new_items: list,
    keep_items: list,
    reopened: list,
) -> None:
    """Point the count's review item at the new determination; reopen a decided count whose
    relief changed, keeping the old decision for the clerk to see."""
    if prev is None:
        new_items.append((count_id, det_id))
        return
    status, dec_relief, dec_target, reason, by, at, old_relief, old_target, old_det = prev
    changed = (old_relief, old_target) != (relief, target)
    if status == ReviewStatus.PENDING or not changed:
        keep_items.append((det_id, count_id))
        return
    previous = {
        "status": status,
        "decided_relief": dec_relief,
        "decided_target": dec_target,
        "reason": reason,
        "decided_by": by,
        "decided_at": at,
        "determination_id": old_det,
        "relief": old_relief,
        "resentence_target": old_target,
    }
    reopened.append((det_id, json.dumps(previous, sort_keys=True), count_id))


def _write(
    conn: sqlite3.Connection, det_rows: list, new_items: list, keep_items: list, reopened: list
) -> None:
    conn.executemany(
        "INSERT INTO determinations (id, run_id, count_id, subject_id, relief,"
        " resentence_target, rule_path, flags, explanation)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        det_rows,
    )
    conn.executemany(
        "INSERT INTO review_items (count_id, determination_id) VALUES (?, ?)", new_items
    )
    conn.executemany("UPDATE review_items SET determination_id = ? WHERE count_id = ?", keep_items)
    conn.executemany(
        "UPDATE review_items SET determination_id = ?, status = 'pending',"
        " decided_relief = NULL, decided_target = NULL, reason = NULL,"
        " decided_by = NULL, decided_at = NULL, rereview = 1, previous_decision = ?"
        " WHERE count_id = ?",
        reopened,
    )
    for lst in (det_rows, new_items, keep_items, reopened):
        lst.clear()
