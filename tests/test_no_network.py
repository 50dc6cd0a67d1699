"""The program opens no network sockets. A full import -> evaluate -> review -> render -> verify cycle runs
in a subprocess whose every Python process (sitecustomize, so worker processes too) carries a
sys.addaudithook guard that records and refuses any socket.* event. (Audit hooks cannot be
removed, hence the subprocess.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Slow (a whole import-to-verify cycle in a guarded subprocess): .ci/run runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

GUARD = """
import os, socket, sys

_LOG = os.environ["RELIEFDESK_NET_LOG"]
_LOCAL = os.environ["RELIEFDESK_NET_LOCAL"]


def _from_socketpair():
    f = sys._getframe(2)
    while f is not None:
        if f.f_code.co_name == "socketpair" and f.f_code.co_filename == socket.__file__:
            return True
        f = f.f_back
    return False


def _loopback(event, args):
    if event == "socket.__new__":
        return args[1] in (socket.AF_INET, socket.AF_INET6)
    if event in ("socket.bind", "socket.connect") and isinstance(args[1], tuple):
        return args[1][0] in ("127.0.0.1", "::1", "localhost")
    return False


def _guard(event, args):
    if not event.startswith("socket."):
        return
    # The one exception: an unnamed AF_UNIX socketpair, which asyncio makes as its event loop's
    # wake-up pipe (pyHanko signs and validates through asyncio.run). It has no address and
    # cannot reach any other process, let alone a network. Counted, never refused.
    if event == "socket.__new__" and args[1] == socket.AF_UNIX and _from_socketpair():
        with open(_LOCAL, "a", encoding="utf-8") as fh:
            fh.write("socketpair\\n")
        return
    # Windows has no AF_UNIX socketpair: Python builds it from a TCP listener on the loopback
    # address, a client socket connected to it and the accepted socket, all inside
    # socket.socketpair. Nothing leaves the machine (127.0.0.1 / ::1 only), but it is a TCP
    # connection, which docs/security.md says for that platform.
    if sys.platform == "win32" and _from_socketpair() and _loopback(event, args):
        with open(_LOCAL, "a", encoding="utf-8") as fh:
            fh.write(f"loopback socketpair {event}\\n")
        return
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {event} {args!r}\\n"[:500])
    raise RuntimeError(f"ReliefDesk must not use the network ({event})")


sys.addaudithook(_guard)
"""

CYCLE = r"""
import contextlib, glob, importlib.util, io, json, os, sys
from pathlib import Path

from desktop.cli.main import main

work = Path(sys.argv[1])
db = str(work / "cycle.sqlite3")
steps = {}


def have(mod):
    try:
        return importlib.util.find_spec(mod) is not None
    except ModuleNotFoundError:
        return False


def cli(*args, ok=(0,)):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--db", db, *args])
    assert code in ok, f"{args}: exit {code}"
    return out.getvalue()


def commands():
    import argparse
    from desktop.cli.main import build_parser
    for a in build_parser()._actions:
        if isinstance(a, argparse._SubParsersAction):
            return set(a.choices)
    return set()


COMMANDS = commands()


def step(name, needs=()):
    missing = [m for m in needs if (m not in COMMANDS if "." not in m else not have(m))]
    def run(fn):
        if missing:
            steps[name] = "missing: " + ", ".join(missing)
            return
        fn()
        steps[name] = "ok"
    return run


data = work / "gen.csv"

@step("generate", ["generate"])
def _():
    cli("generate", "--county", "ALAMEDA", "--rows", "4000", "--seed", "3", "--out", str(data))

@step("import", ["import"])
def _():
    cli("import", "--format", "doj", str(data), ok=(0, 3))

@step("evaluate", ["evaluate"])
def _():
    cli("evaluate", "--county", "ALAMEDA", "--as-of", "2020-07-01")

batch = {}

