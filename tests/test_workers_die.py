"""Worker processes die with the program (issue 14 §2, issue 12 §5): an import is killed with
SIGKILL while its reader processes run, and no process it started is left a few seconds later.

Run with Linux's parent-death signal and, to prove the guard every platform has (each worker
watching multiprocessing.parent_process().sentinel), with that Linux-only guard switched off, for
every start method including spawn (the only one on Windows and in a frozen build)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,  # kill tests: real processes started and SIGKILLed (.ci/run runs them)
    pytest.mark.posix_only,
    pytest.mark.skipif(
        not Path("/proc/self/task").exists(), reason="needs Linux /proc to list child processes"
    ),
]

RUN_IMPORT = textwrap.dedent("""
    import sys
    import desktop.processes as processes
    import desktop.records.doj_import as doj

    if __name__ == "__main__":          # spawned workers import this file too
        method, pdeathsig = sys.argv[1], sys.argv[2] == "1"
        processes.LINUX_PDEATHSIG = pdeathsig
        doj.START_METHOD = method
        doj.PARALLEL_MIN_BYTES = 0      # workers even for a small file
        doj.CHUNK_BYTES = 512 << 10     # many chunks, so the workers are busy when killed
        doj.TAIL_CHUNK_BYTES = 256 << 10
        from desktop.cli.main import main
        sys.exit(main(sys.argv[3:]))
""")


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            for k in kids:
                if k not in found:
                    found.add(k)
                    todo.append(k)
    return found


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def is_reader(pid: int, main_pid: int) -> bool:
    """A pool worker, not multiprocessing's resource tracker or fork server (the fork server's
    children, the workers, carry its command line but are not the main process's children)."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        ppid = int(Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[1])
    except (OSError, ValueError, IndexError):
        return False
    if b"resource_tracker" in cmd:
        return False
    return b"forkserver import main" not in cmd or ppid != main_pid


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.fixture(scope="module")
def doj_file(tmp_path_factory) -> Path:
    from desktop.records.generate import generate

    path = tmp_path_factory.mktemp("orphans") / "doj.csv"
    generate(path, "LOS ANGELES", 60_000, seed=14)
    return path


@pytest.mark.parametrize(
    "method, pdeathsig", [("fork", True), ("fork", False), ("forkserver", False), ("spawn", False)]
)
def test_a_killed_import_leaves_no_worker(
    doj_file: Path, tmp_path: Path, method: str, pdeathsig: bool
) -> None:
    db = tmp_path / "orphans.sqlite3"
    script = tmp_path / "run_import.py"
    script.write_text(RUN_IMPORT)
    proc = subprocess.Popen(
        [
            sys.executable,
            str(script),
            method,
            "1" if pdeathsig else "0",
            "--db",
            str(db),
            "import",
            str(doj_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    busy_since = None
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            seen |= descendants(proc.pid)
            # Killed only once two readers are well into their work (past start-up).
            workers = [
                p for p in seen if alive(p) and is_reader(p, proc.pid) and cpu_seconds(p) >= 0.3
            ]
            if len(workers) >= 2 and busy_since is None:
                busy_since = time.monotonic()
            if busy_since is not None and time.monotonic() - busy_since > 0.2:
                break
            time.sleep(0.02)
        if proc.poll() is not None:
            pytest.fail(f"the import finished before it could be killed: {proc.stderr.read()!r}")
        assert busy_since is not None, "no worker process was seen"
        seen |= descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        end = time.monotonic() + 5
        while time.monotonic() < end and any(alive(p) for p in seen):
            time.sleep(0.05)
        left = [p for p in seen if alive(p)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for p in left:  # clean up what this test started before failing
        os.kill(p, signal.SIGKILL)
    assert not left, (
        f"processes {left} outlived the killed import ({method}, pdeathsig={pdeathsig})"
    )


RUN_RENDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    import desktop.processes as processes
    from desktop.orders import demo, produce
    from desktop.orders.sign import OrderSigner

    if __name__ == "__main__":          # spawned workers import this file too
        key, out, method = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
        processes.LINUX_PDEATHSIG = False      # only the sentinel watch (and nothing Linux-only)
        produce.START_METHOD = method
        judge = OrderSigner.from_file(key, "pw").judge
        jobs = [produce.Job(demo.one_case_order(i, counts=3, judge=judge, number=i + 1),
                            "one_case", str(out / f"order-{i + 1}.pdf")) for i in range(400)]
        produce.produce_orders(jobs, key.read_bytes(), "pw", workers=2)
""")


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_killed_render_leaves_no_signing_worker(tmp_path: Path, method: str) -> None:
    """The signing workers hold the judge's unlocked key: with only the sentinel watch they stop
    signing and exit when the render is killed."""
    from desktop.keys import create_demo_key

    key = tmp_path / "judge.p12"
    create_demo_key("Hon. Orphan Test", "Judge of the Superior Court", key, "pw")
    out = tmp_path / "orders"
    out.mkdir()
    script = tmp_path / "run_render.py"
    script.write_text(RUN_RENDER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(key), str(out), method],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while (
            time.monotonic() < deadline and proc.poll() is None and len(list(out.glob("*.pdf"))) < 4
        ):
            seen |= descendants(proc.pid)
            time.sleep(0.05)
        if proc.poll() is not None:
            pytest.fail(f"the render ended before it could be killed: {proc.stderr.read()!r}")
        seen |= descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        signed_at_kill = len(list(out.glob("*.pdf")))
        end = time.monotonic() + 5
        while time.monotonic() < end and any(alive(p) for p in seen):
            time.sleep(0.05)
        left = [p for p in seen if alive(p)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert seen and not left, f"signing workers {left} outlived the killed render ({method})"
    time.sleep(1)
    # Nothing more is signed after the kill (a chunk in flight may finish within a moment).
    assert len(list(out.glob("*.pdf"))) <= signed_at_kill + 2
