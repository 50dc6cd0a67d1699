"""`reliefdesk self-test`: what court IT runs after installing. Every step of a court's day on a
throwaway database in a temporary folder (never the user's real data): generate invented people,
import, evaluate, review as a clerk, spot-check and accept as a judge, create a throwaway judge
key, render and sign two orders, verify them; then one round trip of a batch package to a judge's
workspace in a separate folder (send, open, spot-check, accept, sign, answer, import, verify). The import and the render run in worker processes
started with spawn, as on Windows and in the frozen build. Needs no display and no network."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from desktop import logs

STEPS = (
    "generate",
    "import",
    "evaluate",
    "accounts",
    "review",
    "spot-check",
    "key",
    "sign order",
    "verify",
    "judge's PC",
)


@contextmanager
def pools_forced() -> Iterator[None]:
    """The import and the render use worker processes started with spawn (the only start method
    on Windows, and the one a frozen build must support through freeze_support), however small
    the self-test's file and batch: the paths a court PC takes are the ones checked."""
    from desktop.orders import produce
    from desktop.records import doj_import

    saved = [
        (doj_import, n, getattr(doj_import, n))
        for n in (
            "PARALLEL_MIN_BYTES",
            "CHUNK_BYTES",
            "TAIL_CHUNK_BYTES",
            "START_METHOD",
            "WORKERS",
        )
    ]
    saved += [(produce, n, getattr(produce, n)) for n in ("POOL_MIN_JOBS", "START_METHOD")]
    doj_import.PARALLEL_MIN_BYTES = 0
    doj_import.CHUNK_BYTES = doj_import.TAIL_CHUNK_BYTES = 256 << 10
    doj_import.START_METHOD = produce.START_METHOD = "spawn"
    doj_import.WORKERS = 2
    produce.POOL_MIN_JOBS = 2
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def _pooled(step: str, fn: Callable[[], None]) -> None:
    """Run fn and check it started a worker pool."""
    from desktop import processes

    before = processes.POOLS_STARTED
    fn()
    if processes.POOLS_STARTED == before:
        raise RuntimeError(f"the {step} did not use worker processes")


class SelfTestFailed(Exception):
    def __init__(self, step: str, error: BaseException) -> None:
        super().__init__(f"{step}: {type(error).__name__}: {error}")
        self.step = step
        self.error = error


