"""`reliefdesk evaluate`, `determinations`, `explain`, `policies` and `responses import`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import astuple
from datetime import date

from desktop import clock
from desktop.cli.common import add_as_user, add_reader, audit_user, get_db, print_json, reader
from desktop.errors import UserError
from desktop.evaluation import results
from desktop.evaluation.results import DETERMINATION_COLUMNS
from desktop.maintenance.retention import export_notice
from desktop.outputs import for_terminal, write_table
from desktop.progress import StderrBar


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("evaluate", help="evaluate every cannabis conviction in a county")
    e.add_argument("--county", required=True, metavar="NAME")
    e.add_argument(
        "--policy",
        default="statute",
        metavar="NAME|FILE",
        help="a shipped policy name (reliefdesk policies) or a policy / BEAR options "
        "JSON file (default: statute)",
    )
    e.add_argument(
        "--as-of",
        dest="as_of",
        metavar="YYYY-MM-DD",
        help="the date eligibility is judged on (default: today)",
    )
    e.add_argument("--json", action="store_true")
    add_as_user(e, required=False)
    e.set_defaults(func=cmd_evaluate)

    d = sub.add_parser("determinations", help="export the determinations of a run as CSV")
    d.add_argument("--run", type=int, metavar="ID", help="evaluation run (default: the latest)")
    d.add_argument(
        "--out",
        required=True,
        metavar="FILE.xlsx|FILE.csv",
        help="FILE.xlsx: a spreadsheet (every cell text); FILE.csv: CSV with formula-like "
        "cells neutralised (see its first line)",
    )
    d.add_argument("--force", action="store_true", help="replace an existing file")
    d.add_argument(
        "--include-sealed",
        dest="include_sealed",
        action="store_true",
        help="also the sealed counts (records officer or judge; audited)",
    )
    add_reader(d)
    d.set_defaults(func=cmd_determinations)

    x = sub.add_parser("explain", help="print why a count got its determination")
    x.add_argument("count_id", type=int, metavar="COUNT_ID")
    x.add_argument("--run", type=int, metavar="ID")
    x.add_argument("--json", action="store_true")
    add_reader(x)
    x.set_defaults(func=cmd_explain)

    p = sub.add_parser("policies", help="list the shipped county policies, or show one")
    p.add_argument("name", nargs="?", metavar="NAME|FILE")
    p.set_defaults(func=cmd_policies)

    r = sub.add_parser("responses", help="prosecution responses (HS 11361.9)")
    rs = r.add_subparsers(dest="responses_cmd", metavar="COMMAND", required=True)
    ri = rs.add_parser("import", help="import a prosecution-response CSV")
    ri.add_argument("file", metavar="FILE.csv")
    ri.add_argument("--json", action="store_true")
    add_as_user(ri, required=False)
    ri.set_defaults(func=cmd_responses_import)


def parse_as_of(text: str | None) -> date:
    if not text:
        return clock.court_today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--as-of '{text}' is not a date; write it as YYYY-MM-DD", 2) from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from desktop.evaluation.runs import evaluate_county
    from desktop.rules.policy import load_policy

    policy = load_policy(args.policy)
    as_of = parse_as_of(args.as_of)
    db = get_db(args)
    bar = StderrBar()
    run_id = evaluate_county(
        db, args.county, policy, as_of, user=audit_user(args, db), progress=bar
    )
    bar.finish()
    totals = results.run_totals(db.conn, run_id)
    if args.json:
        print_json(
            {
                "run_id": run_id,
                "county": args.county.upper(),
                "policy": policy.ref,
                "as_of": as_of.isoformat(),
                "totals": totals,
            }
        )
    else:
        print(
            f"Evaluation run {run_id}: county {args.county.upper()}, policy {policy.name} "
            f"{policy.version}, as of {as_of}"
        )
        for relief, n in totals.items():
            print(f"  {relief:<26} {n:>8,}")
        print(f"  {'total':<26} {sum(totals.values()):>8,}")
    return 0


def cmd_determinations(args: argparse.Namespace) -> int:
    from desktop.review import access

    db = get_db(args)
    user = reader(args, db)
    if args.include_sealed:
        access.require_sealed_reader(user, "exporting sealed counts")
    run = results.latest_run(db.conn, args.run)
    rows = results.determination_rows(
        db.conn, run, exclude_sql=None if args.include_sealed else access.SEALED_COUNTS_SQL
    )
    shown_sealed: list[int] = []
    sealed_ids = access.sealed_ids(db.conn) if args.include_sealed else set()

    def noted(cursor: Iterable[tuple]) -> Iterator[tuple]:
        """The rows, noting the sealed ones shown (audited below)."""
        for row in cursor:
            if row[0] in sealed_ids:
                shown_sealed.append(row[0])
            yield row

    n = write_table(
        args.out,
        DETERMINATION_COLUMNS,
        noted(rows),
        db=db.conn,
        force=args.force,
        what="determinations export",
        sheet=f"Run {run}",
        notice=export_notice(db.conn),
    )
    if args.include_sealed:
        access.show_sealed(db.conn, user, f"determinations export {args.out}", shown_sealed)
    _record_export(
        db.conn,
        user.name,
        "export.determinations",
        args.out,
        {"run_id": run, "rows": n, "sealed_included": bool(args.include_sealed)},
    )
    print(
        f"{n:,} determinations of run {run} written to {for_terminal(args.out)}"
        + ("" if args.include_sealed else " (sealed counts left out)")
    )
    return 0


def _record_export(conn, user: str, action: str, out: str, payload: dict) -> None:
    """Audit an export of people's records (file, creation time) and print the notice it must be
    destroyed under the retention schedule (`reliefdesk retention exports` lists them)."""
    from desktop import audit
    from desktop.maintenance.retention import export_notice
    from desktop.store.tx import transaction

    with transaction(conn):
        audit.append(conn, user, action, [], {"file": str(out), **payload})
    print(export_notice(conn), file=sys.stderr)


def cmd_explain(args: argparse.Namespace) -> int:
    from desktop.review.access import read_record

    db = get_db(args)
    user = reader(args, db)
    found = results.explained(db.conn, args.count_id, args.run)
    if found is None:
        raise UserError(
            f"count {args.count_id} has no determination"
            + (f" in run {args.run}" if args.run else "")
            + "; run reliefdesk evaluate first, or check the count id",
            exit_code=2,
        )
    read_record(db.conn, user, [args.count_id], "explain")
    (
        run_id,
        relief,
        target,
        path,
        flags,
        expl,
        name,
        dob,
        cii,
        case,
        section,
        code,
        level,
        conv,
        src,
        line,
    ) = astuple(found)
    data = json.loads(expl)
    if args.json:
        print_json({"count_id": args.count_id, "run_id": run_id, **data})
        return 0
    t = for_terminal  # record data never writes control characters to the terminal
    print(
        f"Count {args.count_id}: {t(name)} (DOB {t(dob)}, CII {t(cii or 'unknown')}), case "
        f"{t(case or 'unknown')}"
    )
    print(
        f"  {t(code or '')} {t(section or '?')} {t(level or '')}, convicted "
        f"{t(conv or 'unknown')}; source {t(src)} line {line}"
    )
    print(f"  Relief: {relief}" + (f" → {target}" if target else ""))
    print(f"  Flags: {t(flags or 'none')}")
    print(f"  Rule path: {t(path)}")
    print(
        f"  Run {run_id}, policy {t(data['policy']['name'])} {t(data['policy']['version'])}, "
        f"as of {data['as_of']}, engine {data['engine_version']}"
    )
    for i, st in enumerate(data["steps"], 1):
        print(f"  {i}. [{t(st['rule'])}] {t(st['text'])}")
        if st.get("statute"):
            print(f"     Statute: {t(st['statute'])}")
        if st.get("facts"):
            print("     Facts: " + "; ".join(f"{t(k)}={t(v)}" for k, v in st["facts"].items()))
    return 0


def cmd_policies(args: argparse.Namespace) -> int:
    from desktop.rules.policy import list_policies, load_policy

    if args.name:
        p = load_policy(args.name)
        sys.stdout.write(p.to_json() + "\n")
        return 0
    for name in list_policies():
        p = load_policy(name)
        print(f"{name:<16} {p.version:<10} {p.title}")
    return 0


def cmd_responses_import(args: argparse.Namespace) -> int:
    from desktop.records.responses import import_responses

    db = get_db(args)
    s = import_responses(db, args.file, user=audit_user(args, db))
    if args.json:
        print_json(s.as_dict())
    elif s.already_imported:
        print(f"{args.file}: already imported as import {s.import_id}; nothing changed.")
    else:
        print(f"{args.file}: {s.rows_kept} responses imported, {s.rows_rejected} rejected")
    return 3 if s.rows_rejected and not s.already_imported else 0
