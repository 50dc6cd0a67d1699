"""Importing prosecution responses (HS 11361.9(b)-(c)): which cases or counts the prosecution
challenges, and which it does not.

CSV with a header: case_number, count (optional; blank = the whole case), response
(`challenged` / `not_challenged`; also `challenge`, `no challenge`, `does not oppose`), ground
(optional: `criteria`, `public_safety` or free text), date (YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import sqlite_utils

from desktop import audit, clock
from desktop.law.normalize import BadDate, parse_date
from desktop.records.importer import ImportSummary, NotImportable
from desktop.records.source import decode, file_sha256, looks_binary
from desktop.store.tx import transaction

_RESPONSES = {
    "challenged": "challenged",
    "challenge": "challenged",
    "opposed": "challenged",
    "opposes": "challenged",
    "not_challenged": "not_challenged",
    "not challenged": "not_challenged",
    "no challenge": "not_challenged",
    "does not oppose": "not_challenged",
    "not_opposed": "not_challenged",
    "unopposed": "not_challenged",
}
_ALIASES = {
    "case": "case_number",
    "case number": "case_number",
    "case_no": "case_number",
    "count_no": "count",
    "count number": "count",
    "response_date": "date",
    "reason": "ground",
}


POSITIONAL = ("case_number", "count", "response", "ground", "date")


def _response(text: str) -> str | None:
    t = text.strip().lower()
    return _RESPONSES.get(t) or _RESPONSES.get(t.replace("-", " ").replace("_", " "))


def _chain(first: list[list[str]], rest):
    yield from first
    yield from rest


def looks_like(first_line: str) -> bool:
    """A prosecution-response file: a header naming case and response columns, or a first row
    whose third field is a response."""
    fields = next(csv.reader([first_line]), [])
    names = {_ALIASES.get(f.strip().lower(), f.strip().lower()) for f in fields}
    if {"case_number", "response"} <= names:
        return True
    return len(fields) >= 3 and _response(fields[2]) is not None


def import_responses(
    db: sqlite_utils.Database, path: str | os.PathLike[str], user: str | None = None
) -> ImportSummary:
    path = Path(path)
    if not path.is_file():
        raise NotImportable(path, "the file does not exist")
    why = looks_binary(path)
    if why:
        raise NotImportable(path, why)
    sha = file_sha256(path)
    conn = db.conn
    row = conn.execute(
        "SELECT id, rows_read, rows_kept, rows_rejected FROM imports WHERE sha256 = ?", (sha,)
    ).fetchone()
    if row:
        return ImportSummary(
            row[0],
            str(path),
            sha,
            "prosecution-responses",
            row[1],
            row[2],
            row[3],
            already_imported=True,
        )
    text = decode(path.read_bytes()).lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise NotImportable(path, "it is empty")
    cols = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    pending: list[list[str]] = []
    if "response" not in cols and len(header) >= 3 and _response(header[2]) is not None:
        # No header line: the columns are in the documented order.
        pending.append(header)
        cols = list(POSITIONAL[: len(header)]) + [f"extra{i}" for i in range(len(header) - 5)]
    if "case_number" not in cols or "response" not in cols:
        raise NotImportable(
            path,
            "a prosecution-response file needs the columns case_number and "
            f"response (found: {', '.join(header)})",
        )
    idx = {c: i for i, c in enumerate(cols)}
    kept: list[tuple] = []
    rejects: list[tuple] = []
    read = 0
    first_data_line = 1 if pending else 2
    for n, fields in enumerate(_chain(pending, reader)):
        line = first_data_line + n if pending and n == 0 else reader.line_num
        if not any(f.strip() for f in fields):
            continue
        read += 1

        def get(name: str, fields: list[str] = fields) -> str:
            i = idx.get(name)
            return fields[i].strip() if i is not None and i < len(fields) else ""

        if len(fields) != len(cols):
            rejects.append(
                (
                    line,
                    None,
                    f"has {len(fields)} fields; the header has {len(cols)}",
                    ",".join(fields),
                )
            )
            continue
        case = get("case_number")
        resp = _response(get("response"))
        if not case:
            rejects.append((line, "case_number", "the case number is blank", ",".join(fields)))
            continue
        if resp is None:
            rejects.append(
                (
                    line,
                    "response",
                    f"response '{get('response')}' is not 'challenged' or 'not_challenged'",
                    ",".join(fields),
                )
            )
            continue
        count_s = get("count")
        if count_s and not count_s.isdigit():
            rejects.append((line, "count", f"count '{count_s}' is not a number", ",".join(fields)))
            continue
        try:
            d = parse_date(get("date"))
        except BadDate as exc:
            rejects.append((line, "date", str(exc), ",".join(fields)))
            continue
        kept.append(
            (
                case,
                int(count_s) if count_s else None,
                resp,
                get("ground") or None,
                d.isoformat() if d else None,
                line,
            )
        )
    if not kept:
        raise NotImportable(path, f"none of its {read} rows is a usable response")
    with transaction(conn):
        now = clock.utc_stamp()
        iid = int(
            conn.execute(
                "INSERT INTO imports (file_name, file_path, file_size, sha256, format, has_header,"
                " rows_read, rows_kept, rows_rejected, imported_by, imported_at)"
                " VALUES (?, ?, ?, ?, 'prosecution-responses', ?, ?, ?, ?, ?, ?)",
                (
                    path.name,
                    str(path.resolve()),
                    path.stat().st_size,
                    sha,
                    int(not pending),
                    read,
                    len(kept),
                    len(rejects),
                    user,
                    now,
                ),
            ).lastrowid
            or 0
        )
        conn.executemany(
            "INSERT INTO prosecution_responses (import_id, case_number, count_no,"
            " response, ground, response_date, source_line) VALUES (?,?,?,?,?,?,?)",
            [(iid, *k) for k in kept],
        )
        conn.executemany(
            "INSERT INTO rejected_rows (import_id, line, column_name, reason, raw)"
            " VALUES (?,?,?,?,?)",
            [(iid, *r) for r in rejects],
        )
        audit.append(
            conn,
            user,
            "import_responses",
            [iid],
            {"file": path.name, "sha256": sha, "kept": len(kept), "rejected": len(rejects)},
        )
    return ImportSummary(
        iid, str(path), sha, "prosecution-responses", read, len(kept), len(rejects)
    )
