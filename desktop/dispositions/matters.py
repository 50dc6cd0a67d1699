"""Matters: a petition (still serving, HS 11361.8(a)) or an application (sentence completed,
11361.8(e)) filed at the counter on form CR-400, or a challenge the prosecution made to counts of
DOJ's bulk list (11361.9(b)-(d)).

A clerk opens a matter for a person found in the imported records (`find_people`), or enters the
person, case and counts by hand from the court's file (`enter_from_court_file`: a synthetic import
row of format 'court-file-entry' holds them, so the engine evaluates them like any other count and
every row says where it came from). The engine then evaluates the person in a run of its own
(`evaluate_matter`), and `matter_detail` shows its explanation first.

Counts of a matter are decided one by one by a judicial officer (desktop/dispositions/rulings):
they never take a clerk's decision, a bulk approval or a batch (desktop/review/state.py
IN_MATTER_SQL)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from desktop import audit, clock
from desktop.dispositions.common import (
    FILER_KINDS,
    KINDS,
    OPPOSING,
    MatterRow,
    deadline_days,
    iso_date,
    matter_count_ids,
    read_matter,
    response_due,
    today,
)
from desktop.dispositions.words import count_text
from desktop.errors import RefusedError, UserError
from desktop.law.normalize import normalise_name, parse_section
from desktop.review.access import may_see_sealed, read_record, require_reader, sealed_ids
from desktop.review.lifecycle import lives
from desktop.review.users import User, require_role
from desktop.store.tx import transaction

COURT_FILE_FORMAT = "court-file-entry"
COURT_FILE_SOURCE = "court file"  # counts.source_file of a count entered from the court's file
_CANNABIS = (
    "c.base_section IN ('11357', '11358', '11359', '11360') AND COALESCE(c.code, '') IN ('', 'HS')"
)


# --- finding the person ----------------------------------------------------------------------
@dataclass(frozen=True)
class PersonHit:
    subject_id: int
    name: str | None
    dob: str | None
    cii: str | None
    counts: list[dict[str, Any]] = field(default_factory=list)  # cannabis convictions

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_people(
    conn: sqlite3.Connection,
    user: User | None,
    *,
    name: str | None = None,
    dob: str | None = None,
    cii: str | None = None,
    case_number: str | None = None,
    limit: int = 50,
) -> list[PersonHit]:
    """People in the records matching every criterion given (name: text in the name or an AKA,
    any case; DOB exact; CII and case number: prefix), each with their cannabis convictions. The
    queue's search (desktop/review/queue.py) reads name, case number and CII the same way.
    Sealed counts are left out for a role that may not see them."""
    user = require_reader(conn, user)
    where: list[str] = ["s.source_key NOT LIKE 'purged-%'"]
    params: list[Any] = []
    if name and name.strip():
        like = f"%{_like(name.strip())}%"
        where.append("(s.name LIKE ? ESCAPE '\\' OR s.akas LIKE ? ESCAPE '\\')")
        params += [like, like]
    if dob and dob.strip():
        where.append("s.dob = ?")
        params.append(iso_date(dob, "date of birth"))
    if cii and cii.strip():
        where.append("s.cii LIKE ? ESCAPE '\\'")
        params.append(f"{_like(cii.strip())}%")
    if case_number and case_number.strip():
        where.append(
            "EXISTS (SELECT 1 FROM cases k WHERE k.subject_id = s.id"
            " AND k.case_number LIKE ? ESCAPE '\\')"
        )
        params.append(f"{_like(case_number.strip())}%")
    if len(where) == 1:
        raise UserError("search by --name, --dob, --cii or --case (one or more)")
    rows = conn.execute(
        f"SELECT s.id, s.name, s.dob, s.cii FROM subjects s WHERE {' AND '.join(where)}"
        " ORDER BY s.name COLLATE NOCASE, s.id LIMIT ?",
        [*params, int(limit)],
    ).fetchall()
    hide_sealed = not may_see_sealed(user)
    out: list[PersonHit] = []
    for sid, nm, db_, ci in rows:
        counts = _cannabis_counts(conn, sid)
        if hide_sealed:
            sealed = sealed_ids(conn, [c["count_id"] for c in counts])
            counts = [c for c in counts if c["count_id"] not in sealed]
        out.append(PersonHit(sid, nm, db_, ci, counts))
    return out


def _cannabis_counts(conn: sqlite3.Connection, subject_id: int) -> list[dict[str, Any]]:
    cur = conn.execute(
        "SELECT c.id AS count_id, k.case_number, c.county, c.count_no, c.section, c.level,"
        " c.conviction_date, c.sentence_end, c.source_file FROM counts c"
        " JOIN cases k ON k.id = c.case_id"
        f" WHERE c.subject_id = ? AND c.convicted = 1 AND {_CANNABIS}"
        " ORDER BY c.conviction_date, c.cnt_order",
        (subject_id,),
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur]


# --- opening a matter ------------------------------------------------------------------------
@dataclass(frozen=True)
class Filing:
    """What the clerk records from the filing (CR-400, or the prosecution's challenge)."""

    kind: str  # petition | application | challenge
    filed_on: str | date | None
    filer_kind: str | None = None
    filer_name: str | None = None
    court_case_number: str | None = None
    served_on: str | date | None = None
    hearing_requested: bool = False
    note: str | None = None
    person_address: str | None = None  # the person's mailing address (service of notices)
    counsel_name: str | None = None
    counsel_address: str | None = None


def _check_filing(f: Filing) -> dict[str, Any]:
    if f.kind not in KINDS:
        raise UserError(f"unknown matter kind {f.kind!r}: use one of {', '.join(KINDS)}")
    if f.filer_kind is not None and f.filer_kind not in FILER_KINDS:
        raise UserError(f"unknown filer {f.filer_kind!r}: use one of {', '.join(FILER_KINDS)}")
    if f.kind != "challenge" and f.filer_kind is None:
        raise UserError("say who filed it: --filer person|attorney|public_defender")
    filed = iso_date(f.filed_on, "the filing date", required=f.kind != "challenge")
    served = iso_date(f.served_on, "the date served on the prosecution", required=False)
    if served and filed and served < filed:
        raise UserError(f"served on {served} is before the filing date {filed}")
    if filed and filed > today():
        raise UserError(f"the filing date {filed} is in the future")
    from desktop.dispositions.service import check_addresses

    addresses = check_addresses(
        {
            "person_address": f.person_address or "",
            "counsel_name": f.counsel_name or "",
            "counsel_address": f.counsel_address or "",
        }
    )
    return {
        **addresses,
        "kind": f.kind,
        "court_case_number": (f.court_case_number or "").strip() or None,
        "filed_on": filed,
        "served_on": served,
        "filer_kind": f.filer_kind,
        "filer_name": (f.filer_name or "").strip() or None,
        "hearing_requested": int(bool(f.hearing_requested)),
        "note": (f.note or "").strip() or None,
    }


def _check_counts(conn: sqlite3.Connection, subject_id: int, count_ids: list[int]) -> list[int]:
    """The counts a matter may ask about: the person's convictions, none already ordered, held by
    the judge or in another open matter."""
    ids = sorted({int(c) for c in count_ids})
    if not ids:
        raise UserError("name the counts the filing asks about: --count ID (or --case NUMBER)")
    marks = ",".join("?" * len(ids))
    found = {
        r[0]: r[1:]
        for r in conn.execute(
            f"SELECT id, subject_id, convicted FROM counts WHERE id IN ({marks})", ids
        )
    }
    for cid in ids:
        if cid not in found:
            raise UserError("a count asked about is not in the records; find the person again")
        sid, convicted = found[cid]
        if sid != subject_id:
            raise UserError(f"{count_text(conn, cid)} is not a count of the person chosen")
        if not convicted:
            raise UserError(
                f"{count_text(conn, cid)} is not a conviction; only convictions can be relieved"
            )
    from desktop.review.county import court_county

    court = (court_county(conn) or "").strip().upper()
    if court:
        for cid, county in conn.execute(
            f"SELECT c.id, COALESCE(c.county, k.county) FROM counts c JOIN cases k"
            f" ON k.id = c.case_id WHERE c.id IN ({marks})",
            ids,
        ):
            if (county or "").upper() != court:
                raise RefusedError(
                    f"{count_text(conn, cid)} was entered in {county or 'an unknown county'}, not in "
                    f"{court}: a petition or application goes to the court that entered the "
                    "judgment (HS 11361.8(a), (e))"
                )
    if sealed_ids(conn, ids):
        raise RefusedError(
            f"{count_text(conn, min(sealed_ids(conn, ids)))} is sealed: its order is signed already"
        )
    for cid, life in lives(conn, ids).items():
        if life.stage in ("submitted", "accepted", "ordered"):
            raise RefusedError(
                f"{count_text(conn, cid)} cannot be asked about in a new matter: "
                f"{life.text.lower()}"
            )
    busy = conn.execute(
        f"SELECT mc.count_id, m.id FROM matter_counts mc JOIN matters m ON m.id = mc.matter_id"
        f" WHERE mc.count_id IN ({marks}) AND m.status IN ('open', 'ruled')",
        ids,
    ).fetchone()
    if busy:
        raise RefusedError(
            f"{count_text(conn, busy[0])} is already in Matter No. {busy[1]}; add to that matter "
            "or withdraw it"
        )
    return ids


def case_counts(conn: sqlite3.Connection, subject_id: int, case_number: str) -> list[int]:
    """The person's cannabis convictions in court case `case_number`."""
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT c.id FROM counts c JOIN cases k ON k.id = c.case_id WHERE c.subject_id = ?"
            f" AND k.case_number = ? AND c.convicted = 1 AND {_CANNABIS} ORDER BY c.cnt_order",
            (subject_id, case_number.strip()),
        )
    ]
    if not ids:
        raise UserError(
            f"person {subject_id} has no cannabis conviction in case {case_number}; "
            "see `reliefdesk matter find`"
        )
    return ids


