"""Bad input never crashes an importer: hypothesis feeds both importers thousands of generated
files (random bytes, and valid rows broken in the ways real extracts break) and each one either
imports (ImportSummary, with rows_read == rows_kept + rows_rejected) or is refused whole with
UserError(exit_code=2), leaving no half import behind.

One database per test: distinct content has a distinct sha256, and a repeat is reported as
already imported, so the examples do not need fresh databases (which keeps 10,000+ inputs fast)."""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.errors import UserError
from desktop.records import importer
from desktop.records.doj_layout import COLUMNS, INDEX, N_COLUMNS
from desktop.store import open_db

# Slow (10,200 hypothesis inputs): .ci/run runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

# Per importer: RANDOM_EXAMPLES of raw bytes + STRUCTURED_EXAMPLES of mutated files. Two importers
# x (1,500 + 3,600) = 10,200 inputs in all.
RANDOM_EXAMPLES = 1500
STRUCTURED_EXAMPLES = 3600


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


SHARED = Path(__file__).resolve().parent / "data" / "gogen-fixtures"
IMPOSSIBLE_DATES = [
    "20201340",
    "00000000",
    "99999999",
    "19600231",
    "2020-02-30",
    "1960031",
    "ABCDEFGH",
    "18000101",
    "21991231",
    "-",
    "0",
    " 19600314 ",
]


def _doj_seed_rows() -> list[list[str]]:
    path = SHARED / "no_headers.csv"
    if path.exists():
        with path.open(newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if len(r) == N_COLUMNS]
        if rows:
            return rows
    # Fallback when shared/ is not beside the clone: two coherent synthetic rows.
    row = [""] * N_COLUMNS
    for name, value in (
        ("SUBJECT_ID", "100001"),
        ("CII_NUMBER", "A012345678"),
        ("PRI_NAME", "DOE,JANE Q"),
        ("GENDER", "F"),
        ("PRI_DOB", "19700102"),
        ("CYC_DATE", "19950301"),
        ("STP_EVENT_DATE", "19950401"),
        ("STP_TYPE_DESCR", "COURT ACTION"),
        ("STP_ORI_CNTY_NAME", "ALAMEDA"),
        ("CNT_ORDER", "101002001000"),
        ("OFN", "CR1234"),
        ("OFFENSE_DESCR", "11357(B) HS-POSSESS MARIJUANA"),
        ("OFFENSE_TOC", "M"),
        ("DISP_DESCR", "CONVICTED"),
        ("CONV_STAT_DESCR", "MISDEMEANOR"),
        ("DISP_DATE", "19950401"),
    ):
        row[INDEX[name]] = value
    arrest = list(row)
    arrest[INDEX["CNT_ORDER"]] = "101001001000"
    arrest[INDEX["STP_TYPE_DESCR"]] = "ARREST/DETAINED/CITED"
    arrest[INDEX["DISP_DESCR"]] = arrest[INDEX["CONV_STAT_DESCR"]] = ""
    return [arrest, row]


DOJ_ROWS = _doj_seed_rows()
DOJ_DATE_COLS = [INDEX[c] for c in ("PRI_DOB", "CYC_DATE", "STP_EVENT_DATE", "DISP_DATE")]

