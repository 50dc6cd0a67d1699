"""The Audit view in words (issue 16): each entry says who did what to which person, case, count,
batch or order, when on the court's clock; no action code ("batch.accept") or raw JSON shows in the
default columns; the raw entry is there on demand. Every action the program logs has a sentence."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.law.names import natural
from desktop.orders.batch import render_batch
from desktop.review import batches, decisions
from desktop.review.access import sealed_ids
from desktop.review.audit_words import ACTION_TITLES, SENTENCES, court_time
from desktop.review.bulk import bulk_approve
from desktop.review.settings import set_setting
from desktop.review.users import authenticate, create_user
from desktop.store import open_db
from desktop.ui.audit_view import HEADERS, AuditView

ROOT = Path(__file__).resolve().parents[1] / "desktop"
# Actions written with an f-string, and every value the program fills in.
FAMILIES = {
    "review.{action}": {"approve", "reject", "change", "defer", "bulk_approve"},
    "export.{kind}": {"doj-update", "court-update"},
    "export.{('rejected' if what == 'rejected rows' else what)}": {"rejected", "warnings"},
}


def _logged_actions() -> set[str]:
    """Every action passed to audit.append (or an export helper) anywhere in desktop/."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            if not (name.endswith("append") or name.endswith("_record_export")):
                continue
            pos = 1 if name.endswith("_record_export") else 2
            args = node.args[pos : pos + 1]
            for a in args:
                if isinstance(a, ast.Constant) and isinstance(a.value, str):
                    if re.fullmatch(r"[a-z_]+(\.[a-z_-]+)?", a.value):
                        found.add(a.value)
                elif isinstance(a, ast.JoinedStr):
                    pattern = ast.unparse(a)[2:-1]
                    assert pattern in FAMILIES, f"{path.name}: add the actions of f'{pattern}'"
                    prefix = pattern.split("{")[0]
                    found |= {prefix + v for v in FAMILIES[pattern]}
    return found


def test_every_logged_action_has_a_sentence_and_a_title() -> None:
    actions = _logged_actions()
    assert {"batch.accept", "review.reject", "orders.sign", "settings.set"} <= actions
    missing = sorted(a for a in actions if a not in SENTENCES)
    assert missing == [], (
        f"give these actions a sentence in desktop/review/audit_words.py: {missing}"
    )
    untitled = sorted(a for a in actions if a not in ACTION_TITLES)
    assert untitled == [], f"give these actions a title: {untitled}"


