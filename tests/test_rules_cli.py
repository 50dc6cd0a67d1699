"""Evaluation through the CLI: runs, JSON totals, determinations CSV, explain, re-evaluation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from helpers.cli import reliefdesk
from readers import READER, READER_PASSWORD, add_reader

from desktop.cli.main import main
from desktop.cli.rules_cmd import DETERMINATION_COLUMNS
from desktop.store import open_db

SAMPLE = Path(__file__).resolve().parent / "data" / "gogen-sample"
SB = ["--county", "San Bernardino", "--as-of", "2020-07-01"]
AS = ["--as", READER]


@pytest.fixture
def dbp(tmp_path, monkeypatch):
    p = tmp_path / "db.sqlite3"
    assert main(["--db", str(p), "import", str(SAMPLE / "san_bernardino_3000.csv")]) == 0
    add_reader(p)  # reading the results needs a signed-in user
    monkeypatch.setenv("RELIEFDESK_PASSWORD", READER_PASSWORD)
    return p


def run(dbp, *args) -> int:
    return reliefdesk(dbp, *args)


def test_evaluate_json_totals_and_determinations_csv(dbp, tmp_path, capsys):
    capsys.readouterr()
    assert run(dbp, "evaluate", *SB, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["run_id"] == 1 and sum(out["totals"].values()) > 100
    csv_path = tmp_path / "det.csv"
    assert run(dbp, "determinations", "--out", str(csv_path)) == 4 and not csv_path.exists()
    assert run(dbp, "determinations", "--out", str(csv_path), *AS) == 0
    with csv_path.open(newline="", encoding="utf-8") as fh:
        # The first line says how formula-like cells are neutralised (issue 12, CWE-1236).
        assert fh.readline().startswith("# ReliefDesk export for people")
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == DETERMINATION_COLUMNS
    assert len(rows) == sum(out["totals"].values())
    for r in rows:
        assert r["source_file"] == "san_bernardino_3000.csv" and int(r["source_line"]) >= 2
        assert json.loads(r["explanation"])["steps"]
        assert r["relief"] in out["totals"]


def test_explain_prints_steps_with_statutes(dbp, capsys):
    assert run(dbp, "evaluate", *SB) == 0
    conn = open_db(dbp).conn
    cid = conn.execute(
        "SELECT count_id FROM determinations WHERE flags LIKE '%disqualifying_prior%' LIMIT 1"
    ).fetchone()[0]
    capsys.readouterr()
    assert run(dbp, "explain", str(cid)) == 4
    assert "signed-in user" in capsys.readouterr().err
    assert run(dbp, "explain", str(cid), *AS) == 0
    text = capsys.readouterr().out
    assert "R4.disqualifying_prior" in text and "PC 667(e)(2)(C)(iv)" in text
    assert "Relief: not_eligible" in text
    assert run(dbp, "explain", "999999", *AS) == 2


def test_unknown_county_and_bad_date_are_clear_errors(dbp, capsys):
    assert run(dbp, "evaluate", "--county", "NARNIA COUNTY") == 2
    assert "SAN BERNARDINO" in capsys.readouterr().err
    assert run(dbp, "evaluate", "--county", "SAN BERNARDINO", "--as-of", "07/01/2020") == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert run(dbp, "evaluate", "--county", "SAN BERNARDINO", "--policy", "no-such") == 2


def test_reevaluation_keeps_decisions_and_reopens_changed_counts(dbp):
    assert run(dbp, "evaluate", *SB, "--policy", "statute") == 0
    conn = open_db(dbp).conn
    # A clerk approved every pending count of the first run.
    conn.execute(
        "UPDATE review_items SET status = 'approved', decided_by = 'clerk1',"
        " decided_at = '2026-11-01T10:00:00'"
    )
    before = dict(
        conn.execute(
            "SELECT r.count_id, d.relief FROM review_items r JOIN"
            " determinations d ON d.id = r.determination_id"
        )
    )
    assert run(dbp, "evaluate", *SB, "--policy", str(SAMPLE / "mixed" / "options.json")) == 0
    after = {
        cid: (relief, status, rereview, prev)
        for cid, relief, status, rereview, prev in conn.execute(
            "SELECT r.count_id, d.relief, r.status, r.rereview, r.previous_decision"
            " FROM review_items r JOIN determinations d ON d.id = r.determination_id"
        )
    }
    assert conn.execute("SELECT COUNT(*) FROM evaluation_runs").fetchone() == (2,)
    changed = [c for c in before if before[c] != after[c][0]]
    same = [c for c in before if before[c] == after[c][0]]
    assert changed and same
    for c in changed:
        relief, status, rereview, prev = after[c]
        assert (status, rereview) == ("pending", 1)
        old = json.loads(prev)
        assert old["status"] == "approved" and old["decided_by"] == "clerk1"
        assert old["relief"] == before[c]
    for c in same:
        assert after[c][1] == "approved"
    # Both runs' determinations are kept.
    assert conn.execute("SELECT COUNT(DISTINCT run_id) FROM determinations").fetchone() == (2,)


def test_prosecution_responses_import_and_rejects(dbp, tmp_path, capsys):
    f = tmp_path / "responses.csv"
    f.write_text(
        "case_number,count,response,ground,date\n"
        "51578520,,not_challenged,,2020-06-30\n"
        "51578520,x,challenged,criteria,2020-06-30\n"
        ",1,challenged,criteria,2020-06-30\n"
        "51578520,1,maybe,,2020-06-30\n"
        "51578520,2,challenged,public_safety,2020-13-01\n"
    )
    assert run(dbp, "responses", "import", str(f), "--json") == 3
    out = json.loads(capsys.readouterr().out)
    assert (out["rows_read"], out["rows_kept"], out["rows_rejected"]) == (5, 1, 4)
    conn = open_db(dbp).conn
    reasons = [r[0] for r in conn.execute("SELECT column_name FROM rejected_rows ORDER BY line")]
    assert reasons == ["count", "case_number", "response", "date"]
    assert run(dbp, "responses", "import", str(f)) == 0  # same file again: nothing changes
    assert conn.execute("SELECT COUNT(*) FROM prosecution_responses").fetchone() == (1,)


def test_headerless_responses_file_through_plain_import(dbp, tmp_path, capsys):
    f = tmp_path / "da.csv"
    f.write_text(
        "51578520,,not_challenged,,2020-06-30\n51578520,2,challenged,criteria,2020-06-30\n"
    )
    capsys.readouterr()
    assert run(dbp, "import", str(f), "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["format"], out["rows_kept"]) == ("prosecution-responses", 2)
    conn = open_db(dbp).conn
    assert conn.execute(
        "SELECT case_number, count_no, response FROM prosecution_responses ORDER BY id"
    ).fetchall() == [("51578520", None, "not_challenged"), ("51578520", 2, "challenged")]
