"""The main window: who is signed in, and the views for their role (queue, spot-check, orders,
audit) as tabs; the import wizard from the File menu."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget

from desktop.errors import UserError
from desktop.store.backup import auto_backup
from desktop.ui.audit_view import AuditView
from desktop.ui.orders_view import OrdersView
from desktop.ui.queue_view import QueueView
from desktop.ui.spotcheck_view import SpotCheckView

ROLE_TITLES = {"clerk": "Clerk", "judge": "Judge", "admin": "Administrator"}

SHORTCUTS_HELP = """<table cellpadding=3>
<tr><td><b>A</b></td><td>Approve the selected count</td></tr>
<tr><td><b>R</b></td><td>Reject (choose a reason)</td></tr>
<tr><td><b>C</b></td><td>Change the relief (choose relief and reason)</td></tr>
<tr><td><b>D</b></td><td>Defer</td></tr>
<tr><td><b>J</b> / <b>Down</b></td><td>Next count</td></tr>
<tr><td><b>K</b> / <b>Up</b></td><td>Previous count</td></tr>
<tr><td><b>Ctrl+Z</b></td><td>Undo your last decision</td></tr>
<tr><td><b>Ctrl+F</b></td><td>Search by name, case number or CII; Enter returns to the list</td></tr>
<tr><td><b>Esc</b></td><td>Back to the list</td></tr>
<tr><td><b>Ctrl+1…4</b></td><td>Switch view</td></tr>
<tr><td><b>Ctrl+I</b></td><td>Import and evaluate records</td></tr>
<tr><td colspan=2><br><b>Spot-check (judges)</b></td></tr>
<tr><td><b>A</b></td><td>Accept the sampled item</td></tr>
<tr><td><b>S</b></td><td>Send the item back to the clerk with a note</td></tr>
</table>"""


class MainWindow(QMainWindow):
    def __init__(self, conn: sqlite3.Connection, db_path: Path, user: Any, settings: QSettings,
                 read_only: bool = False) -> None:
        super().__init__()
        self.conn, self.db_path, self.user, self.settings = conn, db_path, user, settings
        self._backed_up = False
        self.read_only = read_only or user is None
        self.setWindowTitle(f"ReliefDesk — {db_path.name}")
        self.setAccessibleName("ReliefDesk main window")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Views")
        self.setCentralWidget(self.tabs)
        role = getattr(user, "role", None)

        self.queue = QueueView(conn, None if self.read_only else user, settings)
        self.tabs.addTab(self.queue, "&Queue")
        self.spot_check: SpotCheckView | None = None
        self.orders: OrdersView | None = None
        self.audit: AuditView | None = None
        if not self.read_only:
            if role == "judge":
                self.spot_check = SpotCheckView(conn, user)
                self.tabs.insertTab(0, self.spot_check, "&Spot-check")
                self.tabs.setCurrentIndex(0)
                self.spot_check.changed.connect(self._spot_check_changed)
            self.orders = OrdersView(conn, db_path, user, settings)
            self.tabs.addTab(self.orders, "&Orders")
            self.audit = AuditView(conn)
            self.tabs.addTab(self.audit, "A&udit")
            self.queue.decided.connect(self._refresh_other_views)
        self.tabs.currentChanged.connect(self._tab_changed)

        who = QLabel("Read-only (startup probe)" if user is None else
                     f"Signed in: {user.name} — {ROLE_TITLES.get(role, role)}")
        who.setObjectName("userBadge")
        who.setAccessibleName("Signed-in user and role")
        self.user_label = who
        self.statusBar().addPermanentWidget(who)
        self.statusBar().showMessage(str(db_path))
        self._menus(role)
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 900)

    def _menus(self, role: str | None) -> None:
        file_menu = self.menuBar().addMenu("&File")
        if not self.read_only and role in ("clerk", "admin"):
            imp = QAction("&Import and evaluate…", self)
            imp.setShortcut(QKeySequence("Ctrl+I"))
            imp.triggered.connect(self.open_import_wizard)
            file_menu.addAction(imp)
            self.import_action = imp
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        for i in range(self.tabs.count()):
            act = QAction(self.tabs.tabText(i).replace("&", ""), self)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _=False, n=i: self.tabs.setCurrentIndex(n))
            view_menu.addAction(act)
        help_menu = self.menuBar().addMenu("&Help")
        keys = QAction("&Keyboard shortcuts", self)
        keys.setShortcut(QKeySequence.HelpContents)
        keys.triggered.connect(lambda: QMessageBox.information(self, "Keyboard shortcuts",
                                                               SHORTCUTS_HELP))
        help_menu.addAction(keys)
        log_action = QAction("Where is the &log file?", self)
        log_action.triggered.connect(self._show_log_path)
        help_menu.addAction(log_action)
        ident = QAction("This &installation (order numbers)", self)
        ident.triggered.connect(lambda: QMessageBox.information(self, "This installation",
                                                                self.installation_text()))
        help_menu.addAction(ident)

    def installation_text(self) -> str:
        """The order-number prefix and the installation id (set once, never changed)."""
        from desktop.review.settings import identity_settings

        ident = identity_settings(self.conn)
        return (f"Database: {self.db_path}\n\nOrder numbers: {ident['order_prefix']}-"
                f"{ident['installation_id']}-<county>-<year>-<number>\n\n"
                f"Installation id {ident['installation_id']} was drawn once for this database and "
                "never changes, so orders from two databases never share a number. An admin sets "
                "the court's prefix with: reliefdesk review settings --set order_prefix=TEXT")

    def _show_log_path(self) -> None:
        from desktop import logs

        QMessageBox.information(
            self, "Log file",
            f"ReliefDesk writes what goes wrong to:\n\n{logs.log_path()}\n\n"
            "Court IT may ask for this file when something fails.")

    def open_import_wizard(self) -> None:
        from desktop.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self.db_path, self.user, self.settings, self)
        wizard.exec()
        if wizard.changed:
            self.queue.reload_choices()
            self.queue.apply_filters()

    def _refresh_other_views(self) -> None:
        for view in (self.spot_check, self.orders):
            if view is not None:
                view.refresh()

    def _spot_check_changed(self) -> None:
        """A send-back returns a count to the queue; an accepted batch gets orders."""
        self.queue.model.refresh_all_rows()
        if self.orders is not None:
            self.orders.refresh()

    def _tab_changed(self, index: int) -> None:
        view = self.tabs.widget(index)
        if view is not self.queue and hasattr(view, "refresh"):
            view.refresh()

    def start(self) -> None:
        self.queue.apply_filters()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not getattr(self, "_started", False):
            self._started = True
            self.start()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.orders is not None and self.orders.busy():
            QMessageBox.information(self, "Orders are being signed",
                                    "Wait for the signing to finish, or cancel it in the Orders "
                                    "view, before closing ReliefDesk.")
            event.ignore()
            return
        if not self.read_only:     # the probe must not change a clerk's saved layout
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.queue.save_settings()
            self.settings.sync()
            self.backup_on_exit()
        super().closeEvent(event)

    def backup_on_exit(self) -> Path | None:
        """The automatic backup taken when the window closes (issue 6: on exit, last N kept)."""
        if self._backed_up:
            return None
        self._backed_up = True
        try:
            return auto_backup(self.db_path, "exit")
        except UserError as exc:
            QMessageBox.warning(self, "Backup not written",
                                f"The backup on exit could not be written: {exc}")
            return None
