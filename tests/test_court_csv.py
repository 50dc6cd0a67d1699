"""The court-extract CSV importer: the documented format, a mapped CMS export, every rejection
reason, refusals that leave the database unchanged, and re-import as a no-op. Synthetic people."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.errors import UserError
from desktop.records.court_csv import parse_sentence
from desktop.records.importer import import_file, load_mapping

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_MAPPING = ROOT / "resources" / "mappings" / "example-cms.json"

HEADER = (
    "case_number,defendant_name,dob,cii,county,count_no,code_section,level,disposition,"
    "conviction_date,offense_date,sentence,sentence_end,court,akas"
)
# Line numbers in comments: the header is line 1.
EXTRACT = (
    HEADER
    + "\n"
    + "\n".join(
        [
            # 2-4: one person by CII, one case with a related charge and a second case
            'FSB1201234,"ALVARADO, MARCUS T",1979-04-12,A012345678,San Bernardino County,1,HS 11359,F,'
            "CONVICTED,2012-05-30,2012-01-14,3Y PROBATION; 180D JAIL,,CASC SAN BERNARDINO,"
            '"ALVARADO, MARK; ALVARADO, MARCUS"',
            'FSB1201234,"ALVARADO,MARCUS T",1979-04-12,A012345678,SAN BERNARDINO,2,647(f) PC,M,'
            "CONVICTED,2012-05-30,,30D JAIL,,,",
            'FSB0400001,"ALVARADO, MARCUS T",1979-04-12,A012345678,SAN BERNARDINO,1,11357B2 HS,M,'
            "DISMISSED,,2004-03-01,,,,",
            # 5-6: a person without CII, the second row joins by name + DOB despite spacing
            'MSB0907777,"QUINTERO, ALMA R",1985-11-02,,SAN BERNARDINO,1,11357(b) HS,MISDEMEANOR,'
            "CONVICTED-FINE,20090303,20090220,FINE $100,,,",
            'FSB1512345,"QUINTERO,  ALMA R",11/02/1985,,SAN BERNARDINO,1,11360(A) HS,FELONY,CONVICTED,'
            "2016-01-10,2015-09-01,16M PRISON,2017-05-10,,",
            # 7: same case number in another county is another case; juvenile court; infraction
            'MSB0907777,"QUINTERO, ALMA R",1985-11-02,,KERN,1,11357.5 HS,I,CONVICTED,2001-06-01,,,,'
            "CASC JUVENILE KERN,",
            # 8: CII given, DOB blank: accepted
            'FSB9900001,"OKAFOR, CHIDI",,0123456789,SAN BERNARDINO,3,11358 HS,F,CONVICTED,1999-02-02,'
            "1998-12-12,2Y PRISON,,,",
        ]
    )
    + "\n"
)


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("imports", "rejected_rows", "subjects", "cases", "counts", "audit_log")
    }


@pytest.fixture
def db(empty_db):
    return empty_db  # tests/conftest.py


def test_sample_extract_makes_the_right_people_cases_and_counts(db, tmp_path: Path) -> None:
    f = tmp_path / "extract.csv"
    f.write_text(EXTRACT, encoding="utf-8")
    s = import_file(db, f)  # detected from the header
    assert (s.format, s.rows_read, s.rows_kept, s.rows_rejected) == ("court-csv", 7, 7, 0)
    q = db.conn.execute
    subjects = q("SELECT source_key, cii, name, dob, akas FROM subjects ORDER BY id").fetchall()
    assert subjects == [
        (
            "CII:A012345678",
            "A012345678",
            "ALVARADO, MARCUS T",
            "1979-04-12",
            json.dumps(["ALVARADO, MARCUS", "ALVARADO, MARK", "ALVARADO,MARCUS T"]),
        ),
        # "QUINTERO,  ALMA R" with two spaces is the same name: no other name recorded.
        ("NAME:QUINTERO,ALMA R|1985-11-02", None, "QUINTERO, ALMA R", "1985-11-02", "[]"),
        ("CII:0123456789", "0123456789", "OKAFOR, CHIDI", None, "[]"),
    ]
    cases = q(
        "SELECT s.source_key, k.case_number, k.county, k.court, k.event_date, k.cycle_date"
        " FROM cases k JOIN subjects s ON s.id = k.subject_id ORDER BY k.id"
    ).fetchall()
    assert cases == [
        (
            "CII:A012345678",
            "FSB1201234",
            "SAN BERNARDINO",
            "CASC SAN BERNARDINO",
            "2012-05-30",
            "2012-01-14",
        ),
        ("CII:A012345678", "FSB0400001", "SAN BERNARDINO", None, "2004-03-01", "2004-03-01"),
        (
            "NAME:QUINTERO,ALMA R|1985-11-02",
            "MSB0907777",
            "SAN BERNARDINO",
            None,
            "2009-03-03",
            "2009-02-20",
        ),
        (
            "NAME:QUINTERO,ALMA R|1985-11-02",
            "FSB1512345",
            "SAN BERNARDINO",
            None,
            "2016-01-10",
            "2015-09-01",
        ),
        (
            "NAME:QUINTERO,ALMA R|1985-11-02",
            "MSB0907777",
            "KERN",
            "CASC JUVENILE KERN",
            "2001-06-01",
            None,
        ),
        ("CII:0123456789", "FSB9900001", "SAN BERNARDINO", None, "1999-02-02", "1998-12-12"),
    ]
    rows = q(
        "SELECT source_line, cnt_order, count_no, section, base_section, code, level,"
        " disposition, convicted, conviction_date, cycle_date, sentence, sentence_end, juvenile"
        " FROM counts ORDER BY source_line"
    ).fetchall()
    by_line = {r[0]: r[1:] for r in rows}
    assert by_line[2] == (
        "001002001000",
        1,
        "11359",
        "11359",
        "HS",
        "F",
        "CONVICTED",
        1,
        "2012-05-30",
        "2012-01-14",
        json.dumps(
            [
                {"kind": "PROBATION", "length": 3, "unit": "Y"},
                {"kind": "JAIL", "length": 180, "unit": "D"},
            ]
        ),
        "2015-11-26",
        0,
    )
    # The related charge has no offense date: it takes its case's (the cycle date, as in DOJ).
    assert by_line[3][:2] == ("001002002000", 2) and by_line[3][9] == "2012-01-14"
    assert by_line[3][2:4] == ("647(F)", "647")
    assert by_line[4][:1] == ("002002001000",) and by_line[4][7:9] == (0, None)
    assert by_line[4][2] == "11357(B)(2)" and by_line[4][11] is None
    assert by_line[5][6:8] == ("CONVICTED-FINE", 1) and by_line[5][11] == "2009-03-03"
    assert by_line[6][11] == "2017-05-10"  # sentence_end given wins over the sum
    assert by_line[7][3:6] == ("11357.5", "HS", "I") and by_line[7][12] == 1
    assert by_line[8][:2] == ("001002003000", 3)
    # Provenance.
    assert q("SELECT DISTINCT source_file, import_id FROM counts").fetchall() == [
        ("extract.csv", s.import_id)
    ]


def test_court_counts_reach_the_rules_engine(db, tmp_path: Path) -> None:
    from desktop.evaluation.runs import evaluate_county
    from desktop.rules.policy import load_policy

    f = tmp_path / "extract.csv"
    f.write_text(EXTRACT, encoding="utf-8")
    import_file(db, f)
    run = evaluate_county(db, "San Bernardino", load_policy("statute"), date(2020, 7, 1))
    got = dict(
        db.conn.execute(
            "SELECT c.source_line, d.relief FROM determinations d JOIN counts c ON c.id = d.count_id"
            " WHERE d.run_id = ?",
            (run,),
        ).fetchall()
    )
    # Every convicted cannabis count in the county is decided; the Kern one and the dismissed
    # count are not.
    assert {2, 5, 6, 8} <= set(got)
    assert 4 not in got and 7 not in got


def mapped_export() -> str:
    return (
        "\n".join(
            [
                "Case No,Defendant,Birth Date,CII No,Count,Statute,Charge Level,Disposition,"
                "Disposition Date,Violation Date,Sentence Imposed,Probation End,Court Location,Aliases,"
                "Clerk Notes",
                'FSB1201234,"ALVARADO, MARCUS T",04/12/1979,A012345678,1,HS 11359,FEL,GLTY,05/30/2012,'
                '01/14/2012,3Y PROBATION; 180D JAIL,,CASC SAN BERNARDINO,"ALVARADO, MARK",ok',
                'FSB1201234,"ALVARADO, MARCUS T",04/12/1979,A012345678,2,PC 148(a)(1),MISD,DISM,,'
                "01/14/2012,,,CASC SAN BERNARDINO,,",
                'MSB0907777,"QUINTERO, ALMA R",11/02/1985,,1,11357(b) HS,MISD,NOLO,03/03/2009,02/20/2009,'
                "FINE $100,,CASC SAN BERNARDINO,,",
                # a date in the wrong format for this export: kept, the date unknown, with a
                # warning naming the export's column
                'MSB0907778,"QUINTERO, ALMA R",11/02/1985,,2,11357(b) HS,MISD,NOLO,2009-03-03,,,,,,',
            ]
        )
        + "\n"
    )


def test_mapped_cms_export(db, tmp_path: Path) -> None:
    f = tmp_path / "cms.csv"
    f.write_text(mapped_export(), encoding="utf-8")
    s = import_file(db, f, fmt="court-csv", mapping=load_mapping(EXAMPLE_MAPPING))
    assert (s.rows_read, s.rows_kept, s.rows_rejected, s.warnings) == (4, 4, 0, 1)
    q = db.conn.execute
    assert q("SELECT line, column_name, value, reason FROM row_warnings").fetchone() == (
        5,
        "Disposition Date",
        "2009-03-03",
        "'2009-03-03' does not match the date format %m/%d/%Y: the date is unknown",
    )
    assert q("SELECT COUNT(*) FROM subjects").fetchone()[0] == 2
    assert q("SELECT akas FROM subjects WHERE cii = 'A012345678'").fetchone()[0] == json.dumps(
        ["ALVARADO, MARK"]
    )
    rows = q(
        "SELECT k.case_number, c.county, c.count_no, c.section, c.level, c.disposition,"
        " c.convicted, c.conviction_date, c.cycle_date FROM counts c"
        " JOIN cases k ON k.id = c.case_id ORDER BY c.source_line"
    ).fetchall()
    assert rows == [
        (
            "FSB1201234",
            "SAN BERNARDINO",
            1,
            "11359",
            "F",
            "CONVICTED",
            1,
            "2012-05-30",
            "2012-01-14",
        ),
        ("FSB1201234", "SAN BERNARDINO", 2, "148(A)(1)", "M", "DISMISSED", 0, None, "2012-01-14"),
        (
            "MSB0907777",
            "SAN BERNARDINO",
            1,
            "11357(B)",
            "M",
            "CONVICTED",
            1,
            "2009-03-03",
            "2009-02-20",
        ),
        # the unreadable conviction date is unknown; the case's offense date stands in for
        # the cycle, as DOJ's cycle date would
        ("MSB0907778", "SAN BERNARDINO", 2, "11357(B)", "M", "CONVICTED", 1, None, None),
    ]


def test_cli_import_with_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cms.csv"
    f.write_text("\n".join(mapped_export().splitlines()[:4]) + "\n", encoding="utf-8")
    dbp = str(tmp_path / "cli.sqlite3")
    assert (
        main(
            [
                "--db",
                dbp,
                "import",
                str(f),
                "--format",
                "court-csv",
                "--mapping",
                str(EXAMPLE_MAPPING),
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert (out["format"], out["rows_kept"], out["rows_rejected"]) == ("court-csv", 3, 0)
    # The mapping alone selects the court format.
    g = tmp_path / "cms2.csv"
    g.write_text(mapped_export(), encoding="utf-8")
    # Every row kept (one date left unknown, with a warning): exit 0.
    assert main(["--db", dbp, "import", str(g), "--mapping", str(EXAMPLE_MAPPING)]) == 0


# One bad row per reason: (row fields changed from a good row, expected column, reason part).
GOOD = dict(
    zip(
        HEADER.split(","),
        [
            "CR-1",
            "DOE, JANE Q",
            "1970-01-02",
            "A012345678",
            "ALAMEDA",
            "1",
            "11357(b) HS",
            "M",
            "CONVICTED",
            "1995-04-01",
            "1995-03-01",
            "3Y PROBATION; 90D JAIL",
            "",
            "",
            "",
        ],
        strict=True,
    )
)
BAD_ROWS: list[tuple[dict[str, str], str | None, str]] = [
    ({"case_number": ""}, "case_number", "case number is blank"),
    ({"defendant_name": "  "}, "defendant_name", "name is blank"),
    ({"dob": "", "cii": ""}, "dob", "date of birth is blank and there is no CII"),
    ({"dob": "02.01.1970", "cii": ""}, "dob", "not a date (expected YYYYMMDD) and there is no CII"),
    ({"cii": "12-AB!"}, "cii", "not a CII number"),
    ({"county": ""}, "county", "county is blank"),
    ({"count_no": "two"}, "count_no", "not a whole number from 1 to 999"),
    ({"count_no": "0"}, "count_no", "not a whole number from 1 to 999"),
    ({"count_no": "1000"}, "count_no", "not a whole number from 1 to 999"),
    ({"code_section": ""}, "code_section", "code section is blank"),
    ({"code_section": "POSSESSION OF MARIJUANA"}, "code_section", "cannot be read"),
    ({"level": "WOBBLER"}, "level", "is not F, M or I"),
    ({"disposition": ""}, "disposition", "disposition is blank"),
]
# Fields that cannot be read but cost the row nothing: kept, the value unknown, with a warning
# (as the DOJ importer does), so the engine sees the count and says what it could not read.
UNREAD_FIELDS: list[tuple[dict[str, str], str, str]] = [
    ({"dob": "1970-02-30"}, "dob", "not a valid date: the date is unknown"),
    ({"dob": "02.01.1970"}, "dob", "not a date"),
    ({"conviction_date": "18000101"}, "conviction_date", "outside the years"),
    ({"offense_date": "2020-13-01"}, "offense_date", "not a valid date"),
    ({"sentence_end": "soon"}, "sentence_end", "not a date"),
    ({"conviction_date": ""}, "conviction_date", "blank for a convicted count"),
    ({"sentence": "3X JAIL"}, "sentence", "unit 'X' is not D, M or Y"),
    ({"sentence": "3Y"}, "sentence", "not like '3Y PROBATION'"),
    ({"sentence": "99999D JAIL"}, "sentence", "impossible: the sentence length is unknown"),
]


def line(values: dict[str, str]) -> str:
    out = []
    for v in values.values():
        out.append(f'"{v}"' if "," in v else v)
    return ",".join(out)


def test_every_rejection_reason(db, tmp_path: Path) -> None:
    lines = [HEADER, line(GOOD)]  # line 2: kept
    expected: dict[int, tuple[str | None, str]] = {}
    for n, (change, column, reason) in enumerate(BAD_ROWS):
        row = dict(GOOD, case_number=f"CR-{100 + n}") | change
        lines.append(line(row))
        expected[len(lines)] = (column, reason)
    lines.append(line(GOOD))  # the same count again
    expected[len(lines)] = ("count_no", "already on line 2")
    lines.append(line(GOOD) + ",extra")  # a field too many
    expected[len(lines)] = (None, "has 16 fields; the header has 15")
    lines.append('CR-9,"DOE, JANE Q,1970-01-02')  # an unclosed quote
    expected[len(lines)] = (None, "quoted field is not closed")
    lines.append(line(dict(GOOD, case_number="CR-10")))  # still read after all that
    f = tmp_path / "bad.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = import_file(db, f, fmt="court-csv")
    assert s.rows_read == len(lines) - 1
    assert s.rows_read == s.rows_kept + s.rows_rejected
    assert (s.rows_kept, s.rows_rejected) == (2, len(expected))
    got = {
        ln: (col, reason, raw)
        for ln, col, reason, raw in db.conn.execute(
            "SELECT line, column_name, reason, raw FROM rejected_rows WHERE import_id = ?",
            (s.import_id,),
        )
    }
    assert set(got) == set(expected)
    for ln, (column, reason) in expected.items():
        assert got[ln][0] == column, (ln, got[ln])
        assert reason in got[ln][1], (ln, got[ln])
        assert got[ln][2] == lines[ln - 1]
    # The kept rows are the first good row and the last one.
    assert sorted(r[0] for r in db.conn.execute("SELECT source_line FROM counts")) == [
        2,
        len(lines),
    ]
    # A rejected row that still names a person (here by CII) says whose record is incomplete.
    keyed = {
        ln: key
        for ln, key in db.conn.execute(
            "SELECT line, subject_key FROM rejected_rows WHERE import_id = ?", (s.import_id,)
        )
    }
    assert keyed[3 + BAD_ROWS.index(({"county": ""}, "county", "county is blank"))] == (
        "CII:A012345678"
    )
    # A CII that cannot be read, with the name and birth date of a person already seen: maybe
    # that person, so their record counts as incomplete (never decide on a partial record).
    assert keyed[3 + BAD_ROWS.index(({"cii": "12-AB!"}, "cii", "not a CII number"))] == (
        "CII:A012345678"
    )
    # No CII and no birth date: the row names nobody.
    assert keyed[3 + BAD_ROWS.index(({"dob": "", "cii": ""}, "dob", BAD_ROWS[2][2]))] is None


def test_unreadable_fields_keep_the_row(db, tmp_path: Path) -> None:
    lines = [HEADER, line(GOOD)]
    expected: dict[int, tuple[str, str]] = {}
    for n, (change, column, reason) in enumerate(UNREAD_FIELDS):
        row = dict(GOOD, case_number=f"CR-{100 + n}") | change
        lines.append(line(row))
        expected[len(lines)] = (column, reason)
    f = tmp_path / "unread.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = import_file(db, f, fmt="court-csv")
    assert (s.rows_read, s.rows_kept, s.rows_rejected) == (len(lines) - 1, len(lines) - 1, 0)
    got = {
        ln: (col, reason, key)
        for ln, col, reason, key in db.conn.execute(
            "SELECT line, column_name, reason, subject_key FROM row_warnings WHERE import_id = ?",
            (s.import_id,),
        )
    }
    assert set(got) == set(expected)
    for ln, (column, reason) in expected.items():
        assert got[ln][0] == column and reason in got[ln][1], (ln, got[ln])
        assert got[ln][2] == "CII:A012345678"
    counts = {
        ln: (conv, end, sentence)
        for ln, conv, end, sentence in db.conn.execute(
            "SELECT source_line, conviction_date, sentence_end, sentence FROM counts"
        )
    }
    unread_sentence = 3 + UNREAD_FIELDS.index(
        ({"sentence": "3X JAIL"}, "sentence", "unit 'X' is not D, M or Y")
    )
    assert counts[unread_sentence][1] is None and '"unit": "?"' in counts[unread_sentence][2]
    blank_conv = 3 + UNREAD_FIELDS.index(
        ({"conviction_date": ""}, "conviction_date", "blank for a convicted count")
    )
    assert counts[blank_conv][0] is None


def test_a_partly_rejected_record_is_never_decided(db, tmp_path: Path) -> None:
    """A row that cannot be kept but names its person makes the engine refuse to decide that
    person's other counts: the rejected row might be a disqualifying prior (domain spec §5)."""
    felony = dict(GOOD, code_section="11359 HS", level="F", sentence="16M PRISON")
    prior = dict(GOOD, case_number="CR-2", code_section="187 PC", level="WOBBLER")
    f = tmp_path / "partial.csv"
    f.write_text("\n".join([HEADER, line(felony), line(prior)]) + "\n", encoding="utf-8")
    s = import_file(db, f, fmt="court-csv")
    assert (s.rows_kept, s.rows_rejected) == (1, 1)
    from desktop.evaluation.runs import evaluate_county
    from desktop.rules.policy import load_policy

    run = evaluate_county(db, "Alameda", load_policy("statute"), date(2020, 7, 1))
    relief, flags = db.conn.execute(
        "SELECT relief, flags FROM determinations WHERE run_id = ?", (run,)
    ).fetchone()
    assert relief == "needs_review", (relief, flags)


