"""`reliefdesk import`, `reliefdesk rejected`, `reliefdesk warnings` and `reliefdesk demo`."""

from __future__ import annotations

import argparse
import csv
import sys

from desktop.cli.common import add_as_user, add_reader, audit_user, get_db, print_json, reader
from desktop.errors import BusyError, UserError
from desktop.maintenance.retention import export_notice
from desktop.outputs import for_terminal, write_table
from desktop.progress import StderrBar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import DOJ research files or court CSV extracts")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--format",
        dest="fmt",
        choices=["auto", "doj", "court-csv", "prosecution-responses"],
        default="auto",
    )
    p.add_argument("--mapping", metavar="FILE", help="column mapping for a court CMS export (JSON)")
    p.add_argument("--json", action="store_true", help="one JSON object per file on stdout")
    add_as_user(p, required=False)
    p.set_defaults(func=cmd_import)

    r = sub.add_parser("rejected", help="list the rows an import could not keep")
    r.add_argument("--import", dest="import_id", type=int, metavar="ID")
    r.add_argument(
        "--out",
        metavar="FILE.xlsx|FILE.csv",
        help="write a spreadsheet (.xlsx, every cell text) or a CSV with formula-like "
        "cells neutralised; without --out the rows are printed with control characters "
        "escaped",
    )
    r.add_argument("--force", action="store_true", help="replace an existing --out file")
    add_reader(r)
    r.set_defaults(func=cmd_rejected)

    w = sub.add_parser(
        "warnings",
        help="list the fields an import kept unread (unknown dates, "
        "sentences): line, column and value",
    )
    w.add_argument("--import", dest="import_id", type=int, metavar="ID")
    w.add_argument(
        "--out",
        metavar="FILE.xlsx|FILE.csv",
        help="write a spreadsheet (.xlsx, every cell text) or a CSV with formula-like "
        "cells neutralised",
    )
    w.add_argument("--force", action="store_true", help="replace an existing --out file")
    add_reader(w)
    w.set_defaults(func=cmd_warnings)

    d = sub.add_parser("demo", help="build a demo database of invented people (synthetic records)")
    d.add_argument("--rows", type=int, default=20_000, help="rows of synthetic DOJ data")
    d.set_defaults(func=cmd_demo)


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.records.importer import import_file, load_mapping

    db = get_db(args)
    mapping = load_mapping(args.mapping)
    user = audit_user(args, db)
    refused = rejected = 0
    for f in args.files:
        bar = StderrBar()
        try:
            s = import_file(db, f, fmt=args.fmt, mapping=mapping, progress=bar, user=user)
        except BusyError:
            bar.finish()
            raise  # the database, not the file, is the problem: exit 5, try again later
        except UserError as exc:
            bar.finish()
            print(f"reliefdesk: {exc}", file=sys.stderr)
            refused += 1
            if args.json:
                print_json(
                    {
                        "file": f,
                        "error": str(exc),
                        "rows_read": 0,
                        "rows_kept": 0,
                        "rows_rejected": 0,
                        "import_id": None,
                        "already_imported": False,
                    }
                )
            continue
        bar.finish()
        if args.json:
            print_json(s.as_dict())
        elif s.already_imported:
            print(f"{f}: already imported as import {s.import_id} (same sha256); nothing changed.")
        else:
            print(
                f"{f}: import {s.import_id}: {s.rows_read:,} rows read, {s.rows_kept:,} kept, "
                f"{s.rows_rejected:,} rejected"
                + (f" (see: reliefdesk rejected --import {s.import_id})" if s.rows_rejected else "")
                + (
                    f"; {s.warnings:,} fields could not be read and were left unknown (see: "
                    f"reliefdesk warnings --import {s.import_id})"
                    if s.warnings
                    else ""
                )
            )
        if s.rows_rejected and not s.already_imported:
            rejected += 1
    # 0: every row kept; 2: no file could be imported; 3: some rows (or some files) left out.
    if refused == len(args.files):
        return 2
    return 3 if (rejected or refused) else 0


def cmd_rejected(args: argparse.Namespace) -> int:
    return _listing(args, "rejected rows")


def cmd_warnings(args: argparse.Namespace) -> int:
    return _listing(args, "warnings")


def _listing(args: argparse.Namespace, what: str) -> int:
    from desktop.records.rejected import import_exists, listing

    db = get_db(args)
    user = reader(args, db)
    if args.import_id is not None and not import_exists(db.conn, args.import_id):
        raise UserError(f"there is no import {args.import_id} in this database", exit_code=4)
    header, rows = listing(db.conn, what, args.import_id)
    if args.out:
        n = write_table(
            args.out,
            header,
            rows,
            db=db.conn,
            force=args.force,
            what=f"{what} export",
            notice=export_notice(db.conn),
            sheet=what.capitalize(),
        )
        from desktop.cli.rules_cmd import _record_export

        _record_export(
            db.conn,
            user.name,
            f"export.{'rejected' if what == 'rejected rows' else what}",
            args.out,
            {"import_id": args.import_id, "rows": n},
        )
        print(f"{n} {what} written to {for_terminal(args.out)}")
    else:
        # Record data as read from a file: control characters are shown escaped, never sent to
        # the terminal (an escape sequence in a name could rewrite the screen).
        w = csv.writer(sys.stdout, lineterminator="\n")  # the stream adds CR on Windows
        w.writerow(header)
        for row in rows:
            w.writerow([for_terminal(v) if isinstance(v, str) else v for v in row])
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.cli.common import db_path
    from desktop.demo import build_demo

    path = db_path(args)
    bar = StderrBar()
    result = build_demo(path, rows=args.rows, progress=bar)
    bar.finish()
    print(
        f"Demo database built at {result.db_path} (synthetic people only): import "
        f"{result.import_id}, evaluation run {result.run_id}."
    )
    if result.users:
        print(
            "Demo accounts (password '"
            + result.password
            + "'): "
            + ", ".join(f"{n} ({r})" for n, r in result.users)
            + ". Never use a demo database or these accounts for real records."
        )
    return 0
