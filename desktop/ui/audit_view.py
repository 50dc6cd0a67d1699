"""The Audit view: the hash-chained audit log, newest first, filtered by action, user, date and
text, with the chain check and the export a court keeps. Each entry reads as a sentence — who did
what to which person, case, count, batch or order, when on the court's clock
(desktop.review.audit_words); the raw entry (action code, JSON, hashes) is shown on demand."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
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
    QCheckBox,
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
from desktop.clock import court_day_start
from desktop.review.audit_words import action_title, court_time, describe_entries
from desktop.review.users import User

ALL = "All"
_NO_DATE = QDate(2000, 1, 1)  # the date edits' "any date" value (shown as special text)

_ROOT = QModelIndex()  # shared default parent: Qt passes an invalid index for "top level"
HEADERS = ("No.", "When (court time)", "Who", "What happened")
HEADER_TIPS = (
    "The entry's number in the chain",
    "Date and time on the court's clock (Pacific)",
    "The user who did it",
    "What was done, to which person, case, count, batch or order",
)


class AuditModel(QAbstractTableModel):
    """Entries in pages of PAGE rows, fetched as the view scrolls (the log grows with every
    decision, so it is never read whole)."""

    PAGE = 500

    def __init__(
        self, conn: sqlite3.Connection, parent: Any = None, viewer: User | None = None
    ) -> None:
        super().__init__(parent)
        self._conn = conn
        self._viewer = viewer  # names of people under seal only for those who may read them
        self._filter = AuditFilter(newest_first=True)
        self._rows: list[AuditEntry] = []
        self._words: list[str] = []
        self._total = 0
        self.refresh()

    def set_filter(self, f: AuditFilter) -> None:
        self._filter = f
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._total = count_entries(self._conn, self._filter)
        self._rows = list_entries(self._conn, self._filter, limit=self.PAGE)
        self._words = describe_entries(self._conn, self._rows, self._viewer)
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def entry(self, row: int) -> AuditEntry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def words(self, row: int) -> str:
        """The entry's sentence ('approved count 3 of case …')."""
        return self._words[row] if 0 <= row < len(self._words) else ""

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
        self._words.extend(describe_entries(self._conn, more, self._viewer))
        self.endInsertRows()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        e = self.entry(index.row())
        if e is None:
            return None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return str(e.seq)
            if col == 1:
                return court_time(e.at)
            if col == 2:
                return e.user or "ReliefDesk"
            words = self.words(index.row())
            return words[:1].upper() + words[1:]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class AuditView(QWidget):
    """Embed in the main window with AuditView(conn). Call refresh() when the tab is shown."""

    verified = Signal(bool, str)  # (intact, message), after every chain check

    def __init__(
        self, conn: sqlite3.Connection, parent: Any = None, viewer: User | None = None
    ) -> None:
        super().__init__(parent)
        self._conn = conn
        self.setAccessibleName("Audit log")

        self.action_box = QComboBox()
        self.action_box.setAccessibleName("Filter by action")
        self.user_box = QComboBox()
        self.user_box.setAccessibleName("Filter by user")
        self.since_edit = self._date_edit("From date (the court's)")
        self.until_edit = self._date_edit("To date (the court's), inclusive")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search order numbers, notes, file names…")
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

        self.model = AuditModel(conn, self, viewer)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit entries, newest first")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        fm = self.table.fontMetrics()
        pad = 28  # cell padding from the style sheet, plus room for the sort/resize handles
        for col, sample in enumerate(("0000000", "0000-00-00 00:00 PST", "judge.name")):
            self.table.setColumnWidth(col, fm.horizontalAdvance(sample) + pad)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Selected audit entry")
        self.detail.setPlaceholderText("Select an entry to read all of it.")
        self.raw_check = QCheckBox("Show the &raw entry (action code, data and hashes)")
        self.raw_check.setAccessibleName("Show the raw audit entry")
        self.raw_check.toggled.connect(lambda _on: self._show_current())
        below = QWidget()
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.raw_check)
        below_layout.addWidget(self.detail, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(below)
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
        actions = sorted(distinct_actions(self._conn), key=action_title)
        for box, values, titles in (
            (self.action_box, actions, [action_title(a) for a in actions]),
            (self.user_box, distinct_users(self._conn), None),
        ):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(ALL, None)
            for i, value in enumerate(values):
                box.addItem(titles[i] if titles else value, value)
            box.setCurrentIndex(max(0, box.findData(current)) if current is not None else 0)
            box.blockSignals(False)

    def choose_action(self, action: str | None) -> None:
        """Filter by an action code (the list shows it in words)."""
        self.action_box.setCurrentIndex(max(0, self.action_box.findData(action)))

    def current_filter(self) -> AuditFilter:
        def day(edit: QDateEdit, plus: int = 0) -> str | None:
            # The rows show the court's time, so the dates chosen are the court's days.
            d = edit.date()
            if d == _NO_DATE:
                return None
            d = d.addDays(plus)
            return court_day_start(date(d.year(), d.month(), d.day()))

        action = self.action_box.currentData()
        user = self.user_box.currentData()
        return AuditFilter(
            action=action or None,
            user=user or None,
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
        self._show_row(current.row())

    def _show_current(self) -> None:
        self._show_row(self.table.currentIndex().row())

    def _show_row(self, row: int) -> None:
        """The entry in words; with "Show the raw entry", also as recorded (JSON, hashes)."""
        e = self.model.entry(row)
        if e is None:
            self.detail.clear()
            return
        words = self.model.words(row)
        text = f"Entry {e.seq}, {court_time(e.at)} (court time)\n{e.user or 'ReliefDesk'} {words}."
        if self.raw_check.isChecked():
            text += "\n\nAs recorded:\n" + json.dumps(e.as_dict(), indent=2, ensure_ascii=False)
        self.detail.setPlainText(text)

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
