"""Where a live database may be: on this PC's own disk, never on a network location.

The store keeps SQLite in WAL mode, whose shared-memory index (-shm) and locks only work between
processes of one machine; SQLite documents WAL as unsafe on a network file system, and two PCs
using one file over an SMB/NFS share can corrupt it. So a database on a network location is
refused before SQLite opens it:

- Windows: a UNC path (\\\\server\\share\\..., also \\\\?\\UNC\\...), or a drive whose type
  (GetDriveTypeW) is DRIVE_REMOTE: a mapped network drive such as H:, or a folder redirected to
  one. The path is resolved first, so a junction or symbolic link to a share is seen through.
- Linux and other systems with /proc/self/mountinfo: the file system type of the mount holding
  the database's folder (nfs, cifs, smb3, sshfs, 9p, ...).

Backups are different: a backup is one self-contained file written once (rollback journal, no
WAL), so a backup destination on court storage is fine (see desktop/store/schedule.py).
"""

from __future__ import annotations

import ntpath
import os
import sys
from collections.abc import Callable
from pathlib import Path

from desktop.errors import RefusedError

MOUNTINFO = "/proc/self/mountinfo"

# File system types (mountinfo field after " - ") that reach another machine. FUSE file systems
# show as "fuse.<name>"; the local ones (gocryptfs, encfs, ...) are not listed.
NETWORK_FS_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "coda",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "ocfs2",
        "gfs2",
        "davfs",
        "orangefs",
        "beegfs",
        "fuse.sshfs",
        "sshfs",
        "fuse.glusterfs",
        "fuse.davfs2",
        "fuse.s3fs",
        "fuse.rclone",
        "fuse.cephfs",
        "fuse.smbnetfs",
        "fuse.curlftpfs",
        "fuse.gvfsd-fuse",
        "fuse.juicefs",
        "fuse.moosefs",
        "fuse.mfs",
        "fuse.lizardfs",
        "fuse.goofys",
        "fuse.gcsfuse",
        "fuse.blobfuse",
        "fuse.blobfuse2",
        "fuse.seaweedfs",
        "fuse.objectivefs",
    }
)

DRIVE_REMOTE = 4  # GetDriveTypeW

DriveTypeFn = Callable[[str], int]


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[tuple[str, str, str]]:
    """(mount point, file system type, source) for each line of /proc/self/mountinfo."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or not rest:
            continue
        mounts.append((_unescape(fields[4]), rest[0], _unescape(rest[1]) if len(rest) > 1 else ""))
    return mounts


def _existing_dir(path: Path) -> Path:
    """The folder that holds (or will hold) the file, resolved through links; the nearest existing
    ancestor when it does not exist yet."""
    folder = Path(os.path.abspath(path)).parent
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder.resolve()


def mount_of(path: Path, mountinfo: str) -> tuple[str, str, str] | None:
    """The mount (point, type, source) that holds `path`: the longest mount point containing it
    (the last one mounted wins when several share a point)."""
    best: tuple[str, str, str] | None = None
    target = str(path)
    for point, fstype, source in parse_mountinfo(mountinfo):
        inside = target == point or target.startswith(point.rstrip("/") + "/") or point == "/"
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, fstype, source)
    return best


def _posix_reason(path: Path, mountinfo: str | None) -> str | None:
    if mountinfo is None:
        try:
            with open(MOUNTINFO, encoding="utf-8", errors="surrogateescape") as fh:
                mountinfo = fh.read()
        except OSError:
            return None  # no /proc (macOS, BSD): nothing to tell from
    folder = _existing_dir(path)
    mount = mount_of(folder, mountinfo)
    if mount is None:
        return None
    point, fstype, source = mount
    if fstype in NETWORK_FS_TYPES or fstype.removeprefix("fuse.") in NETWORK_FS_TYPES:
        return f"a network file system ({fstype} mount of {source or '?'} at {point})"
    return None


def _windows_drive_type(root: str) -> int:
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.GetDriveTypeW.argtypes = [ctypes.c_wchar_p]
    kernel32.GetDriveTypeW.restype = ctypes.c_uint
    return int(kernel32.GetDriveTypeW(root))


def _windows_path_reason(p: str, drive_type: DriveTypeFn | None) -> str | None:
    p = p.replace("/", "\\")
    upper = p.upper()
    if upper.startswith("\\\\?\\UNC\\") or (
        p.startswith("\\\\") and not p.startswith(("\\\\?\\", "\\\\.\\"))
    ):
        return f"a network share (UNC path {ntpath.splitdrive(p)[0] or p})"
    if upper.startswith("\\\\?\\"):
        p = p[4:]
    drive = ntpath.splitdrive(p)[0]
    if len(drive) == 2 and drive[1] == ":":
        kind = (drive_type or _windows_drive_type)(drive.upper() + "\\")
        if kind == DRIVE_REMOTE:
            return f"a network drive ({drive.upper()} is mapped to a network share)"
    return None


def _windows_reason(raw: str, drive_type: DriveTypeFn | None, resolve: bool) -> str | None:
    reason = _windows_path_reason(raw, drive_type)
    if reason or not resolve:
        return reason
    # Through junctions and symbolic links (a redirected folder can be reached through one).
    try:
        resolved = str(Path(os.path.abspath(raw)).resolve())
    except OSError:
        return None
    return _windows_path_reason(resolved, drive_type) if resolved != raw else None


def network_reason(
    path: str | os.PathLike[str],
    *,
    platform: str | None = None,
    mountinfo: str | None = None,
    drive_type: DriveTypeFn | None = None,
) -> str | None:
    """Why `path` is on a network location (a phrase for the message), or None when it is local.
    `platform`, `mountinfo` and `drive_type` replace the real ones in tests."""
    if str(path) == ":memory:" or str(path).startswith("file::memory:"):
        return None
    platform = platform or sys.platform
    if platform == "win32":
        return _windows_reason(os.fspath(path), drive_type, resolve=platform == sys.platform)
    return _posix_reason(Path(path), mountinfo)


def refusal(path: str | os.PathLike[str], reason: str) -> str:
    from desktop.paths import data_dir

    return (
        f"The database {path} is on {reason}. ReliefDesk keeps its database in SQLite's WAL "
        "mode, which is not safe over a network: two PCs using one file can corrupt it. Keep "
        f"the database on this PC's own disk (the default folder {data_dir()}, or --db / "
        "RELIEFDESK_DB naming a local folder such as C:\\ReliefDesk\\). To move an existing "
        "database, copy the file (with no ReliefDesk running) to a local folder and use it "
        "there; put backups, not the live database, on court storage. Several clerks on one "
        "database is not supported yet: each PC keeps its own."
    )


def refuse_network_location(path: str | os.PathLike[str]) -> None:
    """Raise RefusedError (exit 4) when the database at `path` would be on a network location."""
    reason = network_reason(path)
    if reason:
        raise RefusedError(refusal(path, reason))
