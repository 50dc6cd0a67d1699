"""`reliefdesk backup-schedule ...`: scheduled, verified backups to a destination an administrator
sets (desktop/store/schedule.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli.common import acting_user, add_as_user, audit_user, db_path, get_db, print_json
from desktop.clock import court_time_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup-schedule",
        help="scheduled backups to a folder the administrator sets, each verified",
    )
    s = p.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)
    st = s.add_parser("set", help="set the backup folder and how often (admin)")
    st.add_argument(
        "--to",
        required=True,
        type=Path,
        metavar="FOLDER",
        help="a full path; court storage on a share is fine for backups",
    )
    st.add_argument("--every", required=True, type=float, metavar="HOURS")
    add_as_user(st)
    st.set_defaults(func=cmd_set)
    cl = s.add_parser("clear", help="stop scheduled backups (admin)")
    add_as_user(cl)
    cl.set_defaults(func=cmd_clear)
    sh = s.add_parser(
        "status",
        help="the schedule and the newest verified backup; exit 1 when "
        "the newest verified backup is older than the setting",
    )
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_status)
    rn = s.add_parser(
        "run",
        help="make the scheduled backup if it is due (for Task Scheduler "
        "or cron), verify it and record it",
    )
    rn.add_argument("--force", action="store_true", help="even if the last one is recent")
    add_as_user(rn, required=False)
    rn.set_defaults(func=cmd_run)


def cmd_set(args: argparse.Namespace) -> int:
    from desktop.maintenance.schedule import set_schedule

    db = get_db(args)
    sched = set_schedule(db.conn, acting_user(args, db), args.to, args.every)
    print(f"backups every {sched.every_hours:g} hours to {sched.destination}, each verified")
    return 0


def cmd_clear(args: argparse.Namespace) -> int:
    from desktop.maintenance.schedule import set_schedule

    db = get_db(args)
    set_schedule(db.conn, acting_user(args, db), None, None)
    print("scheduled backups stopped")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from desktop.maintenance.schedule import last_verified, overdue_message, schedule

    db = get_db(args)
    sched, last = schedule(db.conn), last_verified(db.conn)
    overdue = overdue_message(db.conn)
    if args.json:
        print_json(
            {
                "destination": str(sched.destination) if sched.destination else None,
                "every_hours": sched.every_hours,
                "overdue": overdue,
                "last_verified": None
                if last is None
                else {
                    "path": str(last.path),
                    "at": last.at.isoformat(),
                    "sha256": last.sha256,
                    "audit_seq": last.audit_seq,
                },
            }
        )
    else:
        print(
            "no scheduled backups"
            if sched.destination is None
            else f"every {sched.every_hours:g} hours to {sched.destination}"
        )
        print(
            "newest verified backup: "
            + ("none" if last is None else f"{last.path} at {court_time_text(last.at)}")
        )
        if overdue:
            print(overdue)
    return 1 if overdue else 0


def cmd_run(args: argparse.Namespace) -> int:
    from desktop.maintenance.schedule import run_scheduled

    db = get_db(args)
    user = audit_user(args, db, ("clerk", "judge", "admin"))
    db.conn.close()
    made = run_scheduled(db_path(args), force=args.force, user=user)
    if made is None:
        print("no backup due")
    else:
        print(
            f"verified backup {made.path} (audit entry {made.audit_seq}, sha256 "
            f"{made.sha256[:16]}…)"
        )
    return 0
