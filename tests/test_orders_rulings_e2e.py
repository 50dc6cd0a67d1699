"""End to end through the real dispositions core (issue 19 §1-2, desktop/dispositions) and the
orders made from rulings (§3): a petition opposed for public safety is heard; one count is denied,
the other resentenced; the hearing makes a denial order (its finding) and a resentencing order (its
terms), both signed; the status report puts the counts in "ordered", then, after the DOJ update, the
resentenced count in "reported to DOJ"."""

from __future__ import annotations

from pathlib import Path

from dispo_setup import DEMO_PASSWORD, KEY_PASS, build_dispo_world
from pypdf import PdfReader

from desktop.dispositions import hearings as hr
from desktop.dispositions import matters as mt
from desktop.dispositions import responses as rs
from desktop.dispositions.common import today
from desktop.dispositions.status import in_scope, stages
from desktop.errors import UserError
from desktop.orders.doj_export import Selection, write_export
from desktop.orders.rulings import render_rulings
from desktop.review.lifecycle import life
from desktop.review.users import authenticate
from desktop.store import open_db


def _text(path: Path) -> str:
    pages = PdfReader(str(path)).pages
    return " ".join(" ".join(p.extract_text() or "" for p in pages).split())


def test_petition_heard_ruled_ordered_and_reported(tmp_path: Path) -> None:
    w = build_dispo_world(tmp_path, rows=2500)
    conn = open_db(w.db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    opened = None
    for sid, ids in w.people:
        filing = mt.Filing("petition", today(), "attorney", "D. Whitfield")
        try:
            opened = (mt.open_matter(conn, clerk, sid, ids[:2], filing), ids[:2])
        except UserError:
            continue
        break
    assert opened is not None, "no person whose counts the intake core accepts"
    mid, ids = opened
    rs.add_response(conn, clerk, mid, "opposes_public_safety", today())
    hid = hr.schedule_hearing(conn, clerk, mid, today(), "10:30", "9")
    hr.enter_outcome(
        conn,
        judge,
        hid,
        [
            hr.Outcome(
                ids[0],
                "denied",
                finding="public_safety",
                finding_text="a recent firearm conviction",
            ),
            hr.Outcome(
                ids[1],
                "granted_other_relief",
                relief="resentence",
                resentence_target="misdemeanor",
                credit_days=45,
            ),
        ],
    )
    made = render_rulings(conn, w.out, w.key, KEY_PASS, user="judge", matter_id=mid)
    by_kind = {o.kind: o for o in made}
    assert set(by_kind) == {"denial", "resentence"} and all(o.produced for o in made)
    denial = _text(by_kind["denial"].path)
    assert "a recent firearm conviction" in denial and "10:30 a.m., in Department 9" in denial
    assert "Penal Code section 1170.18(c)" in denial
    resentence = _text(by_kind["resentence"].path)
    assert "credit for time served of 45 days" in resentence
    assert "released from custody and supervision" in resentence
    assert (
        conn.execute("SELECT status FROM matters WHERE id = ?", (mid,)).fetchone()[0] == "ordered"
    )
    assert life(conn, ids[0]).text.startswith("Ordered: relief denied")
    county = conn.execute(
        "SELECT COALESCE(k.county, c.county) FROM counts c JOIN cases k ON k.id = c.case_id"
        " WHERE c.id = ?",
        (ids[0],),
    ).fetchone()[0]
    found = stages(conn, in_scope(conn, county))
    assert {found[c].stage for c in ids} == {"ordered"}
    write_export(
        conn, Selection(matter_id=mid), tmp_path / "doj.csv", kind="doj-update", user="clerk"
    )
    found = stages(conn, in_scope(conn, county))
    assert found[ids[1]].stage == "reported" and found[ids[0]].stage == "ordered"
    conn.close()
