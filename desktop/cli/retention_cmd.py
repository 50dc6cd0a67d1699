"""`reliefdesk retention show|set|list` and `reliefdesk purge`: how long records are kept."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.cli.common import acting_user, add_reader, db_path, get_db, print_json, reader
from desktop.clock import court_time_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "retention", help="how long finished records are kept; the HS 11361.5 listing"
    )
    s = p.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    sh = s.add_parser("show", help="the retention period and how many people are past it")
    sh.add_argument("--json", action="store_true")
    add_reader(sh)
    sh.set_defaults(func=cmd_show)
    st = s.add_parser("set", help="set how long records of finished people are kept (admin)")
    st.add_argument("--days", type=int, required=True, metavar="N")
    add_reader(st)
    st.set_defaults(func=cmd_set)
    ls = s.add_parser(
        "list",
        help="records HS 11361.5 says may not be kept past a date, with "
        "that date (listed for the court to act on; nothing is destroyed)",
    )
    ls.add_argument("--due", action="store_true", help="only those whose date has passed")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    add_reader(ls)
    ls.set_defaults(func=cmd_list)

    ex = s.add_parser(
        "exports",
        help="exports of people's records: when each was made, when it "
        "is to be destroyed, whether the file is still there",
    )
    ex.add_argument("--json", action="store_true", help="one JSON object per line")
    add_reader(ex)
    ex.set_defaults(func=cmd_exports)

    pu = sub.add_parser(
        "purge",
        help="remove the records of people finished longer ago than the "
        "retention period (admin or records officer)",
    )
    pu.add_argument(
        "--dry-run",
        dest="dry_run",
        action="store_true",
        help="say how many people would be purged; change nothing",
    )
    pu.add_argument(
        "--report", metavar="FILE.json", type=Path, help="also write the purge report as JSON"
    )
    pu.add_argument("--json", action="store_true")
    add_reader(pu)
    pu.set_defaults(func=cmd_purge)


def cmd_show(args: argparse.Namespace) -> int:
    from desktop.maintenance.retention import cutoff, finished_people, retention_days

    db = get_db(args)
    reader(args, db)
    days = retention_days(db.conn)
    past = len(finished_people(db.conn, cutoff(days))) if days else 0
    finished = len(finished_people(db.conn))
    if args.json:
        print_json(
            {
                "retention_days": days,
                "finished_people": finished,
                "past_retention": past,
                "finished_before": cutoff(days) if days else None,
            }
        )
    elif days is None:
        print(
            f"no retention period set ({finished:,} people finished); an administrator sets "
            "one with `reliefdesk retention set --days N --as ADMIN`"
        )
    else:
        print(
            f"records of finished people are kept {days} days; {finished:,} people finished, "
            f"{past:,} of them before {cutoff(days)} (run `reliefdesk purge --as USER`)"
        )
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from desktop.errors import RefusedError
    from desktop.maintenance.retention import set_retention_days

    db = get_db(args)
    if not args.as_user:
        raise RefusedError("only an admin may set the retention period: add --as ADMIN")
    set_retention_days(db.conn, acting_user(args, db, ("admin",)), args.days)
    print(f"records of people whose work is finished are kept {args.days} days")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.maintenance.retention import hs_11361_5
    from desktop.review import access

    db = get_db(args)
    user = reader(args, db)
    records = [r for r in hs_11361_5(db.conn) if r.due or not args.due]
    hidden = 0
    if not access.may_see_sealed(user):
        hidden = sum(r.sealed for r in records)
        records = [r for r in records if not r.sealed]
    elif any(r.sealed for r in records):
        access.show_sealed(
            db.conn, user, "retention list", [r.count_id for r in records if r.sealed]
        )
    for r in records:
        if args.json:
            print_json(r.as_dict())
        else:
            print(
                f"{r.count_id:>8}  {r.keep_until or 'date unknown':12} "
                f"{'DUE' if r.due else '   '}  {r.case_number or '—':14} HS {r.section:14} "
                f"{r.record_date or '—':10}  {r.name or ''}  ({r.basis})"
            )
    if not args.json:
        due = sum(r.due for r in records)
        print(
            f"{len(records):,} records under HS 11361.5, {due:,} past their date"
            + (
                f"; {hidden:,} sealed records not listed (a records officer or judge sees them)"
                if hidden
                else ""
            ),
            file=sys.stderr,
        )
    return 0


def cmd_exports(args: argparse.Namespace) -> int:
    from desktop.maintenance.retention import exports

    db = get_db(args)
    reader(args, db)
    rows = exports(db.conn)
    for e in rows:
        if args.json:
            print_json(e.as_dict())
        else:
            print(
                f"{court_time_text(e.created_at)}  destroy by {e.destroy_by or '(no period set)':16} "
                f"{'still there' if e.exists else 'gone':12} {e.action:22} {e.file}"
            )
    if not rows and not args.json:
        print("no exports recorded", file=sys.stderr)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from desktop.maintenance.purge import PURGE_ROLES, purge

    db = get_db(args)
    user = reader(args, db, PURGE_ROLES)
    if args.report:
        from desktop.outputs import check_output

        check_output(args.report, db=db.conn, what="purge report")  # never the database
    report = purge(
        db.conn,
        user,
        db_path(args),
        dry_run=args.dry_run,
        progress=lambda text: print(text, file=sys.stderr),
    )
    if args.report:
        from desktop.files import write_atomic

        write_atomic(
            args.report, json.dumps(report.as_dict(), indent=2, sort_keys=True).encode("utf-8")
        )
    if args.json:
        print_json(report.as_dict())
    else:
        print(report.text())
    return 0
