"""Bulk approval of one rule path: how many counts it holds, how many this clerk has opened,
and one button that approves the rest. The core decides what is allowed and says why not."""

from __future__ import annotations

import sqlite3
from html import escape
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from desktop.errors import UserError
from desktop.ui import core
from desktop.ui.focus import chain
from desktop.ui.labels import rule_path_text, user_message


class BulkApproveDialog(QDialog):
    def __init__(
        self, conn: sqlite3.Connection, user: Any, preselect: str | None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.conn, self.user = conn, user
        self.approved_ids: list[int] = []
        self.chosen_path: str | None = None
        self.setWindowTitle("Bulk approve a rule path")
        self.setAccessibleName("Bulk approve a rule path")
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Counts with hard-stop flags, resentencing, not-eligible and needs-review "
            "determinations are never bulk-approved. Open a few counts of the rule path "
            "in the queue first; then approve the rest here in one step."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.path = QComboBox()
        self.path.setAccessibleName("Rule path")
        self.path.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for path, n in core.rule_paths(conn):
            self.path.addItem(f"{rule_path_text(path)} ({n:,})", path)
        if preselect:
            i = self.path.findData(preselect)
            if i >= 0:
                self.path.setCurrentIndex(i)
        form.addRow("&Rule path:", self.path)
        self.info = QLabel("")
        self.info.setAccessibleName("Counts in the rule path and counts opened")
        self.info.setWordWrap(True)
        form.addRow("", self.info)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Refusal")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.go = QPushButton("Approve the rest")
        self.go.setObjectName("approve")
        self.go.setAccessibleName("Approve the rest of the rule path")
        buttons.addButton(self.go, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        self.go.clicked.connect(self._approve)
        layout.addWidget(buttons)
        self.path.currentIndexChanged.connect(self._update)
        self._update()
        chain([self.path, buttons])
        self.path.setFocus()

    def _update(self) -> None:
        path = self.path.currentData()
        self.error.setText("")
        if path is None:
            self.info.setText("No rule path has counts that can be bulk-approved.")
            self.go.setEnabled(False)
            return
        n = next((c for p, c in core.rule_paths(self.conn) if p == path), 0)
        opened = core.opened_in_path(self.conn, self.user, path)
        need = core.bulk_min_opened(self.conn)
        text = (
            f"{n:,} pending counts in this rule path can be approved in bulk. You have opened "
            f"{opened:,} of its counts; at least {need} are needed."
        )
        if opened < need:
            text += (
                f" Open {need - opened} more in the queue (filter by this rule path and read "
                "them) first."
            )
        self.info.setText(text)
        self.go.setText(f"Approve {n:,} counts")
        self.go.setEnabled(n > 0 and opened >= need)  # the core refuses too; this says why

    def confirm(self, path: str, n: int) -> bool:
        """Ask before approving: how many counts, and the rule path in words."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Approve in bulk?",
            f"<p>Approve <b>{n:,} pending count{'s' if n != 1 else ''}</b> of the "
            f"rule path</p><p>“{escape(rule_path_text(path))}”</p><p>in one step? "
            "Each can still be undone with Ctrl+Z (the whole step at once) until "
            "the batch is submitted.</p>",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        go = box.addButton(f"Approve {n:,} counts", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    def _approve(self) -> None:
        path = self.path.currentData()
        n = next((c for p, c in core.rule_paths(self.conn) if p == path), 0)
        if path is None or not self.confirm(path, n):
            return
        self.chosen_path = path
        try:
            self.approved_ids = core.bulk_approve(self.conn, self.user, path)
        except UserError as exc:
            self.error.setText(user_message(str(exc)))
            return
        self.accept()
