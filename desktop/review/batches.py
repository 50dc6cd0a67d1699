"""Batches and the judge's spot-check.

A clerk submits every approved or changed count not yet held by a batch (never a count in a
court matter: a judicial officer rules on those one by one, desktop/dispositions). The judge draws a
stratified random sample (strata: relief x rule path; per stratum max(minimum, ceil(percent% of
the stratum)), capped at the stratum's size); the seed is stored on the batch, so the same
sample is drawn again from it. The judge opens each sampled count, accepts it or sends it back
with a note (the count leaves the batch and returns to the clerk's queue as pending), then accepts
the batch, which makes it ready for orders. A clerk never accepts; a judge never accepts a batch
they prepared or that holds their own decisions."""

from __future__ import annotations

import math
import random
import secrets
import sqlite3
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop import audit
from desktop.errors import RefusedError, UserError
from desktop.review import manifest
from desktop.review import state as st
from desktop.review.clock import now
from desktop.review.settings import get_setting
from desktop.review.users import User, require_role
from desktop.store.tx import transaction
from desktop.tokens import TokenKey, TokenSession
from desktop.vocabulary import Role


@dataclass(frozen=True)
class SampleItem:
    count_id: int
    relief: str
    resentence_target: str | None
    rule_path: str
    judge_status: str | None  # None (to check) | 'accepted' | 'sent_back'
    judge_note: str | None
    opened: bool  # opened by the judge since the sample was drawn
    name: str | None
    case_number: str | None
    section: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def draw_sample(
    items: list[tuple[int, str, str]], seed: int, percent: float, minimum: int
) -> list[int]:
    """The sampled count ids (sorted) from (count_id, relief, rule_path) items. Deterministic for
    a seed: strata and ids are sorted before drawing from random.Random(seed)."""
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for cid, relief, path in items:
        strata[(relief or "", path or "")].append(int(cid))
    rng = random.Random(seed)
    chosen: list[int] = []
    for key in sorted(strata):
        ids = sorted(strata[key])
        k = min(len(ids), max(int(minimum), math.ceil(len(ids) * percent / 100)))
        chosen.extend(rng.sample(ids, k))
    return sorted(chosen)


def _batch(conn: sqlite3.Connection, batch_id: int) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM batches WHERE id = ?", (batch_id,))
    row = cur.fetchone()
    if not row:
        raise UserError(f"there is no batch {batch_id}; see `reliefdesk batch list`")
    return dict(zip([d[0] for d in cur.description], row, strict=True))


_SUBMITTABLE = (
    " FROM review_items r JOIN determinations d ON d.id = r.determination_id"
    " WHERE r.status IN ('approved', 'changed') AND NOT EXISTS (SELECT 1 FROM"
    " batch_items bi WHERE bi.count_id = r.count_id"
    " AND COALESCE(bi.judge_status, '') != 'sent_back')"
    f" AND NOT {st.IN_MATTER_SQL}"
)