def _insert_matter(
    conn: sqlite3.Connection,
    user: User,
    subject_id: int,
    filing: dict[str, Any],
    source: str,
    count_ids: list[int],
) -> int:
    mid = int(
        conn.execute(
            "INSERT INTO matters (subject_id, kind, court_case_number, filed_on, served_on,"
            " filer_kind, filer_name, hearing_requested, source, status, note, opened_by,"
            " opened_at, person_address, counsel_name, counsel_address)"
            " VALUES (?,?,?,?,?,?,?,?,?, 'open', ?,?,?,?,?,?)",
            (
                subject_id,
                filing["kind"],
                filing["court_case_number"],
                filing["filed_on"],
                filing["served_on"],
                filing["filer_kind"],
                filing["filer_name"],
                filing["hearing_requested"],
                source,
                filing["note"],
                user.name,
                clock.utc_stamp(),
                filing["person_address"],
                filing["counsel_name"],
                filing["counsel_address"],
            ),
        ).lastrowid
        or 0
    )
    conn.executemany(
        "INSERT INTO matter_counts (matter_id, count_id) VALUES (?, ?)",
        [(mid, c) for c in count_ids],
    )
    return mid


def _payload(filing: dict[str, Any], count_ids: list[int], **more: Any) -> dict[str, Any]:
    # The audit log never holds a name or an address: they stay in the matters row.
    private = ("filer_name", "note", "person_address", "counsel_name", "counsel_address")
    keep = {k: v for k, v in filing.items() if k not in private}
    return {**keep, "count_ids": count_ids, **more}


