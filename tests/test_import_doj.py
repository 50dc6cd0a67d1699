"""DOJ research-file import: the gogen fixtures, every rejection reason, refusals, re-import."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from helpers.cli import reliefdesk
from readers import READER_PASSWORD, add_reader

from desktop.records.doj_layout import COLUMNS, INDEX
from desktop.records.importer import NotImportable, import_file
from desktop.store import open_db

FIXTURES = Path(__file__).resolve().parent / "data" / "gogen-fixtures"
TABLES = ("imports", "rejected_rows", "subjects", "subject_events", "cases", "counts", "audit_log")


def snapshot(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    finally:
        conn.close()


def cli(db: Path, *args: str) -> int:
    return reliefdesk(db, *args)


@pytest.fixture
def db(empty_db):
    return empty_db  # tests/conftest.py


def test_no_headers_fixture_groups_subjects_cases_counts(db):
    s = import_file(db, FIXTURES / "no_headers.csv")
    assert (s.rows_read, s.rows_kept, s.rows_rejected, s.format) == (38, 38, 0, "doj")
    q = lambda sql: db.conn.execute(sql).fetchall()  # noqa: E731
    assert q("SELECT COUNT(*) FROM subjects") == [(11,)]
    # 38 rows: one DECEASED and one REGISTRATION event, one repeated CNT_ORDER (GROUCH) -> 35 counts.
    assert q("SELECT COUNT(*) FROM counts") == [(35,)]
    assert q("SELECT kind FROM subject_events ORDER BY kind") == [("deceased",), ("registration",)]
    assert q("SELECT deceased, registered_290 FROM subjects WHERE source_key = '17954908'") == [
        (1, 1)
    ]
    # The repeated CNT_ORDER adds a sentence part and keeps both lines.
    sentence, extra, line = q(
        "SELECT c.sentence, c.extra_lines, c.source_line FROM counts c JOIN subjects s"
        " ON s.id = c.subject_id WHERE s.source_key = '90675321' AND"
        " c.cnt_order = '101001019000'"
    )[0]
    assert [p["kind"] for p in json.loads(sentence)] == ["PROBATION", "FINE"]
    assert (line, extra) == (21, "22")
    # Section from COMMENT_TEXT when OFFENSE_DESCR says "SEE COMMENT FOR CHARGE".
    assert q("SELECT section, code FROM counts WHERE source_line = 14") == [("11358", "HS")]
    # Normalisation: "11357(b)HS-..." -> 11357(B), HS; level from CONV_STAT_DESCR.
    assert q("SELECT section, code, level, convicted FROM counts WHERE source_line = 12") == [
        ("11357(B)", "HS", "F", 1)
    ]
    # Sentence end = disposition date + sentence (90 days of jail on 1979-06-01).
    assert q("SELECT conviction_date, sentence_end FROM counts WHERE source_line = 2") == [
        ("1979-06-01", "1979-08-30")
    ]
    assert q(
        "SELECT case_number FROM cases c JOIN counts k ON k.case_id = c.id WHERE k.source_line = 2"
    ) == [("12345",)]


def test_header_and_headerless_give_the_same_records(tmp_path, db):
    with_header = tmp_path / "with_header.csv"
    with_header.write_text(",".join(COLUMNS) + "\n" + (FIXTURES / "no_headers.csv").read_text())
    s = import_file(db, with_header)
    assert (s.rows_read, s.rows_kept) == (38, 38)
    assert db.conn.execute("SELECT MIN(source_line) FROM counts").fetchone() == (2,)
    assert db.conn.execute("SELECT has_header FROM imports").fetchone() == (1,)


def test_extra_comma_rejects_only_that_row(db):
    s = import_file(db, FIXTURES / "extra_comma.csv")
    assert (s.rows_read, s.rows_kept, s.rows_rejected) == (39, 38, 1)
    ((line, reason),) = db.conn.execute("SELECT line, reason FROM rejected_rows").fetchall()
    assert line == 1 and "96 fields" in reason


def test_bad_file_is_refused_with_exit_2_and_database_unchanged(tmp_path, capsys):
    dbp = tmp_path / "db.sqlite3"
    assert cli(dbp, "import", str(FIXTURES / "no_headers.csv")) == 0
    before = snapshot(dbp)
    assert cli(dbp, "import", str(FIXTURES / "bad.csv")) == 2
    assert "94 fields" in capsys.readouterr().err
    assert snapshot(dbp) == before


@pytest.mark.parametrize(
    "content, why",
    [
        (b"", "empty"),
        (b"%PDF-1.7\n1 0 obj << >> endobj\n" + bytes(range(256)) * 10, "PDF"),
        (("a,b,c,d,e,f,g,h,i,j,k,l\n" * 30).encode(), "12 fields"),
        (bytes(range(256)) * 40, "binary"),
        (b"\n\n  \n", "no data rows"),
    ],
)
def test_unusable_files_are_refused(tmp_path, capsys, content, why):
    dbp = tmp_path / "db.sqlite3"
    f = tmp_path / "input.csv"
    f.write_bytes(content)
    open_db(dbp).conn.close()
    before = snapshot(dbp)
    assert cli(dbp, "import", str(f)) == 2
    err = capsys.readouterr().err
    assert "was not imported" in err and "Nothing was changed" in err
    assert snapshot(dbp) == before


def test_reimport_is_a_no_op(tmp_path, capsys):
    dbp = tmp_path / "db.sqlite3"
    assert cli(dbp, "import", "--json", str(FIXTURES / "no_headers.csv")) == 0
    first = json.loads(capsys.readouterr().out)
    before = snapshot(dbp)
    assert cli(dbp, "import", "--json", str(FIXTURES / "no_headers.csv")) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["already_imported"] is True and again["import_id"] == first["import_id"]
    assert set(first) >= {
        "import_id",
        "file",
        "sha256",
        "format",
        "rows_read",
        "rows_kept",
        "rows_rejected",
        "already_imported",
    }
    assert snapshot(dbp) == before


def _good_row(subject="77700001", cnt="001002001000", **over) -> list[str]:
    row = [""] * len(COLUMNS)
    vals = {
        "SUBJECT_ID": subject,
        "PRI_NAME": "DOE,JOHN",
        "PRI_DOB": "19800101",
        "CYC_DATE": "20100101",
        "STP_EVENT_DATE": "20100201",
        "STP_TYPE_DESCR": "COURT ACTION",
        "STP_ORI_CNTY_NAME": "YOLO",
        "CNT_ORDER": cnt,
        "OFN": "Y100",
        "OFFENSE_DESCR": "11357(B) HS-POSSESS MARIJUANA",
        "OFFENSE_TOC": "M",
        "DISP_DESCR": "CONVICTED",
        "CONV_STAT_DESCR": "MISDEMEANOR",
        "SENT_LENGTH": "10",
        "SENT_TIME_CODE": "D",
        **over,
    }
    for k, v in vals.items():
        row[INDEX[k]] = v
    return row


def _line(row: list[str]) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    return buf.getvalue()


def test_every_rejection_reason_is_reported_with_line_and_column(tmp_path, db):
    bad = [
        ("SUBJECT_ID", _line(_good_row(subject="  -  ")), "SUBJECT_ID is blank"),
        ("CNT_ORDER", _line(_good_row(cnt="12AB")), "CNT_ORDER"),
        (None, _line(_good_row(cnt="001002006000")) + ",EXTRA", "96 fields"),
        (None, _line(_good_row(cnt="001002007000"))[:200], "fields"),
        (None, _line(_good_row(cnt="001002008000")).replace("DOE", "D\x00OE"), "NUL"),
        (None, '"unclosed,' + _line(_good_row(cnt="001002009000")), "not closed"),
        (None, "x" * 200_000, "characters long"),
    ]
    # Fields that cannot be read no longer reject the row (issue 13 §3): the row is kept, the
    # fact left unknown, and the field reported as a warning with line, column and value.
    warned = [
        (
            "PRI_DOB",
            "20151340",
            _line(_good_row(cnt="001002011000", PRI_DOB="20151340")),
            "not a valid date",
        ),
        (
            "DISP_DATE",
            "15000101",
            _line(_good_row(cnt="001002002000", DISP_DATE="15000101")),
            "outside",
        ),
        (
            "CYC_DATE",
            "2010-13-45",
            _line(_good_row(cnt="001002003000", CYC_DATE="2010-13-45")),
            "date is unknown",
        ),
        (
            "SENT_LENGTH",
            "TEN",
            _line(_good_row(cnt="001002004000", SENT_LENGTH="TEN")),
            "whole number",
        ),
        (
            "SENT_TIME_CODE",
            "W",
            _line(_good_row(cnt="001002005000", SENT_TIME_CODE="W")),
            "D, M or Y",
        ),
    ]
    lines = [_line(_good_row(cnt="002002001000"))]
    for _col, text, _reason in bad:
        lines.append(text)
    for _col, _value, text, _reason in warned:
        lines.append(text)
    lines.append(_line(_good_row(subject="77700002", PRI_NAME="NUÑEZ,JOSÉ")))
    f = tmp_path / "mixed.csv"
    # Latin-1 line at the end must be kept, not rejected.
    body = "\n".join(lines[:-1]).encode("utf-8") + b"\n" + lines[-1].encode("latin-1") + b"\n"
    f.write_bytes(body)
    s = import_file(db, f)
    assert s.rows_read == len(bad) + len(warned) + 2
    assert s.rows_kept == 2 + len(warned) and s.rows_rejected == len(bad)
    assert s.warnings == len(warned)
    got = {
        line: (col, reason)
        for line, col, reason in db.conn.execute(
            "SELECT line, column_name, reason FROM rejected_rows"
        )
    }
    for i, (col, _text, reason) in enumerate(bad):
        line = i + 2
        assert line in got, f"line {line} ({reason}) not rejected"
        assert got[line][0] == col
        assert reason in got[line][1], (line, got[line])
    warnings = {
        line: (col, value, reason)
        for line, col, value, reason in db.conn.execute(
            "SELECT line, column_name, value, reason FROM row_warnings"
        )
    }
    for i, (col, value, _text, reason) in enumerate(warned):
        line = len(bad) + i + 2
        assert warnings[line][:2] == (col, value), (line, warnings.get(line))
        assert reason in warnings[line][2], (line, warnings[line])
        assert db.conn.execute("SELECT 1 FROM counts WHERE source_line = ?", (line,)).fetchone()
    assert db.conn.execute("SELECT name FROM subjects WHERE name LIKE 'NU%'").fetchone() == (
        "NUÑEZ,JOSÉ",
    )


def test_some_rows_rejected_gives_exit_3_and_rejected_command_lists_them(
    tmp_path, capsys, monkeypatch
):
    dbp = tmp_path / "db.sqlite3"
    f = tmp_path / "f.csv"
    f.write_text(
        _line(_good_row())
        + "\n"
        + _line(_good_row(cnt="12AB"))
        + "\n"
        + _line(_good_row(cnt="001002002000", PRI_DOB="2019-99-01"))
        + "\n"
    )
    assert cli(dbp, "import", str(f)) == 3
    out_text = capsys.readouterr().out
    assert "1 rejected" in out_text and "reliefdesk warnings --import 1" in out_text
    out = tmp_path / "rejected.csv"
    assert cli(dbp, "rejected", "--out", str(out)) == 4 and not out.exists()  # sign in to read
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)
    assert cli(dbp, "rejected", "--out", str(out), *add_reader(dbp)) == 0
    text = out.read_text()
    assert "import_id,file,line,column,reason,subject_id,raw" in text and ",2,CNT_ORDER," in text
    assert ",77700001," in text.splitlines()[2]  # after the note line and the header
    out = tmp_path / "warnings.csv"
    assert cli(dbp, "warnings", "--import", "1", "--out", str(out)) == 4  # sign in to read
    assert cli(dbp, "warnings", "--import", "1", "--out", str(out), *add_reader(dbp)) == 0
    rows = [r for r in __import__("csv").reader(out.open()) if not r[0].startswith("#")]
    assert rows[0] == ["import_id", "file", "line", "column", "value", "reason", "subject_id"]
    assert rows[1][2:5] == ["3", "PRI_DOB", "2019-99-01"] and rows[1][6] == "77700001"
    assert cli(dbp, "warnings", "--import", "9", *add_reader(dbp)) == 4


@pytest.mark.parametrize("end", ["cut", "whole"])
def test_a_last_line_without_line_end(tmp_path, db, end):
    """A file cut short mid-row says so on the last line's rejection; a whole last row without a
    line end is kept."""
    last = _line(_good_row(cnt="001002002000"))
    f = tmp_path / "f.csv"
    f.write_text(_line(_good_row()) + "\r\n" + (last[: len(last) // 2] if end == "cut" else last))
    s = import_file(db, f)
    rejected = db.conn.execute("SELECT line, reason FROM rejected_rows").fetchall()
    if end == "whole":
        assert (s.rows_kept, s.rows_rejected, rejected) == (2, 0, [])
        return
    assert (s.rows_kept, s.rows_rejected) == (1, 1)
    assert rejected[0][0] == 2 and "the file may have been cut short" in rejected[0][1]


def test_missing_file_is_a_usage_error(tmp_path, db):
    with pytest.raises(NotImportable.__mro__[1]):
        import_file(db, tmp_path / "nope.csv")


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    from desktop.errors import UserError

    p = tmp_path / "db.sqlite3"
    open_db(p).conn.execute("PRAGMA user_version = 9999")
    with pytest.raises(UserError, match="newer ReliefDesk"):
        open_db(p)