def submittable(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """What Submit would put into a batch now: (rule path, counts), largest first. The window
    asks the clerk to confirm with these numbers; `submit_batch` takes exactly these counts."""
    return [
        (p or "", int(n))
        for p, n in conn.execute(
            "SELECT d.rule_path, COUNT(*)" + _SUBMITTABLE + " GROUP BY d.rule_path"
            " ORDER BY 2 DESC, 1"
        )
    ]


def batch_size(conn: sqlite3.Connection, batch_id: int) -> int:
    """Counts a batch holds (not sent back)."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM batch_items WHERE batch_id = ? AND "
            "COALESCE(judge_status, '') != 'sent_back'",
            (batch_id,),
        ).fetchone()[0]
    )


def submit_batch(conn: sqlite3.Connection, clerk: User) -> int:
    """Put every approved/changed count not held by a batch into a new batch; its id."""
    require_role(clerk, Role.CLERK)
    at = now()
    with transaction(conn):
        rows = conn.execute(
            "SELECT r.count_id, CASE WHEN r.status = 'changed' THEN r.decided_relief ELSE d.relief END,"
            " CASE WHEN r.status = 'changed' THEN r.decided_target ELSE d.resentence_target END,"
            " d.rule_path FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            " WHERE r.status IN ('approved', 'changed') AND NOT EXISTS (SELECT 1 FROM batch_items bi"
            "  WHERE bi.count_id = r.count_id AND COALESCE(bi.judge_status, '') != 'sent_back')"
            f" AND NOT {st.IN_MATTER_SQL}"
            " ORDER BY r.count_id"
        ).fetchall()
        if not rows:
            raise RefusedError("nothing to submit: no approved or changed counts outside a batch")
        batch_id = int(
            conn.execute(
                "INSERT INTO batches (status, prepared_by, submitted_at) VALUES ('submitted', ?, ?)",
                (clerk.name, at),
            ).lastrowid
            or 0
        )
        conn.executemany(
            "INSERT INTO batch_items (batch_id, count_id, relief, resentence_target, rule_path)"
            " VALUES (?, ?, ?, ?, ?)",
            [(batch_id, *r) for r in rows],
        )
        ids = [r[0] for r in rows]
        audit.append(
            conn,
            clerk.name,
            "batch.submit",
            [batch_id],
            {"count_ids": ids, "count": len(ids)},
            rows={"batches": [batch_id], "batch_items": ("batch_id = ?", [batch_id])},
        )
    return batch_id


def _sample_items(conn: sqlite3.Connection, batch: dict[str, Any], judge: str) -> list[SampleItem]:
    cur = conn.execute(
        "SELECT bi.count_id, bi.relief, bi.resentence_target, bi.rule_path, bi.judge_status,"
        " bi.judge_note,"
        " EXISTS (SELECT 1 FROM openings o WHERE o.user = ? AND o.count_id = bi.count_id"
        "         AND o.at >= ?) AS opened,"
        " s.name, cs.case_number, c.section"
        " FROM batch_items bi JOIN counts c ON c.id = bi.count_id"
        " JOIN subjects s ON s.id = c.subject_id JOIN cases cs ON cs.id = c.case_id"
        " WHERE bi.batch_id = ? AND bi.sampled = 1 ORDER BY bi.count_id",
        (judge, batch["sampled_at"] or "", batch["id"]),
    )
    names = [d[0] for d in cur.description]  # rows mapped by column name, not position
    items = []
    for row in cur:
        values = dict(zip(names, row, strict=True))
        values["opened"] = bool(values["opened"])
        items.append(SampleItem(**values))
    return items


def sample(
    conn: sqlite3.Connection, judge: User, batch_id: int, *, seed: int | None = None
) -> list[SampleItem]:
    """The batch's sample for the judge. The first call draws it (with `seed`, or a fresh random
    one) and stores seed, percent and minimum on the batch; later calls return the same sample."""
    require_role(judge, Role.JUDGE)
    with transaction(conn):
        batch = _batch(conn, batch_id)
        if batch["sample_seed"] is None:
            if batch["status"] != "submitted":
                raise RefusedError(f"batch {batch_id} is {batch['status']}; it cannot be sampled")
            seed = secrets.randbits(62) if seed is None else int(seed)
            percent = float(get_setting(conn, "sample_percent"))
            minimum = int(get_setting(conn, "sample_min_per_stratum"))
            items = conn.execute(
                "SELECT count_id, relief, rule_path FROM batch_items "
                "WHERE batch_id = ? AND judge_status IS NULL",
                (batch_id,),
            ).fetchall()
            chosen = draw_sample(items, seed, percent, minimum)
            at = now()
            for part in st.chunks(chosen):
                conn.execute(
                    f"UPDATE batch_items SET sampled = 1 WHERE batch_id = ? AND count_id "
                    f"IN ({','.join('?' * len(part))})",
                    (batch_id, *part),
                )
            conn.execute(
                "UPDATE batches SET sample_seed = ?, sample_percent = ?, sample_min = ?,"
                " sampled_by = ?, sampled_at = ? WHERE id = ?",
                (seed, percent, minimum, judge.name, at, batch_id),
            )
            audit.append(
                conn,
                judge.name,
                "batch.sample",
                [batch_id],
                {"seed": seed, "percent": percent, "min_per_stratum": minimum, "count_ids": chosen},
                rows={
                    "batches": [batch_id],
                    "batch_items": ("batch_id = ? AND sampled = 1", [batch_id]),
                },
            )
            batch = _batch(conn, batch_id)
        elif seed is not None and int(seed) != batch["sample_seed"]:
            raise RefusedError(
                f"batch {batch_id} was already sampled with seed "
                f"{batch['sample_seed']}; its sample cannot be redrawn"
            )
        return _sample_items(conn, batch, judge.name)


def _judged_item(
    conn: sqlite3.Connection, judge: User, batch_id: int, count_id: int
) -> tuple[dict[str, Any], tuple]:
    require_role(judge, Role.JUDGE)
    batch = _batch(conn, batch_id)
    if batch["status"] != "submitted":
        raise RefusedError(f"batch {batch_id} is already {batch['status']}; its items are final")
    item = conn.execute(
        "SELECT sampled, judge_status FROM batch_items WHERE batch_id = ? AND count_id = ?",
        (batch_id, count_id),
    ).fetchone()
    if not item:
        raise UserError(
            f"count {count_id} is not in batch {batch_id}; see `reliefdesk batch sample {batch_id}`"
        )
    if item[1] == "sent_back":
        raise RefusedError(f"count {count_id} was already sent back from batch {batch_id}")
    return batch, item


def accept_item(conn: sqlite3.Connection, judge: User, batch_id: int, count_id: int) -> None:
    """The judge accepts one sampled count after opening it."""
    require_role(judge, Role.JUDGE)
    with transaction(conn):
        batch, (sampled, _) = _judged_item(conn, judge, batch_id, count_id)
        if not sampled:
            raise RefusedError(f"count {count_id} is not in batch {batch_id}'s sample")
        if not conn.execute(
            "SELECT 1 FROM openings WHERE user = ? AND count_id = ? AND at >= ?",
            (judge.name, count_id, batch["sampled_at"] or ""),
        ).fetchone():
            raise RefusedError(
                f"open count {count_id} before accepting it (reliefdesk review "
                f"show {count_id} --as {judge.name})"
            )
        conn.execute(
            "UPDATE batch_items SET judge_status = 'accepted', judged_by = ?, judged_at = ?"
            " WHERE batch_id = ? AND count_id = ?",
            (judge.name, now(), batch_id, count_id),
        )
        audit.append(
            conn,
            judge.name,
            "batch.accept_item",
            [count_id],
            {"batch_id": batch_id},
            rows={"batch_items": [(batch_id, count_id)]},
        )


def send_back(
    conn: sqlite3.Connection, judge: User, batch_id: int, count_id: int, note: str
) -> None:
    """The count leaves the batch and returns to the clerk's queue as pending; the judge's note
    stays on the batch item, and the clerk's decision is kept as previous_decision."""
    require_role(judge, Role.JUDGE)
    text = " ".join((note or "").split())
    if not text:
        raise UserError("a send-back needs a note for the clerk (--note TEXT)")
    at = now()
    with transaction(conn):
        _judged_item(conn, judge, batch_id, count_id)
        old = st.read_states(conn, [count_id])[count_id]
        new = st.sent_back_state(old, sent_back_by=judge.name, batch_id=batch_id, note=text)
        conn.execute(
            "UPDATE batch_items SET judge_status = 'sent_back', judge_note = ?,"
            " judged_by = ?, judged_at = ? WHERE batch_id = ? AND count_id = ?",
            (text, judge.name, at, batch_id, count_id),
        )
        st.log_step(conn, judge.name, "send_back", at, [(count_id, old, new)])
        audit.append(
            conn,
            judge.name,
            "batch.send_back",
            [count_id],
            {"batch_id": batch_id, "note": text},
            rows={"review_items": [count_id], "batch_items": [(batch_id, count_id)]},
        )