def open_matter(
    conn: sqlite3.Connection,
    user: User,
    subject_id: int,
    count_ids: list[int],
    filing: Filing,
    *,
    evaluate: bool = True,
) -> int:
    """A clerk opens a matter for a person in the imported records; returns its id. One
    transaction and one audit entry (`matter.open`); the engine then evaluates the person in a
    run of its own (`evaluate_matter`, audited as `evaluate`)."""
    require_role(user, "clerk")
    f = _check_filing(filing)
    with transaction(conn):
        if not conn.execute("SELECT 1 FROM subjects WHERE id = ?", (subject_id,)).fetchone():
            raise UserError(f"there is no person {subject_id}; see `reliefdesk matter find`")
        ids = _check_counts(conn, subject_id, count_ids)
        mid = _insert_matter(conn, user, subject_id, f, "records", ids)
        audit.append(conn, user.name, "matter.open", [mid], _payload(f, ids, source="records"))
    if evaluate:
        evaluate_matter(conn, user, mid)
    return mid


# --- entered by hand from the court's file ----------------------------------------------------
@dataclass(frozen=True)
class CourtFileCount:
    count_no: int
    section: str  # as written in the file, e.g. '11359 HS'
    level: str  # F | M | I
    conviction_date: str | date
    sentence: str = ""  # e.g. 'PRISON 3Y' or 'JAIL 180D; PROBATION 3Y' ('' = none recorded)
    offense_date: str | date | None = None


@dataclass(frozen=True)
class CourtFileCase:
    case_number: str
    county: str
    court: str | None = None
    counts: tuple[CourtFileCount, ...] = ()


@dataclass(frozen=True)
class CourtFilePerson:
    name: str  # LAST,FIRST as the records write it
    dob: str | date | None = None
    cii: str | None = None
    gender: str | None = None


def parse_sentence(text: str) -> list[dict[str, Any]]:
    """'JAIL 180D; PROBATION 3Y' -> [{kind, length, unit}, ...] as the importers store them."""
    parts: list[dict[str, Any]] = []
    for piece in (p.strip() for p in (text or "").replace(",", ";").split(";")):
        if not piece:
            continue
        words = piece.upper().split()
        kind, length, unit = words[0], None, None
        if len(words) == 2:
            amount = words[1]
            if len(amount) < 2 or not amount[:-1].isdigit() or amount[-1] not in "DMY":
                raise UserError(
                    f"sentence part '{piece}': write KIND LENGTH+UNIT, e.g. 'JAIL 180D', "
                    "'PROBATION 3Y', 'PRISON 16M' (units D, M, Y)"
                )
            length, unit = int(amount[:-1]), amount[-1]
        elif len(words) != 1:
            raise UserError(f"sentence part '{piece}': write KIND LENGTH+UNIT, e.g. 'JAIL 180D'")
        parts.append({"kind": kind, "length": length, "unit": unit})
    return parts


