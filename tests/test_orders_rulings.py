"""Every ruling becomes an order (issue 19 §3-4): orders after hearing, denial orders, orders on a
petition or application and resentencing orders made from the judge's rulings, through real signed
PDFs read back; their effect on the counts (sealed or not, lifecycle, matter status), the DOJ and
court-update exports, the refusals, certified copies and the per-person report.

Matters, hearings and rulings are written by the TEST SET-UP helpers of tests/dispo_setup.py (the
intake and hearing core is built on another branch); the code under test only reads them."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from dispo_setup import (
    DEMO_PASSWORD,
    KEY_PASS,
    DispoWorld,
    build_dispo_world,
    setup_hearing,
    setup_matter,
    setup_response,
    setup_ruling,
)
from pdfread import flat
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from desktop.audit.log import verify as audit_verify
from desktop.cli.main import main
from desktop.errors import RefusedError, UserError
from desktop.orders.certify import certify_order
from desktop.orders.doj_export import Selection, court_rows, doj_rows, write_export
from desktop.orders.person_report import person_report
from desktop.orders.rulings import render_rulings
from desktop.review.lifecycle import life
from desktop.review.users import authenticate
from desktop.store import open_db


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> DispoWorld:
    w = build_dispo_world(tmp_path_factory.mktemp("dispo"), rows=2500)
    assert len(w.people) >= 8
    return w


@pytest.fixture()
def conn(world: DispoWorld) -> sqlite3.Connection:
    c = open_db(world.db).conn
    yield c
    c.close()


def _text(path: Path) -> str:
    return flat(" ".join(p.extract_text() or "" for p in PdfReader(str(path)).pages))


def _validate(path: Path) -> None:
    sig = PdfFileReader(io.BytesIO(path.read_bytes())).embedded_signatures[0]
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[sig.signer_cert]))
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"


def _cli(world: DispoWorld, *args: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    return main(["--db", str(world.db), *args])


_MADE: dict[str, tuple[int, object]] = {}


def after_hearing_order(world: DispoWorld, conn: sqlite3.Connection) -> tuple[int, object]:
    """(matter id, outcome) of person 0's petition: count 1 denied for public safety after a
    hearing, count 2 granted; made once per module (tests that need a signed order use it)."""
    if "after_hearing" not in _MADE:
        sid, ids = world.people[0]
        m = setup_matter(conn, sid, ids[:2], kind="petition")
        setup_response(conn, m, "opposes_public_safety")
        h = setup_hearing(conn, m, "2026-11-02", department="12")
        setup_ruling(
            conn,
            ids[0],
            m,
            "denied",
            hearing_id=h,
            finding="public_safety",
            finding_text="the petitioner was convicted in 2025 of assault with a firearm",
        )
        setup_ruling(conn, ids[1], m, "granted", hearing_id=h, relief="dismiss_and_seal")
        [out] = render_rulings(conn, world.out, world.key, KEY_PASS, user="judge", matter_id=m)
        _MADE["after_hearing"] = (m, out)
    return _MADE["after_hearing"]


def test_petition_denied_for_public_safety_after_hearing_and_one_count_granted(
    world: DispoWorld, conn: sqlite3.Connection
) -> None:
    sid, ids = world.people[0]
    m, out = after_hearing_order(world, conn)
    h = conn.execute("SELECT id FROM hearings WHERE matter_id = ?", (m,)).fetchone()[0]
    assert out.kind == "after_hearing" and out.produced
    _validate(out.path)
    text = _text(out.path)
    assert "Order After Hearing" in text
    assert "November 2, 2026, at 9:00 a.m., in Department 12" in text
    assert "unreasonable risk of danger to public safety within the meaning of Penal Code" in text
    assert "1170.18(c)" in text and "assault with a firearm" in text
    assert "Denied" in text and "Dismissed and sealed" in text
    assert "Relief is DENIED as to count" in text and "Relief is GRANTED as to count" in text
    assert len(PdfReader(str(out.path)).pages) == 1
    # Effect: the granted count is sealed, the denied one never; rulings and matter ordered.
    sealed = {r[0] for r in conn.execute("SELECT count_id FROM under_seal")}
    assert ids[1] in sealed and ids[0] not in sealed
    assert {
        r[0] for r in conn.execute("SELECT order_id FROM rulings WHERE matter_id = ?", (m,))
    } == {conn.execute("SELECT id FROM orders WHERE order_no = ?", (out.order_no,)).fetchone()[0]}
    assert conn.execute("SELECT status FROM matters WHERE id = ?", (m,)).fetchone()[0] == "ordered"
    assert life(conn, ids[0]).text == f"Ordered: relief denied ({out.order_no})"
    assert life(conn, ids[1]).text == f"Ordered ({out.order_no})"
    row = conn.execute(
        "SELECT batch_id, matter_id, hearing_id, kind FROM orders WHERE order_no = ?",
        (out.order_no,),
    ).fetchone()
    assert row == (None, m, h, "after_hearing")
    # Exports: DOJ gets the granted count only; the court's system gets the denial too.
    doj = doj_rows(conn, Selection(matter_id=m))
    assert [(r["NEW_RELIEF"], r["SEALED"], r["STATUTE"]) for r in doj] == [
        ("DISMISSED_SEALED", "Y", "HS 11361.8(b)")
    ]
    court = {r["ACTION"] for r in court_rows(conn, Selection(matter_id=m))}
    assert court == {"DENIED", "DISMISS_AND_SEAL"}
    assert audit_verify(conn).ok


def test_application_denied_on_the_papers_gets_a_denial_order(
    world: DispoWorld, conn: sqlite3.Connection
) -> None:
    sid, ids = world.people[1]
    m = setup_matter(conn, sid, ids[:2], kind="application", filer_kind="person", filer_name="")
    setup_response(conn, m, "opposes_criteria")
    for cid in ids[:2]:
        setup_ruling(
            conn, cid, m, "denied", finding="criteria_not_met", finding_text="the quantity exceeded"
        )
    [out] = render_rulings(conn, world.out, world.key, KEY_PASS, user="judge", matter_id=m)
    assert out.kind == "denial"
    _validate(out.path)
    text = _text(out.path)
    assert "Order Denying Relief" in text
    assert (
        "by clear and convincing evidence that the applicant does not satisfy the criteria" in text
    )
    assert "The application is DENIED as to counts" in text
    assert "No hearing was requested or held" in text
    assert not conn.execute(
        "SELECT 1 FROM under_seal WHERE count_id IN (?, ?)", tuple(ids[:2])
    ).fetchone()
    assert doj_rows(conn, Selection(matter_id=m)) == []  # a denial changes nothing DOJ holds
    with pytest.raises(UserError, match="deny relief only"):
        write_export(
            conn, Selection(matter_id=m), world.out / "none.csv", kind="doj-update", user="clerk"
        )
    assert not (world.out / "none.csv").exists()
    assert [r["ACTION"] for r in court_rows(conn, Selection(matter_id=m))] == ["DENIED"] * 2


def test_application_granted_on_the_papers_is_a_cr403_order_reported_to_doj(
    world: DispoWorld, conn: sqlite3.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid, ids = world.people[2]
    m = setup_matter(
        conn,
        sid,
        ids[:2],
        kind="application",
        filer_kind="public_defender",
        filer_name="Office of the Public Defender",
    )
    setup_ruling(conn, ids[0], m, "granted", relief="redesignate_misdemeanor")
    setup_ruling(
        conn,
        ids[1],
        m,
        "granted_other_relief",
        relief="redesignate_infraction",
        finding_text="the amount possessed was under 28.5 grams",
    )
    conn.close()
    assert (
        _cli(
            world,
            "orders",
            "render",
            "--matter",
            str(m),
            "--out",
            str(world.out),
            "--sign",
            str(world.key),
            "--as",
            "judge",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    conn = open_db(world.db).conn
    no, path = conn.execute(
        "SELECT order_no, file_path FROM orders WHERE matter_id = ?", (m,)
    ).fetchone()
    text = _text(Path(path))
    assert "Order After Petition/Application" in text and "The application is GRANTED" in text
    assert "Redesignated as a misdemeanor" in text and "Redesignated as an infraction" in text
    assert (
        "grants relief other than that requested: the count is redesignated as an infraction"
        in text
        and "28.5 grams" in text
    )
    assert "the Public Defender, Office of the Public Defender" in text
    out = tmp_path / "doj.csv"
    assert (
        _cli(
            world,
            "export",
            "doj-update",
            "--matter",
            str(m),
            "--out",
            str(out),
            "--as",
            "clerk",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["NEW_RELIEF"], r["NEW_LEVEL"], r["ORDER_NUMBER"], r["STATUTE"]) for r in rows] == [
        ("REDESIGNATED", "M", no, "HS 11361.8(f)"),
        ("REDESIGNATED", "I", no, "HS 11361.8(f)"),
    ]
    reported = conn.execute(
        "SELECT r.kind, r.rows FROM order_reports r JOIN orders o ON o.id = r.order_id"
        " WHERE o.order_no = ?",
        (no,),
    ).fetchall()
    assert reported == [("doj-update", 2)]
    conn.close()


def test_resentencing_after_hearing_states_credit_and_supervision(
    world: DispoWorld, conn: sqlite3.Connection
) -> None:
    sid, ids = world.people[3]
    m = setup_matter(conn, sid, ids[:1], kind="petition")
    h = setup_hearing(conn, m, "2026-11-03", department="7")
    setup_ruling(
        conn,
        ids[0],
        m,
        "granted",
        hearing_id=h,
        relief="resentence",
        target="misdemeanor",
        credit_days=120,
        supervision_kind="misdemeanor probation",
        supervision_months=6,
    )
    [out] = render_rulings(conn, world.out, world.key, KEY_PASS, user="judge", matter_id=m)
    assert out.kind == "resentence"
    _validate(out.path)
    text = _text(out.path)
    assert "credit for time served of 120 days" in text
    assert "misdemeanor probation for 6 months" in text
    assert "November 3, 2026, at 9:00 a.m., in Department 7" in text
    assert "Sentence recalled; resentenced as a misdemeanor" in text
    doj = doj_rows(conn, Selection(order_nos=(out.order_no,)))
    assert [(r["NEW_RELIEF"], r["NEW_LEVEL"]) for r in doj] == [("RESENTENCED", "M")]


def test_refusals_exit_4_with_one_line(
    world: DispoWorld, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = open_db(world.db).conn
    sid, ids = world.people[4]
    m = setup_matter(conn, sid, ids[:2], kind="application")
    setup_ruling(conn, ids[0], m, "denied", finding="public_safety")
    conn.close()
    args = [
        "orders",
        "render",
        "--matter",
        str(m),
        "--out",
        str(world.out),
        "--sign",
        str(world.key),
        "--as",
        "judge",
    ]
    capsys.readouterr()
    assert _cli(world, *args, monkeypatch=monkeypatch) == 4  # count 2 not yet ruled
    err = capsys.readouterr().err.strip()
    assert "not yet ruled" in err and len(err.splitlines()) == 1
    conn = open_db(world.db).conn
    setup_ruling(conn, ids[1], m, "granted", relief="dismiss_and_seal")
    conn.close()
    assert _cli(world, *args, monkeypatch=monkeypatch) == 4  # public safety on an application
    assert "petitions only" in capsys.readouterr().err
    clerk = [
        "orders",
        "render",
        "--matter",
        str(m),
        "--out",
        str(world.out),
        "--sign",
        str(world.key),
        "--as",
        "clerk",
    ]
    assert _cli(world, *clerk, monkeypatch=monkeypatch) == 4  # only a judge signs
    capsys.readouterr()
    # A matter already ordered is refused.
    conn = open_db(world.db).conn
    done, _ = after_hearing_order(world, conn)
    conn.close()
    again = [
        "orders",
        "render",
        "--matter",
        str(done),
        "--out",
        str(world.out),
        "--sign",
        str(world.key),
        "--as",
        "judge",
    ]
    assert _cli(world, *again, monkeypatch=monkeypatch) == 4
    assert "already ordered" in capsys.readouterr().err


def test_hearing_date_orders_every_ruling_of_the_day(
    world: DispoWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = open_db(world.db).conn
    sid, ids = world.people[5]
    m = setup_matter(conn, sid, ids[:1], kind="challenge", filer_kind="prosecution")
    h = setup_hearing(conn, m, "2026-11-20", department="3")
    setup_ruling(
        conn,
        ids[0],
        m,
        "granted_other_relief",
        hearing_id=h,
        relief="redesignate_misdemeanor",
        finding_text="a lesser offense",
    )
    conn.close()
    capsys.readouterr()
    assert (
        _cli(
            world,
            "orders",
            "render",
            "--hearing-date",
            "2026-11-20",
            "--out",
            str(world.out),
            "--sign",
            str(world.key),
            "--json",
            "--as",
            "judge",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    made = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["kind"], x["signed"]) for x in made] == [("after_hearing", True)]
    assert _cli(world, "orders", "verify", made[0]["file"], monkeypatch=monkeypatch) == 0
    assert (
        _cli(
            world,
            "orders",
            "render",
            "--hearing-date",
            "2026-11-20",
            "--out",
            str(world.out),
            "--sign",
            str(world.key),
            "--as",
            "judge",
            monkeypatch=monkeypatch,
        )
        == 4
    )  # nothing left to order that day


def test_certified_copy_only_for_the_entitled_on_a_sealed_conviction(
    world: DispoWorld, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    sid, ids = world.people[0]
    after_hearing_order(world, conn)
    order_no = conn.execute(
        "SELECT o.order_no FROM order_counts oc JOIN orders o ON o.id = oc.order_id"
        " WHERE oc.count_id = ?",
        (ids[1],),
    ).fetchone()[0]
    printed = conn.execute(
        "SELECT printed_names FROM orders WHERE order_no = ?", (order_no,)
    ).fetchone()[0]
    out = tmp_path / "copy.pdf"
    with pytest.raises(RefusedError, match="sealed conviction"):
        certify_order(
            conn,
            clerk,
            order_no,
            requester_kind="public",
            requester_name="Acme Background Checks",
            out=out,
        )
    with pytest.raises(RefusedError, match="not the person named"):
        certify_order(
            conn,
            clerk,
            order_no,
            requester_kind="person",
            requester_name="Someone Else Entirely",
            out=out,
        )
    assert not out.exists()
    copy = certify_order(
        conn, clerk, order_no, requester_kind="person", requester_name=printed.title(), out=out
    )
    assert copy.sealed
    text = _text(out)
    assert "certified true and correct copy of the original on file" in text
    assert "CLERK'S CERTIFICATE" in text and "by /s/ clerk, Deputy Clerk" in text
    assert "Order After Hearing" in text and "/s/ Hon. Test Judge" in text
    assert "Superior Court of California, County of" in text
    rec = conn.execute(
        "SELECT requester_kind, clerk, sealed, sha256 FROM certified_copies WHERE id = ?",
        (copy.id,),
    ).fetchone()
    import hashlib

    assert rec == ("person", "clerk", 1, hashlib.sha256(out.read_bytes()).hexdigest())
    with pytest.raises(Exception, match="already exists"):
        certify_order(
            conn,
            clerk,
            order_no,
            requester_kind="counsel",
            requester_name="Dana Whitfield",
            out=out,
        )  # never overwrites
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    with pytest.raises(RefusedError):
        certify_order(
            conn,
            judge,
            order_no,
            requester_kind="counsel",
            requester_name="Dana Whitfield",
            out=tmp_path / "j.pdf",
        )
    assert audit_verify(conn).ok


def test_person_report_shows_rulings_orders_and_doj_dates(
    world: DispoWorld,
    conn: sqlite3.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sid, ids = world.people[0]
    m, out = after_hearing_order(world, conn)
    write_export(
        conn, Selection(matter_id=m), tmp_path / "doj.csv", kind="doj-update", user="clerk"
    )
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    rep = person_report(conn, judge, str(sid))
    by_id = {c.count_id: c for c in rep.counts}
    granted, denied = by_id[ids[1]], by_id[ids[0]]
    assert granted.order_no == out.order_no and granted.reported_to_doj and granted.sealed
    assert "granted" in granted.ruling and granted.source == f"matter {m} (petition)"
    assert denied.order_no == out.order_no and not denied.reported_to_doj and not denied.sealed
    assert "public safety" in denied.ruling
    # Every in-scope count of the person is there; counts outside any matter say so.
    in_review = {
        r[0]
        for r in conn.execute(
            "SELECT r.count_id FROM review_items r JOIN counts c ON c.id = r.count_id"
            " WHERE c.subject_id = ?",
            (sid,),
        )
    }
    assert in_review <= set(by_id)
    reads = [
        json.loads(t)
        for (t,) in conn.execute("SELECT targets FROM audit_log WHERE action = 'sealed.read'")
    ]
    assert any(ids[1] in t for t in reads)  # the judge's read of the sealed count is logged
    conn.close()
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    pdf = tmp_path / "report.pdf"
    conn = open_db(world.db).conn
    capsys.readouterr()
    assert (
        main(
            [
                "--db",
                str(world.db),
                "person",
                "report",
                rep.cii,
                "--json",
                "--out",
                str(pdf),
                "--as",
                "judge",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {c["order_no"] for c in data["counts"] if c["count_id"] in ids[:2]} == {out.order_no}
    assert "What happened to the record" in _text(pdf)
    assert (
        main(
            ["--db", str(world.db), "person", "report", rep.cii, "--out", str(pdf), "--as", "judge"]
        )
        == 2
    )  # never overwrites
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    seen = person_report(conn, clerk, rep.cii)
    assert ids[1] not in {c.count_id for c in seen.counts} and seen.sealed_hidden
    assert ids[0] in {c.count_id for c in seen.counts}  # a denied count is not sealed


def test_a_signed_ruling_order_is_corrected_by_a_new_order(
    world: DispoWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = open_db(world.db).conn
    sid, ids = world.people[6]
    m = setup_matter(conn, sid, ids[:1], kind="application", filer_kind="person")
    setup_ruling(conn, ids[0], m, "denied", finding="criteria_not_met", finding_text="over 28.5 g")
    [first] = render_rulings(conn, world.out, world.key, KEY_PASS, user="judge", matter_id=m)
    old_no = first.order_no
    conn.close()
    assert (
        _cli(
            world,
            "orders",
            "amend",
            old_no,
            "--reason",
            "the finding misstated the quantity",
            "--as",
            "judge",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    capsys.readouterr()
    assert (
        _cli(
            world,
            "orders",
            "render",
            "--matter",
            str(m),
            "--out",
            str(world.out),
            "--sign",
            str(world.key),
            "--json",
            "--as",
            "judge",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    [made] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert made["kind"] == "denial" and made["order_no"] != old_no and made["signed"]
    text = _text(Path(made["file"]))
    assert f"This order amends and replaces Order No. {old_no}" in text
    assert "misstated the quantity" in text
    conn = open_db(world.db).conn
    new_id = conn.execute(
        "SELECT id FROM orders WHERE order_no = ?", (made["order_no"],)
    ).fetchone()[0]
    assert {
        r[0] for r in conn.execute("SELECT order_id FROM rulings WHERE matter_id = ?", (m,))
    } == {new_id}
    assert {r["ORDER_NUMBER"] for r in court_rows(conn, Selection(matter_id=m))} == {
        made["order_no"]
    }  # the amended order is no longer reported
    assert life(conn, ids[0]).order_no == made["order_no"]
    assert not conn.execute("SELECT 1 FROM under_seal WHERE count_id = ?", (ids[0],)).fetchone()
    conn.close()


def test_ruling_order_printed_for_ink_then_recorded_signed_seals_the_granted_count(
    world: DispoWorld, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from desktop.orders.actions import record_signature, send_back_unproduced

    sid, ids = world.people[5]
    m = setup_matter(conn, sid, ids[1:2], kind="application")
    setup_ruling(conn, ids[1], m, "granted", relief="redesignate_misdemeanor")
    [out] = render_rulings(
        conn, tmp_path, None, "", user="clerk", matter_id=m, unsigned=True, judge_user="judge"
    )
    assert out.kind == "petition_order" and not out.signed and out.path.exists()
    assert "Digitally signed" not in _text(out.path)  # a blank line for the ink signature
    assert not conn.execute("SELECT 1 FROM under_seal WHERE count_id = ?", (ids[1],)).fetchone()
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    with pytest.raises(RefusedError, match="not from a batch"):
        send_back_unproduced(conn, judge, out.order_no, "no")
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    row = record_signature(
        conn,
        clerk,
        out.order_no,
        judge="judge",
        signed_at=datetime(2026, 11, 3, 18, tzinfo=UTC),
        method="ink",
    )
    assert row.status == "signed"
    assert conn.execute("SELECT 1 FROM under_seal WHERE count_id = ?", (ids[1],)).fetchone()
    assert [r["NEW_RELIEF"] for r in doj_rows(conn, Selection(matter_id=m))] == ["REDESIGNATED"]


def test_certified_copy_of_a_batch_grant_order(tmp_path: Path) -> None:
    """Orders made from review batches are certified the same way (an agency entitled to it)."""
    from signed_world import build_signed_world

    w = build_signed_world(tmp_path, rows=2000, people=1)
    conn = open_db(w.db).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    order_no, pages = conn.execute(
        "SELECT o.order_no, o.pages FROM order_counts oc JOIN orders o ON o.id = oc.order_id"
        " WHERE oc.count_id = ?",
        (w.sealed[0],),
    ).fetchone()
    with pytest.raises(RefusedError, match="sealed conviction"):
        certify_order(
            conn,
            clerk,
            order_no,
            requester_kind="public",
            requester_name="A Landlord",
            out=tmp_path / "no.pdf",
        )
    copy = certify_order(
        conn,
        clerk,
        order_no,
        requester_kind="agency",
        requester_name="California Department of Justice",
        out=tmp_path / "copy.pdf",
    )
    reader = PdfReader(str(copy.path))
    assert len(reader.pages) in (pages, pages + 1)
    assert copy.stamped_on_last_page == (len(reader.pages) == pages)
    text = _text(copy.path)
    assert "Order Granting Relief" in text and "CLERK'S CERTIFICATE" in text
    assert "/s/ Hon. Test Judge" in text
    assert "/AcroForm" not in reader.trailer["/Root"]  # the original's signature stays with it
    assert audit_verify(conn).ok
    # The person's report names the batch ruling and its order.
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    rep = person_report(conn, judge, str(w.subject_id))
    by_id = {c.count_id: c for c in rep.counts}
    assert set(w.sealed) <= set(by_id)
    one = by_id[w.sealed[0]]
    assert one.source == f"batch {w.batch}" and one.ruling.startswith("clerk's decision")
    assert one.order_no == order_no and one.sealed and one.reported_to_doj == ""
    conn.close()


def test_a_new_ruling_before_signing_withdraws_the_prepared_order(
    world: DispoWorld, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    sid, ids = world.people[7]
    cid = ids[0]
    m = setup_matter(conn, sid, [cid], kind="application", filer_kind="person")
    first = setup_ruling(conn, cid, m, "granted", relief="redesignate_misdemeanor")
    [printed] = render_rulings(
        conn, tmp_path, None, "", user="clerk", matter_id=m, unsigned=True, judge_user="judge"
    )
    assert printed.kind == "petition_order"
    # Before anyone signs, the judge rules again (the dispositions core supersedes the ruling).
    second = setup_ruling(conn, cid, m, "denied", finding="criteria_not_met")
    conn.execute("UPDATE rulings SET superseded_by = ? WHERE id = ?", (second, first))
    [made] = render_rulings(conn, world.out, world.key, KEY_PASS, user="judge", matter_id=m)
    assert made.kind == "denial" and made.order_no != printed.order_no
    old = conn.execute(
        "SELECT problem, (SELECT COUNT(*) FROM order_counts WHERE order_id = o.id) FROM orders o"
        " WHERE order_no = ?",
        (printed.order_no,),
    ).fetchone()
    assert old[0].startswith("withdrawn") and old[1] == 0
    assert [
        r[0]
        for r in conn.execute(
            "SELECT o.order_no FROM order_counts oc JOIN orders o ON o.id = oc.order_id"
            " WHERE oc.count_id = ?",
            (cid,),
        )
    ] == [made.order_no]
    assert life(conn, cid).text == f"Ordered: relief denied ({made.order_no})"
    assert audit_verify(conn).ok
