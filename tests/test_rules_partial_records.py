"""Issue 13 §3 (never decide on a partial record) and §4 (related charges and plea bargains across
the whole cycle), table-driven: DOJ rows written by tests/dojrows.py, imported with the real
importer, evaluated with the real engine at as-of 2020-07-01 (domain spec §5.3-5.6, §7.1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from dojrows import Conv, Person, write_file
from test_rules_scenarios import POLICIES

from desktop.evaluation.runs import evaluate_county
from desktop.records.importer import import_file
from desktop.rules.policy import load_policy
from desktop.store import open_db

AS_OF = date(2020, 7, 1)
POSS = "11357(B) HS-POSSESS MARIJUANA 28.5 GRAMS OR LESS"
SALE = "11359 HS-POSSESS MARIJUANA FOR SALE"
SELL = "11360(A) HS-SELL/TRANSPORT/ETC MARIJUANA"
MURDER = "187 PC-MURDER"
BURGLARY = "459 PC-BURGLARY"
ACCESSORY = "32 PC-ACCESSORY"
INTOX = "647(F) PC-DISORDERLY CONDUCT:INTOX DRUG/ALCOH"


def person(dob: str, *convs: Conv, **kw) -> Person:
    return Person(name="ROE,RICHARD", dob=dob, subject_id="66600001", convictions=list(convs), **kw)


# id, person, index of the count under test, {policy: (relief, target, flags present, flags
# absent)}, rejected rows expected, warnings expected as [(conviction index or None, column)].
SCENARIOS = [
    # -- partial dates (DOJ's 00 month/day) ------------------------------------------------------
    # A DOB year of 1970 proves age >= 21 at a 2005 offense: decided, flagged.
    (
        "P01",
        person("19700000", Conv(POSS, "M", "20050601")),
        0,
        {"STAT": ("dismiss_and_seal", None, ["date_partial"], ["record_inconsistent"])},
        0,
        [(0, "PRI_DOB")],
    ),
    # Born some time in 1987, offense 2008-06-01: 20 or 21 at the offense (infraction or lawful).
    (
        "P02",
        person("19870000", Conv(POSS, "M", "20080601")),
        0,
        {
            "STAT": ("needs_review", None, ["date_partial"], []),
            # MIXED dismisses every misdemeanor: the same answer at any age.
            "MIXED": ("dismiss_and_seal", None, [], []),
        },
        0,
        [(0, "PRI_DOB")],
    ),
    # Born in May 1987: 21 on 2008-06-01 whatever the day.
    (
        "P03",
        person("19870500", Conv(POSS, "M", "20080601")),
        0,
        {"STAT": ("dismiss_and_seal", None, ["date_partial"], [])},
        0,
        [(0, "PRI_DOB")],
    ),
    # Offense some time in 2016, judgment 2017-02: before or after Proposition 64.
    (
        "P04",
        person("19800101", Conv(SALE, "F", "20170201", cycle="20160000")),
        0,
        {"STAT": ("needs_review", None, ["date_partial"], ["offense_after_prop64"])},
        0,
        [(0, "CYC_DATE")],
    ),
    # Offense in March 2012: the month is enough.
    (
        "P05",
        person("19800101", Conv(SALE, "F", "20120601", cycle="20120300")),
        0,
        {"STAT": ("redesignate_misdemeanor", None, ["date_partial"], [])},
        0,
        [(0, "CYC_DATE")],
    ),
    # A murder conviction in 2005 and an 11359 offense in 2005, both year-only: the prior may or
    # may not be before the offense (a disqualifier either way must not be silently dropped).
    (
        "P06",
        person(
            "19700101",
            Conv(MURDER, "F", "20050000", cycle="20040601", sentence=None),
            Conv(SALE, "F", "20050601", cycle="20050000"),
        ),
        1,
        {"STAT": ("needs_review", None, ["date_partial"], [])},
        0,
        [(0, "STP_EVENT_DATE"), (0, "DISP_DATE"), (1, "CYC_DATE")],
    ),
    # The same murder conviction clearly in 1995: a disqualifying prior whatever the day.
    (
        "P07",
        person(
            "19700101",
            Conv(MURDER, "F", "19950000", cycle="19940601", sentence=None),
            Conv(SALE, "F", "20120601", cycle="20120000"),
        ),
        1,
        {"STAT": ("not_eligible", None, ["disqualifying_prior", "date_partial"], [])},
        0,
        [(0, "STP_EVENT_DATE"), (0, "DISP_DATE"), (1, "CYC_DATE")],
    ),
    # -- unreadable fields: kept unknown, the fallbacks of §7.1 -----------------------------------
    # CYC_DATE 'x': the offense date falls back to the disposition date.
    (
        "U01",
        person("19800101", Conv(POSS, "M", "20100601", cycle="x")),
        0,
        {"STAT": ("dismiss_and_seal", None, [], ["record_inconsistent"])},
        0,
        [(0, "CYC_DATE")],
    ),
    # DISP_DATE '#': the conviction date is the court event's date.
    (
        "U02",
        person("19800101", Conv(SALE, "F", "#", cycle="20110301", event="20110601")),
        0,
        {"STAT": ("redesignate_misdemeanor", None, [], ["record_inconsistent"])},
        0,
        [(0, "DISP_DATE")],
    ),
    # No readable conviction date at all: record_inconsistent, never a grant.
    (
        "U03",
        person("19800101", Conv(SALE, "F", "x", cycle="20110301", event="x")),
        0,
        {
            "STAT": ("needs_review", None, ["record_inconsistent"], []),
            "DISMISS_ALL": ("needs_review", None, ["record_inconsistent"], []),
        },
        0,
        [(0, "STP_EVENT_DATE"), (0, "DISP_DATE")],
    ),
    # A sentence length that is no number: the sentence is unknown (completed, flagged).
    (
        "U04",
        person("19800101", Conv(SALE, "F", "20150601", sentence_raw=("TEN", "Y"))),
        0,
        {"STAT": ("redesignate_misdemeanor", None, ["sentence_unknown"], ["serving_sentence"])},
        0,
        [(0, "SENT_LENGTH")],
    ),
    # A sentence unit that is no unit.
    (
        "U05",
        person("19800101", Conv(SALE, "F", "20150601", sentence_raw=("3", "W"))),
        0,
        {"STAT": ("redesignate_misdemeanor", None, ["sentence_unknown"], [])},
        0,
        [(0, "SENT_TIME_CODE")],
    ),
    # -- a sentence belongs to its court event ----------------------------------------------------
    # The sentence (10 years from 2015) is written on the second count only: both counts are
    # still being served, so both are on the resentencing path.
    (
        "E01",
        person(
            "19800101",
            Conv(SALE, "F", "20150601", sentence=None),
            Conv(SELL, "F", "20150601", sentence=(10, "Y"), same_cycle_as=0),
        ),
        0,
        {
            "STAT": (
                "resentence",
                "misdemeanor",
                ["serving_sentence", "sentence_from_event"],
                ["sentence_unknown"],
            )
        },
        0,
        [],
    ),
    # Same event, sentence completed: the first count is completed too (not "unknown").
    (
        "E02",
        person(
            "19800101",
            Conv(SALE, "F", "20100601", sentence=None),
            Conv(SELL, "F", "20100601", sentence=(1, "Y"), same_cycle_as=0),
        ),
        0,
        {
            "STAT": (
                "redesignate_misdemeanor",
                None,
                ["sentence_from_event"],
                ["sentence_unknown", "serving_sentence"],
            )
        },
        0,
        [],
    ),
    # A sentence in another court event is not this count's.
    (
        "E03",
        person(
            "19800101",
            Conv(SALE, "F", "20150601", sentence=None),
            Conv(SELL, "F", "20150601", sentence=(10, "Y")),
        ),
        0,
        {
            "STAT": (
                "redesignate_misdemeanor",
                None,
                ["sentence_unknown"],
                ["sentence_from_event", "serving_sentence"],
            )
        },
        0,
        [],
    ),
    # -- rejected rows take the person with them --------------------------------------------------
    (
        "R01",
        person("19800101", Conv(POSS, "M", "20100601"), extra_rows=[{"CNT_ORDER": "12AB"}]),
        0,
        {
            "STAT": ("needs_review", None, ["record_incomplete"], []),
            "MIXED": ("needs_review", None, ["record_incomplete"], []),
        },
        1,
        [],
    ),
    # A denial is not made on a partial record either.
    (
        "R02",
        person(
            "19800101",
            Conv(MURDER, "F", "19950301"),
            Conv(SALE, "F", "20120601"),
            extra_rows=[{"CNT_ORDER": "", "OFFENSE_DESCR": "187 PC-MURDER"}],
        ),
        1,
        {"STAT": ("needs_review", None, ["record_incomplete", "disqualifying_prior"], [])},
        1,
        [],
    ),
    # -- impossible ages and deceased persons -----------------------------------------------------
    (
        "A01",
        person("20000101", Conv(POSS, "M", "20130601", cycle="20120601")),
        0,
        {
            "STAT": ("needs_review", None, ["record_inconsistent"], []),
            "DISMISS_ALL": ("needs_review", None, ["record_inconsistent"], []),
        },
        0,
        [],
    ),
    # The same age in a juvenile court: R1, not an inconsistency.
    (
        "A02",
        person("20000101", Conv(POSS, "M", "20130601", cycle="20120601", juvenile=True)),
        0,
        {"STAT": ("needs_review", None, ["juvenile"], ["record_inconsistent"])},
        0,
        [],
    ),
    # 14 at the offense in adult court is possible (T33 is 17).
    (
        "A03",
        person("19970101", Conv(SELL, "F", "20110601", cycle="20110301")),
        0,
        {"STAT": ("redesignate_infraction", None, [], ["record_inconsistent"])},
        0,
        [],
    ),
    # Serving until 2025 but deceased: redesignation, never resentencing.
    (
        "D01",
        person("19800101", Conv(SALE, "F", "20150601", sentence=(10, "Y")), deceased="20190901"),
        0,
        {
            "STAT": ("redesignate_misdemeanor", None, ["deceased"], ["serving_sentence"]),
            "MIXED": ("dismiss_and_seal", None, ["deceased"], []),
        },
        0,
        [],
    ),
    # -- §4 related charges and plea bargains over the whole cycle -------------------------------
    # PC 32 conviction; the cycle's 11359 charge appears only at arrest: a plea bargain (yes).
    (
        "Q01",
        person(
            "19800101",
            Conv(SALE, "F", "20120601", arrest=True),
            Conv(ACCESSORY, "F", "20120601", same_cycle_as=0),
        ),
        1,
        {
            "SF": ("redesignate_misdemeanor", None, ["plea_bargain", "policy_relief"], []),
            "STAT": ("not_eligible", None, ["out_of_scope_section"], []),
        },
        0,
        [],
    ),
    # ... with a burglary arrest in the cycle too: maybe.
    (
        "Q02",
        person(
            "19800101",
            Conv(SALE, "F", "20120601", arrest=True),
            Conv(BURGLARY, "F", "20120601", arrest=True, same_cycle_as=0),
            Conv(ACCESSORY, "F", "20120601", same_cycle_as=0),
        ),
        2,
        {"SF": ("needs_review", None, ["plea_bargain"], ["policy_relief"])},
        0,
        [],
    ),
    # ... the burglary charge rejected by the prosecutor is ignored: yes.
    (
        "Q03",
        person(
            "19800101",
            Conv(SALE, "F", "20120601", arrest=True),
            Conv(
                BURGLARY,
                "F",
                "20120601",
                same_cycle_as=0,
                disposition="PROS REJ-INSUFFICIENT EVIDENCE",
            ),
            Conv(ACCESSORY, "F", "20120601", same_cycle_as=0),
        ),
        2,
        {"SF": ("redesignate_misdemeanor", None, ["plea_bargain"], [])},
        0,
        [],
    ),
    # The 11359 charge dismissed in court, the PC 32 conviction stands: yes.
    (
        "Q04",
        person(
            "19800101",
            Conv(SALE, "F", "20120601", disposition="DISMISSED"),
            Conv(ACCESSORY, "F", "20120601", same_cycle_as=0),
        ),
        1,
        {"SF": ("redesignate_misdemeanor", None, ["plea_bargain"], [])},
        0,
        [],
    ),
    # An 11359 conviction, PC 32, and a burglary count dismissed in court: the dismissed count
    # is part of the cycle, so maybe.
    (
        "Q05",
        person(
            "19800101",
            Conv(SALE, "F", "20120601"),
            Conv(ACCESSORY, "F", "20120601", same_cycle_as=0),
            Conv(BURGLARY, "F", "20120601", same_cycle_as=0, disposition="DISMISSED"),
        ),
        1,
        {"SF": ("needs_review", None, ["plea_bargain"], [])},
        0,
        [],
    ),
    # The arrest-only charge would not be granted (a murder prior keeps 11359 a felony): maybe.
    (
        "Q06",
        person(
            "19700101",
            Conv(MURDER, "F", "19950301"),
            Conv(SALE, "F", "20120601", arrest=True),
            Conv(ACCESSORY, "F", "20120601", same_cycle_as=1),
        ),
        2,
        {"SF": ("needs_review", None, ["plea_bargain"], ["policy_relief"])},
        0,
        [],
    ),
    # SJ related charge, the cycle's Prop 64 charge only at arrest: maybe.
    (
        "Q07",
        person(
            "19800101",
            Conv(POSS, "M", "20100601", arrest=True),
            Conv(INTOX, "M", "20100601", same_cycle_as=0),
        ),
        1,
        {"SJ": ("needs_review", None, ["related_charge"], ["policy_relief"])},
        0,
        [],
    ),
]

# The scenarios the golden-output test also covers (tests/engine_golden.py): same shape as
# test_rules_scenarios.SCENARIOS.
GOLDEN_SCENARIOS = [(sid, p, idx, exp, None) for sid, p, idx, exp, _rej, _warn in SCENARIOS]
CASES = [(sid, pol) for sid, _p, _i, exp, _r, _w in SCENARIOS for pol in exp]


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    out = {}
    for sid, p, idx, _exp, rejected, warned in SCENARIOS:
        d = tmp_path_factory.mktemp(sid)
        lines = write_file(d / f"{sid}.csv", [p])
        db = open_db(d / "db.sqlite3")
        s = import_file(db, d / f"{sid}.csv")
        assert s.rows_rejected == rejected, sid
        assert s.rows_kept == s.rows_read - rejected, sid
        got = db.conn.execute(
            "SELECT line, column_name FROM row_warnings ORDER BY line, id"
        ).fetchall()
        assert got == [(lines[(p.subject_id, i)], col) for i, col in warned], sid
        out[sid] = (db, lines[(p.subject_id, idx)])
    return out


def determination(db, line: int, policy) -> tuple[str, str | None, set[str], dict]:
    import json

    run = evaluate_county(db, "SAN BERNARDINO", policy, AS_OF, backup=False)
    row = db.conn.execute(
        "SELECT d.relief, d.resentence_target, d.flags, d.explanation"
        " FROM determinations d JOIN counts c ON c.id = d.count_id"
        " WHERE d.run_id = ? AND c.source_line = ?",
        (run, line),
    ).fetchone()
    assert row is not None, f"no determination for line {line}"
    return row[0], row[1], set(filter(None, row[2].split(";"))), json.loads(row[3])


@pytest.mark.parametrize(("sid", "pol"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_partial_record_scenario(databases, sid, pol):
    db, line = databases[sid]
    expected = next(exp for s, _p, _i, exp, _r, _w in SCENARIOS if s == sid)[pol]
    relief, target, flags, _expl = determination(db, line, load_policy(POLICIES[pol]))
    want_relief, want_target, must, must_not = expected
    assert (relief, target) == (want_relief, want_target), f"flags: {sorted(flags)}"
    assert set(must) <= flags, f"missing flags {set(must) - flags}; have {sorted(flags)}"
    assert not (set(must_not) & flags), f"unexpected flags {set(must_not) & flags}"


def test_record_incomplete_names_the_rejected_lines(databases):
    db, line = databases["R01"]
    _r, _t, _f, expl = determination(db, line, load_policy("statute"))
    step = next(s for s in expl["steps"] if s["rule"] == "RX.record_incomplete")
    rejected = db.conn.execute("SELECT line FROM rejected_rows").fetchone()[0]
    assert f"line {rejected}" in step["text"]
    assert step["facts"]["rejected_lines"][0]["line"] == rejected
    assert step["facts"]["found"] == "dismiss_and_seal"  # what the rest alone would give


def test_partial_date_steps_say_what_is_unknown(databases):
    db, line = databases["P02"]
    _r, _t, _f, expl = determination(db, line, load_policy("statute"))
    step = next(s for s in expl["steps"] if s["rule"] == "RX.partial_date")
    assert "date of birth (year 1987 only)" in step["text"]
    assert any("dismiss and seal" in o for o in step["facts"]["outcomes"])
    assert any("infraction" in o for o in step["facts"]["outcomes"])
    db, line = databases["P01"]
    _r, _t, _f, expl = determination(db, line, load_policy("statute"))
    assert [s["rule"] for s in expl["steps"]][-1] == "RX.partial_date"


def test_partial_dates_are_stored_with_the_precision_known(databases):
    db, _line = databases["P01"]
    assert db.conn.execute("SELECT dob FROM subjects").fetchone() == ("1970",)
    db, _line = databases["P05"]
    assert db.conn.execute("SELECT cycle_date FROM counts").fetchone() == ("2012-03",)


def test_file_whose_only_fault_is_unreadable_dates(tmp_path):
    """Placeholders in CYC_DATE or DISP_DATE, as some county test files carry: every row is kept,
    each fault is a warning (line, column, value), and relief is decided from the dates left."""
    people = [
        Person(
            name="ROE,ANN",
            dob="19800101",
            subject_id="66600011",
            convictions=[
                Conv(POSS, "M", "20100601", cycle="x"),
                Conv(SALE, "F", "x", cycle="20110301", event="20110601"),
            ],
        ),
        Person(
            name="ROE,BEN",
            dob="19750101",
            subject_id="66600012",
            convictions=[
                Conv(SELL, "F", "20090301", cycle="#"),
                Conv(BURGLARY, "F", "x", cycle="x", event="20030101"),
            ],
        ),
        Person(
            name="ROE,CY",
            dob="19800101",
            subject_id="66600013",
            convictions=[Conv(POSS, "M", "20080601", cycle="  -  ")],
        ),  # DOJ's blank filler: no warning
    ]
    f = tmp_path / "placeholders.csv"
    lines = write_file(f, people)
    db = open_db(tmp_path / "db.sqlite3")
    s = import_file(db, f)
    assert (s.rows_rejected, s.rows_kept) == (0, s.rows_read) and s.rows_read == 5
    warnings = db.conn.execute(
        "SELECT line, column_name, value, subject_key FROM row_warnings ORDER BY line, id"
    ).fetchall()
    assert warnings == [
        (lines[("66600011", 0)], "CYC_DATE", "x", "66600011"),
        (lines[("66600011", 1)], "DISP_DATE", "x", "66600011"),
        (lines[("66600012", 0)], "CYC_DATE", "#", "66600012"),
        (lines[("66600012", 1)], "CYC_DATE", "x", "66600012"),
        (lines[("66600012", 1)], "DISP_DATE", "x", "66600012"),
    ]
    assert s.warnings == 5
    run = evaluate_county(db, "SAN BERNARDINO", load_policy("statute"), AS_OF, backup=False)
    got = {
        line: (relief, flags)
        for line, relief, flags in db.conn.execute(
            "SELECT c.source_line, d.relief, d.flags FROM determinations d JOIN counts c"
            " ON c.id = d.count_id WHERE d.run_id = ?",
            (run,),
        )
    }
    assert got[lines[("66600011", 0)]][0] == "dismiss_and_seal"  # offense = disposition
    assert got[lines[("66600011", 1)]][0] == "redesignate_misdemeanor"  # conviction = event
    assert got[lines[("66600012", 0)]][0] == "redesignate_misdemeanor"
    assert got[lines[("66600013", 0)]][0] == "dismiss_and_seal"
    assert not any("record_inconsistent" in fl for _r, fl in got.values())


def test_cli_lists_warnings_and_wizard_summary_counts_them(tmp_path, capsys, monkeypatch):
    from readers import READER_PASSWORD, add_reader

    from desktop.cli.main import main

    f = tmp_path / "w.csv"
    write_file(f, [person("19700000", Conv(POSS, "M", "20050601", cycle="x"))])
    dbp = tmp_path / "db.sqlite3"
    assert main(["--db", str(dbp), "import", str(f)]) == 0
    out = capsys.readouterr().out
    assert "2 fields could not be read" in out and "reliefdesk warnings --import 1" in out
    assert main(["--db", str(dbp), "warnings"]) == 4  # reading the records needs a sign-in
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)
    capsys.readouterr()
    assert main(["--db", str(dbp), "warnings", *add_reader(dbp)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0] == "import_id,file,line,column,value,reason,subject_id"
    assert [r.split(",")[3:5] for r in listing[1:]] == [["PRI_DOB", "19700000"], ["CYC_DATE", "x"]]


def test_shipped_schema_has_the_warning_table(tmp_path):
    db = open_db(Path(tmp_path) / "db.sqlite3")
    cols = {r[1] for r in db.conn.execute("PRAGMA table_info(row_warnings)")}
    assert {"import_id", "line", "column_name", "value", "reason", "subject_key"} <= cols
    assert "subject_key" in {r[1] for r in db.conn.execute("PRAGMA table_info(rejected_rows)")}


@pytest.mark.parametrize(
    ("disposition", "rejected"),
    [
        ("PROS REJ-INSUFFICIENT EVIDENCE", True),
        ("PROSECUTOR REJECTED", True),
        ("DA REJECT", True),
        ("DISTRICT ATTORNEY REJECTED CHARGE", True),
        ("REJECTED BY PROSECUTOR", True),
        ("PROS REL-REJECT", True),
        ("DISMISSED", False),
        ("CONVICTED", False),
        ("DISMISSED-FURTHERANCE OF JUSTICE", False),
        (None, False),
    ],
)
def test_prosecutor_rejected_counts_are_recognised(disposition, rejected):
    from desktop.law.normalize import parse_section
    from desktop.rules.engine import _prosecutor_rejected
    from desktop.rules.model import CountFacts

    sec = parse_section("459 PC")
    assert sec is not None
    c = CountFacts(
        id=1,
        case_id=1,
        case_number="C1",
        cnt_order="001002001000",
        count_no=1,
        county="SAN BERNARDINO",
        offense_text=sec.text,
        section=sec.section,
        base=sec.base,
        code=sec.code,
        level="F",
        convicted=False,
        conviction_date=None,
        cycle_date=None,
        sentence_end=None,
        juvenile=False,
        disposition=disposition,
    )
    assert _prosecutor_rejected(c) is rejected
