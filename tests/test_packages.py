"""Issue 15: a batch goes from the clerk's PC to the judge's PC and back as files.

Two separate data folders (the clerk's and the judge's); real SQLite files, real signed PDFs read
back with pypdf and validated with pyHanko; the command line run in-process through its main()."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop.cli.main import main
from desktop.demo import DEMO_PASSWORD
from desktop.errors import RefusedError
from desktop.exchange import fileformat as ff
from tests.packworld import (
    KEY_PASS,
    Answered,
    Template,
    answer_through_the_core,
    build_template,
    copy_db,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return build_template(tmp_path_factory.mktemp("clerk-template"))


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory, template: Template) -> Answered:
    """One judge's answer, made once through the core, for the refusal tests (each takes a fresh
    copy of the clerk's database as it was right after sending)."""
    return answer_through_the_core(template, tmp_path_factory.mktemp("answered"))


@pytest.fixture()
def sent_pcs(pcs, answered: Answered):
    """`pcs` whose clerk's database is the one that sent the package `answered` answers."""
    pcs["db"].unlink()
    copy_db(answered.clerk_db, pcs["db"])
    return pcs


@pytest.fixture()
def pcs(tmp_path: Path, template: Template, monkeypatch: pytest.MonkeyPatch):
    """The clerk's data folder (a copy of the template database) and the judge's (empty but for
    the judge's key); the share between them is a third folder."""
    clerk = tmp_path / "clerk-pc"
    judge = tmp_path / "judge-pc"
    share = tmp_path / "usb-stick"
    for d in (clerk, judge, share):
        d.mkdir()
    db = copy_db(template.db, clerk / "reliefdesk.sqlite3")
    key = judge / "judge.p12"
    key.write_bytes(template.key.read_bytes())
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    monkeypatch.setenv("XDG_DATA_HOME", str(judge / "data"))
    monkeypatch.delenv("RELIEFDESK_DB", raising=False)
    return {"clerk": clerk, "judge": judge, "share": share, "db": db, "key": key, "t": template}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def send(capsys, pcs, name: str = "batch.rdpkg", judge: str | None = "judge") -> Path:
    out = pcs["share"] / name
    extra = ["--judge", judge] if judge else []
    code, _, err = run(
        capsys,
        "--db",
        pcs["db"],
        "batch",
        "send",
        pcs["t"].batch,
        "--out",
        out,
        *extra,
        "--as",
        "clerk",
    )
    assert code == 0, err
    return out


def judge_round(
    capsys,
    pcs,
    package: Path,
    *,
    answer: str = "answer.rdpkg",
    as_judge: str = "judge",
    sign: bool = True,
    ws_name: str = "ws.sqlite3",
) -> tuple[Path, Path, list[int], int]:
    """On the judge's PC: open, sample, open every sampled count, send the first back with a
    note, accept the rest, accept the batch (signed), render and sign the orders, answer.
    Returns (answer file, workspace, sampled ids, sent-back id)."""
    ws = pcs["judge"] / ws_name
    batch = pcs["t"].batch
    code, out, err = run(capsys, "--db", ws, "package", "open", package, "--as", as_judge)
    assert code == 0, err
    code, out, err = run(
        capsys, "--db", ws, "batch", "sample", batch, "--seed", "11", "--json", "--as", as_judge
    )
    assert code == 0, err
    sampled = [json.loads(line)["count_id"] for line in out.splitlines()]
    assert sampled
    for cid in sampled:
        code, out, err = run(capsys, "--db", ws, "review", "show", cid, "--as", as_judge)
        assert code == 0, err
        assert "Why" in out or "HS" in out  # the explanation and the record are there
    back = sampled[0]
    code, _, err = run(
        capsys,
        "--db",
        ws,
        "batch",
        "send-back",
        batch,
        back,
        "--note",
        "check the conviction date",
        "--as",
        as_judge,
    )
    assert code == 0, err
    for cid in sampled[1:]:
        code, _, err = run(capsys, "--db", ws, "batch", "accept-item", batch, cid, "--as", as_judge)
        assert code == 0, err
    sign_args = ["--sign", pcs["key"]] if sign else []
    code, _, err = run(capsys, "--db", ws, "batch", "accept", batch, *sign_args, "--as", as_judge)
    assert code == 0, err
    code, _, err = run(
        capsys,
        "--db",
        ws,
        "orders",
        "render",
        "--batch",
        batch,
        "--out",
        pcs["judge"] / "orders",
        "--sign",
        pcs["key"],
        "--workers",
        "1",
        "--as",
        as_judge,
    )
    assert code == 0, err
    out_file = pcs["share"] / answer
    code, _, err = run(capsys, "--db", ws, "package", "answer", "--out", out_file, "--as", as_judge)
    assert code == 0, err
    return out_file, ws, sampled, back


