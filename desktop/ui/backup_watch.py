"""The window's side of scheduled backups (desktop/store/schedule.py): while the window is open it
makes the scheduled backup when one is due (on a worker thread, with its own connection), and a
warning in the status bar stays visible while the newest verified backup is older than the
administrator's setting."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow

CHECK_EVERY_MS = 10 * 60 * 1000


class BackupWatch(QObject):
    def __init__(
        self,
        window: QMainWindow,
        conn: sqlite3.Connection,
        db_path: Path,
        user: Any,
        check_every_ms: int = CHECK_EVERY_MS,
    ) -> None:
        super().__init__(window)
        self.conn, self.db_path, self.user = conn, db_path, user
        self.label = QLabel()
        self.label.setObjectName("backupWarning")
        self.label.setAccessibleName("Backup warning")
        self.label.setStyleSheet("color: #a40000; font-weight: bold;")
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)
        self.last_error: str | None = None
        self._running: Any = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(check_every_ms)
        QTimer.singleShot(0, self.check)

    def check(self) -> None:
        from desktop.maintenance.schedule import is_due

        if self._running is None and is_due(self.conn):
            from desktop.maintenance.schedule import run_scheduled
            from desktop.ui.workers import start_worker

            name = getattr(self.user, "name", None)
            self._running = start_worker(
                self, lambda _progress: run_scheduled(self.db_path, user=name)
            )
            _thread, handle = self._running
            handle.finished.connect(lambda _r: self._done(None))
            handle.failed.connect(self._done)
            return
        self.refresh()

    def _done(self, error: str | None) -> None:
        self._running = None
        self.last_error = error
        self.refresh()

    def refresh(self) -> None:
        from desktop.maintenance.schedule import overdue_message

        message = overdue_message(self.conn)
        if message and self.last_error:
            message += f"\n\nThe last attempt failed: {self.last_error}"
        self.label.setVisible(bool(message))
        self.label.setText("⚠ Backup overdue" if message else "")
        self.label.setToolTip(message or "")
