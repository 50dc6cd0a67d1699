"""`reliefdesk generate`: a synthetic DOJ research file of invented people."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from desktop.cli.common import print_json
from desktop.errors import UserError
from desktop.progress import StderrBar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="write a synthetic DOJ research file (invented people)")
    p.add_argument("--county", required=True, help="the county whose court runs ReliefDesk")
    p.add_argument("--rows", required=True, type=int, help="exact number of data rows")
    p.add_argument("--seed", type=int, default=0, help="same seed and arguments, same file")
    p.add_argument(
        "--rows-per-person",
        dest="rows_per_person",
        type=int,
        default=0,
        metavar="N",
        help="long histories: exactly N rows a person (real county files "
        "hold about 90); default: today's shape, about 10 rows a person",
    )
    p.add_argument(
        "--as-of",
        dest="as_of",
        metavar="YYYY-MM-DD",
        default="2020-07-01",
        help="every conviction is before this date (default 2020-07-01)",
    )
    p.add_argument(
        "--no-header",
        dest="header",
        action="store_false",
        help="leave out the header line, as some DOJ deliveries do",
    )
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing file (never the database or a backup)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_generate)


def cmd_generate(args: argparse.Namespace) -> int:
    from desktop.records.generate import generate

    if args.rows < 1:
        raise UserError(f"--rows must be at least 1 (got {args.rows})", exit_code=2)
    if args.rows_per_person < 0:
        raise UserError(
            f"--rows-per-person must be at least 1 (got {args.rows_per_person})", exit_code=2
        )
    try:
        as_of = date.fromisoformat(args.as_of)
    except ValueError:
        raise UserError(
            f"--as-of '{args.as_of}' is not a date; write it as YYYY-MM-DD", exit_code=2
        ) from None
    if not 1990 <= as_of.year <= 2100:
        raise UserError(f"--as-of {as_of} is out of range (years 1990-2100)", exit_code=2)
    if not args.county.strip():
        raise UserError("--county must name a county, e.g. --county 'San Bernardino'", exit_code=2)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UserError(f"cannot write {out}: the folder {out.parent} does not exist", exit_code=2)
    from desktop.cli.common import db_path
    from desktop.outputs import check_output

    check_output(out, db=db_path(args), force=args.force, what="synthetic file")
    bar = StderrBar()
    try:
        stats = generate(
            out,
            args.county,
            args.rows,
            seed=args.seed,
            as_of=as_of,
            header=args.header,
            progress=bar,
            rows_per_person=args.rows_per_person,
        )
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}", exit_code=2) from None
    finally:
        bar.finish()
    if args.json:
        print_json(
            {
                "file": str(stats.path),
                "county": stats.county,
                "seed": stats.seed,
                "as_of": stats.as_of.isoformat(),
                "rows": stats.rows,
                "subjects": stats.subjects,
                "cannabis_subjects": stats.cannabis_subjects,
                "bytes": stats.bytes,
            }
        )
    else:
        print(
            f"{stats.path}: {stats.rows:,} rows, {stats.subjects:,} people "
            f"({stats.cannabis_subjects:,} with a cannabis conviction in {stats.county}), "
            f"{stats.bytes / 1e6:.1f} MB"
        )
    return 0