def import_answer(capsys, pcs, answer: Path, db: Path | None = None) -> tuple[int, str, str]:
    return run(
        capsys,
        "--db",
        db or pcs["db"],
        "batch",
        "import-answer",
        answer,
        "--orders-dir",
        pcs["clerk"] / "orders",
        "--as",
        "clerk",
    )


def rewrite(src: Path, dst: Path, change, *, rehash: bool) -> Path:
    """A copy of a package with one part changed by `change(parts)`; with `rehash` the manifest
    is rewritten to match (a forger's copy), else left as it was (damage in transit)."""
    with zipfile.ZipFile(src) as zf:
        manifest = json.loads(zf.read(ff.MANIFEST))
        parts = {n: zf.read(n) for n in zf.namelist() if n != ff.MANIFEST}
    change(parts)
    if rehash:
        keep = {k: v for k, v in manifest.items() if k not in ("parts", "format", "format_version")}
        data, _ = ff.build(keep, parts)
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(ff.MANIFEST, json.dumps(manifest))
            for n, b in parts.items():
                zf.writestr(n, b)
        data = buf.getvalue()
    dst.write_bytes(data)
    return dst


def _json_part(parts: dict[str, bytes], name: str, edit) -> None:
    obj = json.loads(parts[name])
    edit(obj)
    parts[name] = ff.canonical_json(obj)


# --- the round trip ---------------------------------------------------------------------------
@pytest.mark.slow  # ~7-10 s under load: every step through the command line, signed orders
def test_round_trip_between_two_data_folders(capsys, pcs) -> None:
    t: Template = pcs["t"]
    package = send(capsys, pcs)
    answer, ws, sampled, back = judge_round(capsys, pcs, package)
    # The judge's PC never saw the clerk's database; the clerk's never saw the workspace.
    assert ws.parent == pcs["judge"] and pcs["db"].parent == pcs["clerk"]
    code, out, err = import_answer(capsys, pcs, answer)
    assert code == 0, err
    assert "accepted" in out and "1 sent back" in out
    conn = sqlite3.connect(pcs["db"])
    status, accepted_by = conn.execute(
        "SELECT status, accepted_by FROM batches WHERE id = ?", (t.batch,)
    ).fetchone()
    assert (status, accepted_by) == ("accepted", "judge")
    # The count sent back is the clerk's again, pending, with the judge's note.
    state, prev = conn.execute(
        "SELECT status, previous_decision FROM review_items WHERE count_id = ?", (back,)
    ).fetchone()
    assert state == "pending" and "check the conviction date" in prev
    # The same sealed manifest as in the judge's workspace, signed by the judge's certificate.
    wconn = sqlite3.connect(ws)
    ours = conn.execute(
        "SELECT manifest, sha256, signature, cert_sha256 FROM batch_manifests WHERE batch_id = ?",
        (t.batch,),
    ).fetchone()
    theirs = wconn.execute(
        "SELECT manifest, sha256, signature, cert_sha256 FROM batch_manifests WHERE batch_id = ?",
        (t.batch,),
    ).fetchone()
    assert ours == theirs and ours[2]
    # Audit entries name the judge's machine and time, all from one import.
    entries = conn.execute(
        "SELECT action, user, payload FROM audit_log WHERE payload LIKE '%judge_host%'"
    ).fetchall()
    actions = [e[0] for e in entries]
    for needed in ("batch.sample", "batch.send_back", "batch.accept", "orders.sign"):
        assert needed in actions
    assert all(json.loads(e[2])["judge_host"] for e in entries)
    assert all("judge_at" in json.loads(e[2]) for e in entries if e[0] != "package.import_answer")
    # The signed orders: real PDFs, read back, validated by `orders verify` (pyHanko).
    files = sorted((pcs["clerk"] / "orders").glob("*.pdf"))
    assert files
    for f in files:
        text = "".join(p.extract_text() for p in PdfReader(f).pages)
        assert f.stem in text
    code, out, err = run(capsys, "--db", pcs["db"], "orders", "verify", *files)
    assert code == 0, out + err
    assert out.count("OK ") == len(files)
    code, out, err = run(capsys, "--db", pcs["db"], "audit", "verify", "--as", "admin")
    assert code == 0, out + err
    code, out, err = run(capsys, "--db", ws, "audit", "verify", "--as", "judge")
    assert code == 0, out + err
    # The DOJ update works from the imported orders, as if the batch had been accepted locally.
    doj = pcs["clerk"] / "doj.csv"
    code, out, err = run(
        capsys,
        "--db",
        pcs["db"],
        "export",
        "doj-update",
        "--batch",
        t.batch,
        "--out",
        doj,
        "--as",
        "clerk",
    )
    assert code == 0, err
    assert doj.read_text().count("\n") >= 2
    # The clerk's listing tells who answered, and from where.
    code, out, _ = run(capsys, "--db", pcs["db"], "package", "list", "--as", "clerk")
    assert "answered by judge" in out


