"""Drafts of the orders an accepted batch is about to get, for the judge to read before signing.

Nothing is written: no order numbers are drawn, the register is untouched and nothing is signed.
Each draft is rendered exactly as the signed order will be (same plan, template and entries),
with 'DRAFT n of N' in place of the order number; the window shows them in its PDF viewer."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from desktop.errors import UserError
from desktop.orders.batch import plan_orders
from desktop.orders.granted import granted_counts
from desktop.orders.model import Judge, OrderData
from desktop.orders.render import render_order
from desktop.orders.templates import load_template

KIND_WORDS = {
    "one_case": "One case",
    "bulk": "Bulk order with a schedule",
    "resentence": "Resentencing",
}


@dataclass(frozen=True)
class Draft:
    label: str  # 'Draft 2 of 14 — One case FSB0412873, ALVARADO-WHITFIELD (2 counts)'
    kind: str
    counts: int
    pages: int
    pdf: bytes


def preview_batch(
    conn: sqlite3.Connection,
    batch_id: int,
    *,
    bulk: bool = False,
    judge_name: str = "(signature to be applied)",
    judge_title: str = "Judge of the Superior Court",
    order_date: date | None = None,
    limit: int | None = None,
) -> list[Draft]:
    """The drafts of the batch's orders in signing order (`limit` renders only the first few;
    the label still says how many there are)."""
    grants = granted_counts(conn, batch_id)
    if not grants:
        raise UserError(f"batch {batch_id} has no counts granted for orders; nothing to preview")
    plans = plan_orders(conn, grants, bulk=bulk, template=None)
    judge = Judge(judge_name, judge_title)
    templates: dict[str, object] = {}
    out: list[Draft] = []
    total = len(plans)
    for i, p in enumerate(plans[:limit] if limit else plans, 1):
        if p.template not in templates:
            templates[p.template] = load_template(p.template)
        data = OrderData(
            order_number=f"DRAFT {i} of {total}",
            county=p.county,
            order_date=order_date or date.today(),
            judge=judge,
            entries=p.entries,
        )
        rendered = render_order(data, templates[p.template])  # type: ignore[arg-type]
        first = p.entries[0] if p.entries else None
        who = ""
        if p.kind != "bulk" and first is not None:
            who = f" {getattr(first, 'case_number', '')}, {_person(first)}".rstrip(", ")
        elif p.kind == "bulk":
            who = f" ({len(p.entries)} cases)"
        n = len(p.count_ids)
        out.append(
            Draft(
                f"Draft {i} of {total} — {KIND_WORDS.get(p.kind, p.kind)}{who} "
                f"({n} count{'s' if n != 1 else ''})",
                p.kind,
                n,
                rendered.pages,
                rendered.pdf,
            )
        )
    return out


def _person(entry: object) -> str:
    person = getattr(entry, "person", None)
    return str(getattr(person, "name", "") or "")
