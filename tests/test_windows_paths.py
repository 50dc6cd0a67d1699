"""The Windows branches, run on Linux through a faked platform (issue 14 §3): sys.platform is
"win32", kernel32/secur32 are recording fakes, and every POSIX-only call (signals, os.kill,
os.killpg, prctl through ctypes.CDLL, getuid/geteuid, pwd, sysconf, the environment-reading
getpass.getuser) fails the test if a Windows path reaches it."""

from __future__ import annotations

import ctypes
import getpass
import os
import pwd
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from desktop import osinfo, processes
from desktop.cli.gui_cmd import process_started_at
from desktop.cli.main import main
from desktop.orders.produce import remove_stale_temporaries  # imported before faking the platform

POSIX_ONLY = [
    (os, "kill"),
    (os, "killpg"),
    (os, "getuid"),
    (os, "geteuid"),
    (os, "setsid"),
    (os, "fork"),
    (os, "sysconf"),
    (os, "getpgid"),
    (signal, "signal"),
    (signal, "pthread_kill"),
    (ctypes, "CDLL"),
    (pwd, "getpwuid"),
    (getpass, "getuser"),
    (time, "clock_gettime"),
]


@pytest.fixture
def windows(monkeypatch, tmp_path):
    """sys.platform is win32 and POSIX-only calls fail the test."""
    for module, name in POSIX_ONLY:

        def refuse(*_a, _name=f"{module.__name__}.{name}", **_k):
            raise AssertionError(f"POSIX-only call {_name} on a Windows path")

        monkeypatch.setattr(module, name, refuse)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("USERNAME", "judge")
    monkeypatch.setenv("USER", "judge")
    monkeypatch.setenv("LOGNAME", "judge")
    processes.reset_for_tests()
    yield
    processes.reset_for_tests()


