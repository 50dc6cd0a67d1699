"""The orders register (orders and order_counts tables): numbering, listing, printing, and the facts
`orders verify` and the window's Orders view need."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop import audit, clock
from desktop.errors import RefusedError, UserError
from desktop.store.tx import transaction

if TYPE_CHECKING:
    from desktop.orders.verify import VerifyResult

# California's counties in their customary alphabetical numbering (01 Alameda ... 58 Yuba).
COUNTY_CODES = {
    name: f"{i:02d}"
    for i, name in enumerate(
        (
            "ALAMEDA",
            "ALPINE",
            "AMADOR",
            "BUTTE",
            "CALAVERAS",
            "COLUSA",
            "CONTRA COSTA",
            "DEL NORTE",
            "EL DORADO",
            "FRESNO",
            "GLENN",
            "HUMBOLDT",
            "IMPERIAL",
            "INYO",
            "KERN",
            "KINGS",
            "LAKE",
            "LASSEN",
            "LOS ANGELES",
            "MADERA",
            "MARIN",
            "MARIPOSA",
            "MENDOCINO",
            "MERCED",
            "MODOC",
            "MONO",
            "MONTEREY",
            "NAPA",
            "NEVADA",
            "ORANGE",
            "PLACER",
            "PLUMAS",
            "RIVERSIDE",
            "SACRAMENTO",
            "SAN BENITO",
            "SAN BERNARDINO",
            "SAN DIEGO",
            "SAN FRANCISCO",
            "SAN JOAQUIN",
            "SAN LUIS OBISPO",
            "SAN MATEO",
            "SANTA BARBARA",
            "SANTA CLARA",
            "SANTA CRUZ",
            "SHASTA",
            "SIERRA",
            "SISKIYOU",
            "SOLANO",
            "SONOMA",
            "STANISLAUS",
            "SUTTER",
            "TEHAMA",
            "TRINITY",
            "TULARE",
            "TUOLUMNE",
            "VENTURA",
            "YOLO",
            "YUBA",
        ),
        1,
    )
}


def county_code(county: str) -> str:
    """Two-digit county number; an unknown county name gets 'XX' rather than a wrong number."""
    return COUNTY_CODES.get(" ".join(county.upper().split()), "XX")


def next_order_number(conn: sqlite3.Connection, county: str, year: int) -> tuple[str, str, int]:
    """(order_no, county_code, seq): the next number in the county's sequence for the year,
    '<court prefix>-<installation id>-<county code>-<year>-<seq>', e.g. P64-3FA2C1D0-36-2025-000017.
    The installation id (drawn once per database) keeps two databases rendering into one folder
    from numbering two different orders alike."""
    from desktop.review.settings import installation_id, order_prefix

    code = county_code(county)
    row = conn.execute(
        "SELECT MAX(seq) FROM orders WHERE county_code = ? AND year = ?", (code, year)
    ).fetchone()
    seq = (row[0] or 0) + 1
    inst = installation_id(conn)
    middle = f"-{inst}" if inst else ""
    return f"{order_prefix(conn)}{middle}-{code}-{year}-{seq:06d}", code, seq


@dataclass(frozen=True)
class OrderRow:
    id: int
    order_no: str
    kind: str
    batch_id: int | None  # None: an order made from rulings (matter_id)
    case_id: int | None
    county: str
    order_date: str
    template_name: str
    template_version: str
    file_path: str | None
    sha256: str | None
    pages: int | None
    signer: str | None
    signer_cert_sha256: str | None
    signed_by: str | None
    signed_at: str | None
    printed_at: str | None
    status: str
    counts: int
    case_numbers: str
    names: str
    signature_method: str | None = None  # digital | ink | external (None: made before 0012)
    amends_order_no: str | None = None
    problem: str | None = None  # why the last render could not produce it
    warnings: str | None = None  # fields cut to fit, for the clerk
    scan_sha256: str | None = None
    unsigned_path: str | None = None  # the order printed unsigned for an ink signature
    matter_id: int | None = None  # an order made from the rulings of a matter (issue 19)
    hearing_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_LIST_SQL = """
SELECT o.id, o.order_no, o.kind, o.batch_id, o.case_id, o.county, o.order_date, o.template_name,
       o.template_version, o.file_path, o.sha256, o.pages, o.signer, o.signer_cert_sha256, o.signed_by,
       o.signed_at, o.printed_at, o.status,
       (SELECT COUNT(*) FROM order_counts oc WHERE oc.order_id = o.id),
       COALESCE((SELECT GROUP_CONCAT(DISTINCT k.case_number) FROM order_counts oc
                 JOIN cases k ON k.id = oc.case_id WHERE oc.order_id = o.id), ''),
       COALESCE(o.printed_names, (SELECT GROUP_CONCAT(n, char(31)) FROM (
                 SELECT DISTINCT s.name AS n FROM order_counts oc
                 JOIN cases k ON k.id = oc.case_id JOIN subjects s ON s.id = k.subject_id
                 WHERE oc.order_id = o.id)), ''),
       o.signature_method, o.amends_order_no, o.problem, o.warnings, o.scan_sha256, o.unsigned_path,
       o.matter_id, o.hearing_id, o.printed_names IS NOT NULL