@pytest.mark.parametrize(
    "content, mapping, message",
    [
        ("case_number,defendant_name\nCR-1,DOE\n", None, "missing: dob, county"),
        ("RECORD_ID,SUBJECT_STATUS,SUBJECT_ID\n1,2,3\n", None, "DOJ research file"),
        (HEADER + "\n", None, "none of its 0 rows"),
        (HEADER + "\n" + line(GOOD) + "\n", {"columns": {"docket": "Case"}}, "unknown columns"),
        (HEADER + "\n" + line(GOOD) + "\n", {"level_values": {"FEL": "FELONIOUS"}}, "F, M or I"),
        (HEADER + "\n" + line(GOOD) + "\n", {"date_format": "mm/dd/yyyy"}, "strftime"),
        (HEADER + "\n" + line(GOOD) + "\n", {"colums": {}}, "unknown keys"),
        (HEADER + "\n" + line(GOOD) + "\n", {"columns": {"dob": "Birth Date"}}, "missing: dob"),
    ],
)
def test_refusals_leave_the_database_unchanged(
    db, tmp_path: Path, content: str, mapping: dict | None, message: str
) -> None:
    before = counts(db.conn)
    f = tmp_path / "refused.csv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(UserError) as exc:
        import_file(db, f, fmt="court-csv", mapping=mapping)
    assert exc.value.exit_code == 2
    assert message in str(exc.value)
    assert counts(db.conn) == before


