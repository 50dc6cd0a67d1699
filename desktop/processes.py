"""Worker processes (the DOJ import's readers, the order signers): how they start, and how they die
with the program on every platform; and a process-liveness check that is safe on Windows.

A worker must never outlive the program that started it: a signing worker left behind keeps the
judge's unlocked key in memory (and may go on writing orders a rerun is about to record), an import
reader keeps the database folder busy, and on Windows any of them locks the program folder so an
upgrade cannot delete it. Three guards, each enough on its own where it applies:

1. Every platform: each worker watches `multiprocessing.parent_process().sentinel` on a thread and
   exits at once when the parent is gone (the sentinel is a pipe end on POSIX and a process handle
   on Windows; it becomes ready when the parent dies, however it died).
2. Linux: PR_SET_PDEATHSIG, so the kernel kills the worker with SIGKILL when its parent dies (this
   also covers a worker stuck in C code without the GIL).
3. Windows: a job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE. The program holds the only
   handle to it and each worker puts itself in it on start; when the program ends in any way
   (Task Manager, a crash, log-off) Windows closes that handle and kills every process in the job.
   The program itself is not put in the job: a PDF viewer it opens for the user (an order from
   the Orders tab) would be a member too and would be killed when ReliefDesk closes.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import sys
import threading
import uuid
from typing import Any

# Linux's parent-death signal for workers. Tests switch it off to prove the sentinel watch alone
# is enough (as it must be on Windows and macOS); passed to workers by their initializer.
LINUX_PDEATHSIG = True

# Pools started by this process (the self-test checks its import and render really used one).
POOLS_STARTED = 0

_JOB_NAME: str | None = None
_JOB_HANDLE: int | None = None


def worker_context(preload: str, method: str | None = None) -> multiprocessing.context.BaseContext:
    """fork where it is safe (Linux, no Qt loaded: the CLI) since workers then start in
    milliseconds; forkserver when Qt threads run, so workers never fork from them (the server
    preloads `preload`, the module the workers run); spawn on other systems. `method` forces one."""
    if method:
        return multiprocessing.get_context(method)
    if sys.platform.startswith("linux") and "PySide6" not in sys.modules:
        return multiprocessing.get_context("fork")
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([preload])
        return ctx
    return multiprocessing.get_context("spawn")


# -- in the program: before a pool starts --------------------------------------------------------


def pool_initargs() -> tuple[str | None, bool]:
    """The arguments for worker_init, computed in the program before it starts a pool: the name of
    its kill-on-close job object (Windows; created on first use) and whether to use Linux's
    parent-death signal."""
    global POOLS_STARTED
    POOLS_STARTED += 1
    return (children_job() if sys.platform == "win32" else None, LINUX_PDEATHSIG)


# -- in a worker: its pool's initializer calls this first ----------------------------------------


def worker_init(job_name: str | None = None, pdeathsig: bool = True) -> None:
    """Make this worker die with the program: join the program's job object (Windows), ask for
    the parent-death signal (Linux), and watch the parent's sentinel (everywhere)."""
    if sys.platform == "win32":
        if job_name:
            join_job(job_name)
    elif sys.platform.startswith("linux") and pdeathsig:
        _linux_pdeathsig()
    watch_parent()