def test_package_holds_exactly_the_batch_and_no_secrets(capsys, pcs) -> None:
    t: Template = pcs["t"]
    package = send(capsys, pcs)
    pkg = ff.read(package, "batch")
    conn = sqlite3.connect(pcs["db"])
    people = {
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT subject_id FROM counts WHERE id IN ({','.join(map(str, t.counts))})"
        )
    }
    tables = {n: ff.table_rows(b) for n, b in pkg.parts.items() if n.startswith("tables/")}
    assert "tables/users.json" not in tables
    subjects = {r[0] for r in tables["tables/subjects.json"][2]}
    assert subjects == people
    counts = {r[0] for r in tables["tables/counts.json"][2]}
    whole = {
        r[0]
        for r in conn.execute(
            f"SELECT id FROM counts WHERE subject_id IN ({','.join(map(str, people))})"
        )
    }
    assert counts == whole  # whole records of exactly the batch's people
    _, cols, items = tables["tables/batch_items.json"]
    assert sorted(r[cols.index("count_id")] for r in items) == t.counts
    _, cols, settings = tables["tables/settings.json"]
    keys = {r[0] for r in settings}
    assert "installation_id" not in keys and "audit_head" not in keys
    assert {"sample_percent", "sample_min_per_stratum"} <= keys
    _, cols, dets = tables["tables/determinations.json"]
    assert all(json.loads(r[cols.index("explanation")])["steps"] for r in dets)
    # Every part listed with its SHA-256, and nothing else.
    assert set(pkg.manifest["parts"]) == set(pkg.parts)
    # No password, password hash or key anywhere in the file.
    raw = package.read_bytes()
    with zipfile.ZipFile(package) as zf:
        text = b"".join(zf.read(n) for n in zf.namelist())
    for (pw_hash,) in conn.execute("SELECT pw_hash FROM users"):
        assert pw_hash.encode() not in text
    for secret in (b"scrypt$", DEMO_PASSWORD.encode(), b"PRIVATE KEY", pcs["key"].read_bytes()):
        assert secret not in text and secret not in raw
    # The answer carries none either (the judge's workspace holds the judge's password hash).
    answer, ws, _, _ = judge_round(capsys, pcs, package)
    with zipfile.ZipFile(answer) as zf:
        names = zf.namelist()
        text = b"".join(zf.read(n) for n in names)
    (ws_hash,) = sqlite3.connect(ws).execute("SELECT pw_hash FROM users").fetchone()
    for secret in (
        ws_hash.encode(),
        b"scrypt$",
        DEMO_PASSWORD.encode(),
        KEY_PASS.encode(),
        b"PRIVATE KEY",
        pcs["key"].read_bytes(),
    ):
        assert secret not in text
    assert not any("users" in n for n in names)


