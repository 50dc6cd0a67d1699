"""Orders from an accepted batch, end to end through the CLI: only a judge signs, only granted counts
are ordered, every order reads back right and verifies, reruns and crashes converge on the same
content, bulk orders, the register, DOJ and court exports, and the summary report.

The batch is built through the real review core (decisions, batches) on the demo database."""

from __future__ import annotations

import csv
import hashlib
import re
import sqlite3
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.units import inch

from desktop.audit import verify as verify_audit
from desktop.cli.main import main
from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.law.names import is_surname_first, natural
from desktop.orders.actions import enter_terms
from desktop.orders.batch import render_batch
from desktop.orders.doj_export import COURT_COLUMNS, DOJ_COLUMNS
from desktop.orders.register import list_orders, verify_order
from desktop.orders.render import PAGE_W
from desktop.orders.templates import load_template
from desktop.orders.verify import verify_file
from desktop.progress import Cancelled
from desktop.review import batches, decisions
from desktop.review.users import authenticate
from desktop.store import open_db

# Slow (big orders batches: generated counties reviewed, whole batches rendered, signed and read
# back): .ci/run runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

KEY_PASS = "judge key passphrase"
GRANTS = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction", "resentence")
RELIEF_WORDS = {
    "dismiss_and_seal": "Dismissed and sealed",
    "redesignate_misdemeanor": "Redesignated as a misdemeanor",
    "redesignate_infraction": "Redesignated as an infraction",
    ("resentence", "misdemeanor"): "Sentence recalled; resentenced as a misdemeanor",
    ("resentence", "infraction"): "Sentence recalled; resentenced as an infraction",
    ("resentence", "dismissed"): "Sentence dismissed as legally invalid",
}


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "judge.p12"
    create_demo_key("Hon. Miriam Castellanos-Reyes", "Judge of the Superior Court", path, KEY_PASS)
    return path


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Demo database; the clerk approves the granted counts (one changed to resentencing), submits
    batch 1, the judge samples it, sends one count back and accepts; a second batch stays submitted."""
    db_path = tmp_path / "db.sqlite3"
    build_demo(db_path, rows=3000)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    items = conn.execute(
        "SELECT r.count_id, d.relief FROM review_items r JOIN determinations d"
        " ON d.id = r.determination_id ORDER BY r.count_id"
    ).fetchall()
    grant = [cid for cid, relief in items if relief in GRANTS]
    not_granted = [cid for cid, relief in items if relief not in GRANTS]
    # Every resentencing count and some others: enough orders for the process pool, few enough
    # to read every one back quickly.
    serving = [cid for cid, relief in items if relief == "resentence"]
    others = [cid for cid in grant if cid not in serving]
    assert len(serving) >= 2 and len(others) > 30
    first = sorted(others[:24] + serving)
    second = others[24:29]
    decisions.approve(conn, clerk, first[1:])
    changed = first[0]
    decisions.change(
        conn, clerk, changed, "resentence", "infraction", "serving probation per court file"
    )
    batch = batches.submit_batch(conn, clerk)
    sample = batches.sample(conn, judge, batch, seed=11)
    for item in sample:
        decisions.mark_opened(conn, judge, item.count_id)
    sent_back = next(i.count_id for i in sample if i.count_id != changed)
    batches.send_back(conn, judge, batch, sent_back, "check the disposition date")
    batches.accept_batch(conn, judge, batch)
    decisions.approve(conn, clerk, second)
    pending_batch = batches.submit_batch(conn, clerk)
    conn.close()
    monkeypatch.setenv("RELIEFDESK_DB", str(db_path))
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    return {
        "db": db_path,
        "batch": batch,
        "pending_batch": pending_batch,
        "sent_back": sent_back,
        "changed": changed,
        "granted": sorted(set(first) - {sent_back}),
        "second": second,
        "not_granted": not_granted,
        "out": tmp_path / "orders",
    }


def _conn(world: dict) -> sqlite3.Connection:
    return sqlite3.connect(world["db"])


def _render(world: dict, key: Path, *extra: str, user: str = "judge") -> int:
    return main(
        [
            "orders",
            "render",
            "--batch",
            str(world["batch"]),
            "--out",
            str(world["out"]),
            "--sign",
            str(key),
            "--as",
            user,
            *extra,
        ]
    )


def _text(path: Path) -> str:
    with pdfplumber.open(path) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _relief_column(path: Path, template: str) -> str:
    """The relief column of the count table alone (its cells wrap beside other columns)."""
    t = load_template(template)
    widths = [float(w) for w in t.layout["column_widths"]]
    scale = (PAGE_W - 2 * inch) / sum(widths)
    i = t.layout["columns"].index("relief")
    x0 = inch + sum(widths[:i]) * scale
    with pdfplumber.open(path) as doc:
        return "".join(
            p.crop((x0, 0, x0 + widths[i] * scale, p.height)).extract_text() or ""
            for p in doc.pages
        )


def _terms_for_every_resentencing(world: dict) -> int:
    """The judge enters terms (on the papers, released) for every resentencing case of the batch."""
    conn = _conn(world)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    cases = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT c.case_id FROM batch_items bi JOIN counts c ON c.id = bi.count_id WHERE "
            "bi.batch_id = ? AND bi.relief = 'resentence' AND COALESCE(bi.judge_status, '') <> "
            "'sent_back'",
            (world["batch"],),
        )
    ]
    for case_id in cases:
        enter_terms(conn, judge, world["batch"], case_id, credit_days=45, disposition="released")
    conn.close()
    return len(cases)


def _enter_terms(world: dict, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The judge enters the terms of every resentencing order waiting for them (one with a hearing,
    the others on the papers)."""
    conn = _conn(world)
    waiting = [
        r[0]
        for r in conn.execute(
            "SELECT order_no FROM orders WHERE kind = 'resentence' "
            "AND status = 'prepared' ORDER BY id"
        )
    ]
    conn.close()
    for i, order_no in enumerate(waiting):
        extra = ["--hearing-date", "2025-05-20", "--department", "S-12"] if i == 0 else []
        assert (
            main(
                [
                    "orders",
                    "terms",
                    order_no,
                    "--credit-days",
                    str(30 + i),
                    "--supervision",
                    "misdemeanor probation",
                    "--months",
                    "6",
                    "--as",
                    "judge",
                    *extra,
                ]
            )
            == 0
        )
    capsys.readouterr()
    return waiting


