"""Sign-in with the operating-system account (issue 14 §7): an administrator maps accounts or
(Active Directory) groups to roles; the OS says who the user is and which groups they are in."""

from __future__ import annotations

import ctypes
import os
import pwd
import sqlite3
import sys
from pathlib import Path

import pytest
from helpers.cli import run_cli

from desktop import osinfo
from desktop.cli.main import main
from desktop.errors import RefusedError
from desktop.review import os_signin
from desktop.review.users import authenticate, create_user, deactivate_user
from desktop.store import open_db

PW = "pw-Windows-14"


@pytest.fixture
def world(tmp_path: Path):
    conn = open_db(tmp_path / "db.sqlite3").conn
    admin = create_user(conn, "admin1", "admin", PW, None)
    clerk = create_user(conn, "clerk1", "clerk", PW, admin)
    yield conn, admin, clerk
    conn.close()


def test_an_ad_group_gives_the_role_and_a_user_is_made_on_first_sign_in(world) -> None:
    conn, admin, clerk = world
    with pytest.raises(RefusedError):
        os_signin.sign_in(conn, "COURT\\jdoe", [])  # not set up at all
    with pytest.raises(RefusedError):
        os_signin.map_role(conn, clerk, "group", "COURT\\ReliefDesk-Clerks", "clerk")
    os_signin.map_role(conn, admin, "group", "COURT\\ReliefDesk-Clerks", "clerk")
    user = os_signin.sign_in(
        conn, "COURT\\jdoe", ["COURT\\Domain Users", "court\\reliefdesk-clerks"]
    )
    assert (user.name, user.role) == ("COURT\\jdoe", "clerk")
    again = os_signin.sign_in(conn, "court\\JDOE", ["COURT\\ReliefDesk-Clerks"])
    assert again.id == user.id
    with pytest.raises(RefusedError):  # no password sign-in for it
        authenticate(conn, "COURT\\jdoe", "os-account")
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert actions[-2:] == ["os_sign_in.map", "user.add"]


def test_leavers_mappings_and_conflicts(world) -> None:
    conn, admin, _clerk = world
    os_signin.map_role(conn, admin, "group", "COURT\\RD-Clerks", "clerk")
    os_signin.map_role(conn, admin, "group", "COURT\\RD-Judges", "judge")
    # Left the group: refused at the next sign-in.
    with pytest.raises(RefusedError, match="not mapped"):
        os_signin.sign_in(conn, "COURT\\left", ["COURT\\Domain Users"])
    # In two groups with different roles: the administrator must map the account.
    with pytest.raises(RefusedError, match="different roles"):
        os_signin.sign_in(conn, "COURT\\both", ["COURT\\RD-Clerks", "COURT\\RD-Judges"])
    os_signin.map_role(conn, admin, "account", "COURT\\both", "judge")
    assert os_signin.sign_in(conn, "COURT\\both", ["COURT\\RD-Clerks"]).role == "judge"
    # A role change is audited; a deactivated account is refused.
    os_signin.map_role(conn, admin, "account", "COURT\\both", "clerk")
    u = os_signin.sign_in(conn, "COURT\\both", [])
    assert u.role == "clerk"
    assert (
        conn.execute("SELECT action FROM audit_log ORDER BY seq DESC").fetchone()[0] == "user.role"
    )
    deactivate_user(conn, admin, "COURT\\both")
    with pytest.raises(RefusedError, match="deactivated"):
        os_signin.sign_in(conn, "COURT\\both", [])
    # An OS account never takes over a local password account of the same name.
    os_signin.map_role(conn, admin, "account", "admin1", "admin")
    with pytest.raises(RefusedError, match="password account"):
        os_signin.sign_in(conn, "admin1", [])
    os_signin.unmap(conn, admin, "group", "COURT\\RD-Judges")
    assert {(m.kind, m.name) for m in os_signin.list_mappings(conn)} == {
        ("group", "COURT\\RD-Clerks"),
        ("account", "COURT\\both"),
        ("account", "admin1"),
    }