def test_workspace_keeps_the_clerks_data_read_only(capsys, pcs, tmp_path) -> None:
    package = send(capsys, pcs)
    ws = pcs["judge"] / "ws.sqlite3"
    assert run(capsys, "--db", ws, "package", "open", package, "--as", "judge")[0] == 0
    t: Template = pcs["t"]
    # A clerk's decision, by the core: the workspace has no clerk, and the judge is not one.
    code, _, err = run(
        capsys, "--db", ws, "review", "reject", t.counts[0], "--reason", "x", "--as", "judge"
    )
    assert code == 4 and "clerk" in err
    # Behind the core's back, the workspace triggers refuse it too.
    conn = sqlite3.connect(ws)
    for sql in (
        "UPDATE review_items SET status = 'rejected'",
        "UPDATE determinations SET relief = 'not_eligible'",
        "UPDATE batch_items SET relief = 'resentence'",
        "DELETE FROM counts",
        "INSERT INTO users (name, role, pw_hash, created_at) VALUES ('c', 'clerk', 'x', 'now')",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="package workspace"):
            conn.execute(sql)
    conn.close()
    # Importing records or evaluating in a workspace: one line, exit 4.
    src = tmp_path / "more.csv"
    code, _, _ = run(capsys, "generate", "--county", "SAN BERNARDINO", "--out", src, "--rows", "50")
    assert code == 0
    code, _, err = run(capsys, "--db", ws, "import", src, "--as", "judge")
    assert code == 4 and "only a clerk" in err
    # Without --as the import is recorded under the OS account: the workspace still refuses.
    code, _, err = run(capsys, "--db", ws, "import", src)
    assert code != 0 and "cannot be imported into a judge's package workspace" in err, err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "--db", ws, "evaluate", "--county", "SAN BERNARDINO")
    assert code == 4 and "re-evaluated" in err, err
    # The clerk's commands refuse a workspace, and the judge's answer refuses the clerk's DB.
    code, _, err = run(
        capsys,
        "--db",
        ws,
        "batch",
        "send",
        t.batch,
        "--out",
        pcs["share"] / "again.rdpkg",
        "--as",
        "judge",
    )
    assert code == 4
    code, _, err = run(
        capsys,
        "--db",
        pcs["db"],
        "package",
        "answer",
        "--out",
        pcs["share"] / "a.rdpkg",
        "--as",
        "judge",
    )
    assert code == 4 and "not a judge's package workspace" in err


def test_opening_to_the_default_data_folder_and_reopening(capsys, pcs) -> None:
    package = send(capsys, pcs)
    code, out, err = run(capsys, "package", "open", package, "--as", "judge", "--json")
    assert code == 0, err
    info = json.loads(out)
    ws = Path(info["workspace"])
    assert ws.is_file() and str(ws).startswith(str(pcs["judge"] / "data"))
    code, out, err = run(capsys, "package", "open", package, "--as", "judge", "--json")
    assert code == 0 and json.loads(out)["reopened"] is True


# --- refusals ---------------------------------------------------------------------------------
def test_tampered_package_is_refused_on_the_judges_pc(capsys, pcs) -> None:
    package = send(capsys, pcs)

    def grant_more(parts):
        _json_part(
            parts,
            "tables/batch_items.json",
            lambda o: o["rows"][0].__setitem__(o["columns"].index("relief"), "resentence"),
        )

    bad = rewrite(package, pcs["share"] / "bad.rdpkg", grant_more, rehash=False)
    code, _, err = run(
        capsys, "--db", pcs["judge"] / "ws.sqlite3", "package", "open", bad, "--as", "judge"
    )
    assert code == 4
    assert "tables/batch_items.json does not match its SHA-256" in err
    assert len(err.strip().splitlines()) == 1
    assert not (pcs["judge"] / "ws.sqlite3").exists()
    # Re-hashed by a forger: it opens, but its answer is for a package the clerk never sent.
    forged = rewrite(package, pcs["share"] / "forged.rdpkg", grant_more, rehash=True)
    answer, *_ = judge_round(capsys, pcs, forged)
    code, _, err = import_answer(capsys, pcs, answer)
    assert code == 4 and "different package" in err


