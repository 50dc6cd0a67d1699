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
    if not isinstance(app, QApplication):  # a QCoreApplication has no widgets to show
        raise RuntimeError("a Qt application without widgets is already running")
    apply_style(app)
    return app


def apply_style(app: QApplication) -> None:
    font = QFont()
    font.setFamilies(["Noto Sans", "DejaVu Sans", "Segoe UI", "Helvetica Neue", "Arial"])
    font.setPointSizeF(10.5)
    app.setFont(font)
    qss = resources_dir() / "style" / "court.qss"
    if qss.exists():
        icons = (resources_dir() / "icons").as_posix()  # url() in a style sheet needs a path
        app.setStyleSheet(qss.read_text(encoding="utf-8").replace("@ICONS@", icons))


def settings() -> QSettings:
    return QSettings(ORGANISATION, APPLICATION)


def sign_in(conn: Any, db_label: str, parent: Any = None) -> Any | None:
    """The Windows account when an administrator mapped it to a role; else first start creates
    the admin, otherwise the login dialog. None when cancelled."""
    from desktop.review import os_signin
    from desktop.ui import core
    from desktop.ui.login_dialog import CreateAdminDialog, LoginDialog

    if os_signin.enabled(conn):  # the Windows account, when an administrator mapped it
        try:
            return os_signin.sign_in(conn)
        except UserError as exc:
            QMessageBox.information(
                parent, "Windows sign-in", f"{exc}\n\nSign in with a ReliefDesk password instead."
            )
    if not core.has_users(conn):
        dlg: QDialog = CreateAdminDialog(conn, parent)
    else:
        dlg = LoginDialog(conn, db_label, parent)
    return dlg.user if dlg.exec() else None  # type: ignore[attr-defined]


def has_records(conn: Any) -> bool:
    from desktop.ui import core

    return core.has_review_items(conn)


def build_demo_with_progress(db_path: Path, parent: Any = None, creator: Any = None) -> Any:
    """Build the demonstration database on a worker thread while a progress dialog shows the
    step and its percentage (no frozen window). The DemoResult, or None on failure (said)."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QProgressDialog

    from desktop.demo import build_demo
    from desktop.ui.labels import user_message
    from desktop.ui.workers import start_worker

    dialog = QProgressDialog("Building the demonstration database…", "", 0, 0, parent)
    dialog.setWindowTitle("Demonstration database")
    dialog.setAccessibleName("Building the demonstration database")
    dialog.setCancelButton(None)  # a half-built demo is of no use; it takes seconds
    dialog.setMinimumDuration(0)
    dialog.setMinimumWidth(480)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.show()
    result: dict[str, Any] = {}
    loop = QEventLoop()

    def job(progress: Any) -> Any:
        return build_demo(db_path, progress=progress, creator=creator)

    def on_progress(done: int, total: int, label: str) -> None:
        if total:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
            dialog.setLabelText(f"{label} — {min(100, done * 100 // total)} %")
        else:
            dialog.setMaximum(0)
            dialog.setLabelText(label)

    thread, worker = start_worker(dialog, job)
    worker.progress.connect(on_progress)

    def on_finished(r: Any) -> None:
        result.setdefault("ok", r)
        loop.quit()

    def on_failed(msg: str) -> None:
        result.setdefault("error", msg)
        loop.quit()

    worker.finished.connect(on_finished)
    worker.failed.connect(on_failed)
    worker.cancelled.connect(loop.quit)
    loop.exec()
    dialog.close()
    if "error" in result:
        QMessageBox.warning(
            parent, "Demonstration database not built", user_message(result["error"])
        )
        return None
    return result.get("ok")


def demo_sign_in_text(result: Any) -> str:
    """How to sign in as each demo account."""
    roles = {
        "admin": "the administrator (users, the court's county)",
        "clerk": "the clerk's day: import, review, submit a batch",
        "judge": "the judge's day: spot-check, accept, sign orders",
        "records_officer": "the records officer: sealed records, retention and purge",
    }
    rows = "".join(
        f"<tr><td><b>{name}</b></td><td>{roles.get(role, role)}</td></tr>"
        for name, role in result.users
    )
    return (
        "<p>The demonstration database is ready: invented people only, "
        "San Bernardino County.</p><p>Sign in with one of these user names; the password "
        f"of each is <b>{result.password}</b>:</p><table cellpadding=3>{rows}</table>"
        "<p>Sign out (close the window) and start again to try the other side.</p>"
    )


def offer_demo(db_path: Path, conn: Any, parent: Any = None, creator: Any = None) -> Any:
    """An empty database: offer to build the demonstration database. The DemoResult when it
    was built (after saying how to sign in), else None."""
    if has_records(conn):
        return None
    answer = QMessageBox.question(
        parent,
        "Empty database",
        "This database holds no records yet.\n\nBuild the demonstration database (invented "
        "people only, with clerk, judge and records officer accounts) so you can try ReliefDesk? "
        "Choose No to "
        "create the administrator account and import the court's files instead.",
    )
    if answer != QMessageBox.StandardButton.Yes:
        return None
    result = build_demo_with_progress(db_path, parent, creator)
    if result is not None and result.users:
        QMessageBox.information(parent, "How to sign in", demo_sign_in_text(result))
    return result


def run(
    db_path: Path, probe: bool = False, started_at: float | None = None, clock_note: str = ""
) -> int:
    """Open the window on db_path. With probe=True: no login, read-only queue, print the
    milliseconds from `started_at` (a time.perf_counter value) to the first paint, and exit 0."""
    from desktop.store import open_db
    from desktop.ui.main_window import MainWindow

    app = application()
    db = open_db(db_path)
    conn = db.conn
    user = None
    if not probe:
        from desktop.ui import core

        if not core.has_users(conn) and not has_records(conn):
            # A new, empty database: the demo first, so it brings its clerk and judge.
            if offer_demo(db_path, conn) is not None:
                conn.close()
                conn = open_db(db_path).conn
        user = sign_in(conn, str(db_path))
        if user is None:
            return 1
        if getattr(user, "role", None) == "admin" and not has_records(conn):
            if offer_demo(db_path, conn, creator=user) is not None:
                conn.close()
                conn = open_db(db_path).conn
    window = MainWindow(conn, db_path, user, settings(), read_only=probe)
    window.show_fitted()
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
