"""Crash safety: a subprocess imports / evaluates / renders the generated 100,000-row file and is
killed with SIGKILL at 20 random points across the three stages. Each time the database passes
PRAGMA integrity_check, no partial state is visible, and rerunning the stage finishes with the same
result as the uninterrupted run (same imported records, same determinations, same order hashes)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROWS = 100_000
COUNTY = "LOS ANGELES"
KILLS = 20
pytestmark = [pytest.mark.slow, pytest.mark.posix_only]  # SIGKILL, /proc, sessions


def have(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def cli_cmd(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop", "--db", str(db), *args]


def run_cli(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run(
        cli_cmd(db, *args),
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    assert out.returncode in (0, 3), f"{args}: exit {out.returncode}\n{out.stderr[-2000:]}"
    return out


def digest(conn: sqlite3.Connection, sql: str) -> str:
    h = hashlib.sha256()
    for row in conn.execute(sql):
        h.update(repr(row).encode())
    return h.hexdigest()


# What each stage leaves behind, compared with the uninterrupted run. Surrogate ids are left out
# where a rerun may legitimately number rows differently; natural keys identify the rows.
IMPORT_FINGERPRINT = """
    SELECT s.source_key, s.name, s.dob, s.cii, c.cnt_order, c.section, c.level, c.disposition,
           c.conviction_date, c.sentence, c.county
    FROM counts c JOIN subjects s ON s.id = c.subject_id ORDER BY s.source_key, c.cnt_order"""
ORDERS_FINGERPRINT = """
    SELECT o.order_no, o.kind, o.order_date, o.template_name, o.content_sha256, o.pages, o.status,
           s.source_key, c.cnt_order, oc.relief, oc.resentence_target
    FROM orders o JOIN order_counts oc ON oc.order_id = o.id JOIN counts c ON c.id = oc.count_id
    JOIN subjects s ON s.id = c.subject_id ORDER BY o.order_no, s.source_key, c.cnt_order"""
DETERMINATION_FINGERPRINT = """
    SELECT s.source_key, c.cnt_order, d.relief, d.resentence_target, d.rule_path, d.flags,
           d.explanation
    FROM review_items r JOIN determinations d ON d.id = r.determination_id
    JOIN counts c ON c.id = r.count_id JOIN subjects s ON s.id = c.subject_id
    ORDER BY s.source_key, c.cnt_order"""


def check_integrity(conn: sqlite3.Connection) -> None:
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def check_no_partial_import(conn: sqlite3.Connection, expected_counts: int) -> bool:
    """Either no import is visible, or the import with every one of its counts. True if done."""
    imports = conn.execute("SELECT id, sha256, rows_kept FROM imports").fetchall()
    if not imports:
        assert conn.execute("SELECT count(*) FROM counts").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM subjects").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 0
        return False
    assert len(imports) == 1 and not imports[0][1].startswith("pending")
    assert conn.execute("SELECT count(*) FROM counts").fetchone()[0] == expected_counts
    return True


def check_no_partial_run(conn: sqlite3.Connection) -> None:
    """Current determinations come only from complete runs, and a run is never half visible."""
    assert not conn.execute("""
        SELECT 1 FROM review_items r JOIN determinations d ON d.id = r.determination_id
        JOIN evaluation_runs e ON e.id = d.run_id WHERE e.status != 'complete'""").fetchone()
    for run_id, n in conn.execute("""SELECT e.id, count(d.id) FROM evaluation_runs e
                                     LEFT JOIN determinations d ON d.run_id = e.id
                                     WHERE e.status = 'complete' GROUP BY e.id"""):
        assert n > 0, f"complete run {run_id} has no determinations"


def check_orders_on_disk(conn: sqlite3.Connection) -> None:
    """No order row whose file is missing or whose bytes do not match the recorded sha256."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'orders'").fetchone():
        return
    for number, path, sha, status in conn.execute(
        "SELECT order_no, file_path, sha256, status FROM orders"
    ):
        if status == "prepared" and path is None:
            continue  # reserved number, no file promised yet: the rerun completes it
        p = Path(path)
        assert p.is_file(), f"order {number}: {path} is missing"
        assert hashlib.sha256(p.read_bytes()).hexdigest() == sha, f"order {number}: wrong sha256"


@dataclass
class Stage:
    name: str
    start_db: Path  # snapshot the stage starts from
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0  # uninterrupted duration, subprocess start included


