"""Exporting the audit log for a court's records (CSV or JSON Lines, hashes included), and checking
a database's chain against an earlier export."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.audit.log import entry_hash
from desktop.audit.query import COLUMNS, AuditEntry, list_entries
from desktop.errors import UserError
from desktop.outputs import CSV_NOTE, check_output, neutralise_cell, restore_cell, write_output

FORMATS = ("csv", "jsonl")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    entries: int
    head_seq: int
    head_hash: str
    sha256: str  # of the written file, for the court's register


def format_for(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise UserError(f"unknown audit export format {fmt!r}; use csv or jsonl")
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise UserError(
        f"cannot tell the export format from {path.name}; name the file .csv or .jsonl "
        "or pass --format csv|jsonl"
    )


def _render(entries: list[AuditEntry], fmt: str) -> bytes:
    buf = io.StringIO(newline="")
    if fmt == "csv":
        # targets and payload stay in their canonical JSON form: they are what the hash covers, so
        # anyone can recompute every hash from the CSV alone. The CSV is also meant for people:
        # a cell that would start a spreadsheet formula gets a leading ' (CSV_NOTE, first line),
        # which read_export removes again before any hash is recomputed.
        buf.write(CSV_NOTE + " Hashes are computed over the values without that '.\n")
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(COLUMNS)
        for e in entries:
            w.writerow(
                [
                    neutralise_cell(v)
                    for v in (
                        e.seq,
                        e.at,
                        "" if e.user is None else e.user,
                        e.action,
                        e.targets,
                        e.payload,
                        e.prev_hash,
                        e.hash,
                    )
                ]
            )
    else:
        for e in entries:
            buf.write(json.dumps(e.as_dict(decoded=False), ensure_ascii=False, sort_keys=True))
            buf.write("\n")
    return buf.getvalue().encode("utf-8")


def export(
    conn: sqlite3.Connection, out: Path, fmt: str | None = None, *, force: bool = False
) -> ExportResult:
    """Write every entry to `out` (atomically: a temp file renamed into place, mode 0600).
    Guarded: never the database or a backup, never an existing file without `force`."""
    out = Path(out)
    fmt = format_for(out, fmt)
    out = check_output(out, db=conn, force=force, what="audit export")
    entries = list_entries(conn)
    data = _render(entries, fmt)
    write_output(out, data, db=conn, force=force, what="audit export")
    last = entries[-1] if entries else None
    return ExportResult(
        out,
        fmt,
        len(entries),
        last.seq if last else 0,
        last.hash if last else "0" * 64,
        hashlib.sha256(data).hexdigest(),
    )


def read_export(path: Path) -> list[AuditEntry]:
    """Entries from an export written by `export` (either format)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the audit export {path}: {exc}") from exc
    entries: list[AuditEntry] = []
    try:
        if text.startswith("#"):
            text = text.split("\n", 1)[1] if "\n" in text else ""
        if text.startswith(",".join(COLUMNS)):
            for raw in csv.DictReader(io.StringIO(text, newline="")):
                row = {k: restore_cell(v or "") for k, v in raw.items()}
                entries.append(
                    AuditEntry(
                        int(row["seq"]),
                        row["at"],
                        row["user"] or None,
                        row["action"],
                        row["targets"],
                        row["payload"],
                        row["prev_hash"],
                        row["hash"],
                    )
                )
        else:
            for line in text.splitlines():
                if line.strip():
                    d = json.loads(line)
                    entries.append(AuditEntry(*(d[c] for c in COLUMNS)))
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path} is not a ReliefDesk audit export: {exc}") from exc
    return entries


def compare_with_export(conn: sqlite3.Connection, exported: list[AuditEntry]) -> str | None:
    """None when every exported entry is still in the database unchanged; else what differs.

    An export kept outside the database anchors the chain: someone who rewrites the whole log and
    recomputes every hash still cannot match the hashes the court already holds."""
    for e in exported:
        if entry_hash(e.seq, e.at, e.user, e.action, e.targets, e.payload, e.prev_hash) != e.hash:
            return f"the export itself is inconsistent at entry {e.seq} (edited after export?)"
        row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (e.seq,)).fetchone()
        if row is None:
            return f"entry {e.seq} is in the export but no longer in the database"
        if row[0] != e.hash:
            return (
                f"entry {e.seq} differs from the exported copy (hash {row[0][:12]}… "
                f"vs {e.hash[:12]}…)"
            )
    return None