@pytest.mark.parametrize(
    "what",
    [
        "part-without-rehash",
        "acceptance-counts",
        "order-pdf",
        "note-without-rehash",
        "sample",
        "relief",
        "workspace-log",
        "order-signer",
    ],
)
def test_tampered_answer_is_refused(capsys, sent_pcs, answered: Answered, what: str) -> None:
    pcs = sent_pcs
    answer, back = answered.answer, answered.sent_back
    t: Template = pcs["t"]

    def edit(parts):
        if what in ("part-without-rehash", "note-without-rehash"):
            _json_part(
                parts,
                "tables/batch_items.json",
                lambda o: o["rows"][0].__setitem__(o["columns"].index("judge_note"), "ok"),
            )
        elif what == "acceptance-counts":
            m = json.loads(parts["acceptance/manifest.json"])
            m["counts"][0][1] = "resentence"
            parts["acceptance/manifest.json"] = ff.canonical_json(m)
        elif what == "order-pdf":
            name = sorted(n for n in parts if n.startswith("orders/"))[0]
            pdf = bytearray(parts[name])
            i = pdf.find(b"/Producer")
            pdf[i + 2] ^= 1
            parts[name] = bytes(pdf)
        elif what == "relief":
            _json_part(
                parts,
                "tables/batch_items.json",
                lambda o: o["rows"][-1].__setitem__(o["columns"].index("relief"), "resentence"),
            )
        elif what == "workspace-log":

            def drop_entry(o):
                del o["rows"][3]

            _json_part(parts, "audit/workspace-log.json", drop_entry)
        elif what == "order-signer":
            _json_part(
                parts,
                "tables/orders.json",
                lambda o: o["rows"][0].__setitem__(
                    o["columns"].index("signer_cert_sha256"), "0" * 64
                ),
            )
        elif what == "sample":

            def unsample(o):
                c = o["columns"]
                for r in o["rows"]:
                    if r[c.index("count_id")] == back:
                        r[c.index("sampled")] = 0
                        r[c.index("judge_status")] = None

            _json_part(parts, "tables/batch_items.json", unsample)

    rehash = not what.endswith("without-rehash")
    bad = rewrite(answer, pcs["share"] / "bad-answer.rdpkg", edit, rehash=rehash)
    code, _, err = import_answer(capsys, pcs, bad)
    assert code == 4, err
    assert len(err.strip().splitlines()) == 1
    expected = {
        "part-without-rehash": "does not match its SHA-256",
        "note-without-rehash": "does not match its SHA-256",
        "acceptance-counts": "signature over the acceptance does not verify",
        "order-pdf": "differs from the one the judge signed",
        "sample": "sample",
        "relief": "relief differs from the batch the clerk sent",
        "workspace-log": "workspace log is broken",
        "order-signer": "signed with another certificate than recorded",
    }[what]
    assert expected in err
    # Nothing was imported: the batch is still with the judge, no file was written.
    conn = sqlite3.connect(pcs["db"])
    assert conn.execute("SELECT status FROM batches WHERE id = ?", (t.batch,)).fetchone()[0] == (
        "submitted"
    )
    assert (
        not list((pcs["clerk"] / "orders").glob("*.pdf"))
        if (pcs["clerk"] / "orders").exists()
        else True
    )
    # The genuine answer still imports.
    assert import_answer(capsys, pcs, answer)[0] == 0


