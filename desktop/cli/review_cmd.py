"""`reliefdesk users`, `queue`, `review` and `batch`: the review workflow on the command line.
Every state change authenticates --as USER first; the review core checks the role."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from desktop.cli.common import acting_user, add_as_user, add_reader, get_db, print_json, reader
from desktop.clock import court_time_text
from desktop.console import interactive
from desktop.errors import RefusedError, UserError
from desktop.outputs import for_terminal
from desktop.vocabulary import Relief, Role

RELIEF_CHOICES = [r.value for r in Relief]


def register(sub: argparse._SubParsersAction) -> None:
    _register_users(sub)
    _register_queue(sub)
    _register_review(sub)
    _register_batch(sub)


# --- users -----------------------------------------------------------------------------------
def _register_users(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="local accounts: clerks, judges, admins")
    s = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    a = s.add_parser("add", help="add an account (the first one must be an admin)")
    a.add_argument("name")
    a.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Role],
        help="records_officer: reads every record, sealed ones too (audited), and "
        "keeps the retention schedule; decides nothing",
    )
    add_as_user(a, required=False)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_users_add)
    ls = s.add_parser("list", help="list accounts")
    ls.add_argument("--json", action="store_true")
    add_reader(ls)
    ls.set_defaults(func=cmd_users_list)
    d = s.add_parser("deactivate", help="close an account (an admin only)")
    d.add_argument("name")
    add_as_user(d)
    d.set_defaults(func=cmd_users_deactivate)
    pw = s.add_parser(
        "passwd",
        help="set a password (yours, or anyone's as admin); the new one "
        "from RELIEFDESK_NEW_PASSWORD or a prompt",
    )
    pw.add_argument("name")
    add_as_user(pw)
    pw.set_defaults(func=cmd_users_passwd)


def _new_password(name: str) -> str:
    pw = os.environ.get("RELIEFDESK_NEW_PASSWORD")
    if pw is not None:
        return pw
    if not interactive():
        raise UserError(
            f"no password for the new account {name}: set RELIEFDESK_NEW_PASSWORD or "
            "run in a terminal"
        )
    first = getpass.getpass(f"New password for {name}: ")
    if getpass.getpass("Repeat it: ") != first:
        raise UserError("the two passwords differ; nothing changed")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    from desktop.review.users import create_user, has_users, require_role

    db = get_db(args)
    actor = None
    if has_users(db.conn):
        if not args.as_user:
            raise RefusedError("only an admin may add users: name one with --as ADMIN")
        actor = acting_user(args, db)
    if actor is not None:
        require_role(actor, Role.ADMIN)  # before asking for the new password
    user = create_user(db.conn, args.name, args.role, _new_password(args.name), actor)
    if args.json:
        print_json({"id": user.id, "name": user.name, "role": user.role})
    else:
        print(f"added {user.role} {user.name}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from desktop.review.users import has_users, list_users

    db = get_db(args)
    if has_users(db.conn):  # before the first admin exists there is nobody to sign in
        reader(args, db)
    accounts = list_users(db.conn)
    for a in accounts:
        if args.json:
            print_json(
                {
                    "id": a.id,
                    "name": a.name,
                    "role": a.role,
                    "active": a.active,
                    "created_at": a.created_at,
                    "created_by": a.created_by,
                }
            )
        else:
            print(
                f"{a.name:20} {a.role:6} {'active' if a.active else 'inactive':8} "
                f"added {court_time_text(a.created_at)}"
                + (f" by {a.created_by}" if a.created_by else "")
            )
    if not accounts and not args.json:
        print("no users yet: add the administrator with `reliefdesk users add NAME --role admin`")
    return 0


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    from desktop.review.users import deactivate_user

    db = get_db(args)
    deactivate_user(db.conn, acting_user(args, db), args.name)
    print(f"deactivated {args.name}")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    from desktop.review.users import set_password

    db = get_db(args)
    actor = acting_user(args, db)
    set_password(db.conn, actor, args.name, _new_password(args.name))
    print(f"password changed for {args.name}")
    return 0


# --- queue -----------------------------------------------------------------------------------
def _register_queue(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("queue", help="the review queue")
    s = p.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    ls = s.add_parser("list", help="list counts in the review queue")
    ls.add_argument(
        "--status", help="pending|approved|rejected|changed|deferred|rereview|sent_back"
    )
    ls.add_argument("--relief", choices=RELIEF_CHOICES, help="proposed relief")
    ls.add_argument("--rule-path", dest="rule_path", metavar="P")
    ls.add_argument("--flag")
    ls.add_argument("--section", help="e.g. 11357 (all subdivisions) or 11357(B)")
    ls.add_argument("--search", help="name, case number or CII")
    ls.add_argument("--sort", default="count_id")
    ls.add_argument("--desc", action="store_true")
    ls.add_argument("--limit", type=int)
    ls.add_argument("--offset", type=int, default=0)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.add_argument(
        "--include-sealed",
        dest="include_sealed",
        action="store_true",
        help="also the sealed counts (records officer or judge; audited)",
    )
    add_reader(ls)
    ls.set_defaults(func=cmd_queue_list)
    rp = s.add_parser("paths", help="rule paths with pending counts a bulk approval would take")
    rp.add_argument("--json", action="store_true")
    add_reader(rp)
    rp.set_defaults(func=cmd_queue_paths)


def cmd_queue_list(args: argparse.Namespace) -> int:
    from desktop.review.queue import read_queue

    db = get_db(args)
    rows = read_queue(
        db.conn,
        reader(args, db),
        include_sealed=args.include_sealed,
        status=args.status,
        relief=args.relief,
        rule_path=args.rule_path,
        flag=args.flag,
        section=args.section,
        search=args.search,
        sort=args.sort,
        descending=args.desc,
        limit=args.limit,
        offset=args.offset,
    )
    for r in rows:
        if args.json:
            print_json(
                {
                    k: r[k]
                    for k in (
                        "count_id",
                        "relief",
                        "resentence_target",
                        "rule_path",
                        "flags",
                        "status",
                        "decided_relief",
                        "decided_target",
                        "rereview",
                        "previous_decision",
                        "judge_note",
                        "name",
                        "case_number",
                        "section",
                        "level",
                        "conviction_date",
                    )
                }
            )
        else:
            relief = r["relief"] + (f"→{r['resentence_target']}" if r["resentence_target"] else "")
            status = (
                r["status"]
                + (" (re-review)" if r["rereview"] else "")
                + (" (sent back)" if r["judge_note"] else "")
            )
            print(
                for_terminal(
                    f"{r['count_id']:>8}  {status:22} {relief:28} "
                    f"{r['section'] or '':14} {r['case_number'] or '':14} "
                    f"{r['name'] or ''}"
                )
            )
    if not args.json:
        print(f"{len(rows):,} counts", file=sys.stderr)
    return 0


def cmd_queue_paths(args: argparse.Namespace) -> int:
    from desktop.review.bulk import rule_paths

    db = get_db(args)
    reader(args, db)
    for p in rule_paths(db.conn):
        if args.json:
            print_json({"rule_path": p.rule_path, "count": p.count})
        else:
            print(f"{p.count:>8}  {p.rule_path}")
    return 0


# --- review ----------------------------------------------------------------------------------
def _targets(p: argparse.ArgumentParser, many: bool = True) -> None:
    p.add_argument("count_ids", nargs="*" if many else "?", type=int, metavar="COUNT_ID")
    p.add_argument("--case", metavar="CASE_NUMBER", help="all counts of this court case")


def _register_review(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="decide counts: show, approve, reject, change, defer, undo")
    s = p.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    sh = s.add_parser("show", help="the explanation and the person's record (marks it opened)")
    sh.add_argument("count_id", type=int)
    add_reader(sh)
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_review_show)
    for name, helptext in (
        ("approve", "approve the proposed relief"),
        ("reject", "reject the proposal, with a reason"),
        ("defer", "put aside for later"),
    ):
        a = s.add_parser(name, help=helptext)
        _targets(a)
        if name == "reject":
            a.add_argument(
                "--reason",
                required=True,
                help="'record inconsistent', 'not a cannabis conviction', 'prosecution "
                "challenge', 'needs hearing' or 'other', optionally ': details'",
            )
        if name == "defer":
            a.add_argument("--reason", help="why (optional)")
        add_as_user(a)
        a.add_argument("--json", action="store_true")
        a.set_defaults(func=cmd_review_decide, action=name)
    c = s.add_parser("change", help="grant another relief than proposed")
    c.add_argument("count_id", type=int)
    c.add_argument("--relief", required=True, choices=RELIEF_CHOICES[:-1])
    c.add_argument(
        "--target",
        choices=["dismissed", "misdemeanor", "infraction"],
        help="for resentence: the resulting offence",
    )
    c.add_argument("--reason", required=True)
    add_as_user(c)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_review_change)
    u = s.add_parser("undo", help="undo your last decision")
    add_as_user(u)
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_review_undo)
    b = s.add_parser("bulk-approve", help="approve a rule path's pending counts in one step")
    b.add_argument("--rule-path", dest="rule_path", required=True, metavar="P")
    add_as_user(b)
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_review_bulk)
    ls = s.add_parser(
        "status",
        help="where counts stand: pending ... in a batch, accepted, "
        "ordered (with the order number), sent back; and what can still be decided",
    )
    ls.add_argument("count_ids", nargs="+", type=int, metavar="COUNT_ID")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_review_status)
    h = s.add_parser("history", help="every decision on a count")
    h.add_argument("count_id", type=int)
    h.add_argument("--json", action="store_true")
    add_reader(h)
    h.set_defaults(func=cmd_review_history)
    st = s.add_parser("settings", help="show or (as admin) set review settings")
    st.add_argument(
        "--set",
        dest="assign",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="a review setting (number), or order_prefix=TEXT (the court's prefix of "
        "order numbers); installation_id is set once and cannot be changed",
    )
    add_as_user(st, required=False)
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_review_settings)


def _ids(args: argparse.Namespace, db) -> list[int]:
    from desktop.review.decisions import case_count_ids

    if args.case and args.count_ids:
        raise UserError("give count ids or --case, not both")
    if args.case:
        return case_count_ids(db.conn, args.case)
    if not args.count_ids:
        raise UserError("name the counts: COUNT_ID... or --case CASE_NUMBER")
    return list(args.count_ids)


def _done(args: argparse.Namespace, action: str, ids: list[int]) -> int:
    if args.json:
        print_json({"action": action, "count_ids": ids, "count": len(ids)})
    else:
        shown = ", ".join(map(str, ids[:20])) + (" ..." if len(ids) > 20 else "")
        print(f"{action}: {len(ids)} count{'s' if len(ids) != 1 else ''} ({shown})")
    return 0


def cmd_review_show(args: argparse.Namespace) -> int:
    from desktop.review.decisions import mark_opened
    from desktop.review.detail import count_detail_for, render_text

    db = get_db(args)
    user = reader(args, db)
    detail = count_detail_for(db.conn, user, args.count_id, "review show")
    mark_opened(db.conn, user, args.count_id)
    if args.json:
        print_json(detail)
    else:
        print(render_text(detail))
    return 0


def cmd_review_decide(args: argparse.Namespace) -> int:
    from desktop.review import decisions
    from desktop.review.users import require_role

    db = get_db(args)
    user = acting_user(args, db)
    decisions_fn = {
        "approve": lambda ids: decisions.approve(db.conn, user, ids),
        "reject": lambda ids: decisions.reject(db.conn, user, ids, args.reason),
        "defer": lambda ids: decisions.defer(db.conn, user, ids, args.reason),
    }
    require_role(user, Role.CLERK)  # before resolving --case, so a wrong role reads as such
    ids = decisions_fn[args.action](_ids(args, db))
    past = {"approve": "approved", "reject": "rejected", "defer": "deferred"}[args.action]
    return _done(args, past, ids)


def cmd_review_change(args: argparse.Namespace) -> int:
    from desktop.review.decisions import change

    db = get_db(args)
    user = acting_user(args, db)
    ids = change(db.conn, user, args.count_id, args.relief, args.target, args.reason)
    return _done(args, "changed", ids)


def cmd_review_undo(args: argparse.Namespace) -> int:
    from desktop.review.decisions import undo

    db = get_db(args)
    return _done(args, "undone", undo(db.conn, acting_user(args, db)))


def cmd_review_bulk(args: argparse.Namespace) -> int:
    from desktop.review.bulk import bulk_approve

    db = get_db(args)
    return _done(args, "approved", bulk_approve(db.conn, acting_user(args, db), args.rule_path))


def cmd_review_status(args: argparse.Namespace) -> int:
    from desktop.review.lifecycle import CLERK_ACTIONS, lives

    db = get_db(args)
    found = lives(db.conn, list(args.count_ids))
    missing = [i for i in args.count_ids if i not in found]
    if missing:
        raise UserError(
            f"count {missing[0]} is not in the review queue; see `reliefdesk queue "
            "list` for the count ids"
        )
    rows = []
    for cid in dict.fromkeys(args.count_ids):
        life = found[cid]
        refusals = {a: life.refusal(a) for a in CLERK_ACTIONS}
        rows.append(
            {
                "count_id": cid,
                "stage": life.stage,
                "status": life.text,
                "batch_id": life.batch_id,
                "order_no": life.order_no,
                "judge_note": life.judge_note,
                "can": [a for a, r in refusals.items() if r is None],
                "why_not": next((r for r in refusals.values() if r), None),
            }
        )
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        line = f"{r['count_id']}: {r['status']}"
        if r["judge_note"]:
            line += f" — judge's note: {r['judge_note']}"
        line += f"; can: {', '.join(r['can'])}" if r["can"] else f"; {r['why_not']}"
        print(line)
    return 0


def cmd_review_history(args: argparse.Namespace) -> int:
    from desktop.review.access import read_record
    from desktop.review.decisions import history

    db = get_db(args)
    read_record(db.conn, reader(args, db), [args.count_id], "review history")
    entries = history(db.conn, args.count_id)
    for e in entries:
        if args.json:
            print_json(
                {
                    "step": e.step,
                    "user": e.user,
                    "action": e.action,
                    "at": e.at,
                    "old": e.old,
                    "new": e.new,
                    "undone": e.undone,
                }
            )
        else:
            print(
                for_terminal(
                    f"{court_time_text(e.at, seconds=True)}  {e.user:12} {e.action:12} {e.old['status']} → "
                    f"{e.new['status']}" + (" (undone)" if e.undone else "")
                )
            )
    if not entries and not args.json:
        print(f"count {args.count_id} has no decisions yet")
    return 0


def cmd_review_settings(args: argparse.Namespace) -> int:
    from desktop.review.settings import all_settings, identity_settings, set_setting

    db = get_db(args)
    if args.assign:
        if not args.as_user:
            raise RefusedError("only an admin may change settings: name one with --as ADMIN")
        user = acting_user(args, db)
        for item in args.assign:
            key, sep, value = item.partition("=")
            if key.strip() == "order_prefix":
                from desktop.review.settings import set_order_prefix

                set_order_prefix(db.conn, user, value)
                continue
            if key.strip() == "installation_id":
                raise RefusedError(
                    "installation_id is set once when the database is created and "
                    "never changes (it keeps order numbers unique)"
                )
            try:
                number = float(value)
            except ValueError:
                number = float("nan")
            if not sep or number != number:
                raise UserError(f"--set {item!r}: write KEY=NUMBER, e.g. bulk_min_opened=5")
            set_setting(db.conn, user, key.strip(), number)
    else:
        reader(args, db)
    values: dict = {**all_settings(db.conn), **identity_settings(db.conn)}
    if args.json:
        print_json(values)
    else:
        for k, v in values.items():
            print(f"{k} = {v}")
    return 0


# --- batch -----------------------------------------------------------------------------------
def _register_batch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="batches for the judge: submit, sample, send back, accept")
    s = p.add_subparsers(dest="batch_command", metavar="ACTION", required=True)
    su = s.add_parser("submit", help="submit every approved/changed count not yet in a batch")
    add_as_user(su)
    su.add_argument("--json", action="store_true")
    su.set_defaults(func=cmd_batch_submit)
    sa = s.add_parser("sample", help="the judge's stratified random sample (drawn once)")
    sa.add_argument("batch_id", type=int, metavar="BATCH")
    sa.add_argument("--seed", type=int, help="draw with this seed (first draw only)")
    add_reader(sa)
    sa.add_argument("--json", action="store_true", help="one JSON object per line")
    sa.set_defaults(func=cmd_batch_sample)
    ai = s.add_parser("accept-item", help="accept one sampled count (after opening it)")
    ai.add_argument("batch_id", type=int, metavar="BATCH")
    ai.add_argument("count_id", type=int, metavar="COUNT_ID")
    add_as_user(ai)
    ai.set_defaults(func=cmd_batch_accept_item)
    sb = s.add_parser("send-back", help="return a count to the clerk with a note")
    sb.add_argument("batch_id", type=int, metavar="BATCH")
    sb.add_argument("count_id", type=int, metavar="COUNT_ID")
    sb.add_argument("--note", required=True)
    add_as_user(sb)
    sb.set_defaults(func=cmd_batch_send_back)
    ac = s.add_parser(
        "accept",
        help="accept the batch: ready for orders (the acceptance is sealed; "
        "with --sign also signed with the judge's key)",
    )
    ac.add_argument("batch_id", type=int, metavar="BATCH")
    ac.add_argument(
        "--sign",
        metavar="FILE.p12",
        help="sign the sealed acceptance with this key; "
        "passphrase from RELIEFDESK_KEY_PASSPHRASE or a prompt",
    )
    from desktop.cli.orders_cmd import add_card_options

    add_card_options(ac)
    add_as_user(ac)
    ac.set_defaults(func=cmd_batch_accept)
    ls = s.add_parser("list", help="list batches")
    ls.add_argument("--json", action="store_true")
    add_reader(ls)
    ls.set_defaults(func=cmd_batch_list)
    from desktop.cli.exchange_cmd import register_batch_commands

    register_batch_commands(s)  # batch send, batch import-answer (issue 15)


def cmd_batch_submit(args: argparse.Namespace) -> int:
    from desktop.review.batches import batch_size, submit_batch

    db = get_db(args)
    batch_id = submit_batch(db.conn, acting_user(args, db))
    n = batch_size(db.conn, batch_id)
    if args.json:
        print_json({"batch_id": batch_id, "count": n})
    else:
        print(f"submitted batch {batch_id} with {n:,} counts")
    return 0


def cmd_batch_sample(args: argparse.Namespace) -> int:
    from desktop.review.batches import sample, sample_seed

    db = get_db(args)
    items = sample(db.conn, reader(args, db), args.batch_id, seed=args.seed)
    for i in items:
        if args.json:
            print_json(i.as_dict())
        else:
            relief = i.relief + (f"→{i.resentence_target}" if i.resentence_target else "")
            state = i.judge_status or ("opened" if i.opened else "to check")
            print(
                for_terminal(
                    f"{i.count_id:>8}  {state:10} {relief:28} {i.rule_path}  "
                    f"{i.case_number or ''} {i.name or ''}"
                )
            )
    if not args.json:
        seed = sample_seed(db.conn, args.batch_id)
        print(f"{len(items)} sampled counts (seed {seed})", file=sys.stderr)
    return 0


def cmd_batch_accept_item(args: argparse.Namespace) -> int:
    from desktop.review.batches import accept_item

    db = get_db(args)
    accept_item(db.conn, acting_user(args, db), args.batch_id, args.count_id)
    print(f"accepted count {args.count_id} in batch {args.batch_id}")
    return 0


def cmd_batch_send_back(args: argparse.Namespace) -> int:
    from desktop.review.batches import send_back

    db = get_db(args)
    send_back(db.conn, acting_user(args, db), args.batch_id, args.count_id, args.note)
    print(f"sent count {args.count_id} back to the clerk from batch {args.batch_id}")
    return 0


def cmd_batch_accept(args: argparse.Namespace) -> int:
    from desktop.review.batches import accept_batch

    db = get_db(args)
    user = acting_user(args, db)
    from desktop.cli.orders_cmd import card_key, card_pin

    key: Any = None
    passphrase = None
    if args.sign and args.token_label:
        raise UserError("sign with a key file (--sign) or a smart card (--token-label), not both.")
    if args.sign:
        from desktop.cli.orders_cmd import passphrase as ask_passphrase

        key = Path(args.sign)
        passphrase = ask_passphrase(f"Passphrase for {key.name}: ")
    else:
        key = card_key(args, db)
        passphrase = card_pin(key) if key else None
    sha = accept_batch(db.conn, user, args.batch_id, key_file=key, passphrase=passphrase)
    with_what = ""
    if isinstance(key, Path):
        with_what = f", signed with {key.name}"
    elif key is not None:
        with_what = f", signed with {key.where()}"
    print(
        f"accepted batch {args.batch_id}: ready for orders; sealed acceptance sha256 {sha}"
        + with_what
    )
    return 0


def cmd_batch_list(args: argparse.Namespace) -> int:
    from desktop.review.batches import list_batches

    db = get_db(args)
    reader(args, db)
    for b in list_batches(db.conn):
        if args.json:
            print_json(b)
        else:
            print(
                f"batch {b['id']:>4}  {b['status']:9} {b['items']:>6} counts  "
                f"prepared by {b['prepared_by']} {court_time_text(b['submitted_at'])}"
                + (f"  sampled {b['sampled']}" if b["sample_seed"] is not None else "")
                + (f", {b['sent_back']} sent back" if b["sent_back"] else "")
                + (f"  accepted by {b['accepted_by']}" if b["accepted_by"] else "")
            )
    return 0
