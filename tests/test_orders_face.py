"""Orders a judge signs as printed (issue 17) and batches one bad record cannot block (issue 12 §4).

Every check reads the PDFs back (pdfplumber; PDFium flattens the signature appearance into the page as
printing does, and renders pages to PNG) from orders made by the real pipeline on a real database."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pdfread import flat, ink_ratio, page_texts, printed_texts, render_pages
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from desktop.cli.main import main
from desktop.clock import pacific
from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.keys import create_demo_key
from desktop.law.names import is_surname_first, natural, surname_first
from desktop.orders import demo
from desktop.orders.model import CountLine, CourtDetails, ResentenceTerms
from desktop.orders.register import list_orders, verify_order
from desktop.orders.render import render_order
from desktop.orders.templates import load_template
from desktop.orders.verify import verify_file
from desktop.review import batches, decisions
from desktop.review.users import authenticate
from desktop.store import open_db

KEY_PASS = "judge key passphrase"
PROGRAM_WORDS = ("reliefdesk", "signature panel", "orders verify", "pades", "run ")
COURT = CourtDetails(
    department="Department S-12",
    courthouse="Rancho Cucamonga Courthouse",
    address="8303 Haven Avenue | Rancho Cucamonga, CA 91730",
    clerk_certificate="CLERK'S CERTIFICATE: I certify that this is a true and "
    "correct copy of the original order on file in this office.",
)


# ---- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown", "listed"),
    [
        ("CALDERON,AMARA P", "AMARA P CALDERON", "CALDERON, AMARA P"),
        ("CALDERON, AMARA P", "AMARA P CALDERON", "CALDERON, AMARA P"),
        ("  DE LA CRUZ ,  MARIA  ", "MARIA DE LA CRUZ", "DE LA CRUZ, MARIA"),
        ("O'BRIEN-NAKAMURA,SEAN", "SEAN O'BRIEN-NAKAMURA", "O'BRIEN-NAKAMURA, SEAN"),
        ("SMITH,JOHN,JR", "JOHN SMITH JR", "SMITH, JOHN JR"),
        ("MADONNA", "MADONNA", "MADONNA"),
        ("LEE,", "LEE", "LEE"),
    ],
)
def test_names_in_natural_order_with_no_punctuation_invented(
    raw: str, shown: str, listed: str
) -> None:
    assert natural(raw) == shown and not is_surname_first(natural(raw))
    assert surname_first(raw) == listed
    assert "." not in natural(raw)


def test_name_style_is_the_courts_choice() -> None:
    assert natural("O'BRIEN-NAKAMURA,SEAN P", "title") == "Sean P O'Brien-Nakamura"
    assert natural("calderon,amara p", "upper") == "AMARA P CALDERON"


# ---- one page, the signature block keeps with the last paragraph -------------------------------


def _counts(n: int) -> tuple[CountLine, ...]:
    reliefs = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")
    return tuple(
        CountLine(
            i,
            "HS",
            ("11357(B)", "11359", "11360(A)")[i % 3],
            "F",
            f"201{i % 10}-0{1 + i % 9}-1{i % 10}",
            reliefs[i % 3],
        )
        for i in range(1, n + 1)
    )


def _with(order, counts, court=COURT, **changes):
    entry = replace(order.entries[0], counts=counts, **changes)
    return replace(order, entries=(entry,), court=court)


def _signature_pages_ok(pdf: bytes, judge: str) -> None:
    """The page holding the signature block also holds 'IT IS SO ORDERED.' and the last order
    paragraph, and no page is blank."""
    pages = [flat(t) for t in page_texts(pdf)]
    with_sig = [i for i, t in enumerate(pages) if judge in t and "Dated:" in t]
    assert len(with_sig) == 1, pages
    page = pages[with_sig[0]]
    assert "IT IS SO ORDERED." in page
    assert "The clerk shall update the court's records" in page
    head = page.split("IT IS SO ORDERED.")[0]
    assert len(head.split()) > 25  # more than the signature block and the header lines


@pytest.mark.parametrize("n", [1, 2, 3])
def test_one_case_orders_with_up_to_three_counts_fit_one_us_letter_page(
    n: int, tmp_path: Path
) -> None:
    base = demo.one_case_order(21 + n, counts=n)
    long_aka = ("ABERNATHY-QUINTANILLA DE LA CRUZ",)
    order = _with(base, _counts(n), person=replace(base.entries[0].person, akas=long_aka * 1))
    rendered = render_order(order, load_template("one_case"))
    assert rendered.pages == 1
    pdf = tmp_path / "o.pdf"
    pdf.write_bytes(rendered.pdf)
    doc = PdfFileReader(io.BytesIO(rendered.pdf))
    box = [float(x) for x in doc.root["/Pages"]["/Kids"][0].get_object()["/MediaBox"]]
    assert box == [0, 0, 612, 792]  # US Letter
    _signature_pages_ok(rendered.pdf, order.judge.name)
    text = flat(page_texts(rendered.pdf)[0])
    for word in (
        "Department S-12",
        "8303 Haven Avenue",
        "Rancho Cucamonga, CA 91730",
        "Rancho Cucamonga Courthouse",
        "CLERK'S CERTIFICATE",
    ):
        assert word in text
    for word in PROGRAM_WORDS:
        assert word not in text.lower()
    png = render_pages(pdf, tmp_path / "page")
    assert len(png) == 1 and ink_ratio(png[0]) > 0.02


@pytest.mark.slow  # a very long order rendered and read back
def test_a_long_order_keeps_the_signature_with_the_last_paragraph() -> None:
    base = demo.one_case_order(5, counts=1)
    for n in range(4, 26):
        rendered = render_order(_with(base, _counts(n)), load_template("one_case"))
        assert rendered.pages >= 1
        _signature_pages_ok(rendered.pdf, base.judge.name)


def test_department_and_address_only_when_set() -> None:
    order = demo.one_case_order(8, counts=2)
    text = flat(page_texts(render_order(order, load_template("one_case")).pdf)[0])
    assert "Department:" not in text and "CERTIFICATE" not in text
    text = flat(
        page_texts(render_order(replace(order, court=COURT), load_template("one_case")).pdf)[0]
    )
    assert "Department: Department S-12" in text


def test_findings_fit_the_count_and_carry_the_clerks_reason() -> None:
    base = demo.one_case_order(9, counts=1)
    counts = (
        CountLine(
            1,
            "HS",
            "11359",
            "F",
            "2012-04-01",
            "redesignate_misdemeanor",
            changed=True,
            reason="the plea form shows possession of 2 ounces for personal use",
        ),
        CountLine(
            2,
            "HS",
            "11360(A)",
            "F",
            "2017-02-01",
            "dismiss_and_seal",
            flags=("judgment_after_prop64",),
            reason="offense date 03/2016 per docket",
        ),
        CountLine(
            3,
            "HS",
            "11357(A)",
            "F",
            "2013-01-01",
            "redesignate_infraction",
            flags=("unknown_quantity",),
        ),
    )
    pdf = render_order(_with(base, counts), load_template("one_case")).pdf
    text = flat("\n".join(page_texts(pdf)))
    assert "As to count 1 (HS 11359)" in text
    assert "the plea form shows possession of 2 ounces for personal use" in text
    assert (
        "judgment was entered after Proposition 64" in text
        and "offense date 03/2016 per docket" in text
    )
    assert "does not state the quantity of cannabis" in text
    assert "the record before the court supports it" in text  # count 3: no stated reason
    assert len(page_texts(pdf)) == 1


def test_relief_words_as_the_court_writes_them() -> None:
    order = replace(
        demo.one_case_order(3, counts=3),
        court=CourtDetails(
            relief_words={"dismiss_and_seal": "DISMISSED AND SEALED PER HS 11361.8(f)"}
        ),
    )
    counts = _counts(3)
    text = flat(
        "\n".join(
            page_texts(
                render_order(_with(order, counts, court=order.court), load_template("one_case")).pdf
            )
        )
    )
    squashed = text.replace(" ", "")
    assert "DISMISSEDANDSEALEDPERHS" in squashed and "Redesignatedasamisdemeanor" in squashed


def test_a_resentencing_order_is_complete_or_not_made() -> None:
    order = demo.one_case_order(4, counts=2, resentence=True)
    with pytest.raises(ValueError, match="terms"):
        render_order(
            replace(order, entries=(replace(order.entries[0], terms=None),)),
            load_template("resentence"),
        )
    done = render_order(order, load_template("resentence"))
    text = flat("\n".join(page_texts(done.pdf)))
    assert "____" not in text and "\u25a1" not in text and "credit for time served of" in text
    assert done.pages == 1


# ---- fonts: never a blank where the record has a character ------------------------------------


def test_cjk_and_mathematical_letters_print_in_an_embedded_font() -> None:
    for name in ("王秀英 LI", "김민준", "𝐉𝐎𝐇𝐍 𝑆𝑀𝐼𝑇𝐻", "ΑΘΗΝΑ ŻÓŁĆ Ǆ"):
        order = replace(demo.one_case_order(2, counts=1, name=name), court=COURT)
        pdf = render_order(order, load_template("one_case")).pdf
        assert name in flat(page_texts(pdf)[0]), name
        assert b"/FontFile2" in pdf


@pytest.mark.parametrize(
    "name", ["محمد علي", "שרה כהן", "ANA\u202eZIUR", "ANA\u200bRUIZ", "ANA\x07RUIZ"]
)
def test_characters_no_font_prints_faithfully_refuse_the_order_naming_them(name: str) -> None:
    from desktop.orders.fonts import UnprintableName

    with pytest.raises(UnprintableName, match="U\\+"):
        render_order(demo.one_case_order(2, counts=1, name=name), load_template("one_case"))


# ---- the batch: real database, CLI --------------------------------------------------------------


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "judge.p12"
    create_demo_key("Hon. Miriam Castellanos-Reyes", "Judge of the Superior Court", path, KEY_PASS)
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    build_demo(path, rows=2500)
    return path


@pytest.fixture
def world(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A copy of the demo database with one accepted batch of single-relief counts from 8 cases
    (no resentencing), one of them changed by the clerk with a reason."""
    db_path = tmp_path / "db.sqlite3"
    src = sqlite3.connect(demo_db)
    dst = sqlite3.connect(db_path)
    src.backup(dst)
    src.close()
    dst.close()
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    rows = conn.execute(
        "SELECT r.count_id, c.case_id, d.relief FROM review_items r JOIN determinations d"
        " ON d.id = r.determination_id JOIN counts c ON c.id = r.count_id"
        " WHERE d.relief IN ('dismiss_and_seal', 'redesignate_misdemeanor',"
        " 'redesignate_infraction') ORDER BY c.case_id, r.count_id"
    ).fetchall()
    cases: dict[int, list[int]] = {}
    for cid, case_id, _ in rows:
        if len(cases) < 8 or case_id in cases:
            cases.setdefault(case_id, []).append(cid)
    ids = sorted(c for v in cases.values() for c in v)
    changed = ids[0]
    decisions.change(
        conn,
        clerk,
        changed,
        "dismiss_and_seal",
        None,
        "court file shows a conviction for personal possession only",
    )
    decisions.approve(conn, clerk, ids[1:])
    batch = batches.submit_batch(conn, clerk)
    for item in batches.sample(conn, judge, batch, seed=3):
        decisions.mark_opened(conn, judge, item.count_id)
    batches.accept_batch(conn, judge, batch)
    conn.close()
    monkeypatch.setenv("RELIEFDESK_DB", str(db_path))
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    return {
        "db": db_path,
        "batch": batch,
        "cases": sorted(cases),
        "changed": changed,
        "out": tmp_path / "orders",
    }


