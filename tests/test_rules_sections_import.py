"""Issue 13 §1-§2 through the real importer: DOJ rows in (tests/dojrows.py), determinations out
(statute policy, as of 2020-07-01). Each case is a person with a felony HS 11359 of 2012 and a
prior written the way DOJ writes it, or a cannabis count written in a DOJ spelling."""

from __future__ import annotations

import json
from datetime import date

import pytest
from dojrows import Conv, Person, write_file

from desktop.evaluation.runs import evaluate_county
from desktop.records.importer import import_file
from desktop.rules.policy import load_policy
from desktop.store import open_db

AS_OF = date(2020, 7, 1)
SALE = "11359 HS-POSSESS MARIJUANA FOR SALE"
GRANT = ("redesignate_misdemeanor", set())
DENY = ("not_eligible", {"disqualifying_prior"})
MAYBE = ("needs_review", {"possible_disqualifier"})


def prior(text: str, level: str = "F", **kw) -> Conv:
    return Conv(text, level, "19950301", **kw)


# id, convictions (the last one is the count under test unless `index` says otherwise),
# expected (relief, flags that must be present), index of the count under test
CASES: list[tuple[str, list[Conv], tuple[str, set[str]], int]] = [
    # Homicide 187-191.5 inclusive, and attempts in every joiner.
    (
        "murder-attempt-slash",
        [prior("664/187(A) PC-ATTEMPTED MURDER"), Conv(SALE, "F", "20120601")],
        DENY,
        1,
    ),
    (
        "murder-attempt-hyphen",
        [prior("664-187 PC-ATTEMPT MURDER"), Conv(SALE, "F", "20120601")],
        DENY,
        1,
    ),
    ("murder-attempt-dot", [prior("664.187 PC"), Conv(SALE, "F", "20120601")], DENY, 1),
    ("murder-attempt-glued", [prior("664187(A) PC"), Conv(SALE, "F", "20120601")], DENY, 1),
    ("murder-code-first", [prior("PC 187(A)"), Conv(SALE, "F", "20120601")], DENY, 1),
    (
        "special-circumstances-190.2",
        [prior("190.2(A)(17) PC-MURDER W/SPECIAL CIRCUMSTANCES"), Conv(SALE, "F", "20120601")],
        DENY,
        1,
    ),
    (
        "gross-vehicular-191.5",
        [prior("191.5(A) PC-GROSS VEH MANSL W/INTOX"), Conv(SALE, "F", "20120601")],
        DENY,
        1,
    ),
    (
        "manslaughter-192-is-not",
        [prior("192(A) PC-MANSLAUGHTER:VOLUNTARY"), Conv(SALE, "F", "20120601")],
        GRANT,
        1,
    ),
    # A letter glued to a section number is part of it (§6.0).
    ("288A-is-288a", [prior("288A PC-ORAL COPULATION"), Conv(SALE, "F", "20120601")], DENY, 1),
    (
        "273AB-superstrike",
        [prior("273AB PC-ASSAULT CHILD CAUSING DEATH"), Conv(SALE, "F", "20120601")],
        DENY,
        1,
    ),
    (
        "273A-is-not",
        [prior("273A(A) PC-CHILD ENDANGERMENT"), Conv(SALE, "F", "20120601")],
        GRANT,
        1,
    ),
    ("266J-pc290", [prior("266J PC-PROCURE CHILD UNDER 16"), Conv(SALE, "F", "20120601")], DENY, 1),
    (
        "653F(B)-solicit-murder",
        [prior("653F(B) PC-SOLICIT MURDER"), Conv(SALE, "F", "20120601")],
        DENY,
        1,
    ),
    ("653(F)-is-not", [prior("653(F) PC-X"), Conv(SALE, "F", "20120601")], GRANT, 1),
    (
        "647A-former-647a",
        [prior("647A PC-ANNOY/MOLEST CHILD", "M"), Conv(SALE, "F", "20120601")],
        DENY,
        1,
    ),
    (
        "647(A)-is-not",
        [prior("647(A) PC-DISORDERLY CONDUCT:LEWD", "M"), Conv(SALE, "F", "20120601")],
        GRANT,
        1,
    ),
    # Read more than one way / not at all: never a silent grant.
    ("trailing-noise-266J.11", [prior("266J.11 PC"), Conv(SALE, "F", "20120601")], MAYBE, 1),
    ("bare-letter-261A2", [prior("261A2 PC-RAPE"), Conv(SALE, "F", "20120601")], MAYBE, 1),
    ("subdivision-unknown-245", [prior("245 PC-ASSAULT"), Conv(SALE, "F", "20120601")], MAYBE, 1),
    (
        "subdivision-known-245(A)(1)",
        [prior("245(A)(1) PC-ADW"), Conv(SALE, "F", "20120601")],
        GRANT,
        1,
    ),
    (
        "unreadable-prior",
        [prior("MISC OFFENSE NOT ON FILE"), Conv(SALE, "F", "20120601")],
        ("needs_review", {"section_unreadable"}),
        1,
    ),
    # Life-term gang crimes with 186.22(b)(4).
    ("gang-hyphen", [prior("519-186.22(B)(4) PC"), Conv(SALE, "F", "20120601")], DENY, 1),
    ("gang-slash-reversed", [prior("186.22(B)(4)/136.1 PC"), Conv(SALE, "F", "20120601")], DENY, 1),
    (
        "gang-separate-counts",
        [
            prior("215 PC-CARJACKING"),
            prior("186.22(B)(4) PC-GANG", same_cycle_as=0),
            Conv(SALE, "F", "20120601"),
        ],
        DENY,
        2,
    ),
    (
        "gang-bare-enhancement",
        [prior("186.22(B)(4) PC-GANG"), Conv(SALE, "F", "20120601")],
        MAYBE,
        1,
    ),
    (
        "gang-term-unknown",
        [
            prior("246 PC-SHOOT INHAB DWELL"),
            prior("186.22 PC", same_cycle_as=0),
            Conv(SALE, "F", "20120601"),
        ],
        MAYBE,
        2,
    ),
    ("gang-crime-alone", [prior("519 PC-EXTORTION"), Conv(SALE, "F", "20120601")], GRANT, 1),
    (
        "gang-other-subdivision",
        [
            prior("519 PC-EXTORTION"),
            prior("186.22(B)(1) PC", same_cycle_as=0),
            Conv(SALE, "F", "20120601"),
        ],
        GRANT,
        2,
    ),
    # Cannabis counts in DOJ spellings: in scope like the offense.
    (
        "code-pc-miscoded",
        [Conv("11359 PC-POSSESS MARIJUANA FOR SALE", "F", "20120601")],
        ("redesignate_misdemeanor", {"code_corrected"}),
        0,
    ),
    ("code-first", [Conv("HS 11359", "F", "20120601")], GRANT, 0),
    ("leading-slash", [Conv("/11359 HS", "F", "20120601")], GRANT, 0),
    (
        "attempted-11359-slash",
        [Conv("664/11359 HS-ATTEMPT POSS FOR SALE", "F", "20120601")],
        GRANT,
        0,
    ),
    ("attempted-11359-hyphen", [Conv("664-11359 HS", "F", "20120601")], GRANT, 0),
    ("attempted-11359-dot", [Conv("664.11359 HS", "F", "20120601")], GRANT, 0),
    ("attempted-11359-glued", [Conv("66411359 HS", "F", "20120601")], GRANT, 0),
    ("conspiracy-11359", [Conv("182/11359 HS", "F", "20120601")], GRANT, 0),
    ("attempt-with-prior", [prior("664/187 PC"), Conv("664/11359 PC", "F", "20120601")], DENY, 1),
    (
        "synthetic-11357.5",
        [Conv("11357.5 HS-POSSESS SYNTHETIC CANNABINOID", "M", "20150601")],
        ("not_eligible", {"out_of_scope_section"}),
        0,
    ),
    (
        "cannabis-with-noise",
        [Conv("11360A.3 HS-SELL MARIJUANA", "F", "20120601")],
        ("needs_review", {"section_unreadable"}),
        0,
    ),
    # A Prop 64 section only in the comment of another offense: flagged, decided by nothing.
    (
        "comment-only",
        [Conv("11350(A) HS-POSSESS NARCOTIC", "F", "20120601", comment="11357(A) HS")],
        ("needs_review", {"possible_prop64_in_comment"}),
        0,
    ),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """All cases in one DOJ file (one person each), imported and evaluated once."""
    d = tmp_path_factory.mktemp("sections")
    people = [
        Person(name=f"DOE,CASE {i}", dob="19700101", subject_id=f"7770{i:04d}", convictions=convs)
        for i, (_id, convs, _exp, _idx) in enumerate(CASES)
    ]
    lines = write_file(d / "doj.csv", people)
    db = open_db(d / "db.sqlite3")
    summary = import_file(db, d / "doj.csv")
    assert summary.rows_rejected == 0
    run = evaluate_county(db, "SAN BERNARDINO", load_policy("statute"), AS_OF)
    out = {}
    for i, (cid, _convs, _exp, idx) in enumerate(CASES):
        line = lines[(people[i].subject_id, idx)]
        row = db.conn.execute(
            "SELECT d.relief, d.flags, d.explanation, c.offense_text, c.section FROM determinations d"
            " JOIN counts c ON c.id = d.count_id WHERE d.run_id = ? AND c.source_line = ?",
            (run, line),
        ).fetchone()
        out[cid] = row
    yield out, db
    db.conn.close()


@pytest.mark.parametrize(
    ("cid", "expected"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_determination(results, cid, expected):
    rows, _db = results
    row = rows[cid]
    assert row is not None, f"{cid}: no determination"
    relief, flags_s, explanation, _text, _section = row
    flags = set(filter(None, flags_s.split(";")))
    want_relief, must = expected
    assert relief == want_relief, f"{cid}: {relief} {sorted(flags)}"
    assert must <= flags, f"{cid}: missing {must - flags}"
    if want_relief == "needs_review" and "possible_disqualifier" in must:
        # The readings are named in the explanation.
        steps = json.loads(explanation)["steps"]
        text = " ".join(s["text"] for s in steps if s["rule"] == "R4.possible_disqualifier")
        assert text and "may be" in text


def test_text_as_read_and_normalised_section_are_both_stored(results):
    rows, db = results
    assert rows["attempted-11359-glued"][3:] == ("66411359 HS", "664/11359")
    assert rows["code-pc-miscoded"][3:] == ("11359 PC-POSSESS MARIJUANA FOR SALE", "11359")
    got = dict(
        db.conn.execute(
            "SELECT offense_text, section FROM counts WHERE offense_text IN"
            " ('288A PC-ORAL COPULATION', '266J.11 PC', '519-186.22(B)(4) PC')"
        )
    )
    assert got == {
        "288A PC-ORAL COPULATION": "288A",
        "266J.11 PC": "266J.11",
        "519-186.22(B)(4) PC": "519/186.22(B)(4)",
    }
    # The court is kept as DOJ wrote it (shown without its agency prefix).
    assert (
        db.conn.execute("SELECT DISTINCT court FROM cases").fetchone()[0] == "CASC SAN BERNARDINO"
    )


def test_queue_filter_uses_the_same_reader(results):
    from desktop.review.queue import queue_query

    _rows, db = results
    sql, params = queue_query(section="664-11359")
    found = db.conn.execute(sql, params).fetchall()
    sections = {
        db.conn.execute("SELECT section FROM counts WHERE id = ?", (r[0],)).fetchone()[0]
        for r in found
    }
    assert sections == {"664/11359"}


def test_combined_related_charge_is_read_part_by_part(tmp_path):
    """'148(A)(1)/647(F) PC' in a cycle with an 11357(b): the 647(f) part is a related charge
    (San Joaquin's policy dismisses it; the statute gives it no relief)."""
    p = Person(
        name="DOE,RELATED",
        dob="19800101",
        subject_id="77710001",
        convictions=[
            Conv("11357(B) HS-POSSESS MARIJUANA 28.5 GRAMS OR LESS", "M", "20100601"),
            Conv("148(A)(1)/647(F) PC-RESIST/INTOX", "M", "20100601", same_cycle_as=0),
        ],
    )
    lines = write_file(tmp_path / "doj.csv", [p])
    db = open_db(tmp_path / "db.sqlite3")
    import_file(db, tmp_path / "doj.csv")
    for policy, want in (("san-joaquin", "dismiss_and_seal"), ("statute", "not_eligible")):
        run = evaluate_county(db, "SAN BERNARDINO", load_policy(policy), AS_OF)
        relief, flags = db.conn.execute(
            "SELECT d.relief, d.flags FROM determinations d JOIN counts c ON c.id = d.count_id"
            " WHERE d.run_id = ? AND c.source_line = ?",
            (run, lines[(p.subject_id, 1)]),
        ).fetchone()
        assert relief == want, (policy, relief, flags)
    db.conn.close()
