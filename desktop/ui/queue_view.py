"""The clerk's queue: filters and search over a windowed table, the detail pane beside it, and
keyboard decisions (A approve, R reject, C change, D defer, J/K or arrows, Ctrl+Z undo,
Ctrl+F search). Judges, admins and the startup probe see the same queue read-only."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import UserError
from desktop.review import access
from desktop.ui import core
from desktop.ui.badge_delegate import BadgeDelegate
from desktop.ui.decision_dialogs import ChangeDialog, RejectDialog
from desktop.ui.detail_data import load_detail_for
from desktop.ui.detail_pane import DetailPane
from desktop.ui.labels import RELIEFS, STATUSES, flag_text, relief_text, status_badge
from desktop.ui.queue_model import (
    COLUMNS,
    RELIEF_ROLE,
    STATUS_ROLE,
    QueueFilters,
    QueueModel,
)

CLERK_ACTIONS = [
    ("approve", "&Approve (A)", "approve"),
    ("reject", "&Reject (R)", "reject"),
    ("change", "&Change (C)…", ""),
    ("defer", "&Defer (D)", ""),
]


class QueueView(QWidget):
    decided = Signal()          # something changed (for other views' counters)

    def __init__(self, conn: sqlite3.Connection, user: Any, settings: QSettings,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.user = user
        self.settings = settings
        self.can_decide = user is not None and getattr(user, "role", None) == "clerk"
        self.last_shown_at = 0.0     # perf_counter when the detail pane last showed a count

        self.model = QueueModel(conn, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._filter_bar())      # two rows: search and actions, filters

        self.table = QTableView()
        self.table.setAccessibleName("Review queue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.horizontalHeader().setSortIndicator(0, Qt.AscendingOrder)
        fm = self.table.fontMetrics()
        samples = {"dob": "0000-00-00", "conviction_date": "0000-00-00", "level": "Level",
                   "case_number": "MSB0000000", "section": "11360(A)(2)",
                   "relief": "Resentence → misdemeanor", "status": "Changed → Dismiss"}
        for i, col in enumerate(COLUMNS):
            sample = samples.get(col.key)
            width = fm.horizontalAdvance(sample) + 28 if sample else col.width
            self.table.setColumnWidth(i, max(width, fm.horizontalAdvance(col.title) + 28))
        self.table.horizontalHeader().setStretchLastSection(True)
        relief_col = [c.key for c in COLUMNS].index("relief")
        status_col = [c.key for c in COLUMNS].index("status")
        self.table.setItemDelegateForColumn(relief_col, BadgeDelegate(RELIEF_ROLE, self.table))
        self.table.setItemDelegateForColumn(status_col, BadgeDelegate(STATUS_ROLE, self.table))
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._after_reset)

        self.detail = DetailPane()
        if self.can_decide:
            self.detail.set_actions(CLERK_ACTIONS)
        self.detail.action.connect(self.do_action)

        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.apply_filters)
        self._shortcuts()
        self._restore()

    # --- layout ------------------------------------------------------------------------
    def _combo(self, label: str, items: list[tuple[str, str | None]]) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(f"Filter by {label.lower()}")
        box.setToolTip(f"Filter by {label.lower()}")
        for text, data in items:
            box.addItem(text, data)
        box.setMaxVisibleItems(25)
        # Sized by a short minimum, not by the longest choice (rule paths are long), so the
        # window still fits a 1366-pixel laptop screen; the open list shows whole choices.
        box.setMinimumContentsLength(12)
        box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        box.view().setTextElideMode(Qt.ElideNone)
        box.currentIndexChanged.connect(self.apply_filters)
        return box

    def _fit_popups(self) -> None:
        """Open lists as wide as their longest choice (up to 900 px)."""
        for box in self._boxes().values():
            width = box.view().sizeHintForColumn(0) + 40
            box.view().setMinimumWidth(min(max(width, box.width()), 900))

    def _filter_bar(self) -> QVBoxLayout:
        rows = QVBoxLayout()
        bar = QHBoxLayout()
        filters = QHBoxLayout()
        rows.addLayout(bar)
        rows.addLayout(filters)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name, case no. or CII (Ctrl+F)")
        self.search.setAccessibleName("Search by name, case number or CII")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        bar.addWidget(self.search, 1)
        self.status_box = self._combo("Status", [("All statuses", None)]
                                      + [(status_badge(s).text, s) for s in STATUSES]
                                      + [("Re-review (re-evaluated)", "rereview"),
                                         ("Sent back by the judge", "sent_back")])
        self.relief_box = self._combo("Relief", [("All reliefs", None)]
                                      + [(relief_text(r), r) for r in RELIEFS])
        flags, paths, sections = core.filter_choices(self.conn)
        self.flag_box = self._combo("Flag", [("Any flags", None)]
                                    + [(flag_text(f), f) for f in flags])
        self.path_box = self._combo("Rule path", [("All rule paths", None)]
                                    + [(p, p) for p in paths])
        self.path_box.setMinimumContentsLength(18)
        self.section_box = self._combo("Section", [("All sections", None)]
                                       + [(s, s) for s in sections])
        for w in (self.status_box, self.relief_box, self.flag_box, self.path_box, self.section_box):
            filters.addWidget(w, 1)
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Counts shown")
        bar.addWidget(self.count_label)
        self.sealed_box: QCheckBox | None = None
        if access.may_see_sealed(self.user):
            # Records officers and judges may show sealed counts; each showing is audited.
            self.sealed_box = QCheckBox("Show &sealed")
            self.sealed_box.setAccessibleName("Show sealed counts (audited)")
            self.sealed_box.setToolTip("Also list counts whose order is signed (sealed). Each "
                                       "showing and each sealed record opened is written to the "
                                       "audit log.")
            self.sealed_box.toggled.connect(self.apply_filters)
            bar.addWidget(self.sealed_box)
        bar.addStretch(1)
        if self.can_decide:
            self.bulk_button = QPushButton("&Bulk approve…")
            self.bulk_button.setAccessibleName("Bulk approve a rule path")
            self.bulk_button.clicked.connect(self.bulk_approve)
            bar.addWidget(self.bulk_button)
            self.submit_button = QPushButton("&Submit batch")
            self.submit_button.setObjectName("primary")
            self.submit_button.setAccessibleName("Submit approved counts as a batch")
            self.submit_button.clicked.connect(self.submit_batch)
            bar.addWidget(self.submit_button)
        return rows

    def _shortcuts(self) -> None:
        def sc(keys: str, fn: Any) -> None:
            s = QShortcut(QKeySequence(keys), self, fn)
            s.setContext(Qt.WidgetWithChildrenShortcut)

        sc("Ctrl+F", self.focus_search)
        sc("J", lambda: self.move(1))
        sc("K", lambda: self.move(-1))
        if self.can_decide:
            sc("A", lambda: self.do_action("approve"))
            sc("R", lambda: self.do_action("reject"))
            sc("C", lambda: self.do_action("change"))
            sc("D", lambda: self.do_action("defer"))
            sc("Ctrl+Z", self.undo)
        sc("Escape", lambda: self.table.setFocus())

    # --- filters -----------------------------------------------------------------------
    def current_filters(self) -> QueueFilters:
        return QueueFilters(
            status=self.status_box.currentData(), relief=self.relief_box.currentData(),
            flag=self.flag_box.currentData(), rule_path=self.path_box.currentData(),
            section=self.section_box.currentData(), search=self.search.text().strip(),
            include_sealed=bool(self.sealed_box and self.sealed_box.isChecked()))

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.apply_filters()
        self.table.setFocus()

    def apply_filters(self) -> None:
        if self.user is None:
            # Reading needs a signed-in user: the startup probe's window lists no records.
            self.count_label.setText("Sign in to see the records")
            return
        filters = self.current_filters()
        if filters.include_sealed:
            try:
                access.require_sealed_reader(self.user, "showing sealed counts")
            except UserError as exc:
                QMessageBox.warning(self, "Sealed counts", str(exc))
                return
        self.model.set_filters(filters)
        if filters.include_sealed:
            try:
                access.show_sealed(self.conn, self.user, "queue (window)", self.model.ids())
            except UserError as exc:
                QMessageBox.warning(self, "Sealed counts", str(exc))

    def reload_choices(self) -> None:
        """New data (after an import): refresh the flag, rule path and section choices."""
        flags, paths, sections = core.filter_choices(self.conn)
        for box, base, items in (
                (self.flag_box, [("Any flags", None)],
                 [(flag_text(f), f) for f in flags]),
                (self.path_box, [("All rule paths", None)], [(p, p) for p in paths]),
                (self.section_box, [("All sections", None)], [(s, s) for s in sections])):
            keep = box.currentData()
            box.blockSignals(True)
            box.clear()
            for text, data in base + items:
                box.addItem(text, data)
            box.setCurrentIndex(max(0, box.findData(keep)))
            box.blockSignals(False)
        self._fit_popups()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _after_reset(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(f"{n:,} count{'s' if n != 1 else ''}")
        if n:
            self.select_row(0)
        else:
            self.detail.show_detail(None)

    # --- navigation --------------------------------------------------------------------
    def select_row(self, row: int) -> None:
        idx = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        self.table.scrollTo(idx)

    def current_count(self) -> int | None:
        idx = self.table.currentIndex()
        return self.model.count_id_at(idx.row()) if idx.isValid() else None

    def move(self, step: int) -> None:
        row = self.table.currentIndex().row()
        target = max(0, min(self.model.rowCount() - 1, row + step))
        if self.model.rowCount():
            self.select_row(target)

    def _current_changed(self, current: Any, _previous: Any) -> None:
        self.show_count(self.model.count_id_at(current.row()) if current.isValid() else None)

    def show_count(self, count_id: int | None) -> None:
        if count_id is None:
            self.detail.show_detail(None)
            return
        try:
            # Reading checks the role; a sealed count's read is audited (review/access.py).
            detail = load_detail_for(self.conn, self.user, count_id)
        except UserError as exc:
            self.detail.show_detail(None)
            self.count_label.setText(str(exc))
            return
        self.detail.show_detail(detail)
        if self.user is not None:
            try:
                core.mark_opened(self.conn, self.user, count_id)
            except UserError:
                pass     # a busy database must not stop the clerk from reading
        self.last_shown_at = time.perf_counter()

    # --- decisions ---------------------------------------------------------------------
    def do_action(self, name: str) -> None:
        if not self.can_decide:
            return
        count_id = self.current_count()
        if count_id is None:
            return
        try:
            if name == "approve":
                core.approve(self.conn, self.user, [count_id])
            elif name == "defer":
                core.defer(self.conn, self.user, [count_id])
            elif name == "reject":
                dlg = RejectDialog(f"count {count_id}", self)
                if not dlg.exec():
                    return
                core.reject(self.conn, self.user, [count_id], dlg.reason())
            elif name == "change":
                current = self.detail.detail.determination["relief"] if self.detail.detail else None
                dlg = ChangeDialog(current, self)
                if not dlg.exec():
                    return
                relief, target, reason = dlg.chosen()
                core.change(self.conn, self.user, count_id, relief, target, reason)
            else:
                return
        except UserError as exc:
            QMessageBox.warning(self, "Not done", str(exc))
            return
        self._after_decision([count_id], advance=True)

    def _after_decision(self, count_ids: list[int], advance: bool) -> None:
        self.model.refresh_counts(count_ids)
        row = self.table.currentIndex().row()
        if advance and row + 1 < self.model.rowCount():
            self.select_row(row + 1)
        else:
            self.show_count(self.current_count())
        self.decided.emit()

    def undo(self) -> None:
        try:
            ids = core.undo(self.conn, self.user)
        except UserError as exc:
            QMessageBox.information(self, "Nothing undone", str(exc))
            return
        self.model.refresh_counts(ids)
        if ids and self.model.row_of(ids[0]) is not None:
            self.select_row(self.model.row_of(ids[0]))
        else:
            self.show_count(self.current_count())
        self.decided.emit()

    def bulk_approve(self) -> None:
        from desktop.ui.bulk_dialog import BulkApproveDialog

        dlg = BulkApproveDialog(self.conn, self.user, self.path_box.currentData(), self)
        if dlg.exec() and dlg.approved_ids:
            self.model.refresh_counts(dlg.approved_ids)
            self.show_count(self.current_count())
            self.decided.emit()

    def submit_batch(self) -> None:
        try:
            batch_id = core.submit_batch(self.conn, self.user)
        except UserError as exc:
            QMessageBox.warning(self, "Batch not submitted", str(exc))
            return
        QMessageBox.information(self, "Batch submitted",
                                f"Batch {batch_id} is with the judge for the spot-check.")
        self.model.refresh_all_rows()
        self.decided.emit()

    # --- settings ----------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        state = s.value("queue/splitter")
        if state is not None:
            self.splitter.restoreState(state)
        self._splitter_restored = state is not None
        self.search.blockSignals(True)
        self.search.setText(str(s.value("queue/search", "") or ""))
        self.search.blockSignals(False)
        for key, box in self._boxes().items():
            value = s.value(f"queue/filter_{key}")
            if value is not None:
                i = box.findData(value if value != "@none" else None)
                if i >= 0:
                    box.blockSignals(True)
                    box.setCurrentIndex(i)
                    box.blockSignals(False)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._fit_popups()
        if not self._splitter_restored:
            self._splitter_restored = True
            # After the layout has given the splitter its real width: the detail pane gets 36 %
            # but never less than it needs, the table the rest (and later growth).
            QTimer.singleShot(0, self._default_split)

    def _default_split(self) -> None:
        w = self.splitter.width()
        detail = max(int(w * 0.36), self.detail.minimumSizeHint().width())
        self.splitter.setSizes([w - detail, detail])

    def _boxes(self) -> dict[str, QComboBox]:
        return {"status": self.status_box, "relief": self.relief_box, "flag": self.flag_box,
                "rule_path": self.path_box, "section": self.section_box}

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("queue/splitter", self.splitter.saveState())
        s.setValue("queue/search", self.search.text())
        for key, box in self._boxes().items():
            data = box.currentData()
            s.setValue(f"queue/filter_{key}", "@none" if data is None else data)
