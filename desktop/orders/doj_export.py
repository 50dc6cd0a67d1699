"""Reports of signed orders to the Department of Justice and to the court's case management system
(HS 11361.9(f)): one CSV row per count. Columns are documented in docs/doj-update-format.md."""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop import audit, clock
from desktop.errors import UserError
from desktop.outputs import check_output, open_output
from desktop.store.tx import transaction

DOJ_COLUMNS = (
    "CII_NUMBER",
    "NAME",
    "DOB",
    "COURT",
    "COUNTY",
    "CASE_NUMBER",
    "CNT_ORDER",
    "OFN",
    "COUNT_NO",
    "OFFENSE_CODE",
    "SECTION",
    "OFFENSE_TEXT",
    "ORIGINAL_DISPOSITION",
    "ORIGINAL_LEVEL",
    "CONVICTION_DATE",
    "NEW_RELIEF",
    "RESENTENCE_TARGET",
    "NEW_LEVEL",
    "SEALED",
    "STATUTE",
    "ORDER_NUMBER",
    "ORDER_DATE",
    "ORDER_TYPE",
)
COURT_COLUMNS = (
    "CASE_NUMBER",
    "COUNT_NO",
    "DEFENDANT_NAME",
    "DOB",
    "CII_NUMBER",
    "CODE_SECTION",
    "ORIGINAL_LEVEL",
    "CONVICTION_DATE",
    "ACTION",
    "NEW_LEVEL",
    "SEAL_RECORD",
    "STATUTE",
    "ORDER_NUMBER",
    "ORDER_DATE",
    "JUDICIAL_OFFICER",
    "ORDER_FILE_SHA256",
)

# relief (and resentence target) -> (NEW_RELIEF code, NEW_LEVEL, sealed)
_RELIEF_CODES = {
    ("dismiss_and_seal", None): ("DISMISSED_SEALED", "", "Y"),
    ("redesignate_misdemeanor", None): ("REDESIGNATED", "M", "N"),
    ("redesignate_infraction", None): ("REDESIGNATED", "I", "N"),
    ("resentence", "misdemeanor"): ("RESENTENCED", "M", "N"),
    ("resentence", "infraction"): ("RESENTENCED", "I", "N"),
    ("resentence", "dismissed"): ("SENTENCE_DISMISSED", "", "N"),
}

_SQL = """
SELECT s.cii, s.name, s.dob, k.court, COALESCE(k.county, c.county), k.case_number, c.cnt_order,
       c.count_no, c.code, c.section, c.offense_text, c.disposition, c.level, c.conviction_date,
       oc.relief, oc.resentence_target, o.order_no, o.order_date, o.kind, o.signer, o.sha256,
       o.id, m.kind
FROM orders o
LEFT JOIN matters m ON m.id = o.matter_id
JOIN order_counts oc ON oc.order_id = o.id
JOIN counts c ON c.id = oc.count_id
JOIN cases k ON k.id = oc.case_id
JOIN subjects s ON s.id = k.subject_id
WHERE {where} AND o.status IN ('signed', 'printed')
  AND NOT EXISTS (SELECT 1 FROM orders n WHERE n.amends_order_no = o.order_no
                  AND n.status IN ('signed', 'printed'))
ORDER BY o.order_no, k.case_number, c.count_no, c.cnt_order
"""

# Orders made from rulings (issue 19) report per count: a granted count with its relief code as
# any order's; a DENIED count goes to the court's case system (ACTION DENIED: the court records
# its ruling) but not to DOJ: a denial changes nothing in the criminal history, and the DOJ update
# (HS 11361.9(f)) reports orders that recall, dismiss, seal or redesignate. See
# docs/doj-update-format.md.
DENIED = "denied"