def test_cli_refusal_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "refused.csv"
    f.write_text("case_number,code_section\nCR-1,11357 HS\n", encoding="utf-8")
    dbp = str(tmp_path / "cli.sqlite3")
    assert main(["--db", dbp, "import", str(f)]) == 2
    assert "docs/court-csv-format.md" in capsys.readouterr().err


def test_reimport_is_a_no_op(db, tmp_path: Path) -> None:
    f = tmp_path / "extract.csv"
    f.write_text(EXTRACT, encoding="utf-8")
    first = import_file(db, f)
    before = counts(db.conn)
    again = import_file(db, f)
    assert again.already_imported and again.import_id == first.import_id
    assert (again.rows_read, again.rows_kept) == (first.rows_read, first.rows_kept)
    assert counts(db.conn) == before
    # The same rows under another file name are the same content: still a no-op.
    g = tmp_path / "copy.csv"
    g.write_bytes(f.read_bytes())
    assert import_file(db, g).already_imported
    assert counts(db.conn) == before


@pytest.mark.parametrize(
    "text, parts",
    [
        ("3Y PROBATION; 90D JAIL", [("PROBATION", 3, "Y"), ("JAIL", 90, "D")]),
        ("90 days jail", [("JAIL", 90, "D")]),
        ("JAIL 16M", [("JAIL", 16, "M")]),
        ("2 YEARS STATE PRISON + FINE $1,000", [("STATE PRISON", 2, "Y"), ("FINE", None, None)]),
        ("", []),
    ],
)
def test_sentence_text(text: str, parts: list[tuple]) -> None:
    assert [(p["kind"], p["length"], p["unit"]) for p in parse_sentence(text)] == parts
