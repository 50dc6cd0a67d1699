"""What happens to an order besides rendering: a resentencing's terms entered by the judge, a signature
made in ink or in the court's own system recorded, a correction made as a new order, and a count whose
order could not be produced sent back after the batch was accepted.

Every change is one transaction with one audit entry; role checks are here, so the window and the
command line behave the same."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from desktop import audit, clock
from desktop.errors import RefusedError, UserError
from desktop.orders.court_settings import signer_settings
from desktop.orders.register import OrderRow, get_order, next_order_number
from desktop.review import state as st
from desktop.review.clock import now
from desktop.review.users import User, require_role
from desktop.store.tx import transaction
from desktop.vocabulary import Role

METHODS = ("ink", "external")
MAX_CREDIT_DAYS = 36_500


def _order_row(conn: sqlite3.Connection, order_no: str) -> sqlite3.Row:
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
    finally:
        conn.row_factory = None
    if row is None:
        raise UserError(f"there is no order {order_no}; `reliefdesk orders list` shows the orders.")
    return row


def enter_terms(
    conn: sqlite3.Connection,
    judge: User,
    batch_id: int,
    case_id: int,
    *,
    credit_days: int,
    disposition: str,
    supervision_kind: str = "",
    supervision_months: int | None = None,
    hearing_date: str | None = None,
    hearing_department: str = "",
) -> None:
    """The judge enters the terms of a resentencing (HS 11361.8(b)-(d)); its order can then be
    produced complete and signed. Refused once that order is signed (a correction is a new order)."""
    require_role(judge, Role.JUDGE)
    if not 0 <= credit_days <= MAX_CREDIT_DAYS:
        raise UserError(
            f"credit for time served must be 0 to {MAX_CREDIT_DAYS:,} days, not {credit_days}"
        )
    if disposition not in ("released", "supervision"):
        raise UserError(
            "say whether the person is released from supervision (--released) or "
            "placed on supervision (--supervision KIND --months N)"
        )
    supervision_kind = " ".join(supervision_kind.split())
    if disposition == "supervision":
        if not supervision_kind:
            raise UserError("name the supervision, e.g. --supervision 'misdemeanor probation'")
        if supervision_months is None or not 1 <= supervision_months <= 12:
            raise UserError(
                "supervision is at most one year (HS 11361.8(c)): give --months 1 to 12"
            )
    else:
        supervision_kind, supervision_months = "", None
    hearing_department = " ".join(hearing_department.split())
    if hearing_date:
        try:
            date.fromisoformat(hearing_date)
        except ValueError as exc:
            raise UserError(f"hearing date {hearing_date!r} is not a date; use YYYY-MM-DD") from exc
        if not hearing_department:
            raise UserError("a hearing needs its department (--department)")
    elif hearing_department:
        raise UserError(
            "a department is given without a hearing date (--hearing-date); leave both "
            "out when the court decided on the papers"
        )
    with transaction(conn):
        if not conn.execute(
            "SELECT 1 FROM batch_items bi JOIN counts c ON c.id = bi.count_id "
            "JOIN batches b ON b.id = bi.batch_id WHERE bi.batch_id = ? AND c.case_id = ? "
            "AND b.status = 'accepted' AND COALESCE(bi.judge_status, '') <> 'sent_back' "
            "AND COALESCE(bi.relief, '') = 'resentence' LIMIT 1",
            (batch_id, case_id),
        ).fetchone():
            raise UserError(
                f"batch {batch_id} is not accepted or holds no resentencing of case id "
                f"{case_id}; `reliefdesk orders list --batch {batch_id}` shows its orders"
            )
        signed = conn.execute(
            "SELECT order_no FROM orders WHERE batch_id = ? AND case_id = ? AND "
            "kind = 'resentence' AND status <> 'prepared'",
            (batch_id, case_id),
        ).fetchone()
        if signed:
            raise RefusedError(
                f"the resentencing order {signed[0]} is signed; signed orders are never "
                f"edited. Make a correcting order (reliefdesk orders amend {signed[0]})"
                " after changing the terms. Nothing was changed."
            )
        old = conn.execute(
            "SELECT credit_days, disposition, supervision_kind, supervision_months,"
            " hearing_date, hearing_department FROM resentence_terms WHERE batch_id = ?"
            " AND case_id = ?",
            (batch_id, case_id),
        ).fetchone()
        conn.execute(
            "INSERT OR REPLACE INTO resentence_terms (batch_id, case_id, credit_days, disposition,"
            " supervision_kind, supervision_months, hearing_date, hearing_department, entered_by,"
            " entered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                batch_id,
                case_id,
                credit_days,
                disposition,
                supervision_kind or None,
                supervision_months,
                hearing_date or None,
                hearing_department or None,
                judge.name,
                now(),
            ),
        )
        audit.append(
            conn,
            judge.name,
            "orders.terms",
            [case_id],
            {
                "batch_id": batch_id,
                "credit_days": credit_days,
                "disposition": disposition,
                "supervision_kind": supervision_kind or None,
                "supervision_months": supervision_months,
                "hearing_date": hearing_date or None,
                "hearing_department": hearing_department or None,
                "replaced": list(old) if old else None,
            },
        )


def record_signature(
    conn: sqlite3.Connection,
    actor: User,
    order_no: str,
    *,
    judge: str,
    signed_at: datetime,
    method: str,
    scan: Path | None = None,
) -> OrderRow:
    """Record that the judge signed the printed order in ink, or in the court's own case or document
    system: who, when and how, and optionally the scanned signed copy (its hash goes in the register).
    Only then does the order count as signed (exports, the Orders list)."""
    require_role(actor, Role.CLERK, Role.JUDGE)
    if method not in METHODS:
        raise UserError(
            f"how was it signed? use one of {', '.join(METHODS)} (ink = on paper; "
            "external = in the court's own case or document system)"
        )
    jrow = conn.execute("SELECT name, role, active FROM users WHERE name = ?", (judge,)).fetchone()
    if jrow is None or jrow[1] != Role.JUDGE:
        raise UserError(f"{judge} is not a judge's ReliefDesk account; name the judge who signed.")
    if signed_at.tzinfo is None:
        raise UserError("give the signing time with its time zone, e.g. 2026-11-30T10:15-08:00")
    if signed_at.astimezone(UTC) > clock.now():
        raise UserError("the signing time is in the future; give the time the judge signed")
    scan_hash = None
    if scan is not None:
        try:
            blob = scan.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read the scanned copy {scan}: {exc.strerror or exc}") from exc
        if not blob.startswith(b"%PDF") and not blob.startswith(
            (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
        ):
            raise UserError(
                f"{scan} is not a PDF or an image (PNG, JPEG, TIFF); attach the scan of "
                "the signed order"
            )
        scan_hash = hashlib.sha256(blob).hexdigest()
    at = now()
    with transaction(conn):
        row = _order_row(conn, order_no)
        if row["status"] != "prepared":
            raise RefusedError(
                f"order {order_no} is already signed ({row['signature_method'] or 'digital'}"
                f", {clock.court_time_text(row['signed_at'])}); signed orders are never edited. Nothing was "
                "changed."
            )
        if not row["unsigned_path"]:
            which = (
                f"--batch {row['batch_id']}"
                if row["batch_id"] is not None
                else f"--matter {row['matter_id']}"
            )
            raise RefusedError(
                f"order {order_no} was not printed for signature yet; print it unsigned "
                f"first (reliefdesk orders render {which} --unsigned "
                "...). Nothing was changed."
            )
        if row["problem"]:
            raise RefusedError(
                f"order {order_no} could not be produced ({row['problem']}). Nothing was changed."
            )
        settings = signer_settings(conn, jrow[0])
        printed = row["signer"] or settings.display_name or jrow[0]
        file_path = str(scan.resolve()) if scan is not None else row["unsigned_path"]
        file_hash = scan_hash or row["unsigned_sha256"]
        conn.execute(
            "UPDATE orders SET status = 'signed', signature_method = ?, signer = ?, signer_title = ?,"
            " signed_by = ?, signed_at = ?, signature_recorded_by = ?, signature_recorded_at = ?,"
            " scan_path = ?, scan_sha256 = ?, file_path = ?, sha256 = ? WHERE order_no = ?",
            (
                method,
                printed,
                settings.title or None,
                jrow[0],
                signed_at.astimezone(UTC).isoformat(timespec="seconds"),
                actor.name,
                at,
                str(scan.resolve()) if scan is not None else None,
                scan_hash,
                file_path,
                file_hash,
                order_no,
            ),
        )
        audit.append(
            conn,
            actor.name,
            "orders.record_signature",
            [order_no],
            {
                "judge": jrow[0],
                "method": method,
                "signed_at": signed_at.astimezone(UTC).isoformat(timespec="seconds"),
                "unsigned_sha256": row["unsigned_sha256"],
                "scan_sha256": scan_hash,
            },
        )
    return get_order(conn, order_no)


def amend_order(conn: sqlite3.Connection, judge: User, order_no: str, reason: str) -> str:
    """A correction: a new order (prepared, to be rendered and signed) for the same counts, naming the
    order it amends; the signed order stays as it is. Returns the new order number."""
    require_role(judge, Role.JUDGE)
    reason = " ".join((reason or "").split())
    if not reason:
        raise UserError(
            "say what the correction is (--reason TEXT); it is printed on the new order"
        )
    if len(reason) > 500:
        raise UserError(f"the reason is {len(reason)} characters; at most 500 fit on the order")
    with transaction(conn):
        old = _order_row(conn, order_no)
        if old["status"] == "prepared":
            raise RefusedError(
                f"order {order_no} is not signed; it can still be rendered as it "
                "should be. Nothing was changed."
            )
        newer = conn.execute(
            "SELECT order_no FROM orders WHERE amends_order_no = ?", (order_no,)
        ).fetchone()
        if newer:
            raise RefusedError(
                f"order {order_no} was already amended by order {newer[0]}; amend "
                "that one. Nothing was changed."
            )
        today = clock.court_today()
        new_no, code, seq = next_order_number(conn, old["county"], today.year)
        cur = conn.execute(
            "INSERT INTO orders (order_no, kind, batch_id, case_id, county, county_code, year, seq,"
            " order_date, template_name, template_version, status, created_by, created_at,"
            " amends_order_no, amend_reason, printed_names, matter_id, hearing_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'prepared', ?, ?, ?, ?, ?, ?, ?)",
            (
                new_no,
                old["kind"],
                old["batch_id"],
                old["case_id"],
                old["county"],
                code,
                today.year,
                seq,
                today.isoformat(),
                old["template_name"],
                old["template_version"],
                judge.name,
                now(),
                order_no,
                reason,
                old["printed_names"],
                old["matter_id"],
                old["hearing_id"],
            ),
        )
        conn.execute(
            "INSERT INTO order_counts (order_id, count_id, case_id, relief, resentence_target)"
            " SELECT ?, count_id, case_id, relief, resentence_target FROM order_counts"
            " WHERE order_id = ?",
            (cur.lastrowid, old["id"]),
        )
        audit.append(
            conn,
            judge.name,
            "orders.amend",
            [new_no],
            {"amends": order_no, "reason": reason, "batch_id": old["batch_id"]},
        )
    return new_no


def send_back_unproduced(
    conn: sqlite3.Connection, judge: User, order_no: str, note: str
) -> list[int]:
    """After acceptance, the judge sends back the counts of an order that could not be produced (or
    is waiting for resentencing terms the court will not enter): they return to the clerk's queue as
    pending, leave the order, and the rest of the batch is unaffected. Returns the count ids."""
    require_role(judge, Role.JUDGE)
    text = " ".join((note or "").split())
    if not text:
        raise UserError("a send-back needs a note for the clerk (--note TEXT)")
    at = now()
    with transaction(conn):
        row = _order_row(conn, order_no)
        if row["status"] != "prepared":
            raise RefusedError(
                f"order {order_no} is signed; a signed order is corrected by a new "
                f"order (reliefdesk orders amend {order_no}). Nothing was changed."
            )
        if row["batch_id"] is None:
            raise RefusedError(
                f"order {order_no} was made from the rulings of matter {row['matter_id']}, "
                "not from a batch; nothing goes back to the clerk's queue. The judge corrects "
                "the ruling, and the order is made again. Nothing was changed."
            )
        waiting = (
            row["kind"] == "resentence"
            and not conn.execute(
                "SELECT 1 FROM resentence_terms WHERE batch_id = ? AND case_id = ?",
                (row["batch_id"], row["case_id"]),
            ).fetchone()
        )
        if not row["problem"] and not waiting:
            raise RefusedError(
                f"order {order_no} can be produced; after acceptance only a count whose "
                "order could not be produced (or a resentencing without terms) is sent "
                "back. Nothing was changed."
            )
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT count_id FROM order_counts WHERE order_id = ? ORDER BY count_id",
                (row["id"],),
            )
        ]
        if not ids:
            raise RefusedError(f"order {order_no} holds no counts any more. Nothing was changed.")
        old_states = st.read_states(conn, ids)
        changes = []
        for cid in ids:
            old = old_states[cid]
            new = st.sent_back_state(
                old, sent_back_by=judge.name, batch_id=row["batch_id"], note=text, order_no=order_no
            )
            changes.append((cid, old, new))
        conn.executemany(
            "UPDATE batch_items SET judge_status = 'sent_back', judge_note = ?,"
            " judged_by = ?, judged_at = ? WHERE batch_id = ? AND count_id = ?",
            [(text, judge.name, at, row["batch_id"], cid) for cid in ids],
        )
        conn.execute("DELETE FROM order_counts WHERE order_id = ?", (row["id"],))
        conn.execute(
            "UPDATE orders SET problem = ? WHERE id = ?",
            (f"withdrawn: its counts were sent back by {judge.name} ({text})"[:500], row["id"]),
        )
        st.log_step(conn, judge.name, "send_back", at, changes)
        audit.append(
            conn,
            judge.name,
            "batch.send_back",
            ids,
            {
                "batch_id": row["batch_id"],
                "order_no": order_no,
                "note": text,
                "after_acceptance": True,
                "reason": row["problem"],
            },
            rows={"review_items": ids, "batch_items": [(row["batch_id"], cid) for cid in ids]},
        )
    return ids
