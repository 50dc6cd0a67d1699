"""Where a count stands in its whole life, in words a clerk reads, and what may still be done
with it.

A count's review status (pending, approved, rejected, changed, deferred) tells only the clerk's
part. After that the count is held by a batch (submitted: with the judge), accepted by the judge,
and finally covered by an order; or the judge sends it back to the clerk with a note. `lives`
reads all of that for many counts in a few queries (the window asks for a page of the queue at a
time); `CountLife.text` is the status the window and the CLI show, and `CountLife.refusal(action)`
says why a clerk's decision is no longer possible (None when it is)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from desktop.review import state as st
from desktop.review.words import relief_words
from desktop.vocabulary import ReviewStatus

# Stages, in the order a count goes through them.
STAGES = (
    "pending",
    "deferred",
    "approved",
    "rejected",
    "changed",
    "sent_back",
    "submitted",
    "accepted",
    "ordered",
)
CLERK_ACTIONS = ("approve", "reject", "change", "defer")


@dataclass(frozen=True)
class CountLife:
    count_id: int
    stage: str  # one of STAGES
    review_status: str  # the review_items status underneath
    proposed: str | None  # the engine's relief
    rereview: bool = False
    decided_relief: str | None = None
    decided_target: str | None = None
    batch_id: int | None = (
        None  # the batch holding it (submitted or accepted), or that sent it back
    )
    order_no: str | None = None
    order_status: str | None = None  # prepared | signed | printed
    judge_note: str | None = None  # the note of the judge who sent it back
    matter_id: int | None = (
        None  # the court matter (petition, application, challenge) asking about it
    )

    @property
    def text(self) -> str:
        """The status as words: 'Pending', 'Changed → reduce to infraction', 'With the judge
        (batch 4)', 'Accepted (batch 4)', 'Ordered (P64-36-2026-000012)', 'Sent back by the
        judge'."""
        if self.stage == "ordered":
            signed = "" if self.order_status in ("signed", "printed") else ", not signed yet"
            return f"Ordered ({self.order_no}{signed})"
        if self.stage == "accepted":
            return f"Accepted (batch {self.batch_id})"
        if self.stage == "submitted":
            return f"With the judge (batch {self.batch_id})"
        if self.stage == "sent_back":
            return "Sent back by the judge"
        if self.stage == "changed" and self.decided_relief:
            return f"Changed → {relief_words(self.decided_relief, self.decided_target)}"
        text = self.stage.capitalize()
        if self.stage == "pending" and self.rereview:
            text += " (re-review)"
        return text

    @property
    def short(self) -> str:
        """The status in a word or two, for a narrow list column ('With judge', 'Ordered',
        'Changed'); `text` says which batch, order or relief."""
        return {
            "ordered": "Ordered",
            "accepted": "Accepted",
            "submitted": "With judge",
            "sent_back": "Sent back",
        }.get(
            self.stage,
            "Re-review" if self.stage == "pending" and self.rereview else self.stage.capitalize(),
        )

    @property
    def held(self) -> bool:
        """Held by a batch or an order: the clerk can no longer decide it."""
        return self.stage in ("submitted", "accepted", "ordered")

    def refusal(self, action: str) -> str | None:
        """Why a clerk cannot `action` ('approve', 'reject', 'change', 'defer') this count now,
        as a sentence; None when the action is possible."""
        if self.stage == "ordered":
            return (
                f"This count is covered by order {self.order_no}; no decision can be made on "
                "it any more."
            )
        if self.stage == "accepted":
            return (
                f"The judge accepted this count in batch {self.batch_id}; it waits for its "
                "order and can no longer be decided."
            )
        if self.stage == "submitted":
            return (
                f"This count is in batch {self.batch_id} with the judge; only the judge can "
                "send it back for a new decision."
            )
        if self.matter_id is not None:
            return (
                f"This count is in matter {self.matter_id} before the court; a judicial officer "
                "rules on it (no clerk's decision, bulk approval or batch)."
            )
        if action == "approve" and self.proposed == "needs_review":
            return (
                "The engine proposed no relief for this count (needs review): change it to a "
                "relief, reject it or defer it."
            )
        return None


_BATCH_SQL = """SELECT bi.count_id, bi.batch_id, b.status, bi.judge_status, bi.judge_note
FROM batch_items bi JOIN batches b ON b.id = bi.batch_id
WHERE bi.count_id IN ({marks}) ORDER BY bi.batch_id"""

_ORDER_SQL = """SELECT oc.count_id, o.order_no, o.status FROM order_counts oc
JOIN orders o ON o.id = oc.order_id WHERE oc.count_id IN ({marks}) ORDER BY o.id"""

_REVIEW_SQL = """SELECT r.count_id, r.status, r.rereview, r.decided_relief, r.decided_target,
       d.relief FROM review_items r JOIN determinations d ON d.id = r.determination_id
WHERE r.count_id IN ({marks})"""


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        is not None
    )


def lives(conn: sqlite3.Connection, ids: list[int]) -> dict[int, CountLife]:
    """The life of each count in the review queue among `ids` (others are left out)."""
    ids = st.unique_ids(ids)
    review: dict[int, tuple] = {}
    batch: dict[int, tuple[int, str, str | None, str | None]] = {}
    orders: dict[int, tuple[str, str]] = {}
    with_orders = _has_table(conn, "order_counts")
    for part in st.chunks(ids):
        marks = ",".join("?" * len(part))
        for row in conn.execute(_REVIEW_SQL.format(marks=marks), part):
            review[row[0]] = row[1:]
        for cid, bid, bstatus, jstatus, note in conn.execute(_BATCH_SQL.format(marks=marks), part):
            batch[cid] = (bid, bstatus, jstatus, note)  # the latest batch wins
        if with_orders:
            for cid, order_no, ostatus in conn.execute(_ORDER_SQL.format(marks=marks), part):
                orders[cid] = (order_no, ostatus)
    matters = {cid: m[0] for cid, m in st.in_matter(conn, list(review)).items()}
    out: dict[int, CountLife] = {}
    for cid, (status, rereview, drelief, dtarget, proposed) in review.items():
        stage = status
        bid = note = order_no = ostatus = None
        if cid in batch:
            bid, bstatus, jstatus, jnote = batch[cid]
            if jstatus == "sent_back":
                note = jnote
                if status == ReviewStatus.PENDING:
                    stage = "sent_back"
            else:
                stage = "accepted" if bstatus == "accepted" else "submitted"
        if cid in orders:
            order_no, ostatus = orders[cid]
            stage = "ordered"
        out[cid] = CountLife(
            cid,
            stage,
            status,
            proposed,
            bool(rereview),
            drelief,
            dtarget,
            bid,
            order_no,
            ostatus,
            note,
            matters.get(cid),
        )
    return out


def life(conn: sqlite3.Connection, count_id: int) -> CountLife | None:
    return lives(conn, [count_id]).get(int(count_id))
