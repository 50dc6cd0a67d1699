"""Row seals: the state the program left in the tables that decide what a judge signs, bound to the
audit log, so that an edit made behind the program's back (an SQLite tool on the file) is caught.

Every audit entry that changes a determination, a review decision (review_items), a batch item or a
batch seals the rows it changed: one `row_seals` row per changed row holding the SHA-256 of the
row's canonical JSON, and in the entry's payload `rows_sealed = {"n": N, "sha256": H}` where H is
the SHA-256 over those seals. The entry's hash covers the payload, so the chain covers the seals.

`verify_state` then checks (1) every entry's seals still hash to what its payload says, and (2) the
newest seal of every row equals the row as it is now, and every row has a seal. A row added,
changed or removed outside ReliefDesk fails with the table and the row named.

What this cannot catch: someone who can write the file, drops the triggers and recomputes the
seals, the payloads and the whole chain. Exports kept elsewhere and the audit head printed in each
signed order anchor the log against that (docs/security.md)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# table -> (key columns, sealed columns). Only these columns are sealed, so a later migration that
# adds a column does not invalidate old seals.
SEALED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "determinations": (
        ("id",),
        (
            "id",
            "run_id",
            "count_id",
            "subject_id",
            "relief",
            "resentence_target",
            "rule_path",
            "flags",
            "explanation",
        ),
    ),
    "review_items": (
        ("count_id",),
        (
            "count_id",
            "determination_id",
            "status",
            "decided_relief",
            "decided_target",
            "reason",
            "decided_by",
            "decided_at",
            "rereview",
            "previous_decision",
        ),
    ),
    "batch_items": (
        ("batch_id", "count_id"),
        (
            "batch_id",
            "count_id",
            "relief",
            "resentence_target",
            "rule_path",
            "sampled",
            "judge_status",
            "judge_note",
            "judged_by",
            "judged_at",
        ),
    ),
    "batches": (
        ("id",),
        (
            "id",
            "status",
            "prepared_by",
            "submitted_at",
            "sample_seed",
            "sample_percent",
            "sample_min",
            "sampled_by",
            "sampled_at",
            "accepted_by",
            "accepted_at",
        ),
    ),
}
PAYLOAD_KEY = "rows_sealed"
# The seal of a row the program deleted (a purge): the row must stay absent.
DELETED = "deleted"
_CHUNK = 500

# What a caller names to seal: a list of keys (ints, or (batch_id, count_id) pairs), or a
# (where_sql, params) pair selecting the rows.
RowSpec = Sequence[Any] | tuple[str, Sequence[Any]]


def has_seals(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'row_seals'"
        ).fetchone()
        is not None
    )


def row_digest(table: str, values: Sequence[Any]) -> str:
    """SHA-256 of the row's canonical encoding: the table name, then each column value as a type
    tag and its text, length-prefixed (N; / I<int>; / F<repr>; / S<bytes>:<utf-8>, B<bytes>:<raw>),
    so no two different rows encode alike. Cheaper than JSON for the ~10^5 rows (with their long
    explanation texts) an evaluation seals."""
    parts = [table.encode(), b"|"]
    for v in values:
        if v is None:
            parts.append(b"N;")
        elif isinstance(v, str):
            b = v.encode("utf-8", "surrogatepass")
            parts += [b"S%d:" % len(b), b]
        elif isinstance(v, bool | int):
            parts.append(b"I%d;" % v)
        elif isinstance(v, float):
            parts.append(b"F" + repr(v).encode() + b";")
        else:
            b = bytes(v)
            parts += [b"B%d:" % len(b), b]
    return hashlib.sha256(b"".join(parts)).hexdigest()


def key_text(key: Sequence[Any]) -> str:
    return ":".join(str(k) for k in key)


def _select(table: str) -> str:
    keys, cols = SEALED[table]
    return f"SELECT {', '.join(keys)}, {', '.join(cols)} FROM {table}"


def _rows(conn: sqlite3.Connection, table: str, spec: RowSpec) -> Iterator[tuple[str, str]]:
    """(key text, digest) of the rows a spec names."""
    keys, _cols = SEALED[table]
    nk = len(keys)
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        where, params = spec
        cur: Iterable[tuple] = conn.execute(f"{_select(table)} WHERE {where}", list(params))
        if nk == 1:
            for row in cur:
                yield str(row[0]), row_digest(table, row[1:])
        else:
            for row in cur:
                yield key_text(row[:nk]), row_digest(table, row[nk:])
        return
    items = list(spec)
    if nk == 1:
        ids = sorted({int(k[0] if isinstance(k, (tuple, list)) else k) for k in items})
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            for row in conn.execute(
                f"{_select(table)} WHERE {keys[0]} IN ({','.join('?' * len(part))})", part
            ):
                yield key_text(row[:1]), row_digest(table, row[1:])
    else:
        for k in sorted({tuple(k) for k in items}):
            where = " AND ".join(f"{c} = ?" for c in keys)
            for row in conn.execute(f"{_select(table)} WHERE {where}", list(k)):
                yield key_text(row[:nk]), row_digest(table, row[nk:])


def seals_digest(seals: Iterable[tuple[str, str, str]]) -> str:
    """SHA-256 over (table, key, digest) triples in sorted order."""
    h = hashlib.sha256()
    for tbl, key, dig in sorted(seals):
        h.update(f"{tbl}\t{key}\t{dig}\n".encode())
    return h.hexdigest()


def seal(
    conn: sqlite3.Connection,
    seq: int,
    rows: dict[str, RowSpec],
    deleted: dict[str, Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """Write the seals of entry `seq` for the rows named (as they are now) and for the rows it
    deleted (keys, sealed as DELETED); the payload part {"n", "sha256"}."""
    triples: list[tuple[str, str, str]] = []
    for table, spec in rows.items():
        if table not in SEALED:
            raise ValueError(f"table {table} is not sealed")
        for key, dig in _rows(conn, table, spec):
            triples.append((table, key, dig))
    for table, keys in (deleted or {}).items():
        if table not in SEALED:
            raise ValueError(f"table {table} is not sealed")
        for k in {key_text(k if isinstance(k, (tuple, list)) else (k,)) for k in keys}:
            triples.append((table, k, DELETED))
    conn.executemany(
        "INSERT INTO row_seals (tbl, row_key, seq, digest) VALUES (?, ?, ?, ?)",
        [(t, k, seq, d) for t, k, d in triples],
    )
    return {"n": len(triples), "sha256": seals_digest(triples)}


def current_digests(
    conn: sqlite3.Connection, table: str, keys: Sequence[Any] | None = None
) -> dict[str, str]:
    """key text -> digest of the rows as they are now (all rows, or the keys given)."""
    if keys is None:
        return dict(_rows(conn, table, ("1 = 1", [])))
    return dict(_rows(conn, table, keys))


def newest_seals(
    conn: sqlite3.Connection, table: str, keys: Sequence[str] | None = None
) -> dict[str, tuple[int, str]]:
    """key text -> (seq, digest) of each row's newest seal."""
    out: dict[str, tuple[int, str]] = {}
    if keys is None:
        cur: Iterable[tuple] = conn.execute(
            "SELECT row_key, MAX(seq), digest FROM row_seals WHERE tbl = ? GROUP BY row_key",
            (table,),
        )
        for key, seq, dig in cur:
            out[key] = (seq, dig)
        return out
    for i in range(0, len(keys), _CHUNK):
        part = list(keys[i : i + _CHUNK])
        for key, seq, dig in conn.execute(
            f"SELECT row_key, MAX(seq), digest FROM row_seals WHERE tbl = ? AND row_key IN "
            f"({','.join('?' * len(part))}) GROUP BY row_key",
            (table, *part),
        ):
            out[key] = (seq, dig)
    return out