@dataclass(frozen=True)
class Selection:
    """Which signed orders an export covers: a review batch's, a matter's, or named orders."""

    batch_id: int | None = None
    matter_id: int | None = None
    order_nos: tuple[str, ...] = ()

    def where(self) -> tuple[str, list[object]]:
        if self.batch_id is not None:
            return "o.batch_id = ?", [self.batch_id]
        if self.matter_id is not None:
            return "o.matter_id = ?", [self.matter_id]
        if self.order_nos:
            return f"o.order_no IN ({','.join('?' * len(self.order_nos))})", list(self.order_nos)
        raise UserError("name a batch (--batch ID), a matter (--matter ID) or orders (--order NO).")

    def words(self) -> str:
        if self.batch_id is not None:
            return f"batch {self.batch_id}"
        if self.matter_id is not None:
            return f"matter {self.matter_id}"
        return "order " + ", ".join(self.order_nos)

    def render_hint(self) -> str:
        if self.batch_id is not None:
            return f"reliefdesk orders render --batch {self.batch_id} ..."
        if self.matter_id is not None:
            return f"reliefdesk orders render --matter {self.matter_id} ..."
        return "reliefdesk orders render ..."


def _select(sel: Selection | int) -> Selection:
    return sel if isinstance(sel, Selection) else Selection(batch_id=sel)


def _rows(conn: sqlite3.Connection, sel: Selection | int) -> list[tuple]:
    sel = _select(sel)
    where, params = sel.where()
    rows = conn.execute(_SQL.format(where=where), params).fetchall()
    if not rows:
        raise UserError(
            f"{sel.words()} has no signed orders; render and sign them first "
            f"({sel.render_hint()}). Nothing was written."
        )
    return rows


def _statute(kind: str, relief: str) -> str:
    return "HS 11361.8(b); HS 11361.9" if relief == "resentence" else "HS 11361.8(f); HS 11361.9"


def _statute_of(kind: str, matter_kind: str | None, relief: str) -> str:
    """The statute an export row names: a petition or application filed at the counter is decided
    under HS 11361.8 alone; the bulk review and a challenge to a bulk-list count under 11361.9 too."""
    sub = "(b)" if relief == "resentence" else "(f)"
    if matter_kind in ("petition", "application"):
        return f"HS 11361.8{'(b)' if matter_kind == 'petition' else '(f)'}"
    return f"HS 11361.8{sub}; HS 11361.9"


def doj_rows(conn: sqlite3.Connection, batch_id: Selection | int) -> list[dict[str, str]]:
    out = []
    for (
        cii,
        name,
        dob,
        court,
        county,
        case_no,
        cnt_order,
        count_no,
        code,
        section,
        text,
        disp,
        level,
        conv,
        relief,
        target,
        order_no,
        order_date,
        kind,
        _signer,
        _sha,
        _order_id,
        matter_kind,
    ) in _rows(conn, batch_id):
        if relief == DENIED:
            continue  # a denial changes nothing DOJ holds (see the note above)
        new_relief, new_level, sealed = _RELIEF_CODES[
            (relief, target if relief == "resentence" else None)
        ]
        out.append(
            dict(
                zip(
                    DOJ_COLUMNS,
                    (
                        cii or "",
                        name or "",
                        dob or "",
                        court or "",
                        county or "",
                        case_no or "",
                        cnt_order or "",
                        case_no or "",
                        "" if count_no is None else str(count_no),
                        code or "",
                        section or "",
                        text or "",
                        disp or "",
                        level or "",
                        conv or "",
                        new_relief,
                        target or "",
                        new_level,
                        sealed,
                        _statute_of(kind, matter_kind, relief),
                        order_no,
                        order_date,
                        kind,
                    ),
                    strict=True,
                )
            )
        )
    return out


