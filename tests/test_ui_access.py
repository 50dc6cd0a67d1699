"""Relief and status are never told by colour alone and are readable (issue 16): every badge
carries its words and meets WCAG AA contrast (4.5:1); every control a clerk or judge can reach
with the keyboard has an accessible name (its own, its button text, or its label)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QTabBar,
    QWidget,
)

from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.review.users import authenticate
from desktop.store import open_db
from desktop.ui.labels import (
    _RELIEF_BADGES,
    _STATUS_BADGES,
)
from desktop.ui.main_window import MainWindow


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    rgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_badges_have_words_and_aa_contrast() -> None:
    for key, badge in {**_RELIEF_BADGES, **_STATUS_BADGES}.items():
        assert badge.text.strip() and "_" not in badge.text, key
        assert contrast(badge.fg, badge.bg) >= 4.5, (key, contrast(badge.fg, badge.bg))
    # Two reliefs never differ by colour only: their words differ.
    texts = [b.text for b in _RELIEF_BADGES.values()]
    assert len(set(texts)) == len(texts)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("access") / "demo.sqlite3"
    build_demo(p, rows=1500)
    return p


def _named(w: QWidget) -> bool:
    if w.accessibleName().strip():
        return True
    if isinstance(w, QAbstractButton) and w.text().replace("&", "").strip():
        return True
    if isinstance(w, QTabBar):
        return True
    for label in w.window().findChildren(QLabel):
        if label.buddy() is w and label.text().strip():
            return True
    return False


@pytest.mark.parametrize("role", ["clerk", "judge"])
def test_every_keyboard_control_has_an_accessible_name(demo, tmp_path, qtbot, role) -> None:
    db = tmp_path / "a.sqlite3"
    shutil.copy(demo, db)
    conn = open_db(db).conn
    user = authenticate(conn, role, DEMO_PASSWORD)
    w = MainWindow(conn, db, user, QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    missing = []
    for i in range(w.tabs.count()):
        w.tabs.setCurrentIndex(i)
        for child in w.findChildren(QWidget):
            if not child.isVisible() or child.focusPolicy() == Qt.NoFocus:
                continue
            if type(child).__name__ in ("QScrollBar", "QSplitterHandle", "QHeaderView"):
                continue
            if child.parent() is not None and type(child.parent()).__name__ in (
                "QComboBox",
                "QAbstractSpinBox",
                "QDateEdit",
                "QSpinBox",
            ):
                continue  # the line edit inside a combo or spin box: the box is named
            if not _named(child):
                missing.append(
                    f"{w.tabs.tabText(i)}: {type(child).__name__} {child.objectName()!r}"
                )
    w.close()
    conn.close()
    assert not missing, missing
