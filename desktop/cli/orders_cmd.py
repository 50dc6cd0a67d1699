"""`reliefdesk keys`, `reliefdesk orders`, `reliefdesk export` and `reliefdesk report`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from desktop.cli.common import (
    acting_user,
    add_as_user,
    add_reader,
    db_path,
    get_db,
    print_json,
    reader,
)
from desktop.clock import court_time_text
from desktop.console import interactive
from desktop.errors import RefusedError, UserError
from desktop.outputs import for_terminal
from desktop.progress import StderrBar
from desktop.tokens import TokenKey

PASSPHRASE_ENV = "RELIEFDESK_KEY_PASSPHRASE"


def register(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser("keys", help="judges' signing keys (PKCS#12 files, smart cards)")
    ksub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    kc = ksub.add_parser("create", help="make a self-signed DEMO judge key (not for court use)")
    kc.add_argument("--name", required=True, help='the judge as printed, e.g. "Hon. Ana Ruiz"')
    kc.add_argument("--title", required=True, help='e.g. "Judge of the Superior Court"')
    kc.add_argument("--county", default="", help="county of the court (goes in the certificate)")
    kc.add_argument("--out", required=True, metavar="FILE.p12")
    kc.set_defaults(func=cmd_keys_create)
    km = ksub.add_parser(
        "module",
        help="the smart-card (PKCS#11) module judges sign through: show it, or set it (admin "
        "or judge)",
    )
    km.add_argument(
        "--set",
        metavar="PATH",
        help="the card's PKCS#11 module (e.g. opensc-pkcs11.dll); '' clears it",
    )
    add_as_user(km, required=False)
    km.set_defaults(func=cmd_keys_module)
    kl = ksub.add_parser("cards", help="list the certificates on the smart cards inserted")
    add_card_options(kl, key=False)
    kl.add_argument("--json", action="store_true")
    kl.set_defaults(func=cmd_keys_cards)

    orders = sub.add_parser("orders", help="court orders: render and sign, verify, list, print")
    osub = orders.add_subparsers(dest="orders_command", metavar="ACTION", required=True)
    r = osub.add_parser(
        "render",
        aliases=["sign"],
        help="render and sign the orders of an accepted batch (judge only)",
    )
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--batch", type=int, metavar="ID", help="an accepted review batch")
    which.add_argument(
        "--matter",
        type=int,
        metavar="ID",
        help="the rulings of a matter (order after hearing, denial, order on a petition or "
        "application, resentencing)",
    )
    which.add_argument(
        "--hearing-date",
        metavar="YYYY-MM-DD",
        help="every ruling of that day's hearings not yet ordered",
    )
    r.add_argument("--out", required=True, metavar="DIR")
    r.add_argument(
        "--template",
        metavar="NAME",
        help="forms/ template (or .toml file) for the "
        "one-case orders, or with --bulk for the bulk order",
    )
    r.add_argument(
        "--sign",
        metavar="FILE.p12",
        help=f"the judge's key; passphrase from {PASSPHRASE_ENV} or a prompt",
    )
    r.add_argument(
        "--unsigned",
        action="store_true",
        help="print the orders unsigned, with a signature line, for a signature in ink or "
        "in the court's own system (then: orders record-signature)",
    )
    r.add_argument("--judge", metavar="NAME", help="with --unsigned: the judge who will sign")
    add_card_options(r)
    r.add_argument(
        "--bulk",
        action="store_true",
        help="one bulk order with a schedule instead of "
        "one order per case (resentencing still gets one order per case)",
    )
    r.add_argument(
        "--date", metavar="YYYY-MM-DD", help="order date (default: today; kept on reruns)"
    )
    r.add_argument("--signature-image", metavar="PNG", help="handwritten signature to print")
    r.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    r.add_argument("--json", action="store_true")
    add_as_user(r)
    r.set_defaults(func=cmd_render)

    v = osub.add_parser("verify", help="check signed orders: signature, integrity, signer")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="CERT",
        help="the court's certificate (PEM or DER; `keys create` writes KEY.cert.pem); "
        "without the database a signature counts as verified only when its "
        "certificate is one given here (otherwise exit 3: not verified)",
    )
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)

    ls = osub.add_parser("list", help="the orders register")
    ls.add_argument("--batch", type=int, metavar="ID")
    ls.add_argument("--json", action="store_true")
    add_reader(ls)
    ls.set_defaults(func=cmd_list)

    t = osub.add_parser("terms", help="enter the terms of a resentencing order (judge only)")
    t.add_argument(
        "order_no", metavar="ORDER_NO", help="the resentencing order waiting for its terms"
    )
    t.add_argument(
        "--credit-days",
        type=int,
        required=True,
        metavar="N",
        help="credit for time served, in days",
    )
    how = t.add_mutually_exclusive_group(required=True)
    how.add_argument("--released", action="store_true", help="released from supervision")
    how.add_argument("--supervision", metavar="KIND", help="e.g. 'misdemeanor probation'")
    t.add_argument("--months", type=int, metavar="N", help="supervision period (at most 12)")
    t.add_argument(
        "--hearing-date",
        metavar="YYYY-MM-DD",
        help="when there was a hearing (leave out when decided on the papers)",
    )
    t.add_argument("--department", default="", help="the hearing's department")
    add_as_user(t)
    t.set_defaults(func=cmd_terms)

    rs = osub.add_parser(
        "record-signature",
        help="record that a printed order was signed in ink or in the court's system",
    )
    rs.add_argument("order_no", metavar="ORDER_NO")
    rs.add_argument("--judge", required=True, metavar="NAME", help="the judge who signed")
    rs.add_argument(
        "--signed-at",
        required=True,
        metavar="WHEN",
        help="when, e.g. 2026-11-30T10:15 (Pacific time unless an offset is given)",
    )
    rs.add_argument(
        "--how",
        required=True,
        choices=("ink", "external"),
        help="ink = on paper; external = in the court's case or document system",
    )
    rs.add_argument("--scan", metavar="FILE", help="the scanned signed copy (its hash is recorded)")
    add_as_user(rs)
    rs.set_defaults(func=cmd_record_signature)

    am = osub.add_parser("amend", help="correct a signed order with a new order naming it (judge)")
    am.add_argument("order_no", metavar="ORDER_NO")
    am.add_argument("--reason", required=True, help="what the correction is (printed on the order)")
    add_as_user(am)
    am.set_defaults(func=cmd_amend)

    sb = osub.add_parser(
        "send-back",
        help="send back the counts of an order that could not be "
        "produced, after the batch was accepted (judge)",
    )
    sb.add_argument("order_no", metavar="ORDER_NO")
    sb.add_argument("--note", required=True, help="for the clerk")
    add_as_user(sb)
    sb.set_defaults(func=cmd_send_back)

    ce = osub.add_parser(
        "certify",
        help="a certified copy of a signed order with the clerk's attestation (clerk)",
    )
    ce.add_argument("order_no", metavar="ORDER_NO")
    ce.add_argument(
        "--for",
        dest="requester_kind",
        required=True,
        choices=("person", "counsel", "agency", "public"),
        help="who asks: the person named, their counsel, an agency entitled to it, or anyone "
        "else (refused when the conviction is sealed)",
    )
    ce.add_argument("--requester", required=True, metavar="NAME", help="recorded with the copy")
    ce.add_argument("--out", required=True, metavar="FILE.pdf", help="never an existing file")
    ce.add_argument("--json", action="store_true")
    add_as_user(ce)
    ce.set_defaults(func=cmd_certify)

    mp = osub.add_parser("mark-printed", help="record that an order was printed")
    mp.add_argument("order_no", metavar="ORDER_NO")
    add_as_user(mp, required=False)
    mp.set_defaults(func=cmd_mark_printed)

    ex = sub.add_parser("export", help="DOJ and court record updates for signed orders")
    esub = ex.add_subparsers(dest="export_command", metavar="KIND", required=True)
    for kind, text in (
        ("doj-update", "CSV for the Department of Justice (HS 11361.9(f))"),
        ("court-update", "CSV for the court's case management system"),
    ):
        e = esub.add_parser(kind, help=text)
        sel = e.add_mutually_exclusive_group(required=True)
        sel.add_argument("--batch", type=int, metavar="ID")
        sel.add_argument(
            "--matter", type=int, metavar="ID", help="the orders of a matter's rulings"
        )
        sel.add_argument(
            "--order", action="append", metavar="ORDER_NO", help="named signed orders (repeatable)"
        )
        e.add_argument(
            "--out",
            required=True,
            metavar="FILE.csv",
            help="machine format: import it into the receiving system, never open and "
            "re-save it in a spreadsheet (docs/doj-update-format.md)",
        )
        e.add_argument(
            "--force",
            action="store_true",
            help="replace an existing file (never the database or a backup)",
        )
        add_reader(e)
        e.set_defaults(func=cmd_export, kind=kind)

    court = sub.add_parser("court", help="the court's details printed on orders (admin sets them)")
    csub = court.add_subparsers(dest="court_command", metavar="ACTION", required=True)
    cs = csub.add_parser("show", help="show the court settings")
    cs.add_argument("--json", action="store_true")
    cs.set_defaults(func=cmd_court_show)
    cset = csub.add_parser("set", help="set one court setting (empty value clears it)")
    cset.add_argument(
        "key",
        metavar="KEY",
        help="department, courthouse, address, clerk_certificate, "
        "name_style, schedule_names, or relief.<relief> for the court's words",
    )
    cset.add_argument("value", metavar="VALUE")
    add_as_user(cset)
    cset.set_defaults(func=cmd_court_set)

    sg = sub.add_parser("signer", help="a judge's printed name, title and signature image")
    sgsub = sg.add_subparsers(dest="signer_command", metavar="ACTION", required=True)
    ss = sgsub.add_parser("set", help="set (admin, or the judge themself)")
    ss.add_argument("--judge", required=True, metavar="NAME", help="the judge's ReliefDesk account")
    ss.add_argument("--title", help="e.g. 'Judge of the Superior Court', 'Commissioner'")
    ss.add_argument("--name", help="as printed under the signature line, e.g. 'Hon. Ana Ruiz'")
    img = ss.add_mutually_exclusive_group()
    img.add_argument("--image", metavar="PNG", help="image of the handwritten signature")
    img.add_argument("--clear-image", action="store_true")
    add_as_user(ss)
    ss.set_defaults(func=cmd_signer_set)

    person = sub.add_parser("person", help="one person's record")
    psub = person.add_subparsers(dest="person_command", metavar="ACTION", required=True)
    pr = psub.add_parser(
        "report",
        help="what happened to the record: every in-scope count, its ruling, order and DOJ report",
    )
    pr.add_argument("who", metavar="SUBJECT_OR_CII", help="subject id or CII number")
    pr.add_argument("--json", action="store_true")
    pr.add_argument("--out", metavar="FILE.pdf", help="also write the report as a PDF")
    add_reader(pr)
    pr.set_defaults(func=cmd_person_report)

    rep = sub.add_parser("report", help="summary reports")
    rsub = rep.add_subparsers(dest="report_command", metavar="KIND", required=True)
    rs = rsub.add_parser("summary", help="PDF summary with charts of an evaluation run")
    rs.add_argument("--run", type=int, metavar="ID", help="evaluation run (default: the latest)")
    rs.add_argument("--out", required=True, metavar="FILE.pdf")
    rs.add_argument(
        "--force",
        action="store_true",
        help="replace an existing file (never the database or a backup)",
    )
    add_reader(rs)
    rs.set_defaults(func=cmd_report_summary)


def add_card_options(p: argparse.ArgumentParser, *, key: bool = True) -> None:
    """Options naming a certificate on a smart card (PIN from RELIEFDESK_TOKEN_PIN or a prompt)."""
    p.add_argument(
        "--pkcs11-module",
        metavar="PATH",
        help="the card's PKCS#11 module (default: the one set with `keys module --set`)",
    )
    p.add_argument(
        "--token-label",
        metavar="LABEL",
        help="the card to use, by its label (`keys cards` lists them)"
        + ("; signs on the card, PIN from RELIEFDESK_TOKEN_PIN or a prompt" if key else ""),
    )
    if key:
        p.add_argument(
            "--key-label",
            "--cert-label",
            dest="key_label",
            metavar="LABEL",
            help="the certificate (and its key) on the card, by label",
        )
        p.add_argument("--cert-id", metavar="HEX", help="the certificate on the card, by id")


def card_key(args: argparse.Namespace, db: Any) -> TokenKey | None:
    """The certificate on a smart card the options name (None without --token-label), checked:
    the module set, the card present, the certificate on it (several: name one)."""
    from desktop.review.settings import module_setting
    from desktop.tokens import list_certificates

    if not getattr(args, "token_label", None):
        if getattr(args, "key_label", None) or getattr(args, "cert_id", None):
            raise UserError("name the card too (--token-label LABEL; `keys cards` lists them).")
        return None
    module = args.pkcs11_module or module_setting(db.conn)
    certs = list_certificates(module, args.token_label)
    if args.cert_id:
        try:
            wanted = bytes.fromhex(args.cert_id).hex()
        except ValueError as exc:
            raise UserError(f"--cert-id {args.cert_id!r} is not hexadecimal") from exc
        certs = [c for c in certs if c.cert_id == wanted]
    if args.key_label:
        certs = [c for c in certs if c.label == args.key_label]
    if len(certs) != 1:
        shown = "; ".join(f"{c.label!r} (id {c.cert_id}): {c.describe()}" for c in certs[:5])
        raise UserError(
            (
                f"no certificate on the card {args.token_label!r} matches"
                if not certs
                else f"the card {args.token_label!r} holds several certificates ({shown})"
            )
            + "; name one with --key-label LABEL or --cert-id HEX (`keys cards` lists them)."
        )
    c = certs[0]
    return TokenKey(c.module, c.token_label, c.label, c.cert_id)


def card_pin(key: TokenKey) -> str:
    from desktop.tokens import PIN_ENV

    env = os.environ.get(PIN_ENV)
    if env is not None:
        return env
    if not interactive():
        raise RefusedError(f"no card PIN: set {PIN_ENV} or run in a terminal.")
    return getpass.getpass(f"PIN of the card {key.token_label!r}: ")


def cmd_keys_module(args: argparse.Namespace) -> int:
    from desktop.review.settings import module_setting, set_module

    db = get_db(args)
    if args.set is None:  # a path on this computer, not a record: shown to anyone
        print(module_setting(db.conn) or "no smart-card module is set")
        return 0
    if not args.as_user:
        raise RefusedError("setting the smart-card module needs --as ADMIN_OR_JUDGE")
    stored = set_module(db.conn, acting_user(args, db, roles=("admin", "judge")), args.set)
    print(f"smart-card module: {stored}" if stored else "smart-card module cleared")
    return 0


def cmd_keys_cards(args: argparse.Namespace) -> int:
    from desktop.review.settings import module_setting
    from desktop.tokens import list_certificates

    module = args.pkcs11_module
    if not module:
        db = get_db(args)
        module = module_setting(db.conn)
    for c in list_certificates(module or "", args.token_label or ""):
        if args.json:
            print_json(
                {
                    "token_label": c.token_label,
                    "token_serial": c.token_serial,
                    "label": c.label,
                    "cert_id": c.cert_id,
                    "name": c.name,
                    "issuer": c.issuer,
                    "not_after": c.not_after.isoformat(),
                    "sha256": c.fingerprint,
                }
            )
        else:
            print(
                f"card {c.token_label!r}  --key-label {c.label!r}  --cert-id {c.cert_id or '-'}  "
                f"{c.name}; issued by {c.issuer}; valid until {c.not_after:%Y-%m-%d}"
            )
    return 0


def passphrase(prompt: str, confirm: bool = False) -> str:
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    if not interactive():
        raise RefusedError(f"no key passphrase: set {PASSPHRASE_ENV} or run in a terminal.")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise UserError("the two passphrases differ; nothing was written.")
    return first


def _actor(args: argparse.Namespace, db) -> str:
    """--as USER when given (authenticated); else the operating-system account, for the audit log."""
    if getattr(args, "as_user", None):
        return acting_user(args, db).name
    from desktop.osinfo import os_actor

    return os_actor()


def cmd_keys_create(args: argparse.Namespace) -> int:
    from desktop.keys import create_demo_key
    from desktop.outputs import check_output

    # Never the database, its -wal/-shm or a backup; an existing file is refused below (a judge's
    # key is never overwritten, so keys create has no --force).
    check_output(Path(args.out), db=db_path(args), force=True, what="key")
    secret = passphrase("Passphrase for the new key: ", confirm=True)
    info = create_demo_key(args.name, args.title, Path(args.out), secret, county=args.county)
    cert_out = cert_path_for(Path(args.out))
    if not cert_out.exists():
        from cryptography.hazmat.primitives import serialization

        from desktop.keys import load_key
        from desktop.outputs import write_output

        _, cert = load_key(Path(args.out), secret)
        write_output(
            cert_out,
            cert.public_bytes(serialization.Encoding.PEM),
            db=db_path(args),
            what="certificate",
        )
    print(
        f"{args.out}: self-signed DEMO key for {info.name}, {info.title} (not for court use); "
        f"certificate sha256 {info.fingerprint}; valid until {info.not_after:%Y-%m-%d}; file mode 0600. "
        f"Its certificate (public, for `orders verify --trust`): {cert_out}"
    )
    return 0


def cert_path_for(key: Path) -> Path:
    """Where `keys create` writes the public certificate of a key: KEY.cert.pem beside it."""
    return key.with_name(f"{key.stem}.cert.pem")


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def cmd_render(args: argparse.Namespace) -> int:
    from desktop.orders.batch import render_batch

    db = get_db(args)
    keys_given = bool(args.sign) + bool(args.token_label) + bool(args.unsigned)
    if keys_given != 1:
        raise UserError(
            "give the judge's key (--sign FILE.p12, or a smart card: --token-label LABEL) to "
            "sign the orders, or --unsigned --judge NAME to print them for a signature in ink "
            "or in the court's system."
        )
    user = acting_user(args, db, roles=("clerk", "judge") if args.unsigned else ("judge",))
    key: Path | TokenKey | None = Path(args.sign) if args.sign else card_key(args, db)
    image = _read(args.signature_image, "the signature image") if args.signature_image else None
    try:
        order_date = date.fromisoformat(args.date) if args.date else None
    except ValueError as exc:
        raise UserError(f"--date {args.date!r} is not a date; use YYYY-MM-DD.") from exc
    bar = StderrBar()
    if args.batch is None:
        from desktop.orders.rulings import plan_rulings

        if args.bulk or args.template:
            raise UserError(
                "--bulk and --template are for a batch's orders; an order made from rulings "
                "uses its own template (forms/after_hearing, denial, petition_order, "
                "resentence_hearing)."
            )
        plan_rulings(db.conn, matter_id=args.matter, hearing_date=args.hearing_date)
    if isinstance(key, Path):
        phrase = passphrase(f"Passphrase for {key.name}: ")
    else:
        phrase = card_pin(key) if key else ""
    if args.batch is None:
        from desktop.orders.rulings import render_rulings

        outcomes = render_rulings(
            db.conn,
            Path(args.out),
            key,
            phrase,
            user=user.name,
            matter_id=args.matter,
            hearing_date=args.hearing_date,
            order_date=order_date,
            signature_image=image,
            workers=args.workers,
            progress=bar,
            unsigned=args.unsigned,
            judge_user=args.judge,
        )
        bar.finish()
        return _print_outcomes(args, outcomes)
    outcomes = render_batch(
        db.conn,
        args.batch,
        Path(args.out),
        key,
        phrase,
        user=user.name,
        bulk=args.bulk,
        template=args.template,
        order_date=order_date,
        signature_image=image,
        workers=args.workers,
        progress=bar,
        unsigned=args.unsigned,
        judge_user=args.judge,
    )
    bar.finish()
    return _print_outcomes(args, outcomes)


def _print_outcomes(args: argparse.Namespace, outcomes: list[Any]) -> int:
    failed = [o for o in outcomes if o.problem]
    for o in outcomes:
        if args.json:
            print_json(
                {
                    "order_no": o.order_no,
                    "kind": o.kind,
                    "file": str(o.path),
                    "counts": o.counts,
                    "written": o.written,
                    "signed": o.signed and o.produced,
                    "problem": o.problem or None,
                    "waiting_for_terms": o.waiting,
                    "warnings": list(o.warnings),
                }
            )
            continue
        if o.problem:
            print(f"NOT PRODUCED {o.order_no}: {o.problem}")
        elif o.waiting:
            print(
                f"WAITING {o.order_no}: resentencing order waits for its terms (reliefdesk orders "
                f"terms {o.order_no} ...); not signed"
            )
        else:
            note = "" if o.written else "  (already made; unchanged)"
            print(f"{o.path}{note}")
        for w in o.warnings:
            print(f"  warning {o.order_no}: {w}")
    if failed:
        print(
            f"reliefdesk: {len(failed)} of {len(outcomes)} orders could not be produced (listed "
            "above); the others were. Correct the record, or send the counts back (reliefdesk orders "
            "send-back ORDER_NO --note ...).",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_terms(args: argparse.Namespace) -> int:
    from desktop.orders.actions import enter_terms

    db = get_db(args)
    user = acting_user(args, db, roles=("judge",))
    from desktop.orders.register import order_place

    place = order_place(db.conn, args.order_no)
    if place is None or place.kind != "resentence" or place.case_id is None:
        raise UserError(
            f"{args.order_no} is not a resentencing order; `reliefdesk orders list` shows "
            "the orders (render the batch first to number them)."
        )
    if place.batch_id is None:
        raise UserError(
            f"{args.order_no} was made from a hearing outcome; its credit for time served and "
            "supervision are the ones the judge entered with the ruling, not entered here."
        )
    enter_terms(
        db.conn,
        user,
        place.batch_id,
        place.case_id,
        credit_days=args.credit_days,
        disposition="released" if args.released else "supervision",
        supervision_kind=args.supervision or "",
        supervision_months=args.months,
        hearing_date=args.hearing_date,
        hearing_department=args.department,
    )
    print(
        f"{args.order_no}: terms entered; render batch {place.batch_id} again to produce and sign it"
    )
    return 0


def _when(text: str):
    from datetime import datetime

    from desktop.orders.appearance import from_pacific_wall

    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UserError(
            f"--signed-at {text!r} is not a date and time; use e.g. 2026-11-30T10:15"
        ) from exc
    return from_pacific_wall(moment) if moment.tzinfo is None else moment


def cmd_record_signature(args: argparse.Namespace) -> int:
    from desktop.orders.actions import record_signature

    db = get_db(args)
    user = acting_user(args, db, roles=("clerk", "judge"))
    row = record_signature(
        db.conn,
        user,
        args.order_no,
        judge=args.judge,
        signed_at=_when(args.signed_at),
        method=args.how,
        scan=Path(args.scan) if args.scan else None,
    )
    extra = f"; scan sha256 {row.scan_sha256}" if row.scan_sha256 else ""
    print(
        f"{row.order_no}: signed {args.how} by {row.signer} at {court_time_text(row.signed_at)}{extra}"
    )
    return 0


def cmd_amend(args: argparse.Namespace) -> int:
    from desktop.orders.actions import amend_order

    db = get_db(args)
    user = acting_user(args, db, roles=("judge",))
    new_no = amend_order(db.conn, user, args.order_no, args.reason)
    print(f"{new_no}: amends {args.order_no}; render its batch to produce and sign it")
    return 0


def cmd_send_back(args: argparse.Namespace) -> int:
    from desktop.orders.actions import send_back_unproduced

    db = get_db(args)
    user = acting_user(args, db, roles=("judge",))
    ids = send_back_unproduced(db.conn, user, args.order_no, args.note)
    print(
        f"{args.order_no}: {len(ids)} count(s) sent back to the clerk ({', '.join(map(str, ids))})"
    )
    return 0


def cmd_court_show(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from desktop.orders.court_settings import court_details

    details = asdict(court_details(get_db(args).conn))
    if args.json:
        print_json(details)
        return 0
    for key, value in details.items():
        if key == "relief_words":
            for k, v in value.items():
                print(f"relief.{k:<24} {v}")
        else:
            print(f"{key:<31} {value}")
    return 0


def cmd_court_set(args: argparse.Namespace) -> int:
    from desktop.orders.court_settings import set_court_setting

    db = get_db(args)
    user = acting_user(args, db, roles=("admin",))
    set_court_setting(db.conn, user, args.key, args.value)
    print(f"{args.key} set")
    return 0


def cmd_signer_set(args: argparse.Namespace) -> int:
    from desktop.orders.court_settings import set_signer

    db = get_db(args)
    user = acting_user(args, db)
    image = _read(args.image, "the signature image") if args.image else None
    s = set_signer(
        db.conn,
        user,
        args.judge,
        title=args.title,
        image=image,
        clear_image=args.clear_image,
        display_name=args.name,
    )
    print(
        f"{s.user}: name {s.display_name or '(from the key)'}, title {s.title or '(from the key)'}, "
        f"signature image {'set' if s.signature_image else 'none'}"
    )
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
            print_json(
                {
                    "path": p,
                    "ok": result.ok,
                    "signer": result.signer,
                    "title": result.title,
                    "signed_at": result.signed_at,
                    "demo_certificate": result.demo,
                    "self_signed": result.self_signed,
                    "in_register": result.in_register,
                    "cert_sha256": result.fingerprint,
                    "problem": result.problem,
                }
            )
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
    print(
        f"{'ORDER':<20} {'KIND':<14} {'BATCH':>5} {'COUNTS':>6} {'STATUS':<22} {'SIGNED':<25} "
        f"{'PRINTED':<25} FILE / PROBLEM"
    )
    for r in rows:
        print(
            f"{r.order_no:<20} {r.kind:<14} {r.batch_id if r.batch_id is not None else '-':>5} "
            f"{r.counts:>6} {_status(r):<22} "
            f"{court_time_text(r.signed_at):<25} {court_time_text(r.printed_at):<25} "
            f"{r.problem or r.file_path or r.unsigned_path or ''}"
        )
    return 0


def _status(r: Any) -> str:
    if r.status == "prepared":
        if r.problem:
            return "withdrawn" if r.problem.startswith("withdrawn") else "NOT PRODUCED"
        if r.unsigned_path:
            return "printed for signature"
        return "waiting for terms" if r.kind == "resentence" else "prepared"
    how = {"ink": " (ink)", "external": " (court system)"}.get(r.signature_method or "", "")
    return r.status + how


def cmd_mark_printed(args: argparse.Namespace) -> int:
    from desktop.orders.register import mark_printed

    db = get_db(args)
    row = mark_printed(db.conn, args.order_no, _actor(args, db))
    print(f"{row.order_no}: printed at {court_time_text(row.printed_at)}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.orders.doj_export import write_export

    db = get_db(args)
    user = reader(args, db)
    from desktop.orders.doj_export import Selection

    sel = Selection(batch_id=args.batch, matter_id=args.matter, order_nos=tuple(args.order or ()))
    n = write_export(db.conn, sel, Path(args.out), kind=args.kind, user=user.name, force=args.force)
    print(f"{args.out}: {n:,} rows ({args.kind}, {sel.words()})")
    from desktop.maintenance.retention import export_notice

    print(export_notice(db.conn), file=sys.stderr)
    return 0


def cmd_report_summary(args: argparse.Namespace) -> int:
    from desktop.orders.summary import write_summary

    db = get_db(args)
    user = reader(args, db)
    run_id = write_summary(
        db.conn, Path(args.out), run_id=args.run, user=user.name, force=args.force
    )
    print(f"{args.out}: summary of evaluation run {run_id}")
    return 0


def cmd_certify(args: argparse.Namespace) -> int:
    from desktop.orders.certify import CERTIFY_ROLES, certify_order

    db = get_db(args)
    user = acting_user(args, db, roles=CERTIFY_ROLES)
    copy = certify_order(
        db.conn,
        user,
        args.order_no,
        requester_kind=args.requester_kind,
        requester_name=args.requester,
        out=Path(args.out),
    )
    if args.json:
        print_json(
            {
                "order_no": copy.order_no,
                "copy_id": copy.id,
                "file": str(copy.path),
                "sha256": copy.sha256,
                "pages": copy.pages,
                "sealed": copy.sealed,
                "stamped_on_last_page": copy.stamped_on_last_page,
            }
        )
    else:
        print(
            f"{copy.path}: certified copy of {copy.order_no} ({copy.pages} page(s), sha256 "
            f"{copy.sha256}); recorded as copy {copy.id}"
        )
    return 0


def cmd_person_report(args: argparse.Namespace) -> int:
    from desktop.orders.person_report import person_report, report_lines

    db = get_db(args)
    user = reader(args, db)
    report = person_report(db.conn, user, args.who)
    if args.out:
        from desktop.orders.person_report import write_pdf

        write_pdf(db.conn, report, Path(args.out))
    if args.json:
        print_json(report.as_dict())
    else:
        for line in report_lines(report):
            print(for_terminal(line))
    return 0