def test_batch_changed_after_sending_is_refused(capsys, sent_pcs, answered: Answered) -> None:
    pcs = sent_pcs
    t: Template = pcs["t"]
    # Meanwhile at the clerk's desk another judge drew the sample of the batch.
    code, _, err = run(capsys, "--db", pcs["db"], "batch", "sample", t.batch, "--as", "judge2")
    assert code == 0, err
    code, _, err = import_answer(capsys, pcs, answered.answer)
    assert code == 4
    assert f"batch {t.batch} changed after the package was sent" in err


def test_replayed_answer_is_refused(capsys, sent_pcs, answered: Answered) -> None:
    pcs = sent_pcs
    assert import_answer(capsys, pcs, answered.answer)[0] == 0
    code, _, err = import_answer(capsys, pcs, answered.answer)
    assert code == 4 and "already imported" in err
    # Nor does a copy of the same answer under another name get in.
    copy = pcs["share"] / "copy-of-answer.rdpkg"
    copy.write_bytes(answered.answer.read_bytes())
    code, _, err = import_answer(capsys, pcs, copy)
    assert code == 4 and "already imported" in err


def test_wrong_judge_is_refused(capsys, sent_pcs, answered: Answered) -> None:
    pcs = sent_pcs
    # On the judge's PC: someone else cannot open a package addressed to the judge.
    code, _, err = run(
        capsys,
        "--db",
        pcs["judge"] / "other.sqlite3",
        "package",
        "open",
        answered.package,
        "--as",
        "judge2",
    )
    assert code == 4 and "addressed to judge" in err
    # Unaddressed, it still opens only for a judge the clerk's database knows.
    code, _, err = run(
        capsys,
        "--db",
        pcs["db"],
        "batch",
        "send",
        pcs["t"].batch,
        "--out",
        pcs["share"] / "any.rdpkg",
        "--as",
        "clerk",
    )
    assert code == 0, err
    code, _, err = run(
        capsys,
        "--db",
        pcs["judge"] / "stranger.sqlite3",
        "package",
        "open",
        pcs["share"] / "any.rdpkg",
        "--as",
        "stranger",
    )
    assert code == 4 and "has no judge named stranger" in err

    # An answer re-labelled as judge2's (re-hashed) is refused by the clerk's database.
    def relabel(parts):
        _json_part(parts, "answer.json", lambda o: o.__setitem__("judge", "judge2"))

    bad = rewrite(answered.answer, pcs["share"] / "judge2.rdpkg", relabel, rehash=True)
    code, _, err = import_answer(capsys, pcs, bad)
    assert code == 4 and "sent to judge, but judge2 answered" in err


def test_answer_for_another_package_or_database_is_refused(capsys, pcs, tmp_path) -> None:
    first = send(capsys, pcs, "first.rdpkg")
    second = send(capsys, pcs, "second.rdpkg")
    answer, *_ = judge_round(capsys, pcs, first)
    # Re-labelled as the answer to the second package: its package hash gives it away.
    second_id = ff.read(second, "batch").package_id

    def relabel(parts):
        _json_part(parts, "answer.json", lambda o: o.__setitem__("package_id", second_id))

    bad = rewrite(answer, pcs["share"] / "relabelled.rdpkg", relabel, rehash=True)
    man = json.loads(zipfile.ZipFile(bad).read(ff.MANIFEST))
    assert man["package_id"] != second_id  # the manifest still names the first
    code, _, err = import_answer(capsys, pcs, bad)
    assert code == 4 and "different packages" in err
    # Another clerk's database (a copy from before the send) never sent it.
    other = copy_db(pcs["t"].db, tmp_path / "other-court" / "reliefdesk.sqlite3")
    code, _, err = import_answer(capsys, pcs, answer, db=other)
    assert code == 4 and "never sent" in err