def _court_counts(case: CourtFileCase) -> list[dict[str, Any]]:
    from desktop.records.doj_rows import sentence_end

    if not case.case_number.strip():
        raise UserError("the court case number is missing")
    if not case.county.strip():
        raise UserError(
            "the county of the case is missing (--county NAME; an administrator sets the "
            "court's county with `reliefdesk county NAME`)"
        )
    if not case.counts:
        raise UserError("enter at least one count: --count 'NO|SECTION|LEVEL|DATE|SENTENCE'")
    seen: set[int] = set()
    out = []
    for c in case.counts:
        where = f"count {c.count_no}"
        if c.count_no in seen or c.count_no < 1 or c.count_no > 999:
            raise UserError(f"{where}: count numbers are 1-999 and each is entered once")
        seen.add(c.count_no)
        sec = parse_section(c.section)
        if sec is None:
            raise UserError(f"{where}: section '{c.section}' cannot be read; e.g. '11359 HS'")
        level = (c.level or "").strip().upper()[:1]
        if level not in ("F", "M", "I"):
            raise UserError(f"{where}: level '{c.level}' is not F, M or I")
        conv = iso_date(c.conviction_date, f"{where}: the conviction date")
        assert conv is not None
        if conv > today():
            raise UserError(f"{where}: the conviction date {conv} is in the future")
        offense = iso_date(c.offense_date, f"{where}: the offense date", required=False) or conv
        parts = parse_sentence(c.sentence)
        end = sentence_end(date.fromisoformat(conv), parts)
        out.append(
            {
                "count_no": c.count_no,
                "text": c.section.strip(),
                "section": sec.section,
                "base": sec.base,
                "code": sec.code or None,
                "level": level,
                "conviction_date": conv,
                "offense_date": offense,
                "sentence": json.dumps(parts),
                "sentence_end": end.isoformat() if end else None,
            }
        )
    return out


def enter_from_court_file(
    conn: sqlite3.Connection,
    user: User,
    person: CourtFilePerson,
    case: CourtFileCase,
    filing: Filing,
    *,
    subject_id: int | None = None,
    evaluate: bool = True,
) -> int:
    """A clerk enters a person (or, with subject_id, adds a case to a person already in the
    records), a case and its counts from the court's own file, and opens the matter on them, in
    one transaction with one audit entry (`matter.open`, source court_file). The rows hang from a
    synthetic import of format 'court-file-entry' (file name 'court file <case> by <clerk>'), and
    each count's source_file reads 'court file': the engine evaluates them like any other count,
    and the register, the queue and the exports can tell where they came from."""
    from dataclasses import replace

    from desktop.review.county import court_county

    require_role(user, "clerk")
    f = _check_filing(filing)
    court = (court_county(conn) or "").strip()
    if not case.county.strip() and court:
        case = replace(case, county=court)
    if court and case.county.strip().upper() != court.upper():
        raise RefusedError(
            f"case {case.case_number} is a {case.county.strip().upper()} case, not {court.upper()}:"
            " a petition or application goes to the court that entered the judgment"
            " (HS 11361.8(a), (e))"
        )
    rows = _court_counts(case)
    name = normalise_name(person.name or "")
    if subject_id is None and not name:
        raise UserError("the person's name is missing (LAST,FIRST)")
    dob = iso_date(person.dob, "the date of birth", required=False)
    county = case.county.strip().upper()
    at = clock.utc_stamp()
    digest = hashlib.sha256(
        json.dumps([name, dob, case.case_number, county, rows, user.name, at], default=str).encode()
    ).hexdigest()
    with transaction(conn):
        iid = int(
            conn.execute(
                "INSERT INTO imports (file_name, file_path, file_size, sha256, format, has_header,"
                " rows_read, rows_kept, rows_rejected, imported_by, imported_at)"
                " VALUES (?, NULL, NULL, ?, ?, 0, ?, ?, 0, ?, ?)",
                (
                    f"court file {case.case_number.strip()} by {user.name}",
                    f"court-file:{digest}",
                    COURT_FILE_FORMAT,
                    len(rows),
                    len(rows),
                    user.name,
                    at,
                ),
            ).lastrowid
            or 0
        )
        if subject_id is None:
            sid = int(
                conn.execute(
                    "INSERT INTO subjects (import_id, source_key, cii, name, dob, gender,"
                    " source_line) VALUES (?, ?, ?, ?, ?, ?, 1)",
                    (
                        iid,
                        f"court-file-{iid}",
                        (person.cii or "").strip() or None,
                        name,
                        dob,
                        (person.gender or "").strip().upper()[:1] or None,
                    ),
                ).lastrowid
                or 0
            )
            seq = 1
        else:
            sid = int(subject_id)
            if not conn.execute("SELECT 1 FROM subjects WHERE id = ?", (sid,)).fetchone():
                raise UserError(f"there is no person {sid}; see `reliefdesk matter find`")
            last = conn.execute(
                "SELECT MAX(CAST(substr(cnt_order, 1, 3) AS INTEGER)) FROM counts"
                " WHERE subject_id = ?",
                (sid,),
            ).fetchone()[0]
            seq = int(last or 0) + 1
            if seq > 999:
                raise UserError(f"person {sid} has 999 cycles already; enter a new person")
        event = min(r["offense_date"] for r in rows)
        case_id = int(
            conn.execute(
                "INSERT INTO cases (subject_id, event_key, case_number, county, court, event_date,"
                " cycle_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sid,
                    f"court-file|{iid}|{case.case_number.strip()}",
                    case.case_number.strip(),
                    county,
                    (case.court or "").strip() or None,
                    max(r["conviction_date"] for r in rows),
                    event,
                ),
            ).lastrowid
            or 0
        )
        count_ids = []
        for line, r in enumerate(rows, 1):
            count_ids.append(
                int(
                    conn.execute(
                        "INSERT INTO counts (case_id, subject_id, import_id, source_file,"
                        " source_line, cnt_order, count_no, step_type, county, offense_text,"
                        " section, base_section, code, level, disposition, convicted,"
                        " conviction_date, cycle_date, sentence, sentence_end)"
                        " VALUES (?,?,?,?,?,?,?, 'COURT ACTION', ?,?,?,?,?,?, 'CONVICTED', 1,"
                        " ?,?,?,?)",
                        (
                            case_id,
                            sid,
                            iid,
                            COURT_FILE_SOURCE,
                            line,
                            f"{seq:03d}002{r['count_no']:03d}000",
                            r["count_no"],
                            county,
                            r["text"],
                            r["section"],
                            r["base"],
                            r["code"],
                            r["level"],
                            r["conviction_date"],
                            r["offense_date"],
                            r["sentence"],
                            r["sentence_end"],
                        ),
                    ).lastrowid
                    or 0
                )
            )
        mid = _insert_matter(conn, user, sid, f, "court_file", count_ids)
        audit.append(
            conn,
            user.name,
            "matter.open",
            [mid],
            _payload(
                f,
                count_ids,
                source="court_file",
                import_id=iid,
                subject_id=sid,
                new_person=subject_id is None,
            ),
        )
    if evaluate:
        evaluate_matter(conn, user, mid)
    return mid


