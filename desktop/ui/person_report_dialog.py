"""What happened to the record (issue 19 §4) for the person of the count shown: every in-scope
count, its ruling, its order and when it was reported to DOJ. Read through the core
(desktop/orders/person_report.py), which checks the reader and logs reads of sealed counts."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from desktop.errors import UserError
from desktop.orders.person_report import PersonReport, person_report, report_lines, write_pdf


class PersonReportDialog(QDialog):
    def __init__(self, report: PersonReport, conn: sqlite3.Connection, parent: Any = None) -> None:
        super().__init__(parent)
        self.report, self.conn = report, conn
        self.setWindowTitle(f"What happened to the record — {report.name}")
        self.setAccessibleName("What happened to the record")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("The person's counts, rulings, orders and DOJ reports")
        html = []
        for line in report_lines(report):
            if not line:
                html.append("<br/>")
            elif line.startswith("  "):
                html.append(f"<div style='margin-left:18px'>{escape(line.strip())}</div>")
            else:
                html.append(f"<div style='margin-top:6px'><b>{escape(line)}</b></div>")
        self.browser.setHtml("".join(html))
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = QPushButton("&Save as PDF…")
        self.save_button.setAccessibleName("Save the report as a PDF")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(lambda _=False: self.save_dialog())
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the report", "", "PDF (*.pdf)")
        if path:
            self.save(Path(path))

    def save(self, path: Path) -> bool:
        try:
            write_pdf(self.conn, self.report, path)
        except UserError as exc:
            QMessageBox.warning(self, "Not saved", str(exc))
            return False
        return True


def open_person_report(
    conn: sqlite3.Connection, user: Any, subject_id: int, parent: Any = None
) -> PersonReportDialog | None:
    try:
        report = person_report(conn, user, str(subject_id))
    except UserError as exc:
        QMessageBox.warning(parent, "No report", str(exc))
        return None
    dialog = PersonReportDialog(report, conn, parent)
    dialog.show()
    return dialog
