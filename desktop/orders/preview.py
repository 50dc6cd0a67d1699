"""Drafts of the orders an accepted batch is about to get, for the judge to read before signing.

Nothing is written: no order numbers are drawn, the register is untouched and nothing is signed.
Each draft is rendered exactly as the signed order will be (same plan, template and entries),
with 'DRAFT n of N' in place of the order number. `draft_plans` lists the drafts at once and
renders each only when asked (the window renders the one the judge is looking at);
`preview_batch` renders them all."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop.clock import court_today
from desktop.errors import UserError
from desktop.orders.batch import Planned, plan_orders
from desktop.orders.court_settings import court_details
from desktop.orders.granted import granted_counts
from desktop.orders.model import CourtDetails, Judge, OrderData
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


@dataclass
class DraftPlan:
    """One order to be signed, not rendered yet."""

    number: int
    total: int
    plan: Planned
    judge: Judge
    order_date: date
    _templates: dict[str, Any] = field(default_factory=dict, repr=False)
    court: CourtDetails = field(default_factory=CourtDetails)

    @property
    def counts(self) -> int:
        return len(self.plan.count_ids)

    @property
    def short_label(self) -> str:
        """'3. FSB0412873, ALVARADO-WHITFIELD' (a bulk order: '1. Bulk order, 40 cases')."""
        p = self.plan
        if p.kind == "bulk":
            return f"{self.number}. Bulk order, {len(p.entries)} cases"
        first = p.entries[0] if p.entries else None
        case = getattr(first, "case_number", "") or "(no case number)"
        return f"{self.number}. {case}, {_person(first)}".rstrip(", ")

    @property
    def label(self) -> str:
        p = self.plan
        who = ""
        if p.kind != "bulk" and p.entries:
            first = p.entries[0]
            who = f" {getattr(first, 'case_number', '') or ''}, {_person(first)}".rstrip(", ")
        elif p.kind == "bulk":
            who = f" ({len(p.entries)} cases)"
        n = self.counts
        return (
            f"Draft {self.number} of {self.total} — {KIND_WORDS.get(p.kind, p.kind)}{who} "
            f"({n} count{'s' if n != 1 else ''})"
        )

    def render(self) -> Draft:
        p = self.plan
        if p.template not in self._templates:
            self._templates[p.template] = load_template(p.template)
        if p.kind == "resentence" and any(e.terms is None for e in p.entries):
            raise UserError(
                "this resentencing order waits for its terms (credit for time served, release or "
                "supervision, hearing); it is drafted once the judge enters them (orders terms)"
            )
        data = OrderData(
            order_number=f"DRAFT {self.number} of {self.total}",
            county=p.county,
            order_date=self.order_date,
            judge=self.judge,
            entries=p.entries,
            court=self.court,
        )
        rendered = render_order(data, self._templates[p.template])
        return Draft(self.label, p.kind, self.counts, rendered.pages, rendered.pdf)


def draft_plans(
    conn: sqlite3.Connection,
    batch_id: int,
    *,
    bulk: bool = False,
    judge_name: str = "(signature to be applied)",
    judge_title: str = "Judge of the Superior Court",
    order_date: date | None = None,
) -> list[DraftPlan]:
    """The orders the batch will get, in signing order, each rendered on demand."""
    grants = granted_counts(conn, batch_id)
    if not grants:
        raise UserError(f"batch {batch_id} has no counts granted for orders; nothing to preview")
    court = court_details(conn)
    plans = plan_orders(conn, grants, bulk=bulk, template=None, batch_id=batch_id, court=court)
    judge = Judge(judge_name, judge_title)
    templates: dict[str, Any] = {}
    when = order_date or court_today()
    return [
        DraftPlan(i, len(plans), p, judge, when, templates, court) for i, p in enumerate(plans, 1)
    ]


def preview_batch(
    conn: sqlite3.Connection,
    batch_id: int,
    *,
    bulk: bool = False,
    limit: int | None = None,
    **kw: Any,
) -> list[Draft]:
    """The drafts rendered (the first `limit` of them when given)."""
    plans = draft_plans(conn, batch_id, bulk=bulk, **kw)
    return [d.render() for d in (plans[:limit] if limit else plans)]


def _person(entry: object) -> str:
    person = getattr(entry, "person", None)
    return str(getattr(person, "name", "") or "")
