"""The main window: who is signed in, and the views for their role (queue, spot-check, orders,
audit) as tabs; the import wizard from the File menu."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget

from desktop.errors import UserError
from desktop.store.backup import auto_backup
from desktop.ui.audit_view import AuditView
from desktop.ui.orders_view import OrdersView
from desktop.ui.queue_view import QueueView
from desktop.ui.spotcheck_view import SpotCheckView

ROLE_TITLES = {
    "clerk": "Clerk",
    "judge": "Judge",
    "admin": "Administrator",
    "records_officer": "Records officer",
}

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
<tr><td><b>Ctrl+1…7</b></td><td>Switch view (Queue, Orders, Matters, Hearings, Dispositions, Audit; a judge's Spot-check first)</td></tr>
<tr><td><b>Ctrl+I</b></td><td>Import and evaluate records</td></tr>
<tr><td colspan=2><br><b>Spot-check (judges)</b></td></tr>
<tr><td><b>A</b></td><td>Accept the sampled item</td></tr>
<tr><td><b>S</b></td><td>Send the item back to the clerk with a note</td></tr>
</table>"""


class MainWindow(QMainWindow):
    def __init__(
        self,
        conn: sqlite3.Connection,
        db_path: Path,
        user: Any,
        settings: QSettings,
        read_only: bool = False,
    ) -> None:
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
        self.matters: Any = None
        self.hearings: Any = None
        self.dispositions: Any = None
        if not self.read_only:
            if role == "judge":
                self.spot_check = SpotCheckView(conn, user)
                self.tabs.insertTab(0, self.spot_check, "&Spot-check")
                self.tabs.setCurrentIndex(0)
                self.spot_check.changed.connect(self._spot_check_changed)
            self.orders = OrdersView(conn, db_path, user, settings)
            self.tabs.addTab(self.orders, "&Orders")
            from desktop.review.county import court_county
            from desktop.ui.dispositions_view import DispositionsView, HearingsView, MattersView

            self.matters = MattersView(conn, user)
            self.tabs.addTab(self.matters, "&Matters")
            self.hearings = HearingsView(conn, user)
            self.tabs.addTab(self.hearings, "&Hearings")
            self.dispositions = DispositionsView(conn, user, court_county(conn))
            self.tabs.addTab(self.dispositions, "&Dispositions")
            self.audit = AuditView(conn, viewer=user)
            self.tabs.addTab(self.audit, "A&udit")
            self.queue.decided.connect(self._refresh_other_views)
            self.orders.changed.connect(self.queue.model.refresh_all_rows)
        # The queue's messages belong to the queue: kept per tab, shown only while it is current.
        self._messages: dict[Any, str] = {}
        self.queue.message.connect(lambda text: self._status(text, self.queue))
        self.tabs.currentChanged.connect(self._tab_changed)

        who = QLabel(
            "Read-only (startup probe)"
            if user is None
            else f"Signed in: {user.name} — {ROLE_TITLES.get(user.role, user.role)}"
        )
        who.setObjectName("userBadge")
        who.setAccessibleName("Signed-in user and role")
        self.user_label = who
        self.statusBar().addPermanentWidget(who)
        self.statusBar().showMessage(f"Database: {db_path}")
        if not self.read_only:  # scheduled, verified backups and the overdue warning
            from desktop.ui.backup_watch import BackupWatch

            self.backup_watch = BackupWatch(self, conn, db_path, user)
        self._menus(role)
        self.open_maximized = not self.fit_to_screen(
            settings.value("window/geometry"), settings.value("window/size")
        )

    def available(self) -> QRect:
        """The available geometry (without task bars and docks) of the screen the window is on."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)

    def fit_to_screen(self, saved: Any = None, size: Any = None) -> bool:
        """Restore the saved size and place only when the window, frame included, still fits
        the screen's available area (Qt would shrink a larger one; the clerk gets the whole
        screen instead); otherwise fill that area. True when restored."""
        avail = self.available()
        try:
            width, height = (int(v) for v in str(size or "").split("x"))
        except ValueError:
            width = height = 0
        fits = 0 < width <= avail.width() and 0 < height <= avail.height()
        if saved is not None and fits and self.restoreGeometry(saved):
            frame = self.frameGeometry()
            if (
                avail.contains(frame) or avail.contains(self.geometry())
            ) and not self.isMaximized():
                return True
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMaximized)
        # Fill the available area; shown maximized, so the window manager's title bar and
        # frame fit inside it too.
        self.setGeometry(avail)
        return False

    def save_layout(self) -> None:
        """The window's place and size; a maximized window opens filling its screen again."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        frame = self.frameGeometry() if self.isVisible() else self.geometry()
        self.settings.setValue(
            "window/size", "0x0" if self.isMaximized() else f"{frame.width()}x{frame.height()}"
        )

    def show_fitted(self) -> None:
        """Show the window sized to its screen (maximized when no saved size fits)."""
        if self.open_maximized:
            self.showMaximized()
        else:
            self.show()

    def _menus(self, role: str | None) -> None:
        file_menu = self.menuBar().addMenu("&File")
        if not self.read_only and role in ("clerk", "admin"):
            imp = QAction("&Import and evaluate…", self)
            imp.setShortcut(QKeySequence("Ctrl+I"))
            imp.triggered.connect(self.open_import_wizard)
            file_menu.addAction(imp)
            self.import_action = imp
        if not self.read_only and role == "admin":
            court = QAction("&Court settings for orders…", self)
            court.triggered.connect(self.open_court_settings)
            file_menu.addAction(court)
            service = QAction("Court settings for the &service list…", self)
            service.triggered.connect(self.open_service_settings)
            file_menu.addAction(service)
        if not self.read_only and role in ("admin", "records_officer"):
            purge = QAction("&Purge finished records…", self)
            purge.triggered.connect(self.purge_finished)
            file_menu.addAction(purge)
            self.purge_action = purge
        if not self.read_only:  # batch packages between the clerk's and the judge's PCs
            from desktop.ui.package_actions import PackageActions

            self.packages = PackageActions(self, file_menu, role)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
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
        keys.setShortcut(QKeySequence.StandardKey.HelpContents)
        keys.triggered.connect(
            lambda: QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS_HELP)
        )
        help_menu.addAction(keys)
        log_action = QAction("Where is the &log file?", self)
        log_action.triggered.connect(self._show_log_path)
        help_menu.addAction(log_action)
        ident = QAction("This &installation (order numbers)", self)
        ident.triggered.connect(
            lambda: QMessageBox.information(self, "This installation", self.installation_text())
        )
        help_menu.addAction(ident)

    def installation_text(self) -> str:
        """The order-number prefix and the installation id (set once, never changed)."""
        from desktop.review.settings import identity_settings

        ident = identity_settings(self.conn)
        return (
            f"Database: {self.db_path}\n\nOrder numbers: {ident['order_prefix']}-"
            f"{ident['installation_id']}-<county>-<year>-<number>\n\n"
            f"Installation id {ident['installation_id']} was drawn once for this database and "
            "never changes, so orders from two databases never share a number. An admin sets "
            "the court's prefix with: reliefdesk review settings --set order_prefix=TEXT"
        )

    def _show_log_path(self) -> None:
        from desktop import logs

        QMessageBox.information(
            self,
            "Log file",
            f"ReliefDesk writes what goes wrong to:\n\n{logs.log_path()}\n\n"
            "Court IT may ask for this file when something fails.",
        )

    def open_court_settings(self) -> None:
        from desktop.ui.court_settings_dialog import CourtSettingsDialog

        CourtSettingsDialog(self.conn, self.user, self).exec()

    def open_service_settings(self) -> None:
        from desktop.ui.service_settings_dialog import ServiceSettingsDialog

        ServiceSettingsDialog(self.conn, self.user, self).exec()

    def open_import_wizard(self) -> None:
        from desktop.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self.db_path, self.user, self.settings, self)
        wizard.exec()
        if wizard.changed:
            self.queue.reload_choices()
            cleared = self.queue.reset_filters()
            n = self.queue.model.rowCount()
            text = f"The queue shows the new evaluation: {n:,} cannabis counts."
            if cleared:
                text += (
                    " The "
                    + ", ".join(cleared)
                    + " filter"
                    + ("s" if len(cleared) > 1 else "")
                    + " could hide new counts and "
                    + ("were" if len(cleared) > 1 else "was")
                    + " cleared."
                )
            self._status(text, self.queue)

    def purge_finished(self, confirm: bool = True) -> str | None:
        """File > Purge finished records: the core purge (desktop/records/purge.py) after saying
        how many people it removes; returns the report shown, None when nothing was done."""
        from desktop.maintenance.purge import purge

        try:
            plan = purge(self.conn, self.user, self.db_path, dry_run=True)
            if (
                confirm
                and QMessageBox.question(
                    self,
                    "Purge finished records",
                    f"{plan.text()}\n\nPurge them now? Their records are removed for good; the "
                    "orders register and the audit log are kept, older backups are destroyed "
                    "and a new backup is taken.",
                )
                != QMessageBox.StandardButton.Yes
            ):
                return None
            report = purge(self.conn, self.user, self.db_path)
        except UserError as exc:
            QMessageBox.warning(self, "Purge", str(exc))
            return None
        self.queue.model.cache.clear()
        self.queue.apply_filters()
        self._refresh_other_views()
        if confirm:
            QMessageBox.information(self, "Purge done", report.text())
        return report.text()

    def _refresh_other_views(self) -> None:
        for view in (self.spot_check, self.orders):
            if view is not None:
                view.refresh()

    def _spot_check_changed(self) -> None:
        """A send-back returns a count to the queue; an accepted batch gets orders."""
        self.queue.model.refresh_all_rows()
        if self.orders is not None:
            self.orders.refresh()

    def _status(self, text: str, view: Any = None) -> None:
        """A view's message in the status bar, kept for that view: shown while it is the current
        tab and again when the clerk comes back to it, never over another view."""
        owner = view if view is not None else self.tabs.currentWidget()
        self._messages[owner] = text
        if owner is not self.tabs.currentWidget():
            return
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()

    def _tab_changed(self, index: int) -> None:
        view = self.tabs.widget(index)
        text = self._messages.get(view, "")
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()
        first = getattr(view, "first_field", None)
        if callable(first):  # the cursor starts in the view's first field
            first().setFocus()
        if view is self.queue:
            self.queue.model.refresh_all_rows()  # the judge or the orders moved counts on
            self.queue.show_count(self.queue.current_count())
        elif view is not None and hasattr(view, "refresh"):
            view.refresh()

    def start(self) -> None:
        self.queue.apply_filters()
        # Right after sign-in the keyboard is in the first view's list, so Ctrl+F and the
        # decision keys work without a click.
        first = self.tabs.currentWidget()
        target = self.queue.table
        if first is self.spot_check and self.spot_check is not None:
            target = self.spot_check.sample
        target.setFocus()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not getattr(self, "_started", False):
            self._started = True
            self.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.orders is not None and self.orders.busy():
            QMessageBox.information(
                self,
                "Orders are being signed",
                "Wait for the signing to finish, or cancel it in the Orders "
                "view, before closing ReliefDesk.",
            )
            event.ignore()
            return
        self.queue.stop_timers()
        if not self.read_only:  # the probe must not change a clerk's saved layout
            self.save_layout()
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
            QMessageBox.warning(
                self, "Backup not written", f"The backup on exit could not be written: {exc}"
            )
            return None
