"""Signing in: the first-start dialog that creates the admin account, and the login dialog."""

from __future__ import annotations

import sqlite3
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from desktop.errors import UserError
from desktop.ui.focus import chain


class _FormDialog(QDialog):
    def __init__(self, title: str, intro: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setObjectName("title")
        layout.addWidget(heading)
        hint = QLabel(intro)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error message")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.fields: list[QLineEdit] = []

    def _line(self, label: str, password: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(label)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(f"&{label}:", edit)
        self.fields.append(edit)
        # Fields top to bottom, then OK and Cancel; the cursor starts in the first field.
        chain([*self.fields, self.buttons])
        self.fields[0].setFocus()
        return edit

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.fields and not any(f.hasFocus() for f in self.fields):
            self.fields[0].setFocus()

    def _submit(self) -> None:  # pragma: no cover - overridden
        self.accept()


class CreateAdminDialog(_FormDialog):
    """First start: the database has no users, so its first account is the administrator."""

    def __init__(self, conn: sqlite3.Connection, parent: Any = None) -> None:
        super().__init__(
            "Create the administrator account",
            "This database has no users yet. The first account is the administrator, "
            "who then adds the clerks and judges.",
            parent,
        )
        self.conn = conn
        self.name = self._line("User name")
        self.password = self._line("Password", password=True)
        self.repeat = self._line("Repeat password", password=True)
        self.user: Any = None

    def _submit(self) -> None:
        from desktop.review.users import authenticate, create_user

        name = self.name.text().strip()
        if not name:
            self.error.setText("Enter a user name.")
            return
        if len(self.password.text()) < 8:
            self.error.setText("The password must be at least 8 characters long.")
            return
        if self.password.text() != self.repeat.text():
            self.error.setText("The two passwords differ; type them again.")
            return
        try:
            create_user(self.conn, name, "admin", self.password.text(), None)
            self.user = authenticate(self.conn, name, self.password.text())
        except UserError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class LoginDialog(_FormDialog):
    def __init__(self, conn: sqlite3.Connection, db_label: str, parent: Any = None) -> None:
        super().__init__("Sign in to ReliefDesk", f"Database: {db_label}", parent)
        self.conn = conn
        self.name = self._line("User name")
        self.password = self._line("Password", password=True)
        self.user: Any = None

    def _submit(self) -> None:
        from desktop.review.users import authenticate

        try:
            self.user = authenticate(self.conn, self.name.text().strip(), self.password.text())
        except UserError as exc:
            self.error.setText(str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()