class FakeKernel32:
    """Records calls; processes 1000 (running) and 1001 (exited) exist, 1002 is another
    account's, every other pid is unknown."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.error = 0
        self.limits: int | None = None

    def __getattr__(self, name):
        raise AssertionError(f"unexpected kernel32 call {name}")

    def CreateJobObjectW(self, attrs, name):
        self.calls.append(("CreateJobObjectW", name))
        return 77

    def SetInformationJobObject(self, handle, cls, ref, size):
        self.calls.append(("SetInformationJobObject", handle, cls, size))
        self.limits = ref._obj.BasicLimitInformation.LimitFlags
        return 1

    def OpenJobObjectW(self, access, inherit, name):
        self.calls.append(("OpenJobObjectW", access, name))
        return 88

    def GetCurrentProcess(self):
        return -1

    def AssignProcessToJobObject(self, job, process):
        self.calls.append(("AssignProcessToJobObject", job, process))
        return 1

    def OpenProcess(self, access, inherit, pid):
        self.calls.append(("OpenProcess", access, pid))
        if pid in (1000, 1001):
            return pid + 5000
        self.error = 5 if pid == 1002 else 87
        return 0

    def GetExitCodeProcess(self, handle, ref):
        ref._obj.value = processes.STILL_ACTIVE if handle == 6000 else 0
        return 1

    def CloseHandle(self, handle):
        self.calls.append(("CloseHandle", handle))
        return 1


@pytest.fixture
def kernel32(monkeypatch) -> FakeKernel32:
    fake = FakeKernel32()
    monkeypatch.setattr(processes, "_kernel32", lambda: fake)
    monkeypatch.setattr(processes, "_last_error", lambda: fake.error)
    return fake


def test_liveness_asks_windows_not_a_signal(windows, kernel32: FakeKernel32) -> None:
    assert processes.process_alive(1000) is True
    assert processes.process_alive(1001) is False  # exited, handle still open somewhere
    assert processes.process_alive(1002) is True  # exists under another account
    assert processes.process_alive(4242) is False  # no such process
    opened = [c for c in kernel32.calls if c[0] == "OpenProcess"]
    assert [c[2] for c in opened] == [1000, 1001, 1002, 4242]
    assert all(c[1] == processes.PROCESS_QUERY_LIMITED_INFORMATION for c in opened)
    # Every handle opened is closed again.
    assert ("CloseHandle", 6000) in kernel32.calls and ("CloseHandle", 6001) in kernel32.calls


def test_a_rerun_removes_a_killed_renders_temporaries_on_windows(windows, kernel32, tmp_path):
    out = tmp_path / "Case #7 (copy)" / "order-1.pdf"
    out.parent.mkdir()
    dead = out.with_name(f".{out.name}.4242.tmp")
    live = out.with_name(f".{out.name}.1000.tmp")
    dead.write_bytes(b"half")
    live.write_bytes(b"being written")
    assert remove_stale_temporaries(out) == 1
    assert not dead.exists() and live.exists()


def test_workers_join_a_kill_on_close_job(windows, kernel32: FakeKernel32) -> None:
    job, pdeathsig = processes.pool_initargs()
    assert job and job.startswith("Local\\ReliefDesk-workers-")
    assert kernel32.calls[0] == ("CreateJobObjectW", job)
    assert kernel32.limits == processes.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    assert kernel32.calls[1][2] == processes.JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS
    assert kernel32.calls[1][3] == ctypes.sizeof(processes._ExtendedLimits)
    assert ("CloseHandle", 77) not in kernel32.calls  # the program keeps its handle
    assert processes.pool_initargs()[0] == job  # one job per program
    assert [c[0] for c in kernel32.calls].count("CreateJobObjectW") == 1
    kernel32.calls.clear()
    processes.worker_init(job, pdeathsig)  # in a worker (no parent here: no watch)
    assert kernel32.calls == [
        ("OpenJobObjectW", 3, job),
        ("AssignProcessToJobObject", 88, -1),
        ("CloseHandle", 88),
    ]  # the worker keeps no handle to the job


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="64-bit layout")
def test_the_job_limit_structure_has_the_windows_x64_size() -> None:
    assert ctypes.sizeof(processes._ExtendedLimits) == 144  # JOBOBJECT_EXTENDED_LIMIT_INFORMATION


def test_the_os_account_comes_from_windows_not_the_environment(windows, monkeypatch) -> None:
    class Secur32:
        def GetUserNameExW(self, fmt, buf, size_ref):
            assert fmt == osinfo.NAME_SAM_COMPATIBLE
            if buf is None:
                size_ref._obj.value = 11
                return 0
            buf.value = "COURT\\jdoe"
            return 1

    monkeypatch.setattr(osinfo, "_secur32", lambda: Secur32())
    assert osinfo.os_actor() == "os:COURT\\jdoe"


def test_other_windows_paths_make_no_posix_call(windows, kernel32, tmp_path) -> None:
    assert process_started_at()[1] == "clock=cli-import"
    assert processes.worker_context("desktop.orders.produce").get_start_method() == "spawn"


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_the_os_account_on_posix_ignores_the_environment(monkeypatch, tmp_path) -> None:
    """The real POSIX path: USER/LOGNAME/USERNAME=judge change nothing, in the audit log either."""
    real = pwd.getpwuid(os.geteuid()).pw_name
    for var in ("USERNAME", "USER", "LOGNAME", "LNAME"):
        monkeypatch.setenv(var, "judge")
    assert osinfo.os_actor() == f"os:{real}"
    db = tmp_path / "audit.sqlite3"
    src = Path(__file__).parent / "data" / "gogen-fixtures" / "no_headers.csv"
    assert main(["--db", str(db), "import", str(src)]) in (0, 3)
    users = {r[0] for r in sqlite3.connect(db).execute("SELECT user FROM audit_log")}
    assert users == {f"os:{real}"}


class FakeAdvapi32:
    """Token, SID and security-descriptor calls of files.make_private, recorded."""

    SID = "S-1-5-21-1004336348-1177238915-682003330-1001"

    def __init__(self) -> None:
        self.sddl: list[str] = []
        self.applied: list[tuple[str, int, int]] = []

    def OpenProcessToken(self, process, access, token_ref):
        token_ref._obj.value = 4242
        return 1

    def GetTokenInformation(self, token, cls, buf, size, size_ref):
        size_ref._obj.value = 16
        return 0 if buf is None else 1

    def ConvertSidToStringSidW(self, psid, text_ref):
        text_ref._obj.value = self.SID
        return 1

    def ConvertStringSecurityDescriptorToSecurityDescriptorW(self, sddl, rev, sd_ref, size):
        self.sddl.append(sddl)
        sd_ref._obj.value = 9999
        return 1

    def SetFileSecurityW(self, path, flags, sd):
        self.applied.append((path, flags, sd.value))
        return 1


class FakeKernelForAcl:
    def GetCurrentProcess(self):
        return -1

    def LocalFree(self, ptr):
        return None

    def CloseHandle(self, handle):
        return 1


@pytest.fixture
def acl(monkeypatch) -> FakeAdvapi32:
    from desktop import files

    fake = FakeAdvapi32()
    monkeypatch.setattr(files, "_advapi32", lambda: fake)
    monkeypatch.setattr(files, "_kernel32", lambda: FakeKernelForAcl())
    return fake


def test_windows_files_get_an_owner_only_acl(windows, acl: FakeAdvapi32, tmp_path: Path) -> None:
    from desktop.files import write_atomic
    from desktop.store.backup import backup_to
    from desktop.store.db import connect

    db = tmp_path / "db" / "reliefdesk.sqlite3"
    connect(db).close()
    export = tmp_path / "batch-1-doj-update.csv"
    write_atomic(export, b"x")
    backup_to(db, tmp_path / "backups" / "copy.sqlite3")
    paths = [Path(p).name for p, _f, _sd in acl.applied]
    assert paths[:3] == ["reliefdesk.sqlite3", "reliefdesk.sqlite3-wal", "reliefdesk.sqlite3-shm"]
    assert f".{export.name}.{os.getpid()}.tmp" in paths  # before the data is written
    assert "backups" in paths  # the new folder, inheritable
    assert any(n.startswith(".copy.sqlite3.tmp") for n in paths)
    assert all(flags == 0x80000004 for _p, flags, _sd in acl.applied)  # protected DACL
    assert f"D:P(A;;FA;;;{acl.SID})(A;;FA;;;SY)" in acl.sddl
    assert f"D:P(A;OICI;FA;;;{acl.SID})(A;OICI;FA;;;SY)" in acl.sddl


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_posix_files_are_0600_and_new_folders_0700(tmp_path: Path) -> None:
    """The POSIX side of the same claim (docs/security.md)."""
    import stat

    from desktop.files import write_atomic
    from desktop.store.backup import auto_backup, backup_dir
    from desktop.store.db import connect

    db = tmp_path / "reliefdesk.sqlite3"
    connect(db).close()
    write_atomic(tmp_path / "export.csv", b"x")
    made = auto_backup(db, "test")
    for p in (db, tmp_path / "export.csv", made):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE(backup_dir(db).stat().st_mode) == 0o700
