"""Domain spec §7.2 acceptance scenarios T01-T34, each built as DOJ rows, imported with the real
importer and evaluated with the real engine at as-of 2020-07-01."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from dojrows import Conv, Person, write_file

from desktop.evaluation.runs import evaluate_county
from desktop.records.importer import import_file
from desktop.records.responses import import_responses
from desktop.rules.policy import from_dict, load_policy
from desktop.store import open_db

SAMPLE = Path(__file__).resolve().parent / "data" / "gogen-sample"
POLICIES = {
    "STAT": "statute",
    "LA": "los-angeles",
    "SF": "san-francisco",
    "SJ": "san-joaquin",
    "MIXED": str(SAMPLE / "mixed" / "options.json"),
    "DISMISS_ALL": str(SAMPLE / "dismiss_all" / "options.json"),
}
AS_OF = date(2020, 7, 1)
P64 = {
    "11357A": "11357(A) HS-POSSESS CONCENTRATED CANNABIS",
    "11357B": "11357(B) HS-POSSESS MARIJUANA 28.5 GRAMS OR LESS",
    "11357C": "11357(C) HS-POSSESS MARIJUANA OVER 28.5 GRAMS",
    "11357B_I": "11357(B) HS-POSSESS MARIJUANA",
    "11358": "11358 HS-CULTIVATE MARIJUANA",
    "11359": "11359 HS-POSSESS MARIJUANA FOR SALE",
    "11360": "11360 HS-SELL/TRANSPORT/ETC MARIJUANA",
    "11360A": "11360(A) HS-SELL/TRANSPORT/ETC MARIJUANA",
    "11360B": "11360(B) HS-GIVE/TRANSPORT MARIJUANA 28.5 GRAMS OR LESS",
}
OTHER = "459 PC-BURGLARY"
MURDER = "187 PC-MURDER"


def person(dob: str, *convs: Conv, **kw) -> Person:
    return Person(name="DOE,JANE Q", dob=dob, subject_id="55500001", convictions=list(convs), **kw)


# id, person, index of the count under test, {policy: (relief, target, flags that must be present,
# flags that must be absent)}, prosecution responses CSV body
SCENARIOS = [
    (
        "T01",
        person("19800101", Conv(P64["11357B"], "M", "20100601")),
        0,
        {"STAT": ("dismiss_and_seal", None, [], ["policy_relief"])},
        None,
    ),
    (
        "T02",
        person("19900101", Conv(P64["11357B"], "M", "20090601")),
        0,
        {
            "STAT": ("redesignate_infraction", None, [], []),
            "MIXED": ("dismiss_and_seal", None, ["policy_relief"], []),
        },
        None,
    ),
    (
        "T03",
        person("19770101", Conv(P64["11357C"], "M", "20120601")),
        0,
        {
            "STAT": ("not_eligible", None, [], []),
            "DISMISS_ALL": ("dismiss_and_seal", None, ["policy_relief"], []),
        },
        None,
    ),
    (
        "T04",
        person("19880101", Conv(P64["11357A"], "F", "20130601")),
        0,
        {
            "STAT": ("redesignate_misdemeanor", None, ["unknown_quantity"], []),
            "MIXED": ("dismiss_and_seal", None, [], []),
        },
        None,
    ),
    (
        "T05",
        person("19700101", Conv(MURDER, "F", "19950301"), Conv(P64["11357A"], "F", "20120601")),
        1,
        {"STAT": ("redesignate_misdemeanor", None, [], ["disqualifying_prior"])},
        None,
    ),
    (
        "T06",
        person("19720101", Conv(P64["11358"], "F", "20120601")),
        0,
        {
            "STAT": ("redesignate_misdemeanor", None, ["unknown_quantity"], []),
            "MIXED": ("dismiss_and_seal", None, [], []),
        },
        None,
    ),
    (
        "T07",
        person("19800101", Conv(P64["11359"], "F", "20150501"), Conv(OTHER, "F", "20180301")),
        0,
        {"MIXED": ("redesignate_misdemeanor", None, [], ["policy_relief"])},
        None,
    ),
    (
        "T08",
        person("19830101", Conv(P64["11359"], "F", "20080601"), Conv(OTHER, "F", "20150301")),
        0,
        {
            "MIXED": ("dismiss_and_seal", None, ["policy_relief"], []),
            "STAT": ("redesignate_misdemeanor", None, [], []),
        },
        None,
    ),
    (
        "T09",
        person("19920101", Conv(P64["11360A"], "F", "20120201"), Conv(OTHER, "F", "20190301")),
        0,
        {
            "MIXED": ("dismiss_and_seal", None, [], []),
            "STAT": ("redesignate_misdemeanor", None, [], []),
        },
        None,
    ),
    (
        "T10",
        person("19650101", Conv(P64["11360"], "F", "20000601"), Conv(OTHER, "F", "20150301")),
        0,
        {
            "MIXED": ("dismiss_and_seal", None, [], []),
            "LA": ("dismiss_and_seal", None, [], []),
            "STAT": ("redesignate_misdemeanor", None, [], []),
        },
        None,
    ),
    (
        "T11",
        person("19850101", Conv(OTHER, "F", "20030301"), Conv(P64["11359"], "F", "20050601")),
        1,
        {"LA": ("dismiss_and_seal", None, [], [])},
        None,
    ),
    (
        "T12",
        person("19900101", Conv(P64["11360"], "F", "20090301"), Conv(OTHER, "F", "20180301")),
        0,
        {"LA": ("needs_review", None, [], []), "MIXED": ("dismiss_and_seal", None, [], [])},
        None,
    ),
    (
        "T13",
        person(
            "19700101",
            Conv(P64["11359"], "F", "20050601"),
            Conv(P64["11359"], "F", "20090601"),
            Conv(P64["11359"], "F", "20140601"),
        ),
        2,
        {
            "STAT": ("redesignate_misdemeanor", None, ["two_priors"], []),
            "LA": ("not_eligible", None, ["two_priors"], []),
            "SF": ("not_eligible", None, ["two_priors"], []),
        },
        None,
    ),
    (
        "T14",
        person("19700101", Conv(MURDER, "F", "19950301"), Conv(P64["11359"], "F", "20120601")),
        1,
        {"STAT": ("not_eligible", None, ["disqualifying_prior"], [])},
        None,
    ),
    (
        "T15",
        person(
            "19700101",
            Conv(MURDER, "F", "19950301"),
            Conv(P64["11359"], "F", "20120601", case_number="FSB15001"),
        ),
        1,
        {
            "STAT": (
                "redesignate_misdemeanor",
                None,
                ["disqualifying_prior", "prosecution_not_challenged"],
                [],
            )
        },
        "case_number,count,response,ground,date\nFSB15001,,not_challenged,,2020-06-15\n",
    ),
    (
        "T16",
        person("19700101", Conv(P64["11359"], "F", "20120601"), Conv(MURDER, "F", "20150301")),
        0,
        {
            "STAT": ("redesignate_misdemeanor", None, [], ["disqualifying_prior"]),
            "SF": ("not_eligible", None, ["disqualifying_prior"], []),
        },
        None,
    ),
    (
        "T17",
        person("19700101", Conv(P64["11358"], "F", "20140601"), registration="20000101"),
        0,
        {
            "STAT": ("needs_review", None, ["registration_only"], []),
            "LA": ("not_eligible", None, ["registration_only"], []),
        },
        None,
    ),
    (
        "T18",
        person(
            "19800101",
            Conv("11360(A)(3)(C) HS-SELL MARIJUANA TO MINOR", "F", "20180301", cycle="20171201"),
        ),
        0,
        {
            "STAT": ("not_eligible", None, ["offense_after_prop64"], []),
            "MIXED": ("not_eligible", None, ["offense_after_prop64"], []),
        },
        None,
    ),
    (
        "T19",
        person("19800101", Conv("11359(D) HS-HIRE MINOR", "F", "20181101", cycle="20180601")),
        0,
        {
            "STAT": ("not_eligible", None, ["offense_after_prop64"], []),
            "DISMISS_ALL": ("not_eligible", None, ["offense_after_prop64"], []),
        },
        None,
    ),
    (
        "T20",
        person("19800101", Conv(P64["11359"], "F", "20170201", cycle="20160601")),
        0,
        {
            "STAT": ("needs_review", None, ["judgment_after_prop64"], []),
            "LA": ("not_eligible", None, ["judgment_after_prop64"], []),
            "SJ": ("not_eligible", None, ["judgment_after_prop64"], []),
        },
        None,
    ),
    (
        "T21",
        person("19800101", Conv(P64["11359"], "F", "20150101", sentence=(6, "Y"))),
        0,
        {"STAT": ("resentence", "misdemeanor", ["serving_sentence"], [])},
        None,
    ),
    (
        "T22",
        person(
            "19850601", Conv(P64["11358"], "F", "20160110", sentence=(5, "Y"), comment="4 PLANTS")
        ),
        0,
        {"STAT": ("resentence", "dismissed", ["serving_sentence"], ["unknown_quantity"])},
        None,
    ),
    (
        "T23",
        person(
            "19800101",
            Conv(P64["11359"], "F", "20120601"),
            Conv(OTHER, "F", "20190301"),
            deceased="20190901",
        ),
        0,
        {
            "MIXED": ("dismiss_and_seal", None, [], []),
            "STAT": ("redesignate_misdemeanor", None, [], []),
        },
        None,
    ),
    (
        "T24",
        person(
            "19750101", Conv(P64["11357B"], "M", "20090601"), Conv(P64["11360"], "F", "20110501")
        ),
        1,
        {"MIXED": ("dismiss_and_seal", None, [], [])},
        None,
    ),
    (
        "T25",
        person(
            "19800101",
            Conv(P64["11357B"], "M", "20100601"),
            Conv("647(F) PC-DISORDERLY CONDUCT:INTOX DRUG/ALCOH", "M", "20100601", same_cycle_as=0),
        ),
        1,
        {
            "SJ": ("dismiss_and_seal", None, ["related_charge", "policy_relief"], []),
            "STAT": ("not_eligible", None, ["out_of_scope_section"], []),
        },
        None,
    ),
    (
        "T26",
        person(
            "19800101",
            Conv(P64["11360"], "F", "20100601"),
            Conv("4060 BP-POSSESS CTRL SUBSTNCE", "M", "20100601", same_cycle_as=0),
        ),
        1,
        {"SJ": ("needs_review", None, [], [])},
        None,
    ),
    (
        "T27a",
        person(
            "19800101",
            Conv(P64["11359"], "F", "20120601"),
            Conv("32 PC-ACCESSORY", "F", "20120601", same_cycle_as=0),
        ),
        1,
        {
            "SF": ("redesignate_misdemeanor", None, ["plea_bargain"], []),
            "STAT": ("not_eligible", None, ["out_of_scope_section"], []),
        },
        None,
    ),
    (
        "T27b",
        person(
            "19800101",
            Conv(P64["11359"], "F", "20120601"),
            Conv("32 PC-ACCESSORY", "F", "20120601", same_cycle_as=0),
            Conv("459 PC-BURGLARY", "F", "20120601", same_cycle_as=0),
        ),
        1,
        {
            "SF": ("needs_review", None, ["plea_bargain"], []),
            "STAT": ("not_eligible", None, ["out_of_scope_section"], []),
        },
        None,
    ),
    (
        "T28",
        person("19800101", Conv("11357.5 HS-POSSESS SYNTHETIC CANNABINOID", "M", "20150601")),
        0,
        {
            "STAT": ("not_eligible", None, ["out_of_scope_section"], []),
            "MIXED": ("not_eligible", None, ["out_of_scope_section"], []),
        },
        None,
    ),
    (
        "T29",
        person("19950101", Conv(P64["11359"], "F", "20110601", juvenile=True)),
        0,
        {
            "STAT": ("needs_review", None, ["juvenile"], []),
            "MIXED": ("needs_review", None, ["juvenile"], []),
        },
        None,
    ),
    (
        "T30",
        person("19780101", Conv(P64["11360B"], "M", "20080601")),
        0,
        {"STAT": ("dismiss_and_seal", None, [], [])},
        None,
    ),
    (
        "T31",
        person("19800101", Conv(P64["11359"], "F", "20120601", case_number="FSB31001")),
        0,
        {"STAT": ("needs_review", None, ["prosecution_challenged"], [])},
        "case_number,count,response,ground,date\nFSB31001,1,challenged,public_safety,2020-06-20\n",
    ),
    (
        "T32",
        person("19870101", Conv(P64["11357B_I"], "I", "20120601")),
        0,
        {"STAT": ("dismiss_and_seal", None, [], [])},
        None,
    ),
    (
        "T33",
        person("19960101", Conv(P64["11360A"], "F", "20130601")),
        0,
        {"STAT": ("redesignate_infraction", None, [], [])},
        None,
    ),
    (
        "T34",
        person(
            "19700101",
            Conv(P64["11358"], "F", "20110601"),
            Conv("1052 WC-UNAUTHORIZED DIVERSION OF WATER", "M", "20110601", same_cycle_as=0),
        ),
        0,
        {"STAT": ("not_eligible", None, ["environmental_violation"], [])},
        None,
    ),
]

SCENARIOS += [
    # An 11357 misdemeanor with no subdivision and no amount: relief turns on the amount.
    (
        "X01",
        person("19800101", Conv("11357 HS-POSSESS MARIJUANA", "M", "20100601")),
        0,
        {
            "STAT": ("needs_review", None, ["unknown_quantity"], []),
            "MIXED": ("dismiss_and_seal", None, ["policy_relief"], []),
        },
        None,
    ),
    # T34 with the environmental finding written in the comment rather than as a count.
    (
        "X02",
        person(
            "19700101",
            Conv(P64["11358"], "F", "20110601", comment="COURT FINDING: WATER CODE 1052 DIVERSION"),
        ),
        0,
        {
            "STAT": ("not_eligible", None, ["environmental_violation"], []),
            "DISMISS_ALL": ("not_eligible", None, ["environmental_violation"], []),
        },
        None,
    ),
    # A pre-AUMA 11360 misdemeanor (no subdivision) was the (b) gift offence.
    (
        "X03",
        person("19780101", Conv("11360 HS-GIVE/TRANSPORT MARIJUANA", "M", "20080601")),
        0,
        {"STAT": ("dismiss_and_seal", None, [], [])},
        None,
    ),
    # A conviction dated before the person's birth is a record problem, never a grant.
    (
        "X04",
        person("19900101", Conv(P64["11359"], "F", "19850601")),
        0,
        {
            "STAT": ("needs_review", None, ["record_inconsistent"], []),
            "DISMISS_ALL": ("needs_review", None, ["record_inconsistent"], []),
        },
        None,
    ),
]

CASES = [(sid, pol) for sid, _p, _i, exp, _r in SCENARIOS for pol in exp]


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    """One database per scenario, imported once; evaluated per policy in the tests."""
    out = {}
    for sid, p, idx, _exp, responses in SCENARIOS:
        d = tmp_path_factory.mktemp(sid)
        lines = write_file(d / f"{sid}.csv", [p])
        db = open_db(d / "db.sqlite3")
        s = import_file(db, d / f"{sid}.csv")
        assert s.rows_rejected == 0
        if responses:
            (d / "responses.csv").write_text(responses)
            import_responses(db, d / "responses.csv")
        out[sid] = (db, lines[(p.subject_id, idx)])
    return out


def determination(db, line: int, policy) -> tuple[str, str | None, set[str]]:
    run = evaluate_county(db, "SAN BERNARDINO", policy, AS_OF)
    row = db.conn.execute(
        "SELECT d.relief, d.resentence_target, d.flags FROM determinations d"
        " JOIN counts c ON c.id = d.count_id WHERE d.run_id = ? AND"
        " c.source_line = ?",
        (run, line),
    ).fetchone()
    assert row is not None, f"no determination for line {line}"
    return row[0], row[1], set(filter(None, row[2].split(";")))


@pytest.mark.parametrize(("sid", "pol"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_scenario(databases, sid, pol):
    db, line = databases[sid]
    expected = next(exp for s, _p, _i, exp, _r in SCENARIOS if s == sid)[pol]
    relief, target, flags = determination(db, line, load_policy(POLICIES[pol]))
    want_relief, want_target, must, must_not = expected
    assert (relief, target) == (want_relief, want_target), f"flags: {sorted(flags)}"
    assert set(must) <= flags, f"missing flags {set(must) - flags}; have {sorted(flags)}"
    assert not (set(must_not) & flags), f"unexpected flags {set(must_not) & flags}"


def test_t30_policy_switch_gift_not_presumed_lawful(databases):
    """AMB T30: with the 11360(b) presumption switched off the gift is an infraction."""
    db, line = databases["T30"]
    strict = from_dict(
        {
            "name": "statute-strict",
            "version": "t",
            "interpretation": {"presume_11360b_lawful": False},
        }
    )
    assert determination(db, line, strict)[:2] == ("redesignate_infraction", None)


def test_t20_policy_switch(databases):
    db, line = databases["T20"]
    p = from_dict(
        {"name": "x", "version": "t", "interpretation": {"judgment_after_prop64": "not_eligible"}}
    )
    assert determination(db, line, p)[0] == "not_eligible"
