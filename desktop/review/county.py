"""The court's county: a superior court is one county, set once by the administrator.

The import wizard evaluates this county (other counties' convictions are read only as priors,
by the rules engine); it offers no free-text county and no default of some other county. The
policy is preselected from the county's last evaluation run, else from a policy named after the
county (los-angeles for Los Angeles), else the statutory floor. Kept in the settings table
(key 'court_county'); setting it is audited."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass

from desktop import audit
from desktop.errors import UserError
from desktop.review.users import User, require_role
from desktop.store.rows import named
from desktop.store.tx import transaction
from desktop.vocabulary import Role

# California's 58 counties, in their customary alphabetical numbering (01 Alameda ... 58 Yuba).
COUNTIES: tuple[str, ...] = (
    "Alameda", "Alpine", "Amador", "Butte", "Calaveras", "Colusa", "Contra Costa", "Del Norte",
    "El Dorado", "Fresno", "Glenn", "Humboldt", "Imperial", "Inyo", "Kern", "Kings", "Lake",
    "Lassen", "Los Angeles", "Madera", "Marin", "Mariposa", "Mendocino", "Merced", "Modoc",
    "Mono", "Monterey", "Napa", "Nevada", "Orange", "Placer", "Plumas", "Riverside", "Sacramento",
    "San Benito", "San Bernardino", "San Diego", "San Francisco", "San Joaquin", "San Luis Obispo",
    "San Mateo", "Santa Barbara", "Santa Clara", "Santa Cruz", "Shasta", "Sierra", "Siskiyou",
    "Solano", "Sonoma", "Stanislaus", "Sutter", "Tehama", "Trinity", "Tulare", "Tuolumne",
    "Ventura", "Yolo", "Yuba",
)  # fmt: skip
KEY = "court_county"
STATUTE_POLICY = "statute"


def canonical(name: str | None) -> str | None:
    """'SAN  BERNARDINO' / 'san bernardino county' -> 'San Bernardino'; None when not one of
    the 58."""
    if not name:
        return None
    text = " ".join(str(name).split()).lower()
    text = text.removesuffix(" county")
    return next((c for c in COUNTIES if c.lower() == text), None)


def court_county(conn: sqlite3.Connection) -> str | None:
    """The county the administrator set for this court (None until set)."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (KEY,)).fetchone()
    return canonical(row[0]) if row else None


def set_court_county(conn: sqlite3.Connection, admin: User, name: str) -> str:
    """The administrator sets the court's county (one of the 58); audited. Returns the name."""
    require_role(admin, Role.ADMIN)
    county = canonical(name)
    if county is None:
        raise UserError(
            f"{name!r} is not a California county; use one of the 58 county names "
            "(for example 'Los Angeles' or 'San Bernardino')"
        )
    with transaction(conn):
        old = court_county(conn)
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (KEY, county))
        audit.append(
            conn, admin.name, "settings.set", [KEY], {"key": KEY, "old": old, "new": county}
        )
    return county


def policy_slug(county: str) -> str:
    return county.lower().replace(" ", "-")


@dataclass(frozen=True)
class LastRun:
    run_id: int
    policy_name: str
    policy_version: str
    as_of: str
    totals: dict[str, int]  # counts by relief of that run


def last_run(conn: sqlite3.Connection, county: str) -> LastRun | None:
    """The county's latest complete evaluation run, with its counts by relief."""
    row = next(
        named(
            conn.execute(
                "SELECT id AS run_id, policy_name, policy_version, as_of FROM evaluation_runs "
                "WHERE upper(county) = upper(?) AND status = 'complete' ORDER BY id DESC LIMIT 1",
                (county,),
            )
        ),
        None,
    )
    if row is None:
        return None
    return LastRun(**row, totals=relief_totals(conn, row["run_id"]))


def relief_totals(conn: sqlite3.Connection, run_id: int) -> dict[str, int]:
    return dict(
        Counter(
            {
                r: n
                for r, n in conn.execute(
                    "SELECT relief, COUNT(*) FROM determinations WHERE run_id = ? GROUP BY relief",
                    (run_id,),
                )
            }
        ).most_common()
    )


def preselected_policy(conn: sqlite3.Connection, county: str, available: list[str]) -> str:
    """The county's last run's policy, else the policy named after the county, else the
    statutory floor (when available), else the first policy."""
    last = last_run(conn, county)
    if last is not None and last.policy_name in available:
        return last.policy_name
    slug = policy_slug(county)
    if slug in available:
        return slug
    if STATUTE_POLICY in available:
        return STATUTE_POLICY
    return available[0] if available else STATUTE_POLICY


def policy_change_warning(conn: sqlite3.Connection, county: str, policy: str) -> str | None:
    """A sentence when `policy` differs from the county's last run (the clerk confirms before
    evaluating); None otherwise."""
    last = last_run(conn, county)
    if last is None or last.policy_name == policy:
        return None
    return (
        f"{county} County was last evaluated with the policy “{last.policy_name}” (version "
        f"{last.policy_version}, as of {last.as_of}). Evaluating with “{policy}” may change "
        "the relief proposed for counts already reviewed; changed counts return to the queue "
        "for re-review."
    )