def run_self_test(rows: int = 3000, log: Callable[[str], None] | None = None) -> float:
    """Run every step; returns the seconds taken, or raises SelfTestFailed naming the step."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reliefdesk-selftest-") as tmp:
        work = Path(tmp)
        state: dict = {}

        def step(name: str, fn: Callable[[], None]) -> None:
            t = time.perf_counter()
            try:
                fn()
            except BaseException as exc:
                logs.get("selftest").exception("self-test step %s failed", name)
                raise SelfTestFailed(name, exc) from exc
            if log:
                log(f"  {name:<11} ok ({time.perf_counter() - t:.2f} s)")

        from desktop.store import open_db

        db = open_db(work / "selftest.sqlite3")
        try:
            step("generate", lambda: _generate(work, rows))
            with pools_forced():
                step("import", lambda: _pooled("import", lambda: _import(db, work, state)))
            step("evaluate", lambda: _evaluate(db, state))
            step("accounts", lambda: _accounts(db, state))
            step("review", lambda: _review(db, state))
            step("spot-check", lambda: _spot_check(db, state))
            step("key", lambda: _key(work, state))
            with pools_forced():
                step("sign order", lambda: _pooled("render", lambda: _sign(db, work, state)))
            step("verify", lambda: _verify(state))
            step("judge's PC", lambda: _judge_pc(db, work, state))
        finally:
            db.conn.close()
    return time.perf_counter() - start


COUNTY = "SAN BERNARDINO"
PASSWORD = "self-test-only"


def _generate(work: Path, rows: int) -> None:
    from desktop.records.generate import generate

    generate(work / "synthetic.csv", COUNTY, rows, seed=64)


def _import(db, work: Path, state: dict) -> None:
    from desktop.records.importer import import_file

    s = import_file(db, work / "synthetic.csv", backup=False, user="self-test")
    if s.rows_rejected or not s.rows_kept:
        raise RuntimeError(f"the synthetic file imported with {s.rows_rejected} rejected rows")


def _evaluate(db, state: dict) -> None:
    from desktop.evaluation.runs import evaluate_county

    state["run"] = evaluate_county(
        db, COUNTY, "statute", date(2020, 7, 1), user="self-test", backup=False
    )
    n = db.conn.execute(
        "SELECT COUNT(*) FROM determinations WHERE run_id = ? AND relief IN"
        " ('dismiss_and_seal', 'redesignate_misdemeanor',"
        " 'redesignate_infraction')",
        (state["run"],),
    ).fetchone()[0]
    if not n:
        raise RuntimeError("the evaluation granted no relief on the synthetic file")


def _accounts(db, state: dict) -> None:
    from desktop.review.users import create_user

    admin = create_user(db.conn, "selftest-admin", "admin", PASSWORD, None)
    state["clerk"] = create_user(db.conn, "selftest-clerk", "clerk", PASSWORD, admin)
    state["judge"] = create_user(db.conn, "selftest-judge", "judge", PASSWORD, admin)


def _review(db, state: dict) -> None:
    from desktop.review import batches, decisions

    # Two cases' granted counts (two orders, so the render uses its worker pool), approved one by
    # one as a clerk would after opening each.
    cases = [
        r[0]
        for r in db.conn.execute(
            "SELECT DISTINCT c.case_id FROM review_items r JOIN determinations d"
            " ON d.id = r.determination_id JOIN counts c ON c.id = r.count_id WHERE r.status ="
            " 'pending' AND d.relief IN ('dismiss_and_seal', 'redesignate_misdemeanor',"
            " 'redesignate_infraction') ORDER BY c.case_id LIMIT 2"
        )
    ]
    ids = [
        r[0]
        for case in cases
        for r in db.conn.execute(
            "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = r.determination_id"
            " JOIN counts c ON c.id = r.count_id WHERE c.case_id = ? AND r.status = 'pending' AND"
            " d.relief IN ('dismiss_and_seal', 'redesignate_misdemeanor', 'redesignate_infraction')",
            (case,),
        )
    ]
    for cid in ids:
        decisions.mark_opened(db.conn, state["clerk"], cid)
    decisions.approve(db.conn, state["clerk"], ids)
    state["batch"] = batches.submit_batch(db.conn, state["clerk"])


def _spot_check(db, state: dict) -> None:
    from desktop.review import batches, decisions

    for item in batches.sample(db.conn, state["judge"], state["batch"], seed=1):
        decisions.mark_opened(db.conn, state["judge"], item.count_id)
        batches.accept_item(db.conn, state["judge"], state["batch"], item.count_id)
    batches.accept_batch(db.conn, state["judge"], state["batch"])


def _key(work: Path, state: dict) -> None:
    from desktop.keys import create_demo_key

    state["key"] = work / "selftest-judge.p12"
    create_demo_key(
        "Hon. Self Test",
        "Judge of the Superior Court (self-test)",
        state["key"],
        PASSWORD,
        county=COUNTY,
    )


def _sign(db, work: Path, state: dict) -> None:
    from desktop.orders.batch import render_batch

    outcomes = render_batch(
        db.conn,
        state["batch"],
        work / "orders",
        state["key"],
        PASSWORD,
        user=state["judge"].name,
        workers=2,
    )
    made = [o for o in outcomes if o.produced]
    if len(outcomes) < 2 or not made:
        raise RuntimeError(f"{len(made)} of {len(outcomes)} orders rendered; 2 expected")
    state["orders"] = [o.path for o in made]


def _verify(state: dict) -> None:
    from desktop.orders.verify import verify_file

    for path in state["orders"]:
        result = verify_file(path)
        if not result.ok:
            raise RuntimeError(f"{path.name} does not verify: {result.problem}")
    # One tampered copy shows verification can fail (every order is signed the same way).
    path = state["orders"][0]
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered = path.with_name("tampered.pdf")
    tampered.write_bytes(bytes(data))
    if verify_file(tampered).ok:
        raise RuntimeError("a tampered copy of the order still verifies")


def _judge_pc(db, work: Path, state: dict) -> None:
    """A second batch goes to a judge's PC as a package (a separate folder with its own workspace
    database), is checked, accepted and signed there, and comes back as an answer the clerk's
    database imports; the imported orders verify against the clerk's register, and importing the
    same answer again is refused."""
    from desktop.errors import RefusedError
    from desktop.exchange.answer import write_answer
    from desktop.exchange.answer_import import import_answer
    from desktop.exchange.send import send_batch
    from desktop.exchange.workspace import open_package
    from desktop.orders.batch import render_batch
    from desktop.orders.register import verify_order
    from desktop.review import batches, decisions
    from desktop.review.users import authenticate
    from desktop.store import open_db

    _review(db, state)  # the next two cases' granted counts, in a new batch
    share, judge_pc = work / "share", work / "judge-pc"
    sent = send_batch(
        db.conn, state["clerk"], state["batch"], share / "batch.rdpkg", judge=state["judge"].name
    )
    opened = open_package(
        sent.path, state["judge"].name, password=PASSWORD, workspace=judge_pc / "workspace.sqlite3"
    )
    ws = open_db(opened.workspace)
    try:
        judge = authenticate(ws.conn, state["judge"].name, PASSWORD)
        for item in batches.sample(ws.conn, judge, opened.batch_id, seed=2):
            decisions.mark_opened(ws.conn, judge, item.count_id)
            batches.accept_item(ws.conn, judge, opened.batch_id, item.count_id)
        batches.accept_batch(
            ws.conn, judge, opened.batch_id, key_file=state["key"], passphrase=PASSWORD
        )
        render_batch(
            ws.conn,
            opened.batch_id,
            judge_pc / "orders",
            state["key"],
            PASSWORD,
            user=judge.name,
            workers=1,
        )
        answer = write_answer(ws.conn, judge, share / "answer.rdpkg")
    finally:
        ws.conn.close()
    done = import_answer(db.conn, state["clerk"], answer.path, work / "orders-from-judge")
    if not done.accepted or not done.orders:
        raise RuntimeError("the judge's answer brought back no accepted batch or no orders")
    for order_no in done.orders:
        result = verify_order(db.conn, order_no)
        if not result.ok:
            raise RuntimeError(f"order {order_no} from the judge's PC: {result.problem}")
    try:
        import_answer(db.conn, state["clerk"], answer.path, work / "orders-again")
    except RefusedError:
        pass
    else:
        raise RuntimeError("the same answer was imported twice")
