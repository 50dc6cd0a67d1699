"""The synthetic DOJ generator: determinism, shape, coherent people, the hard cases, and that the
DOJ importer reads its output without a single rejected row."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.law.normalize import add_period, parse_section
from desktop.progress import Cancelled
from desktop.records.doj_layout import COLUMNS, N_COLUMNS
from desktop.records.generate import generate

AS_OF = date(2020, 7, 1)
AUMA = date(2016, 11, 9)
CANNABIS = {"11357", "11358", "11359", "11360"}
SUPER_STRIKES = {"187(A)", "664/187(A)", "288(A)", "261(A)(2)", "288.5(A)", "245(D)(3)"}
PC290 = {"261", "288", "314(1)", "647.6(A)(1)", "243.4(A)", "311.11(A)"}
RELATED = {("647(F)", "PC"), ("11364", "HS"), ("148(A)(1)", "PC"), ("4060", "BP"), ("32", "PC")}
ENVIRONMENTAL = {("1052", "WC"), ("5650", "FG"), ("1602", "FG"), ("374.8(B)", "PC")}


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def d(v: str) -> date | None:
    return date(int(v[:4]), int(v[4:6]), int(v[6:])) if v and v.isdigit() else None


def read_rows(p: Path, header: bool = True) -> list[dict[str, str]]:
    with open(p, encoding="utf-8", newline="") as fh:
        lines = list(csv.reader(fh))
    if header:
        assert lines[0] == list(COLUMNS)
        lines = lines[1:]
    return [dict(zip(COLUMNS, f, strict=True)) for f in lines]


def section(row: dict[str, str]):
    text = row["OFFENSE_DESCR"]
    if not text or text.startswith("SEE COMMENT"):
        text = row["COMMENT_TEXT"]
    return parse_section(text)


def convicted(row: dict[str, str]) -> bool:
    return row["STP_TYPE_DESCR"] == "COURT ACTION" and row["DISP_DESCR"].startswith("CONVICTED")


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """5,000-row files for three seeds; the hard-case checks must hold for each."""
    base = tmp_path_factory.mktemp("gen")
    out = {}
    for seed in (0, 1, 2):
        out[seed] = base / f"sb_{seed}.csv"
        generate(out[seed], "San Bernardino", 5000, seed=seed)
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a, b, c, e = (tmp_path / n for n in ("a.csv", "b.csv", "c.csv", "e.csv"))
    generate(a, "Kern", 2000, seed=7)
    generate(b, "Kern", 2000, seed=7)
    generate(c, "Kern", 2000, seed=8)
    generate(e, "Kern", 2000, seed=7, as_of=date(2019, 1, 1))
    assert sha(a) == sha(b)
    assert sha(a) != sha(c)
    assert sha(a) != sha(e)


def test_exact_row_count_and_optional_header(tmp_path: Path) -> None:
    for n in (1, 7, 1234):
        p = tmp_path / f"n{n}.csv"
        stats = generate(p, "Yolo", n, seed=3)
        text = p.read_text(encoding="utf-8")
        assert text.endswith("\n") and "\r" not in text
        assert len(text.splitlines()) == n + 1
        assert stats.rows == n and stats.bytes == p.stat().st_size
    with_header, without = tmp_path / "h.csv", tmp_path / "nh.csv"
    generate(with_header, "Yolo", 500, seed=3)
    generate(without, "Yolo", 500, seed=3, header=False)
    h_lines = with_header.read_text().splitlines()
    assert h_lines[0] == ",".join(COLUMNS)
    assert without.read_text().splitlines() == h_lines[1:]


def test_every_line_has_95_ascii_fields(files: dict[int, Path]) -> None:
    raw = files[0].read_bytes()
    assert raw.isascii()
    with open(files[0], newline="", encoding="utf-8") as fh:
        widths = {len(f) for f in csv.reader(fh)}
    assert widths == {N_COLUMNS}


def test_people_are_coherent(files: dict[int, Path]) -> None:
    for p in files.values():
        rows = read_rows(p)
        adult_convictions = all_convictions = 0
        last_cycle: dict[str, tuple[int, date]] = {}
        for r in rows:
            dob = d(r["PRI_DOB"])
            assert dob is not None
            for col in ("CYC_DATE", "STP_EVENT_DATE", "DISP_DATE"):
                when = d(r[col])
                if when is not None:
                    assert dob < when, (col, r)
                    assert when < AS_OF, (col, r)
            cyc, step = d(r["CYC_DATE"]), d(r["STP_EVENT_DATE"])
            assert cyc is not None and step is not None and cyc <= step
            # Cycles are numbered in date order for each person.
            n = int(r["CYC_ORDER"])
            prev = last_cycle.get(r["SUBJECT_ID"])
            if prev is not None:
                assert n >= prev[0] and (n == prev[0] or cyc >= prev[1])
            last_cycle[r["SUBJECT_ID"]] = (n, cyc)
            if "JUVENILE" in r["STP_ORI_DESCR"]:
                assert age_on(dob, cyc) < 18 and age_on(dob, step) < 18, r
                assert 14 <= age_on(dob, cyc)
            if convicted(r):
                assert r["CONV_STAT_DESCR"] in ("FELONY", "MISDEMEANOR", "INFRACTION")
                assert d(r["DISP_DATE"]) == step
                all_convictions += 1
                adult_convictions += age_on(dob, cyc) >= 18
            else:
                assert r["CONV_STAT_DESCR"] == ""
        assert adult_convictions / all_convictions > 0.95


def test_levels_have_a_realistic_share(files: dict[int, Path]) -> None:
    levels: dict[str, int] = defaultdict(int)
    for r in read_rows(files[1]):
        if convicted(r):
            levels[r["CONV_STAT_DESCR"]] += 1
    total = sum(levels.values())
    assert 0.2 < levels["FELONY"] / total < 0.5
    assert 0.45 < levels["MISDEMEANOR"] / total < 0.8
    assert 0.01 < levels["INFRACTION"] / total < 0.1


def test_cannabis_share_of_people(files: dict[int, Path]) -> None:
    for p in files.values():
        rows = read_rows(p)
        people = {r["SUBJECT_ID"] for r in rows}
        with_cannabis = set()
        for r in rows:
            s = section(r)
            if (
                convicted(r)
                and r["STP_ORI_CNTY_NAME"] == "SAN BERNARDINO"
                and s
                and s.base in CANNABIS
            ):
                with_cannabis.add(r["SUBJECT_ID"])
        assert 0.15 <= len(with_cannabis) / len(people) <= 0.25


def hard_cases(rows: list[dict[str, str]]) -> set[str]:
    """Which of the cases the engine must get right occur in these rows."""
    found: set[str] = set()
    county = "SAN BERNARDINO"
    by_step: dict[tuple[str, str], list[tuple[dict[str, str], object]]] = defaultdict(list)
    same_section: dict[tuple[str, str], int] = defaultdict(int)
    sentences: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    seen_counts: set[tuple[str, str]] = set()
    for r in rows:
        s = section(r)
        if r["STP_TYPE_DESCR"] == "DECEASED":
            found.add("deceased")
        if r["STP_TYPE_DESCR"] == "REGISTRATION" and r["OFFENSE_DESCR"].startswith("290 PC"):
            found.add("registration")
        if r["OFFENSE_DESCR"] in ("SEE COMMENT FOR CHARGE", "") and s is not None:
            found.add("comment_only_" + ("see" if r["OFFENSE_DESCR"] else "blank"))
        if s is None:
            continue
        if s.base in ("11357.5", "11364", "11379.6", "11362.3"):
            found.add("look_alike_" + s.base)
        if not convicted(r):
            continue
        key = (r["SUBJECT_ID"], r["CNT_ORDER"])
        if r["SENT_LENGTH"]:
            sentences[key].append((int(r["SENT_LENGTH"]), r["SENT_TIME_CODE"]))
        if key in seen_counts:
            continue
        seen_counts.add(key)
        by_step[(r["SUBJECT_ID"], r["CNT_ORDER"][:6])].append((r, s))
        cyc, disp, dob = d(r["CYC_DATE"]), d(r["DISP_DATE"]), d(r["PRI_DOB"])
        assert cyc and disp and dob
        if s.section in SUPER_STRIKES and s.code == "PC":
            found.add("super_strike")
        if s.section in PC290 and s.code == "PC":
            found.add("pc290_conviction")
        if "JUVENILE" in r["STP_ORI_DESCR"]:
            found.add("juvenile")
        elif age_on(dob, cyc) == 17:
            found.add("adult_court_at_17")
        if s.base not in CANNABIS:
            continue
        if r["STP_ORI_CNTY_NAME"] != county:
            found.add("cannabis_other_county")
            continue
        if cyc >= AUMA:
            found.add("offense_after_auma")
            if s.section in ("11359(C)(3)", "11359(D)", "11360(A)(3)(C)"):
                found.add("felony_tier_subdivision")
        elif disp >= AUMA:
            found.add("judgment_after_auma_for_earlier_offense")
        if s.section in ("11357(B)(2)", "11357(A)(2)"):
            found.add("post_auma_compact_subdivision")
        same_section[(r["SUBJECT_ID"], s.section)] += 1
    for (sid, cnt), parts in sentences.items():
        r0 = next(r for r, _ in by_step[(sid, cnt[:6])] if r["CNT_ORDER"] == cnt)
        end = d(r0["DISP_DATE"])
        for length, unit in parts:
            end = add_period(end, length, unit)
        if end > AS_OF:
            found.add("sentence_running")
            s0 = section(r0)
            if s0 and s0.base in CANNABIS:
                found.add("cannabis_sentence_running")
    if any(n >= 3 for n in same_section.values()):
        found.add("two_or_more_same_section_priors")
    for counts in by_step.values():
        if any(s.base in CANNABIS for _, s in counts):
            for _, s in counts:
                if (s.section, s.code) in RELATED:
                    found.add("related_charge_in_cannabis_cycle")
                if (s.section, s.code) in ENVIRONMENTAL and any(
                    x.base == "11358" for _, x in counts
                ):
                    found.add("environmental_in_cultivation_case")
    return found


ALL_HARD_CASES = {
    "deceased",
    "registration",
    "comment_only_see",
    "comment_only_blank",
    "look_alike_11357.5",
    "look_alike_11364",
    "look_alike_11379.6",
    "look_alike_11362.3",
    "super_strike",
    "pc290_conviction",
    "juvenile",
    "adult_court_at_17",
    "cannabis_other_county",
    "offense_after_auma",
    "felony_tier_subdivision",
    "judgment_after_auma_for_earlier_offense",
    "post_auma_compact_subdivision",
    "sentence_running",
    "cannabis_sentence_running",
    "two_or_more_same_section_priors",
    "related_charge_in_cannabis_cycle",
    "environmental_in_cultivation_case",
}


def test_every_hard_case_is_in_a_5000_row_file(files: dict[int, Path]) -> None:
    for seed, p in files.items():
        missing = ALL_HARD_CASES - hard_cases(read_rows(p))
        assert not missing, f"seed {seed} lacks {sorted(missing)}"


def test_as_of_bounds_every_event(tmp_path: Path) -> None:
    p = tmp_path / "early.csv"
    as_of = date(2012, 3, 1)
    generate(p, "Fresno", 3000, seed=5, as_of=as_of)
    rows = read_rows(p)
    for r in rows:
        for col in ("CYC_DATE", "STP_EVENT_DATE", "DISP_DATE"):
            when = d(r[col])
            assert when is None or when < as_of
    # Before Prop 64 nothing can be charged under the post-AUMA subdivisions.
    assert not any((s := section(r)) and s.section == "11357(B)(2)" for r in rows)


def test_output_imports_with_zero_rejected_rows(files: dict[int, Path], tmp_path: Path) -> None:
    from desktop.records.importer import import_file
    from desktop.store import open_db

    db = open_db(tmp_path / "r.sqlite3")
    rows = read_rows(files[2])
    s = import_file(db, files[2])
    assert (s.rows_read, s.rows_kept, s.rows_rejected) == (5000, 5000, 0)
    q = db.conn.execute
    assert q("SELECT COUNT(*) FROM subjects").fetchone()[0] == len({r["SUBJECT_ID"] for r in rows})
    deceased = {r["SUBJECT_ID"] for r in rows if r["STP_TYPE_DESCR"] == "DECEASED"}
    assert q("SELECT COUNT(*) FROM subjects WHERE deceased = 1").fetchone()[0] == len(deceased)
    registered = {r["SUBJECT_ID"] for r in rows if r["STP_TYPE_DESCR"] == "REGISTRATION"}
    assert q("SELECT COUNT(*) FROM subjects WHERE registered_290 = 1").fetchone()[0] == len(
        registered
    )
    count_keys = {
        (r["SUBJECT_ID"], r["CNT_ORDER"])
        for r in rows
        if r["STP_TYPE_DESCR"] not in ("DECEASED", "REGISTRATION")
    }
    assert q("SELECT COUNT(*) FROM counts").fetchone()[0] == len(count_keys)
    # Sections only in COMMENT_TEXT still reach the count's normalised section.
    assert q("SELECT COUNT(*) FROM counts WHERE section IS NULL").fetchone()[0] == 0
    assert q("SELECT COUNT(*) FROM counts WHERE juvenile = 1 AND convicted = 1").fetchone()[0] > 0
    # Court actions carry their case number.
    assert (
        q(
            "SELECT COUNT(*) FROM cases c JOIN counts n ON n.case_id = c.id"
            " WHERE n.step_type = 'COURT ACTION' AND c.case_number IS NULL"
        ).fetchone()[0]
        == 0
    )
    # Some convictions end after the as-of date (serving); some have multi-part sentences.
    assert (
        q("SELECT COUNT(*) FROM counts WHERE convicted AND sentence_end > '2020-07-01'").fetchone()[
            0
        ]
        > 0
    )
    assert q("SELECT COUNT(*) FROM counts WHERE json_array_length(sentence) >= 2").fetchone()[0] > 0


def test_cli_generate_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.csv"
    assert (
        main(
            [
                "generate",
                "--county",
                "Kern",
                "--rows",
                "300",
                "--seed",
                "4",
                "--no-header",
                "--out",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    assert '"rows": 300' in capsys.readouterr().out
    assert len(out.read_text().splitlines()) == 300
    direct = tmp_path / "direct.csv"
    generate(direct, "KERN", 300, seed=4, header=False)
    assert sha(out) == sha(direct)
    assert main(["generate", "--county", "Kern", "--rows", "0", "--out", str(out)]) == 2
    assert (
        main(
            [
                "generate",
                "--county",
                "Kern",
                "--rows",
                "5",
                "--as-of",
                "2020-02-30",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "generate",
                "--county",
                "Kern",
                "--rows",
                "5",
                "--out",
                str(tmp_path / "no" / "such" / "dir.csv"),
            ]
        )
        == 2
    )
    assert "folder" in capsys.readouterr().err


def test_cancel_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "cancelled.csv"

    def stop(done: int, total: int, label: str) -> None:
        raise Cancelled()

    with pytest.raises(Cancelled):
        generate(out, "Kern", 50_000, progress=stop)
    assert list(tmp_path.iterdir()) == []


# -- long histories (--rows-per-person, issue 20) -------------------------------------------------
def test_rows_per_person_gives_long_coherent_records(tmp_path: Path) -> None:
    from desktop.records.importer import import_file
    from desktop.store import open_db

    p = tmp_path / "dense.csv"
    stats = generate(p, "San Bernardino", 3_050, seed=3, rows_per_person=100)
    rows = read_rows(p)
    assert stats.rows == len(rows) == 3_050 and stats.subjects == 31
    per: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        per[r["SUBJECT_ID"]].append(r)
    sizes = [len(v) for v in per.values()]
    assert sizes == [100] * 30 + [50]  # exactly N rows a person; the last one cut short
    for recs in per.values():
        assert len({r["PRI_DOB"] for r in recs}) == 1
        cycles = [r["CYC_DATE"] for r in recs]
        assert cycles == sorted(cycles)  # a life in date order
        assert all(len(r["CNT_ORDER"]) == 12 and r["CNT_ORDER"].isdigit() for r in recs)
    # Cannabis convictions in the county are among the other offenses.
    assert any(convicted(r) and (s := section(r)) and s.base in CANNABIS for r in rows)
    db = open_db(tmp_path / "r.sqlite3")
    s = import_file(db, p, backup=False)
    assert (s.rows_read, s.rows_kept, s.rows_rejected) == (3_050, 3_050, 0)
    # Same arguments, same bytes; the default shape is untouched by the option's existence.
    again = tmp_path / "again.csv"
    generate(again, "San Bernardino", 3_050, seed=3, rows_per_person=100)
    assert sha(again) == sha(p)
    short, short0 = tmp_path / "short.csv", tmp_path / "short0.csv"
    generate(short, "San Bernardino", 500, seed=3)
    generate(short0, "San Bernardino", 500, seed=3, rows_per_person=0)
    assert sha(short) == sha(short0) != sha(p)


def test_a_record_longer_than_999_cycles_gets_wide_cycles(tmp_path: Path) -> None:
    """CNT_ORDER numbers cycles and counts with 3 digits: a record too long for 999 cycles of a
    few rows has arrests with many charges instead, and still exactly the rows asked for."""
    p = tmp_path / "one.csv"
    stats = generate(p, "Kern", 12_000, seed=9, rows_per_person=12_000)
    rows = read_rows(p)
    assert stats.subjects == 1 and len(rows) == 12_000
    cnt = [r["CNT_ORDER"] for r in rows]
    assert all(len(c) == 12 and c.isdigit() for c in cnt)
    assert len({c[:3] for c in cnt}) <= 999
    assert max(int(c[6:9]) for c in cnt) > 3  # some arrests carry more than the usual 1-3


def test_cli_rows_per_person(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.csv"
    assert (
        main(
            [
                "generate",
                "--county",
                "Kern",
                "--rows",
                "400",
                "--rows-per-person",
                "100",
                "--seed",
                "4",
                "--out",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    assert '"subjects": 4' in capsys.readouterr().out
    assert (
        main(
            [
                "generate",
                "--county",
                "Kern",
                "--rows",
                "5",
                "--rows-per-person",
                "-1",
                "--out",
                str(out),
            ]
        )
        == 2
    )
