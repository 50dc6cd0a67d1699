"""The clerk's side, importing a judge's answer. Everything is checked before anything is written:
the answer's parts against its manifest, that it answers a package this database sent (same
package hash, same batch), once (a second import is a replay), from the judge the package was for,
for a batch unchanged since it left, with the judge's workspace log intact, the sample drawn as
the seed says, the sealed acceptance matching the batch and its signature verifying, and every
order's PDF signature verifying (pyHanko) with the certificate and audit head recorded. Then one
transaction applies the judge's actions as audit entries naming the judge's machine and time:
the batch ends accepted with the same manifest and orders as if accepted at the clerk's desk."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop import audit
from desktop.audit.log import GENESIS, entry_hash
from desktop.clock import court_time_text
from desktop.errors import RefusedError, UserError
from desktop.exchange import fileformat as ff
from desktop.exchange.common import (
    batch_state,
    host_name,
    refuse_in_workspace,
    state_difference,
)
from desktop.outputs import check_output_dir, open_output
from desktop.review import manifest as mf
from desktop.review import state as st
from desktop.review.batches import draw_sample
from desktop.review.clock import now
from desktop.review.users import User, require_role
from desktop.store.tx import transaction

_ORDER_NO = re.compile(r"^[A-Za-z0-9-]{1,80}$")
_BATCH_COLS = (
    "sample_seed",
    "sample_percent",
    "sample_min",
    "sampled_by",
    "sampled_at",
    "status",
    "accepted_by",
    "accepted_at",
)
_ITEM_COLS = ("sampled", "judge_status", "judge_note", "judged_by", "judged_at")


@dataclass(frozen=True)
class Imported:
    batch_id: int
    package_id: str
    judge: str
    host: str
    accepted: bool
    sent_back: list[int]
    orders: list[str]
    order_files: list[Path]
    audit_seq: int


def _refuse(why: str) -> RefusedError:
    return RefusedError(f"the judge's answer is refused: {why}. Nothing was imported.")


def _table(pkg: ff.Package, name: str) -> list[dict[str, Any]]:
    part = f"tables/{name}.json"
    if part not in pkg.parts:
        return []
    table, cols, rows = ff.table_rows(pkg.parts[part])
    if table != name:
        raise _refuse(f"part {part} holds table {table}")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _check_log(entries: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    """The judge's workspace log, its chain recomputed; (seq, hash) -> entry."""
    prev = GENESIS
    out = {}
    for i, e in enumerate(sorted(entries, key=lambda e: e["seq"]), 1):
        if e["seq"] != i or e["prev_hash"] != prev:
            raise _refuse(f"the judge's workspace log is broken at entry {e['seq']}")
        h = entry_hash(
            e["seq"], e["at"], e["user"], e["action"], e["targets"], e["payload"], e["prev_hash"]
        )
        if h != e["hash"]:
            raise _refuse(f"entry {e['seq']} of the judge's workspace log was altered")
        prev = h
        out[(int(e["seq"]), str(h))] = e
    return out