FROM orders o
"""


def _row(r: tuple[Any, ...]) -> OrderRow:
    """An OrderRow; names not recorded as printed (orders made before migration 0016) are shown in
    natural order as the order would print them."""
    from desktop.law.names import natural

    *fields, printed = r
    row = OrderRow(*fields)
    if not printed and row.names:
        row = replace(
            row, names="; ".join(natural(n) for n in row.names.split("\x1f") if n.strip())
        )
    return row


def list_orders(
    conn: sqlite3.Connection, batch_id: int | None = None, *, from_rulings: bool = False
) -> list[OrderRow]:
    """The register: every order, a batch's orders, or (from_rulings) the orders made from
    rulings (no batch; issue 19)."""
    if from_rulings:
        return [
            _row(r)
            for r in conn.execute(_LIST_SQL + " WHERE o.batch_id IS NULL ORDER BY o.id").fetchall()
        ]
    if batch_id is None:
        rows = conn.execute(_LIST_SQL + " ORDER BY o.id").fetchall()
    else:
        rows = conn.execute(
            _LIST_SQL + " WHERE o.batch_id = ? ORDER BY o.id", (batch_id,)
        ).fetchall()
    return [_row(r) for r in rows]


def get_order(conn: sqlite3.Connection, order_no: str) -> OrderRow:
    rows = conn.execute(_LIST_SQL + " WHERE o.order_no = ?", (order_no,)).fetchall()
    if not rows:
        raise UserError(f"there is no order {order_no}; `reliefdesk orders list` shows the orders.")
    return _row(rows[0])


def known_certificates(conn: sqlite3.Connection) -> dict[str, str]:
    """Certificate fingerprints that signed orders in this register -> a signer name, for verify."""
    try:
        rows = conn.execute(
            "SELECT signer_cert_sha256, MAX(signer) FROM orders "
            "WHERE signer_cert_sha256 IS NOT NULL GROUP BY signer_cert_sha256"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    return {fp: name for fp, name in rows}


def order_for_file(conn: sqlite3.Connection, sha256: str) -> OrderRow | None:
    rows = conn.execute(_LIST_SQL + " WHERE o.sha256 = ?", (sha256,)).fetchall()
    return _row(rows[0]) if rows else None


def mark_printed(conn: sqlite3.Connection, order_no: str, user: str | None) -> OrderRow:
    """Record that a signed order was printed (the window calls this after QPrinter finishes)."""
    with transaction(conn):
        order = get_order(conn, order_no)
        if order.status == "prepared":
            raise RefusedError(
                f"order {order_no} is not signed yet; render and sign it first "
                "(reliefdesk orders render). Nothing was changed."
            )
        at = clock.utc_stamp()
        conn.execute(
            "UPDATE orders SET printed_at = ?, printed_by = ?, status = 'printed' WHERE id = ?",
            (at, user, order.id),
        )
        audit.append(conn, user, "orders.mark_printed", [order_no], {"printed_at": at})
    return get_order(conn, order_no)


def order_file(order: OrderRow) -> Path:
    """The signed PDF of an order, checked to exist (for open/print/verify in the window)."""
    if not order.file_path:
        raise UserError(f"order {order.order_no} has no file yet; render and sign it first.")
    path = Path(order.file_path)
    if not path.exists():
        raise UserError(
            f"the file of order {order.order_no} is missing: {path}. Render the batch "
            "again ("
            + (
                f"reliefdesk orders render --batch {order.batch_id}"
                if order.batch_id is not None
                else f"reliefdesk orders render --matter {order.matter_id}"
            )
            + " ...) to rewrite it."
        )
    return path


def check_against_register(
    conn: sqlite3.Connection, path: Path, result: VerifyResult
) -> VerifyResult:
    """A file named like an order in the register (P64-....pdf) must be that order's signed file,
    byte for byte, signed by the certificate recorded for it."""
    try:
        rows = conn.execute(
            "SELECT sha256, signer_cert_sha256 FROM orders WHERE (order_no = ?"
            " OR file_path = ?) AND status <> 'prepared' ORDER BY order_no = ? DESC",
            (path.stem, str(path.resolve()), path.stem),
        ).fetchall()
    except sqlite3.OperationalError:
        return result
    problem = history_problem(conn, path)
    if problem:
        return replace(result, ok=False, problem=problem)
    if not rows:
        return result
    sha, cert = rows[0]
    if cert and result.fingerprint != cert:
        return replace(
            result,
            ok=False,
            problem=f"order {path.stem} was signed with another "
            "certificate than the register records",
        )
    if sha and hashlib.sha256(path.read_bytes()).hexdigest() != sha:
        return replace(
            result,
            ok=False,
            problem=f"the file differs from order {path.stem} as "
            "recorded in the orders register when it was signed",
        )
    return result


def history_problem(conn: sqlite3.Connection, path: Path) -> str:
    """'' unless the order carries an audit head (seq:hash, signed with it) that the database's
    log no longer holds: the history before the order was signed has been rewritten."""
    from desktop.orders.sign import audit_head_of

    try:
        head = audit_head_of(path.read_bytes())
    except OSError:
        return ""
    if not head or ":" not in head:
        return ""
    seq_text, h = head.split(":", 1)
    try:
        row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (int(seq_text),)).fetchone()
    except (ValueError, sqlite3.OperationalError):
        return ""
    if (row is None or row[0] != h) and _foreign_head(conn, head):
        return ""
    if row is None or row[0] != h:
        return (
            f"the order was signed when audit entry {seq_text} had hash {h[:16]}..., but this "
            "database's audit log "
            + ("no longer has that entry" if row is None else f"now holds {row[0][:16]}... for it")
            + ": the history before the order was rewritten (or this is another database)"
        )
    return ""


def _foreign_head(conn: sqlite3.Connection, head: str) -> bool:
    """An order signed on the judge's PC in a package workspace (issue 15) carries the head of that
    workspace's log; the import of the judge's answer recorded it, and its audit entry lists it."""
    try:
        row = conn.execute(
            "SELECT a.action, a.payload FROM foreign_audit_heads f JOIN audit_log a"
            " ON a.seq = f.audit_seq WHERE f.head = ?",
            (head,),
        ).fetchone()
    except sqlite3.OperationalError:
        return False
    if row is None or row[0] != "package.import_answer":
        return False
    return head in json.loads(row[1]).get("foreign_audit_heads", [])


def _verify_recorded(order: OrderRow, path: Path) -> VerifyResult:
    """An order signed in ink or in the court's own system: the register records who signed and
    when; the file (the scan when attached, else the unsigned order printed) must be the one recorded."""
    from desktop.orders.verify import VerifyResult

    when = datetime.fromisoformat(order.signed_at) if order.signed_at else None
    result = VerifyResult(
        str(path),
        True,
        signer=order.signer or "",
        signed_at=when,
        in_register=True,
        method=order.signature_method or "ink",
    )
    if order.sha256 and hashlib.sha256(path.read_bytes()).hexdigest() != order.sha256:
        return replace(
            result,
            ok=False,
            problem="the file differs from the one recorded when the signature was recorded",
        )
    return result


def verify_order(conn: sqlite3.Connection, order_no: str) -> VerifyResult:
    """For the window's Orders view: the order's signature, and its file is the one the register
    recorded (same SHA-256), so even a validly re-signed replacement is caught."""
    from desktop.orders.verify import verify_file

    order = get_order(conn, order_no)
    path = order_file(order)
    if order.signature_method in ("ink", "external"):
        return _verify_recorded(order, path)
    result = verify_file(path, known_certificates(conn))
    if result.ok and order.signer_cert_sha256 and result.fingerprint != order.signer_cert_sha256:
        return replace(
            result,
            ok=False,
            problem="signed with another certificate than the register records for this order",
        )
    if result.ok and order.sha256 and hashlib.sha256(path.read_bytes()).hexdigest() != order.sha256:
        return replace(
            result,
            ok=False,
            problem="the file differs from the one recorded when the order was signed",
        )
    if result.ok:
        problem = history_problem(conn, path)
        if problem:
            return replace(result, ok=False, problem=problem)
    return result


@dataclass(frozen=True)
class OrderPlace:
    """Where an order belongs: its batch, its case (None for an order over a whole batch), kind."""

    batch_id: int | None  # None: an order made from rulings (issue 19)
    case_id: int | None
    kind: str


def order_place(conn: sqlite3.Connection, order_no: str) -> OrderPlace | None:
    """The batch, case and kind of an order by its number; None when there is no such order."""
    row = conn.execute(
        "SELECT batch_id, case_id, kind FROM orders WHERE order_no = ?", (order_no,)
    ).fetchone()
    return OrderPlace(batch_id=row[0], case_id=row[1], kind=row[2]) if row else None
