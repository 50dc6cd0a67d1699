"""A live database on a network location is refused (issue 14 §1): WAL is unsafe across machines.

The mount table and the Windows drive type are injected (a Linux test machine has no NFS mount or
mapped drive); the real code path is exercised too: the real /proc/self/mountinfo for a local
folder, and a faked mount-table file read by the real reader through the CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.store import location
from desktop.store.location import mount_of, network_reason, parse_mountinfo

FAKE = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 0:50 / /mnt/court rw,relatime shared:5 - nfs4 fileserver:/export/court rw,vers=4.2
41 27 0:51 / /mnt/court\\040share rw,relatime - cifs //clerkserver/Case\\040Files rw
42 27 0:52 / /home/clerk/remote rw,nosuid - fuse.sshfs clerk@host:/srv rw
43 40 254:3 / /mnt/court/localdisk rw - ext4 /dev/vdb rw
44 27 0:53 / /srv/h rw - smb3 //h/home rw
45 27 0:54 / /media/crypt rw - fuse.gocryptfs /home/x/.crypt rw
"""


@pytest.mark.posix_only  # POSIX paths against a mount table
def test_mountinfo_is_parsed_with_escapes_and_optional_fields() -> None:
    mounts = parse_mountinfo(FAKE)
    assert ("/mnt/court", "nfs4", "fileserver:/export/court") in mounts
    assert ("/mnt/court share", "cifs", "//clerkserver/Case Files") in mounts
    assert mount_of(Path("/mnt/court/db/x.sqlite3"), FAKE)[1] == "nfs4"
    assert mount_of(Path("/mnt/court/localdisk/x"), FAKE)[1] == "ext4"  # nested local mount
    assert mount_of(Path("/mnt/courtroom/x"), FAKE)[1] == "ext4"  # not a prefix match


@pytest.mark.parametrize(
    "path, fstype",
    [
        ("/mnt/court/reliefdesk.sqlite3", "nfs4"),
        ("/mnt/court/not/yet/created/reliefdesk.sqlite3", "nfs4"),
        ("/mnt/court share/reliefdesk.sqlite3", "cifs"),
        ("/home/clerk/remote/db/reliefdesk.sqlite3", "fuse.sshfs"),
        ("/srv/h/reliefdesk.sqlite3", "smb3"),
    ],
)
@pytest.mark.posix_only  # POSIX paths against a mount table
def test_network_mounts_are_named(path: str, fstype: str, monkeypatch) -> None:
    # The fake mount points do not exist here: resolving them must not leave the fake table.
    monkeypatch.setattr(location, "_existing_dir", lambda p: Path(p).parent)
    reason = network_reason(path, platform="linux", mountinfo=FAKE)
    assert reason and fstype in reason


@pytest.mark.posix_only  # POSIX paths against a mount table
@pytest.mark.parametrize(
    "path",
    [
        "/mnt/court/localdisk/reliefdesk.sqlite3",
        "/var/x.sqlite3",
        "/media/crypt/reliefdesk.sqlite3",
    ],
)
def test_local_mounts_pass(path: str, monkeypatch) -> None:
    monkeypatch.setattr(location, "_existing_dir", lambda p: Path(p).parent)
    assert network_reason(path, platform="linux", mountinfo=FAKE) is None


WINDOWS_DRIVES = {"C:\\": 3, "D:\\": 2, "H:\\": 4, "Z:\\": 4}


@pytest.mark.parametrize(
    "path, expect",
    [
        (r"\\courtfs\clerks\ReliefDesk\reliefdesk.sqlite3", "UNC"),
        ("//courtfs/clerks/reliefdesk.sqlite3", "UNC"),
        (r"\\?\UNC\courtfs\clerks\reliefdesk.sqlite3", "UNC"),
        (r"H:\ReliefDesk\reliefdesk.sqlite3", "H:"),
        (r"z:\reliefdesk.sqlite3", "Z:"),
        (r"\\?\H:\ReliefDesk\reliefdesk.sqlite3", "H:"),
        (r"C:\Users\clerk\AppData\Local\ReliefDesk\ReliefDesk\reliefdesk.sqlite3", None),
        (r"\\?\C:\ReliefDesk\reliefdesk.sqlite3", None),
        (r"D:\reliefdesk.sqlite3", None),  # removable drive: local to this PC
    ],
)
def test_windows_unc_paths_and_network_drives(path: str, expect: str | None) -> None:
    asked: list[str] = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return WINDOWS_DRIVES[root]

    reason = network_reason(path, platform="win32", drive_type=drive_type)
    if expect is None:
        assert reason is None
        assert asked  # the drive type was asked, not guessed
    else:
        assert reason and expect in reason


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_the_real_mount_table_says_a_temporary_folder_is_local(tmp_path: Path) -> None:
    text = Path(location.MOUNTINFO).read_text() if Path(location.MOUNTINFO).exists() else None
    if text is None:
        pytest.skip("no /proc/self/mountinfo")
    assert mount_of(tmp_path.resolve(), text) is not None
    assert network_reason(tmp_path / "reliefdesk.sqlite3") is None


@pytest.mark.posix_only  # file modes / /proc / pwd (see docs/windows.md)
def test_the_cli_refuses_a_database_on_a_network_mount(tmp_path: Path, monkeypatch, capsys) -> None:
    """The real reader, on a mount-table file that says tmp_path is an NFS mount: every command
    is refused before SQLite creates or opens anything there (exit 4, one line, what to do)."""
    share = tmp_path / "Case #7 (copy)"
    share.mkdir()
    table = tmp_path / "mountinfo"
    table.write_text(
        "27 1 254:0 / / rw - ext4 /dev/vda rw\n"
        f"40 27 0:50 / {str(share.resolve()).replace(' ', chr(92) + '040')} rw - nfs "
        "court:/clerks rw\n"
    )
    monkeypatch.setattr(location, "MOUNTINFO", str(table))
    db = share / "reliefdesk.sqlite3"
    # Reading needs a signed-in user (issue 18): the place is refused before any user is looked up.
    for args in (
        ["queue", "list", "--as", "clerk1"],
        ["audit", "verify", "--as", "clerk1"],
        ["import", str(table)],
    ):
        code = main(["--db", str(db), *args])
        err = capsys.readouterr().err
        assert code == 4, (args, err)
        assert "network file system (nfs mount of court:/clerks" in err
        assert "WAL" in err and "own disk" in err
        assert err.count("\n") == 1
        assert not db.exists() and not Path(f"{db}-wal").exists()
    # The same folder as a local disk opens normally.
    table.write_text("27 1 254:0 / / rw - ext4 /dev/vda rw\n")
    assert main(["--db", str(db), "users", "list"]) == 0  # no users yet: no sign-in needed
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
