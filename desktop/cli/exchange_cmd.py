"""`reliefdesk batch send`, `batch import-answer` and `package ...`: a batch between the clerk's PC
and the judge's PC as a file (docs/packages.md). The judge's spot-check, acceptance and signing run
with the ordinary commands pointed at the workspace (`--db WORKSPACE`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli.common import acting_user, add_as_user, db_path, get_db, password_for, print_json
from desktop.clock import court_time_text
from desktop.outputs import for_terminal


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "package",
        help="the judge's side of a batch package: open it, answer it (docs/packages.md)",
    )
    s = p.add_subparsers(dest="package_command", metavar="ACTION", required=True)
    op = s.add_parser(
        "open",
        help="check a batch package and open it into a judge's workspace on this PC "
        "(the workspace is --db when given, else a new file in the data folder)",
    )
    op.add_argument("file", metavar="FILE")
    add_as_user(op)
    op.add_argument("--json", action="store_true")
    op.set_defaults(func=cmd_package_open)
    sh = s.add_parser("show", help="what a package or an answer file holds (checked, not opened)")
    sh.add_argument("file", metavar="FILE")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_package_show)
    an = s.add_parser(
        "answer",
        help="write the judge's answer (sample decisions, notes, acceptance, signed orders) "
        "from the workspace given with --db",
    )
    an.add_argument("--out", required=True, metavar="FILE", help="a new file; never replaced")
    add_as_user(an)
    an.add_argument("--json", action="store_true")
    an.set_defaults(func=cmd_package_answer)
    ls = s.add_parser("list", help="packages this database sent and their answers")
    ls.add_argument("--batch", type=int, metavar="BATCH")
    add_as_user(ls)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_package_list)


def register_batch_commands(s: argparse._SubParsersAction) -> None:
    """`batch send` and `batch import-answer` (the clerk's side), under `reliefdesk batch`."""
    se = s.add_parser("send", help="write a submitted batch as a package file for the judge's PC")
    se.add_argument("batch_id", type=int, metavar="BATCH")
    se.add_argument("--out", required=True, metavar="FILE", help="a new file; never replaced")
    se.add_argument("--judge", metavar="NAME", help="the judge the package is for (recommended)")
    add_as_user(se)
    se.add_argument("--json", action="store_true")
    se.set_defaults(func=cmd_batch_send)
    ia = s.add_parser("import-answer", help="import the judge's answer to a package sent")
    ia.add_argument("file", metavar="FILE")
    ia.add_argument(
        "--orders-dir",
        required=True,
        metavar="DIR",
        help="folder for the signed orders the answer carries (existing files are never replaced)",
    )
    add_as_user(ia)
    ia.add_argument("--json", action="store_true")
    ia.set_defaults(func=cmd_batch_import_answer)


def cmd_batch_send(args: argparse.Namespace) -> int:
    from desktop.exchange.send import send_batch

    db = get_db(args)
    user = acting_user(args, db)
    sent = send_batch(db.conn, user, args.batch_id, Path(args.out), judge=args.judge)
    if args.json:
        print_json(
            {
                "file": str(sent.path),
                "package_id": sent.package_id,
                "batch_id": sent.batch_id,
                "counts": sent.counts,
                "people": sent.people,
                "sha256": sent.sha256,
            }
        )
    else:
        print(
            for_terminal(
                f"{sent.path}: package of batch {sent.batch_id} ({sent.counts:,} counts, "
                f"{sent.people:,} people), package {sent.package_id[:12]}; take it to the "
                "judge's PC (reliefdesk package open FILE)"
            )
        )
    return 0


def cmd_batch_import_answer(args: argparse.Namespace) -> int:
    from desktop.exchange.answer_import import import_answer

    db = get_db(args)
    user = acting_user(args, db)
    done = import_answer(db.conn, user, Path(args.file), Path(args.orders_dir))
    if args.json:
        print_json(
            {
                "batch_id": done.batch_id,
                "package_id": done.package_id,
                "judge": done.judge,
                "judge_host": done.host,
                "accepted": done.accepted,
                "sent_back": done.sent_back,
                "orders": done.orders,
                "files": [str(p) for p in done.order_files],
                "audit_seq": done.audit_seq,
            }
        )
    else:
        state = "accepted" if done.accepted else "still with the judge (not accepted)"
        print(
            for_terminal(
                f"imported the answer of {done.judge} (on {done.host}) for batch "
                f"{done.batch_id}: {state}; {len(done.sent_back)} sent back, "
                f"{len(done.orders)} signed orders into {args.orders_dir}"
            )
        )
    return 0


def cmd_package_open(args: argparse.Namespace) -> int:
    from desktop.exchange.workspace import open_package
    from desktop.review.users import authenticate
    from desktop.store import open_db

    ws = Path(args.db) if getattr(args, "db", None) else None
    password = password_for(args.as_user)  # asked once: it becomes the workspace's password
    opened = open_package(Path(args.file), args.as_user, password=password, workspace=ws)
    db = open_db(opened.workspace)
    try:
        # A new workspace checks the password just set like any sign-in; a reopened one checks
        # it against the judge's account there.
        authenticate(db.conn, args.as_user, password)
    finally:
        db.conn.close()
    if args.json:
        print_json(
            {
                "workspace": str(opened.workspace),
                "package_id": opened.package_id,
                "batch_id": opened.batch_id,
                "judge": opened.judge,
                "counts": opened.counts,
                "people": opened.people,
                "reopened": opened.reopened,
            }
        )
    else:
        verb = "reopened" if opened.reopened else "opened"
        print(
            for_terminal(
                f"{verb} batch {opened.batch_id} ({opened.counts:,} counts, {opened.people:,} "
                f"people) in the workspace {opened.workspace}\n"
                f"next: reliefdesk --db {opened.workspace} batch sample {opened.batch_id} "
                f"--as {opened.judge}; review show / batch send-back / batch accept / orders "
                f"render with the same --db; then reliefdesk --db {opened.workspace} package "
                f"answer --out ANSWER_FILE --as {opened.judge}"
            )
        )
    return 0


def cmd_package_show(args: argparse.Namespace) -> int:
    from desktop.exchange import fileformat as ff

    pkg = ff.read_any(Path(args.file))
    body = pkg.json("answer.json" if pkg.kind == "answer" else "package.json")
    info = {
        "kind": pkg.kind,
        "format_version": pkg.manifest["format_version"],
        "package_id": pkg.package_id,
        "sha256": pkg.sha256,
        "written_by": pkg.manifest.get("created_by"),
        "written_on": pkg.manifest.get("host"),
        "written_at": pkg.manifest.get("created_at"),
        "parts": len(pkg.parts),
        **{k: v for k, v in body.items() if k not in ("package_id",)},
    }
    if args.json:
        print_json(info)
    else:
        for k, v in info.items():
            print(for_terminal(f"{k}: {v}"))
    return 0


def cmd_package_answer(args: argparse.Namespace) -> int:
    from desktop.exchange.answer import write_answer

    db = get_db(args)
    user = acting_user(args, db, ("judge",))
    done = write_answer(db.conn, user, Path(args.out))
    if args.json:
        print_json(
            {
                "file": str(done.path),
                "answer_id": done.answer_id,
                "batch_id": done.batch_id,
                "accepted": done.accepted,
                "sent_back": done.sent_back,
                "orders": done.orders,
                "sha256": done.sha256,
            }
        )
    else:
        print(
            for_terminal(
                f"{done.path}: answer for batch {done.batch_id} "
                f"({'accepted' if done.accepted else 'not accepted'}, {done.sent_back} sent "
                f"back, {done.orders} signed orders); take it to the clerk (reliefdesk batch "
                "import-answer FILE)"
            )
        )
    return 0


def cmd_package_list(args: argparse.Namespace) -> int:
    from desktop.exchange.common import workspace_info
    from desktop.exchange.send import sends

    db = get_db(args)
    acting_user(args, db)
    info = workspace_info(db.conn)
    if info is not None:
        if args.json:
            print_json(info)
        else:
            print(
                for_terminal(
                    f"workspace of package {info['package_id'][:12]}: batch {info['batch_id']} "
                    f"sent by {info.get('sent_by')} at {court_time_text(info.get('sent_at'))}, opened "
                    f"by {info['judge']} at {court_time_text(info['opened_at'])} ({db_path(args)})"
                )
            )
        return 0
    for s in sends(db.conn, args.batch):
        if args.json:
            print_json(s)
        else:
            answered = (
                f"answered by {s['answer_judge']} on {s['answer_host']}, imported "
                f"{court_time_text(s['imported_at'])}"
                if s["imported_at"]
                else "no answer yet"
            )
            print(
                for_terminal(
                    f"{s['package_id'][:12]}  batch {s['batch_id']:>4}  to "
                    f"{s['judge'] or 'any judge'}  sent by {s['sent_by']} "
                    f"{court_time_text(s['sent_at'])}  {s['file_name']}  {answered}"
                )
            )
    return 0