@step("review", ["users", "queue", "review", "batch"])
def _():
    os.environ["RELIEFDESK_NEW_PASSWORD"] = os.environ["RELIEFDESK_PASSWORD"] = "pw-Cycle-2020"
    cli("users", "add", "admin1", "--role", "admin")
    cli("users", "add", "clerk1", "--role", "clerk", "--as", "admin1")
    cli("users", "add", "judge1", "--role", "judge", "--as", "admin1")
    items = [json.loads(l) for l in cli("queue", "list", "--status", "pending", "--json", "--as", "clerk1").splitlines()]
    grantable = [i["count_id"] for i in items
                 if i["relief"] in ("dismiss_and_seal", "redesignate_misdemeanor",
                                    "redesignate_infraction")][:40]
    assert grantable, "the evaluation granted nothing to review"
    for cid in grantable[:3]:
        cli("review", "show", str(cid), "--as", "clerk1")
    cli("review", "approve", *map(str, grantable), "--as", "clerk1")
    batch["id"] = json.loads(cli("batch", "submit", "--as", "clerk1", "--json"))["batch_id"]
    sample = [json.loads(l) for l in cli("batch", "sample", str(batch["id"]), "--as", "judge1",
                                         "--json").splitlines()]
    for s in sample:
        cli("review", "show", str(s["count_id"]), "--as", "judge1")
    cli("batch", "accept", str(batch["id"]), "--as", "judge1")

@step("render", ["keys", "orders"])
def _():
    os.environ["RELIEFDESK_KEY_PASSPHRASE"] = "key-pass-2020"
    key = work / "judge.p12"
    cli("keys", "create", "--name", "Hon. Test Judge", "--title", "Judge of the Superior Court",
        "--out", str(key))
    cli("orders", "render", "--batch", str(batch["id"]), "--out", str(work / "orders"),
        "--sign", str(key), "--as", "judge1")

@step("verify orders", ["orders"])
def _():
    pdfs = sorted(glob.glob(str(work / "orders" / "*.pdf")))
    assert pdfs, "no orders were written"
    cli("orders", "verify", *pdfs)

@step("audit")
def _():
    cli("audit", "verify", "--as", "admin1")
    cli("audit", "export", "--out", str(work / "audit.jsonl"), "--as", "admin1")
    cli("backup", "--as", "admin1")

print(json.dumps(steps))
"""


def test_full_cycle_opens_no_socket(tmp_path: Path) -> None:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    script = tmp_path / "cycle.py"
    script.write_text(CYCLE, encoding="utf-8")
    log = tmp_path / "network.log"
    local = tmp_path / "local.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(guard_dir), str(ROOT)]),
        "RELIEFDESK_NET_LOG": str(log),
        "RELIEFDESK_NET_LOCAL": str(local),
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.pop("RELIEFDESK_DB", None)
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=tmp_path,
    )
    attempts = log.read_text(encoding="utf-8") if log.exists() else ""
    assert attempts == "", f"socket use:\n{attempts}"
    assert out.returncode == 0, out.stderr[-3000:]
    steps = json.loads(out.stdout.strip().splitlines()[-1])
    pairs = len(local.read_text().splitlines()) if local.exists() else 0
    print("\ncycle steps:", steps, f"; local asyncio socketpairs: {pairs}")
    assert steps == dict.fromkeys(steps, "ok") and len(steps) == 7, steps


def test_guard_catches_a_socket(tmp_path: Path) -> None:
    """The guard itself works: opening a socket under it is recorded and refused."""
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "network.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(guard_dir),
        "RELIEFDESK_NET_LOG": str(log),
        "RELIEFDESK_NET_LOCAL": str(tmp_path / "local.log"),
    }
    code = textwrap.dedent("""
        import socket
        for make in (socket.socket, lambda: socket.socket(socket.AF_UNIX),
                     lambda: socket.getaddrinfo("localhost", 80)):
            try:
                make()
            except RuntimeError as exc:
                print("refused:", exc)
        socket.socketpair()  # asyncio's wake-up pipe: allowed
        print("socketpair allowed")
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.count("refused: ReliefDesk must not use the network") == 3, out.stderr
    assert "socketpair allowed" in out.stdout
    logged = log.read_text(encoding="utf-8")
    assert "socket.__new__" in logged and "socket.getaddrinfo" in logged
