"""Commands for trust: `audit verify|export|list`, `backup`, `restore FILE`."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from desktop.cli.common import add_as_user, add_reader, db_path, get_db, print_json, reader
from desktop.clock import court_time_text
from desktop.outputs import for_terminal
from desktop.store.db import readonly_uri


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="verify, export or list the tamper-evident audit log")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    p = asub.add_parser("verify", help="walk the hash chain; exit 0 intact, 1 broken")
    p.add_argument(
        "--against",
        metavar="EXPORT",
        type=Path,
        help="also check every entry of an earlier export is still unchanged",
    )
    p.add_argument("--json", action="store_true")
    add_reader(p)
    p.set_defaults(func=cmd_verify)

    p = asub.add_parser("export", help="write the whole log with its hashes (CSV or JSON Lines)")
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FILE",
        help="FILE.csv or FILE.jsonl (the format follows the extension)",
    )
    p.add_argument("--format", choices=("csv", "jsonl"))
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing file (never the database or a backup)",
    )
    p.add_argument("--json", action="store_true")
    add_reader(p)
    p.set_defaults(func=cmd_export)

    p = asub.add_parser("list", help="list entries, oldest first")
    p.add_argument(
        "--action", help="an action name, or a prefix ending in '.' or '*' (e.g. review.*)"
    )
    p.add_argument("--user")
    p.add_argument(
        "--since", metavar="DATE", help="the court's date (or a UTC date-time), inclusive"
    )
    p.add_argument(
        "--until", metavar="DATE", help="the court's date (or a UTC date-time), exclusive"
    )
    p.add_argument("--text", help="entries whose targets or payload contain TEXT")
    p.add_argument("--limit", type=int, help="at most N entries (the newest N with --newest)")
    p.add_argument("--newest", action="store_true", help="newest first")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    add_reader(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("backup", help="back up the database now (SQLite backup API)")
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write it (default: the backups folder beside the database)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --out: replace an existing file that "
        "is not a database (a database or backup is never overwritten)",
    )
    p.add_argument("--list", action="store_true", help="list the backups in the backups folder")
    p.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="set how many automatic backups to keep (admin only, with --as)",
    )
    add_reader(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a backup (admin only)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument(
        "--force",
        action="store_true",
        help="restore even if the backup's audit chain does not verify",
    )
    add_as_user(p)
    p.set_defaults(func=cmd_restore)


def cmd_verify(args: argparse.Namespace) -> int:
    from desktop.audit.export import compare_with_export, read_export
    from desktop.audit.log import head_hash, verify
    from desktop.audit.seals import verify_state

    db = get_db(args)
    reader(args, db)
    result = verify(db.conn)
    against = None
    if result.ok and args.against:
        against = compare_with_export(db.conn, read_export(args.against))
    # The tables must agree with the log too: a row edited outside ReliefDesk is named.
    state = verify_state(db.conn) if result.ok else None
    seq, h = head_hash(db.conn)
    ok = result.ok and against is None and state is None
    if args.json:
        print_json(
            {
                "ok": ok,
                "entries": result.entries,
                "broken_seq": result.broken_seq,
                "reason": result.reason or against or (str(state) if state else ""),
                "head_seq": seq,
                "head_hash": h,
                "state_table": state.table if state else None,
                "state_row": state.row if state else None,
            }
        )
    elif not result.ok:
        print(f"audit log BROKEN at entry {result.broken_seq}: {result.reason}")
    elif against:
        print(f"audit log chain is intact but does not match {args.against}: {against}")
    elif state:
        print(
            f"database does NOT match its audit log: {for_terminal(state)}. The audit log "
            f"chain itself is intact ({result.entries} entries); restore a backup made before "
            "the edit or investigate who wrote to the file."
        )
    else:
        extra = f"; matches {args.against}" if args.against else ""
        print(
            f"audit log intact: {result.entries} entries, last entry {seq} hash {h}{extra}; "
            "decisions, batches and determinations match it"
        )
    return 0 if ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.audit.export import export

    db = get_db(args)
    reader(args, db)
    r = export(db.conn, args.out, args.format, force=args.force)
    if args.json:
        print_json(
            {
                "path": str(r.path),
                "format": r.format,
                "entries": r.entries,
                "head_seq": r.head_seq,
                "head_hash": r.head_hash,
                "sha256": r.sha256,
            }
        )
    else:
        print(
            f"wrote {r.entries} audit entries to {r.path} ({r.format}); last entry {r.head_seq} "
            f"hash {r.head_hash}; file sha256 {r.sha256}"
        )
    return 0


def _court_day(value: str | None) -> str | None:
    """A plain date is the court's day (the listing shows court time); a date-time is UTC."""
    from datetime import date

    from desktop.clock import court_day_start
    from desktop.errors import UserError

    if value is None or len(value) != 10:
        return value
    try:
        return court_day_start(date.fromisoformat(value))
    except ValueError:
        raise UserError(f"{value!r} is not a date; write YYYY-MM-DD.") from None


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.audit.query import AuditFilter, list_entries

    db = get_db(args)
    reader(args, db)
    f = AuditFilter(
        action=args.action,
        user=args.user,
        since=_court_day(args.since),
        until=_court_day(args.until),
        text=args.text,
        newest_first=args.newest,
    )
    entries = list_entries(db.conn, f, limit=args.limit)
    for e in entries:
        if args.json:
            print_json(e.as_dict())
        else:
            print(
                for_terminal(
                    f"{e.seq:>7}  {court_time_text(e.at, seconds=True)}  {e.user or '-':<12} "
                    f"{e.action:<24} {_short(e.targets, 30):<30} "
                    f"{_short(e.payload, 60)}"
                )
            )
    if not entries and not args.json:
        print("no audit entries match", file=sys.stderr)
    return 0


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_backup(args: argparse.Namespace) -> int:
    from desktop.errors import RefusedError, UserError
    from desktop.paths import backup_dir
    from desktop.store.backup import backup_name, backup_to, list_backups

    path = db_path(args)
    if args.keep is not None:
        from desktop.cli.common import acting_user
        from desktop.maintenance.backups import set_keep_count

        if not args.as_user:
            raise RefusedError("changing how many backups are kept needs an admin: add --as ADMIN")
        db = get_db(args)
        user = acting_user(args, db, ("admin",))
        set_keep_count(db.conn, user.name, args.keep)
        print(f"keeping the newest {args.keep} automatic backups of {path}")
        return 0
    if not path.is_file():
        raise UserError(f"there is no database at {path} to back up")
    db = get_db(args)  # refuses a damaged or foreign file before copying it
    reader(args, db)  # a backup is a full copy of the records: reading needs a signed-in user
    db.conn.close()
    if args.list:
        for p in list_backups(path):
            print(f"{p}  {p.stat().st_size:,} bytes")
        return 0

    out = args.out or backup_dir(path) / backup_name(path, "manual")
    written = backup_to(path, out, force=args.force, chosen=args.out is not None)
    print(f"backed up {path} to {written}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from desktop.audit.log import append, verify
    from desktop.cli.common import acting_user
    from desktop.errors import UserError
    from desktop.store import open_db
    from desktop.store.backup import restore
    from desktop.store.integrity import check_reliefdesk_file, is_sound
    from desktop.store.tx import transaction

    path = db_path(args)
    check_reliefdesk_file(args.file)
    # The acting admin signs in to the current database, or, when that one is damaged or missing,
    # to the backup being restored (restore exists for exactly that case).
    auth_db = open_db(path) if is_sound(path) else open_db(_readonly_copy(args.file))
    user = acting_user(args, auth_db, ("admin",))
    auth_db.conn.close()

    backup_db = sqlite3.connect(readonly_uri(args.file), uri=True)
    try:
        chain = verify(backup_db)
    finally:
        backup_db.close()
    if not chain.ok and not args.force:
        raise UserError(
            f"the audit log in {args.file} does not verify ({chain.reason}); it may "
            "have been tampered with. Choose another backup, or pass --force to "
            "restore it anyway (the restore is audited)."
        )
    from desktop.maintenance.purge import backup_predates_purge

    purged = backup_predates_purge(path, args.file)
    if purged and not args.force:
        raise UserError(purged)
    result = restore(path, args.file)
    db = open_db(path)  # migrates an older backup forward
    with transaction(db.conn):
        append(
            db.conn,
            user.name,
            "backup.restore",
            [],
            {
                "from": str(args.file),
                "previous_saved_as": str(result.previous_saved_as or ""),
                "backup_schema": result.schema_version,
                "audit_chain_ok": chain.ok,
            },
        )
    print(
        f"restored {path} from {args.file}"
        + (
            f"; the previous database was saved as {result.previous_saved_as}"
            if result.previous_saved_as
            else ""
        )
    )
    return 0


def _readonly_copy(src: Path) -> Path:
    """A private temporary copy of a backup, so signing in against it cannot modify it."""
    import atexit
    import tempfile

    from desktop.store.backup import copy_database

    tmpdir = Path(tempfile.mkdtemp(prefix="reliefdesk-restore-"))
    out = tmpdir / "auth.sqlite3"
    conn = sqlite3.connect(readonly_uri(src), uri=True)
    try:
        copy_database(conn, out)
    finally:
        conn.close()

    def _cleanup() -> None:
        import shutil

        shutil.rmtree(tmpdir, ignore_errors=True)

    atexit.register(_cleanup)
    return out