def test_judge_renders_signed_orders_for_exactly_the_granted_counts(
    world: dict, key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _render(world, key) == 0
    first = capsys.readouterr().out
    waiting = [
        line.split()[1].rstrip(":") for line in first.splitlines() if line.startswith("WAITING")
    ]
    conn = _conn(world)
    assert waiting and sorted(waiting) == sorted(
        r[0] for r in conn.execute("SELECT order_no FROM orders WHERE kind = 'resentence'")
    )
    # A resentencing order is not signed before its terms exist.
    assert {r[0] for r in conn.execute("SELECT status FROM orders WHERE kind = 'resentence'")} == {
        "prepared"
    }
    assert not conn.execute(
        "SELECT 1 FROM orders WHERE kind = 'resentence' AND file_path IS NOT NULL"
    ).fetchone()
    assert _enter_terms(world, capsys) == waiting
    assert _render(world, key) == 0
    printed = sorted(
        {Path(word) for word in (first + capsys.readouterr().out).split() if word.endswith(".pdf")}
    )
    orders = conn.execute(
        "SELECT order_no, kind, file_path, sha256, status, signer, template_name,"
        " template_version FROM orders ORDER BY id"
    ).fetchall()
    assert sorted(printed) == sorted(Path(o[2]) for o in orders)
    ordered = sorted(r[0] for r in conn.execute("SELECT count_id FROM order_counts"))
    assert ordered == world["granted"]  # not the sent-back one, nor batch 2
    assert world["sent_back"] not in ordered and not set(world["second"]) & set(ordered)
    kinds = {o[1] for o in orders}
    assert kinds == {"one_case", "resentence"}
    for order_no, kind, file_path, sha, status, signer, tname, tversion in orders:
        path = Path(file_path)
        assert status == "signed" and signer == "Hon. Miriam Castellanos-Reyes"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        assert tname == kind and tversion == "2.0"
        result = verify_file(path)
        assert result.ok and result.signer == "Hon. Miriam Castellanos-Reyes"
        text = _text(path)
        flat = " ".join(text.split())
        assert order_no in flat and "Hon. Miriam Castellanos-Reyes" in flat
        assert (
            "11361.8(b)" if kind == "resentence" else "11361.8(f)"
        ) in flat and "11361.9" in flat
        rows = conn.execute(
            "SELECT k.case_number, c.section, oc.relief, oc.resentence_target, s.name FROM order_counts oc"
            " JOIN orders o ON o.id = oc.order_id JOIN counts c ON c.id = oc.count_id"
            " JOIN cases k ON k.id = oc.case_id JOIN subjects s ON s.id = k.subject_id"
            " WHERE o.order_no = ?",
            (order_no,),
        ).fetchall()
        reliefs = _squash(_relief_column(path, kind))
        for case_number, section, relief, target, name in rows:
            assert case_number in flat and section in flat
            assert _squash(natural(name)) in _squash(text)  # named as people are named
            assert "," in name and name not in text and not is_surname_first(flat)
            words = (
                RELIEF_WORDS[(relief, target)] if relief == "resentence" else RELIEF_WORDS[relief]
            )
            assert _squash(words) in reliefs, (order_no, words)
    changed_relief = conn.execute(
        "SELECT oc.relief, oc.resentence_target, o.kind FROM order_counts oc"
        " JOIN orders o ON o.id = oc.order_id WHERE oc.count_id = ?",
        (world["changed"],),
    ).fetchone()
    assert changed_relief == ("resentence", "infraction", "resentence")
    # The changed count's finding carries the clerk's stated reason.
    changed_file = conn.execute(
        "SELECT o.file_path FROM orders o JOIN order_counts oc ON "
        "oc.order_id = o.id WHERE oc.count_id = ?",
        (world["changed"],),
    ).fetchone()[0]
    assert "serving probation per court file" in " ".join(_text(Path(changed_file)).split())
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert "orders.prepare" in actions and actions[-1] == "orders.sign"
    assert verify_audit(conn).ok


def test_only_a_judge_with_the_right_key_renders_and_nothing_changes_otherwise(
    world: dict, key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = _conn(world)
    before = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    assert _render(world, key, user="clerk") == 4
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", "not the passphrase")
    assert _render(world, key) == 4
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    assert (
        main(
            [
                "orders",
                "render",
                "--batch",
                str(world["pending_batch"]),
                "--out",
                str(world["out"]),
                "--sign",
                str(key),
                "--as",
                "judge",
            ]
        )
        == 4
    )
    assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == before
    assert not world["out"].exists() or not list(world["out"].iterdir())


def test_a_crashed_render_is_finished_by_a_rerun_with_the_same_content(
    world: dict, key: Path
) -> None:
    assert _terms_for_every_resentencing(world) >= 1
    conn = open_db(world["db"]).conn
    calls = []

    def crash_after_three(done: int, total: int, label: str) -> None:
        calls.append(done)
        if done == 3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        render_batch(
            conn,
            world["batch"],
            world["out"],
            key,
            KEY_PASS,
            user="judge",
            workers=1,
            progress=crash_after_three,
        )
    prepared = conn.execute(
        "SELECT order_no, order_date, status FROM orders ORDER BY id"
    ).fetchall()
    assert prepared and {p[2] for p in prepared} == {"prepared"}  # nothing recorded as signed
    assert len(list(world["out"].glob("*.pdf"))) == 3  # three files fully written
    assert not list(world["out"].glob(".*.tmp"))
    # A render killed mid-write leaves a temporary file; the rerun removes it.
    last = conn.execute("SELECT order_no FROM orders ORDER BY id DESC LIMIT 1").fetchone()[0]
    stale = world["out"] / f".{last}.pdf.999999999.tmp"
    stale.write_bytes(b"%PDF-1.4 half an order")

    outcomes = render_batch(
        conn, world["batch"], world["out"], key, KEY_PASS, user="judge", workers=1
    )
    assert not stale.exists()
    after = conn.execute(
        "SELECT order_no, order_date, status, content_sha256 FROM orders ORDER BY id"
    ).fetchall()
    assert [a[:2] for a in after] == [p[:2] for p in prepared]  # same numbers, same dates
    assert {a[2] for a in after} == {"signed"}
    assert sorted(o.path.name for o in outcomes) == sorted(
        p.name for p in world["out"].glob("*.pdf")
    )

    # Losing a file and rendering again rewrites exactly the same order content.
    lost = world["out"] / f"{after[0][0]}.pdf"
    lost.unlink()
    again = render_batch(conn, world["batch"], world["out"], key, KEY_PASS, user="judge", workers=1)
    assert [o.written for o in again].count(True) == 1 and lost.exists()
    assert (
        conn.execute(
            "SELECT content_sha256 FROM orders WHERE order_no = ?", (after[0][0],)
        ).fetchone()[0]
        == after[0][3]
    )
    assert verify_file(lost).ok
    # A complete rerun writes nothing and signs nothing.
    signs = conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'orders.sign'").fetchone()[
        0
    ]
    assert not any(
        o.written
        for o in render_batch(conn, world["batch"], world["out"], key, KEY_PASS, user="judge")
    )
    assert (
        conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'orders.sign'").fetchone()[0]
        == signs
    )


def test_bulk_order_with_schedule_and_no_mixing(
    world: dict, key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _terms_for_every_resentencing(world)
    assert _render(world, key, "--bulk") == 0
    files = [Path(x) for x in capsys.readouterr().out.split() if x.endswith(".pdf")]
    conn = _conn(world)
    kinds = dict(conn.execute("SELECT order_no, kind FROM orders"))
    bulk = [f for f in files if kinds[f.stem] == "bulk"]
    assert len(bulk) == 1 and all(kinds[f.stem] == "resentence" for f in files if f not in bulk)
    text = _text(bulk[0])
    cases = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT k.case_number FROM order_counts oc JOIN orders o ON o.id = oc.order_id"
            " JOIN cases k ON k.id = oc.case_id WHERE o.kind = 'bulk'"
        )
    ]
    assert cases and all(c in text for c in cases)
    with pdfplumber.open(bulk[0]) as doc:
        for page in doc.pages:
            assert bulk[0].stem in (page.extract_text() or "")
    assert verify_file(bulk[0]).ok
    assert _render(world, key) == 4  # per-case now refused


