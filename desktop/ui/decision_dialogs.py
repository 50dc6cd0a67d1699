"""Small dialogs for decisions that need words: reject (reason list + free text), change
(another relief + reason), send back (the judge's note)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.focus import chain
from desktop.ui.labels import REJECT_REASONS, RELIEFS, RESENTENCE_TARGETS, relief_text


class _Dialog(QDialog):
    def __init__(self, title: str, intro: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(600)  # the title names the count, case and person
        self.layout_ = QVBoxLayout(self)
        hint = QLabel(intro)
        hint.setWordWrap(True)
        self.layout_.addWidget(hint)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setAccessibleName("Error message")
        self.error.setWordWrap(True)
        self.layout_.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)

    def _text_box(self, label: str) -> QPlainTextEdit:
        box = QPlainTextEdit()
        box.setAccessibleName(label)
        box.setTabChangesFocus(True)  # Tab moves on to OK rather than typing a tab
        box.setFixedHeight(80)
        self.form.addRow(f"{label}:", box)
        return box

    def _submit(self) -> None:
        self.accept()

    def order_fields(self, *fields: QWidget) -> None:
        """Tab: the fields top to bottom, then the buttons; the cursor starts in the first."""
        chain([*fields, self.buttons])
        fields[0].setFocus()


class RejectDialog(_Dialog):
    """No reason is chosen for the clerk: Reject stays off until one is picked."""

    CHOOSE = "Choose a reason…"

    def __init__(self, what: str, parent: Any = None) -> None:
        super().__init__(
            f"Reject {what}",
            f"Reject {what}. Choose the reason (Up/Down or its "
            "first letter) and add details for the record.",
            parent,
        )
        self.reasons = QComboBox()
        self.reasons.setAccessibleName("Reason for the rejection")
        self.reasons.addItem(self.CHOOSE, None)
        for r in REJECT_REASONS:
            self.reasons.addItem(r[:1].upper() + r[1:], r)
        self.form.addRow("&Reason:", self.reasons)
        self.details = self._text_box("Details")
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Reject")
        self.ok.setAccessibleName(f"Reject {what}")
        self.reasons.currentIndexChanged.connect(self._sync)
        self._sync()
        self.order_fields(self.reasons, self.details)

    def _sync(self) -> None:
        self.ok.setEnabled(self.reasons.currentData() is not None)
        self.error.setText("")

    def chosen_reason(self) -> str | None:
        return self.reasons.currentData()

    def reason(self) -> str:
        base = self.chosen_reason()
        if base is None:
            raise ValueError("no reason chosen")
        extra = self.details.toPlainText().strip()
        return f"{base}: {extra}" if extra else base

    def _submit(self) -> None:
        base = self.chosen_reason()
        if base is None:
            self.error.setText("Choose a reason first.")
            self.reasons.setFocus()
            return
        if base == "other" and not self.details.toPlainText().strip():
            self.error.setText("Say why in Details when the reason is 'Other'.")
            self.details.setFocus()
            return
        self.accept()


class ChangeDialog(_Dialog):
    def __init__(self, current: str | None, parent: Any = None, what: str = "") -> None:
        super().__init__(
            f"Change the relief of {what}" if what else "Change relief",
            (f"{what[:1].upper() + what[1:]}: the" if what else "The")
            + f" engine proposed {relief_text(current)}. Choose the relief to grant "
            "instead and say why.",
            parent,
        )
        self.relief = QComboBox()
        self.relief.setAccessibleName("New relief")
        self.relief.addItem("Choose the relief…", None)  # none chosen for the clerk
        for r in RELIEFS:
            if r != current and r != "needs_review":
                self.relief.addItem(relief_text(r), r)
        self.form.addRow("&Relief:", self.relief)
        self.target = QComboBox()
        self.target.setAccessibleName("Resentence target")
        for t in RESENTENCE_TARGETS:
            self.target.addItem(t, t)
        self.form.addRow("Resentence &target:", self.target)
        self.reason_box = self._text_box("Reason")
        self.relief.currentIndexChanged.connect(self._sync)
        self._sync()
        self.order_fields(self.relief, self.target, self.reason_box)

    def _sync(self) -> None:
        self.target.setEnabled(self.relief.currentData() == "resentence")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.relief.currentData() is not None)
        ok.setText("Change")

    def chosen(self) -> tuple[str, str | None, str]:
        relief = self.relief.currentData()
        target = self.target.currentData() if relief == "resentence" else None
        return relief, target, self.reason_box.toPlainText().strip()

    def _submit(self) -> None:
        if self.relief.currentData() is None:
            self.error.setText("Choose the relief to grant.")
            self.relief.setFocus()
            return
        if not self.reason_box.toPlainText().strip():
            self.error.setText("A change needs a reason.")
            self.reason_box.setFocus()
            return
        self.accept()


class NoteDialog(_Dialog):
    def __init__(self, title: str, intro: str, parent: Any = None) -> None:
        super().__init__(title, intro, parent)
        self.note = self._text_box("Note")
        self.order_fields(self.note)

    def text(self) -> str:
        return self.note.toPlainText().strip()

    def _submit(self) -> None:
        if not self.text():
            self.error.setText("Write a note for the clerk.")
            return
        self.accept()