def import_answer(
    conn: sqlite3.Connection, clerk: User, path: Path | str, orders_dir: Path | str
) -> Imported:
    """Check and import a judge's answer; the signed orders are written into `orders_dir` (new
    files only). Refused with one sentence naming what differs."""
    require_role(clerk, "clerk")
    refuse_in_workspace(conn, "an answer is imported")
    orders_dir = check_output_dir(Path(orders_dir), db=conn)
    pkg = ff.read(path, "answer")
    try:
        ans = pkg.json("answer.json")
    except (KeyError, ValueError):
        raise _refuse("it holds no readable answer.json") from None
    package_id = str(ans.get("package_id") or "")
    if package_id != pkg.package_id:
        raise _refuse("its manifest and its answer name different packages")
    cur = conn.execute("SELECT * FROM package_sends WHERE package_id = ?", (package_id,))
    row = cur.fetchone()
    if row is None:
        raise _refuse(
            f"it answers package {package_id[:12]}, which this database never sent (an answer "
            "for another court's or another database's package)"
        )
    sent = dict(zip([d[0] for d in cur.description], row, strict=True))
    batch_id = int(sent["batch_id"])
    if ans.get("package_sha256") != sent["sha256"] or int(ans.get("batch_id", -1)) != batch_id:
        raise _refuse(
            f"it answers a different package than the one sent as {package_id[:12]} for batch "
            f"{batch_id} (its package hash differs: the package was altered before it was opened)"
        )
    if sent["answer_id"]:
        raise _refuse(
            f"the answer to package {package_id[:12]} (batch {batch_id}) was already imported "
            f"on {court_time_text(sent['imported_at'])} (audit entry {sent['import_seq']}); an answer "
            "is imported once"
        )
    judge = str(ans.get("judge") or "")
    host = str(ans.get("host") or "unknown")
    if sent["judge"] and sent["judge"].casefold() != judge.casefold():
        raise _refuse(f"the package was sent to {sent['judge']}, but {judge} answered it")
    jrow = conn.execute(
        "SELECT name, role, active FROM users WHERE name = ? COLLATE NOCASE", (judge,)
    ).fetchone()
    if jrow is None or jrow[1] != "judge" or not jrow[2]:
        raise _refuse(f"{judge or 'nobody'} is not an active judge in this database")
    judge = str(jrow[0])
    brow = conn.execute(
        "SELECT status, prepared_by, sample_seed FROM batches WHERE id = ?", (batch_id,)
    ).fetchone()
    if brow is None:
        raise _refuse(f"batch {batch_id} is no longer in this database")
    if brow[0] != "submitted":
        raise _refuse(f"batch {batch_id} was {brow[0]} here after the package was sent")
    if brow[1].casefold() == judge.casefold():
        raise _refuse(f"{judge} prepared batch {batch_id}; another judge must check it")
    diff = state_difference(json.loads(sent["batch_state"]), batch_state(conn, batch_id))
    if diff:
        raise _refuse(
            f"batch {batch_id} changed after the package was sent ({diff}); send the judge a "
            "new package"
        )
    # The judge's workspace log: intact, and opened from this very package.
    log = _check_log(_log_rows(pkg))
    opened = [
        e
        for e in log.values()
        if e["action"] == "package.open"
        and json.loads(e["payload"]).get("package_sha256") == sent["sha256"]
    ]
    if not opened:
        raise _refuse("the judge's workspace was not opened from this package")
    # The judge's actions on the items, against the batch as it is here.
    here = {
        int(r[0]): r
        for r in conn.execute(
            "SELECT count_id, relief, resentence_target, rule_path, sampled, judge_status"
            " FROM batch_items WHERE batch_id = ?",
            (batch_id,),
        )
    }
    items = {int(i["count_id"]): i for i in _table(pkg, "batch_items")}
    if set(items) != set(here) or any(int(i["batch_id"]) != batch_id for i in items.values()):
        raise _refuse(f"its items are not those of batch {batch_id}")
    for cid, i in items.items():
        h = here[cid]
        if (i["relief"], i["resentence_target"], i["rule_path"]) != (h[1], h[2], h[3]):
            raise _refuse(f"count {cid}'s relief differs from the batch the clerk sent")
        if brow[2] is not None and bool(i["sampled"]) != bool(h[4]):
            raise _refuse(f"count {cid}'s place in the batch's sample was changed")
        if h[5] is not None and i["judge_status"] != h[5]:
            raise _refuse(f"count {cid}'s earlier decision by a judge was changed")
        if i["judge_status"] not in (None, "accepted", "sent_back"):
            raise _refuse(f"count {cid} has an unknown judge's decision")
        if i["judge_status"] == "sent_back" and not (i["judge_note"] or "").strip():
            raise _refuse(f"count {cid} was sent back without a note")
        if (
            i["judge_status"]
            and h[5] is None
            and (i["judged_by"] or "").casefold() != judge.casefold()
        ):
            raise _refuse(f"count {cid} was judged by {i['judged_by']}, not {judge}")
    rows = _table(pkg, "batches")
    if len(rows) != 1 or int(rows[0]["id"]) != batch_id:
        raise _refuse(f"it holds no state of batch {batch_id}")
    b = rows[0]
    sampled = sorted(c for c, i in items.items() if i["sampled"])
    if b["sample_seed"] is not None:
        if brow[2] is not None and int(b["sample_seed"]) != int(brow[2]):
            raise _refuse("the sample was drawn with another seed than the batch's")
        pool = [(c, h[1], h[3]) for c, h in here.items() if h[5] is None]
        if brow[2] is None:
            drawn = draw_sample(
                pool, int(b["sample_seed"]), float(b["sample_percent"]), int(b["sample_min"])
            )
            if drawn != sampled:
                raise _refuse(
                    f"the sample does not match the seed {b['sample_seed']} (the counts checked "
                    "are not the ones the sample draws)"
                )
    sent_back_now = sorted(
        c for c, i in items.items() if i["judge_status"] == "sent_back" and here[c][5] is None
    )
    accepted = b["status"] == "accepted"
    if b["status"] not in ("submitted", "accepted"):
        raise _refuse(f"batch {batch_id} is {b['status']} in the answer")
    signed: mf.ManifestSignature | None = None
    man_bytes = pkg.parts.get("acceptance/manifest.json")
    man: dict[str, Any] = {}
    if accepted:
        if man_bytes is None:
            raise _refuse("the acceptance has no sealed manifest")
        if (b["accepted_by"] or "").casefold() != judge.casefold():
            raise _refuse(f"the batch was accepted by {b['accepted_by']}, not {judge}")
        man = json.loads(man_bytes)
        sig_part = pkg.parts.get("acceptance/signature.json")
        if sig_part is not None:
            sig = json.loads(sig_part)
            problem = mf.check_signature(man_bytes, sig["signature"], sig["certificate"])
            if problem:
                raise _refuse(problem)
            cert_sha = hashlib.sha256(base64.b64decode(sig["certificate"])).hexdigest()
            if cert_sha != sig["cert_sha256"]:
                raise _refuse("the acceptance's certificate was replaced")
            signed = mf.ManifestSignature(sig["signature"], sig["certificate"], cert_sha, judge)
        all_back = sorted(c for c, i in items.items() if i["judge_status"] == "sent_back")
        expected_counts = [
            [c, here[c][1], here[c][2]]
            for c in sorted(here)
            if items[c]["judge_status"] != "sent_back"
        ]
        checks = (
            ("batch", man.get("batch_id") == batch_id),
            ("judge", (man.get("judge") or "").casefold() == judge.casefold()),
            ("clerk who prepared it", man.get("prepared_by") == brow[1]),
            ("seed", man.get("seed") == b["sample_seed"]),
            ("sample", man.get("sample") == sampled),
            ("counts sent back", man.get("sent_back") == all_back),
            ("counts and reliefs", man.get("counts") == expected_counts),
            ("acceptance time", man.get("accepted_at") == b["accepted_at"]),
        )
        for what, ok in checks:
            if not ok:
                raise _refuse(f"the sealed acceptance does not match the batch ({what} differ)")
    elif man_bytes is not None:
        raise _refuse("it holds an acceptance, but the batch is not accepted in it")
    # Orders: each PDF's signature verified with pyHanko, its file and certificate as recorded.
    orders = _table(pkg, "orders")
    order_counts = _table(pkg, "order_counts")
    granted = {c for c in here if items[c]["judge_status"] != "sent_back"}
    if orders and not accepted:
        raise _refuse("it holds orders for a batch the judge did not accept")
    checked_orders = _check_orders(conn, pkg, orders, order_counts, batch_id, granted, log, signed)
    openings = [
        o
        for o in _table(pkg, "openings")
        if (o["user"] or "").casefold() == judge.casefold() and int(o["count_id"]) in here
    ]
    terms = _table(pkg, "resentence_terms")
    if any(int(t["batch_id"]) != batch_id for t in terms):
        raise _refuse("it holds resentencing terms of another batch")
    return _apply(
        conn,
        clerk,
        pkg,
        sent,
        ans,
        judge,
        host,
        b,
        items,
        here,
        sampled,
        sent_back_now,
        accepted,
        man_bytes,
        man,
        signed,
        checked_orders,
        order_counts,
        openings,
        terms,
        orders_dir,
        first_sample=brow[2] is None and b["sample_seed"] is not None,
    )