@dataclass(frozen=True)
class StateProblem:
    table: str
    row: str  # the row's key ('' when the problem is with an entry's seals)
    seq: int | None  # the audit entry concerned, when there is one
    reason: str

    def __str__(self) -> str:
        return self.reason


def describe_row(table: str, key: str) -> str:
    keys, _ = SEALED[table]
    parts = key.split(":")
    named = ", ".join(f"{k} {v}" for k, v in zip(keys, parts, strict=False))
    return f"{table} row {key} ({named})"


def compare_rows(
    conn: sqlite3.Connection, table: str, keys: Sequence[Any] | None = None
) -> StateProblem | None:
    """The first row of `table` (all rows, or the keys given) that differs from its newest seal."""
    now = current_digests(conn, table, keys)
    wanted = (
        sorted(now)
        if keys is None
        else sorted({key_text(k if isinstance(k, (tuple, list)) else (k,)) for k in keys})
    )
    sealed = newest_seals(conn, table, None if keys is None else wanted)
    for key in _natural(set(now) | set(sealed) if keys is None else set(wanted)):
        have = now.get(key)
        seal_ = sealed.get(key)
        if have is not None and seal_ is None:
            return StateProblem(
                table,
                key,
                None,
                f"{describe_row(table, key)} is not explained by "
                "any logged action: it was added or changed outside ReliefDesk",
            )
        if have is None and seal_ is not None and seal_[1] == DELETED:
            continue  # deleted by the program (a purge), and still absent
        if have is not None and seal_ is not None and seal_[1] == DELETED:
            return StateProblem(
                table,
                key,
                seal_[0],
                f"{describe_row(table, key)} was deleted "
                f"by audit entry {seal_[0]} but is there again: it was put back "
                "outside ReliefDesk",
            )
        if have is None and seal_ is not None:
            return StateProblem(
                table,
                key,
                seal_[0],
                f"{describe_row(table, key)}, recorded at "
                f"audit entry {seal_[0]}, was deleted outside ReliefDesk",
            )
        if have is not None and seal_ is not None and have != seal_[1]:
            return StateProblem(
                table,
                key,
                seal_[0],
                f"{describe_row(table, key)} differs from "
                f"the state audit entry {seal_[0]} recorded: it was edited "
                "outside ReliefDesk",
            )
    return None


