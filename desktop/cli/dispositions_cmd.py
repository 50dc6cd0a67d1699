"""`reliefdesk matter`, `response`, `hearing` and `status`: petitions and applications filed at the
counter, challenges, the prosecution's responses, hearings, the judge's rulings and where every
count stands (issue 19). The core (desktop/dispositions) checks the roles: clerks open matters,
enter responses and notices and schedule; only a judge enters outcomes."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop.cli.common import acting_user, add_as_user, add_reader, get_db, print_json, reader
from desktop.errors import UserError
from desktop.outputs import for_terminal


def register(sub: argparse._SubParsersAction) -> None:
    _register_matter(sub)
    _register_response(sub)
    _register_hearing(sub)
    st = sub.add_parser(
        "status",
        help="where every in-scope count of a county stands: not reviewed ... reported to DOJ",
    )
    st.add_argument("--county", required=True, metavar="NAME")
    st.add_argument("--limit", type=int, default=10, help="counts listed per stage (0: none)")
    st.add_argument("--all", action="store_true", help="list every count of every stage")
    st.add_argument("--json", action="store_true")
    add_reader(st)
    st.set_defaults(func=cmd_status)


# --- matter ----------------------------------------------------------------------------------
def _filing_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kind",
        required=True,
        choices=["petition", "application"],
        help="petition: still serving (HS 11361.8(a)); application: sentence "
        "completed (11361.8(e))",
    )
    p.add_argument("--filed", required=True, metavar="YYYY-MM-DD", help="date filed")
    p.add_argument(
        "--served",
        metavar="YYYY-MM-DD",
        help="date served on the prosecution (the response deadline counts from it)",
    )
    p.add_argument(
        "--filer",
        required=True,
        choices=["person", "attorney", "public_defender"],
        help="who filed it",
    )
    p.add_argument("--filer-name", dest="filer_name", metavar="NAME")
    p.add_argument(
        "--court-case",
        dest="court_case",
        metavar="NUMBER",
        help="the court's own case number for the filing",
    )
    p.add_argument(
        "--hearing-requested",
        dest="hearing_requested",
        action="store_true",
        help="the filer asks for a hearing (HS 11361.8(g))",
    )
    p.add_argument("--note")


def _outcome_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--count",
        dest="counts",
        type=int,
        action="append",
        default=[],
        metavar="COUNT_ID",
        help="a count ruled (repeat for several)",
    )
    p.add_argument("--all", action="store_true", help="every count of the matter not yet ruled")
    p.add_argument(
        "--outcome",
        required=True,
        choices=["granted", "granted_other_relief", "denied", "continued"],
    )
    p.add_argument(
        "--relief",
        choices=[
            "dismiss_and_seal",
            "redesignate_misdemeanor",
            "redesignate_infraction",
            "resentence",
        ],
    )
    p.add_argument(
        "--target",
        choices=["dismissed", "misdemeanor", "infraction"],
        help="resentence: the result",
    )
    p.add_argument(
        "--finding",
        choices=["criteria_not_met", "public_safety"],
        help="denied: criteria not met (clear and convincing evidence) or, on a "
        "petition, unreasonable risk to public safety (PC 1170.18(c))",
    )
    p.add_argument("--finding-text", dest="finding_text", help="the finding in the judge's words")
    p.add_argument(
        "--credit-days",
        dest="credit_days",
        type=int,
        help="resentence: credit for time served, in days",
    )
    p.add_argument(
        "--supervision-kind",
        dest="supervision_kind",
        help="resentence: e.g. 'misdemeanor probation'",
    )
    p.add_argument(
        "--supervision-months",
        dest="supervision_months",
        type=int,
        help="resentence: at most 12 and the rest of the term (HS 11361.8(c))",
    )


def _register_matter(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("matter", help="petitions, applications and challenges before the court")
    s = p.add_subparsers(dest="matter_command", metavar="ACTION", required=True)

    f = s.add_parser("find", help="find a person in the records (name, DOB, CII, case number)")
    f.add_argument("--name")
    f.add_argument("--dob", metavar="YYYY-MM-DD")
    f.add_argument("--cii")
    f.add_argument("--case", metavar="NUMBER")
    f.add_argument("--json", action="store_true")
    add_reader(f)
    f.set_defaults(func=cmd_matter_find)

    o = s.add_parser(
        "open",
        help="open a matter for a filing (CR-400): a person in the records (--subject) or "
        "entered from the court file (--court-file)",
    )
    o.add_argument("--subject", type=int, metavar="PERSON_ID", help="from `matter find`")
    o.add_argument(
        "--count",
        dest="counts",
        type=int,
        action="append",
        default=[],
        metavar="COUNT_ID",
        help="a count asked about (repeat)",
    )
    o.add_argument(
        "--case",
        metavar="NUMBER",
        help="with --subject: every cannabis conviction of this case; with "
        "--court-file: the case entered",
    )
    o.add_argument(
        "--court-file",
        dest="court_file",
        action="store_true",
        help="enter the person, case and counts by hand from the court's file",
    )
    o.add_argument("--name", help="--court-file: LAST,FIRST")
    o.add_argument("--dob", metavar="YYYY-MM-DD")
    o.add_argument("--cii")
    o.add_argument("--county", help="--court-file: the county of the case")
    o.add_argument("--court", help="--court-file: the court, e.g. 'Superior Court, Dept 5'")
    o.add_argument(
        "--entry",
        dest="entries",
        action="append",
        default=[],
        metavar="NO|SECTION|LEVEL|CONVICTED|SENTENCE",
        help="--court-file: one count, e.g. '1|11359 HS|F|2014-03-02|PRISON 3Y' "
        "(repeat; the sentence may be blank)",
    )
    _filing_args(o)
    o.add_argument(
        "--no-evaluate",
        dest="evaluate",
        action="store_false",
        help="do not evaluate now (`matter evaluate ID` later)",
    )
    add_as_user(o)
    o.add_argument("--json", action="store_true")
    o.set_defaults(func=cmd_matter_open)

    sh = s.add_parser("show", help="a matter: the engine's explanation first, then the rest")
    sh.add_argument("matter_id", type=int)
    sh.add_argument("--json", action="store_true")
    add_reader(sh)
    sh.set_defaults(func=cmd_matter_show)

    ls = s.add_parser("list", help="matters, oldest filing first")
    ls.add_argument("--status", choices=["open", "ruled", "ordered", "withdrawn"])
    ls.add_argument("--kind", choices=["petition", "application", "challenge"])
    ls.add_argument(
        "--overdue",
        action="store_true",
        help="past the response deadline with no response (review setting response_deadline_days)",
    )
    ls.add_argument("--json", action="store_true")
    add_reader(ls)
    ls.set_defaults(func=cmd_matter_list)

    ev = s.add_parser("evaluate", help="evaluate the matter's person again (a run of its own)")
    ev.add_argument("matter_id", type=int)
    add_as_user(ev)
    ev.set_defaults(func=cmd_matter_evaluate)

    ch = s.add_parser(
        "challenges",
        help="put every challenged bulk-list count of a county on the hearing list "
        "(one challenge matter per person)",
    )
    ch.add_argument("--county", required=True, metavar="NAME")
    ch.add_argument("--json", action="store_true")
    add_as_user(ch)
    ch.set_defaults(func=cmd_matter_challenges)

    n = s.add_parser(
        "notice",
        help="record a notice given: prosecution → public defender → person (HS 11361.9(d)), "
        "or the court's notice of a hearing",
    )
    n.add_argument("matter_id", type=int)
    n.add_argument(
        "--from",
        dest="from_party",
        required=True,
        help="prosecution | public_defender | court | a name",
    )
    n.add_argument(
        "--to",
        dest="to_party",
        required=True,
        help="public_defender | person | counsel | prosecution | a name",
    )
    n.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    n.add_argument("--method", choices=["mail", "personal", "electronic", "in_court"])
    n.add_argument("--hearing", type=int, metavar="HEARING_ID")
    add_as_user(n)
    n.set_defaults(func=cmd_matter_notice)

    r = s.add_parser("rule", help="(judge) rule on the papers, no hearing")
    r.add_argument("matter_id", type=int)
    _outcome_args(r)
    add_as_user(r)
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_matter_rule)

    w = s.add_parser("withdraw", help="the filer withdrew the matter (nothing ruled yet)")
    w.add_argument("matter_id", type=int)
    w.add_argument("--reason", required=True)
    add_as_user(w)
    w.set_defaults(func=cmd_matter_withdraw)


def cmd_matter_find(args: argparse.Namespace) -> int:
    from desktop.dispositions.matters import find_people

    db = get_db(args)
    hits = find_people(
        db.conn,
        reader(args, db),
        name=args.name,
        dob=args.dob,
        cii=args.cii,
        case_number=args.case,
    )
    for h in hits:
        if args.json:
            print_json(h.as_dict())
            continue
        print(
            for_terminal(
                f"person {h.subject_id}: {h.name or '—'}  DOB {h.dob or '—'}  CII {h.cii or '—'}"
            )
        )
        for c in h.counts:
            print(
                for_terminal(
                    f"    count {c['count_id']:>7}  case {c['case_number'] or '—':14} "
                    f"{c['section'] or '—':12} {c['level'] or '?'}  convicted "
                    f"{c['conviction_date'] or '—'}  {c['county'] or ''}"
                )
            )
    if not args.json:
        print(f"{len(hits)} people", file=sys.stderr)
    return 0


def _filing(args: argparse.Namespace) -> Any:
    from desktop.dispositions.matters import Filing

    return Filing(
        kind=args.kind,
        filed_on=args.filed,
        filer_kind=args.filer,
        filer_name=args.filer_name,
        court_case_number=args.court_case,
        served_on=args.served,
        hearing_requested=args.hearing_requested,
        note=args.note,
    )


def _entries(texts: list[str]) -> tuple[Any, ...]:
    from desktop.dispositions.matters import CourtFileCount

    out = []
    for text in texts:
        parts = [p.strip() for p in text.split("|")]
        if len(parts) not in (4, 5) or not parts[0].isdigit():
            raise UserError(
                f"--entry '{text}': write NO|SECTION|LEVEL|CONVICTED|SENTENCE, e.g. "
                "'1|11359 HS|F|2014-03-02|PRISON 3Y'"
            )
        out.append(
            CourtFileCount(
                int(parts[0]), parts[1], parts[2], parts[3], parts[4] if len(parts) == 5 else ""
            )
        )
    return tuple(out)


def cmd_matter_open(args: argparse.Namespace) -> int:
    from desktop.dispositions import matters as mt

    db = get_db(args)
    user = acting_user(args, db)
    from desktop.review.users import require_role

    require_role(user, "clerk")
    if args.court_file:
        if not args.case:
            raise UserError("--court-file needs --case NUMBER (the case in the court's file)")
        if args.counts:
            raise UserError("--count names counts in the records; with --court-file use --entry")
        mid = mt.enter_from_court_file(
            db.conn,
            user,
            mt.CourtFilePerson(args.name or "", args.dob, args.cii),
            mt.CourtFileCase(args.case, args.county or "", args.court, _entries(args.entries)),
            _filing(args),
            subject_id=args.subject,
            evaluate=args.evaluate,
        )
    else:
        if args.subject is None:
            raise UserError(
                "name the person (--subject ID from `reliefdesk matter find`) or enter them "
                "from the court file (--court-file)"
            )
        if args.entries:
            raise UserError("--entry goes with --court-file")
        ids = list(args.counts)
        if args.case:
            ids += mt.case_counts(db.conn, args.subject, args.case)
        mid = mt.open_matter(
            db.conn, user, args.subject, ids, _filing(args), evaluate=args.evaluate
        )
    if args.json:
        print_json({"matter_id": mid})
    else:
        print(f"opened matter {mid}; see `reliefdesk matter show {mid}`")
    return 0


def cmd_matter_show(args: argparse.Namespace) -> int:
    from desktop.dispositions.matters import matter_detail, matter_text

    db = get_db(args)
    d = matter_detail(db.conn, reader(args, db), args.matter_id)
    if args.json:
        print_json(d)
    else:
        print(matter_text(d))
    return 0


def cmd_matter_list(args: argparse.Namespace) -> int:
    from desktop.dispositions.matters import list_matters

    db = get_db(args)
    rows = list_matters(
        db.conn, reader(args, db), status=args.status, kind=args.kind, overdue=args.overdue
    )
    for r in rows:
        if args.json:
            print_json(r.as_dict())
        else:
            print(
                for_terminal(
                    f"{r.id:>6}  {r.kind:11} {r.status:9} filed {r.filed_on or '—':10}  "
                    f"{r.counts} count(s)  "
                    + (
                        f"due {r.response_due}{' OVERDUE' if r.overdue else ''}  "
                        if r.response_due
                        else ""
                    )
                    + (f"hearing {r.next_hearing}  " if r.next_hearing else "")
                    + f"{r.name or ''}"
                )
            )
    if not args.json:
        print(f"{len(rows)} matters", file=sys.stderr)
    return 0


def cmd_matter_evaluate(args: argparse.Namespace) -> int:
    from desktop.dispositions.matters import evaluate_matter

    db = get_db(args)
    run = evaluate_matter(db.conn, acting_user(args, db), args.matter_id)
    print(f"evaluation run {run} for matter {args.matter_id}")
    return 0


def cmd_matter_challenges(args: argparse.Namespace) -> int:
    from desktop.dispositions.responses import open_challenges

    db = get_db(args)
    opened = open_challenges(db.conn, acting_user(args, db), args.county)
    for o in opened:
        if args.json:
            print_json(o.__dict__)
        else:
            print(
                f"matter {o.matter_id}: person {o.subject_id}, counts "
                f"{', '.join(map(str, o.count_ids))}"
            )
    if not args.json:
        print(f"{len(opened)} challenge matters opened", file=sys.stderr)
    return 0


def cmd_matter_notice(args: argparse.Namespace) -> int:
    from desktop.dispositions.responses import record_notice

    db = get_db(args)
    nid = record_notice(
        db.conn,
        acting_user(args, db),
        args.matter_id,
        args.from_party,
        args.to_party,
        args.date,
        method=args.method,
        hearing_id=args.hearing,
    )
    print(f"notice {nid} recorded for matter {args.matter_id}")
    return 0


def _outcomes(args: argparse.Namespace, db: Any, matter_id: int) -> list[Any]:
    from desktop.dispositions.common import matter_count_ids
    from desktop.dispositions.hearings import Outcome, in_force

    ids = list(args.counts)
    if args.all:
        if ids:
            raise UserError("give --count IDs or --all, not both")
        every = matter_count_ids(db.conn, matter_id)
        ids = [c for c in every if c not in in_force(db.conn, every)]
        if not ids:
            raise UserError(f"every count of matter {matter_id} is ruled already")
    if not ids:
        raise UserError("name the counts ruled: --count ID (repeat) or --all")
    return [
        Outcome(
            cid,
            args.outcome,
            args.relief,
            args.target,
            args.finding,
            args.finding_text,
            args.credit_days,
            args.supervision_kind,
            args.supervision_months,
        )
        for cid in ids
    ]


def _ruled(args: argparse.Namespace, result: dict[str, Any]) -> int:
    if args.json:
        print_json(result)
    else:
        print(
            f"ruled: {len(result['ruling_ids'])} count(s); matter {result['matter_status']}"
            + (f"; continued to hearing {result['continued_to']}" if result["continued_to"] else "")
        )
    return 0


def cmd_matter_rule(args: argparse.Namespace) -> int:
    from desktop.dispositions.hearings import rule_on_papers
    from desktop.review.users import require_role

    db = get_db(args)
    user = acting_user(args, db)
    require_role(user, "judge")
    result = rule_on_papers(db.conn, user, args.matter_id, _outcomes(args, db, args.matter_id))
    return _ruled(args, result)


def cmd_matter_withdraw(args: argparse.Namespace) -> int:
    from desktop.dispositions.matters import withdraw_matter

    db = get_db(args)
    withdraw_matter(db.conn, acting_user(args, db), args.matter_id, args.reason)
    print(f"matter {args.matter_id} withdrawn")
    return 0


# --- response --------------------------------------------------------------------------------
def _register_response(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("response", help="the prosecution's response to a matter (CR-402)")
    s = p.add_subparsers(dest="response_command", metavar="ACTION", required=True)
    a = s.add_parser("add", help="enter the prosecution's response with its date")
    a.add_argument("matter_id", type=int)
    a.add_argument(
        "--position",
        required=True,
        choices=[
            "does_not_oppose",
            "opposes_criteria",
            "opposes_public_safety",
            "requests_hearing",
        ],
        help="opposes_public_safety: petitions only",
    )
    a.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    a.add_argument("--count", type=int, metavar="COUNT_ID", help="one count (default: all)")
    a.add_argument("--note")
    add_as_user(a)
    a.set_defaults(func=cmd_response_add)


def cmd_response_add(args: argparse.Namespace) -> int:
    from desktop.dispositions.responses import add_response

    db = get_db(args)
    rid = add_response(
        db.conn,
        acting_user(args, db),
        args.matter_id,
        args.position,
        args.date,
        count_id=args.count,
        note=args.note,
    )
    print(f"response {rid} entered for matter {args.matter_id}")
    return 0


# --- hearing ---------------------------------------------------------------------------------
def _register_hearing(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "hearing", help="hearings: schedule, list per day, continue, vacate, outcome"
    )
    s = p.add_subparsers(dest="hearing_command", metavar="ACTION", required=True)
    sc = s.add_parser("schedule", help="set a matter's hearing")
    sc.add_argument("matter_id", type=int)
    sc.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    sc.add_argument("--time", metavar="HH:MM")
    sc.add_argument("--department", metavar="DEPT")
    add_as_user(sc)
    sc.set_defaults(func=cmd_hearing_schedule)

    ls = s.add_parser("list", help="the hearing list (a day's calendar)")
    ls.add_argument("--date", metavar="YYYY-MM-DD", help="one day (default: every day)")
    ls.add_argument(
        "--any-status",
        dest="any_status",
        action="store_true",
        help="also held, continued and vacated hearings",
    )
    ls.add_argument("--json", action="store_true")
    add_reader(ls)
    ls.set_defaults(func=cmd_hearing_list)

    c = s.add_parser("continue", help="continue a hearing to another date")
    c.add_argument("hearing_id", type=int)
    c.add_argument("--to", dest="to_date", required=True, metavar="YYYY-MM-DD")
    c.add_argument("--time", metavar="HH:MM")
    c.add_argument("--department", metavar="DEPT")
    add_as_user(c)
    c.set_defaults(func=cmd_hearing_continue)

    v = s.add_parser("vacate", help="take a hearing off calendar")
    v.add_argument("hearing_id", type=int)
    v.add_argument("--reason", required=True)
    add_as_user(v)
    v.set_defaults(func=cmd_hearing_vacate)

    n = s.add_parser(
        "notice",
        help="the court's notice of the hearing with its service list and the clerk's "
        "certificate of mailing (PDF); records it served on each party",
    )
    n.add_argument("hearing_id", type=int)
    n.add_argument("--out", required=True, metavar="FILE.pdf")
    n.add_argument("--served", metavar="YYYY-MM-DD", help="date served (default: today)")
    n.add_argument(
        "--method", default="mail", choices=["mail", "personal", "electronic", "in_court"]
    )
    n.add_argument("--force", action="store_true", help="replace an existing file")
    add_as_user(n)
    n.set_defaults(func=cmd_hearing_notice)

    o = s.add_parser("outcome", help="(judge) the outcome for counts of the hearing's matter")
    o.add_argument("hearing_id", type=int)
    _outcome_args(o)
    o.add_argument(
        "--continue-to",
        dest="continue_to",
        metavar="YYYY-MM-DD",
        help="--outcome continued: the new date",
    )
    o.add_argument("--json", action="store_true")
    add_as_user(o)
    o.set_defaults(func=cmd_hearing_outcome)


def cmd_hearing_schedule(args: argparse.Namespace) -> int:
    from desktop.dispositions.hearings import schedule_hearing

    db = get_db(args)
    hid = schedule_hearing(
        db.conn, acting_user(args, db), args.matter_id, args.date, args.time, args.department
    )
    print(f"hearing {hid} set for matter {args.matter_id} on {args.date}")
    return 0


def cmd_hearing_list(args: argparse.Namespace) -> int:
    from desktop.dispositions.hearings import list_hearings

    db = get_db(args)
    rows = list_hearings(
        db.conn, reader(args, db), on=args.date, status=None if args.any_status else "scheduled"
    )
    for h in rows:
        if args.json:
            print_json(h.as_dict())
        else:
            print(
                for_terminal(
                    f"{h.id:>6}  {h.hearing_date} {h.hearing_time or '     '} "
                    f"{h.department or '':10} matter {h.matter_id} ({h.kind}) {h.status:9} "
                    f"counts {', '.join(map(str, h.count_ids))}"
                    + (f" (ruled: {', '.join(map(str, h.ruled))})" if h.ruled else "")
                    + f"  {h.name or ''}"
                )
            )
    if not args.json:
        print(f"{len(rows)} hearings", file=sys.stderr)
    return 0


def cmd_hearing_continue(args: argparse.Namespace) -> int:
    from desktop.dispositions.hearings import continue_hearing

    db = get_db(args)
    new = continue_hearing(
        db.conn, acting_user(args, db), args.hearing_id, args.to_date, args.time, args.department
    )
    print(f"hearing {args.hearing_id} continued to {args.to_date} (hearing {new})")
    return 0


def cmd_hearing_vacate(args: argparse.Namespace) -> int:
    from desktop.dispositions.hearings import vacate_hearing

    db = get_db(args)
    vacate_hearing(db.conn, acting_user(args, db), args.hearing_id, args.reason)
    print(f"hearing {args.hearing_id} vacated")
    return 0


def cmd_hearing_notice(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.dispositions.notice import serve_notice

    db = get_db(args)
    out, parties = serve_notice(
        db.conn,
        acting_user(args, db),
        args.hearing_id,
        Path(args.out),
        served_on=args.served,
        method=args.method,
        force=args.force,
    )
    print(
        for_terminal(
            f"{out}: notice of hearing {args.hearing_id}, served on "
            + "; ".join(f"{p.name} ({p.role})" for p in parties)
        )
    )
    return 0


def cmd_hearing_outcome(args: argparse.Namespace) -> int:
    from desktop.dispositions.hearings import enter_outcome, hearing_matter
    from desktop.review.users import require_role

    db = get_db(args)
    user = acting_user(args, db)
    require_role(user, "judge")
    matter_id = hearing_matter(db.conn, args.hearing_id)
    result = enter_outcome(
        db.conn,
        user,
        args.hearing_id,
        _outcomes(args, db, matter_id),
        continue_to=args.continue_to,
    )
    return _ruled(args, result)


# --- status ----------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    from desktop.dispositions.status import dispositions_status

    db = get_db(args)
    report = dispositions_status(
        db.conn, reader(args, db), args.county, limit=None if args.all else max(args.limit, 0)
    )
    if args.json:
        print_json(report.as_dict())
        return 0
    print(f"County {report.county}: {report.total:,} counts in scope")
    for s in report.stages:
        print(
            f"  {s.label:45} {s.count:>8,}"
            + (f"   still serving {s.serving:,}" if s.serving else "")
            + (f"   oldest {s.oldest}" if s.oldest else "")
        )
        for c in s.items:
            print(
                for_terminal(
                    f"      count {c.count_id:>7}  since {c.since or '—':10} "
                    f"{'SERVING ' if c.serving else ''}case {c.case_number or '—'} {c.section or ''}"
                    + (f"  matter {c.matter_id}" if c.matter_id else "")
                    + (f"  ({c.detail})" if c.detail else "")
                )
            )
        if s.sealed_not_listed:
            print(f"      ({s.sealed_not_listed:,} sealed, not listed)")
    return 0