def test_court_time_is_the_pacific_wall_clock() -> None:
    assert court_time("2026-11-30T15:04:05+00:00") == "2026-11-30 07:04 PST"
    assert court_time("2026-07-01T19:30:00+00:00") == "2026-07-01 12:30 PDT"


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clerk's and a judge's day on a demo database, through orders signed and sealed."""
    d = tmp_path_factory.mktemp("auditwords")
    db_path = d / "demo.sqlite3"
    build_demo(db_path, rows=2500)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    rows = conn.execute(
        "SELECT r.count_id, d.relief, d.rule_path FROM review_items r JOIN determinations d"
        " ON d.id = r.determination_id ORDER BY r.count_id"
    ).fetchall()
    dismiss = [cid for cid, relief, _ in rows if relief == "dismiss_and_seal"]
    for cid in dismiss[:3]:
        decisions.mark_opened(conn, clerk, cid)
    decisions.approve(conn, clerk, dismiss[:6])
    decisions.reject(conn, clerk, [dismiss[6]], "not a cannabis conviction: sale of other drug")
    decisions.defer(conn, clerk, [dismiss[7]], "waiting for the court file")
    decisions.change(conn, clerk, dismiss[8], "redesignate_misdemeanor", None, "per the file")
    path = next(p for cid, relief, p in rows if relief == "redesignate_misdemeanor")
    for cid in [c for c, _, p in rows if p == path][:3]:
        decisions.mark_opened(conn, clerk, cid)
    bulk_approve(conn, clerk, path)
    batch = batches.submit_batch(conn, clerk)
    sample = batches.sample(conn, judge, batch, seed=5)
    for item in sample:
        decisions.mark_opened(conn, judge, item.count_id)
    batches.send_back(conn, judge, batch, sample[0].count_id, "check the disposition date")
    batches.accept_batch(conn, judge, batch)
    key = d / "judge.p12"
    create_demo_key("Hon. Ana Ruiz", "Judge of the Superior Court", key, "audit key pass")
    render_batch(conn, batch, d / "orders", key, "audit key pass", user="judge")
    set_setting(conn, admin, "sample_percent", 15)
    create_user(conn, "clerk2", "clerk", "a long clerk password", admin)
    conn.close()
    return db_path


def _shown(view: AuditView) -> list[list[str]]:
    m = view.model
    while m.canFetchMore():
        m.fetchMore()
    return [[str(m.data(m.index(r, c))) for c in range(len(HEADERS))] for r in range(m.rowCount())]


def test_entries_read_as_sentences_without_codes_or_json(day: Path, qtbot) -> None:
    conn = open_db(day).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    view = AuditView(conn, viewer=clerk)
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    rows = _shown(view)
    actions = {r[0] for r in conn.execute("SELECT DISTINCT action FROM audit_log")}
    assert {"review.reject", "batch.accept", "orders.sign", "settings.set", "user.add"} <= actions
    codes = re.compile(
        "|".join(re.escape(a) for a in sorted(actions | set(SENTENCES), key=len, reverse=True))
    )
    for row in rows:
        for cell in row:
            assert not codes.search(cell) or cell.isdigit(), f"an action code is shown: {cell!r}"
            assert not re.search(r'[{}\[\]]|":', cell), f"raw data is shown: {cell!r}"
            assert "_" not in cell, f"a code name is shown: {cell!r}"
    assert HEADERS == ("No.", "When (court time)", "Who", "What happened")
    what = [r[3] for r in rows]
    reject = conn.execute(
        "SELECT targets, payload FROM audit_log WHERE action = 'review.reject'"
    ).fetchone()
    cid = json.loads(reject[0])[0]
    case, name, count_no = conn.execute(
        "SELECT cs.case_number, s.name, c.count_no FROM counts c JOIN cases cs ON cs.id ="
        " c.case_id JOIN subjects s ON s.id = c.subject_id WHERE c.id = ?",
        (cid,),
    ).fetchone()
    sealed = sealed_ids(conn)
    who = "a sealed record" if cid in sealed else natural(name)  # as people are named
    assert (
        f"Rejected count {count_no} of case {case}, {who} — reason: not a cannabis conviction"
        in "\n".join(what)
    )
    assert any(w.startswith("Accepted batch 1 (") and "for orders" in w for w in what)
    assert any(w.startswith("Signed ") and "order" in w and "batch 1" in w for w in what)
    assert any(w.startswith("Approved ") and "together" in w for w in what)
    assert any("Sent count" in w and "check the disposition date" in w for w in what)
    assert any(w.startswith("Changed the judge's sample") and "to 15" in w for w in what)
    assert any(w.startswith("Added the user clerk2 as a clerk") for w in what)
    assert any(w.startswith("Imported demo-synthetic-doj.csv") for w in what)
    # Times are the court's, to the minute.
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d P[SD]T", r[1]) for r in rows)
    # The filter lists actions in words; choosing one filters by its code.
    titles = [view.action_box.itemText(i) for i in range(view.action_box.count())]
    assert "Batch accepted" in titles and not any("." in t or "_" in t for t in titles)
    view.choose_action("review.reject")
    assert view.model.total == 1
    # The raw entry on demand.
    view.table.selectRow(0)
    assert '"action"' not in view.detail.toPlainText()
    view.raw_check.setChecked(True)
    raw = view.detail.toPlainText()
    assert '"action": "review.reject"' in raw and '"hash"' in raw
    conn.close()


def test_sealed_people_named_only_for_those_who_may_read_them(day: Path, qtbot) -> None:
    conn = open_db(day).conn
    sealed = sealed_ids(conn)
    assert sealed, "signing dismiss-and-seal orders seals their counts"
    shown = json.loads(
        conn.execute("SELECT targets FROM audit_log WHERE action = 'review.approve'").fetchone()[0]
    )[:2]  # the counts the sentence names
    cid = next(c for c in shown if c in sealed)
    name = conn.execute(
        "SELECT s.name FROM counts c JOIN subjects s ON s.id = c.subject_id WHERE c.id = ?", (cid,)
    ).fetchone()[0]
    name = natural(name)  # as people are named
    for user, sees in (("clerk", False), ("judge", True)):
        viewer = authenticate(conn, user, DEMO_PASSWORD)
        view = AuditView(conn, viewer=viewer)
        qtbot.addWidget(view)
        view.choose_action("review.approve")
        text = "\n".join(r[3] for r in _shown(view))
        assert (name in text) is sees, (user, name)
        if not sees:
            assert "a sealed record" in text
    conn.close()


def test_unknown_action_still_reads_as_words(tmp_path: Path, qtbot) -> None:
    from desktop.audit.log import append
    from desktop.store.tx import transaction

    db = open_db(tmp_path / "x.sqlite3")
    with transaction(db.conn):
        append(db.conn, "admin1", "hearing.schedule_notice", ["M-1"], {"date": "2027-01-02"})
    view = AuditView(db.conn)
    qtbot.addWidget(view)
    cell = view.model.data(view.model.index(0, 3))
    assert "." not in cell and "_" not in cell and "schedule notice" in cell.lower()
    assert isinstance(db.conn, sqlite3.Connection)


def test_every_sentence_survives_an_entry_missing_its_details() -> None:
    """An old entry or a short payload still reads as words (never a crash, code or JSON)."""
    from desktop.review.audit_words import Context, sentence

    ctx = Context({})
    for action in SENTENCES:
        for targets, payload in (([], {}), ([7], {"batch_id": 3, "reason": "r"})):
            text = sentence(action, targets, payload, ctx)
            assert text and "{" not in text and "_" not in text, (action, text)
            if "." in action or "_" in action:
                assert action not in text, (action, text)
