"""The judge chooses how to sign an accepted batch's orders, in the window: a court-issued
certificate as a PKCS#12 file (.p12/.pfx) with its passphrase, or, in a demonstration database
only, a self-signed demonstration key made here. The operating system's certificate store and
smart cards are listed but not offered: ReliefDesk cannot sign through them yet, and says so.
The passphrase lives only in the signing job; it is never stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
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

from desktop.ui.focus import chain


def os_store_note() -> str:
    return (
        "The computer's certificate store and smart cards: not available — ReliefDesk signs "
        "with a certificate file. Ask court IT to export your court certificate as a "
        "PKCS#12 (.p12 or .pfx) file protected by a passphrase."
    )


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
        parent: Any = None,
        title: str | None = None,
    ) -> None:
        super().__init__(parent)
        title = title or f"Sign the orders of batch {batch}"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        self.demo_allowed = demo
        self.key_folder = key_folder
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{orders:,} order{'s' if orders != 1 else ''} will be numbered, signed "
            "with your certificate and written to the folder below. Choose your "
            "signing certificate."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.group = QButtonGroup(self)
        self.file_choice = QRadioButton(
            "A certificate &file from the court (PKCS#12: .p12 or .pfx)"
        )
        self.file_choice.setAccessibleName("Sign with a certificate file from the court")
        self.store_choice = QRadioButton("The computer's certificate store or a smart card")
        self.store_choice.setAccessibleName(
            "Sign with the certificate store or a smart card (not available)"
        )
        self.store_choice.setEnabled(False)
        self.store_choice.setToolTip(os_store_note())
        self.demo_choice = QRadioButton("A &demonstration key made now (demo database only)")
        self.demo_choice.setAccessibleName("Make and use a self-signed demonstration key")
        self.demo_choice.setVisible(demo)
        for b in (self.file_choice, self.store_choice, self.demo_choice):
            self.group.addButton(b)
            layout.addWidget(b)
        store_note = QLabel(os_store_note())
        store_note.setWordWrap(True)
        store_note.setObjectName("hint")
        layout.addWidget(store_note)

        form = QFormLayout()
        self.key_path = QLineEdit()
        self.key_path.setAccessibleName("Certificate file")
        self.browse_key = QPushButton("&Browse…")
        self.browse_key.setAccessibleName("Choose the certificate file")
        self.browse_key.clicked.connect(self._pick_key)
        row = QHBoxLayout()
        row.addWidget(self.key_path, 1)
        row.addWidget(self.browse_key)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        form.addRow("Certificate &file:", holder)
        self.demo_name = QLineEdit(judge_name)
        self.demo_name.setAccessibleName("Name on the demonstration certificate")
        form.addRow("&Name on the certificate:", self.demo_name)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase of the certificate")
        form.addRow("&Passphrase:", self.passphrase)
        self.out = QLineEdit(str(out_dir))
        self.out.setAccessibleName("Folder for the signed orders")
        self.browse_out = QPushButton("B&rowse…")
        self.browse_out.setAccessibleName("Choose the folder for the signed orders")
        self.browse_out.clicked.connect(self._pick_out)
        row2 = QHBoxLayout()
        row2.setContentsMargins(0, 0, 0, 0)
        row2.addWidget(self.out, 1)
        row2.addWidget(self.browse_out)
        holder2 = QWidget()
        holder2.setLayout(row2)
        form.addRow("&Save the orders in:", holder2)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error message")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(f"Sign {orders:,} order{'s' if orders != 1 else ''}")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.file_choice.setChecked(True)
        self.group.buttonToggled.connect(lambda *_: self._sync())
        self._sync()
        chain(
            [
                self.file_choice,
                self.demo_choice,
                self.key_path,
                self.browse_key,
                self.demo_name,
                self.passphrase,
                self.out,
                self.browse_out,
                self.buttons,
            ]
        )
        self.file_choice.setFocus()

    def _sync(self) -> None:
        demo = self.demo_choice.isChecked()
        for w in (self.key_path, self.browse_key):
            w.setEnabled(not demo)
        self.demo_name.setEnabled(demo)

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
        """(certificate file or None for a new demo key, passphrase, output folder, name)."""
        key = None if self.uses_demo_key() else Path(self.key_path.text().strip())
        return (
            key,
            self.passphrase.text(),
            Path(self.out.text().strip()),
            self.demo_name.text().strip(),
        )

    def _submit(self) -> None:
        if self.uses_demo_key():
            if not self.demo_allowed:
                self.error.setText(
                    "A demonstration key can only be made in a demonstration database."
                )
                return
            if not self.demo_name.text().strip():
                self.error.setText("Type the name to put on the demonstration certificate.")
                return
            if len(self.passphrase.text()) < 8:
                self.error.setText(
                    "Choose a passphrase of at least 8 characters for the demonstration key."
                )
                self.passphrase.setFocus()
                return
        else:
            path = self.key_path.text().strip()
            if not path or not Path(path).is_file():
                self.error.setText("Choose your certificate file (Browse…).")
                self.browse_key.setFocus()
                return
            if not self.passphrase.text():
                self.error.setText("Type the certificate's passphrase.")
                self.passphrase.setFocus()
                return
        if not self.out.text().strip():
            self.error.setText("Choose the folder for the signed orders.")
            return
        self.accept()