def test_register_list_and_mark_printed(
    world: dict, key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _terms_for_every_resentencing(world)
    assert _render(world, key) == 0
    capsys.readouterr()
    assert main(["orders", "list", "--json", "--as", "judge"]) == 0
    import json

    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["status"] == "signed" and r["counts"] >= 1 for r in rows)
    first = rows[0]["order_no"]
    assert main(["orders", "mark-printed", first, "--as", "clerk"]) == 0
    conn = _conn(world)
    status, printed_at, by = conn.execute(
        "SELECT status, printed_at, printed_by FROM orders WHERE order_no = ?", (first,)
    ).fetchone()
    assert status == "printed" and printed_at and by == "clerk"
    assert main(["orders", "mark-printed", "P64-00-1999-000001"]) == 2
    # The window's helpers: the register's view of an order, and its check against the register.
    db_conn = open_db(world["db"]).conn
    listed = {o.order_no: o for o in list_orders(db_conn)}
    assert listed[first].status == "printed" and listed[rows[1]["order_no"]].status == "signed"
    assert verify_order(db_conn, rows[1]["order_no"]).ok
    # A validly signed but different order put in its place is caught by the register's hash.
    swapped = Path(rows[1]["file_path"])
    swapped.write_bytes(Path(rows[2]["file_path"]).read_bytes())
    assert verify_file(swapped).ok
    result = verify_order(db_conn, rows[1]["order_no"])
    assert not result.ok and "differs" in result.problem
    capsys.readouterr()
    assert main(["orders", "verify", str(swapped), rows[2]["file_path"]]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("FAIL") and "orders register" in lines[0]
    assert lines[1].startswith("OK") and "matches the orders register" in lines[1]


def test_doj_and_court_exports(world: dict, key: Path, tmp_path: Path) -> None:
    _terms_for_every_resentencing(world)
    out = tmp_path / "doj.csv"
    args = [
        "export",
        "doj-update",
        "--batch",
        str(world["batch"]),
        "--out",
        str(out),
        "--as",
        "clerk",
    ]
    assert main(args) == 2 and not out.exists()  # nothing signed yet
    assert _render(world, key) == 0
    assert main(args) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == DOJ_COLUMNS
        rows = list(reader)
    conn = _conn(world)
    assert len(rows) == len(world["granted"])
    expected = {
        (r[1], r[0]): r
        for r in conn.execute(
            "SELECT c.cnt_order, s.cii, s.name, s.dob, k.case_number, c.section, c.level, o.order_no,"
            " o.order_date, oc.relief FROM order_counts oc JOIN orders o ON o.id = oc.order_id"
            " JOIN counts c ON c.id = oc.count_id JOIN cases k ON k.id = oc.case_id"
            " JOIN subjects s ON s.id = k.subject_id"
        )
    }
    codes = {
        "dismiss_and_seal": "DISMISSED_SEALED",
        "redesignate_misdemeanor": "REDESIGNATED",
        "redesignate_infraction": "REDESIGNATED",
        "resentence": "RESENTENCED",
    }
    for row in rows:
        cnt_order, cii, name, dob, case, section, level, order_no, order_date, relief = expected[
            (row["CII_NUMBER"], row["CNT_ORDER"])
        ]
        assert (row["CII_NUMBER"], row["NAME"], row["DOB"]) == (cii, name, dob)
        assert (row["CASE_NUMBER"], row["OFN"], row["SECTION"]) == (case, case, section)
        assert (row["ORIGINAL_LEVEL"], row["ORDER_NUMBER"], row["ORDER_DATE"]) == (
            level,
            order_no,
            order_date,
        )
        assert row["NEW_RELIEF"] == codes[relief] or row["NEW_RELIEF"] == "SENTENCE_DISMISSED"
        assert row["SEALED"] == ("Y" if relief == "dismiss_and_seal" else "N")
        assert row["COUNTY"] == "SAN BERNARDINO" and row["STATUTE"].endswith("HS 11361.9")
    court = tmp_path / "court.csv"
    assert (
        main(
            [
                "export",
                "court-update",
                "--batch",
                str(world["batch"]),
                "--out",
                str(court),
                "--as",
                "clerk",
            ]
        )
        == 0
    )
    with court.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COURT_COLUMNS
        court_rows = list(reader)
    assert len(court_rows) == len(rows)
    shas = {r[0] for r in conn.execute("SELECT sha256 FROM orders")}
    assert {r["ORDER_FILE_SHA256"] for r in court_rows} <= shas
    assert {"export.doj-update", "export.court-update"} <= {
        r[0] for r in conn.execute("SELECT action FROM audit_log")
    }


def test_summary_report(world: dict, key: Path, tmp_path: Path) -> None:
    _terms_for_every_resentencing(world)
    assert _render(world, key) == 0
    out = tmp_path / "summary.pdf"
    assert main(["report", "summary", "--out", str(out), "--as", "clerk"]) == 0
    with pdfplumber.open(out) as doc:
        text = " ".join(" ".join((p.extract_text() or "") for p in doc.pages).split())
        charts = sum(len(p.rects) for p in doc.pages)
    assert "County of San Bernardino" in text and "statute" in text and "2020-07-01" in text
    for label in (
        "Convictions by relief",
        "Convictions by code section",
        "decade",
        "People granted some relief",
        "People who no longer have a felony",
        "Decisions by clerk",
        "clerk",
        "In signed orders",
    ):
        assert label in text, label
    assert charts > 10  # the bar charts are drawn
    n_orders = _conn(world).execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    assert f"in {n_orders:,} orders" in text
    assert main(["report", "summary", "--run", "999", "--out", str(out), "--as", "clerk"]) == 2


def test_court_template_and_handwritten_signature_image(
    world: dict, key: Path, tmp_path: Path
) -> None:
    _terms_for_every_resentencing(world)
    from PIL import Image, ImageDraw

    from desktop.paths import forms_dir

    custom = tmp_path / "court_wording.toml"
    custom.write_text(
        (forms_dir() / "one_case.toml")
        .read_text(encoding="utf-8")
        .replace('name = "one_case"', 'name = "court_wording"')
        .replace('closing = "IT IS SO ORDERED."', 'closing = "SO ORDERED, NUNC PRO TUNC."'),
        encoding="utf-8",
    )
    png = tmp_path / "signature.png"
    img = Image.new("RGBA", (300, 80), (255, 255, 255, 0))
    ImageDraw.Draw(img).line(
        [(10, 60), (80, 20), (150, 55), (290, 15)], fill=(20, 20, 90, 255), width=4
    )
    img.save(png)
    assert _render(world, key, "--template", "bulk") == 2  # a bulk template for one-case orders
    assert _render(world, key, "--template", str(custom), "--signature-image", str(png)) == 0
    conn = _conn(world)
    names = {r[0]: r[1] for r in conn.execute("SELECT template_name, kind FROM orders")}
    assert names == {str(custom.resolve()): "one_case", "resentence": "resentence"}
    path = Path(
        conn.execute("SELECT file_path FROM orders WHERE kind = 'one_case' LIMIT 1").fetchone()[0]
    )
    assert "SO ORDERED, NUNC PRO TUNC." in " ".join(_text(path).split())
    with pdfplumber.open(path) as doc:
        assert doc.pages[-1].images  # the signature image is drawn
    assert verify_file(path).ok
