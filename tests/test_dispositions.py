"""Issue 19, intake to ruling: matters filed at the counter (petitions and applications) or opened
for challenged bulk-list counts, the prosecution's responses, notices, hearings and the judge's
rulings per count, and the stage of every in-scope count. Real demo database (synthetic people
from the project's generator), real evaluation runs, review core and audit log, all through the
command line as a clerk and a judge would use it."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.demo import DEMO_COUNTY, DEMO_PASSWORD, build_demo

COUNTY = DEMO_COUNTY
START = "2026-11-02T17:00:00+00:00"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("disp") / "demo.sqlite3"
    build_demo(path, rows=3000)
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "court.sqlite3"
    shutil.copy(template, target)
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_NOW", START)
    return target


def at(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    """Move the clock forward to noon Pacific of `day`."""
    monkeypatch.setenv("RELIEFDESK_NOW", f"{day}T20:00:00+00:00")


def cli(db: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(db), *args])
    return code, out.getvalue(), err.getvalue()


def ok(db: Path, *args: str) -> str:
    code, out, err = cli(db, *args)
    assert code == 0, f"{args}: exit {code}: {err}"
    return out


def refused(db: Path, *args: str) -> str:
    """Exit 4 with one line, and nothing in the database changed."""
    before = fingerprint(db)
    code, out, err = cli(db, *args)
    assert code == 4, f"{args}: exit {code}: {out} {err}"
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert fingerprint(db) == before
    return err


def fingerprint(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        rows = []
        for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"):
            rows.append((t, sorted(map(repr, conn.execute(f"SELECT * FROM {t}")))))
        return repr(rows)
    finally:
        conn.close()


def js(out: str) -> object:
    return json.loads(out)


def q(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def audit_ok(db: Path) -> None:
    out = ok(db, "audit", "verify", "--as", "judge")
    assert "intact" in out


def count_with(db: Path, relief: str, *, serving: bool | None = None) -> tuple[int, int, str]:
    """(subject, count, case number) of a pending cannabis count the engine proposes `relief`
    for, with a single cannabis conviction in its case."""
    rows = q(
        db,
        "SELECT c.subject_id, c.id, k.case_number, d.flags FROM review_items r"
        " JOIN determinations d ON d.id = r.determination_id JOIN counts c ON c.id = r.count_id"
        " JOIN cases k ON k.id = c.case_id WHERE d.relief = ? AND r.status = 'pending'"
        " AND c.base_section IN ('11357','11358','11359','11360') AND c.county = ?"
        " AND (SELECT COUNT(*) FROM counts o WHERE o.case_id = c.case_id AND o.convicted = 1) = 1"
        " ORDER BY c.id",
        relief,
        COUNTY,
    )
    for sid, cid, case, flags in rows:
        if serving is None or ("serving_sentence" in flags) == serving:
            return sid, cid, case
    raise AssertionError(f"no count proposing {relief}")


def stage_of(db: Path, count_id: int) -> str:
    report = js(ok(db, "status", "--county", COUNTY, "--all", "--json", "--as", "clerk"))
    found = [s["stage"] for s in report["stages"] for i in s["items"] if i["count_id"] == count_id]
    assert len(found) == 1, found
    return found[0]


# --- 1. a walk-in application, granted on the papers -------------------------------------------
def test_walk_in_application_granted_without_hearing(db: Path, monkeypatch) -> None:
    sid, cid, case = count_with(db, "redesignate_misdemeanor", serving=False)
    hits = js(ok(db, "matter", "find", "--case", case, "--json", "--as", "clerk").splitlines()[0])
    assert hits["subject_id"] == sid and cid in [c["count_id"] for c in hits["counts"]]
    mid = js(
        ok(
            db,
            "matter",
            "open",
            "--subject",
            str(sid),
            "--case",
            case,
            "--kind",
            "application",
            "--filed",
            "2026-11-02",
            "--served",
            "2026-11-02",
            "--filer",
            "person",
            "--court-case",
            "P64-APP-1",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]
    shown = ok(db, "matter", "show", str(mid), "--as", "clerk")
    # The engine's explanation comes before the filing's details.
    assert shown.index("What the engine found") < shown.index("Filed 2026-11-02")
    assert "HS 11361.8" in shown and "Response due 2027-01-01" in shown
    assert stage_of(db, cid) == "awaiting_prosecution"

    # Counts in a matter take no clerk decision, bulk approval or batch.
    refused(db, "review", "approve", str(cid), "--as", "clerk")
    # Before the prosecution answers (and the deadline runs) the judge does not rule.
    refused(db, "matter", "rule", str(mid), "--all", "--outcome", "granted", "--as", "judge")
    at(monkeypatch, "2026-11-20")
    ok(
        db,
        "response",
        "add",
        str(mid),
        "--position",
        "does_not_oppose",
        "--date",
        "2026-11-19",
        "--as",
        "clerk",
    )
    assert stage_of(db, cid) == "awaiting_ruling"
    refused(db, "matter", "rule", str(mid), "--all", "--outcome", "granted", "--as", "clerk")
    out = js(
        ok(
            db,
            "matter",
            "rule",
            str(mid),
            "--all",
            "--outcome",
            "granted",
            "--json",
            "--as",
            "judge",
        )
    )
    assert out["matter_status"] == "ruled"
    ruling = q(
        db,
        "SELECT outcome, relief, hearing_id, finding, ruled_by FROM rulings WHERE count_id = ?",
        cid,
    )
    assert ruling == [("granted", "redesignate_misdemeanor", None, None, "judge")]
    assert stage_of(db, cid) == "ruled"
    # The ruled count still never enters a batch.
    assert not q(db, "SELECT 1 FROM batch_items WHERE count_id = ?", cid)
    actions = [a for (a,) in q(db, "SELECT action FROM audit_log ORDER BY seq")]
    assert {"matter.open", "evaluate", "matter.response", "matter.rule"} <= set(actions)
    audit_ok(db)


# --- 2. a petition opposed on public safety, denied after a hearing --------------------------------
def _court_file_petition(db: Path, case: str, sentence: str = "PRISON 12Y") -> int:
    """A petition on a 2016 felony (before Prop 64) whose sentence still runs."""
    return js(
        ok(
            db,
            "matter",
            "open",
            "--court-file",
            "--name",
            "TESTPERSON,PAT Q",
            "--dob",
            "1985-04-04",
            "--case",
            case,
            "--county",
            COUNTY,
            "--entry",
            f"1|11359 HS|F|2016-01-15|{sentence}",
            "--kind",
            "petition",
            "--filed",
            "2026-11-02",
            "--filer",
            "public_defender",
            "--filer-name",
            "Office of the PD",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]


def test_petition_opposed_for_public_safety_denied_after_hearing(db: Path, monkeypatch) -> None:
    mid = _court_file_petition(db, "FSB2500001")
    (cid,) = [c for (c,) in q(db, "SELECT count_id FROM matter_counts WHERE matter_id = ?", mid)]
    detail = js(ok(db, "matter", "show", str(mid), "--json", "--as", "judge"))
    assert detail["counts"][0]["relief"] == "resentence"  # still serving: petition path
    assert "serving_sentence" in detail["counts"][0]["flags"]
    at(monkeypatch, "2026-11-16")
    ok(
        db,
        "response",
        "add",
        str(mid),
        "--position",
        "opposes_public_safety",
        "--date",
        "2026-11-16",
        "--note",
        "see probation report",
        "--as",
        "clerk",
    )
    assert stage_of(db, cid) == "awaiting_hearing"
    refused(
        db,
        "matter",
        "rule",
        str(mid),
        "--all",
        "--outcome",
        "denied",
        "--finding",
        "public_safety",
        "--as",
        "judge",
    )  # opposed: a hearing is needed
    hid = int(
        ok(
            db,
            "hearing",
            "schedule",
            str(mid),
            "--date",
            "2026-12-07",
            "--time",
            "8:30",
            "--department",
            "S-14",
            "--as",
            "clerk",
        ).split()[1]
    )
    day = js(
        ok(db, "hearing", "list", "--date", "2026-12-07", "--json", "--as", "judge").splitlines()[0]
    )
    assert (day["id"], day["hearing_time"], day["department"]) == (hid, "08:30", "S-14")
    # The outcome is entered on the day, by a judge only.
    refused(
        db,
        "hearing",
        "outcome",
        str(hid),
        "--all",
        "--outcome",
        "denied",
        "--finding",
        "public_safety",
        "--as",
        "judge",
    )
    at(monkeypatch, "2026-12-07")
    refused(
        db,
        "hearing",
        "outcome",
        str(hid),
        "--all",
        "--outcome",
        "denied",
        "--finding",
        "public_safety",
        "--as",
        "clerk",
    )
    code, _, err = cli(
        db, "hearing", "outcome", str(hid), "--all", "--outcome", "denied", "--as", "judge"
    )
    assert code == 2 and "finding" in err
    ok(
        db,
        "hearing",
        "outcome",
        str(hid),
        "--all",
        "--outcome",
        "denied",
        "--finding",
        "public_safety",
        "--as",
        "judge",
    )
    row = q(
        db,
        "SELECT outcome, relief, finding, finding_text, hearing_id FROM rulings WHERE count_id = ?",
        cid,
    )[0]
    assert row[:3] == ("denied", None, "public_safety") and row[4] == hid
    assert "1170.18(c)" in row[3]
    assert q(db, "SELECT status FROM hearings WHERE id = ?", hid) == [("held",)]
    assert q(db, "SELECT status FROM matters WHERE id = ?", mid) == [("ruled",)]
    assert stage_of(db, cid) == "ruled"
    audit_ok(db)


def test_public_safety_is_for_petitions_only(db: Path, monkeypatch) -> None:
    sid, cid, case = count_with(db, "redesignate_misdemeanor", serving=False)
    mid = js(
        ok(
            db,
            "matter",
            "open",
            "--subject",
            str(sid),
            "--count",
            str(cid),
            "--kind",
            "application",
            "--filed",
            "2026-11-02",
            "--filer",
            "attorney",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]
    err = refused(
        db,
        "response",
        "add",
        str(mid),
        "--position",
        "opposes_public_safety",
        "--date",
        "2026-11-02",
        "--as",
        "clerk",
    )
    assert "petition" in err
    ok(
        db,
        "response",
        "add",
        str(mid),
        "--position",
        "opposes_criteria",
        "--date",
        "2026-11-02",
        "--as",
        "clerk",
    )
    # An application with no hearing asked for is ruled on the papers even when opposed
    # (HS 11361.8(g)); the denial cannot rest on public safety.
    refused(
        db,
        "matter",
        "rule",
        str(mid),
        "--all",
        "--outcome",
        "denied",
        "--finding",
        "public_safety",
        "--as",
        "judge",
    )
    ok(
        db,
        "matter",
        "rule",
        str(mid),
        "--all",
        "--outcome",
        "denied",
        "--finding",
        "criteria_not_met",
        "--finding-text",
        "The 2009 conviction shows sale to a minor.",
        "--as",
        "judge",
    )
    assert q(db, "SELECT finding, finding_text FROM rulings WHERE count_id = ?", cid) == [
        ("criteria_not_met", "The 2009 conviction shows sale to a minor.")
    ]


# --- 3. a challenged DOJ-list count, granted after a hearing with another relief ------------------
def test_challenged_bulk_count_granted_with_other_relief(db: Path, tmp_path, monkeypatch) -> None:
    sid, cid, case = count_with(db, "redesignate_misdemeanor", serving=False)
    count_no = q(db, "SELECT count_no FROM counts WHERE id = ?", cid)[0][0]
    csv = tmp_path / "da-responses.csv"
    csv.write_text(
        f"case_number,count,response,ground,date\n{case},{count_no},challenged,criteria,2020-06-15\n",
        encoding="utf-8",
    )
    ok(db, "import", str(csv), "--format", "prosecution-responses", "--as", "clerk")
    ok(db, "evaluate", "--county", COUNTY, "--as", "clerk")
    assert stage_of(db, cid) == "awaiting_hearing"  # challenged, no matter yet
    # Challenged counts never reach bulk approval.
    paths = js(
        "[" + ",".join(ok(db, "queue", "paths", "--json", "--as", "clerk").split("\n")[:-1]) + "]"
    )
    flags = q(
        db,
        "SELECT d.flags FROM review_items r JOIN determinations d"
        " ON d.id = r.determination_id WHERE r.count_id = ?",
        cid,
    )[0][0]
    assert "prosecution_challenged" in flags
    rule_path = q(
        db,
        "SELECT d.rule_path FROM review_items r JOIN determinations d"
        " ON d.id = r.determination_id WHERE r.count_id = ?",
        cid,
    )[0][0]
    assert rule_path not in [p["rule_path"] for p in paths]

    opened = ok(db, "matter", "challenges", "--county", COUNTY, "--json", "--as", "clerk")
    rows = [js(line) for line in opened.splitlines()]
    mine = [r for r in rows if cid in r["count_ids"]]
    assert len(mine) == 1
    mid = mine[0]["matter_id"]
    refused(db, "matter", "challenges", "--county", COUNTY, "--as", "clerk")  # nothing new
    m = js(ok(db, "matter", "show", str(mid), "--json", "--as", "clerk"))
    assert m["matter"]["kind"] == "challenge" and m["matter"]["filed_on"] == "2020-06-15"
    assert m["needs_hearing"] and m["notice_chain"] == {
        "prosecution_to_public_defender": None,
        "public_defender_to_person": None,
    }
    # The 11361.9(d) chain: the prosecution notifies the PD, who notifies the person.
    ok(
        db,
        "matter",
        "notice",
        str(mid),
        "--from",
        "prosecution",
        "--to",
        "public_defender",
        "--date",
        "2026-11-02",
        "--method",
        "electronic",
        "--as",
        "clerk",
    )
    at(monkeypatch, "2026-11-09")
    ok(
        db,
        "matter",
        "notice",
        str(mid),
        "--from",
        "public_defender",
        "--to",
        "person",
        "--date",
        "2026-11-06",
        "--method",
        "mail",
        "--as",
        "clerk",
    )
    chain = js(ok(db, "matter", "show", str(mid), "--json", "--as", "clerk"))["notice_chain"]
    assert chain == {
        "prosecution_to_public_defender": "2026-11-02",
        "public_defender_to_person": "2026-11-06",
    }
    refused(db, "matter", "rule", str(mid), "--all", "--outcome", "granted", "--as", "judge")
    hid = int(
        ok(db, "hearing", "schedule", str(mid), "--date", "2026-11-30", "--as", "clerk").split()[1]
    )
    # Continued once, then heard.
    out = ok(db, "hearing", "continue", str(hid), "--to", "2026-12-14", "--as", "clerk")
    new = int(out.split("(hearing ")[1].rstrip(")\n"))
    assert q(db, "SELECT status, continued_to FROM hearings WHERE id = ?", hid) == [
        ("continued", new)
    ]
    assert ok(db, "hearing", "list", "--date", "2026-11-30", "--as", "clerk") == ""
    at(monkeypatch, "2026-12-14")
    refused(db, "hearing", "outcome", str(hid), "--all", "--outcome", "granted", "--as", "judge")
    # A challenged count has no proposal to grant "as proposed" (the engine asks for review):
    # the judge names the relief.
    err = refused(
        db,
        "hearing",
        "outcome",
        str(new),
        "--count",
        str(cid),
        "--outcome",
        "granted",
        "--as",
        "judge",
    )
    assert "needs_review" in err
    ok(
        db,
        "hearing",
        "outcome",
        str(new),
        "--count",
        str(cid),
        "--outcome",
        "granted_other_relief",
        "--relief",
        "dismiss_and_seal",
        "--as",
        "judge",
    )
    assert q(
        db,
        "SELECT outcome, relief, hearing_id FROM rulings WHERE count_id = ?"
        " AND superseded_by IS NULL",
        cid,
    ) == [("granted_other_relief", "dismiss_and_seal", new)]
    assert stage_of(db, cid) == "ruled"
    # A later ruling supersedes the earlier one (on the same matter, at a new hearing).
    ok(
        db,
        "hearing",
        "outcome",
        str(new),
        "--count",
        str(cid),
        "--outcome",
        "granted_other_relief",
        "--relief",
        "redesignate_misdemeanor",
        "--as",
        "judge",
    )
    rulings = q(
        db, "SELECT id, outcome, superseded_by FROM rulings WHERE count_id = ? ORDER BY id", cid
    )
    assert rulings[0][2] == rulings[1][0] and rulings[1][2] is None
    audit_ok(db)


# --- 4. a resentencing hearing with supervision -------------------------------------------------
def test_resentencing_hearing_with_supervision(db: Path, monkeypatch) -> None:
    mid = _court_file_petition(db, "FSB2500002", sentence="PRISON 11Y")  # ends 2027-01-15
    (cid,) = [c for (c,) in q(db, "SELECT count_id FROM matter_counts WHERE matter_id = ?", mid)]
    ok(
        db,
        "response",
        "add",
        str(mid),
        "--position",
        "requests_hearing",
        "--date",
        "2026-11-02",
        "--as",
        "clerk",
    )
    hid = int(
        ok(
            db,
            "hearing",
            "schedule",
            str(mid),
            "--date",
            "2026-11-02",
            "--time",
            "13:30",
            "--as",
            "clerk",
        ).split()[1]
    )
    base = ["hearing", "outcome", str(hid), "--all", "--outcome", "granted", "--as", "judge"]
    code, _, err = cli(db, *base)
    assert code == 2 and "credit" in err
    # Supervision: at most a year, and no longer than what is left of the term (3 months).
    refused(
        db,
        *base,
        "--credit-days",
        "512",
        "--supervision-kind",
        "misdemeanor probation",
        "--supervision-months",
        "6",
    )
    err = refused(
        db,
        *base,
        "--credit-days",
        "512",
        "--supervision-kind",
        "probation",
        "--supervision-months",
        "13",
    )
    assert "at most one year" in err
    ok(
        db,
        *base,
        "--credit-days",
        "512",
        "--supervision-kind",
        "misdemeanor probation",
        "--supervision-months",
        "3",
    )
    assert q(
        db,
        "SELECT relief, resentence_target, credit_days, supervision_kind,"
        " supervision_months FROM rulings WHERE count_id = ?",
        cid,
    ) == [("resentence", "misdemeanor", 512, "misdemeanor probation", 3)]
    audit_ok(db)


# --- 5. entered by hand from the court file ----------------------------------------------------
def test_matter_entered_from_the_court_file(db: Path) -> None:
    mid = js(
        ok(
            db,
            "matter",
            "open",
            "--court-file",
            "--name",
            "Filecase, Robin",
            "--dob",
            "1979-01-31",
            "--case",
            "CR-1999-0042",
            "--county",
            COUNTY.lower(),
            "--court",
            "Superior Court",
            "--entry",
            "1|11360(a) HS|F|1999-05-05|PRISON 2Y",
            "--entry",
            "2|11357(b) HS|M|1999-05-05|",
            "--kind",
            "application",
            "--filed",
            "2026-11-02",
            "--filer",
            "attorney",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]
    (iid, fmt, name) = q(
        db,
        "SELECT i.id, i.format, i.file_name FROM imports i JOIN subjects s"
        " ON s.import_id = i.id JOIN matters m ON m.subject_id = s.id WHERE m.id = ?",
        mid,
    )[0]
    assert fmt == "court-file-entry" and name.startswith("court file CR-1999-0042")
    rows = q(
        db,
        "SELECT c.source_file, c.section, c.level, c.county, c.sentence_end"
        " FROM counts c WHERE c.import_id = ? ORDER BY c.count_no",
        iid,
    )
    assert rows == [
        ("court file", "11360(A)", "F", COUNTY, "2001-05-05"),
        ("court file", "11357(B)", "M", COUNTY, None),
    ]
    d = js(ok(db, "matter", "show", str(mid), "--json", "--as", "clerk"))
    assert d["matter"]["source"] == "court_file"
    assert all(c["from_court_file"] and c["explanation"]["steps"] for c in d["counts"])
    assert d["counts"][0]["relief"] == "redesignate_misdemeanor"
    # Mistakes in the entry are named, and nothing is saved.
    code, _, err = cli(
        db,
        "matter",
        "open",
        "--court-file",
        "--name",
        "X,Y",
        "--case",
        "Z1",
        "--county",
        COUNTY,
        "--entry",
        "1|11359 HS|Q|1999-05-05|",
        "--kind",
        "application",
        "--filed",
        "2026-11-02",
        "--filer",
        "person",
        "--as",
        "clerk",
    )
    assert code == 2 and "level 'Q'" in err
    code, _, err = cli(
        db,
        "matter",
        "open",
        "--court-file",
        "--name",
        "X,Y",
        "--case",
        "Z1",
        "--county",
        COUNTY,
        "--entry",
        "1|11359 HS|F|1999-05-05|JAIL six",
        "--kind",
        "application",
        "--filed",
        "2026-11-02",
        "--filer",
        "person",
        "--as",
        "clerk",
    )
    assert code == 2 and "JAIL six" in err
    audit_ok(db)


# --- overdue responses, withdrawal -------------------------------------------------------------
def test_overdue_matters_follow_the_deadline_setting(db: Path, monkeypatch) -> None:
    sid, cid, case = count_with(db, "redesignate_misdemeanor", serving=False)
    mid = js(
        ok(
            db,
            "matter",
            "open",
            "--subject",
            str(sid),
            "--count",
            str(cid),
            "--kind",
            "application",
            "--filed",
            "2026-11-02",
            "--served",
            "2026-11-03",
            "--filer",
            "person",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]
    at(monkeypatch, "2026-12-20")
    assert ok(db, "matter", "list", "--overdue", "--as", "clerk") == ""
    refused(db, "review", "settings", "--set", "response_deadline_days=30", "--as", "clerk")
    ok(db, "review", "settings", "--set", "response_deadline_days=30", "--as", "admin")
    late = [
        js(x) for x in ok(db, "matter", "list", "--overdue", "--json", "--as", "clerk").splitlines()
    ]
    assert [(r["id"], r["response_due"], r["overdue"]) for r in late] == [(mid, "2026-12-03", True)]
    ok(
        db,
        "response",
        "add",
        str(mid),
        "--position",
        "does_not_oppose",
        "--date",
        "2026-12-19",
        "--as",
        "clerk",
    )
    assert ok(db, "matter", "list", "--overdue", "--as", "clerk") == ""
    ok(db, "matter", "withdraw", str(mid), "--reason", "filer withdrew", "--as", "clerk")
    # Withdrawn: the count is back on the review queue's ordinary path.
    ok(db, "review", "approve", str(cid), "--as", "clerk")


# --- roles and reading --------------------------------------------------------------------------
def test_roles_and_readers(db: Path, monkeypatch) -> None:
    sid, cid, case = count_with(db, "redesignate_misdemeanor", serving=False)
    args = [
        "matter",
        "open",
        "--subject",
        str(sid),
        "--count",
        str(cid),
        "--kind",
        "application",
        "--filed",
        "2026-11-02",
        "--filer",
        "person",
    ]
    for who in ("judge", "admin", "records"):
        refused(db, *args, "--as", who)
    refused(db, "matter", "list")  # reading needs --as
    refused(db, "status", "--county", COUNTY)
    refused(db, "hearing", "list")
    mid = js(ok(db, *args, "--json", "--as", "clerk"))["matter_id"]
    refused(db, *args, "--as", "clerk")  # the count is in a matter already
    refused(
        db,
        "response",
        "add",
        str(mid),
        "--position",
        "does_not_oppose",
        "--date",
        "2026-11-02",
        "--as",
        "judge",
    )
    refused(db, "hearing", "schedule", str(mid), "--date", "2026-12-01", "--as", "admin")
    hid = int(
        ok(db, "hearing", "schedule", str(mid), "--date", "2026-11-02", "--as", "clerk").split()[1]
    )
    refused(db, "hearing", "schedule", str(mid), "--date", "2026-12-01", "--as", "clerk")
    for who in ("clerk", "admin", "records"):
        refused(db, "hearing", "outcome", str(hid), "--all", "--outcome", "granted", "--as", who)
    refused(db, "hearing", "vacate", str(hid), "--reason", "x", "--as", "records")
    ok(db, "hearing", "vacate", str(hid), "--reason", "the filer asked for none", "--as", "clerk")
    refused(db, "hearing", "outcome", str(hid), "--all", "--outcome", "granted", "--as", "judge")
    audit_ok(db)


def test_matter_counts_never_reach_bulk_approval_or_a_batch(db: Path) -> None:
    from desktop.review import batches, bulk, decisions
    from desktop.review.users import authenticate
    from desktop.store import open_db

    conn = open_db(db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    path = bulk.rule_paths(conn)[0].rule_path
    ids = bulk.eligible_ids(conn, path)
    target = next(
        c for c in ids if q(db, "SELECT county FROM counts WHERE id = ?", c)[0][0] == COUNTY
    )
    sid = q(db, "SELECT subject_id FROM counts WHERE id = ?", target)[0][0]
    ok(
        db,
        "matter",
        "open",
        "--subject",
        str(sid),
        "--count",
        str(target),
        "--kind",
        "application",
        "--filed",
        "2026-11-02",
        "--filer",
        "person",
        "--no-evaluate",
        "--as",
        "clerk",
    )
    assert target not in bulk.eligible_ids(conn, path)
    for c in bulk.eligible_ids(conn, path)[:3]:
        decisions.mark_opened(conn, clerk, c)
    approved = bulk.bulk_approve(conn, clerk, path)
    assert target not in approved
    batch = batches.submit_batch(conn, clerk)
    held = {c for (c,) in q(db, "SELECT count_id FROM batch_items WHERE batch_id = ?", batch)}
    assert target not in held and set(approved) <= held
    from desktop.review.lifecycle import life

    assert "matter" in (life(conn, target).refusal("approve") or "")
    # And a count with the judge already cannot be put into a matter.
    other = sorted(held)[0]
    osid = q(db, "SELECT subject_id FROM counts WHERE id = ?", other)[0][0]
    refused(
        db,
        "matter",
        "open",
        "--subject",
        str(osid),
        "--count",
        str(other),
        "--kind",
        "application",
        "--filed",
        "2026-11-02",
        "--filer",
        "person",
        "--as",
        "clerk",
    )
    conn.close()


# --- the court's notice of hearing, service list and certificate of mailing --------------------
def test_hearing_notice_with_service_list_and_certificate(db: Path, tmp_path, monkeypatch) -> None:
    from tests.pdfread import flat, page_texts

    mid = _court_file_petition(db, "FSB2500003")
    hid = int(
        ok(
            db,
            "hearing",
            "schedule",
            str(mid),
            "--date",
            "2026-12-01",
            "--time",
            "10:15",
            "--department",
            "S-9",
            "--as",
            "clerk",
        ).split()[1]
    )
    out = tmp_path / "notice.pdf"
    refused(db, "hearing", "notice", str(hid), "--out", str(out), "--as", "judge")
    ok(db, "hearing", "notice", str(hid), "--out", str(out), "--as", "clerk")
    text = flat(" ".join(page_texts(out.read_bytes())))
    for words in (
        "SUPERIOR COURT OF CALIFORNIA, COUNTY OF SAN BERNARDINO",
        "PAT Q TESTPERSON",
        "Notice of Hearing",
        "Date: 2026-12-01 Time: 10:15 Department: S-9",
        "FSB2500003",
        "HS 11359",
        "District Attorney, County of San Bernardino",
        "Office of the PD",  # the public defender who filed
        "Clerk's certificate of mailing / proof of service",
        "on 2026-11-02 I served a true copy",
        "clerk, Deputy Clerk",
    ):
        assert words in text, words
    served = q(
        db,
        "SELECT from_party, to_party, notified_on, method, hearing_id FROM"
        " matter_notices WHERE matter_id = ? ORDER BY id",
        mid,
    )
    assert served == [
        ("court", p, "2026-11-02", "mail", hid)
        for p in ("prosecution", "public_defender", "person")
    ]
    sha = q(db, "SELECT payload FROM audit_log WHERE action = 'hearing.notice'")[0][0]
    import hashlib

    assert json.loads(sha)["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    code, _, err = cli(db, "hearing", "notice", str(hid), "--out", str(out), "--as", "clerk")
    assert code != 0 and "exists" in err  # never over an existing file without --force
    audit_ok(db)


def test_a_matter_goes_to_the_court_that_entered_the_judgment(db: Path) -> None:
    """The court's county is set: a count of another county's court is not this court's to
    relieve, from the records or from a court file."""
    (sid, cid, county) = q(
        db,
        "SELECT c.subject_id, c.id, c.county FROM counts c WHERE c.convicted = 1 AND"
        " c.county != ? AND c.base_section IN ('11357','11358','11359','11360') LIMIT 1",
        COUNTY,
    )[0]
    err = refused(
        db,
        "matter",
        "open",
        "--subject",
        str(sid),
        "--count",
        str(cid),
        "--kind",
        "application",
        "--filed",
        "2026-11-02",
        "--filer",
        "person",
        "--as",
        "clerk",
    )
    assert county in err and "entered the judgment" in err
    err = refused(
        db,
        "matter",
        "open",
        "--court-file",
        "--name",
        "X,Y",
        "--case",
        "Z1",
        "--county",
        "ORANGE",
        "--entry",
        "1|11359 HS|F|1999-05-05|",
        "--kind",
        "application",
        "--filed",
        "2026-11-02",
        "--filer",
        "person",
        "--as",
        "clerk",
    )
    assert "ORANGE" in err
    # Without --county the court's own county is taken.
    out = ok(
        db,
        "matter",
        "open",
        "--court-file",
        "--name",
        "X,Y",
        "--case",
        "Z1",
        "--entry",
        "1|11359 HS|F|1999-05-05|",
        "--kind",
        "application",
        "--filed",
        "2026-11-02",
        "--filer",
        "person",
        "--json",
        "--as",
        "clerk",
    )
    mid = js(out)["matter_id"]
    assert q(
        db,
        "SELECT DISTINCT c.county FROM matter_counts mc JOIN counts c ON"
        " c.id = mc.count_id WHERE mc.matter_id = ?",
        mid,
    ) == [(COUNTY,)]


def test_counts_continued_at_a_hearing_go_to_the_new_date(db: Path, monkeypatch) -> None:
    """A judge rules on one count and continues the other: the hearing is continued, a new one
    is set for the same time and department, and the matter stays open until it is ruled."""
    mid = js(
        ok(
            db,
            "matter",
            "open",
            "--court-file",
            "--name",
            "TWOCOUNT,ALEX",
            "--dob",
            "1970-07-07",
            "--case",
            "FSB2500009",
            "--entry",
            "1|11359 HS|F|2012-02-02|JAIL 1Y",
            "--entry",
            "2|11360(a) HS|F|2012-02-02|JAIL 1Y",
            "--kind",
            "application",
            "--filed",
            "2026-11-02",
            "--filer",
            "person",
            "--hearing-requested",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]
    first, second = [
        c
        for (c,) in q(
            db, "SELECT count_id FROM matter_counts WHERE matter_id = ? ORDER BY count_id", mid
        )
    ]
    hid = int(
        ok(
            db,
            "hearing",
            "schedule",
            str(mid),
            "--date",
            "2026-11-02",
            "--time",
            "14:00",
            "--department",
            "S-2",
            "--as",
            "clerk",
        ).split()[1]
    )
    code, _, err = cli(
        db,
        "hearing",
        "outcome",
        str(hid),
        "--count",
        str(second),
        "--outcome",
        "continued",
        "--as",
        "judge",
    )
    assert code == 2 and "--continue-to" in err
    ok(
        db,
        "hearing",
        "outcome",
        str(hid),
        "--count",
        str(first),
        "--outcome",
        "granted",
        "--as",
        "judge",
    )
    out = js(
        ok(
            db,
            "hearing",
            "outcome",
            str(hid),
            "--count",
            str(second),
            "--outcome",
            "continued",
            "--continue-to",
            "2026-12-01",
            "--json",
            "--as",
            "judge",
        )
    )
    new = out["continued_to"]
    assert out["matter_status"] == "open"
    assert q(
        db, "SELECT hearing_date, hearing_time, department, status FROM hearings WHERE id = ?", new
    ) == [("2026-12-01", "14:00", "S-2", "scheduled")]
    assert q(db, "SELECT status, continued_to FROM hearings WHERE id = ?", hid) == [
        ("continued", new)
    ]
    assert stage_of(db, first) == "ruled" and stage_of(db, second) == "awaiting_hearing"
    at(monkeypatch, "2026-12-01")
    ok(db, "hearing", "outcome", str(new), "--all", "--outcome", "granted", "--as", "judge")
    assert q(db, "SELECT status FROM matters WHERE id = ?", mid) == [("ruled",)]
    # A second case from the court file for the same person joins their record.
    sid = q(db, "SELECT subject_id FROM matters WHERE id = ?", mid)[0][0]
    other = js(
        ok(
            db,
            "matter",
            "open",
            "--court-file",
            "--subject",
            str(sid),
            "--case",
            "FSB2500010",
            "--entry",
            "1|11357(a) HS|M|2010-05-05|",
            "--kind",
            "application",
            "--filed",
            "2026-12-01",
            "--filer",
            "person",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]
    assert q(db, "SELECT subject_id FROM matters WHERE id = ?", other) == [(sid,)]
    assert q(
        db, "SELECT COUNT(DISTINCT cnt_order), COUNT(*) FROM counts WHERE subject_id = ?", sid
    ) == [(3, 3)]
    audit_ok(db)