def _log_rows(pkg: ff.Package) -> list[dict[str, Any]]:
    part = "audit/workspace-log.json"
    if part not in pkg.parts:
        raise _refuse("it holds no log of the judge's workspace")
    _, cols, rows = ff.table_rows(pkg.parts[part])
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _check_orders(
    conn: sqlite3.Connection,
    pkg: ff.Package,
    orders: list[dict[str, Any]],
    order_counts: list[dict[str, Any]],
    batch_id: int,
    granted: set[int],
    log: dict[tuple[int, str], dict[str, Any]],
    signed: mf.ManifestSignature | None,
) -> list[tuple[dict[str, Any], bytes]]:
    from desktop.orders.sign import audit_head_of
    from desktop.orders.verify import verify_bytes

    pdfs = {n[len("orders/") : -len(".pdf")] for n in pkg.parts if n.startswith("orders/")}
    if pdfs != {o["order_no"] for o in orders}:
        raise _refuse("its order files and its orders list differ")
    ids = {int(o["id"]) for o in orders}
    if any(int(oc["order_id"]) not in ids for oc in order_counts):
        raise _refuse("it lists counts of an order it does not hold")
    out = []
    for o in orders:
        no = str(o["order_no"])
        if not _ORDER_NO.match(no):
            raise _refuse(f"an order number is not one ReliefDesk makes ({no!r})")
        if int(o["batch_id"]) != batch_id:
            raise _refuse(f"order {no} is for another batch")
        if conn.execute("SELECT 1 FROM orders WHERE order_no = ?", (no,)).fetchone():
            raise _refuse(f"order {no} is already in this database's register")
        pdf = pkg.parts[f"orders/{no}.pdf"]
        if hashlib.sha256(pdf).hexdigest() != o["sha256"]:
            raise _refuse(f"the file of order {no} differs from the one the judge signed")
        fp = str(o["signer_cert_sha256"] or "")
        result = verify_bytes(pdf, f"{no}.pdf", {fp: "judge's answer"} if fp else {})
        if not result.ok:
            raise _refuse(f"the signature of order {no} does not verify: {result.problem}")
        if result.fingerprint != fp:
            raise _refuse(f"order {no} was signed with another certificate than recorded")
        if signed is not None and fp != signed.cert_sha256:
            raise _refuse(
                f"order {no} was signed with another certificate than the judge's acceptance"
            )
        head = audit_head_of(pdf) or ""
        seq_text, _, h = head.partition(":")
        if not head or not seq_text.isdigit() or (int(seq_text), h) not in log:
            raise _refuse(f"order {no} was not signed in the workspace this answer comes from")
        counts = {int(oc["count_id"]) for oc in order_counts if int(oc["order_id"]) == int(o["id"])}
        if not counts or not counts <= granted:
            raise _refuse(f"order {no} covers counts the judge did not accept in this batch")
        out.append((o, pdf))
    return out