# --- evaluation ------------------------------------------------------------------------------
def _policy_for(conn: sqlite3.Connection, county: str) -> Any:
    """The policy of the county's latest complete run (what the court evaluates with), else the
    statute."""
    from desktop.rules.policy import from_bear_options, from_dict, load_policy

    row = conn.execute(
        "SELECT policy_json, policy_name FROM evaluation_runs WHERE county = ?"
        " AND status = 'complete' ORDER BY id DESC LIMIT 1",
        (county,),
    ).fetchone()
    if row:
        try:
            data = json.loads(row[0])
            if "baselineEligibility" in data or "additionalRelief" in data:
                return from_bear_options(data, name=row[1])
            return from_dict(data, where=f"policy {row[1]}")
        except (ValueError, UserError, TypeError, KeyError):
            pass
    return load_policy("statute")


def evaluate_matter(conn: sqlite3.Connection, user: User, matter_id: int) -> int:
    """Evaluate the matter's person with the county's policy as of today, in a run of its own
    (desktop/evaluation/runs.py, audited `evaluate`); returns the run id."""
    from desktop.evaluation.runs import evaluate_county

    require_role(user, "clerk")
    m = read_matter(conn, matter_id)
    ids = matter_count_ids(conn, matter_id)
    row = conn.execute(
        f"SELECT county FROM counts WHERE id IN ({','.join('?' * len(ids))})"
        " AND county IS NOT NULL ORDER BY id LIMIT 1",
        ids,
    ).fetchone()
    county = (row[0] if row else None) or ""
    if not county:
        raise UserError(f"the counts of matter {matter_id} name no county to evaluate them in")
    return evaluate_county(
        sqlite_utils.Database(conn),
        county,
        _policy_for(conn, county.upper()),
        clock.court_today(),
        user=user.name,
        backup=False,
        subjects=[m.subject_id],
    )


# --- reading ---------------------------------------------------------------------------------
def _dicts(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur]