@dataclass
class Baseline:
    import_fp: str = ""
    counts: int = 0
    determinations_fp: str = ""
    orders_fp: str = ""
    orders: int = 0
    stages: list[Stage] = field(default_factory=list)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Baseline]:
    from desktop.records.generate import generate
    from desktop.store import open_db

    work = tmp_path_factory.mktemp("kill")
    data = work / "generated.csv"
    generate(data, COUNTY, ROWS, seed=64)
    b = Baseline()

    empty = work / "s0-empty.sqlite3"
    open_db(empty).conn.close()
    live = work / "baseline.sqlite3"
    shutil.copy(empty, live)
    t = time.monotonic()
    run_cli(live, "import", "--format", "doj", str(data))
    b.stages.append(
        Stage(
            "import", empty, ["import", "--format", "doj", str(data)], seconds=time.monotonic() - t
        )
    )
    conn = sqlite3.connect(live)
    b.import_fp = digest(conn, IMPORT_FINGERPRINT)
    b.counts = conn.execute("SELECT count(*) FROM counts").fetchone()[0]
    conn.close()

    if have("desktop.evaluation.runs"):
        imported = work / "s1-imported.sqlite3"
        snapshot(live, imported)
        args = ["evaluate", "--county", COUNTY, "--as-of", "2020-07-01"]
        t = time.monotonic()
        run_cli(live, *args)
        b.stages.append(Stage("evaluate", imported, args, seconds=time.monotonic() - t))
        conn = sqlite3.connect(live)
        b.determinations_fp = digest(conn, DETERMINATION_FINGERPRINT)
        conn.close()
        if have("desktop.orders.batch"):
            accepted = work / "s2-accepted.sqlite3"
            batch, env = accept_a_batch(live, work)
            snapshot(live, accepted)
            args = [
                "orders",
                "render",
                "--batch",
                str(batch),
                "--sign",
                str(work / "judge.p12"),
                "--as",
                "judge1",
                "--date",
                "2020-09-01",
                "--out",
            ]
            t = time.monotonic()
            run_cli(live, *args, str(work / "orders-baseline"), env=env)
            b.stages.append(Stage("render", accepted, args, env, seconds=time.monotonic() - t))
            conn = sqlite3.connect(live)
            b.orders_fp = digest(conn, ORDERS_FINGERPRINT)
            b.orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
            conn.close()
    return work, b


PASSWORD = "pw-Kill-2020"
GRANTED_COUNTS = 150  # counts in the batch to render: enough orders to kill mid-way


def accept_a_batch(db: Path, work: Path) -> tuple[int, dict[str, str]]:
    """Users, a clerk's approvals, a submitted batch and the judge's sample and acceptance, all
    through the real CLI; returns the batch id and the environment render needs."""
    env = {
        "RELIEFDESK_PASSWORD": PASSWORD,
        "RELIEFDESK_NEW_PASSWORD": PASSWORD,
        "RELIEFDESK_KEY_PASSPHRASE": PASSWORD,
    }
    run_cli(db, "users", "add", "admin1", "--role", "admin", env=env)
    for name, role in (("clerk1", "clerk"), ("judge1", "judge")):
        run_cli(db, "users", "add", name, "--role", role, "--as", "admin1", env=env)
    queue = run_cli(
        db, "queue", "list", "--status", "pending", "--json", "--as", "clerk1", env=env
    ).stdout
    items = [json.loads(line) for line in queue.splitlines()]
    grantable = [
        str(i["count_id"])
        for i in items
        if i["relief"] in ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")
    ]
    run_cli(db, "review", "approve", *grantable[:GRANTED_COUNTS], "--as", "clerk1", env=env)
    batch = json.loads(run_cli(db, "batch", "submit", "--as", "clerk1", "--json", env=env).stdout)[
        "batch_id"
    ]
    sample = run_cli(db, "batch", "sample", str(batch), "--as", "judge1", "--json", env=env).stdout
    for line in sample.splitlines():
        run_cli(db, "review", "show", str(json.loads(line)["count_id"]), "--as", "judge1", env=env)
    run_cli(db, "batch", "accept", str(batch), "--as", "judge1", env=env)
    run_cli(
        db,
        "keys",
        "create",
        "--name",
        "Hon. Kill Test",
        "--title",
        "Judge",
        "--out",
        str(work / "judge.p12"),
        env=env,
    )
    return batch, env


def snapshot(src: Path, dst: Path) -> None:
    conn = sqlite3.connect(src)
    from desktop.store.backup import copy_database

    copy_database(conn, dst)
    conn.close()


