"""Bulk approval of one rule path: how many counts it holds, how many this clerk has opened,
and one button that approves the rest. The core decides what is allowed and says why not."""

from __future__ import annotations

import sqlite3
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from desktop.errors import UserError
from desktop.ui import core


class BulkApproveDialog(QDialog):
    def __init__(self, conn: sqlite3.Connection, user: Any, preselect: str | None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.conn, self.user = conn, user
        self.approved_ids: list[int] = []
        self.setWindowTitle("Bulk approve a rule path")
        self.setAccessibleName("Bulk approve a rule path")
        self.setMinimumWidth(820)
        layout = QVBoxLayout(self)
        intro = QLabel("Counts with hard-stop flags, resentencing, not-eligible and needs-review "
                       "determinations are never bulk-approved. Open a few counts of the rule path "
                       "in the queue first; then approve the rest here in one step.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.path = QComboBox()
        self.path.setAccessibleName("Rule path")
        self.path.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        for path, _n in core.rule_paths(conn):
            self.path.addItem(path, path)
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
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.go = QPushButton("Approve the rest")
        self.go.setObjectName("approve")
        self.go.setAccessibleName("Approve the rest of the rule path")
        buttons.addButton(self.go, QDialogButtonBox.AcceptRole)
        buttons.rejected.connect(self.reject)
        self.go.clicked.connect(self._approve)
        layout.addWidget(buttons)
        self.path.currentIndexChanged.connect(self._update)
        self._update()

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
        text = (f"{n:,} pending counts in this rule path can be approved in bulk. You have opened "
                f"{opened:,} of its counts; at least {need} are needed.")
        if opened < need:
            text += (f" Open {need - opened} more in the queue (filter by this rule path and read "
                     "them) first.")
        self.info.setText(text)
        self.go.setText(f"Approve {n:,} counts")
        self.go.setEnabled(n > 0 and opened >= need)    # the core refuses too; this says why

    def _approve(self) -> None:
        path = self.path.currentData()
        try:
            self.approved_ids = core.bulk_approve(self.conn, self.user, path)
        except UserError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
