"""Court settings an administrator sets once: the court's details printed on every order (department,
courthouse, address, the clerk's certificate, how names are written, the court's words for each
relief) and each judge's printed name, title and signature image. The core (desktop/orders/
court_settings.py) checks roles and audits every change; `reliefdesk court set` and `reliefdesk signer
set` do the same from the command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import UserError
from desktop.law.names import NAME_STYLES, SCHEDULE_ORDERS
from desktop.orders.court_settings import (
    COURT_KEYS,
    RELIEF_KEYS,
    court_details,
    set_court_setting,
    set_signer,
    signer_settings,
)
from desktop.review.users import active_judges

RELIEF_LABELS = {
    "dismiss_and_seal": "Dismissed and sealed",
    "redesignate_misdemeanor": "Redesignated misdemeanor",
    "redesignate_infraction": "Redesignated infraction",
    "resentence_misdemeanor": "Resentenced as misdemeanor",
    "resentence_infraction": "Resentenced as infraction",
    "resentence_dismissed": "Sentence dismissed",
}


class CourtSettingsDialog(QDialog):
    """Edits the court settings; Save writes each changed value (one audited change each)."""

    def __init__(self, conn: sqlite3.Connection, user: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.conn, self.user = conn, user
        self.setWindowTitle("Court settings for orders")
        self.setAccessibleName("Court settings for orders")
        self.details = court_details(conn)
        layout = QVBoxLayout(self)

        court = QGroupBox("The court, as printed on its orders")
        form = QFormLayout(court)
        self.fields: dict[str, Any] = {}
        for key in ("department", "courthouse"):
            edit = QLineEdit(getattr(self.details, key))
            edit.setAccessibleName(COURT_KEYS[key][0])
            edit.setMaxLength(COURT_KEYS[key][1])
            self.fields[key] = edit
            form.addRow(key.capitalize() + ":", edit)
        self.fields["address"] = QPlainTextEdit("\n".join(self.details.address_lines))
        self.fields["address"].setAccessibleName("The court's street address, one line per line")
        self.fields["address"].setFixedHeight(60)
        form.addRow("Address:", self.fields["address"])
        self.fields["clerk_certificate"] = QPlainTextEdit(self.details.clerk_certificate)
        self.fields["clerk_certificate"].setAccessibleName(
            "The clerk's certificate printed at the foot of every order"
        )
        self.fields["clerk_certificate"].setFixedHeight(60)
        form.addRow("Clerk's certificate:", self.fields["clerk_certificate"])
        for key, choices in (("name_style", NAME_STYLES), ("schedule_names", SCHEDULE_ORDERS)):
            box = QComboBox()
            box.addItems(list(choices))
            box.setCurrentText(getattr(self.details, key))
            box.setAccessibleName(COURT_KEYS[key][0])
            self.fields[key] = box
            form.addRow(
                ("Names on orders:" if key == "name_style" else "Names in a schedule:"), box
            )
        layout.addWidget(court)

        words = QGroupBox("Relief, in the court's words (empty: the template's)")
        wform = QFormLayout(words)
        for key in RELIEF_KEYS:
            edit = QLineEdit(self.details.relief_words.get(key, ""))
            edit.setAccessibleName(f"The court's words for {RELIEF_LABELS[key]}")
            self.fields[f"relief.{key}"] = edit
            wform.addRow(RELIEF_LABELS[key] + ":", edit)
        layout.addWidget(words)

        signer = QGroupBox("A judge's name, title and signature image")
        sform = QFormLayout(signer)
        self.judge_box = QComboBox()
        self.judge_box.setAccessibleName("Judge")
        for name in active_judges(conn):
            self.judge_box.addItem(name)
        self.judge_name = QLineEdit()
        self.judge_name.setAccessibleName("Name as printed under the signature line")
        self.judge_title = QLineEdit()
        self.judge_title.setAccessibleName(
            "Title, e.g. Judge of the Superior Court or Commissioner"
        )
        image_row = QWidget()
        ir = QHBoxLayout(image_row)
        ir.setContentsMargins(0, 0, 0, 0)
        self.image_label = QLabel("")
        self.image_button = QPushButton("Choose signature &image…")
        self.image_button.clicked.connect(self._choose_image)
        ir.addWidget(self.image_label, 1)
        ir.addWidget(self.image_button)
        self.image: bytes | None = None
        sform.addRow("Judge:", self.judge_box)
        sform.addRow("Printed name:", self.judge_name)
        sform.addRow("Title:", self.judge_title)
        sform.addRow("Signature image:", image_row)
        self.judge_box.currentTextChanged.connect(self._load_signer)
        self._load_signer(self.judge_box.currentText())
        layout.addWidget(signer)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _load_signer(self, judge: str) -> None:
        s = signer_settings(self.conn, judge) if judge else None
        self.judge_name.setText(s.display_name if s else "")
        self.judge_title.setText(s.title if s else "")
        self.image = None
        self.image_label.setText("set" if s and s.signature_image else "none")

    def _choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Image of the judge's signature", "", "Images (*.png *.jpg *.jpeg)"
        )
        if path:
            self.image = Path(path).read_bytes()
            self.image_label.setText(Path(path).name)

    def _value(self, key: str) -> str:
        w = self.fields[key]
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        if isinstance(w, QComboBox):
            return w.currentText()
        return w.text()

    def save(self) -> None:
        """Write every changed value; the first refusal is shown and nothing after it is written."""
        current = {"address": "\n".join(self.details.address_lines)}
        try:
            for key in self.fields:
                if key.startswith("relief."):
                    old = self.details.relief_words.get(key[len("relief.") :], "")
                else:
                    old = current.get(key, getattr(self.details, key))
                if self._value(key).strip() != (old or "").strip():
                    set_court_setting(self.conn, self.user, key, self._value(key))
            judge = self.judge_box.currentText()
            if judge:
                s = signer_settings(self.conn, judge)
                if (self.judge_name.text(), self.judge_title.text()) != (
                    s.display_name,
                    s.title,
                ) or self.image is not None:
                    set_signer(
                        self.conn,
                        self.user,
                        judge,
                        title=self.judge_title.text(),
                        display_name=self.judge_name.text(),
                        image=self.image,
                    )
        except UserError as exc:
            QMessageBox.warning(self, "Not saved", str(exc))
            return
        self.accept()
