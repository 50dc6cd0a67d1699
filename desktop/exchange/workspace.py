"""The judge's side, opening: a batch package becomes a local "judge workspace" database under the
judge's data folder, built with the normal migrations, so the ordinary spot-check, acceptance and
orders code runs on it unchanged. The clerk's data in it is read-only (role checks: the workspace
has only the judge's account; and the triggers of desktop/store/workspace_guards.py, made in
workspaces only)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop import audit
from desktop.audit.seals import SEALED
from desktop.errors import RefusedError, UserError
from desktop.exchange import fileformat as ff
from desktop.exchange.common import WORKSPACE_KEY, host_name, workspace_info
from desktop.exchange.send import TABLES
from desktop.paths import data_dir
from desktop.review.clock import now
from desktop.review.users import User, hash_password
from desktop.store import workspace_guards
from desktop.store.tx import transaction


@dataclass(frozen=True)
class Opened:
    workspace: Path
    package_id: str
    batch_id: int
    judge: str
    counts: int
    people: int
    reopened: bool  # the workspace existed already (the same package opened before)


def workspaces_dir() -> Path:
    return data_dir() / "workspaces"


def default_workspace(package: ff.Package) -> Path:
    batch = package.manifest.get("batch_id")
    return workspaces_dir() / f"batch-{batch}-{package.package_id[:12]}.sqlite3"


def describe(path: Path | str) -> dict[str, Any]:
    """What a batch package holds, read and checked, without opening it into a workspace."""
    pkg = ff.read(path, "batch")
    desc = pkg.json("package.json")
    return {**desc, "package_id": pkg.package_id, "package_sha256": pkg.sha256}


def open_package(
    path: Path | str,
    judge_name: str,
    *,
    password: str | None = None,
    pw_hash: str | None = None,
    workspace: Path | str | None = None,
) -> Opened:
    """Check the package and build (or reopen) its workspace for `judge_name`. The judge's account
    in the workspace gets `password` (hashed here), or `pw_hash` copied from the judge's own
    database on this PC; a package never carries an account."""
    from desktop.store import open_db

    pkg = ff.read(path, "batch")
    desc = pkg.json("package.json")
    batch_id = int(desc["batch_id"])
    addressed = desc.get("judge")
    if addressed and addressed.casefold() != judge_name.casefold():
        raise RefusedError(
            f"this package of batch {batch_id} is addressed to {addressed}, not to "
            f"{judge_name}; the clerk sends another package for another judge"
        )
    judges = desc.get("judges")
    if judges is not None and judge_name.casefold() not in {j.casefold() for j in judges}:
        raise RefusedError(
            f"the clerk's database has no judge named {judge_name}, so it would refuse the "
            f"answer; open the package as one of: {', '.join(judges) or 'no judge'}"
        )
    if str(desc.get("prepared_by", "")).casefold() == judge_name.casefold():
        raise RefusedError(f"{judge_name} prepared batch {batch_id}; another judge must check it")
    target = Path(workspace) if workspace else default_workspace(pkg)
    if target.exists() and target.stat().st_size > 0:
        db = open_db(target)
        info = workspace_info(db.conn)
        if info is None or info.get("package_id") != pkg.package_id:
            db.conn.close()
            raise RefusedError(
                f"{target} already exists and is not the workspace of this package; "
                "choose another file for the workspace. Nothing was changed."
            )
        if str(info.get("judge", "")).casefold() != judge_name.casefold():
            db.conn.close()
            raise RefusedError(f"the workspace {target} was opened by {info.get('judge')}")
        db.conn.close()
        return Opened(
            target,
            pkg.package_id,
            batch_id,
            str(info["judge"]),
            int(desc["counts"]),
            int(desc["people"]),
            True,
        )
    if pw_hash is None:
        if not password:
            raise UserError("the judge's account in the workspace needs a password")
        pw_hash = hash_password(password)
    target.parent.mkdir(parents=True, exist_ok=True)
    db = open_db(target)
    conn = db.conn
    try:
        _fill(conn, pkg, desc, judge_name, pw_hash, path)
    except BaseException:
        conn.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        raise
    conn.close()
    return Opened(
        target,
        pkg.package_id,
        batch_id,
        judge_name,
        int(desc["counts"]),
        int(desc["people"]),
        False,
    )


def _fill(
    conn: sqlite3.Connection,
    pkg: ff.Package,
    desc: dict[str, Any],
    judge_name: str,
    pw_hash: str,
    path: Path | str,
) -> None:
    if (
        conn.execute("SELECT 1 FROM imports LIMIT 1").fetchone()
        or conn.execute("SELECT 1 FROM users LIMIT 1").fetchone()
    ):
        raise RefusedError("the workspace file already holds data. Nothing was changed.")
    batch_id = int(desc["batch_id"])
    at = now()
    with transaction(conn):
        # Foreign keys checked at the end: the clerk's ids are kept as they are.
        conn.execute("PRAGMA defer_foreign_keys = ON")
        loaded: dict[str, int] = {}
        for table in TABLES:
            name = f"tables/{table}.json"
            if name not in pkg.parts:
                continue
            drop = ("import_id",) if table == "prosecution_responses" else ()
            _, n = ff.insert_rows(
                conn, pkg.parts[name], keep={table}, drop=drop, replace=table == "settings"
            )
            loaded[table] = n
        conn.execute(
            "INSERT INTO users (name, role, pw_hash, active, created_at, created_by)"
            " VALUES (?, 'judge', ?, 1, ?, NULL)",
            (judge_name, pw_hash, at),
        )
        info = {
            "package_id": pkg.package_id,
            "package_sha256": pkg.sha256,
            "batch_id": batch_id,
            "judge": judge_name,
            "addressed_to": desc.get("judge"),
            "prepared_by": desc.get("prepared_by"),
            "sent_by": desc.get("sent_by"),
            "sent_at": desc.get("sent_at"),
            "clerk_host": pkg.manifest.get("host"),
            "file": str(path),
            "opened_at": at,
            "host": host_name(),
        }
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            (WORKSPACE_KEY, json.dumps(info, sort_keys=True)),
        )
        workspace_guards.install(conn)  # from here on the clerk's data is read-only
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RefusedError(
                f"the package's records do not hold together ({problems[0][0]} row "
                f"{problems[0][1]} names a missing {problems[0][2]} row). Nothing was changed."
            )
        # Every row of the sealed tables as the package brought it, sealed under this entry.
        audit.append(
            conn,
            judge_name,
            "package.open",
            [batch_id],
            {
                "package_id": pkg.package_id,
                "package_sha256": pkg.sha256,
                "file_sha256": pkg.file_sha256,
                "rows": loaded,
                "host": host_name(),
            },
            rows={t: ("1 = 1", []) for t in SEALED if loaded.get(t)},
        )


def workspace_user(conn: sqlite3.Connection, user: User) -> dict[str, Any]:
    """The workspace's package, checked to be this judge's."""
    info = workspace_info(conn)
    if info is None:
        raise RefusedError("this database is not a judge's package workspace")
    if str(info.get("judge", "")).casefold() != user.name.casefold():
        raise RefusedError(f"this workspace was opened by {info.get('judge')}, not {user.name}")
    return info


def open_package_as(conn: sqlite3.Connection, user: User, path: Path | str) -> Opened:
    """The window's Open package…: the signed-in judge of the database `conn` (on the judge's own
    PC) opens a package; the judge's account in the workspace gets the same password, copied as
    its hash from this PC's database (it never travels in a package)."""
    from desktop.review.users import require_role

    require_role(user, "judge")
    row = conn.execute(
        "SELECT pw_hash FROM users WHERE name = ? AND active = 1", (user.name,)
    ).fetchone()
    if row is None:
        raise RefusedError(f"{user.name} is not an active user of this database")
    return open_package(path, user.name, pw_hash=str(row[0]))