@pytest.mark.posix_only  # the real POSIX account and groups (pwd, grp)
def test_the_cli_signs_in_as_the_real_os_account(tmp_path: Path, monkeypatch, capsys) -> None:
    db = str(tmp_path / "cli.sqlite3")
    monkeypatch.setenv("RELIEFDESK_NEW_PASSWORD", PW)
    monkeypatch.setenv("RELIEFDESK_PASSWORD", PW)
    for var in ("USER", "USERNAME", "LOGNAME"):
        monkeypatch.setenv(var, "judge")  # ignored: the OS decides
    assert main(["--db", db, "users", "add", "admin1", "--role", "admin"]) == 0
    me = pwd.getpwuid(os.geteuid()).pw_name
    assert main(["--db", db, "os-sign-in", "whoami"]) == 4  # not mapped yet
    assert (
        main(
            ["--db", db, "os-sign-in", "map", "--account", me, "--role", "admin", "--as", "admin1"]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--db", db, "os-sign-in", "whoami"]) == 0
    assert "role: admin" in capsys.readouterr().out
    assert (
        main(
            [
                "--db",
                db,
                "backup-schedule",
                "set",
                "--to",
                str(tmp_path / "b"),
                "--every",
                "24",
                "--as",
                "@os",
            ]
        )
        == 0
    )
    user = (
        sqlite3.connect(db)
        .execute("SELECT user FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetchone()[0]
    )
    assert user == me


class FakeAdvapiGroups:
    """A Windows token with three groups: an AD group, a deny-only group, a nameless logon SID."""

    SIDS = {
        1001: ("COURT", "ReliefDesk-Judges", 0x7),
        1002: ("BUILTIN", "Administrators", 0x10),
        1003: (None, None, 0x7),
    }

    def OpenProcessToken(self, process, access, token_ref):
        token_ref._obj.value = 77
        return 1

    def GetTokenInformation(self, token, cls, buf, size, size_ref):
        assert cls == osinfo.TOKEN_GROUPS_CLASS
        ptr = ctypes.sizeof(ctypes.c_void_p)
        needed = ptr + len(self.SIDS) * ctypes.sizeof(osinfo._SidAndAttributes)
        size_ref._obj.value = needed
        if buf is None:
            return 0
        ctypes.c_uint32.from_buffer(buf).value = len(self.SIDS)
        entries = (osinfo._SidAndAttributes * len(self.SIDS)).from_buffer(buf, ptr)
        for e, (sid, (_d, _n, attrs)) in zip(entries, self.SIDS.items(), strict=True):
            e.Sid, e.Attributes = sid, attrs
        return 1

    def LookupAccountSidW(self, system, sid, name, n, domain, d, use):
        dom, nm, _a = self.SIDS[sid.value]
        if nm is None:
            return 0
        name.value, domain.value = nm, dom
        return 1


def test_windows_groups_come_from_the_token(monkeypatch) -> None:
    class Kernel:
        def GetCurrentProcess(self):
            return -1

        def CloseHandle(self, h):
            return 1

    monkeypatch.setattr(osinfo, "_advapi32", lambda: FakeAdvapiGroups())
    monkeypatch.setattr(osinfo, "_kernel32", lambda: Kernel())
    monkeypatch.setattr(sys, "platform", "win32")
    assert osinfo.os_groups() == ["COURT\\ReliefDesk-Judges"]  # enabled, named, not deny-only


@pytest.mark.posix_only  # the real POSIX account
def test_the_window_signs_in_as_the_mapped_os_account(world, qapp) -> None:
    from desktop.ui.app import sign_in

    conn, admin, _clerk = world
    me = pwd.getpwuid(os.geteuid()).pw_name
    os_signin.map_role(conn, admin, "account", me, "judge")
    user = sign_in(conn, "db")  # no dialog shown
    assert (user.name, user.role) == (me, "judge")


@pytest.mark.parametrize("role", ["clerk", "judge", "admin", "records_officer"])
def test_every_role_can_be_mapped(world, role: str) -> None:
    """Every role a user may hold can come from the OS account (0017 once refused records
    officers at the database's CHECK, which reached the administrator as an unexpected error)."""
    conn, admin, _clerk = world
    os_signin.map_role(conn, admin, "group", f"COURT\\RD-{role}", role)
    user = os_signin.sign_in(conn, f"COURT\\{role}1", [f"COURT\\RD-{role}"])
    assert user.role == role


def test_the_cli_maps_a_records_officer(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    conn = open_db(db).conn
    create_user(conn, "admin1", "admin", PW, None)
    conn.close()
    code, out, err = run_cli(
        db,
        "os-sign-in",
        "map",
        "--group",
        "COURT\\Records",
        "--role",
        "records_officer",
        "--as",
        "admin1",
        password=PW,
    )
    assert code == 0, err
    assert "records_officer" in out