def court_rows(conn: sqlite3.Connection, batch_id: Selection | int) -> list[dict[str, str]]:
    out = []
    for (
        cii,
        name,
        dob,
        _court,
        _county,
        case_no,
        _cnt,
        count_no,
        code,
        section,
        _text,
        _disp,
        level,
        conv,
        relief,
        target,
        order_no,
        order_date,
        kind,
        signer,
        sha,
        _order_id,
        matter_kind,
    ) in _rows(conn, batch_id):
        if relief == DENIED:
            action, new_level, sealed = "DENIED", "", "N"
        else:
            new_relief, new_level, sealed = _RELIEF_CODES[
                (relief, target if relief == "resentence" else None)
            ]
            action = {
                "DISMISSED_SEALED": "DISMISS_AND_SEAL",
                "REDESIGNATED": "REDESIGNATE",
                "RESENTENCED": "RECALL_AND_RESENTENCE",
                "SENTENCE_DISMISSED": "DISMISS_SENTENCE",
            }[new_relief]
        out.append(
            dict(
                zip(
                    COURT_COLUMNS,
                    (
                        case_no or "",
                        "" if count_no is None else str(count_no),
                        name or "",
                        dob or "",
                        cii or "",
                        f"{code or ''} {section or ''}".strip(),
                        level or "",
                        conv or "",
                        action,
                        new_level,
                        sealed,
                        _statute_of(kind, matter_kind, relief),
                        order_no,
                        order_date,
                        signer or "",
                        sha or "",
                    ),
                    strict=True,
                )
            )
        )
    return out


def write_export(
    conn: sqlite3.Connection,
    batch_id: Selection | int,
    out: Path,
    *,
    kind: str,
    user: str | None,
    force: bool = False,
) -> int:
    """Write the DOJ ('doj-update') or court ('court-update') CSV for a batch; returns the row count.

    These are machine formats: values are written exactly (no spreadsheet neutralising), and
    their documentation says to import them, never to open and re-save them in a spreadsheet.
    The output is guarded (desktop.outputs): never the database or a backup, never an existing
    file without `force`; written atomically, mode 0600."""
    columns: tuple[str, ...]
    sel = _select(batch_id)
    if kind == "doj-update":
        columns, rows = DOJ_COLUMNS, doj_rows(conn, sel)
    elif kind == "court-update":
        columns, rows = COURT_COLUMNS, court_rows(conn, sel)
    else:
        raise ValueError(kind)
    if not rows:
        # Every signed order selected denies relief: a denial is not reported to DOJ.
        raise UserError(
            f"the signed orders of {sel.words()} deny relief only; a denial changes nothing in "
            "DOJ's records and is not reported (docs/doj-update-format.md). The court-update "
            "export carries it. Nothing was written."
        )
    per_order: dict[str, int] = {}
    for r in rows:
        per_order[r["ORDER_NUMBER"]] = per_order.get(r["ORDER_NUMBER"], 0) + 1
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    out = check_output(out, db=conn, force=force, what=f"{kind} export")
    with transaction(conn):
        with open_output(out, replace=force) as fh:
            fh.write(data)
        digest = hashlib.sha256(data).hexdigest()
        at = clock.utc_stamp()
        # When each order was reported (the per-person report's "reported to DOJ" date).
        conn.executemany(
            "INSERT OR REPLACE INTO order_reports (order_id, kind, at, by_user, file_sha256, rows)"
            " SELECT id, ?, ?, ?, ?, ? FROM orders WHERE order_no = ?",
            [(kind, at, user, digest, n, no) for no, n in per_order.items()],
        )
        payload: dict[str, object] = {"file": str(out), "rows": len(rows), "sha256": digest}
        if sel.batch_id is None:
            # Order ids too: the dispositions status report reads them (desktop/dispositions).
            ids = [
                oid
                for (oid,) in conn.execute(
                    "SELECT id FROM orders WHERE order_no IN ("
                    + ",".join("?" * len(per_order))
                    + ") ORDER BY id",
                    sorted(per_order),
                )
            ]
            payload.update(matter_id=sel.matter_id, orders=sorted(per_order), order_ids=ids)
        audit.append(
            conn,
            user,
            f"export.{kind}",
            [sel.batch_id] if sel.batch_id is not None else sorted(per_order),
            payload,
        )
    return len(rows)