def matter_detail(conn: sqlite3.Connection, user: User | None, matter_id: int) -> dict[str, Any]:
    """Everything about a matter, the engine's explanation of each count first: the counts (with
    their determination and explanation steps), the filing, responses, notices, hearings and
    rulings, and the response deadline. Sealed counts need a role that may see them (audited)."""
    user = require_reader(conn, user)
    m = read_matter(conn, matter_id)
    ids = matter_count_ids(conn, matter_id)
    read_record(conn, user, ids, f"matter show {matter_id}")
    person = _dicts(
        conn.execute(
            "SELECT id, name, dob, cii, deceased FROM subjects WHERE id = ?", (m.subject_id,)
        )
    )[0]
    counts = _dicts(
        conn.execute(
            "SELECT c.id AS count_id, k.case_number, c.county, c.count_no, c.section, c.code,"
            " c.level, c.conviction_date, c.sentence, c.sentence_end, c.source_file,"
            " d.relief, d.resentence_target, d.rule_path, d.flags, d.explanation"
            " FROM matter_counts mc JOIN counts c ON c.id = mc.count_id"
            " JOIN cases k ON k.id = c.case_id"
            " LEFT JOIN review_items r ON r.count_id = c.id"
            " LEFT JOIN determinations d ON d.id = r.determination_id"
            " WHERE mc.matter_id = ? ORDER BY c.id",
            (matter_id,),
        )
    )
    for c in counts:
        c["flags"] = [f for f in (c["flags"] or "").split(";") if f]
        c["explanation"] = json.loads(c["explanation"]) if c["explanation"] else None
        c["sentence"] = json.loads(c["sentence"] or "[]")
        c["from_court_file"] = c.pop("source_file") == COURT_FILE_SOURCE
    responses = _dicts(
        conn.execute(
            "SELECT id, count_id, position, response_date, note, entered_by, entered_at"
            " FROM matter_responses WHERE matter_id = ? ORDER BY response_date, id",
            (matter_id,),
        )
    )
    notices = _dicts(
        conn.execute(
            "SELECT id, hearing_id, from_party, to_party, notified_on, method, entered_by,"
            " entered_at FROM matter_notices WHERE matter_id = ? ORDER BY notified_on, id",
            (matter_id,),
        )
    )
    hearings = _dicts(
        conn.execute(
            "SELECT id, hearing_date, hearing_time, department, status, continued_to,"
            " scheduled_by, scheduled_at FROM hearings WHERE matter_id = ?"
            " ORDER BY hearing_date, id",
            (matter_id,),
        )
    )
    rulings = _dicts(
        conn.execute(
            "SELECT id, count_id, hearing_id, outcome, relief, resentence_target, finding,"
            " finding_text, credit_days, supervision_kind, supervision_months, ruled_by,"
            " ruled_at, order_id, superseded_by FROM rulings WHERE matter_id = ?"
            " ORDER BY id",
            (matter_id,),
        )
    )
    due = response_due(conn, m)
    warnings = []
    labels0 = {c["count_id"]: f"count {c['count_no']} of case {c['case_number']}" for c in counts}
    serving = [c["count_id"] for c in counts if "serving_sentence" in c["flags"]]
    if m.kind == "application" and serving:
        warnings.append(
            f"filed as an application (sentence completed), but the engine reads the person as "
            f"still serving on {labels0.get(serving[0], 'a count')}: a petition (HS 11361.8(a)) "
            "may be the path"
        )
    if m.kind == "petition" and counts and not serving and all(c["relief"] for c in counts):
        warnings.append(
            "filed as a petition (still serving), but the engine reads every count's sentence "
            "as completed: an application (HS 11361.8(e)) may be the path"
        )
    if any(c["relief"] is None for c in counts):
        warnings.append("not evaluated yet: evaluate the matter again (Evaluate)")
    from desktop.dispositions.service import matter_addresses
    from desktop.dispositions.words import count_details, person_name, ruling_words

    person["display_name"] = person_name(conn, m.subject_id)
    labels = count_details(conn, ids + [r["count_id"] for r in responses if r["count_id"]])
    for c in counts:
        c["label"] = labels[c["count_id"]]["label"]
        c["facts"] = labels[c["count_id"]]["facts"]
    for r in responses:
        r["count_label"] = labels[r["count_id"]]["label"] if r["count_id"] else None
    for r in rulings:
        r["count_label"] = labels.get(r["count_id"], {}).get("label")
        r["words"] = ruling_words(r)
    return {
        "matter": m.as_dict(),
        "person": person,
        "counts": counts,
        "responses": responses,
        "notices": notices,
        "notice_chain": notice_chain(notices) if m.kind == "challenge" else None,
        "hearings": hearings,
        "rulings": rulings,
        "response_due": due,
        "overdue": bool(due and m.status == "open" and not responses and today() > due),
        "needs_hearing": needs_hearing(conn, m, responses),
        "warnings": warnings,
        "addresses": matter_addresses(conn, matter_id),
    }


def notice_chain(notices: list[dict[str, Any]]) -> dict[str, str | None]:
    """HS 11361.9(d): the prosecution notifies the public defender, who notifies the person. The
    dates each link was recorded (None: not yet)."""

    def first(frm: str, to: str) -> str | None:
        got = [n["notified_on"] for n in notices if n["from_party"] == frm and n["to_party"] == to]
        return min(got) if got else None

    return {
        "prosecution_to_public_defender": first("prosecution", "public_defender"),
        "public_defender_to_person": first("public_defender", "person"),
    }


def needs_hearing(
    conn: sqlite3.Connection, m: MatterRow, responses: list[dict[str, Any]] | None = None
) -> bool:
    """A hearing is needed: a challenge (HS 11361.9(d)), a hearing the filer asked for
    (11361.8(g)), a response opposing or asking for one, or a petition opposed on any ground."""
    if m.kind == "challenge" or m.hearing_requested:
        return True
    if responses is None:
        responses = _dicts(
            conn.execute("SELECT position FROM matter_responses WHERE matter_id = ?", (m.id,))
        )
    positions = {r["position"] for r in responses}
    if "requests_hearing" in positions:
        return True
    return m.kind == "petition" and bool(positions & set(OPPOSING))