def _conn(world: dict) -> sqlite3.Connection:
    return sqlite3.connect(world["db"])


def _render(world: dict, key: Path, *extra: str) -> int:
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
            "judge",
            *extra,
        ]
    )


def _orders(world: dict) -> list[tuple[str, str, int]]:
    return (
        _conn(world)
        .execute("SELECT order_no, file_path, case_id FROM orders ORDER BY id")
        .fetchall()
    )


@pytest.mark.slow  # a batch of orders rendered and read back
def test_orders_name_people_as_people_are_named_and_the_list_agrees(
    world: dict, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = _conn(world)
    # The court's own records for one case: the name as the court's case has it.
    case_id = world["cases"][1]
    number, county, doj_name = conn.execute(
        "SELECT k.case_number, k.county, s.name FROM cases k JOIN subjects s ON s.id = k.subject_id "
        "WHERE k.id = ?",
        (case_id,),
    ).fetchone()
    surname = doj_name.split(",")[0]
    court_name = f"{surname}, MARIA-JOSÉ Q"
    extract = tmp_path / "court.csv"
    extract.write_text(
        "case_number,defendant_name,dob,county,count_no,code_section,level,disposition,"
        "conviction_date,sentence\n"
        f'{number},"{court_name}",1980-01-01,{county},9,HS 11357(A),F,CONVICTED,2010-01-01,FINE\n',
        encoding="utf-8",
    )
    assert main(["import", str(extract), "--format", "court-csv"]) == 0
    assert main(["court", "set", "department", "Department S-12", "--as", "admin"]) == 0
    assert (
        main(
            [
                "court",
                "set",
                "address",
                "8303 Haven Avenue, Rancho Cucamonga, CA 91730",
                "--as",
                "admin",
            ]
        )
        == 0
    )
    assert _render(world, key) == 0
    capsys.readouterr()
    assert main(["orders", "list", "--json", "--as", "judge"]) == 0
    listed = {r["order_no"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    for order_no, file_path, cid in _orders(world):
        text = flat("\n".join(printed_texts(Path(file_path).read_bytes())))
        raw = conn.execute(
            "SELECT s.name FROM cases k JOIN subjects s ON s.id = k.subject_id WHERE k.id = ?",
            (cid,),
        ).fetchone()[0]
        shown = natural(court_name) if cid == case_id else natural(raw)
        assert shown in text and raw not in text and not is_surname_first(text), (order_no, raw)
        assert listed[order_no]["names"] == shown  # the Orders list agrees
        assert "Department S-12" in text and "8303 Haven Avenue" in text
        assert (
            "Digitally signed by Hon. Miriam Castellanos-Reyes, Judge of the Superior Court" in text
        )
        assert "(Pacific)" in text
        for word in PROGRAM_WORDS:
            assert word not in text.lower()
        assert (
            len(page_texts(Path(file_path).read_bytes())) == 1
            or conn.execute(
                "SELECT COUNT(*) FROM order_counts oc JOIN orders o ON o.id = oc.order_id "
                "WHERE o.order_no = ?",
                (order_no,),
            ).fetchone()[0]
            > 3
        )
    # The record's own spelling is kept as another name the person is known by.
    court_file = next(f for _, f, c in _orders(world) if c == case_id)
    assert natural(doj_name) in flat(page_texts(Path(court_file).read_bytes())[0])
    # The changed count's finding carries the clerk's stated reason.
    changed_file = conn.execute(
        "SELECT o.file_path FROM orders o JOIN order_counts oc ON oc.order_id ="
        " o.id WHERE oc.count_id = ?",
        (world["changed"],),
    ).fetchone()[0]
    assert "court file shows a conviction for personal possession only" in flat(
        "\n".join(page_texts(Path(changed_file).read_bytes()))
    )


def test_signer_title_from_settings_and_the_appearance_has_signer_and_time(
    world: dict, key: Path, tmp_path: Path
) -> None:
    from PIL import Image

    sig = tmp_path / "sig.png"
    Image.new("RGB", (300, 80), "white").save(sig)
    assert (
        main(
            [
                "signer",
                "set",
                "--judge",
                "judge",
                "--title",
                "Commissioner of the Superior Court",
                "--image",
                str(sig),
                "--as",
                "admin",
            ]
        )
        == 0
    )
    assert main(["signer", "set", "--judge", "clerk", "--title", "X", "--as", "admin"]) == 2
    assert _render(world, key) == 0
    order_no, file_path, _ = _orders(world)[0]
    data = Path(file_path).read_bytes()
    embedded = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[embedded.signer_cert]))
    assert status.intact and status.valid
    when = pacific(embedded.self_reported_timestamp)
    text = flat(printed_texts(data)[0])
    hour = when.hour % 12 or 12
    assert (
        f"Digitally signed by Hon. Miriam Castellanos-Reyes, Commissioner of the Superior Court, "
        f"{when:%B} {when.day}, {when.year} {hour}:{when:%M} {when:%p} (Pacific)"
    ) in text
    assert (
        _conn(world)
        .execute("SELECT signer_title FROM orders WHERE order_no = ?", (order_no,))
        .fetchone()[0]
        == "Commissioner of the Superior Court"
    )


@pytest.mark.slow  # a whole batch rendered
def test_wet_ink_path_counts_as_signed_only_once_recorded(
    world: dict, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "doj.csv"
    assert (
        main(
            [
                "orders",
                "render",
                "--batch",
                str(world["batch"]),
                "--out",
                str(world["out"]),
                "--unsigned",
                "--judge",
                "judge",
                "--as",
                "clerk",
            ]
        )
        == 0
    )
    orders = _conn(world).execute("SELECT order_no, unsigned_path, status FROM orders").fetchall()
    assert orders and {o[2] for o in orders} == {"prepared"}
    for _, path, _ in orders:
        data = Path(path).read_bytes()
        assert not PdfFileReader(io.BytesIO(data)).embedded_signatures
        assert not verify_file(Path(path)).ok
        text = flat("\n".join(page_texts(data)))
        assert "Digitally signed" not in text and "IT IS SO ORDERED." in text
    # Not signed yet: nothing to export.
    assert (
        main(
            [
                "export",
                "doj-update",
                "--batch",
                str(world["batch"]),
                "--out",
                str(out),
                "--as",
                "judge",
            ]
        )
        == 2
    )
    first, path, _ = orders[0]
    scan = tmp_path / "signed-scan.pdf"
    scan.write_bytes(Path(path).read_bytes().replace(b"%%EOF", b"%%EOF\n% scanned"))
    assert (
        main(
            [
                "orders",
                "record-signature",
                first,
                "--judge",
                "judge",
                "--signed-at",
                "2026-11-27T10:15",
                "--how",
                "ink",
                "--scan",
                str(scan),
                "--as",
                "clerk",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "orders",
                "record-signature",
                first,
                "--judge",
                "judge",
                "--signed-at",
                "2026-11-27T10:15",
                "--how",
                "ink",
                "--as",
                "clerk",
            ]
        )
        == 4
    )  # never twice
    assert (
        main(
            [
                "orders",
                "record-signature",
                orders[1][0],
                "--judge",
                "clerk",
                "--signed-at",
                "2026-11-27T10:15",
                "--how",
                "external",
                "--as",
                "clerk",
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "orders",
                "record-signature",
                orders[1][0],
                "--judge",
                "judge",
                "--signed-at",
                "2026-11-27T11:00-08:00",
                "--how",
                "external",
                "--as",
                "judge",
            ]
        )
        == 0
    )
    conn = _conn(world)
    row = conn.execute(
        "SELECT status, signature_method, signed_by, signed_at, signature_recorded_by,"
        " scan_sha256, sha256 FROM orders WHERE order_no = ?",
        (first,),
    ).fetchone()
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    assert row == ("signed", "ink", "judge", "2026-11-27T18:15:00+00:00", "clerk", digest, digest)
    assert verify_order(conn, first).ok and "in ink" in verify_order(conn, first).line()
    scan.write_bytes(b"%PDF-1.4 another file")
    assert not verify_order(conn, first).ok
    capsys.readouterr()
    assert (
        main(
            [
                "export",
                "doj-update",
                "--batch",
                str(world["batch"]),
                "--out",
                str(out),
                "--as",
                "judge",
            ]
        )
        == 0
    )
    exported = {line.split(",")[-3] for line in out.read_text().splitlines()[1:]}
    assert exported == {first, orders[1][0]}  # only the recorded ones
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert "orders.print_unsigned" in actions and actions.count("orders.record_signature") == 2


def test_a_signed_order_is_corrected_by_a_new_order_naming_it(
    world: dict, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _render(world, key) == 0
    old_no, old_file, _ = _orders(world)[0]
    before = hashlib.sha256(Path(old_file).read_bytes()).hexdigest()
    capsys.readouterr()
    assert (
        main(
            [
                "orders",
                "amend",
                old_no,
                "--reason",
                "The date of birth was misread.",
                "--as",
                "judge",
            ]
        )
        == 0
    )
    new_no = capsys.readouterr().out.split(":")[0]
    assert _render(world, key) == 0
    conn = _conn(world)
    new_file = conn.execute(
        "SELECT file_path FROM orders WHERE order_no = ?", (new_no,)
    ).fetchone()[0]
    text = flat(page_texts(Path(new_file).read_bytes())[0])
    assert f"amends and replaces Order No. {old_no}" in text and "misread" in text
    assert hashlib.sha256(Path(old_file).read_bytes()).hexdigest() == before  # never edited
    out = tmp_path / "doj.csv"
    assert (
        main(
            [
                "export",
                "doj-update",
                "--batch",
                str(world["batch"]),
                "--out",
                str(out),
                "--as",
                "judge",
            ]
        )
        == 0
    )
    numbers = [line.split(",")[-3] for line in out.read_text().splitlines()[1:]]
    assert new_no in numbers and old_no not in numbers
    assert main(["orders", "amend", old_no, "--reason", "again", "--as", "judge"]) == 4


@pytest.mark.slow  # a whole batch rendered and signed
def test_one_bad_record_never_blocks_the_batch(
    world: dict, key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = _conn(world)
    subject_of = {
        c: conn.execute("SELECT subject_id FROM cases WHERE id = ?", (c,)).fetchone()[0]
        for c in world["cases"]
    }
    chosen: dict[int, int] = {}  # subject -> its first case in the batch
    for c in world["cases"]:
        chosen.setdefault(subject_of[c], c)
    subjects = list(chosen)[:4]
    assert len(subjects) == 4
    # Records as a DOJ file may carry them (set in the imported rows).
    long_name = "QUINTANILLA-" + "ABERNATHY " * 1000  # ~10,000 characters
    names = [long_name, "王,秀英", "محمد,علي", "𝐒𝐌𝐈𝐓𝐇,𝐉𝐎𝐇𝐍"]
    with conn:
        for sid, name in zip(subjects, names, strict=True):
            conn.execute("UPDATE subjects SET name = ?, akas = '[]' WHERE id = ?", (name, sid))
    capsys.readouterr()
    assert _render(world, key) == 1  # reported, and the rest completed
    captured = capsys.readouterr()
    orders = {o: (f, c) for o, f, c in _orders(world)}
    of_subject = {
        sid: [o for o, (_, c) in orders.items() if subject_of[c] == sid] for sid in subjects
    }
    failing = of_subject[subjects[2]]
    for arabic in failing:
        assert f"NOT PRODUCED {arabic}:" in captured.out
    assert "ARABIC LETTER" in captured.out
    assert f"{len(failing)} of {len(orders)} orders could not be produced" in captured.err
    statuses = dict(conn.execute("SELECT order_no, status FROM orders"))
    assert all(statuses[o] == "prepared" for o in failing)
    assert sum(s == "signed" for s in statuses.values()) == len(orders) - len(failing)
    arabic = failing[0]
    assert (
        "ARABIC LETTER"
        in conn.execute("SELECT problem FROM orders WHERE order_no = ?", (arabic,)).fetchone()[0]
    )
    long_no = of_subject[subjects[0]][0]
    assert f"warning {long_no}:" in captured.out and "10,0" in captured.out
    long_text = flat("\n".join(page_texts(Path(orders[long_no][0]).read_bytes())))
    assert "too long to print in full" in long_text and "QUINTANILLA-ABERNATHY" in long_text
    assert conn.execute("SELECT warnings FROM orders WHERE order_no = ?", (long_no,)).fetchone()[0]
    cjk = flat(page_texts(Path(orders[of_subject[subjects[1]][0]][0]).read_bytes())[0])
    assert "秀英 王" in cjk
    math = flat(page_texts(Path(orders[of_subject[subjects[3]][0]][0]).read_bytes())[0])
    assert "𝐉𝐎𝐇𝐍 𝐒𝐌𝐈𝐓𝐇" in math
    for o, (f, _) in orders.items():
        if o not in failing:
            assert verify_file(Path(f)).ok
    # The judge sends the item that cannot be produced back after acceptance; the batch completes.
    assert main(["orders", "send-back", long_no, "--note", "x", "--as", "judge"]) == 4  # produced
    for o in failing:
        assert (
            main(
                [
                    "orders",
                    "send-back",
                    o,
                    "--note",
                    "enter the name in Latin letters as the court's record has it",
                    "--as",
                    "judge",
                ]
            )
            == 0
        )
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT count_id FROM batch_items WHERE judge_status = 'sent_back' AND batch_id = ?",
            (world["batch"],),
        )
    ]
    assert ids and all(
        conn.execute("SELECT status FROM review_items WHERE count_id = ?", (i,)).fetchone()[0]
        == "pending"
        for i in ids
    )
    capsys.readouterr()
    assert _render(world, key) == 0
    assert "NOT PRODUCED" not in capsys.readouterr().out


def test_terms_are_validated_and_never_change_a_signed_order(world: dict) -> None:
    from desktop.errors import RefusedError, UserError
    from desktop.orders.actions import enter_terms

    conn = open_db(world["db"]).conn
    judge = authenticate(conn, "judge", DEMO_PASSWORD)
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    case_id = world["cases"][0]
    with pytest.raises(RefusedError):
        enter_terms(conn, clerk, world["batch"], case_id, credit_days=1, disposition="released")
    with pytest.raises(UserError, match="not accepted or holds no resentencing"):
        enter_terms(conn, judge, world["batch"], case_id, credit_days=1, disposition="released")
    for kwargs, match in (
        ({"credit_days": -1, "disposition": "released"}, "credit"),
        (
            {
                "credit_days": 1,
                "disposition": "supervision",
                "supervision_kind": "x",
                "supervision_months": 13,
            },
            "one year",
        ),
        ({"credit_days": 1, "disposition": "released", "hearing_date": "2025-01-01"}, "department"),
        (
            {"credit_days": 1, "disposition": "released", "hearing_department": "S1"},
            "without a hearing date",
        ),
    ):
        with pytest.raises(UserError, match=match):
            enter_terms(conn, judge, world["batch"], case_id, **kwargs)


def test_court_settings_are_an_administrators(
    world: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["court", "set", "department", "Dept. 5", "--as", "clerk"]) == 4
    assert main(["court", "set", "colour", "blue", "--as", "admin"]) == 2
    assert main(["court", "set", "name_style", "fancy", "--as", "admin"]) == 2
    assert (
        main(
            [
                "court",
                "set",
                "relief.redesignate_misdemeanor",
                "Reduced to a misdemeanor",
                "--as",
                "admin",
            ]
        )
        == 0
    )
    assert main(["court", "set", "clerk_certificate", "I certify ...", "--as", "admin"]) == 0
    capsys.readouterr()
    assert main(["court", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["clerk_certificate"] == "I certify ..." and shown["relief_words"] == {
        "redesignate_misdemeanor": "Reduced to a misdemeanor"
    }
    conn = _conn(world)
    assert (
        conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'settings.court'").fetchone()[0]
        == 2
    )


def test_the_orders_list_in_the_register_shows_problems(world: dict, key: Path) -> None:
    assert _render(world, key) == 0
    rows = list_orders(_conn(world), world["batch"])
    assert rows and all(r.signature_method == "digital" and r.problem is None for r in rows)
    assert all(not is_surname_first(r.names) for r in rows)
    assert date.fromisoformat(rows[0].order_date)
    assert ResentenceTerms(1, "released").hearing_date is None