def accept_batch(
    conn: sqlite3.Connection,
    judge: User,
    batch_id: int,
    *,
    key_file: Path | TokenKey | None = None,
    passphrase: str | None = None,
) -> str:
    """Accept the batch: its counts not sent back are ready for orders. Refused until the sample
    is drawn and every sampled count not sent back was opened by this judge since.

    The acceptance is sealed: a manifest of the batch (every count with its relief and target, the
    sample, the judge, the time) is stored and its SHA-256 written in the batch.accept audit entry;
    with the judge's key (key_file, passphrase) the manifest is also signed. Orders are built from
    it (desktop.review.manifest). Returns the manifest's SHA-256."""
    require_role(judge, Role.JUDGE)
    if isinstance(key_file, TokenKey):  # a smart card: `passphrase` is its PIN
        key_file = key_file.with_pin(passphrase or key_file.pin)
        TokenSession(key_file).close()  # wrong PIN, no card: refused before any change
    elif key_file is not None:
        from desktop.keys import load_key

        load_key(Path(key_file), passphrase or "")  # wrong passphrase: refused before any change
    with transaction(conn):
        batch = _batch(conn, batch_id)
        if batch["status"] != "submitted":
            raise RefusedError(f"batch {batch_id} is already {batch['status']}")
        if batch["prepared_by"].casefold() == judge.name.casefold():
            raise RefusedError(
                f"{judge.name} prepared batch {batch_id}; another judge must accept it"
            )
        if conn.execute(
            "SELECT 1 FROM batch_items bi JOIN review_items r ON r.count_id = bi.count_id"
            " WHERE bi.batch_id = ? AND COALESCE(bi.judge_status, '') != 'sent_back'"
            " AND r.decided_by = ? COLLATE NOCASE LIMIT 1",
            (batch_id, judge.name),
        ).fetchone():
            raise RefusedError(
                f"batch {batch_id} holds decisions made by {judge.name}; another "
                "judge must accept it"
            )
        if batch["sample_seed"] is None:
            raise RefusedError(
                f"draw the sample of batch {batch_id} first (reliefdesk batch sample {batch_id})"
            )
        items = _sample_items(conn, batch, judge.name)
        unread = [i.count_id for i in items if i.judge_status != "sent_back" and not i.opened]
        if unread:
            shown = ", ".join(map(str, unread[:10])) + (" ..." if len(unread) > 10 else "")
            raise RefusedError(
                f"open every sampled count before accepting batch {batch_id}: "
                f"{len(unread)} not opened yet ({shown}); use reliefdesk review "
                f"show COUNT_ID --as {judge.name}"
            )
        stale = conn.execute(
            "SELECT bi.count_id FROM batch_items bi JOIN review_items r ON r.count_id = bi.count_id"
            " WHERE bi.batch_id = ? AND COALESCE(bi.judge_status, '') != 'sent_back'"
            " AND r.status NOT IN ('approved', 'changed') ORDER BY bi.count_id LIMIT 1",
            (batch_id,),
        ).fetchone()
        if stale:
            raise RefusedError(
                f"count {stale[0]} in batch {batch_id} is no longer approved (it "
                "was re-evaluated); send it back first"
            )
        granted = [
            r[0]
            for r in conn.execute(
                "SELECT count_id FROM batch_items WHERE batch_id = ? AND "
                "COALESCE(judge_status, '') != 'sent_back' ORDER BY count_id",
                (batch_id,),
            )
        ]
        if not granted:
            raise RefusedError(f"every count of batch {batch_id} was sent back; nothing to accept")
        at = now()
        conn.execute(
            "UPDATE batch_items SET judge_status = 'accepted', judged_by = ?, judged_at = ?"
            " WHERE batch_id = ? AND sampled = 1 AND judge_status IS NULL",
            (judge.name, at, batch_id),
        )
        conn.execute(
            "UPDATE batches SET status = 'accepted', accepted_by = ?, accepted_at = ? WHERE id = ?",
            (judge.name, at, batch_id),
        )
        sent_back = [i.count_id for i in items if i.judge_status == "sent_back"]
        sealed = manifest.build(conn, batch, judge.name, at, [i.count_id for i in items], sent_back)
        data = manifest.encode(sealed)
        signed = manifest.sign(data, key_file, passphrase or "") if key_file else None
        sha = manifest.store(conn, batch_id, data, signed)
        audit.append(
            conn,
            judge.name,
            "batch.accept",
            [batch_id],
            {
                "count_ids": granted,
                "count": len(granted),
                "sampled": [i.count_id for i in items],
                "sent_back": sent_back,
                "seed": batch["sample_seed"],
                "manifest_sha256": sha,
                "manifest_cert_sha256": signed.cert_sha256 if signed else None,
            },
            rows={"batches": [batch_id], "batch_items": ("batch_id = ?", [batch_id])},
        )
    return sha