@dataclass(frozen=True)
class MatterListRow:
    id: int
    kind: str
    status: str
    subject_id: int
    name: str | None
    court_case_number: str | None
    filed_on: str | None
    served_on: str | None
    counts: int
    responses: int
    response_due: str | None
    overdue: bool
    next_hearing: str | None
    source: str
    person: str = ""  # the name as people are named (the court's own when known)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def list_matters(
    conn: sqlite3.Connection,
    user: User | None,
    *,
    status: str | None = None,
    kind: str | None = None,
    overdue: bool = False,
    subject_id: int | None = None,
) -> list[MatterListRow]:
    """Matters, oldest filing first. overdue: open petitions and applications past the response
    deadline (service + `response_deadline_days`) with no response entered. A matter whose counts
    are all sealed is left out for a role that may not see sealed records."""
    user = require_reader(conn, user)
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if status:
        where.append("m.status = ?")
        params.append(status)
    if kind:
        if kind not in KINDS:
            raise UserError(f"unknown matter kind {kind!r}: use one of {', '.join(KINDS)}")
        where.append("m.kind = ?")
        params.append(kind)
    if subject_id is not None:
        where.append("m.subject_id = ?")
        params.append(subject_id)
    rows = conn.execute(
        "SELECT m.id, m.kind, m.status, m.subject_id, s.name, m.court_case_number, m.filed_on,"
        " m.served_on, (SELECT COUNT(*) FROM matter_counts mc WHERE mc.matter_id = m.id),"
        " (SELECT COUNT(*) FROM matter_responses r WHERE r.matter_id = m.id),"
        " (SELECT MIN(h.hearing_date) FROM hearings h WHERE h.matter_id = m.id"
        "  AND h.status = 'scheduled'), m.source"
        " FROM matters m JOIN subjects s ON s.id = m.subject_id"
        f" WHERE {' AND '.join(where)} ORDER BY COALESCE(m.filed_on, m.opened_at), m.id",
        params,
    ).fetchall()
    days = deadline_days(conn)
    now = today()
    sealed_all = set()
    if not may_see_sealed(user):
        sealed = sealed_ids(conn)
        if sealed:
            for mid in {r[0] for r in rows}:
                ids = matter_count_ids(conn, mid)
                if ids and set(ids) <= sealed:
                    sealed_all.add(mid)
    from desktop.dispositions.words import person_names

    shown = person_names(conn, {r[3] for r in rows if r[0] not in sealed_all})
    out = []
    for r in rows:
        if r[0] in sealed_all:
            continue
        m = read_matter(conn, r[0])
        due = response_due(conn, m, days)
        late = bool(due and m.status == "open" and r[9] == 0 and now > due)
        if overdue and not late:
            continue
        out.append(
            MatterListRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                due,
                late,
                r[10],
                r[11],
                shown.get(r[3], ""),
            )
        )
    return out


def withdraw_matter(conn: sqlite3.Connection, user: User, matter_id: int, why: str) -> None:
    """A clerk records that the filer withdrew the matter (nothing ruled yet): its counts go
    back to the review queue's ordinary path."""
    require_role(user, "clerk")
    text = " ".join((why or "").split())
    if not text:
        raise UserError("say why the matter is withdrawn (--reason TEXT)")
    with transaction(conn):
        m = read_matter(conn, matter_id)
        if m.status != "open":
            raise RefusedError(
                f"Matter No. {matter_id} is {m.status}; only an open matter is withdrawn"
            )
        if conn.execute(
            "SELECT 1 FROM rulings WHERE matter_id = ? AND superseded_by IS NULL", (matter_id,)
        ).fetchone():
            raise RefusedError(f"Matter No. {matter_id} has rulings; it can no longer be withdrawn")
        conn.execute(
            "UPDATE matters SET status = 'withdrawn', note = COALESCE(note || ' | ', '') || ?"
            " WHERE id = ?",
            (f"withdrawn: {text}", matter_id),
        )
        conn.execute(
            "UPDATE hearings SET status = 'vacated' WHERE matter_id = ? AND status = 'scheduled'",
            (matter_id,),
        )
        audit.append(conn, user.name, "matter.withdraw", [matter_id], {"reason": text})


