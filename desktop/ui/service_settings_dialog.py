"""The court settings for the service list of its notices, set once by an administrator: the
prosecuting agency's and the public defender's names and mailing addresses, and the city the clerk
mails from. The core (desktop/dispositions/service.py) checks the role and audits each change;
`reliefdesk service set` does the same from the command line."""

from __future__ import annotations

import sqlite3
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
)

from desktop.dispositions.service import SERVICE_KEYS, service_settings, set_service_setting
from desktop.errors import UserError
from desktop.ui.focus import chain


class ServiceSettingsDialog(QDialog):
    """Save writes each changed value (one audited change each)."""

    def __init__(self, conn: sqlite3.Connection, user: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.conn, self.user = conn, user
        self.setWindowTitle("Court settings for the service list")
        self.setAccessibleName("Court settings for the service list")
        self.values = service_settings(conn)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Printed in the service list and the clerk's certificate of mailing of every notice "
            "of hearing. A notice is not mailed to a party whose address is missing."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        for key, (label, hint, limit) in SERVICE_KEYS.items():
            edit: QLineEdit | QPlainTextEdit
            if key.endswith("_address"):
                edit = QPlainTextEdit(self.values[key])
                edit.setTabChangesFocus(True)
                edit.setFixedHeight(54)
                edit.setPlaceholderText("Street\nCity, CA ZIP")
            else:
                edit = QLineEdit(self.values[key])
                edit.setMaxLength(limit)
            edit.setAccessibleName(label)
            edit.setToolTip(hint)
            self.fields[key] = edit
            form.addRow(label + ":", edit)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        chain([*self.fields.values(), self.buttons])
        next(iter(self.fields.values())).setFocus()

    def value(self, key: str) -> str:
        w = self.fields[key]
        return w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()

    def save(self) -> bool:
        """Write every changed value; the first refusal is shown and nothing after it is
        written."""
        try:
            for key in self.fields:
                if self.value(key).strip() != self.values[key].strip():
                    set_service_setting(self.conn, self.user, key, self.value(key))
        except UserError as exc:
            QMessageBox.warning(self, "Not saved", str(exc))
            return False
        self.accept()
        return True
