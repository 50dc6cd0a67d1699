"""The judge's side, answering: the judge's sample decisions and notes, the acceptance (the sealed
manifest, signed when the judge accepted with a certificate) and the signed orders, written from
the workspace as one answer file for the clerk's database to import."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from desktop import __version__, audit
from desktop.errors import RefusedError
from desktop.exchange import fileformat as ff
from desktop.exchange.common import host_name, refuse_outside_workspace
from desktop.exchange.workspace import workspace_user
from desktop.outputs import check_output, open_output
from desktop.review.clock import now
from desktop.review.users import User, require_role
from desktop.store.tx import transaction


@dataclass(frozen=True)
class Answered:
    path: Path
    answer_id: str
    batch_id: int
    accepted: bool
    sent_back: int
    orders: int
    sha256: str


def answer_parts(conn: sqlite3.Connection, judge: User) -> tuple[dict[str, bytes], dict]:
    info = refuse_outside_workspace(conn, "an answer is written")
    workspace_user(conn, judge)
    batch_id = int(info["batch_id"])
    batch = conn.execute(
        "SELECT status, sample_seed, accepted_at FROM batches WHERE id = ?", (batch_id,)
    ).fetchone()
    judged = conn.execute(
        "SELECT COUNT(*) FROM batch_items WHERE batch_id = ? AND judge_status IS NOT NULL",
        (batch_id,),
    ).fetchone()[0]
    if batch[1] is None and not judged:
        raise RefusedError(
            f"nothing to answer yet: draw the sample of batch {batch_id} and check it first"
        )
    accepted = batch[0] == "accepted"
    parts: dict[str, bytes] = {}

    def put(table: str, where: str, *params: object) -> None:
        parts[f"tables/{table}.json"] = ff.table_part(conn, table, where, params)

    put("batches", "id = ?", batch_id)
    put("batch_items", "batch_id = ?", batch_id)
    put(
        "openings",
        "user = ? AND count_id IN (SELECT count_id FROM batch_items WHERE batch_id = ?)",
        judge.name,
        batch_id,
    )
    put("review_log", "user = ? AND action = 'send_back'", judge.name)
    put("resentence_terms", "batch_id = ?", batch_id)
    orders = conn.execute(
        "SELECT id, order_no, file_path, sha256 FROM orders WHERE batch_id = ?"
        " AND status IN ('signed', 'printed') AND COALESCE(signature_method, 'digital') = 'digital'"
        " ORDER BY order_no",
        (batch_id,),
    ).fetchall()
    ids = json.dumps([o[0] for o in orders])
    put("orders", "id IN (SELECT value FROM json_each(?))", ids)
    put("order_counts", "order_id IN (SELECT value FROM json_each(?))", ids)
    for _oid, order_no, file_path, sha in orders:
        try:
            pdf = Path(file_path).read_bytes()
        except OSError:
            raise RefusedError(
                f"the signed file of order {order_no} is missing ({file_path}); render the "
                f"batch again (reliefdesk orders render --batch {batch_id} ...) first"
            ) from None
        if hashlib.sha256(pdf).hexdigest() != sha:
            raise RefusedError(
                f"the file of order {order_no} ({file_path}) differs from the one signed; "
                "render the batch again first"
            )
        parts[f"orders/{order_no}.pdf"] = pdf
    if accepted:
        m = conn.execute(
            "SELECT manifest, sha256, signature, certificate, cert_sha256 FROM batch_manifests"
            " WHERE batch_id = ?",
            (batch_id,),
        ).fetchone()
        parts["acceptance/manifest.json"] = m[0].encode("utf-8")
        if m[2]:
            parts["acceptance/signature.json"] = ff.canonical_json(
                {"signature": m[2], "certificate": m[3], "cert_sha256": m[4]}
            )
    parts["audit/workspace-log.json"] = ff.table_part(conn, "audit_log")
    sent_back = conn.execute(
        "SELECT COUNT(*) FROM batch_items WHERE batch_id = ? AND judge_status = 'sent_back'",
        (batch_id,),
    ).fetchone()[0]
    facts = {
        "package_id": info["package_id"],
        "package_sha256": info["package_sha256"],
        "batch_id": batch_id,
        "judge": judge.name,
        "host": host_name(),
        "accepted": accepted,
        "sent_back": int(sent_back),
        "orders": [o[1] for o in orders],
    }
    return parts, facts


def write_answer(conn: sqlite3.Connection, judge: User, out: Path | str) -> Answered:
    """Write the answer file (a new file, never an existing one or the database); one audit entry
    in the workspace records it."""
    require_role(judge, "judge")
    out = check_output(out, db=conn, what="answer")
    with transaction(conn):
        parts, facts = answer_parts(conn, judge)
        answer_id = uuid.uuid4().hex
        at = now()
        facts.update(answer_id=answer_id, written_at=at)
        parts["answer.json"] = ff.canonical_json(facts)
        data, man = ff.build(
            {
                "kind": "answer",
                "package_id": facts["package_id"],
                "answer_id": answer_id,
                "batch_id": facts["batch_id"],
                "created_at": at,
                "created_by": judge.name,
                "host": facts["host"],
                "program_version": __version__,
                "schema_version": int(conn.execute("PRAGMA user_version").fetchone()[0]),
            },
            parts,
        )
        sha = ff.sha256(man)
        audit.append(
            conn,
            judge.name,
            "package.answer",
            [facts["batch_id"]],
            {
                "answer_id": answer_id,
                "answer_sha256": sha,
                "file": str(out),
                "accepted": facts["accepted"],
                "orders": facts["orders"],
            },
        )
        with open_output(out) as fh:
            fh.write(data)
    return Answered(
        out,
        answer_id,
        int(facts["batch_id"]),
        bool(facts["accepted"]),
        int(facts["sent_back"]),
        len(facts["orders"]),
        sha,
    )
