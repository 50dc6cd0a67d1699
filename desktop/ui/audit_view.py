"""The Audit view: the hash-chained audit log, newest first, filtered by action, user, date and
text, with the chain check and the export a court keeps. Reads through desktop.audit only."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.audit.export import export
from desktop.audit.log import verify
from desktop.audit.query import AuditEntry, AuditFilter, count_entries, list_entries
from desktop.audit.query import actions as distinct_actions
from desktop.audit.query import users as distinct_users

ALL = "All"
_NO_DATE = QDate(2000, 1, 1)  # the date edits' "any date" value (shown as special text)

_ROOT = QModelIndex()  # shared default parent: Qt passes an invalid index for "top level"
HEADERS = ("Seq", "Time (UTC)", "User", "Action", "Targets", "Details")


def _summary(payload: str, width: int = 140) -> str:
    try:
        data = json.loads(payload)
    except ValueError:
        return payload[:width]
    if isinstance(data, dict):
        text = ", ".join(f"{k}: {v}" for k, v in data.items())
    else:
        text = str(data)
    return text if len(text) <= width else text[: width - 1] + "…"


class AuditModel(QAbstractTableModel):
    """Entries in pages of PAGE rows, fetched as the view scrolls (the log grows with every
    decision, so it is never read whole)."""

    PAGE = 500

    def __init__(self, conn: sqlite3.Connection, parent: Any = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self._filter = AuditFilter(newest_first=True)
        self._rows: list[AuditEntry] = []
        self._total = 0
        self.refresh()

    def set_filter(self, f: AuditFilter) -> None:
        self._filter = f
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._total = count_entries(self._conn, self._filter)
        self._rows = list_entries(self._conn, self._filter, limit=self.PAGE)
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def entry(self, row: int) -> AuditEntry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> bool:
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> None:
        more = list_entries(self._conn, self._filter, limit=self.PAGE, offset=len(self._rows))
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        e = self.entry(index.row())
        if e is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return str(e.seq)
            if col == 1:
                return e.at[:19].replace("T", " ")
            if col == 2:
                return e.user or "(system)"
            if col == 3:
                return e.action
            if col == 4:
                targets = json.loads(e.targets)
                shown = ", ".join(str(t) for t in targets[:8])
                return shown + (f" … ({len(targets)} in all)" if len(targets) > 8 else "")
            return _summary(e.payload)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 5:
            return e.payload
        return None


class AuditView(QWidget):
    """Embed in the main window with AuditView(conn). Call refresh() when the tab is shown."""

    verified = Signal(bool, str)  # (intact, message), after every chain check

    def __init__(self, conn: sqlite3.Connection, parent: Any = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self.setAccessibleName("Audit log")

        self.action_box = QComboBox()
        self.action_box.setAccessibleName("Filter by action")
        self.user_box = QComboBox()
        self.user_box.setAccessibleName("Filter by user")
        self.since_edit = self._date_edit("From date (UTC)")
        self.until_edit = self._date_edit("To date (UTC), inclusive")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search targets and details…")
        self.search.setAccessibleName("Search audit entries")
        self.search.setClearButtonEnabled(True)

        filters = QHBoxLayout()
        for label, w in (
            ("Action", self.action_box),
            ("User", self.user_box),
            ("From", self.since_edit),
            ("To", self.until_edit),
        ):
            lab = QLabel(label)
            lab.setBuddy(w)
            filters.addWidget(lab)
            filters.addWidget(w)
        filters.addWidget(self.search, 1)

        self.model = AuditModel(conn, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit entries, newest first")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        fm = self.table.fontMetrics()
        pad = 28  # cell padding from the style sheet, plus room for the sort/resize handles
        for col, sample in enumerate(
            ("0000000", "0000-00-00 00:00:00", "judge.name", "orders.mark_printed", "00000, 00000")
        ):
            self.table.setColumnWidth(col, fm.horizontalAdvance(sample) + pad)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Selected audit entry")
        self.detail.setPlaceholderText("Select an entry to see all of it, with its hashes.")

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        self.count_label = QLabel()
        self.count_label.setObjectName("hint")
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Audit chain status")
        self.verify_button = QPushButton("&Verify chain")
        self.verify_button.setAccessibleName("Verify the audit chain")
        self.export_button = QPushButton("&Export…")
        self.export_button.setAccessibleName("Export the audit log")
        self.refresh_button = QPushButton("Refresh")
        bar = QHBoxLayout()
        bar.setSpacing(16)
        bar.addWidget(self.count_label)
        bar.addWidget(self.status_label, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        layout.addLayout(bar)

        self._fill_choices()
        self.action_box.currentIndexChanged.connect(self.apply_filter)
        self.user_box.currentIndexChanged.connect(self.apply_filter)
        self.since_edit.dateChanged.connect(self.apply_filter)
        self.until_edit.dateChanged.connect(self.apply_filter)
        self.search.returnPressed.connect(self.apply_filter)
        self.search.textChanged.connect(lambda t: self.apply_filter() if not t else None)
        self.table.selectionModel().currentRowChanged.connect(self._show_entry)
        self.verify_button.clicked.connect(self.verify_chain)
        self.export_button.clicked.connect(self._export_dialog)
        self.refresh_button.clicked.connect(self.refresh)
        self._update_count()

    def _date_edit(self, name: str) -> QDateEdit:
        d = QDateEdit()
        d.setCalendarPopup(True)
        d.setDisplayFormat("yyyy-MM-dd")
        d.setMinimumDate(_NO_DATE)
        d.setSpecialValueText("any date")
        d.setDate(_NO_DATE)
        d.setAccessibleName(name)
        return d

    def _fill_choices(self) -> None:
        for box, values in (
            (self.action_box, distinct_actions(self._conn)),
            (self.user_box, distinct_users(self._conn)),
        ):
            current = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItem(ALL)
            box.addItems(values)
            box.setCurrentIndex(max(0, box.findText(current)))
            box.blockSignals(False)

    def current_filter(self) -> AuditFilter:
        def day(edit: QDateEdit, plus: int = 0) -> str | None:
            d = edit.date()
            return None if d == _NO_DATE else d.addDays(plus).toString("yyyy-MM-dd")

        action = self.action_box.currentText()
        user = self.user_box.currentText()
        return AuditFilter(
            action=None if action == ALL else action,
            user=None if user == ALL else user,
            since=day(self.since_edit),
            until=day(self.until_edit, 1),
            text=self.search.text().strip() or None,
            newest_first=True,
        )

    def apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())
        self.detail.clear()
        self._update_count()

    def refresh(self) -> None:
        """Re-read the log (new entries, new actions and users in the pickers)."""
        self._fill_choices()
        self.model.refresh()
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(f"{self.model.total:,} entries")

    def _show_entry(self, current: QModelIndex, _previous: QModelIndex) -> None:
        e = self.model.entry(current.row())
        if e is None:
            self.detail.clear()
            return
        self.detail.setPlainText(json.dumps(e.as_dict(), indent=2, ensure_ascii=False))

    def verify_chain(self) -> bool:
        result = verify(self._conn)
        if result.ok:
            msg = f"Audit chain intact ({result.entries:,} entries)."
            self.status_label.setObjectName("hint")
        else:
            msg = (
                f"Audit chain BROKEN at entry {result.broken_seq}: {result.reason}. "
                "Report this to court IT; keep the database as it is."
            )
            self.status_label.setObjectName("error")
        self.status_label.setText(msg)
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
        self.verified.emit(result.ok, msg)
        return result.ok

    def export_to(self, path: str) -> str:
        """Export the whole log (not just the filtered rows) and say where it went."""
        # The save dialog has asked before replacing a file; the database and backups stay refused.
        r = export(self._conn, path, force=True)  # type: ignore[arg-type]
        return (
            f"Exported {r.entries:,} entries to {r.path}. Last entry {r.head_seq}, "
            f"hash {r.head_hash}. File SHA-256 {r.sha256}."
        )

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export the audit log",
            "reliefdesk-audit.csv",
            "CSV (*.csv);;JSON Lines (*.jsonl)",
        )
        if not path:
            return
        try:
            msg = self.export_to(path)
        except Exception as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return
        QMessageBox.information(self, "Audit log exported", msg)