def kill_at(stage: Stage, db: Path, delay: float, extra: list[str]) -> int | None:
    """Start the stage on `db`, SIGKILL it after `delay` seconds; its exit code if it finished."""
    # A session of its own, so the kill takes the whole program down at once, worker processes
    # included, as a crash or power cut would.
    proc = subprocess.Popen(
        cli_cmd(db, *stage.args, *extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **stage.env},
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=delay)
        return proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def test_kill_at_random_points(baseline: tuple[Path, Baseline]) -> None:
    work, b = baseline
    rng = random.Random(20200701)
    outcomes: list[str] = []
    leftovers: list[str] = []
    # Interpreter start-up is not interesting to kill in: aim the kills at the work itself.
    t = time.monotonic()
    run_cli(work / "startup.sqlite3", "users", "list")  # opens a new database, reads nothing
    startup = time.monotonic() - t
    for i in range(KILLS):
        stage = b.stages[i % len(b.stages)]
        db = work / f"kill{i:02d}.sqlite3"
        shutil.copy(stage.start_db, db)
        delay = rng.uniform(startup * 0.8, stage.seconds)
        # render writes into a folder of its own per kill; the rerun uses the same folder.
        extra = [str(work / f"orders{i:02d}")] if stage.name == "render" else []
        finished = kill_at(stage, db, delay, extra)
        conn = sqlite3.connect(db)
        check_integrity(conn)
        visible = check_no_partial_import(conn, b.counts) if stage.name == "import" else False
        check_no_partial_run(conn)
        if stage.name == "evaluate":
            visible = conn.execute("SELECT count(*) FROM evaluation_runs").fetchone()[0] > 0
        check_orders_on_disk(conn)
        if stage.name == "render":
            visible = conn.execute(
                "SELECT count(*) FROM orders WHERE status != 'prepared'"
            ).fetchone()[0]
        conn.close()
        outcomes.append(
            f"{stage.name}@{delay:.2f}s:{'finished' if finished is not None else 'killed'}"
            f"({'result visible' if visible else 'nothing visible'})"
        )
        # The rerun finishes with the same result as the uninterrupted run.
        run_cli(db, *stage.args, *extra, env=stage.env)
        conn = sqlite3.connect(db)
        check_integrity(conn)
        if stage.name == "import":
            assert check_no_partial_import(conn, b.counts)
            assert digest(conn, IMPORT_FINGERPRINT) == b.import_fp
        elif stage.name == "evaluate":
            check_no_partial_run(conn)
            assert digest(conn, DETERMINATION_FINGERPRINT) == b.determinations_fp
        else:
            check_orders_on_disk(conn)
            assert (
                conn.execute("SELECT count(*) FROM orders WHERE status = 'signed'").fetchone()[0]
                == b.orders
            )
            assert digest(conn, ORDERS_FINGERPRINT) == b.orders_fp
            files = [p.name for p in (work / f"orders{i:02d}").iterdir()]
            # A write cut off by the kill leaves its hidden temporary file (never a .pdf name).
            leftovers += [f for f in files if f.startswith(".") and f.endswith(".tmp")]
            assert sorted(f for f in files if not f.startswith(".")) == sorted(
                f"{r[0]}.pdf" for r in conn.execute("SELECT order_no FROM orders")
            ), "stray or missing order files in the output folder"
        conn.close()
        db.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(
        f"\n{b.counts} counts, {b.orders} orders; start-up {startup:.2f}s; stages:",
        ", ".join(f"{s.name} {s.seconds:.1f}s" for s in b.stages),
    )
    print("kills:", "; ".join(outcomes))
    print("temporary files left in output folders after rerun:", leftovers or "none")


def children_of(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_render_workers_die_with_their_parent(baseline: tuple[Path, Baseline]) -> None:
    """Only the main process is killed (as the OOM killer or a task manager would): its worker
    processes must not go on writing order files that a rerun is about to record."""
    work, b = baseline
    stage = next((s for s in b.stages if s.name == "render"), None)
    if stage is None or not Path("/proc/self/task").exists():
        pytest.skip("needs the render stage and Linux /proc")
    db = work / "orphans.sqlite3"
    shutil.copy(stage.start_db, db)
    out = work / "orders-orphans"
    proc = subprocess.Popen(
        cli_cmd(db, *stage.args, str(out)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **stage.env},
        cwd=ROOT,
    )
    workers: list[int] = []
    deadline = time.monotonic() + stage.seconds
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers = children_of(proc.pid)
        time.sleep(0.05)
    if not workers or proc.poll() is not None:
        pytest.skip("the render finished before its workers could be seen")
    time.sleep(0.5)
    proc.kill()
    proc.wait()
    time.sleep(3)
    left = [w for w in workers if alive(w)]
    for w in left:  # clean up what this test started
        os.kill(w, signal.SIGKILL)
    assert not left, f"worker processes {left} outlived the killed render"
