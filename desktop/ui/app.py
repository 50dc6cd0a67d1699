"""Starting the window: the QApplication, the style, first-start and login dialogs, the main
window; and the startup probe that times process start to first paint."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from desktop.errors import UserError
from desktop.paths import resources_dir

ORGANISATION = "ReliefDesk"
APPLICATION = "ReliefDesk"


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName(ORGANISATION)
        QCoreApplication.setApplicationName(APPLICATION)
        app = QApplication(argv or [sys.argv[0]])
    apply_style(app)
    return app  # type: ignore[return-value]


def apply_style(app: QApplication) -> None:
    font = QFont()
    font.setFamilies(["Noto Sans", "DejaVu Sans", "Segoe UI", "Helvetica Neue", "Arial"])
    font.setPointSizeF(10.5)
    app.setFont(font)
    qss = resources_dir() / "style" / "court.qss"
    if qss.exists():
        icons = (resources_dir() / "icons").as_posix()     # url() in a style sheet needs a path
        app.setStyleSheet(qss.read_text(encoding="utf-8").replace("@ICONS@", icons))


def settings() -> QSettings:
    return QSettings(ORGANISATION, APPLICATION)


def sign_in(conn: Any, db_label: str, parent: Any = None) -> Any | None:
    """The Windows account when an administrator mapped it to a role; else first start creates
    the admin, otherwise the login dialog. None when cancelled."""
    from desktop.review import os_signin
    from desktop.ui import core
    from desktop.ui.login_dialog import CreateAdminDialog, LoginDialog

    if os_signin.enabled(conn):          # the Windows account, when an administrator mapped it
        try:
            return os_signin.sign_in(conn)
        except UserError as exc:
            QMessageBox.information(parent, "Windows sign-in",
                                    f"{exc}\n\nSign in with a ReliefDesk password instead.")
    if not core.has_users(conn):
        dlg: QDialog = CreateAdminDialog(conn, parent)
    else:
        dlg = LoginDialog(conn, db_label, parent)
    return dlg.user if dlg.exec() else None  # type: ignore[attr-defined]


def offer_demo(db_path: Path, conn: Any, parent: Any = None) -> bool:
    """An empty database: offer to build the demo database. True when it was built."""
    has_counts = conn.execute("SELECT 1 FROM review_items LIMIT 1").fetchone() is not None
    if has_counts:
        return False
    try:
        from desktop.records.demo import build_demo
    except ImportError:
        return False
    answer = QMessageBox.question(
        parent, "Empty database",
        "This database holds no records yet.\n\nBuild the demonstration database (synthetic "
        "people only) so you can try ReliefDesk? Choose No to import a DOJ file instead.")
    if answer != QMessageBox.Yes:
        return False
    build_demo(db_path)
    return True


def run(db_path: Path, probe: bool = False, started_at: float | None = None,
        clock_note: str = "") -> int:
    """Open the window on db_path. With probe=True: no login, read-only queue, print the
    milliseconds from `started_at` (a time.perf_counter value) to the first paint, and exit 0."""
    from desktop.store import open_db
    from desktop.ui.main_window import MainWindow

    app = application()
    db = open_db(db_path)
    conn = db.conn
    user = None
    if not probe:
        user = sign_in(conn, str(db_path))
        if user is None:
            return 1
        if offer_demo(db_path, conn):
            conn.close()
            conn = open_db(db_path).conn
    window = MainWindow(conn, db_path, user, settings(), read_only=probe)
    window.show()
    if probe:
        def report() -> None:
            ms = (time.perf_counter() - (started_at or time.perf_counter())) * 1000
            print(f"startup_ms {ms:.0f}{' ' + clock_note if clock_note else ''}", flush=True)
            window.close()
            app.quit()

        # singleShot(0) runs once the event loop has processed the show and the first paint.
        QTimer.singleShot(0, report)
    code = app.exec()
    return 0 if probe else int(code)
