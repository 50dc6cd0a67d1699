"""Reports of signed orders to the Department of Justice and to the court's case management system
(HS 11361.9(f)): one CSV row per count. Columns are documented in docs/doj-update-format.md."""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from pathlib import Path

from desktop import audit
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
       oc.relief, oc.resentence_target, o.order_no, o.order_date, o.kind, o.signer, o.sha256
FROM orders o
JOIN order_counts oc ON oc.order_id = o.id
JOIN counts c ON c.id = oc.count_id
JOIN cases k ON k.id = oc.case_id
JOIN subjects s ON s.id = k.subject_id
WHERE o.batch_id = ? AND o.status IN ('signed', 'printed')
  AND NOT EXISTS (SELECT 1 FROM orders n WHERE n.amends_order_no = o.order_no
                  AND n.status IN ('signed', 'printed'))
ORDER BY o.order_no, k.case_number, c.count_no, c.cnt_order
"""


def _rows(conn: sqlite3.Connection, batch_id: int) -> list[tuple]:
    rows = conn.execute(_SQL, (batch_id,)).fetchall()
    if not rows:
        raise UserError(
            f"batch {batch_id} has no signed orders; render and sign them first "
            f"(reliefdesk orders render --batch {batch_id} ...). Nothing was written."
        )
    return rows


def _statute(kind: str, relief: str) -> str:
    return "HS 11361.8(b); HS 11361.9" if relief == "resentence" else "HS 11361.8(f); HS 11361.9"


def doj_rows(conn: sqlite3.Connection, batch_id: int) -> list[dict[str, str]]:
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
    ) in _rows(conn, batch_id):
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
                        _statute(kind, relief),
                        order_no,
                        order_date,
                        kind,
                    ),
                    strict=True,
                )
            )
        )
    return out


def court_rows(conn: sqlite3.Connection, batch_id: int) -> list[dict[str, str]]:
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
    ) in _rows(conn, batch_id):
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
                        _statute(kind, relief),
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
    batch_id: int,
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
    if kind == "doj-update":
        columns, rows = DOJ_COLUMNS, doj_rows(conn, batch_id)
    elif kind == "court-update":
        columns, rows = COURT_COLUMNS, court_rows(conn, batch_id)
    else:
        raise ValueError(kind)
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    out = check_output(out, db=conn, force=force, what=f"{kind} export")
    with transaction(conn):
        with open_output(out, replace=force) as fh:
            fh.write(data)
        audit.append(
            conn,
            user,
            f"export.{kind}",
            [batch_id],
            {"file": str(out), "rows": len(rows), "sha256": hashlib.sha256(data).hexdigest()},
        )
    return len(rows)
