"""The CLI's lists of matters, hearings and stages read in words (issue 16 applied to issue 19):
`matter list|show`, `hearing list` and `status` name counts as "count N of case X" and people as
people are named, rulings, kinds and statuses in words, with no internal ids and no code names;
`--json` keeps the codes. And the service settings and the matter's addresses from the CLI."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.demo import DEMO_COUNTY, DEMO_PASSWORD, build_demo
from desktop.law import names

TODAY = "2026-11-02"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("disp-words") / "demo.sqlite3"
    build_demo(path, rows=3000)
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_NOW", f"{TODAY}T18:00:00+00:00")
    target = tmp_path / "court.sqlite3"
    shutil.copy(template, target)
    return target


def cli(db: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(db), *args])
    return code, out.getvalue(), err.getvalue()


def ok(db: Path, *args: str) -> str:
    code, out, err = cli(db, *args)
    assert code == 0, f"{args}: exit {code}: {err}"
    return out


def test_lists_in_words(db: Path) -> None:
    mid = json.loads(
        ok(
            db,
            "matter",
            "open",
            "--court-file",
            "--name",
            "CALDERON,AMARA P",
            "--dob",
            "1985-04-04",
            "--case",
            "FSB2600777",
            "--county",
            DEMO_COUNTY,
            "--entry",
            "2|11359 HS|F|2016-01-15|PRISON 12Y",
            "--kind",
            "petition",
            "--filed",
            TODAY,
            "--served",
            TODAY,
            "--filer",
            "attorney",
            "--filer-name",
            "Lena Ortega",
            "--person-address",
            "1250 Mill St | Redlands, CA 92373",
            "--counsel-address",
            "400 N Arrowhead Ave | San Bernardino, CA 92401",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]
    (cid,) = json.loads(ok(db, "matter", "show", str(mid), "--json", "--as", "judge"))["counts"]
    cid = cid["count_id"]
    ok(
        db,
        "response",
        "add",
        str(mid),
        "--position",
        "opposes_public_safety",
        "--date",
        TODAY,
        "--as",
        "clerk",
    )
    hid = ok(
        db, "hearing", "schedule", str(mid), "--date", TODAY, "--time", "09:00", "--as", "clerk"
    ).split()[1]
    ok(
        db,
        "hearing",
        "outcome",
        hid,
        "--all",
        "--outcome",
        "denied",
        "--finding",
        "public_safety",
        "--as",
        "judge",
    )
    texts = {
        "matter list": ok(db, "matter", "list", "--as", "clerk"),
        "matter show": ok(db, "matter", "show", str(mid), "--as", "clerk"),
        "hearing list": ok(db, "hearing", "list", "--any-status", "--as", "clerk"),
        "status": ok(db, "status", "--county", DEMO_COUNTY, "--limit", "50", "--as", "clerk"),
    }
    for what, text in texts.items():
        assert "AMARA P CALDERON" in text, what
        assert not names.is_surname_first(text.replace(", CA", " CA")), (what, text)
        assert not re.search(rf"(?<![\d-]){cid}(?![\d-])", text), (what, cid)
        for code in ("opposes_public_safety", "public_safety", "granted_other_relief", "_"):
            assert code not in text, (what, code)
    assert f"Matter No. {mid}" in texts["matter list"] and "Petition" in texts["matter list"]
    show = texts["matter show"]
    assert "Count 2 of case FSB2600777: HS 11359, felony, convicted 2016-01-15" in show
    assert "opposes: unreasonable risk to public safety" in show
    assert "denied — unreasonable risk to public safety (PC 1170.18(c))" in show
    assert "Person's mailing address: 1250 Mill St, Redlands, CA 92373" in show
    assert f"Hearing No. {hid}" in texts["hearing list"] and "held" in texts["hearing list"]
    assert "count 2 of case FSB2600777: denied — unreasonable risk" in texts["hearing list"]
    assert "count 2 of case FSB2600777 (HS 11359)  AMARA P CALDERON" in texts["status"]
    # --json keeps the codes.
    listed = [
        json.loads(line)
        for line in ok(db, "matter", "list", "--json", "--as", "clerk").splitlines()
    ]
    mine = next(m for m in listed if m["id"] == mid)
    assert mine["kind"] == "petition" and mine["person"] == "AMARA P CALDERON"
    hearing = json.loads(
        ok(db, "hearing", "list", "--any-status", "--json", "--as", "clerk").splitlines()[-1]
    )
    assert hearing["count_ids"] == [cid] and hearing["status"] == "held"


def test_service_settings_from_the_command_line(db: Path) -> None:
    code, out, err = cli(
        db, "service", "set", "--prosecution-address", "1 Main | Town, CA 90000", "--as", "clerk"
    )
    assert code == 4 and out == "" and len(err.strip().splitlines()) == 1
    code, _, err = cli(
        db, "service", "set", "--prosecution-address", "303 W Third St", "--as", "admin"
    )
    assert code != 0 and "city line" in err
    ok(
        db,
        "service",
        "set",
        "--public-defender-name",
        "Office of the Public Defender",
        "--public-defender-address",
        "364 N Mountain View Ave | San Bernardino, CA 92415",
        "--as",
        "admin",
    )
    shown = ok(db, "service", "show", "--as", "clerk")
    assert "Public defender: Office of the Public Defender" in shown
    assert (
        "Public defender's mailing address: 364 N Mountain View Ave, San Bernardino, CA 92415"
        in shown
    )
    assert json.loads(ok(db, "service", "show", "--json", "--as", "clerk"))[
        "public_defender_address"
    ] == ("364 N Mountain View Ave\nSan Bernardino, CA 92415")


def test_the_courts_own_name_wins(db: Path, tmp_path: Path) -> None:
    """When the court's records for a case are imported, the matter names the person as the
    court's case does (the orders' rule), not as DOJ spelled it."""
    import sqlite3

    conn = sqlite3.connect(db)
    sid, cid, number, county, raw = conn.execute(
        "SELECT s.id, c.id, k.case_number, k.county, s.name FROM counts c"
        " JOIN cases k ON k.id = c.case_id JOIN subjects s ON s.id = c.subject_id"
        " JOIN review_items r ON r.count_id = c.id"
        " WHERE c.county = ? AND s.name LIKE '%,%' AND k.case_number IS NOT NULL"
        " ORDER BY c.id LIMIT 1",
        (DEMO_COUNTY,),
    ).fetchone()
    conn.close()
    mid = json.loads(
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
            TODAY,
            "--served",
            TODAY,
            "--filer",
            "person",
            "--no-evaluate",
            "--json",
            "--as",
            "clerk",
        )
    )["matter_id"]
    assert names.natural(raw, "as_recorded") in ok(db, "matter", "list", "--as", "clerk")
    court_name = f"{raw.split(',')[0]}, MARIA-JOSÉ Q"
    extract = tmp_path / "court.csv"
    extract.write_text(
        "case_number,defendant_name,dob,county,count_no,code_section,level,disposition,"
        "conviction_date,sentence\n"
        f'{number},"{court_name}",1980-01-01,{county},9,HS 11357(A),F,CONVICTED,2010-01-01,FINE\n',
        encoding="utf-8",
    )
    ok(db, "import", str(extract), "--format", "court-csv")
    shown = names.natural(court_name, "as_recorded")
    listed = ok(db, "matter", "list", "--as", "clerk")
    assert f"Matter No. {mid}" in listed and shown in listed
    assert shown in ok(db, "matter", "show", str(mid), "--as", "clerk")
