"""`reliefdesk os-sign-in ...`: map Windows accounts or groups (Active Directory) to roles, so the
OS account signs in (`--as @os`, and the window signs in without a password)."""

from __future__ import annotations

import argparse

from desktop.cli.common import acting_user, add_as_user, get_db, print_json
from desktop.clock import court_time_text
from desktop.review.users import ROLES


def _who(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--account", metavar="DOMAIN\\NAME", help="a Windows account")
    g.add_argument("--group", metavar="DOMAIN\\GROUP", help="a Windows or Active Directory group")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "os-sign-in",
        help="sign-in with the Windows account: map accounts or groups to roles (admin)",
    )
    s = p.add_subparsers(dest="os_command", metavar="ACTION", required=True)
    m = s.add_parser("map", help="give an account or a group a role")
    _who(m)
    m.add_argument("--role", required=True, choices=ROLES)
    add_as_user(m)
    m.set_defaults(func=cmd_map)
    u = s.add_parser("unmap", help="remove an account's or a group's mapping")
    _who(u)
    add_as_user(u)
    u.set_defaults(func=cmd_unmap)
    ls = s.add_parser("list", help="the mappings")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    w = s.add_parser(
        "whoami", help="the OS account and groups, and the role they map to (exit 4 when none)"
    )
    w.set_defaults(func=cmd_whoami)


def _kind(args: argparse.Namespace) -> tuple[str, str]:
    return ("account", args.account) if args.account else ("group", args.group)


def cmd_map(args: argparse.Namespace) -> int:
    from desktop.review.os_signin import map_role

    db = get_db(args)
    kind, name = _kind(args)
    m = map_role(db.conn, acting_user(args, db, ("admin",)), kind, name, args.role)
    print(f"{m.kind} {m.name} signs in as {m.role}")
    return 0


def cmd_unmap(args: argparse.Namespace) -> int:
    from desktop.review.os_signin import unmap

    db = get_db(args)
    kind, name = _kind(args)
    unmap(db.conn, acting_user(args, db, ("admin",)), kind, name)
    print(f"{kind} {name} no longer signs in")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.review.os_signin import list_mappings

    for m in list_mappings(get_db(args).conn):
        if args.json:
            print_json(m.__dict__)
        else:
            print(
                f"{m.kind:<8} {m.role:<6} {m.name}  (by {m.added_by}, {court_time_text(m.added_at)})"
            )
    return 0


def cmd_whoami(args: argparse.Namespace) -> int:
    from desktop.osinfo import os_account, os_groups
    from desktop.review.os_signin import role_for

    db = get_db(args)
    account, groups = os_account(), os_groups()
    print(f"account: {account}")
    print(f"groups: {', '.join(groups) or '-'}")
    print(f"role: {role_for(db.conn, account, groups)}")
    return 0
