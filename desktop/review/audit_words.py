"""Audit entries in words (issue 16): who did what to which person, case, count, batch or order,
and when on the court's clock, for the Audit view. The raw entry (action code, targets, payload,
hashes) stays available on demand; this module only reads.

Every action the program logs has a sentence here (tests/test_audit_words.py finds every
`audit.append` in desktop/ and fails for an action without one). Names of people are shown only to
a user who may read sealed records when the count is sealed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop import clock
from desktop.law.names import natural
from desktop.review.access import may_see_sealed, sealed_ids
from desktop.review.users import User
from desktop.review.words import relief_words, rule_path_words

SETTING_WORDS = {
    "bulk_min_opened": "counts a clerk opens before a bulk approval",
    "sample_percent": "judge's sample (per cent of a batch)",
    "sample_min_per_stratum": "smallest sample per rule path",
    "order_prefix": "order number prefix",
    "installation_id": "installation id",
    "court_county": "court's county",
    "pkcs11_module": "smart-card module",
    "backup_destination": "backup folder",
    "backup_every_hours": "hours between backups",
    "retention_days": "days records are kept",
    "demo_database": "demonstration database",
}
ROLE_WORDS = {
    "admin": "an administrator",
    "clerk": "a clerk",
    "judge": "a judge",
    "records_officer": "a records officer",
    "auditor": "an auditor",
}


@dataclass(frozen=True)
class Context:
    """What a sentence may name: count labels (people shown only when allowed)."""

    counts: Mapping[int, str]


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _ints(values: Iterable[Any]) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out


def counts_text(ids: Iterable[Any], ctx: Context, shown: int = 2) -> str:
    """'count 3 of case FSB0412873, ALVARADO-WHITFIELD' or '… and 14 more counts'."""
    ids = _ints(ids)
    if not ids:
        return "no counts"
    named = [ctx.counts.get(i, f"count record {i}") for i in ids[:shown]]
    rest = len(ids) - len(named)
    text = "; ".join(named)
    return text + (f" and {_n(rest, 'more count')}" if rest else "")


def _setting(key: Any) -> str:
    return SETTING_WORDS.get(str(key), str(key).replace("_", " "))


def _value(v: Any) -> str:
    if v is None or v == "":
        return "(none)"
    return f"“{v}”" if isinstance(v, str) else str(v)


def _first(targets: list[Any]) -> Any:
    return targets[0] if targets else "?"


Sentence = Callable[[list[Any], dict[str, Any], Context], str]


def _review(verb: str) -> Sentence:
    def say(t: list[Any], p: dict[str, Any], c: Context) -> str:
        text = f"{verb} {counts_text(t, c)}"
        if p.get("reason"):
            text += f" — reason: {p['reason']}"
        return text

    return say


def _change(t: list[Any], p: dict[str, Any], c: Context) -> str:
    relief = p.get("relief") or p.get("decided_relief")
    to = f" to “{relief_words(relief, p.get('target'))}”" if relief else ""
    reason = f" — reason: {p['reason']}" if p.get("reason") else ""
    return f"changed the relief of {counts_text(t, c)}{to}{reason}"


def _bulk(t: list[Any], p: dict[str, Any], c: Context) -> str:
    path = rule_path_words(p.get("rule_path")) if p.get("rule_path") else "one rule path"
    return f"approved {_n(len(t), 'count')} together: {path}"


def _settings_set(t: list[Any], p: dict[str, Any], c: Context) -> str:
    return (
        f"changed the {_setting(p.get('key', _first(t)))} from {_value(p.get('old'))} "
        f"to {_value(p.get('new'))}"
    )


def _export(kind: str) -> Sentence:
    def say(t: list[Any], p: dict[str, Any], c: Context) -> str:
        rows = f" ({_n(int(p['rows']), 'row')})" if isinstance(p.get("rows"), int) else ""
        where = f" to {p['file']}" if p.get("file") else ""
        of_batch = f" of batch {_first(t)}" if t and "update" in kind else ""
        return f"exported the {kind}{of_batch}{where}{rows}"

    return say


def _orders(verb: str) -> Sentence:
    def say(t: list[Any], p: dict[str, Any], c: Context) -> str:
        batch = f" of batch {p['batch_id']}" if p.get("batch_id") is not None else ""
        if len(t) == 1:
            return f"{verb} order {t[0]}{batch}"
        return f"{verb} {_n(len(t), 'order')}{batch}"

    return say


def _sample(t: list[Any], p: dict[str, Any], c: Context) -> str:
    n = len(p.get("count_ids") or [])
    return f"drew the spot-check sample of batch {_first(t)}: {_n(n, 'count')}"


def _accept(t: list[Any], p: dict[str, Any], c: Context) -> str:
    n = p.get("count", len(p.get("count_ids") or []))
    signed = " and signed the acceptance" if p.get("manifest_cert_sha256") else ""
    return f"accepted batch {_first(t)} ({_n(int(n), 'count')}) for orders{signed}"


def _send_back(t: list[Any], p: dict[str, Any], c: Context) -> str:
    where = f" from batch {p['batch_id']}" if p.get("batch_id") is not None else ""
    after = f" after order {p['order_no']}" if p.get("order_no") else ""
    note = f" — note: “{p['note']}”" if p.get("note") else ""
    return f"sent {counts_text(t, c)} back to the clerk{where}{after}{note}"


def _evaluate(t: list[Any], p: dict[str, Any], c: Context) -> str:
    policy = p.get("policy") or {}
    name = policy.get("name") if isinstance(policy, dict) else policy
    county = str(p.get("county") or "").title()
    return (
        f"evaluated {county + ' County' if county else 'the records'}"
        + (f" with the policy “{name}”" if name else "")
        + (f", as of {p['as_of']}" if p.get("as_of") else "")
    )


def _import(t: list[Any], p: dict[str, Any], c: Context) -> str:
    kept, read = p.get("rows_kept"), p.get("rows_read")
    rows = (
        f" ({kept:,} of {read:,} rows kept)"
        if isinstance(kept, int) and isinstance(read, int)
        else ""
    )
    return f"imported {p.get('file') or 'a file'}{rows}"


def _user(verb: str) -> Sentence:
    def say(t: list[Any], p: dict[str, Any], c: Context) -> str:
        name = p.get("name") or f"user {_first(t)}"
        if verb == "added":
            first = " (the first administrator)" if p.get("first") else ""
            return f"added the user {name} as {ROLE_WORDS.get(p.get('role', ''), p.get('role'))}{first}"
        if verb == "role":
            return (
                f"changed {name}'s role from {ROLE_WORDS.get(p.get('old', ''), p.get('old'))} "
                f"to {ROLE_WORDS.get(p.get('new', ''), p.get('new'))}"
            )
        return f"{verb} {name}"

    return say


def _sealed(verb: str) -> Sentence:
    def say(t: list[Any], p: dict[str, Any], c: Context) -> str:
        n = p.get("sealed_counts", len(t))
        what = f" ({p['what']})" if p.get("what") else ""
        return f"{verb} {_n(int(n), 'sealed count')}{what}"

    return say


POSITION_WORDS = {
    "does_not_oppose": "does not oppose",
    "opposes_criteria": "opposes (criteria not met)",
    "opposes_public_safety": "opposes (public safety)",
    "requests_hearing": "asks for a hearing",
}


def _matter_open(t: list[Any], p: dict[str, Any], c: Context) -> str:
    kind = str(p.get("kind") or "filing").replace("_", " ")
    filed = f" filed {p['filed_on']}" if p.get("filed_on") else ""
    counts = p.get("count_ids") or []
    return f"opened matter {_first(t)}: a {kind}{filed} for {counts_text(counts, c)}"


def _hearing_outcome(t: list[Any], p: dict[str, Any], c: Context) -> str:
    n = len(p.get("outcomes") or {})
    status = str(p.get("matter_status") or "").replace("_", " ")
    text = f"entered the outcome of hearing {_first(t)} for {_n(n, 'count')}"
    if p.get("matter_id") is not None:
        text += f" (matter {p['matter_id']}" + (f", now {status})" if status else ")")
    if p.get("continue_date"):
        text += f"; the rest continued to {p['continue_date']}"
    return text


# Who asked for a certified copy (desktop/orders/certify.REQUESTER_KINDS), in words.
_REQUESTERS = {
    "person": "the person named",
    "counsel": "the person's counsel",
    "agency": "an entitled agency",
    "public": "a member of the public",
}

SENTENCES: dict[str, Sentence] = {
    "import": _import,
    "import_responses": lambda t, p, c: (
        f"imported the prosecutor's responses from {p.get('file') or 'a file'}"
    ),
    "evaluate": _evaluate,
    "policy_save": lambda t, p, c: f"saved the local policy “{_first(t)}”",
    "review.open": lambda t, p, c: f"opened {counts_text(t, c)}",
    "review.approve": _review("approved"),
    "review.reject": _review("rejected"),
    "review.defer": _review("deferred"),
    "review.change": _change,
    "review.bulk_approve": _bulk,
    "review.undo": lambda t, p, c: (
        f"undid their last decision ({str(p.get('action') or '').replace('_', ' ')}) on "
        f"{counts_text(t, c)}"
    ),
    "batch.submit": lambda t, p, c: (
        f"submitted batch {_first(t)} ({_n(int(p.get('count', 0)), 'count')}) to the judge"
    ),
    "batch.sample": _sample,
    "batch.accept_item": lambda t, p, c: (
        f"accepted {counts_text(t, c)} in batch {p.get('batch_id', '?')}"
    ),
    "batch.send_back": _send_back,
    "batch.accept": _accept,
    "orders.prepare": _orders("numbered"),
    "orders.plan_files": _orders("chose the file names of"),
    "orders.sign": _orders("signed"),
    "orders.print_unsigned": _orders("printed for signature in ink"),
    "orders.record_signature": lambda t, p, c: (
        f"recorded that order {_first(t)} was signed"
        + (f" by {p['judge']}" if p.get("judge") else "")
        + (" in ink" if p.get("method") == "ink" else "")
    ),
    "orders.amend": lambda t, p, c: (
        f"made order {_first(t)} correcting order {p.get('amends', '?')}"
        + (f" — reason: {p['reason']}" if p.get("reason") else "")
    ),
    "orders.terms": lambda t, p, c: (
        f"entered the resentencing terms of case record {_first(t)}"
        + (f" (batch {p['batch_id']})" if p.get("batch_id") is not None else "")
    ),
    "orders.mark_printed": lambda t, p, c: f"marked order {_first(t)} printed",
    "export.doj-update": _export("DOJ disposition update"),
    "export.court-update": _export("court record update"),
    "export.determinations": _export("determinations"),
    "export.rejected": _export("rejected rows"),
    "export.warnings": _export("row warnings"),
    "report.summary": lambda t, p, c: (
        f"wrote the summary report{(' to ' + str(p['file'])) if p.get('file') else ''}"
    ),
    "settings.set": _settings_set,
    "settings.court": lambda t, p, c: (
        f"changed the court's {_setting(p.get('key', _first(t)))} from {_value(p.get('old'))} "
        f"to {_value(p.get('new'))}"
    ),
    "settings.signer": lambda t, p, c: (
        f"changed how {_first(t)} is printed on orders"
        + (f" (“{p['display_name']}”)" if p.get("display_name") else "")
    ),
    "user.add": _user("added"),
    "user.role": _user("role"),
    "user.deactivate": _user("deactivated the account of"),
    "user.password": _user("set a new password for"),
    "os_sign_in.map": lambda t, p, c: (
        f"let the Windows {p.get('kind', 'account')} {p.get('name', _first(t))} sign in as "
        f"{ROLE_WORDS.get(p.get('role', ''), p.get('role'))}"
    ),
    "os_sign_in.unmap": lambda t, p, c: (
        f"stopped the Windows {p.get('kind', 'account')} {p.get('name', _first(t))} signing in"
    ),
    "sealed.read": lambda t, p, c: (
        f"read {_n(len(t), 'sealed count')}" + (f" ({p['what']})" if p.get("what") else "")
    ),
    "sealed.show": _sealed("showed"),
    "retention.purge": lambda t, p, c: (
        f"purged the records of {_n(int(p.get('people', len(t))), 'person')} past the "
        f"retention period"
    ),
    "backup.restore": lambda t, p, c: (
        f"restored the database from a backup{(' ' + str(p['file'])) if p.get('file') else ''}"
    ),
    "backup.verified": lambda t, p, c: f"made and verified a backup in {_first(t)}",
    "audit.seal_baseline": lambda t, p, c: "sealed the existing records into the audit chain",
    # Petitions, applications and challenges (desktop/dispositions).
    "matter.open": _matter_open,
    "matter.withdraw": lambda t, p, c: (
        f"withdrew matter {_first(t)}" + (f" — reason: {p['reason']}" if p.get("reason") else "")
    ),
    "matter.response": lambda t, p, c: (
        f"entered the prosecution's response to matter {_first(t)}: it "
        f"{POSITION_WORDS.get(p.get('position', ''), str(p.get('position', '')).replace('_', ' '))}"
        + (f" ({p['date']})" if p.get("date") else "")
    ),
    "matter.notice": lambda t, p, c: (
        f"recorded a notice in matter {_first(t)}"
        + (f" from the {str(p['from']).replace('_', ' ')}" if p.get("from") else "")
        + (f" to the {str(p['to']).replace('_', ' ')}" if p.get("to") else "")
        + (f" ({p['date']})" if p.get("date") else "")
    ),
    "matter.challenges": lambda t, p, c: (
        f"put {_n(len(p.get('count_ids') or []), 'challenged count')} of "
        f"{str(p.get('county') or '').title()} County on the hearing list "
        f"({_n(int(p.get('matters', len(t))), 'matter')})"
    ),
    "matter.addresses": lambda t, p, c: (
        f"changed the addresses of matter {_first(t)} ("
        + ", ".join(str(f).replace("_", " ") for f in p.get("fields") or [])
        + ")"
    ),
    "settings.service": lambda t, p, c: (
        f"changed the service-list setting {str(p.get('key', _first(t))).removeprefix('service.')}".replace(
            "_", " "
        )
    ),
    "orders.certify": lambda t, p, c: (
        f"made certified copy {p.get('copy_no', '')} of order {_first(t)} for "
        f"{_REQUESTERS.get(str(p.get('requester_kind')), 'a requester')}"
        + (" (a sealed conviction)" if p.get("sealed_counts") else "")
    ),
    "matter.rule": lambda t, p, c: (
        f"ruled on matter {_first(t)} on the papers for {_n(len(p.get('outcomes') or {}), 'count')}"
    ),
    "hearing.schedule": lambda t, p, c: (
        f"scheduled hearing {_first(t)} of matter {p.get('matter_id', '?')} for {p.get('date')}"
        + (f" at {p['time']}" if p.get("time") else "")
        + (f", department {p['department']}" if p.get("department") else "")
    ),
    "hearing.continue": lambda t, p, c: (
        f"continued hearing {_first(t)} of matter {p.get('matter_id', '?')} from "
        f"{p.get('from')} to {p.get('to')}"
    ),
    "hearing.vacate": lambda t, p, c: (
        f"took hearing {_first(t)} of matter {p.get('matter_id', '?')} ({p.get('date')}) off "
        "calendar" + (f" — reason: {p['reason']}" if p.get("reason") else "")
    ),
    "hearing.notice": lambda t, p, c: (
        f"wrote the notice of hearing {_first(t)} (matter {p.get('matter_id', '?')})"
        + (f", served {p['served_on']}" if p.get("served_on") else "")
    ),
    "hearing.outcome": _hearing_outcome,
    # A batch sent to a judge at another PC, and the judge's answer (desktop/exchange).
    "batch.send": lambda t, p, c: (
        f"sent batch {_first(t)} to {p.get('judge') or 'the judge'} as a package"
        + (f" ({_n(int(p['counts']), 'count')})" if isinstance(p.get("counts"), int) else "")
        + (f" — {p['file']}" if p.get("file") else "")
    ),
    "package.open": lambda t, p, c: f"opened the package of batch {_first(t)} on this PC",
    "package.answer": lambda t, p, c: (
        f"wrote the answer to batch {_first(t)}" + (f" — {p['file']}" if p.get("file") else "")
    ),
    "package.import_answer": lambda t, p, c: (
        f"imported {p.get('judge') or 'the judge'}'s answer to batch {_first(t)}"
    ),
}


def sentence(action: str, targets: list[Any], payload: dict[str, Any], ctx: Context) -> str:
    """What happened, as a sentence without its subject ('approved count 3 of case …')."""
    say = SENTENCES.get(action)
    if say is None:
        family, _, rest = action.partition(".")
        return f"{(rest or family).replace('_', ' ')} ({family.replace('_', ' ')})"
    try:
        return say(targets, payload, ctx)
    except (TypeError, ValueError, KeyError, AttributeError):
        return SENTENCES_FALLBACK.get(action.partition(".")[0], "recorded a change")


SENTENCES_FALLBACK = {
    "review": "recorded a review decision",
    "batch": "acted on a batch",
    "orders": "acted on orders",
    "settings": "changed a setting",
    "user": "changed a user account",
    "export": "exported records",
    "matter": "acted on a matter",
    "hearing": "acted on a hearing",
    "package": "acted on a judge's package",
}


def court_time(stamp: str) -> str:
    """'2026-11-30T15:04:05+00:00' -> '2026-11-30 07:04 PST' (the court's wall clock)."""
    return clock.court_time_text(stamp)


def count_labels(
    conn: sqlite3.Connection, ids: Iterable[int], viewer: User | None
) -> dict[int, str]:
    """Count id -> 'count 3 of case FSB0412873, ALVARADO-WHITFIELD'; a sealed count names no
    person unless the viewer may read sealed records."""
    wanted = sorted(set(ids))
    out: dict[int, str] = {}
    if not wanted:
        return out
    hidden = set() if may_see_sealed(viewer) else sealed_ids(conn, wanted)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for cid, count_no, case_no, name in conn.execute(
            "SELECT c.id, c.count_no, cs.case_number, s.name FROM counts c"
            " JOIN cases cs ON cs.id = c.case_id JOIN subjects s ON s.id = c.subject_id"
            f" WHERE c.id IN ({marks})",
            chunk,
        ):
            case = case_no or "(no number)"
            who = "a sealed record" if cid in hidden else (natural(name) or "(no name)")
            out[int(cid)] = f"count {count_no or '?'} of case {case}, {who}"
    return out


# Actions whose targets are count ids (the rest name batches, orders, users, settings, files).
COUNT_TARGETS = (
    "review.",
    "batch.accept_item",
    "batch.send_back",
    "sealed.read",
    "sealed.show",
)


# Actions that name their counts in the payload ("count_ids") rather than the targets.
PAYLOAD_COUNTS = ("matter.open",)


def targets_counts(action: str) -> bool:
    return action.startswith(COUNT_TARGETS)


def describe_entries(
    conn: sqlite3.Connection,
    entries: Iterable[Any],
    viewer: User | None = None,
) -> list[str]:
    """One sentence per entry ('approved count 3 of case …'), in the entries' order."""
    entries = list(entries)
    parsed = []
    ids: set[int] = set()
    for e in entries:
        try:
            targets = json.loads(e.targets)
            payload = json.loads(e.payload)
        except ValueError:
            targets, payload = [], {}
        if not isinstance(targets, list):
            targets = [targets]
        if not isinstance(payload, dict):
            payload = {}
        parsed.append((e.action, targets, payload))
        if targets_counts(e.action):
            ids.update(_ints(targets[:3]))
        elif e.action in PAYLOAD_COUNTS:
            ids.update(_ints((payload.get("count_ids") or [])[:3]))
    ctx = Context(count_labels(conn, ids, viewer))
    return [sentence(a, t, p, ctx) for a, t, p in parsed]


def action_title(action: str) -> str:
    """An action for the filter list: 'batch.accept' -> 'Batch accepted'."""
    return ACTION_TITLES.get(action, action.replace(".", ": ").replace("_", " ").capitalize())


ACTION_TITLES = {
    "import": "File imported",
    "import_responses": "Prosecutor's responses imported",
    "evaluate": "Records evaluated",
    "policy_save": "Local policy saved",
    "review.open": "Count opened",
    "review.approve": "Count approved",
    "review.reject": "Count rejected",
    "review.defer": "Count deferred",
    "review.change": "Relief changed",
    "review.bulk_approve": "Counts approved together",
    "review.undo": "Decision undone",
    "batch.submit": "Batch submitted to the judge",
    "batch.sample": "Spot-check sample drawn",
    "batch.accept_item": "Sampled count accepted",
    "batch.send_back": "Count sent back to the clerk",
    "batch.accept": "Batch accepted",
    "orders.prepare": "Orders numbered",
    "orders.plan_files": "Order files named",
    "orders.sign": "Orders signed",
    "orders.print_unsigned": "Orders printed for ink",
    "orders.record_signature": "Ink signature recorded",
    "orders.amend": "Order corrected",
    "orders.terms": "Resentencing terms entered",
    "orders.mark_printed": "Order printed",
    "export.doj-update": "DOJ update exported",
    "export.court-update": "Court update exported",
    "export.determinations": "Determinations exported",
    "export.rejected": "Rejected rows exported",
    "export.warnings": "Row warnings exported",
    "report.summary": "Summary report written",
    "settings.set": "Setting changed",
    "settings.court": "Court details changed",
    "settings.signer": "Signer details changed",
    "user.add": "User added",
    "user.role": "Role changed",
    "user.deactivate": "User deactivated",
    "user.password": "Password set",
    "os_sign_in.map": "Windows sign-in allowed",
    "os_sign_in.unmap": "Windows sign-in removed",
    "sealed.read": "Sealed records read",
    "sealed.show": "Sealed records shown",
    "retention.purge": "Records purged",
    "backup.restore": "Database restored",
    "backup.verified": "Backup made and verified",
    "audit.seal_baseline": "Records sealed into the log",
    "matter.open": "Matter opened",
    "matter.withdraw": "Matter withdrawn",
    "matter.response": "Prosecution's response entered",
    "matter.notice": "Notice recorded",
    "matter.challenges": "Challenges put on the hearing list",
    "matter.rule": "Ruled on the papers",
    "matter.addresses": "Matter addresses changed",
    "settings.service": "Service-list setting changed",
    "orders.certify": "Certified copy made",
    "hearing.schedule": "Hearing scheduled",
    "hearing.continue": "Hearing continued",
    "hearing.vacate": "Hearing taken off calendar",
    "hearing.notice": "Notice of hearing written",
    "hearing.outcome": "Hearing outcome entered",
    "batch.send": "Batch sent to a judge",
    "package.open": "Judge's package opened",
    "package.answer": "Judge's answer written",
    "package.import_answer": "Judge's answer imported",
}
