"""Issue 18 in the window: the queue hides sealed counts from a clerk; a records officer shows them
with the "Show sealed" box (audited) and opening one in the detail pane is audited; the startup
probe, signed in as nobody, lists no records; File > Purge runs the core purge."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from signed_world import SignedWorld, build_signed_world

from desktop import clock
from desktop.demo import DEMO_PASSWORD
from desktop.maintenance.retention import set_retention_days
from desktop.review import access
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> SignedWorld:
    return build_signed_world(tmp_path_factory.mktemp("ui-sealed"))


@pytest.fixture
def conn(world: SignedWorld) -> sqlite3.Connection:
    # Left open: the windows (closed by qtbot after the test) still read through it.
    return open_db(world.db).conn


def _window(
    qtbot,
    conn: sqlite3.Connection,
    world: SignedWorld,
    user,
    tmp_path: Path,
    read_only: bool = False,
) -> MainWindow:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    window = MainWindow(conn, world.db, user, settings, read_only=read_only)
    window._backed_up = True  # no backup on close in these tests
    qtbot.addWidget(window)
    window.show()
    return window


def _entries(conn: sqlite3.Connection, action: str) -> list[tuple[str, list[int], dict]]:
    return [
        (u, json.loads(t), json.loads(p))
        for u, t, p in conn.execute(
            "SELECT user, targets, payload FROM audit_log WHERE action = ? ORDER BY seq", (action,)
        )
    ]


def test_clerk_queue_has_no_sealed_counts_and_no_box(qtbot, conn, world, tmp_path) -> None:
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    window = _window(qtbot, conn, world, clerk, tmp_path)
    ids = set(window.queue.model.ids())
    assert ids and not ids & access.sealed_ids(conn)
    assert window.queue.sealed_box is None
    reads = len(_entries(conn, "sealed.read"))
    window.queue.show_count(world.sealed[0])  # even asked directly: nothing shown
    assert window.queue.detail.detail is None
    assert len(_entries(conn, "sealed.read")) == reads
    window.queue.show_count(world.mixed_open)  # an open count: its person's sealed ones left out
    shown = {r.count_id for r in window.queue.detail.detail.record}
    assert world.mixed_open in shown and not shown & access.sealed_ids(conn)


def test_records_officer_shows_sealed_counts_audited(qtbot, conn, world, tmp_path) -> None:
    officer = authenticate(conn, "records", DEMO_PASSWORD)
    window = _window(qtbot, conn, world, officer, tmp_path)
    assert window.queue.sealed_box is not None
    assert not set(window.queue.model.ids()) & set(world.sealed)
    shows = len(_entries(conn, "sealed.show"))
    window.queue.sealed_box.setChecked(True)
    assert set(world.sealed) <= set(window.queue.model.ids())
    user, targets, payload = _entries(conn, "sealed.show")[-1]
    assert len(_entries(conn, "sealed.show")) == shows + 1
    assert user == "records" and set(world.sealed) <= set(targets)
    window.queue.show_count(world.sealed[0])
    assert window.queue.detail.detail is not None
    assert window.queue.detail.detail.subject["name"] == world.name
    user, targets, payload = _entries(conn, "sealed.read")[-1]
    assert (user, payload["what"]) == ("records", "detail pane") and world.sealed[0] in targets
    window.queue.sealed_box.setChecked(False)
    assert not set(window.queue.model.ids()) & set(world.sealed)


def test_startup_probe_window_lists_no_records(qtbot, conn, world, tmp_path) -> None:
    window = _window(qtbot, conn, world, None, tmp_path, read_only=True)
    assert window.queue.model.rowCount() == 0
    assert "Sign in" in window.queue.count_label.text()


def test_purge_from_the_file_menu(qtbot, world, tmp_path: Path) -> None:
    conn = open_db(world.db).conn
    admin = authenticate(conn, "admin", DEMO_PASSWORD)
    clerk = authenticate(conn, "clerk", DEMO_PASSWORD)
    assert not hasattr(_window(qtbot, conn, world, clerk, tmp_path), "purge_action")
    set_retention_days(conn, admin, 10)
    ahead = datetime.now(UTC) + timedelta(days=40)
    clock.set_now(lambda: ahead)
    try:
        window = _window(qtbot, conn, world, admin, tmp_path)
        assert window.purge_action.text().startswith("&Purge")
        text = window.purge_finished(confirm=False)
    finally:
        clock.set_now(None)
    assert text and "tombstone" in text
    assert conn.execute(
        "SELECT name FROM subjects WHERE id = ?", (world.subject_id,)
    ).fetchone() == (None,)
    assert _entries(conn, "retention.purge")
    assert world.cii.encode() not in world.db.read_bytes()
