"""The demo database: invented people from the synthetic generator, imported and evaluated, with
demo accounts, so a court can try ReliefDesk without touching real records."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from desktop.errors import UserError
from desktop.progress import ProgressFn
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.store import open_db

DEMO_COUNTY = "SAN BERNARDINO"
DEMO_ROWS = 20_000
DEMO_SEED = 2016
DEMO_AS_OF = date(2020, 7, 1)  # the AB 1793 prosecution deadline (HS 11361.9(c))
DEMO_PASSWORD = "demo-only"
DEMO_USERS = (
    ("admin", "admin"),
    ("clerk", "clerk"),
    ("judge", "judge"),
    ("records", "records_officer"),
)


@dataclass
class DemoResult:
    db_path: Path
    import_id: int
    run_id: int
    users: tuple[tuple[str, str], ...]
    password: str


def is_demo(conn: Any) -> bool:
    """A database build_demo made (only there may a self-signed judge key be created from the
    window): its marker setting, or its generated import."""
    row = conn.execute("SELECT value FROM settings WHERE key = 'demo_database'").fetchone()
    if row is not None:
        return row[0] == "1"
    return (
        conn.execute(
            "SELECT 1 FROM imports WHERE imported_by = 'demo' AND file_name = "
            "'demo-synthetic-doj.csv' LIMIT 1"
        ).fetchone()
        is not None
    )


def build_demo(
    db_path: Path | str,
    *,
    rows: int = DEMO_ROWS,
    progress: ProgressFn | None = None,
    policy_name: str = "statute",
    creator: Any = None,
) -> DemoResult:
    """Build the demo into db_path, which must not hold any records yet. Demo accounts (admin,
    clerk, judge, password DEMO_PASSWORD) are made when the database has none; when it has
    accounts already, `creator` (the signed-in administrator) adds the demo clerk and judge whose
    names are free, so both sides of the review can be tried."""
    from desktop.evaluation.runs import evaluate_county
    from desktop.review.users import create_user, has_users
    from desktop.rules.policy import load_policy

    db_path = Path(db_path)
    db = open_db(db_path)
    try:
        if db.conn.execute("SELECT 1 FROM imports LIMIT 1").fetchone():
            raise UserError(
                f"{db_path} already holds imported records; the demo is only built "
                "into an empty database (use --db NEW_FILE)",
                exit_code=2,
            )
        with tempfile.TemporaryDirectory(prefix="reliefdesk-demo-") as tmp:
            src = Path(tmp) / "demo-synthetic-doj.csv"
            generate(src, DEMO_COUNTY, rows, seed=DEMO_SEED, as_of=DEMO_AS_OF, progress=progress)
            summary = import_file(db, src, user="demo", progress=progress, backup=False)
        run_id = evaluate_county(
            db,
            DEMO_COUNTY,
            load_policy(policy_name),
            DEMO_AS_OF,
            user="demo",
            progress=progress,
            backup=False,
        )
        users: list[tuple[str, str]] = []
        if not has_users(db.conn):
            admin = create_user(db.conn, "admin", "admin", DEMO_PASSWORD, None)
            users.append(("admin", "admin"))
            for name, role in DEMO_USERS[1:]:
                create_user(db.conn, name, role, DEMO_PASSWORD, admin)
                users.append((name, role))
        elif creator is not None and getattr(creator, "role", None) == "admin":
            taken = {n.lower() for (n,) in db.conn.execute("SELECT name FROM users")}
            for name, role in DEMO_USERS[1:]:
                if name not in taken:
                    create_user(db.conn, name, role, DEMO_PASSWORD, creator)
                    users.append((name, role))
        with db.conn:
            db.conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES "
                "('demo_database', '1'), ('court_county', ?)",
                (DEMO_COUNTY.title(),),
            )
        return DemoResult(db_path, int(summary.import_id or 0), run_id, tuple(users), DEMO_PASSWORD)
    finally:
        db.conn.close()
