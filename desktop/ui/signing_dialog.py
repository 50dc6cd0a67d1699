"""The judge chooses how to sign an accepted batch's orders, in the window: a court-issued
certificate on a smart card or USB token (through the card's PKCS#11 module; the certificates on
the card are listed, the judge picks one and types the card's PIN), a PKCS#12 file (.p12/.pfx)
with its passphrase, or, in a demonstration database only, a self-signed demonstration key made
here. The Windows certificate store is not used directly: court cards are reached through their
PKCS#11 module, and the dialog says what to ask court IT for. The PIN or passphrase lives only in
the signing job; it is never stored or logged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import UserError
from desktop.tokens import TokenCert, TokenKey, list_certificates
from desktop.ui.focus import chain


def os_store_note() -> str:
    return (
        "A smart card or USB token is read through its PKCS#11 module, the file court IT "
        "installs with the card's software (for example opensc-pkcs11.dll). The Windows "
        "certificate store itself is not used: if your certificate is only there, ask court IT "
        "for the card's PKCS#11 module, or for the certificate as a PKCS#12 (.p12 or .pfx) file."
    )


def module_filter() -> str:
    return "Smart-card modules (*.dll *.so *.dylib);;All files (*)"


class SigningDialog(QDialog):
    def __init__(
        self,
        *,
        orders: int,
        batch: int | None,
        out_dir: Path,
        key_folder: str,
        demo: bool,
        judge_name: str,
        module: str = "",
        parent: Any = None,
        title: str | None = None,
        lister: Callable[[str], list[TokenCert]] = list_certificates,
        acceptance: bool = False,
    ) -> None:
        """With `acceptance`, the judge accepts batch `batch` (its `orders` counts go on to
        orders) and may sign the acceptance with the same certificate; no folder is asked for."""
        super().__init__(parent)
        self.acceptance = acceptance
        title = title or (
            f"Accept batch {batch}" if acceptance else f"Sign the orders of batch {batch}"
        )
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(600)
        self.demo_allowed = demo and not acceptance
        self.key_folder = key_folder
        self.judge_name = judge_name
        self._lister = lister
        self.certs: list[TokenCert] = []
        layout = QVBoxLayout(self)
        if acceptance:
            text = (
                f"Accept batch {batch}: its {orders:,} count{'s' if orders != 1 else ''} "
                "go on to orders. Signing the acceptance with your certificate seals what "
                "you accepted under your signature (recommended)."
            )
        else:
            text = (
                f"{orders:,} order{'s' if orders != 1 else ''} will be numbered, signed "
                "with your certificate and written to the folder below. Choose your "
                "signing certificate."
            )
        intro = QLabel(text)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.sign_check = QCheckBox("&Sign the acceptance with my certificate")
        self.sign_check.setAccessibleName("Sign the acceptance with my certificate")
        self.sign_check.setChecked(not acceptance or bool(module))
        self.sign_check.setVisible(acceptance)
        self.sign_check.toggled.connect(lambda *_: self._sync())
        layout.addWidget(self.sign_check)

        self.group = QButtonGroup(self)
        self.card_choice = QRadioButton("A smart &card or USB token from the court")
        self.card_choice.setAccessibleName("Sign with a certificate on a smart card or USB token")
        self.file_choice = QRadioButton(
            "A certificate &file from the court (PKCS#12: .p12 or .pfx)"
        )
        self.file_choice.setAccessibleName("Sign with a certificate file from the court")
        self.demo_choice = QRadioButton("A &demonstration key made now (demo database only)")
        self.demo_choice.setAccessibleName("Make and use a self-signed demonstration key")
        self.demo_choice.setVisible(self.demo_allowed)
        for b in (self.card_choice, self.file_choice, self.demo_choice):
            self.group.addButton(b)
            layout.addWidget(b)
        self.store_note = QLabel(os_store_note())
        self.store_note.setWordWrap(True)
        self.store_note.setObjectName("hint")
        layout.addWidget(self.store_note)

        form = QFormLayout()
        # The card: its module (a setting, shown and changeable here) and its certificates.
        self.module_path = QLineEdit(module)
        self.module_path.setAccessibleName("Smart-card module (PKCS#11)")
        self.module_path.setPlaceholderText("e.g. C:\\Windows\\System32\\opensc-pkcs11.dll")
        self.browse_module = QPushButton("Bro&wse…")
        self.browse_module.setAccessibleName("Choose the smart-card module")
        self.browse_module.clicked.connect(self._pick_module)
        self.module_row = self._row(self.module_path, self.browse_module)
        form.addRow("Smart-card &module:", self.module_row)
        self.cert_box = QComboBox()
        self.cert_box.setAccessibleName("Certificate on the card")
        self.cert_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.cert_box.setMinimumContentsLength(30)
        self.find_certs = QPushButton("F&ind certificates")
        self.find_certs.setAccessibleName("Read the certificates on the inserted card")
        self.find_certs.clicked.connect(self.refresh_certificates)
        self.cert_row = self._row(self.cert_box, self.find_certs)
        form.addRow("Certificate on the car&d:", self.cert_row)
        # A file.
        self.key_path = QLineEdit()
        self.key_path.setAccessibleName("Certificate file")
        self.browse_key = QPushButton("&Browse…")
        self.browse_key.setAccessibleName("Choose the certificate file")
        self.browse_key.clicked.connect(self._pick_key)
        self.file_row = self._row(self.key_path, self.browse_key)
        form.addRow("Certificate &file:", self.file_row)
        self.demo_name = QLineEdit(judge_name)
        self.demo_name.setAccessibleName("Name on the demonstration certificate")
        form.addRow("&Name on the certificate:", self.demo_name)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase of the certificate")
        self.secret_label = QLabel("&Passphrase:")
        self.secret_label.setBuddy(self.passphrase)
        form.addRow(self.secret_label, self.passphrase)
        self.out = QLineEdit(str(out_dir))
        self.out.setAccessibleName("Folder for the signed orders")
        self.browse_out = QPushButton("B&rowse…")
        self.browse_out.setAccessibleName("Choose the folder for the signed orders")
        self.browse_out.clicked.connect(self._pick_out)
        self.out_row = self._row(self.out, self.browse_out)
        form.addRow("&Save the orders in:", self.out_row)
        self.form = form
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error message")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok = ok
        self.ok.setText(
            f"Accept batch {batch}"
            if acceptance
            else f"Sign {orders:,} order{'s' if orders != 1 else ''}"
        )
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # A court that set a smart-card module signs with cards; otherwise a file is the default.
        (self.card_choice if module else self.file_choice).setChecked(True)
        self.group.buttonToggled.connect(lambda *_: self._sync())
        self._sync()
        chain(
            [
                self.sign_check if acceptance else None,
                self.card_choice,
                self.file_choice,
                self.demo_choice,
                self.module_path,
                self.browse_module,
                self.cert_box,
                self.find_certs,
                self.key_path,
                self.browse_key,
                self.demo_name,
                self.passphrase,
                self.out,
                self.browse_out,
                self.buttons,
            ]
        )
        first = self.sign_check if acceptance else self.group.checkedButton()
        if first is not None:
            first.setFocus()

    @staticmethod
    def _row(field: QWidget, button: QPushButton) -> QWidget:
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(field, 1)
        row.addWidget(button)
        holder = QWidget()
        holder.setLayout(row)
        return holder

    def _show_row(self, widget: QWidget, shown: bool) -> None:
        self.form.setRowVisible(widget, shown)

    def signs(self) -> bool:
        """Whether a certificate signs (always for orders; for an acceptance, when chosen)."""
        return not self.acceptance or self.sign_check.isChecked()

    def _sync(self) -> None:
        signs = self.signs()
        card, demo = self.card_choice.isChecked(), self.demo_choice.isChecked()
        for b in (self.card_choice, self.file_choice, self.demo_choice):
            b.setEnabled(signs)
        self.store_note.setVisible(signs)
        self._show_row(self.module_row, signs and card)
        self._show_row(self.cert_row, signs and card)
        self._show_row(self.file_row, signs and not card and not demo)
        self._show_row(self.demo_name, signs and demo)
        self._show_row(self.passphrase, signs)
        self._show_row(self.out_row, not self.acceptance)
        self.secret_label.setText("Card &PIN:" if card else "&Passphrase:")
        self.passphrase.setAccessibleName(
            "PIN of the smart card" if card else "Passphrase of the certificate"
        )
        self.cert_box.setEnabled(card and bool(self.certs))
        self.error.setText("")
        if signs and card and not self.certs and self.module():
            self.refresh_certificates()  # the court's module is set: list the card at once
        self.adjustSize()

    # --- the card -------------------------------------------------------------------------
    def refresh_certificates(self) -> None:
        """Read the certificates on the inserted card(s) (no PIN needed); errors in words."""
        self.cert_box.clear()
        self.certs = []
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.certs = self._lister(self.module_path.text().strip())
        except UserError as exc:
            self.error.setText(_sentence(str(exc)))
        finally:
            QGuiApplication.restoreOverrideCursor()
        for c in self.certs:
            self.cert_box.addItem(c.describe())
            self.cert_box.setItemData(
                self.cert_box.count() - 1,
                f"{c.describe()}\nLabel on the card: {c.label or '(none)'}",
                Qt.ItemDataRole.ToolTipRole,
            )
        if self.certs:
            self.error.setText("")
            mine = _surname(self.judge_name)
            best = next(
                (i for i, c in enumerate(self.certs) if mine and mine in c.name.casefold()), 0
            )
            self.cert_box.setCurrentIndex(best)
        self.cert_box.setEnabled(bool(self.certs) and self.card_choice.isChecked())

    def uses_card(self) -> bool:
        return self.card_choice.isChecked()

    def chosen_certificate(self) -> TokenCert | None:
        i = self.cert_box.currentIndex()
        return self.certs[i] if self.uses_card() and 0 <= i < len(self.certs) else None

    def card_key(self) -> TokenKey | None:
        """The certificate on the card to sign with (the PIN is given separately)."""
        cert = self.chosen_certificate()
        return cert.key() if cert else None

    def module(self) -> str:
        return self.module_path.text().strip()

    def _pick_module(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "The card's PKCS#11 module",
            str(Path(self.module()).parent) if self.module() else "",
            module_filter(),
        )
        if path:
            self.module_path.setText(path)
            self.refresh_certificates()
            self.cert_box.setFocus()

    # --- a file ---------------------------------------------------------------------------
    def _pick_key(self) -> None:
        key, _ = QFileDialog.getOpenFileName(
            self,
            "Your signing certificate (PKCS#12)",
            self.key_folder,
            "PKCS#12 certificate files (*.p12 *.pfx);;All files (*)",
        )
        if key:
            self.key_path.setText(key)
            self.passphrase.setFocus()

    def _pick_out(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder for the signed orders", self.out.text()
        )
        if folder:
            self.out.setText(folder)

    def uses_demo_key(self) -> bool:
        return self.demo_choice.isChecked()

    def chosen(self) -> tuple[Path | None, str, Path, str]:
        """(certificate file or None for a new demo key or a card, passphrase or PIN, output
        folder, name)."""
        key = (
            None if self.uses_demo_key() or self.uses_card() else Path(self.key_path.text().strip())
        )
        return (
            key,
            self.passphrase.text(),
            Path(self.out.text().strip()),
            self.demo_name.text().strip(),
        )

    def _refuse(self, text: str, focus: QWidget | None = None) -> None:
        self.error.setText(text)
        if focus is not None:
            focus.setFocus()

    def _submit(self) -> None:
        if not self.signs():
            self.accept()
            return
        if self.uses_card():
            if not self.certs:
                self._refuse(
                    "Insert the card, check the smart-card module, then choose Find certificates.",
                    self.module_path if not self.module() else self.find_certs,
                )
                return
            if not self.passphrase.text():
                self._refuse("Type the card's PIN.", self.passphrase)
                return
        elif self.uses_demo_key():
            if not self.demo_allowed:
                self._refuse("A demonstration key can only be made in a demonstration database.")
                return
            if not self.demo_name.text().strip():
                self._refuse("Type the name to put on the demonstration certificate.")
                return
            if len(self.passphrase.text()) < 8:
                self._refuse(
                    "Choose a passphrase of at least 8 characters for the demonstration key.",
                    self.passphrase,
                )
                return
        else:
            path = self.key_path.text().strip()
            if not path or not Path(path).is_file():
                self._refuse("Choose your certificate file (Browse…).", self.browse_key)
                return
            if not self.passphrase.text():
                self._refuse("Type the certificate's passphrase.", self.passphrase)
                return
        if not self.acceptance and not self.out.text().strip():
            self._refuse("Choose the folder for the signed orders.", self.out)
            return
        self.accept()


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _surname(name: str) -> str:
    words = [w for w in name.replace("Hon.", "").split() if w]
    return words[-1].casefold() if words else ""
