"""Long work (import, evaluate, order rendering) off the UI thread.

A Worker runs one core function in a QThread. The core reports progress through the usual
ProgressFn; the worker forwards it as a signal and, once Cancel was pressed, raises
desktop.progress.Cancelled from inside the callback so the core's transaction rolls back."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.errors import UserError
from desktop.progress import Cancelled, ProgressFn


class Worker(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)  # the job's return value
    failed = Signal(str)  # a message for the clerk
    cancelled = Signal()

    def __init__(self, job: Callable[[ProgressFn], Any]) -> None:
        super().__init__()
        self._job = job
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _report(self, done: int, total: int, label: str) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self.progress.emit(done, total, label)

    @Slot()
    def run(self) -> None:
        try:
            result = self._job(self._report)
        except Cancelled:
            self.cancelled.emit()
        except UserError as exc:
            from desktop.ui.labels import user_message

            self.failed.emit(user_message(str(exc)))
        except Exception as exc:
            traceback.print_exc()
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.finished.emit(result)


class WorkerHandle(QObject):
    """The calling (GUI) thread's side of a Worker. The worker's signals are relayed through this
    object, which lives in the GUI thread, so whatever is connected here (lambdas included) runs
    in the GUI thread. Connected straight to the worker, a lambda would run in the worker's
    thread and touch widgets from there."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        for name in ("progress", "finished", "failed", "cancelled"):
            getattr(worker, name).connect(getattr(self, name))  # queued: different threads

    def cancel(self) -> None:
        self._worker.cancel()

    def is_cancelled(self) -> bool:
        return self._worker.is_cancelled()


def start_worker(
    parent: QObject | None, job: Callable[[ProgressFn], Any]
) -> tuple[QThread, WorkerHandle]:
    """Start `job(progress)` on a new thread; returns the thread and the GUI-side handle whose
    signals (progress, finished, failed, cancelled) arrive in the calling thread. The thread and
    worker delete themselves when done; keep a reference to both returned objects until a result
    signal arrives."""
    thread = QThread(parent)
    worker = Worker(job)
    handle = WorkerHandle(worker, parent)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    for sig in (worker.finished, worker.failed, worker.cancelled):
        sig.connect(thread.quit)
    thread.finished.connect(worker.deleteLater)
    thread.finished.connect(thread.deleteLater)
    thread.start()
    return thread, handle