COURT_HEADER = [
    "case_number",
    "defendant_name",
    "dob",
    "cii",
    "county",
    "count_no",
    "code_section",
    "level",
    "disposition",
    "conviction_date",
    "offense_date",
    "sentence",
    "sentence_end",
    "court",
    "akas",
]
COURT_ROWS = [
    [
        "CR-1001",
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
    [
        "CR-1001",
        "DOE, JANE Q",
        "1970-01-02",
        "A012345678",
        "ALAMEDA",
        "2",
        "HS 11360(a)",
        "F",
        "CONVICTED",
        "1995-04-01",
        "",
        "16M PRISON",
        "1996-08-01",
        "CASC ALAMEDA",
        "JANE DOE",
    ],
    [
        "CR-2002",
        "ROE, RICHARD",
        "1980-12-31",
        "",
        "FRESNO",
        "1",
        "647(f) PC",
        "MISDEMEANOR",
        "DISMISSED",
        "",
        "2001-05-05",
        "",
        "",
        "",
        "",
    ],
]
COURT_DATE_COLS = [2, 9, 10, 12]


def line_bytes(fields: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


@st.composite
def mutated_file(
    draw: st.DrawFn, header: list[str], rows: list[list[str]], date_cols: list[int]
) -> bytes:
    """A CSV file of seed rows, some broken in the ways real extracts break."""
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(",".join(header))
    for _ in range(draw(st.integers(1, 12))):
        fields = list(draw(st.sampled_from(rows)))
        kind = draw(
            st.sampled_from(
                [
                    "ok",
                    "ok",
                    "date",
                    "columns",
                    "text",
                    "quote",
                    "truncate",
                    "nul",
                    "long",
                    "blank",
                    "cr",
                    "key",
                ]
            )
        )
        if kind == "date":
            fields[draw(st.sampled_from(date_cols))] = draw(st.sampled_from(IMPOSSIBLE_DATES))
        elif kind == "columns":
            n = draw(st.integers(0, len(fields) + 5))
            fields = (fields + ["x"] * 5)[:n]
        elif kind == "text":
            i = draw(st.integers(0, len(fields) - 1))
            fields[i] = draw(st.text(max_size=40))
        elif kind == "key":
            i = draw(st.integers(0, min(len(fields), 60) - 1))
            fields[i] = draw(st.sampled_from(["", "-", "NULL", "0", "1" * 30, "12AB", "  ", "N/A"]))
        line = line_bytes(fields)
        if kind == "quote":
            pos = draw(st.integers(0, len(line)))
            line = line[:pos] + '"' + line[pos:]
        elif kind == "truncate":
            line = line[: draw(st.integers(0, len(line)))]
        elif kind == "nul":
            pos = draw(st.integers(0, len(line)))
            line = line[:pos] + "\x00" + line[pos:]
        elif kind == "long":
            line = line + "," + "Z" * draw(st.integers(1000, 120_000))
        elif kind == "blank":
            line = draw(st.sampled_from(["", " ", ",,,", "\t"]))
        elif kind == "cr":
            line = line + "\r"
        lines.append(line)
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()) and data:  # cut the file short mid-row
        data = data[: draw(st.integers(0, len(data)))]
    return data


class Harness:
    """One database, one input path; counts examples and outcomes."""

    def __init__(self, tmp: Path, fmt: str) -> None:
        self.db = open_db(tmp / "fuzz.sqlite3")
        self.path = tmp / ("input.csv")
        self.fmt = fmt
        self.n = self.imported = self.refused = self.rows_rejected = 0
        self.started = time.perf_counter()

    def run(self, data: bytes) -> None:
        self.path.write_bytes(data)
        self.n += 1
        try:
            # backup=False: the automatic backup before each import is tested elsewhere and
            # would dominate the time here (one database copy per example).
            s = importer.import_file(self.db, self.path, fmt=self.fmt, backup=False)
        except UserError as exc:
            assert exc.exit_code == 2, f"{exc} (exit {exc.exit_code})"
            assert "Traceback" not in str(exc)
            self.refused += 1
            return
        # Anything else (an unexpected exception) propagates and fails the test.
        assert s.rows_read == s.rows_kept + s.rows_rejected, s
        self.imported += 1
        self.rows_rejected += 0 if s.already_imported else s.rows_rejected

    def check_store(self) -> None:
        conn: sqlite3.Connection = self.db.conn
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert not conn.execute(
            "SELECT 1 FROM imports WHERE sha256 LIKE 'pending-%' "
            "OR rows_read != rows_kept + rows_rejected"
        ).fetchone()
        # Every kept count belongs to a finished import.
        assert not conn.execute(
            "SELECT 1 FROM counts WHERE import_id NOT IN (SELECT id FROM imports)"
        ).fetchone()

    def report(self, label: str) -> None:
        secs = time.perf_counter() - self.started
        print(
            f"\n{label}: {self.n} inputs ({self.imported} imported with {self.rows_rejected} "
            f"rows rejected, {self.refused} refused whole) in {secs:.1f} s"
        )


FORMATS: dict[str, tuple[list[str], list[list[str]], list[int]]] = {
    "doj": (list(COLUMNS), DOJ_ROWS, DOJ_DATE_COLS),
    "court-csv": (COURT_HEADER, COURT_ROWS, COURT_DATE_COLS),
}


def _fuzz(tmp_path: Path, fmt: str, strategy: st.SearchStrategy[bytes], examples: int) -> Harness:
    h = Harness(tmp_path, fmt)

    @fuzz_settings(examples)
    @given(strategy)
    def body(data: bytes) -> None:
        h.run(data)

    body()
    h.check_store()
    return h


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_random_bytes(tmp_path: Path, fmt: str) -> None:
    header, rows, _ = FORMATS[fmt]
    good = (",".join(header) + "\n" + line_bytes(rows[-1]) + "\n").encode()
    raw = st.one_of(
        st.binary(min_size=1, max_size=4000),
        st.binary(min_size=1, max_size=300).map(lambda b: b.replace(b"\x00", b"")),
        st.text(min_size=1, max_size=2000).map(lambda t: t.encode("utf-8")),
        # random bytes after a good row, so they reach the row parser
        st.binary(min_size=1, max_size=2000).map(lambda b: good + b.replace(b"\x00", b"")),
    )
    h = _fuzz(tmp_path, fmt, raw, RANDOM_EXAMPLES)
    h.report(f"{fmt} random bytes")
    assert h.n >= RANDOM_EXAMPLES


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_mutated_rows(tmp_path: Path, fmt: str) -> None:
    header, rows, dates = FORMATS[fmt]
    h = _fuzz(tmp_path, fmt, mutated_file(header, rows, dates), STRUCTURED_EXAMPLES)
    h.report(f"{fmt} mutated rows")
    assert h.n >= STRUCTURED_EXAMPLES
    # The generator does reach the row parser, and row-level rejection.
    assert h.imported > STRUCTURED_EXAMPLES // 10 and h.rows_rejected > 0


VALID_ROW: dict[str, Callable[[], str]] = {
    "doj": lambda: line_bytes(DOJ_ROWS[-1]),
    "court-csv": lambda: line_bytes(COURT_ROWS[0]),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_ten_megabyte_single_line(tmp_path: Path, fmt: str) -> None:
    h = Harness(tmp_path, fmt)
    header = ",".join(FORMATS[fmt][0])
    huge = ",".join(["A" * 1000] * 10_000)  # 10 MB, no newline at all
    for data in (huge.encode(), f"{header}\n{huge}\n{VALID_ROW[fmt]()}\n".encode()):
        h.run(data)
    h.check_store()
    assert h.n == 2
