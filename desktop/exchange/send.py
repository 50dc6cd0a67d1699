"""The clerk's side, sending: one package file holding exactly one submitted batch (its people's
whole records, determinations with explanations, the clerk's decisions and reasons, the sample
settings, the policy, the court settings an order needs and the judge's signer settings) and a
manifest with every part's SHA-256. Never an account, a password hash or a key."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop import __version__, audit
from desktop.errors import RefusedError, UserError
from desktop.exchange import fileformat as ff
from desktop.exchange.common import batch_counts, batch_state, host_name, refuse_in_workspace
from desktop.outputs import check_output, open_output
from desktop.review.clock import now
from desktop.review.users import User, active_judges, require_role
from desktop.store.tx import transaction

# Settings a workspace needs (the rest, such as backups or the audit head, stay at the clerk's).
SETTING_KEYS = (
    "sample_percent",
    "sample_min_per_stratum",
    "bulk_min_opened",
    "order_prefix",
    "court_county",
)
SETTING_PREFIXES = ("court.", "relief.")
# The tables a batch package holds, in the order a workspace inserts them (foreign keys).
TABLES = (
    "imports",
    "subjects",
    "subject_events",
    "cases",
    "counts",
    "evaluation_runs",
    "determinations",
    "review_items",
    "review_log",
    "batches",
    "batch_items",
    "prosecution_responses",
    "resentence_terms",
    "signer_settings",
    "settings",
)
# Columns of the clerk's import records a package leaves out: where the file was on the clerk's PC.
IMPORT_COLUMNS = (
    "id",
    "file_name",
    "sha256",
    "format",
    "rows_read",
    "rows_kept",
    "rows_rejected",
    "imported_at",
)


@dataclass(frozen=True)
class Sent:
    path: Path
    package_id: str
    batch_id: int
    counts: int
    people: int
    sha256: str  # of manifest.json
    file_sha256: str


def _ids_json(ids: list[int]) -> str:
    return json.dumps(sorted(set(ids)))


def _in(column: str) -> str:
    return f"{column} IN (SELECT value FROM json_each(?))"


def batch_parts(
    conn: sqlite3.Connection, batch_id: int, judge: str | None
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The parts of the package of a batch, and facts for its description."""
    counts = batch_counts(conn, batch_id)
    cids = _ids_json(counts)
    people = [
        int(r[0])
        for r in conn.execute(f"SELECT DISTINCT subject_id FROM counts WHERE {_in('id')}", (cids,))
    ]
    pids = _ids_json(people)
    record_counts = [
        int(r[0]) for r in conn.execute(f"SELECT id FROM counts WHERE {_in('subject_id')}", (pids,))
    ]
    rcids = _ids_json(record_counts)
    dets = [
        int(r[0])
        for r in conn.execute(
            f"SELECT determination_id FROM review_items WHERE {_in('count_id')}", (rcids,)
        )
    ]
    dids = _ids_json(dets)
    runs = _ids_json(
        [
            int(r[0])
            for r in conn.execute(
                f"SELECT DISTINCT run_id FROM determinations WHERE {_in('id')}", (dids,)
            )
        ]
    )
    imports = _ids_json(
        [
            int(r[0])
            for r in conn.execute(
                f"SELECT import_id FROM subjects WHERE {_in('id')} UNION "
                f"SELECT import_id FROM counts WHERE {_in('subject_id')}",
                (pids, pids),
            )
        ]
    )
    case_numbers = json.dumps(
        sorted(
            {
                r[0]
                for r in conn.execute(
                    f"SELECT case_number FROM cases WHERE {_in('subject_id')}"
                    " AND case_number IS NOT NULL",
                    (pids,),
                )
            }
        )
    )
    keys = json.dumps(list(SETTING_KEYS))
    parts: dict[str, bytes] = {}

    def put(table: str, where: str, *params: Any) -> None:
        parts[f"tables/{table}.json"] = ff.table_part(conn, table, where, params)

    cols = ", ".join(IMPORT_COLUMNS)
    cur = conn.execute(f"SELECT {cols} FROM imports WHERE {_in('id')}", (imports,))
    parts["tables/imports.json"] = ff.canonical_json(
        {"table": "imports", "columns": list(IMPORT_COLUMNS), "rows": [list(r) for r in cur]}
    )
    put("subjects", _in("id"), pids)
    put("subject_events", _in("subject_id"), pids)
    put("cases", _in("subject_id"), pids)
    put("counts", _in("subject_id"), pids)
    put("evaluation_runs", _in("id"), runs)
    put("determinations", _in("id"), dids)
    put("review_items", _in("count_id"), rcids)
    put("review_log", _in("count_id"), cids)
    put("batches", "id = ?", batch_id)
    put("batch_items", "batch_id = ?", batch_id)
    put("prosecution_responses", _in("case_number"), case_numbers)
    put("resentence_terms", "batch_id = ?", batch_id)
    put("signer_settings", "user = ? COLLATE NOCASE", judge or "")
    put(
        "settings",
        f"{_in('key')} OR key LIKE 'court.%' OR key LIKE 'relief.%'",
        keys,
    )
    return parts, {
        "counts": len(counts),
        "people": len(people),
        "record_counts": len(record_counts),
    }


