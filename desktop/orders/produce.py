"""Render, sign and write many orders fast: the judge's key is unlocked once per process, and with
more than a handful of orders both cores work (a process pool whose workers each load the key once).

Files are written to a temporary name and renamed, so a crash never leaves a half-written order
under its final name."""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from desktop import clock
from desktop.files import write_atomic
from desktop.orders.model import OrderData
from desktop.orders.render import render_order
from desktop.orders.sign import OrderSigner
from desktop.orders.templates import OrderTemplate, load_template
from desktop.processes import worker_context
from desktop.progress import ProgressFn, no_progress

# Below this many orders a pool costs more (worker start-up, key load) than it saves.
POOL_MIN_JOBS = 12


@dataclass(frozen=True)
class Job:
    order: OrderData
    template: str          # template name or path
    out_path: str
    audit_head: str | None = None   # "seq:hash" of the audit log at signing, in the signed metadata


@dataclass(frozen=True)
class Produced:
    order_no: str
    path: str
    sha256: str            # of the signed file
    content_sha256: str    # of the unsigned rendering
    pages: int
    signed_at: str


def remove_stale_temporaries(path: Path) -> int:
    """Delete temporary files left for `path` by a render that was killed mid-write (their writer's
    process is gone); a live writer's file is left alone. Returns how many were removed."""
    removed = 0
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            pid = int(tmp.name[len(path.name) + 2:-4])
        except ValueError:
            continue
        if pid != os.getpid() and _process_alive(pid):
            continue
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Producer:
    """Per-process state: the unlocked signer and the parsed templates."""

    def __init__(self, signer: OrderSigner) -> None:
        self.signer = signer
        self.templates: dict[str, OrderTemplate] = {}

    def template(self, name: str) -> OrderTemplate:
        if name not in self.templates:
            self.templates[name] = load_template(name)
        return self.templates[name]

    def run(self, job: Job) -> Produced:
        rendered = render_order(job.order, self.template(job.template))
        signed_at = clock.utc_stamp()
        signed = self.signer.sign(rendered, order_number=job.order.order_number,
                                  county=job.order.county, audit_head=job.audit_head)
        path = Path(job.out_path)
        write_atomic(path, signed)
        return Produced(order_no=job.order.order_number, path=str(path),
                        sha256=hashlib.sha256(signed).hexdigest(),
                        content_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
                        pages=rendered.pages, signed_at=signed_at)


_worker: _Producer | None = None


def _die_with_parent() -> None:
    """Linux: the worker is killed when the process that started it dies (PR_SET_PDEATHSIG), so a
    render killed by the OOM killer or a task manager leaves no orphans writing or hanging on."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)          # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:                      # the parent died before the line above took effect
        os._exit(1)


def _init_worker(p12: bytes, passphrase: str) -> None:
    global _worker
    _die_with_parent()
    _worker = _Producer(OrderSigner(p12, passphrase))


def _run_in_worker(job: Job) -> Produced:
    assert _worker is not None, "worker not initialised"
    return _worker.run(job)


def produce_orders(jobs: Iterable[Job], p12: bytes, passphrase: str, *, workers: int | None = None,
                   progress: ProgressFn | None = None) -> list[Produced]:
    """Render, sign and write every job; results in job order. The progress callback may raise
    desktop.progress.Cancelled: orders already written stay on disk, the rest are not started."""
    jobs = list(jobs)
    for job in jobs:
        remove_stale_temporaries(Path(job.out_path))
    progress = progress or no_progress
    workers = workers or min(2, os.cpu_count() or 1)
    total = len(jobs)
    progress(0, total, "Signing orders")
    if workers <= 1 or total < POOL_MIN_JOBS:
        producer = _Producer(OrderSigner(p12, passphrase))
        out = []
        for i, job in enumerate(jobs, 1):
            out.append(producer.run(job))
            progress(i, total, "Signing orders")
        return out
    # Chunks keep the parent's pickling and bookkeeping small next to the workers' rendering.
    chunk = max(1, min(16, total // (workers * 8)))
    out = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context("desktop.orders.produce"), initializer=_init_worker,
                             initargs=(p12, passphrase)) as pool:
        try:
            for result in pool.map(_run_in_worker, jobs, chunksize=chunk):
                out.append(result)
                progress(len(out), total, "Signing orders")
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return out
