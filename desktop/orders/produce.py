"""Render, sign and write many orders fast: the judge's key is unlocked once per process, and with
more than a handful of orders both cores work (a process pool whose workers each load the key once).

Files are written to a temporary name and renamed, so a crash never leaves a half-written order
under its final name."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from desktop.files import write_atomic
from desktop.orders.fonts import UnprintableName
from desktop.orders.model import OrderData
from desktop.orders.render import render_order
from desktop.orders.sign import OrderSigner
from desktop.orders.templates import OrderTemplate, load_template
from desktop.processes import pool_initargs, process_alive, worker_context, worker_init
from desktop.progress import ProgressFn, no_progress

# Below this many orders a pool costs more (worker start-up, key load) than it saves.
POOL_MIN_JOBS = 12
START_METHOD: str | None = (
    None  # None: desktop.processes.worker_context decides; the self-test forces spawn
)


@dataclass(frozen=True)
class Job:
    order: OrderData
    template: str  # template name or path
    out_path: str
    sign: bool = True  # False: write the order unsigned, for a signature in ink or elsewhere
    audit_head: str | None = None  # "seq:hash" of the audit log at signing, in the signed metadata


@dataclass(frozen=True)
class Produced:
    """One order written, or (problem set) the reason it could not be; the batch goes on."""

    order_no: str
    path: str
    sha256: str  # of the written file ('' when not produced)
    content_sha256: str  # of the unsigned rendering
    pages: int
    signed_at: str  # '' for an unsigned order
    problem: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problem


def _reason(exc: BaseException) -> str:
    """One line a clerk can act on for an order that could not be produced."""
    from reportlab.platypus.doctemplate import LayoutError

    if isinstance(exc, UnprintableName):
        return f"{exc}. Correct the name in the court's record, or send the count back"
    if isinstance(exc, LayoutError):
        return (
            "an entry is too large to lay out on a page; shorten it in the record or send the "
            "count back"
        )
    if isinstance(exc, OSError):
        return f"the file could not be written: {exc.strerror or exc}"
    text = " ".join(str(exc).split())[:300]
    return text or type(exc).__name__


def remove_stale_temporaries(path: Path) -> int:
    """Delete temporary files left for `path` by a render that was killed mid-write (their writer's
    process is gone); a live writer's file is left alone. Returns how many were removed."""
    removed = 0
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            pid = int(tmp.name[len(path.name) + 2 : -4])
        except ValueError:
            continue
        if pid != os.getpid() and process_alive(pid):
            continue
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


class _Producer:
    """Per-process state: the unlocked signer and the parsed templates."""

    def __init__(self, signer: OrderSigner | None) -> None:
        self.signer = signer
        self.templates: dict[str, OrderTemplate] = {}

    def template(self, name: str) -> OrderTemplate:
        if name not in self.templates:
            self.templates[name] = load_template(name)
        return self.templates[name]

    def run(self, job: Job) -> Produced:
        """Render, sign and write one order. Any failure of this one order is returned as its
        problem (the rest of the batch goes on); a file is written only when complete."""
        try:
            return self._run(job)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # one bad record must not stop the batch (issue 12 §4)
            return Produced(
                order_no=job.order.order_number,
                path=job.out_path,
                sha256="",
                content_sha256="",
                pages=0,
                signed_at="",
                problem=_reason(exc),
            )

    def _run(self, job: Job) -> Produced:
        order = job.order if job.sign else replace(job.order, signing="unsigned")
        rendered = render_order(order, self.template(job.template))
        if job.sign:
            if self.signer is None:
                raise ValueError("no signing key was given")
            data, moment = self.signer.sign_order(rendered, order, audit_head=job.audit_head)
            signed_at = moment.isoformat()
        else:
            data, signed_at = rendered.pdf, ""
        path = Path(job.out_path)
        write_atomic(path, data)
        return Produced(
            order_no=order.order_number,
            path=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
            content_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            pages=rendered.pages,
            signed_at=signed_at,
            warnings=rendered.warnings,
        )


_worker: _Producer | None = None


def _signer(p12: bytes | None, passphrase: str) -> OrderSigner | None:
    return OrderSigner(p12, passphrase) if p12 else None


def _init_worker(p12: bytes | None, passphrase: str, guard: tuple[str | None, bool]) -> None:
    global _worker
    worker_init(*guard)  # dies with the program on every platform (desktop/processes.py)
    _worker = _Producer(_signer(p12, passphrase))


def _run_in_worker(job: Job) -> Produced:
    assert _worker is not None, "worker not initialised"
    return _worker.run(job)


def produce_orders(
    jobs: Iterable[Job],
    p12: bytes | None,
    passphrase: str,
    *,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    signer: OrderSigner | None = None,
) -> list[Produced]:
    """Render, sign and write every job; results in job order, one per job (an order that could not
    be produced carries its problem). Without a key (p12 None) every job must be unsigned. With
    `signer` (a judge's smart card, already unlocked) this process signs every order: a card signs
    one at a time and its PIN never goes to another process. The progress callback may raise
    desktop.progress.Cancelled: orders already written stay on disk, the rest are not started."""
    jobs = list(jobs)
    for job in jobs:
        remove_stale_temporaries(Path(job.out_path))
    progress = progress or no_progress
    workers = workers or min(2, os.cpu_count() or 1)
    total = len(jobs)
    progress(0, total, "Signing orders")
    if signer is not None or workers <= 1 or total < POOL_MIN_JOBS:
        producer = _Producer(signer or _signer(p12, passphrase))
        out = []
        for i, job in enumerate(jobs, 1):
            out.append(producer.run(job))
            progress(i, total, "Signing orders")
        return out
    # Chunks keep the parent's pickling and bookkeeping small next to the workers' rendering.
    chunk = max(1, min(16, total // (workers * 8)))
    out = []
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=worker_context("desktop.orders.produce", START_METHOD),
        initializer=_init_worker,
        initargs=(p12, passphrase, pool_initargs()),
    ) as pool:
        try:
            for result in pool.map(_run_in_worker, jobs, chunksize=chunk):
                out.append(result)
                progress(len(out), total, "Signing orders")
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return out
