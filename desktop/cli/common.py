"""Helpers shared by the command modules: the database, the acting user, JSON output."""

from __future__ import annotations

import argparse
import getpass
import json
import os
from pathlib import Path
from typing import Any

import sqlite_utils

from desktop.console import interactive
from desktop.paths import default_db_path
from desktop.store import open_db


def db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if getattr(args, "db", None) else default_db_path()


def get_db(args: argparse.Namespace) -> sqlite_utils.Database:
    return open_db(db_path(args))


# `--as @os`: sign in as the operating-system account (mapped to a role by an administrator with
# `reliefdesk os-sign-in map`); no ReliefDesk password.
OS_SIGN_IN = "@os"


def add_as_user(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        required=required,
        help="acting user; password from RELIEFDESK_PASSWORD or a prompt ("
        f"{OS_SIGN_IN}: the Windows account, when an administrator mapped it)",
    )


def password_for(user: str, env: str = "RELIEFDESK_PASSWORD") -> str:
    pw = os.environ.get(env)
    if pw is not None:
        return pw
    if not interactive():
        from desktop.errors import RefusedError

        raise RefusedError(f"no password for {user}: set {env} or run in a terminal")
    return getpass.getpass(f"Password for {user}: ")


def acting_user(args: argparse.Namespace, db: sqlite_utils.Database, roles: tuple[str, ...] = ()):
    """Authenticate --as USER with RELIEFDESK_PASSWORD (or a prompt); check the role."""
    from desktop.review.users import authenticate, require_role

    if args.as_user == OS_SIGN_IN:
        from desktop.review.os_signin import sign_in

        user = sign_in(db.conn)
    else:
        user = authenticate(db.conn, args.as_user, password_for(args.as_user))
    if roles:
        require_role(user, *roles)
    return user


READ_HELP = (
    "the signed-in user reading the records (reading needs one, like writing); password "
    "from RELIEFDESK_PASSWORD or a prompt"
)


def add_reader(parser: argparse.ArgumentParser) -> None:
    """--as USER for a command that reads the records. Optional for argparse, so that leaving it
    out is refused like any other refusal (one line, exit 4) rather than with a usage error."""
    parser.add_argument("--as", dest="as_user", metavar="USER", help=READ_HELP)


def reader(args: argparse.Namespace, db: sqlite_utils.Database, roles: tuple[str, ...] = ()):
    """The signed-in user of a read command: --as USER authenticated, with a role that may read
    (desktop/review/access.py); RefusedError (exit 4) without one."""
    from desktop.errors import RefusedError
    from desktop.review.access import require_reader

    if not getattr(args, "as_user", None):
        raise RefusedError(
            "reading the records needs a signed-in user: add --as USER (password "
            "from RELIEFDESK_PASSWORD or a prompt)"
        )
    return require_reader(db.conn, acting_user(args, db, roles))


def audit_user(
    args: argparse.Namespace, db: sqlite_utils.Database, roles: tuple[str, ...] = ("clerk", "admin")
) -> str:
    """The name to record for a batch command (import, evaluate): the signed-in --as user when
    given (authenticated, role checked), else the operating-system account, marked as such."""
    if getattr(args, "as_user", None):
        return acting_user(args, db, roles).name
    from desktop.osinfo import os_actor

    return os_actor()


def print_json(obj: Any) -> None:
    print(json.dumps(obj, sort_keys=True, default=str))