def watch_parent() -> threading.Thread | None:
    """Exit this process (os._exit, no clean-up that could hang) as soon as the process that
    started it is gone. Returns the watching thread, or None outside a multiprocessing child."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return None
    sentinel = parent.sentinel
    if multiprocessing.connection.wait([sentinel], timeout=0):
        os._exit(1)  # the parent died while this worker was starting

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    thread = threading.Thread(target=watch, name="reliefdesk-parent-watch", daemon=True)
    thread.start()
    return thread


def _linux_pdeathsig() -> None:
    """PR_SET_PDEATHSIG = SIGKILL (Linux only; the caller checks the platform)."""
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


# -- Windows: the job object ---------------------------------------------------------------------

JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
JOB_OBJECT_ASSIGN_PROCESS = 0x0001
JOB_OBJECT_SET_ATTRIBUTES = 0x0002
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
STILL_ACTIVE = 259
ERROR_ACCESS_DENIED = 5


class _BasicLimits(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _IoCounters(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint64)
        for name in (
            "ReadOperationCount",
            "WriteOperationCount",
            "OtherOperationCount",
            "ReadTransferCount",
            "WriteTransferCount",
            "OtherTransferCount",
        )
    ]


class _ExtendedLimits(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


def _kernel32() -> Any:
    """kernel32 with the signatures used here (replaced by a fake in tests on other systems)."""
    from ctypes import wintypes

    k = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    k.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    k.CreateJobObjectW.restype = wintypes.HANDLE
    k.OpenJobObjectW.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.LPCWSTR]
    k.OpenJobObjectW.restype = wintypes.HANDLE
    k.SetInformationJobObject.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
    ]
    k.SetInformationJobObject.restype = wintypes.BOOL
    k.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    k.AssignProcessToJobObject.restype = wintypes.BOOL
    k.GetCurrentProcess.restype = wintypes.HANDLE
    k.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    k.OpenProcess.restype = wintypes.HANDLE
    k.GetExitCodeProcess.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD)]
    k.GetExitCodeProcess.restype = wintypes.BOOL
    k.CloseHandle.argtypes = [wintypes.HANDLE]
    k.CloseHandle.restype = wintypes.BOOL
    return k


def _last_error() -> int:
    return ctypes.get_last_error() if hasattr(ctypes, "get_last_error") else 0


def children_job() -> str | None:
    """Windows: create (once per process) a job object that kills its processes when its last
    handle closes, and return its name for workers to join; the handle is kept for the life of
    the program and never closed by it. None when the job cannot be created (workers still watch
    their parent)."""
    global _JOB_NAME, _JOB_HANDLE
    if _JOB_NAME:
        return _JOB_NAME
    k = _kernel32()
    name = f"Local\\ReliefDesk-workers-{os.getpid()}-{uuid.uuid4().hex}"
    handle = k.CreateJobObjectW(None, name)
    if not handle:
        return None
    info = _ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    if not k.SetInformationJobObject(
        handle, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS, ctypes.byref(info), ctypes.sizeof(info)
    ):
        k.CloseHandle(handle)
        return None
    _JOB_NAME, _JOB_HANDLE = name, handle
    return name


def join_job(name: str) -> bool:
    """Windows, in a worker: put this process in the program's job, then close this process's own
    handle to it (a handle kept here would keep the job, and so this worker, alive)."""
    k = _kernel32()
    handle = k.OpenJobObjectW(JOB_OBJECT_ASSIGN_PROCESS | JOB_OBJECT_SET_ATTRIBUTES, False, name)
    if not handle:
        return False
    try:
        return bool(k.AssignProcessToJobObject(handle, k.GetCurrentProcess()))
    finally:
        k.CloseHandle(handle)


# -- is a process still running? -----------------------------------------------------------------


def process_alive(pid: int) -> bool:
    """Whether process `pid` is still running. Windows: OpenProcess + GetExitCodeProcess (there,
    os.kill(pid, 0) would not ask: it terminates the process or sends it Ctrl+C). POSIX: signal 0,
    which checks without delivering anything."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        k = _kernel32()
        handle = k.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            # Access denied: it exists under another account. Otherwise (invalid parameter) no
            # such process.
            return _last_error() == ERROR_ACCESS_DENIED
        try:
            code = ctypes.c_ulong()  # a DWORD
            if not k.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == STILL_ACTIVE
        finally:
            k.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def reset_for_tests() -> None:
    """Forget the job object (a faked-platform test creates one with a fake kernel32)."""
    global _JOB_NAME, _JOB_HANDLE
    _JOB_NAME, _JOB_HANDLE = None, None
