"""The clerk's queue: filters and search over a windowed table, the detail pane beside it, and
keyboard decisions (A approve, R reject, C change, D defer, J/K or arrows, Ctrl+Z undo,
Ctrl+F search). Judges, admins and the startup probe see the same queue read-only."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QKeySequence, QShortcut
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
from desktop.review.count_detail import load_detail_for
from desktop.review.lifecycle import CountLife
from desktop.ui import core
from desktop.ui.badge_delegate import BadgeDelegate
from desktop.ui.decision_dialogs import ChangeDialog, RejectDialog
from desktop.ui.detail_pane import DetailPane, count_words
from desktop.ui.focus import chain
from desktop.ui.labels import (
    RELIEFS,
    STATUSES,
    flag_text,
    relief_short,
    relief_text,
    rule_path_text,
    status_badge,
    user_message,
)
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


class _FitTable(QTableView):
    """The queue's list; says when its width changes, so its columns are fitted again."""

    resized = Signal()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class QueueView(QWidget):
    decided = Signal()  # something changed (for other views' counters)
    message = Signal(str)  # a line for the status bar ("" clears it)

    def __init__(
        self, conn: sqlite3.Connection, user: Any, settings: QSettings, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.conn = conn
        self.user = user
        self.settings = settings
        self.can_decide = user is not None and getattr(user, "role", None) == "clerk"
        self.last_shown_at = 0.0  # perf_counter when the detail pane last showed a count

        self.model = QueueModel(conn, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._filter_bar())  # two rows: search and actions, filters

        self._fit_table = _FitTable()
        self.table: QTableView = self._fit_table
        self.table.setAccessibleName("Review queue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # long names: "…", tooltip whole
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.size_columns()
        self._fit_table.resized.connect(self.fit_columns)
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
        self.detail.person_report.connect(self.show_person_report)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
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
        self.tab_order()

    def size_columns(self) -> None:
        """Each column's natural width: as wide as its widest value needs (names measured on
        the data, the badges and the headings in bold); then fitted to the list's width."""
        fm = self.table.fontMetrics()
        bold_font = self.table.font()
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        # Cell margins; a badge's inset (3+3) and text margins (4+4), and a little slack.
        pad, badge_pad = 16, 26
        names = core.longest_names(self.conn, 40)
        samples = {
            "dob": "0000-00-00",
            "conviction_date": "0000-00-00",
            "level": "M",
            "case_number": "MSB0000000",
            "section": "11360(A)(2)",
        }
        wide_reliefs = (
            ("redesignate_misdemeanor", None),
            ("resentence", "misdemeanor"),
            ("resentence", "infraction"),
        )
        natural: dict[str, int] = {}
        for i, col in enumerate(COLUMNS):
            if col.key == "name":
                width = max([fm.horizontalAdvance(n) for n in names] or [col.width - pad]) + pad
                width = min(width, 260)
            elif col.key == "relief":
                width = max(bold.horizontalAdvance(relief_text(*r)) for r in wide_reliefs)
                width += badge_pad
            elif col.key == "status":
                width = (
                    max(
                        bold.horizontalAdvance(w)
                        for w in ("With judge", "Re-review", "Sent back", "Approved", "Deferred")
                    )
                    + badge_pad
                )
            elif col.key in samples:
                width = fm.horizontalAdvance(samples[col.key]) + pad
            else:
                width = col.width
            heading = bold.horizontalAdvance(col.title) + pad + (12 if i == 0 else 0)
            natural[col.key] = max(width, heading)
        short = max(bold.horizontalAdvance(relief_short(*r)) for r in wide_reliefs) + badge_pad
        self._relief_short_width = max(short, bold.horizontalAdvance("Relief") + pad)
        self._natural = natural
        for i, col in enumerate(COLUMNS):
            self.table.setColumnWidth(i, natural[col.key])
        self.fit_columns()

    # The name column narrows to this before Level gives way; below it the list scrolls.
    NAME_MIN = 120
    # The relief keeps its whole words while the name keeps this much (or all it needs).
    NAME_WHOLE_RELIEF = 180
    # Shown only when the list has room for them beside a whole name (the detail pane shows
    # both for the selected count), dropped in this order.
    OPTIONAL_COLUMNS = ("dob", "flags")

    def fit_columns(self) -> None:
        """Fit the columns to the list's width, so nothing a clerk needs is out of view on a
        1366-pixel screen at 100 % or 125 %: the relief in short words when the full ones do
        not fit, a long name elided (whole on hover), Level hidden only when even that is not
        enough, and Flags and Born only where there is room."""
        natural = getattr(self, "_natural", None)
        avail = self.table.viewport().width()
        if not natural or avail <= 0:
            return
        keys = [c.key for c in COLUMNS]
        name_want = natural["name"]
        base = sum(natural[k] for k in ("case_number", "section", "level", "status"))
        base += natural["conviction_date"]
        relief = natural["relief"]
        if avail - base - relief < min(name_want, self.NAME_WHOLE_RELIEF):
            relief = min(relief, self._relief_short_width)
        left = avail - base - relief
        hidden: set[str] = set()
        if left < self.NAME_MIN:
            hidden.add("level")
            left += natural["level"]
        for key in reversed(self.OPTIONAL_COLUMNS):  # flags before the date of birth
            if left - natural[key] >= name_want:
                left -= natural[key]
            else:
                hidden.add(key)
        widths = dict(natural, relief=relief, name=max(self.NAME_MIN, left))
        for i, key in enumerate(keys):
            self.table.setColumnHidden(i, key in hidden)
            if key not in hidden:
                self.table.setColumnWidth(i, widths[key])

    def visible_columns(self) -> list[str]:
        return [c.key for i, c in enumerate(COLUMNS) if not self.table.isColumnHidden(i)]

    def table_width_needed(self, whole: bool = False) -> int:
        """Pixels the list needs for a clerk's columns (through the conviction date) and its
        scroll bar: with `whole`, every name and relief whole; otherwise the least — the
        relief in short words and the name at NAME_MIN (longer names elide)."""
        natural = getattr(self, "_natural", {})
        base = sum(
            natural.get(k, 0)
            for k in ("case_number", "section", "level", "status", "conviction_date")
        )
        if whole:
            base += natural.get("relief", 0) + natural.get("name", 0)
        else:
            base += self._relief_short_width + self.NAME_MIN
        slack = 8  # the splitter's rounding
        return (
            base
            + self.table.verticalScrollBar().sizeHint().width()
            + 2 * self.table.frameWidth()
            + slack
        )

    def tab_order(self) -> None:
        """Search, the filters, the list, the detail and its decision buttons, then the batch
        buttons."""
        chain(
            [
                self.search,
                *self._boxes().values(),
                self.table,
                self.detail.browser,
                *self.detail.buttons.values(),
                *((self.bulk_button, self.submit_button) if self.can_decide else ()),
            ]
        )

    # --- layout ------------------------------------------------------------------------
    def _combo(self, label: str, items: Sequence[tuple[str, str | None]]) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(f"Filter by {label.lower()}")
        box.setToolTip(f"Filter by {label.lower()}")
        for text, data in items:
            box.addItem(text, data)
        box.setMaxVisibleItems(25)
        # Sized by a short minimum, not by the longest choice (rule paths are long), so the
        # window still fits a 1366-pixel laptop screen; the open list shows whole choices.
        box.setMinimumContentsLength(9)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        box.currentIndexChanged.connect(self.apply_filters)
        return box

    def _fit_popups(self) -> None:
        """Open lists as wide as their longest choice (up to 900 px)."""
        for box in self._boxes().values():
            width = box.view().sizeHintForColumn(0) + 40
            box.view().setMinimumWidth(min(max(width, box.width()), 1000))

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
        self.search.setMinimumWidth(200)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        bar.addWidget(self.search, 1)
        self.status_box = self._combo(
            "Status",
            [("All statuses", None)]
            + [(status_badge(s).text, s) for s in STATUSES]
            + [("Re-review (re-evaluated)", "rereview"), ("Sent back by the judge", "sent_back")],
        )
        self.relief_box = self._combo(
            "Relief", [("All reliefs", None)] + [(relief_text(r), r) for r in RELIEFS]
        )
        flags, paths, sections = core.filter_choices(self.conn)
        self.flag_box = self._combo(
            "Flag", [("Any flags", None)] + [(flag_text(f), f) for f in flags]
        )
        self.path_box = self._combo(
            "Rule path", [("All rule paths", None)] + [(rule_path_text(p), p) for p in paths]
        )
        self.path_box.setMinimumContentsLength(14)
        self.section_box = self._combo(
            "Section", [("All sections", None)] + [(s, s) for s in sections]
        )
        # Cannabis counts by default; the related counts the evaluation also lists (other
        # charges of the same arrest, look-alikes such as HS 11357.5) only when asked for.
        self.scope_box = self._combo(
            "Counts",
            [
                ("Cannabis counts", "cannabis"),
                ("Related counts", "related"),
                ("All counts", "@all"),
            ],
        )
        self.scope_box.setToolTip(
            "Which counts: the cannabis counts (HS 11357–11360), the "
            "related counts of the same cases, or all"
        )
        for w in (
            self.scope_box,
            self.status_box,
            self.relief_box,
            self.flag_box,
            self.path_box,
            self.section_box,
        ):
            filters.addWidget(w, 1)
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Counts shown")
        bar.addWidget(self.count_label)
        self.sealed_box: QCheckBox | None = None
        if access.may_see_sealed(self.user):
            # Records officers and judges may show sealed counts; each showing is audited.
            self.sealed_box = QCheckBox("Show &sealed")
            self.sealed_box.setAccessibleName("Show sealed counts (audited)")
            self.sealed_box.setToolTip(
                "Also list counts whose order is signed (sealed). Each "
                "showing and each sealed record opened is written to the "
                "audit log."
            )
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
        """Ctrl+F, Ctrl+Z and Esc work anywhere in the queue. The single-letter keys (decisions
        and J/K) only while the list or the detail pane has keyboard focus: in the search box or
        a filter list a letter does what that widget does (types, or picks the choice starting
        with it) and never records a decision."""

        def sc(keys: str, fn: Any, parent: QWidget | None = None) -> QShortcut:
            s = QShortcut(QKeySequence(keys), parent or self, fn)
            s.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            return s

        sc("Ctrl+F", self.focus_search)
        letters = [("J", lambda: self.step_row(1)), ("K", lambda: self.step_row(-1))]
        if self.can_decide:
            letters += [
                ("A", lambda: self.do_action("approve")),
                ("R", lambda: self.do_action("reject")),
                ("C", lambda: self.do_action("change")),
                ("D", lambda: self.do_action("defer")),
            ]
            sc("Ctrl+Z", self.undo)
        self.letter_shortcuts = [
            sc(k, fn, w) for w in (self.table, self.detail) for k, fn in letters
        ]
        sc("Escape", lambda: self.table.setFocus())

    # --- filters -----------------------------------------------------------------------
    def current_filters(self) -> QueueFilters:
        return QueueFilters(
            status=self.status_box.currentData(),
            relief=self.relief_box.currentData(),
            flag=self.flag_box.currentData(),
            rule_path=self.path_box.currentData(),
            section=self.section_box.currentData(),
            search=self.search.text().strip(),
            scope=None if self.scope_box.currentData() == "@all" else self.scope_box.currentData(),
            include_sealed=bool(self.sealed_box and self.sealed_box.isChecked()),
        )

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
            (self.flag_box, [("Any flags", None)], [(flag_text(f), f) for f in flags]),
            (self.path_box, [("All rule paths", None)], [(rule_path_text(p), p) for p in paths]),
            (self.section_box, [("All sections", None)], [(s, s) for s in sections]),
        ):
            keep = box.currentData()
            box.blockSignals(True)
            box.clear()
            for text, data in base + items:
                box.addItem(text, data)
            box.setCurrentIndex(max(0, box.findData(keep)))
            box.blockSignals(False)
        self._fit_popups()

    def reset_filters(self) -> list[str]:
        """Back to the default list (cannabis counts, every status, no search), so counts an
        import added are not hidden; returns the names of the filters that were set."""
        was = []
        if self.search.text().strip():
            was.append("search")
        for key, box in self._boxes().items():
            if box.currentIndex() != 0:
                was.append(key.replace("_", " "))
            box.blockSignals(True)
            box.setCurrentIndex(0)
            box.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply_filters()
        return was

    def stop_timers(self) -> None:
        """No search runs after the window closed (its connection may be gone)."""
        self._search_timer.stop()

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
            idx,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(idx)

    def current_count(self) -> int | None:
        idx = self.table.currentIndex()
        return self.model.count_id_at(idx.row()) if idx.isValid() else None

    def step_row(self, step: int) -> None:
        """Move the selection `step` rows down (up when negative), staying inside the list."""
        row = self.table.currentIndex().row()
        target = max(0, min(self.model.rowCount() - 1, row + step))
        if self.model.rowCount():
            self.select_row(target)

    def _current_changed(self, current: Any, _previous: Any) -> None:
        self.show_count(self.model.count_id_at(current.row()) if current.isValid() else None)

    def show_count(self, count_id: int | None) -> None:
        if count_id is None:
            self.detail.show_detail(None)
            self._update_actions()
            return
        try:
            # Reading checks the role; a sealed count's read is audited (review/access.py).
            detail = load_detail_for(self.conn, self.user, count_id)
        except UserError as exc:
            self.detail.show_detail(None)
            self.count_label.setText(str(exc))
            self._update_actions()
            return
        self.detail.show_detail(detail)
        self._update_actions()
        if self.user is not None:
            try:
                core.mark_opened(self.conn, self.user, count_id)
            except UserError:
                pass  # a busy database must not stop the clerk from reading
        self.last_shown_at = time.perf_counter()

    # --- decisions ---------------------------------------------------------------------
    def current_life(self) -> CountLife | None:
        idx = self.table.currentIndex()
        return self.model.life_at(idx.row()) if idx.isValid() else None

    def refusal(self, name: str) -> str | None:
        """Why `name` cannot be done on the current count now (None when it can)."""
        if not self.can_decide:
            return "Only a clerk decides counts; this queue is read-only for you."
        if self.current_count() is None:
            return "Select a count first."
        life = self.current_life()
        return life.refusal(name) if life is not None else None

    def _update_actions(self) -> None:
        """Decision buttons on only where the decision is possible; the reason in the status
        bar when none is."""
        if not self.can_decide:
            return
        reasons = {name: self.refusal(name) for name, *_ in CLERK_ACTIONS}
        self.detail.set_action_states({n: r is None for n, r in reasons.items()}, reasons)
        blocked = [r for r in reasons.values() if r]
        if self.current_count() is not None and len(blocked) == len(reasons):
            self.message.emit(blocked[0])
        elif reasons.get("approve"):
            self.message.emit(reasons["approve"])
        else:
            self.message.emit("")

    def do_action(self, name: str) -> None:
        if not self.can_decide:
            return
        count_id = self.current_count()
        if count_id is None:
            return
        why_not = self.refusal(name)
        if why_not:
            self.message.emit(why_not)
            return
        what = count_words(self.detail.detail) if self.detail.detail else "this count"
        try:
            if name == "approve":
                core.approve(self.conn, self.user, [count_id])
            elif name == "defer":
                core.defer(self.conn, self.user, [count_id])
            elif name == "reject":
                reject_dlg = RejectDialog(what, self)
                if not reject_dlg.exec():
                    return
                core.reject(self.conn, self.user, [count_id], reject_dlg.reason())
            elif name == "change":
                current = self.detail.detail.determination["relief"] if self.detail.detail else None
                change_dlg = ChangeDialog(current, self, what)
                if not change_dlg.exec():
                    return
                relief, target, reason = change_dlg.chosen()
                core.change(self.conn, self.user, count_id, relief, target, reason)
            else:
                return
        except UserError as exc:
            QMessageBox.warning(self, "Not done", user_message(str(exc)))
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
            QMessageBox.information(self, "Nothing undone", user_message(str(exc)))
            return
        self.model.refresh_counts(ids)
        row = self.model.row_of(ids[0]) if ids else None
        if row is not None:
            self.select_row(row)
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
            n = len(dlg.approved_ids)
            self.message.emit(
                f"Approved {n:,} count{'s' if n != 1 else ''} of the rule path "
                f"“{rule_path_text(dlg.chosen_path or '')}”."
            )

    def submit_batch(self) -> None:
        pending = core.submittable(self.conn)
        if not pending:
            QMessageBox.information(
                self,
                "Nothing to submit",
                "No approved or changed counts are waiting to go to the "
                "judge. Approve or change counts first.",
            )
            return
        total = sum(n for _, n in pending)
        lines = "".join(f"<li>{n:,} — {escape(rule_path_text(p))}</li>" for p, n in pending[:12])
        if len(pending) > 12:
            rest = sum(n for _, n in pending[12:])
            lines += f"<li>{rest:,} — {len(pending) - 12} other rule paths</li>"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Submit a batch to the judge",
            f"<p>Send <b>{total:,} count{'s' if total != 1 else ''}</b> (every "
            "approved or changed count not yet in a batch) to the judge for the "
            "spot-check?</p><p>By rule path:</p><ul>" + lines + "</ul><p>Counts in "
            "a batch can no longer be decided unless the judge sends them back.</p>",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        send = box.addButton(f"Submit {total:,} counts", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not send:
            return
        try:
            batch_id = core.submit_batch(self.conn, self.user)
        except UserError as exc:
            QMessageBox.warning(self, "Batch not submitted", user_message(str(exc)))
            return
        n = core.batch_size(self.conn, batch_id)
        text = (
            f"{n:,} count{'s' if n != 1 else ''} went to the judge in batch {batch_id} for "
            "the spot-check."
        )
        QMessageBox.information(self, "Batch submitted", text)
        self.message.emit(text)
        self.model.refresh_all_rows()
        self.show_count(self.current_count())
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

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._fit_popups()
        if not self._splitter_restored:
            self._splitter_restored = True
            # After the layout has given the splitter its real width: the detail pane gets 36 %
            # but never less than it needs, the table the rest (and later growth).
            QTimer.singleShot(0, self._default_split)

    def _default_split(self) -> None:
        """The list gets what it needs to show its columns through the conviction date whole
        (and the rest of the width beyond 36 % for the detail pane); the detail pane never less
        than it needs."""
        w = self.splitter.width() - self.splitter.handleWidth()
        least = self.detail.minimumSizeHint().width()
        detail = max(int(w * 0.36), least)
        full, need = self.table_width_needed(whole=True), self.table_width_needed()
        if w - detail < full:
            # Room for every column whole while the detail pane keeps 340 pixels; on a
            # narrower screen (125 %) the list's least, and the detail pane 280 at the least.
            detail = max(w - full, least, 340)
            if w - detail < need:
                detail = max(w - need, least, 280)
        self.splitter.setSizes([w - detail, detail])

    def _boxes(self) -> dict[str, QComboBox]:
        return {
            "scope": self.scope_box,
            "status": self.status_box,
            "relief": self.relief_box,
            "flag": self.flag_box,
            "rule_path": self.path_box,
            "section": self.section_box,
        }

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("queue/splitter", self.splitter.saveState())
        s.setValue("queue/search", self.search.text())
        for key, box in self._boxes().items():
            data = box.currentData()
            s.setValue(f"queue/filter_{key}", "@none" if data is None else data)

    def show_person_report(self, subject_id: int) -> object:
        """What happened to the record of the person shown (issue 19 §4)."""
        from desktop.ui.person_report_dialog import open_person_report

        self.person_report_dialog = open_person_report(self.conn, self.user, subject_id, self)
        return self.person_report_dialog