def send_batch(
    conn: sqlite3.Connection,
    clerk: User,
    batch_id: int,
    out: Path | str,
    *,
    judge: str | None = None,
) -> Sent:
    """Write the package of a submitted batch to `out` (a new file: an existing file or the
    database is never replaced) and record it, in one transaction with one audit entry."""
    require_role(clerk, "clerk")
    refuse_in_workspace(conn, "a batch is sent")
    out = check_output(out, db=conn, what="package")
    if out.suffix.lower() in (".sqlite3", ".sqlite", ".db"):
        raise UserError(
            f"{out} looks like a database name; a package is a .rdpkg file. Nothing was written."
        )
    with transaction(conn):
        row = conn.execute(
            "SELECT status, prepared_by, sample_seed FROM batches WHERE id = ?", (batch_id,)
        ).fetchone()
        if row is None:
            raise UserError(f"there is no batch {batch_id}; see `reliefdesk batch list`")
        if row[0] != "submitted":
            raise RefusedError(
                f"batch {batch_id} is {row[0]}; only a submitted batch is sent to the judge"
            )
        if judge:
            found = conn.execute(
                "SELECT name, role, active FROM users WHERE name = ? COLLATE NOCASE", (judge,)
            ).fetchone()
            if found is None or found[1] != "judge" or not found[2]:
                raise RefusedError(f"{judge} is not an active judge in this database")
            judge = str(found[0])
            if judge.casefold() == str(row[1]).casefold():
                raise RefusedError(
                    f"{judge} prepared batch {batch_id}; another judge must check it"
                )
        parts, facts = batch_parts(conn, batch_id, judge)
        if not facts["counts"]:
            raise RefusedError(f"batch {batch_id} holds no counts")
        package_id = uuid.uuid4().hex
        at = now()
        from desktop.review.settings import installation_id

        description = {
            "batch_id": batch_id,
            "prepared_by": row[1],
            "judge": judge,
            "sent_by": clerk.name,
            "sent_at": at,
            "counts": facts["counts"],
            "people": facts["people"],
            "clerk_installation_id": installation_id(conn),
            # Names only: the judges whose answer the clerk's database will take.
            "judges": [j for j in active_judges(conn) if j.casefold() != str(row[1]).casefold()],
        }
        parts["package.json"] = ff.canonical_json(description)
        schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
        data, man = ff.build(
            {
                "kind": "batch",
                "package_id": package_id,
                "batch_id": batch_id,
                "created_at": at,
                "created_by": clerk.name,
                "host": host_name(),
                "program_version": __version__,
                "schema_version": schema,
            },
            parts,
        )
        sha, file_sha = ff.sha256(man), ff.sha256(data)
        conn.execute(
            "INSERT INTO package_sends (package_id, batch_id, sha256, file_sha256, batch_state,"
            " judge, sent_by, sent_at, file_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                package_id,
                batch_id,
                sha,
                file_sha,
                json.dumps(batch_state(conn, batch_id), sort_keys=True),
                judge,
                clerk.name,
                at,
                out.name,
            ),
        )
        audit.append(
            conn,
            clerk.name,
            "batch.send",
            [batch_id],
            {
                "package_id": package_id,
                "package_sha256": sha,
                "file_sha256": file_sha,
                "file": str(out),
                "judge": judge,
                "counts": facts["counts"],
                "people": facts["people"],
                "host": host_name(),
            },
        )
        # The file is written inside the transaction: if it cannot be written nothing is recorded.
        with open_output(out) as fh:
            fh.write(data)
    return Sent(out, package_id, batch_id, facts["counts"], facts["people"], sha, file_sha)


def sends(conn: sqlite3.Connection, batch_id: int | None = None) -> list[dict[str, Any]]:
    """Packages sent (newest first): package id, batch, judge, sent by/at, answered."""
    cur = conn.execute(
        "SELECT package_id, batch_id, judge, sent_by, sent_at, file_name, answer_judge,"
        " answer_host, answered_at, imported_at FROM package_sends"
        + (" WHERE batch_id = ?" if batch_id is not None else "")
        + " ORDER BY sent_at DESC",
        (batch_id,) if batch_id is not None else (),
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur]