def list_batches(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every batch, newest first: id, status, prepared_by, submitted_at, items (not sent back),
    sampled, sent_back, sample_seed, accepted_by, accepted_at."""
    cur = conn.execute(
        "SELECT b.id, b.status, b.prepared_by, b.submitted_at,"
        " SUM(COALESCE(bi.judge_status, '') != 'sent_back') AS items,"
        " SUM(bi.sampled) AS sampled, SUM(bi.judge_status = 'sent_back') AS sent_back,"
        " b.sample_seed, b.accepted_by, b.accepted_at"
        " FROM batches b LEFT JOIN batch_items bi ON bi.batch_id = b.id"
        " GROUP BY b.id ORDER BY b.id DESC"
    )
    names = [d[0] for d in cur.description]
    return [
        {
            k: (v or 0) if k in ("items", "sampled", "sent_back") else v
            for k, v in zip(names, row, strict=True)
        }
        for row in cur
    ]


def batch_status(conn: sqlite3.Connection, batch_id: int) -> str | None:
    """submitted | accepted | … for a batch; None when there is no such batch."""
    row = conn.execute("SELECT status FROM batches WHERE id = ?", (batch_id,)).fetchone()
    return row[0] if row else None


def sample_seed(conn: sqlite3.Connection, batch_id: int) -> int | None:
    """The seed the batch's sample was drawn with (None before the judge draws it)."""
    row = conn.execute("SELECT sample_seed FROM batches WHERE id = ?", (batch_id,)).fetchone()
    return row[0] if row else None