def _free_path(out_dir: Path, order_no: str, taken: set[Path]) -> Path:
    n = 1
    while True:
        p = out_dir / (f"{order_no}.pdf" if n == 1 else f"{order_no}-{n}.pdf")
        if p not in taken and not p.exists() and not p.is_symlink():
            taken.add(p)
            return p
        n += 1


def _apply(
    conn: sqlite3.Connection,
    clerk: User,
    pkg: ff.Package,
    sent: dict[str, Any],
    ans: dict[str, Any],
    judge: str,
    host: str,
    b: dict[str, Any],
    items: dict[int, dict[str, Any]],
    here: dict[int, tuple],
    sampled: list[int],
    sent_back_now: list[int],
    accepted: bool,
    man_bytes: bytes | None,
    man: dict[str, Any],
    signed: mf.ManifestSignature | None,
    orders: list[tuple[dict[str, Any], bytes]],
    order_counts: list[dict[str, Any]],
    openings: list[dict[str, Any]],
    terms: list[dict[str, Any]],
    orders_dir: Path,
    *,
    first_sample: bool,
) -> Imported:
    batch_id = int(b["id"])
    package_id = str(sent["package_id"])
    origin = {"package_id": package_id, "judge_host": host, "imported_by": clerk.name}
    written: list[Path] = []
    order_nos: list[str] = []
    try:
        with transaction(conn):
            conn.execute(
                f"UPDATE batches SET {', '.join(f'{c} = ?' for c in _BATCH_COLS)} WHERE id = ?",
                [*(b[c] for c in _BATCH_COLS), batch_id],
            )
            conn.executemany(
                f"UPDATE batch_items SET {', '.join(f'{c} = ?' for c in _ITEM_COLS)}"
                " WHERE batch_id = ? AND count_id = ?",
                [[*(i[c] for c in _ITEM_COLS), batch_id, cid] for cid, i in items.items()],
            )
            conn.executemany(
                "INSERT INTO openings (user, count_id, at) VALUES (?, ?, ?)"
                " ON CONFLICT (user, count_id) DO UPDATE SET at = excluded.at",
                [(judge, int(o["count_id"]), o["at"]) for o in openings],
            )
            if first_sample:
                audit.append(
                    conn,
                    judge,
                    "batch.sample",
                    [batch_id],
                    {
                        "seed": b["sample_seed"],
                        "percent": b["sample_percent"],
                        "min_per_stratum": b["sample_min"],
                        "count_ids": sampled,
                        "judge_at": b["sampled_at"],
                        **origin,
                    },
                    rows={
                        "batches": [batch_id],
                        "batch_items": ("batch_id = ? AND sampled = 1", [batch_id]),
                    },
                )
            for cid in sent_back_now:
                i = items[cid]
                old = st.read_states(conn, [cid])[cid]
                new = st.sent_back_state(
                    old, sent_back_by=judge, batch_id=batch_id, note=i["judge_note"]
                )
                st.log_step(conn, judge, "send_back", i["judged_at"], [(cid, old, new)])
                audit.append(
                    conn,
                    judge,
                    "batch.send_back",
                    [cid],
                    {
                        "batch_id": batch_id,
                        "note": i["judge_note"],
                        "judge_at": i["judged_at"],
                        **origin,
                    },
                    rows={"review_items": [cid], "batch_items": [(batch_id, cid)]},
                )
            for cid in sampled:
                i = items[cid]
                if i["judge_status"] == "accepted" and here[cid][5] is None:
                    audit.append(
                        conn,
                        judge,
                        "batch.accept_item",
                        [cid],
                        {"batch_id": batch_id, "judge_at": i["judged_at"], **origin},
                        rows={"batch_items": [(batch_id, cid)]},
                    )
            manifest_sha = None
            if accepted:
                assert man_bytes is not None
                manifest_sha = mf.store(conn, batch_id, man_bytes, signed)
                all_back = [c for c, i in items.items() if i["judge_status"] == "sent_back"]
                audit.append(
                    conn,
                    judge,
                    "batch.accept",
                    [batch_id],
                    {
                        "count_ids": [c[0] for c in man["counts"]],
                        "count": len(man["counts"]),
                        "sampled": sampled,
                        "sent_back": sorted(all_back),
                        "seed": b["sample_seed"],
                        "manifest_sha256": manifest_sha,
                        "manifest_cert_sha256": signed.cert_sha256 if signed else None,
                        "judge_at": b["accepted_at"],
                        **origin,
                    },
                    rows={"batches": [batch_id], "batch_items": ("batch_id = ?", [batch_id])},
                )
            for t in terms:
                cols = [c for c in t if c in _columns(conn, "resentence_terms")]
                conn.execute(
                    f"INSERT OR REPLACE INTO resentence_terms ({', '.join(cols)}) VALUES"
                    f" ({', '.join('?' * len(cols))})",
                    [t[c] for c in cols],
                )
            heads: list[str] = []
            taken: set[Path] = set()
            files: dict[str, str] = {}
            paths: dict[str, str] = {}
            have = _columns(conn, "orders")
            for o, pdf in orders:
                no = str(o["order_no"])
                target = _free_path(orders_dir, no, taken)
                orders_dir.mkdir(parents=True, exist_ok=True)
                with open_output(target) as fh:
                    fh.write(pdf)
                written.append(target)
                seq = conn.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM orders WHERE county_code = ?"
                    " AND year = ?",
                    (o["county_code"], o["year"]),
                ).fetchone()[0]
                row = dict(o)
                old_id = int(row.pop("id"))
                row.update(seq=seq, file_path=str(target.resolve()), planned_path=None)
                cols = [c for c in row if c in have]
                new_id = conn.execute(
                    f"INSERT INTO orders ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [row[c] for c in cols],
                ).lastrowid
                conn.executemany(
                    "INSERT INTO order_counts (order_id, count_id, case_id, relief,"
                    " resentence_target) VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            new_id,
                            oc["count_id"],
                            oc["case_id"],
                            oc["relief"],
                            oc["resentence_target"],
                        )
                        for oc in order_counts
                        if int(oc["order_id"]) == old_id
                    ],
                )
                if o.get("audit_head"):
                    heads.append(str(o["audit_head"]))
                files[no] = str(o["sha256"])
                paths[no] = str(target)
                order_nos.append(no)
            if orders:
                first = orders[0][0]
                audit.append(
                    conn,
                    judge,
                    "orders.sign",
                    order_nos,
                    {
                        "batch_id": batch_id,
                        "signer": first["signer"],
                        "title": first["signer_title"],
                        "cert_sha256": first["signer_cert_sha256"],
                        "files": files,
                        "paths": paths,
                        "audit_heads": sorted(set(heads)),
                        "judge_at": first["signed_at"],
                        **origin,
                    },
                )
            seq = audit.append(
                conn,
                clerk.name,
                "package.import_answer",
                [batch_id],
                {
                    "package_id": package_id,
                    "answer_id": ans.get("answer_id"),
                    "answer_sha256": pkg.sha256,
                    "file_sha256": pkg.file_sha256,
                    "judge": judge,
                    "judge_host": host,
                    "judge_written_at": ans.get("written_at"),
                    "accepted": accepted,
                    "manifest_sha256": manifest_sha,
                    "sent_back": sent_back_now,
                    "orders": order_nos,
                    "foreign_audit_heads": sorted(set(heads)),
                    "host": host_name(),
                },
            )
            conn.executemany(
                "INSERT OR IGNORE INTO foreign_audit_heads (head, package_id, audit_seq)"
                " VALUES (?, ?, ?)",
                [(h, package_id, seq) for h in sorted(set(heads))],
            )
            conn.execute(
                "UPDATE package_sends SET answer_id = ?, answer_sha256 = ?, answer_judge = ?,"
                " answer_host = ?, answered_at = ?, imported_by = ?, imported_at = ?,"
                " import_seq = ? WHERE package_id = ?",
                (
                    ans.get("answer_id"),
                    pkg.sha256,
                    judge,
                    host,
                    ans.get("written_at"),
                    clerk.name,
                    now(),
                    seq,
                    package_id,
                ),
            )
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    return Imported(
        batch_id, package_id, judge, host, accepted, sent_back_now, order_nos, written, seq
    )


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def answer_summary(path: Path | str) -> dict[str, Any]:
    """What an answer file says (checked against its manifest), before importing it."""
    pkg = ff.read(path, "answer")
    ans = pkg.json("answer.json")
    if not isinstance(ans, dict):
        raise UserError(f"{path} holds no readable answer")
    return ans