def test_outputs_never_overwrite(capsys, pcs) -> None:
    t: Template = pcs["t"]
    existing = pcs["share"] / "taken.rdpkg"
    existing.write_bytes(b"keep me")
    for out in (existing, pcs["db"]):
        code, _, err = run(
            capsys, "--db", pcs["db"], "batch", "send", t.batch, "--out", out, "--as", "clerk"
        )
        assert code != 0 and "Nothing was written" in err
    assert existing.read_bytes() == b"keep me"
    assert sqlite3.connect(pcs["db"]).execute("PRAGMA quick_check").fetchone()[0] == "ok"
    # The judge's answer: never over an existing file, never over the workspace itself.
    package = send(capsys, pcs)
    ws = pcs["judge"] / "ws.sqlite3"
    assert run(capsys, "--db", ws, "package", "open", package, "--as", "judge")[0] == 0
    for out in (existing, ws):
        code, _, err = run(capsys, "--db", ws, "package", "answer", "--out", out, "--as", "judge")
        assert code != 0 and "Nothing was written" in err
    assert existing.read_bytes() == b"keep me"
    assert sqlite3.connect(ws).execute("PRAGMA quick_check").fetchone()[0] == "ok"
    # A database is never taken for a package.
    code, _, err = run(
        capsys, "--db", pcs["judge"] / "ws.sqlite3", "package", "open", pcs["db"], "--as", "judge"
    )
    assert code == 4 and "is a database, not a package" in err


def test_a_later_format_version_is_refused_with_the_reason(capsys, pcs) -> None:
    package = send(capsys, pcs)
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
        blobs = {n: zf.read(n) for n in names}
    man = json.loads(blobs[ff.MANIFEST])
    man["format_version"] = ff.FORMAT_VERSION + 1
    blobs[ff.MANIFEST] = json.dumps(man).encode()
    newer = pcs["share"] / "newer.rdpkg"
    with zipfile.ZipFile(newer, "w") as zf:
        for n, b in blobs.items():
            zf.writestr(n, b)
    code, _, err = run(capsys, "package", "show", newer)
    assert code == 4 and "newer ReliefDesk" in err
    code, out, err = run(capsys, "package", "show", package, "--json")
    assert code == 0 and json.loads(out)["kind"] == "batch"


def test_an_answer_that_only_sends_back(capsys, pcs, tmp_path) -> None:
    """The judge sends counts back without accepting: the clerk gets them back with the note, the
    batch stays with the judge (submitted), and the answer carries no acceptance or orders."""
    from desktop.exchange.answer import write_answer
    from desktop.exchange.answer_import import import_answer as core_import
    from desktop.exchange.workspace import open_package
    from desktop.review import batches, decisions
    from desktop.review.users import authenticate
    from desktop.store import open_db

    t: Template = pcs["t"]
    package = send(capsys, pcs, judge=None)
    opened = open_package(package, "judge2", password="pw of judge2", workspace=tmp_path / "w.db")
    w = open_db(opened.workspace).conn
    judge = authenticate(w, "judge2", "pw of judge2")
    items = batches.sample(w, judge, t.batch, seed=3)
    decisions.mark_opened(w, judge, items[0].count_id)
    batches.send_back(w, judge, t.batch, items[0].count_id, "the case number looks wrong")
    with pytest.raises(RefusedError, match="only a clerk"):
        decisions.approve(w, judge, [items[0].count_id])
    done = write_answer(w, judge, pcs["share"] / "back.rdpkg")
    assert not done.accepted and done.sent_back == 1 and done.orders == 0
    conn = open_db(pcs["db"]).conn
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    imported = core_import(conn, clerk, done.path, pcs["clerk"] / "orders")
    assert imported.sent_back == [items[0].count_id] and not imported.accepted
    assert conn.execute("SELECT status FROM batches WHERE id = ?", (t.batch,)).fetchone()[0] == (
        "submitted"
    )
    status, prev = conn.execute(
        "SELECT status, previous_decision FROM review_items WHERE count_id = ?",
        (items[0].count_id,),
    ).fetchone()
    assert status == "pending" and "the case number looks wrong" in prev
    row = conn.execute(
        "SELECT user, payload FROM audit_log WHERE action = 'batch.send_back'"
    ).fetchone()
    assert row[0] == "judge2" and json.loads(row[1])["judge_host"]
