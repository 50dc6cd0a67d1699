"""`reliefdesk keys`, `reliefdesk orders`, `reliefdesk export` and `reliefdesk report`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

from desktop.cli.common import (
    acting_user,
    add_as_user,
    add_reader,
    db_path,
    get_db,
    print_json,
    reader,
)
from desktop.errors import RefusedError, UserError
from desktop.outputs import for_terminal
from desktop.progress import StderrBar

PASSPHRASE_ENV = "RELIEFDESK_KEY_PASSPHRASE"


def register(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser("keys", help="judges' signing keys (PKCS#12)")
    ksub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    kc = ksub.add_parser("create", help="make a self-signed DEMO judge key (not for court use)")
    kc.add_argument("--name", required=True, help='the judge as printed, e.g. "Hon. Ana Ruiz"')
    kc.add_argument("--title", required=True, help='e.g. "Judge of the Superior Court"')
    kc.add_argument("--county", default="", help="county of the court (goes in the certificate)")
    kc.add_argument("--out", required=True, metavar="FILE.p12")
    kc.set_defaults(func=cmd_keys_create)

    orders = sub.add_parser("orders", help="court orders: render and sign, verify, list, print")
    osub = orders.add_subparsers(dest="orders_command", metavar="ACTION", required=True)
    r = osub.add_parser("render", help="render and sign the orders of an accepted batch (judge only)")
    r.add_argument("--batch", type=int, required=True, metavar="ID")
    r.add_argument("--out", required=True, metavar="DIR")
    r.add_argument("--template", metavar="NAME", help="forms/ template (or .toml file) for the "
                   "one-case orders, or with --bulk for the bulk order")
    r.add_argument("--sign", required=True, metavar="FILE.p12",
                   help=f"the judge's key; passphrase from {PASSPHRASE_ENV} or a prompt")
    r.add_argument("--bulk", action="store_true", help="one bulk order with a schedule instead of "
                   "one order per case (resentencing still gets one order per case)")
    r.add_argument("--date", metavar="YYYY-MM-DD", help="order date (default: today; kept on reruns)")
    r.add_argument("--signature-image", metavar="PNG", help="handwritten signature to print")
    r.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    r.add_argument("--json", action="store_true")
    add_as_user(r)
    r.set_defaults(func=cmd_render)

    v = osub.add_parser("verify", help="check signed orders: signature, integrity, signer")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument("--trust", action="append", default=[], metavar="CERT",
                   help="the court's certificate (PEM or DER; `keys create` writes KEY.cert.pem); "
                   "without the database a signature counts as verified only when its "
                   "certificate is one given here (otherwise exit 3: not verified)")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)

    ls = osub.add_parser("list", help="the orders register")
    ls.add_argument("--batch", type=int, metavar="ID")
    ls.add_argument("--json", action="store_true")
    add_reader(ls)
    ls.set_defaults(func=cmd_list)

    mp = osub.add_parser("mark-printed", help="record that an order was printed")
    mp.add_argument("order_no", metavar="ORDER_NO")
    add_as_user(mp, required=False)
    mp.set_defaults(func=cmd_mark_printed)

    ex = sub.add_parser("export", help="DOJ and court record updates for signed orders")
    esub = ex.add_subparsers(dest="export_command", metavar="KIND", required=True)
    for kind, text in (("doj-update", "CSV for the Department of Justice (HS 11361.9(f))"),
                       ("court-update", "CSV for the court's case management system")):
        e = esub.add_parser(kind, help=text)
        e.add_argument("--batch", type=int, required=True, metavar="ID")
        e.add_argument("--out", required=True, metavar="FILE.csv",
                       help="machine format: import it into the receiving system, never open and "
                       "re-save it in a spreadsheet (docs/doj-update-format.md)")
        e.add_argument("--force", action="store_true", help="replace an existing file (never the "
                       "database or a backup)")
        add_reader(e)
        e.set_defaults(func=cmd_export, kind=kind)

    rep = sub.add_parser("report", help="summary reports")
    rsub = rep.add_subparsers(dest="report_command", metavar="KIND", required=True)
    rs = rsub.add_parser("summary", help="PDF summary with charts of an evaluation run")
    rs.add_argument("--run", type=int, metavar="ID", help="evaluation run (default: the latest)")
    rs.add_argument("--out", required=True, metavar="FILE.pdf")
    rs.add_argument("--force", action="store_true", help="replace an existing file (never the "
                    "database or a backup)")
    add_reader(rs)
    rs.set_defaults(func=cmd_report_summary)


def passphrase(prompt: str, confirm: bool = False) -> str:
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise RefusedError(f"no key passphrase: set {PASSPHRASE_ENV} or run in a terminal.")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise UserError("the two passphrases differ; nothing was written.")
    return first


def _actor(args: argparse.Namespace, db) -> str:
    """--as USER when given (authenticated); else the operating-system account, for the audit log."""
    if getattr(args, "as_user", None):
        return acting_user(args, db).name
    return f"os:{getpass.getuser()}"


def cmd_keys_create(args: argparse.Namespace) -> int:
    from desktop.orders.keys import create_demo_key
    from desktop.outputs import check_output

    # Never the database, its -wal/-shm or a backup; an existing file is refused below (a judge's
    # key is never overwritten, so keys create has no --force).
    check_output(Path(args.out), db=db_path(args), force=True, what="key")
    secret = passphrase("Passphrase for the new key: ", confirm=True)
    info = create_demo_key(args.name, args.title, Path(args.out), secret, county=args.county)
    cert_out = cert_path_for(Path(args.out))
    if not cert_out.exists():
        from cryptography.hazmat.primitives import serialization

        from desktop.orders.keys import load_key
        from desktop.outputs import write_output

        _, cert = load_key(Path(args.out), secret)
        write_output(cert_out, cert.public_bytes(serialization.Encoding.PEM), db=db_path(args),
                     what="certificate")
    print(f"{args.out}: self-signed DEMO key for {info.name}, {info.title} (not for court use); "
          f"certificate sha256 {info.fingerprint}; valid until {info.not_after:%Y-%m-%d}; file mode 0600. "
          f"Its certificate (public, for `orders verify --trust`): {cert_out}")
    return 0


def cert_path_for(key: Path) -> Path:
    """Where `keys create` writes the public certificate of a key: KEY.cert.pem beside it."""
    return key.with_name(f"{key.stem}.cert.pem")


def cmd_render(args: argparse.Namespace) -> int:
    from desktop.orders.batch import render_batch

    db = get_db(args)
    user = acting_user(args, db, roles=("judge",))
    key = Path(args.sign)
    image = Path(args.signature_image).read_bytes() if args.signature_image else None
    try:
        order_date = date.fromisoformat(args.date) if args.date else None
    except ValueError as exc:
        raise UserError(f"--date {args.date!r} is not a date; use YYYY-MM-DD.") from exc
    bar = StderrBar()
    outcomes = render_batch(db.conn, args.batch, Path(args.out), key,
                            passphrase(f"Passphrase for {key.name}: "), user=user.name,
                            bulk=args.bulk, template=args.template, order_date=order_date,
                            signature_image=image, workers=args.workers, progress=bar)
    bar.finish()
    for o in outcomes:
        if args.json:
            print_json({"order_no": o.order_no, "kind": o.kind, "file": str(o.path), "counts": o.counts,
                        "written": o.written})
        else:
            note = "" if o.written else "  (already signed; unchanged)"
            print(f"{o.path}{note}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from desktop.orders.register import check_against_register, known_certificates
    from desktop.orders.verify import UNTRUSTED_EXIT, load_trusted, untrusted, verify_file

    register: dict[str, str] = {}
    conn = None
    path = db_path(args)
    if path.exists():
        # The register is read only if a database is there; verifying never creates one.
        conn = get_db(args).conn
        register = known_certificates(conn)
    trusted = load_trusted(args.trust)
    register.update(trusted)
    failed = not_trusted = 0
    for p in args.paths:
        result = verify_file(Path(p), register)
        if result.ok and conn is not None:
            result = check_against_register(conn, Path(p), result)
            failed += not result.ok
        elif result.ok and not result.in_register:
            # No database and no --trust naming this certificate: the signature is intact, but
            # nothing ties its certificate to the court (anyone can make a self-signed one).
            result = untrusted(result)
            not_trusted += 1
        else:
            failed += not result.ok
        if args.json:
            print_json({"path": p, "ok": result.ok, "signer": result.signer, "title": result.title,
                        "signed_at": result.signed_at, "demo_certificate": result.demo,
                        "self_signed": result.self_signed, "in_register": result.in_register,
                        "cert_sha256": result.fingerprint, "problem": result.problem})
        else:
            print(for_terminal(result.line()))
    if failed:
        return 1
    return UNTRUSTED_EXIT if not_trusted else 0


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.orders.register import list_orders
    from desktop.review import access

    db = get_db(args)
    user = reader(args, db)
    # A signed order's people are under seal: names only for a role that may see them (audited).
    rows = access.register_rows(db.conn, user, list_orders(db.conn, args.batch), "orders list")
    if args.json:
        for r in rows:
            print_json(r.as_dict())
        return 0
    if not rows:
        print("no orders yet")
        return 0
    print(f"{'ORDER':<20} {'KIND':<10} {'BATCH':>5} {'COUNTS':>6} {'STATUS':<8} {'SIGNED':<20} "
          f"{'PRINTED':<20} FILE")
    for r in rows:
        print(f"{r.order_no:<20} {r.kind:<10} {r.batch_id:>5} {r.counts:>6} {r.status:<8} "
              f"{(r.signed_at or ''):<20} {(r.printed_at or ''):<20} {r.file_path or ''}")
    return 0


def cmd_mark_printed(args: argparse.Namespace) -> int:
    from desktop.orders.register import mark_printed

    db = get_db(args)
    row = mark_printed(db.conn, args.order_no, _actor(args, db))
    print(f"{row.order_no}: printed at {row.printed_at}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.orders.doj_export import write_export

    db = get_db(args)
    user = reader(args, db)
    n = write_export(db.conn, args.batch, Path(args.out), kind=args.kind, user=user.name,
                     force=args.force)
    print(f"{args.out}: {n:,} rows ({args.kind}, batch {args.batch})")
    from desktop.records.retention import export_notice

    print(export_notice(db.conn), file=sys.stderr)
    return 0


def cmd_report_summary(args: argparse.Namespace) -> int:
    from desktop.orders.summary import write_summary

    db = get_db(args)
    user = reader(args, db)
    run_id = write_summary(db.conn, Path(args.out), run_id=args.run, user=user.name,
                           force=args.force)
    print(f"{args.out}: summary of evaluation run {run_id}")
    return 0