def _natural(keys: Iterable[str]) -> list[str]:
    def k(s: str) -> tuple:
        return tuple(int(p) if p.lstrip("-").isdigit() else 0 for p in s.split(":"))

    return sorted(keys, key=k)


def verify_entries(conn: sqlite3.Connection) -> StateProblem | None:
    """Every entry's seals still hash to the digest in its payload (and no seals without one)."""
    claims: dict[int, dict[str, Any]] = {}
    for seq, payload in conn.execute(
        "SELECT seq, payload FROM audit_log WHERE instr(payload, ?) > 0 ORDER BY seq",
        (f'"{PAYLOAD_KEY}"',),
    ):
        try:
            claim = json.loads(payload).get(PAYLOAD_KEY)
        except (ValueError, AttributeError):
            continue
        if isinstance(claim, dict):
            claims[seq] = claim
    found: dict[int, list[tuple[str, str, str]]] = {}
    for tbl, key, seq, dig in conn.execute("SELECT tbl, row_key, seq, digest FROM row_seals"):
        found.setdefault(seq, []).append((tbl, key, dig))
    for seq in sorted(set(found) | set(claims)):
        claim = claims.get(seq)
        have = found.get(seq, [])
        if claim is None:
            t, k, _ = have[0]
            return StateProblem(
                t,
                k,
                seq,
                f"row_seals hold seals for audit entry {seq} that the "
                f"entry does not list (first: {describe_row(t, k)}); they were "
                "added outside ReliefDesk",
            )
        if len(have) != claim.get("n") or seals_digest(have) != claim.get("sha256"):
            return StateProblem(
                "row_seals",
                "",
                seq,
                f"the row seals of audit entry {seq} were "
                f"altered outside ReliefDesk ({len(have)} found, {claim.get('n')} "
                "recorded)",
            )
    return None


def verify_state(conn: sqlite3.Connection) -> StateProblem | None:
    """None when the sealed tables agree with the log; else the first disagreement."""
    if not has_seals(conn):
        return None
    problem = verify_entries(conn)
    if problem:
        return problem
    for table in ("batches", "batch_items", "review_items", "determinations"):
        problem = compare_rows(conn, table)
        if problem:
            return problem
    return None


def seal_baseline(conn: sqlite3.Connection) -> int | None:
    """On upgrading a database made before row seals: seal every row as it is, in one audit entry
    (`audit.seal_baseline`), so later edits are caught. Returns the entry's seq, or None when the
    tables are empty. What happened before this entry is vouched for only by the log itself.
    The caller holds the write transaction (the store, right after migrating)."""
    from desktop.audit.log import append

    if not has_seals(conn):
        return None
    existing = [t for t in SEALED if conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]
    if not existing:
        return None
    if conn.execute("SELECT 1 FROM row_seals LIMIT 1").fetchone():
        return None
    return append(
        conn,
        None,
        "audit.seal_baseline",
        [],
        {"note": "state at the upgrade to row seals"},
        rows={t: ("1 = 1", []) for t in existing},
    )
