"""`reliefdesk county [NAME] --as ADMIN`: show or set the court's county (one of the 58)."""

from __future__ import annotations

import argparse

from desktop.cli.common import acting_user, add_as_user, get_db, print_json


def cmd_county(args: argparse.Namespace) -> int:
    from desktop.review.county import court_county, last_run, set_court_county

    db = get_db(args)
    county: str | None
    if args.name:
        if not args.as_user:
            from desktop.errors import UserError

            raise UserError("setting the court's county needs the administrator: --as ADMIN")
        county = set_court_county(db.conn, acting_user(args, db, ("admin",)), " ".join(args.name))
    else:
        county = court_county(db.conn)
    last = last_run(db.conn, county) if county else None
    if args.json:
        print_json({"county": county, "last_policy": last.policy_name if last else None})
    elif county is None:
        print(
            "The court's county is not set; the administrator sets it with "
            "`reliefdesk county NAME --as ADMIN`."
        )
    else:
        print(
            f"{county} County"
            + (f" (last evaluated with the policy {last.policy_name})" if last else "")
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("county", help="show or (as admin) set the court's county")
    p.add_argument("name", nargs="*", metavar="NAME", help="one of California's 58 counties")
    add_as_user(p, required=False)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county)