def matter_text(d: dict[str, Any]) -> str:
    """`matter_detail` as text for a terminal or the window, in words (no internal ids, no codes):
    the engine's explanation first. Each line is escaped on its own (control characters in record
    data are shown visibly)."""
    from desktop.dispositions.words import (
        FILER_WORDS,
        HEARING_STATUS_WORDS,
        KIND_WORDS,
        MATTER_STATUS_WORDS,
        METHOD_WORDS,
        PARTY_WORDS,
        POSITION_WORDS,
        address_lines,
        words,
    )
    from desktop.outputs import for_terminal
    from desktop.review.words import relief_words

    m, p = d["matter"], d["person"]
    lines = [
        f"Matter No. {m['id']} (the court's number for this matter): "
        f"{words(KIND_WORDS, m['kind'])}, {words(MATTER_STATUS_WORDS, m['status'])}"
        + (f"; filing No. {m['court_case_number']}" if m["court_case_number"] else "")
        + ("; entered from the court file" if m["source"] == "court_file" else ""),
        f"{p.get('display_name') or p['name'] or '(name not on record)'}, born "
        f"{p['dob'] or 'date not on record'}, CII {p['cii'] or 'not on record'}"
        + ("; reported deceased" if p.get("deceased") else ""),
    ]
    for w in d["warnings"]:
        lines.append(f"Note: {w}")
    lines.append("")
    lines.append("What the engine found (explanation first):")
    for c in d["counts"]:
        relief = (
            relief_words(c["relief"], c["resentence_target"]) if c["relief"] else "not evaluated"
        )
        label = c.get("label") or f"count {c['count_no']} of case {c['case_number']}"
        lines.append(
            f"  {label[0].upper()}{label[1:]}: {c.get('facts') or c['section']}"
            + (" (entered from the court file)" if c["from_court_file"] else "")
            + f" → {relief}"
        )
        for i, step in enumerate((c["explanation"] or {}).get("steps", []), 1):
            statute = f" [{step['statute']}]" if step.get("statute") else ""
            lines.append(f"      {i}. {step.get('text', '')}{statute}")
    lines.append("")
    lines.append(
        f"Filed {m['filed_on'] or '(date not on record)'} by "
        f"{words(FILER_WORDS, m['filer_kind']) or 'the prosecution'}"
        + (f" ({m['filer_name']})" if m["filer_name"] else "")
        + (f"; served on the prosecution {m['served_on']}" if m["served_on"] else "")
        + ("; a hearing is requested" if m["hearing_requested"] else "")
    )
    a = d.get("addresses") or {}
    lines.append(
        "Person's mailing address: "
        + (", ".join(address_lines(a.get("person_address"))) or "not entered")
    )
    if a.get("counsel_name") or a.get("counsel_address"):
        lines.append(
            f"Counsel: {a.get('counsel_name') or m['filer_name'] or '(name not entered)'}, "
            + (", ".join(address_lines(a.get("counsel_address"))) or "address not entered")
        )
    if d["response_due"]:
        lines.append(
            f"Response due {d['response_due']}"
            + ("  — OVERDUE, no response" if d["overdue"] else "")
        )
    lines.append(
        "Hearing needed: " + ("yes" if d["needs_hearing"] else "no (may be ruled on the papers)")
    )
    if d["responses"]:
        lines.append("The prosecution's responses:")
        for r in d["responses"]:
            lines.append(
                f"  {r['response_date']}: {words(POSITION_WORDS, r['position'])}"
                + (f" ({r.get('count_label')})" if r["count_id"] else "")
                + (f" — {r['note']}" if r["note"] else "")
            )
    if d["notice_chain"] is not None:
        ch = d["notice_chain"]
        lines.append(
            "Notice chain (HS 11361.9(d)): prosecution → public defender "
            f"{ch['prosecution_to_public_defender'] or 'not recorded'}; public defender → "
            f"person {ch['public_defender_to_person'] or 'not recorded'}"
        )
    if d["notices"]:
        lines.append("Notices:")
        for n in d["notices"]:
            lines.append(
                f"  {n['notified_on']}: from {words(PARTY_WORDS, n['from_party'])} to "
                f"{words(PARTY_WORDS, n['to_party'])}"
                + (f" {words(METHOD_WORDS, n['method'])}" if n["method"] else "")
                + (f" (notice of Hearing No. {n['hearing_id']})" if n["hearing_id"] else "")
            )
    if d["hearings"]:
        lines.append("Hearings:")
        by_id = {h["id"]: h for h in d["hearings"]}
        for h in d["hearings"]:
            cont = by_id.get(h["continued_to"]) if h["continued_to"] else None
            lines.append(
                f"  Hearing No. {h['id']}: {h['hearing_date']}"
                + (f" at {h['hearing_time']}" if h["hearing_time"] else "")
                + (f", department {h['department']}" if h["department"] else "")
                + f" — {words(HEARING_STATUS_WORDS, h['status'])}"
                + (
                    f" to {cont['hearing_date']} (Hearing No. {cont['id']})"
                    if cont
                    else (f" (to Hearing No. {h['continued_to']})" if h["continued_to"] else "")
                )
            )
    if d["rulings"]:
        lines.append("Rulings:")
        for r in d["rulings"]:
            if r["superseded_by"]:
                continue
            label = r.get("count_label") or "a count"
            lines.append(
                f"  {label[0].upper()}{label[1:]}: {r.get('words') or r['outcome']}"
                + f" — {r['ruled_by']}"
                + (f", at Hearing No. {r['hearing_id']}" if r["hearing_id"] else ", on the papers")
                + ("; its order is made" if r["order_id"] else "")
            )
    return "\n".join(for_terminal(line) for line in lines)
