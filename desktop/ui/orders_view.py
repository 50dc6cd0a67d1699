"""The Orders view: the orders register with each order's status; open, print and verify orders;
and, for a judge, rendering and signing an accepted batch off the UI thread with progress and
Cancel. The judge picks the PKCS#12 key file and types its passphrase each time; the passphrase
lives only in the rendering job and is never stored."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import UserError
from desktop.orders.register import OrderRow, list_orders, mark_printed, order_file
from desktop.review import access
from desktop.tokens import TokenKey
from desktop.ui.labels import user_message, when
from desktop.ui.workers import start_worker

_ROOT = QModelIndex()
RULINGS = -1  # the batch box's entry for the orders made from rulings (issue 19)
KINDS = {
    "one_case": "One case",
    "bulk": "Bulk",
    "resentence": "Resentencing",
    "after_hearing": "After hearing",
    "denial": "Denial",
    "petition_order": "Petition/application",
}
STATUS_TEXT = {"prepared": "Prepared (not signed)", "signed": "Signed", "printed": "Printed"}
METHOD_TEXT = {"ink": " (ink)", "external": " (court system)"}


def status_text(r: OrderRow) -> str:
    """What the register says of an order, in words: not produced (why in the tooltip), waiting
    for resentencing terms, printed for an ink signature, or signed and how."""
    if r.status == "prepared":
        if r.problem:
            return "Withdrawn (sent back)" if r.problem.startswith("withdrawn") else "NOT PRODUCED"
        if r.unsigned_path:
            return "Printed for signature"
        if r.kind == "resentence":
            return "Waiting for terms"
        return STATUS_TEXT["prepared"]
    return STATUS_TEXT.get(r.status, r.status) + METHOD_TEXT.get(r.signature_method or "", "")


class _FitTable(QTableView):
    """The register's list; says when its width changes, so its columns are fitted again."""

    resized = Signal()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class _ElideMiddle(QStyledItemDelegate):
    """Elides in the middle ('P64-2CD4…-2026-000003'), so the order's own number shows."""

    def initStyleOption(self, option: Any, index: Any) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


@dataclass(frozen=True)
class OrderColumn:
    key: str
    title: str  # short, so the register fits a 1366-pixel screen at 125 %
    tip: str  # the heading in full, on hover
    sample: str  # the widest value expected, for the width before any rows are read
    least: str = ""  # an elided value the column may narrow to (hover shows it whole); "" keeps it


COLUMNS: tuple[OrderColumn, ...] = (
    OrderColumn(
        "order_no",
        "Order",
        "Order number (hover a number to read it whole)",
        "P64-DDDDDDDD-00-0000-000000",
        "P64-…-0000-000000",
    ),
    OrderColumn("kind", "Kind", "Kind of order", "Resentencing"),
    OrderColumn(
        "cases", "Case", "Case number(s) (hover to read them all)", "MSB0000000", "MSB000…"
    ),
    OrderColumn(
        "names",
        "Person",
        "Person or people named (hover to read them all)",
        "ARCHULETA, TERRENCE RW",
        "ARCHULE…",
    ),
    OrderColumn("counts", "Counts", "Counts in the order", "000"),
    OrderColumn("status", "Status", "Where the order stands", "Prepared (not signed)"),
    OrderColumn("check", "Check", "Result of the last signature check (hover for it)", "Verified"),
    # A time is never elided: its zone and minute are what a reader needs.
    OrderColumn("signed_at", "Signed", "Signed at (the court's time)", "0000-00-00 00:00 PST"),
    OrderColumn("printed_at", "Printed", "Printed at (the court's time)", "0000-00-00 00:00 PST"),
    OrderColumn("signer", "Signer", "Signed by", "Hon. Adaeze Okafor", "Hon. A…"),
    OrderColumn("batch", "Batch", "Batch of the order (— for orders from rulings)", "0000"),
)
HEADERS = tuple(c.title for c in COLUMNS)
CHECK_COLUMN = HEADERS.index("Check")
# Hidden, in this order, only when the register does not fit even with its long texts elided
# (each shows in the order number's tooltip, and the batch in the batch box); an empty Check
# column goes before the kind.
LAST_RESORT = ("batch", "counts", "kind")


def _short(text: str, limit: int = 60) -> str:
    text = (text or "").replace(",", ", ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class OrdersModel(QAbstractTableModel):
    """The register as rows; `checks` holds the last verification result per order number."""

    checked = Signal()  # the first check result came in (the Check column may be wanted now)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[OrderRow] = []
        self.checks: dict[str, tuple[bool, str]] = {}

    def set_rows(self, rows: list[OrderRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_check(self, order_no: str, ok: bool, text: str) -> None:
        first = not self.checks
        self.checks[order_no] = (ok, text)
        if first:
            self.checked.emit()
        for i, r in enumerate(self.rows):
            if r.order_no == order_no:
                self.dataChanged.emit(self.index(i, CHECK_COLUMN), self.index(i, CHECK_COLUMN))

    def texts(self, r: OrderRow) -> tuple[str, ...]:
        """What each column shows of an order (times on the court's clock)."""
        check = self.checks.get(r.order_no)
        values = (
            r.order_no,
            KINDS.get(r.kind, r.kind),
            _short(r.case_numbers),
            _short(r.names),
            r.counts,
            status_text(r),
            ("Verified" if check[0] else "FAILED") if check else "",
            when(r.signed_at),
            when(r.printed_at),
            r.signer or "",
            r.batch_id if r.batch_id is not None else "—",
        )
        return tuple(str(v) for v in values)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tip
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.texts(r)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == CHECK_COLUMN and r.order_no in self.checks:
                return self.checks[r.order_no][1]
            if col in (2, 3):
                return (
                    (r.case_numbers if col == 2 else r.names).replace(",", "\n").replace("; ", "\n")
                )
            key = COLUMNS[col].key
            if key == "signer" and r.signer:
                return r.signer
            if key == "order_no":  # whole, with what a narrow register may hide
                batch = f"batch {r.batch_id}" if r.batch_id is not None else "from rulings"
                return (
                    f"{r.order_no}: {KINDS.get(r.kind, r.kind)}, {r.counts} count(s), {batch}\n"
                    + (
                        r.problem
                        or r.warnings
                        or r.file_path
                        or r.unsigned_path
                        or "not rendered yet"
                    )
                )
            if r.problem:
                return r.problem
            if r.warnings:
                return r.warnings
            return r.file_path or r.unsigned_path or "not rendered yet"
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and col == CHECK_COLUMN
            and r.order_no in self.checks
        ):
            from PySide6.QtGui import QColor

            return QColor("#1d5e2a" if self.checks[r.order_no][0] else "#a00000")
        return None


def render_summary(batch: int, outcomes: list[Any], out_dir: Path, signed: bool = True) -> str:
    """One message for a render: how many made, already made, waiting for terms, not produced."""
    made = sum(1 for o in outcomes if o.written)
    waiting = [o.order_no for o in outcomes if o.waiting]
    failed = [o for o in outcomes if o.problem]
    cut = sum(1 for o in outcomes if o.warnings)
    text = (
        f"Batch {batch}: {len(outcomes)} orders in {out_dir} ({made} "
        f"{'signed' if signed else 'written for signature'} now, "
        f"{len(outcomes) - made - len(waiting) - len(failed)} already made)."
    )
    if waiting:
        text += (
            f" {len(waiting)} resentencing order(s) wait for their terms: {', '.join(waiting[:5])}."
        )
    if cut:
        text += f" {cut} order(s) print a shortened name or entry (see the order's tooltip)."
    if failed:
        text += (
            f" NOT PRODUCED ({len(failed)}): "
            + "; ".join(f"{o.order_no}: {o.problem}" for o in failed[:3])
            + ". A judge can send these back (reliefdesk orders send-back)."
        )
    return text


class RecordSignatureDialog(QDialog):
    """Who signed the printed order, when and how, and optionally the scanned signed copy."""

    def __init__(self, order_no: str, judges: list[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Record the signature of order {order_no}")
        form = QFormLayout(self)
        self.judge_box = QComboBox()
        self.judge_box.addItems(judges)
        self.judge_box.setAccessibleName("Judge who signed")
        self.when_edit = QDateTimeEdit(QDateTime.currentDateTime())
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setAccessibleName("When the judge signed (this computer's time)")
        self.how_box = QComboBox()
        self.how_box.addItem("In ink on the printed order", "ink")
        self.how_box.addItem("In the court's case or document system", "external")
        self.how_box.setAccessibleName("How the judge signed")
        self.scan_edit = QLineEdit()
        self.scan_edit.setAccessibleName("Scanned signed copy (optional)")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.scan_edit, 1)
        row.addWidget(browse)
        form.addRow("&Judge:", self.judge_box)
        form.addRow("Signed &at:", self.when_edit)
        form.addRow("&How:", self.how_box)
        form.addRow("&Scan (optional):", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Scanned signed order", "", "Scans (*.pdf *.png *.jpg *.jpeg *.tif *.tiff)"
        )
        if path:
            self.scan_edit.setText(path)

    def judge(self) -> str:
        return self.judge_box.currentText()

    def signed_at(self) -> datetime:
        moment = self.when_edit.dateTime().toPython()
        assert isinstance(moment, datetime)
        return moment.astimezone()

    def method(self) -> str:
        return str(self.how_box.currentData())

    def scan(self) -> Path | None:
        return Path(self.scan_edit.text()) if self.scan_edit.text().strip() else None


class OrdersView(QWidget):
    changed = Signal()

    def __init__(
        self,
        conn: sqlite3.Connection,
        db_path: Path,
        user: Any,
        settings: QSettings,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.conn, self.db_path, self.user, self.settings = conn, Path(db_path), user, settings
        self.is_judge = getattr(user, "role", None) == "judge"
        self.worker: Any = None
        self.thread: Any = None
        self.last_outcome: dict[str, Any] = {}
        self.setAccessibleName("Orders")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        top = QHBoxLayout()
        batch_label = QLabel("&Batch:")
        top.addWidget(batch_label)
        self.batch_box = QComboBox()
        self.batch_box.setAccessibleName("Show the orders of this batch")
        self.batch_box.setMinimumContentsLength(26)
        self.batch_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        # Wider where the row has room, so 'Batch 12 — 1,234 counts, accepted by judge' shows
        # whole at 100 %; at 125 % it may elide (the row must still fit 1366 pixels).
        self.batch_box.setMaximumWidth(
            self.batch_box.fontMetrics().horizontalAdvance(
                "Batch 00 — 0,000 counts, accepted by judge"
            )
            + 48
        )
        batch_label.setBuddy(self.batch_box)
        top.addWidget(self.batch_box, 10)  # up to its maximum before the stretch after it
        self.count_label = QLabel("")  # under the list, so the top row fits 1366 px at 125 %
        self.count_label.setAccessibleName("Orders shown")
        top.addStretch(1)
        self.summary_button = QPushButton("Su&mmary report")
        self.summary_button.setAccessibleName(
            "Make and show the summary report of the latest evaluation"
        )
        self.summary_button.clicked.connect(lambda _=False: self.summary_report())
        top.addWidget(self.summary_button)
        self.bulk_check = QCheckBox("One bul&k order")
        self.bulk_check.setToolTip(
            "One bulk order with a schedule of every case, instead of one "
            "order per case (resentencing always gets its own order)"
        )
        self.bulk_check.setAccessibleName("Render one bulk order instead of one order per case")
        self.preview_button = QPushButton("Previe&w orders…")
        self.preview_button.setAccessibleName(
            "Read the orders of the selected batch before signing them"
        )
        self.preview_button.clicked.connect(lambda _=False: self.preview_dialog())
        self.render_button = QPushButton("&Render and sign…")
        self.render_button.setObjectName("primary")
        self.render_button.setAccessibleName("Render and sign the orders of the selected batch")
        self.render_button.clicked.connect(self.render_dialog)
        self.rulings_button = QPushButton("Orders from r&ulings…")
        self.rulings_button.setAccessibleName(
            "Make and sign the orders of a matter's rulings or of one day's hearings"
        )
        self.rulings_button.clicked.connect(lambda _=False: self.rulings_dialog())
        if self.is_judge:
            top.addWidget(self.bulk_check)
            top.addWidget(self.preview_button)
            top.addWidget(self.render_button)
        outer.addLayout(top)

        self.model = OrdersModel(self)
        self.table = _FitTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Orders register")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        # The columns are fitted to the list's width (fit_columns), the spare room to the names.
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # long texts: "…", whole on hover
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # An order number's distinguishing end stays in view when its column is narrow.
        self.table.setItemDelegateForColumn(0, _ElideMiddle(self.table))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.resized.connect(self.fit_columns)
        self.model.checked.connect(self.fit_columns)
        self._natural: dict[str, int] = {}
        self._least: dict[str, int] = {}
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        outer.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.open_button = self._button(
            "&Open", "Open the selected order's PDF", self.open_selected
        )
        self.print_button = self._button("&Print…", "Print the selected orders", self.print_dialog)
        self.print_batch_button = self._button(
            "Print &all shown…",
            "Print every order shown",
            lambda: self.print_dialog(all_shown=True),
        )
        self.verify_button = self._button(
            "&Verify", "Verify the signatures of the selected orders", self.verify_selected
        )
        self.export_button = self._button(
            "&Export DOJ and court updates…",
            "Write the DOJ and court update CSV files of the batch",
            self.export_dialog,
        )
        self.unsigned_button = self._button(
            "Print for &ink signature…",
            "Write the batch's orders "
            "unsigned, with a signature line, for a signature in "
            "ink or in the court's own system",
            self.unsigned_dialog,
        )
        self.record_button = self._button(
            "&Record signature…",
            "Record that the selected order was signed in ink or in the court's own system",
            self.record_dialog,
        )
        self.certify_button = self._button(
            "&Certified copy…",
            "Make a certified copy of the selected signed order for the person, counsel or an "
            "agency",
            self.certify_dialog,
        )
        self.send_back_button = self._button(
            "Send &back…",
            "Send the counts of the selected order, which could not be produced, back to the clerk",
            self.send_back_dialog,
        )
        # Two rows, so the view fits a 1366 px screen at 100 % and 125 %: reading and printing
        # the register, then signing outside the program and the batch's exports.
        for b in (self.open_button, self.print_button, self.print_batch_button, self.verify_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.count_label)
        outer.addLayout(actions)
        signing = QHBoxLayout()
        for b in (self.unsigned_button, self.record_button):
            signing.addWidget(b)
        if self.is_judge:
            signing.addWidget(self.send_back_button)
            signing.addWidget(self.rulings_button)
        if getattr(user, "role", None) in ("clerk", "records_officer"):
            signing.addWidget(self.certify_button)  # the clerk's attestation
        signing.addStretch(1)
        signing.addWidget(self.export_button)
        outer.addLayout(signing)

        self.progress_row = QWidget()
        pr = QHBoxLayout(self.progress_row)
        pr.setContentsMargins(0, 0, 0, 0)
        self.progress_label = QLabel("")
        self.progress_label.setAccessibleName("Progress step")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setAccessibleName("Cancel the rendering")
        self.cancel_button.clicked.connect(self.cancel)
        pr.addWidget(self.progress_label)
        pr.addWidget(self.progress, 1)
        pr.addWidget(self.cancel_button)
        self.progress_row.hide()
        outer.addWidget(self.progress_row)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Result of the last action")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.message)

        self.batch_box.currentIndexChanged.connect(self._show_orders)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        sc = QShortcut(QKeySequence("Return"), self.table, self.open_selected)
        sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.refresh()

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        b = QPushButton(text)
        b.setAccessibleName(name)
        b.clicked.connect(lambda _=False: slot())
        return b

    # --- data ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the batches and the register (after a batch is accepted or orders change)."""
        keep = self.batch_box.currentData()
        from desktop.ui import core

        batches = [b for b in core.list_batches(self.conn) if b["status"] == "accepted"]
        self.batch_box.blockSignals(True)
        self.batch_box.clear()
        self.batch_box.addItem("All batches", None)
        self.batch_box.addItem("Orders from rulings", RULINGS)
        for b in batches:
            self.batch_box.addItem(
                f"Batch {b['id']} — {b['items']:,} counts, accepted by {b['accepted_by']}", b["id"]
            )
        i = self.batch_box.findData(keep) if keep is not None else -1
        if i < 0 and batches:
            i = self.batch_box.findData(batches[0]["id"])  # the newest accepted batch
        self.batch_box.setCurrentIndex(max(0, i))
        self.batch_box.blockSignals(False)
        self._show_orders()

    def _show_orders(self) -> None:
        shown = self.batch_box.currentData()
        if shown == RULINGS:
            rows = list_orders(self.conn, from_rulings=True)
        else:
            rows = list_orders(self.conn, shown)
        try:
            # Signed orders' people are sealed: names for records officers and judges (audited).
            rows = access.register_rows(self.conn, self.user, rows, "orders view")
        except UserError:
            rows = []
        self.model.set_rows(rows)
        self.size_columns()
        signed = sum(1 for r in rows if r.status != "prepared")
        printed = sum(1 for r in rows if r.status == "printed")
        self.count_label.setText(f"{len(rows):,} orders, {signed:,} signed, {printed:,} printed")
        if rows:
            self.table.selectRow(0)
        self._update_buttons()

    def size_columns(self) -> None:
        """Each column's natural width: as wide as its widest value shown (or its sample before
        any rows are read) and its heading in bold; then fitted to the list's width."""
        fm = self.table.fontMetrics()
        bold_font = self.table.font()
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        pad = 16  # the cell's margins and a little slack
        m = self.model
        natural: dict[str, int] = {}
        least: dict[str, int] = {}
        for col, c in enumerate(COLUMNS):
            texts = [c.sample]
            if m.rows:
                shown = [m.texts(r)[col] for r in m.rows[:5000]]
                texts = sorted(shown, key=len, reverse=True)[:20] or [""]
                if c.key in ("signed_at", "printed_at", "check") and not any(texts):
                    texts = [c.sample]  # room for the time or result once there is one
            width = max(fm.horizontalAdvance(t) for t in texts) + pad
            natural[c.key] = max(width, bold.horizontalAdvance(c.title) + pad)
            floor = bold.horizontalAdvance(c.title) + pad
            if c.least:
                floor = max(floor, fm.horizontalAdvance(c.least) + pad)
            least[c.key] = min(natural[c.key], floor) if c.least else natural[c.key]
        self._natural, self._least = natural, least
        self.fit_columns()

    def fit_columns(self) -> None:
        """Fit the columns to the list's width, so the register does not scroll sideways on a
        1366-pixel screen at 100 % or 125 %: the long texts (order number, cases, people, times,
        signer) narrow towards their elided least (whole on hover), and only when that is not
        enough the batch, the count and the kind are hidden (the order number's tooltip tells
        them); spare room goes to the people named."""
        natural, least = self._natural, self._least
        avail = self.table.viewport().width()
        if not natural or avail <= 0:
            return
        keys = [c.key for c in COLUMNS]
        hidden: set[str] = set()
        # An empty Check column (no order verified yet) gives way before the kind of order.
        order = LAST_RESORT if self.model.checks else (*LAST_RESORT[:-1], "check", "kind")
        for key in order:
            if sum(least[k] for k in keys if k not in hidden) <= avail:
                break
            hidden.add(key)
        shown = [k for k in keys if k not in hidden]
        widths = {k: natural[k] for k in shown}
        over = sum(widths.values()) - avail
        if over > 0:
            slack = sum(natural[k] - least[k] for k in shown)
            share = min(1.0, over / slack) if slack else 0.0
            for k in shown:
                widths[k] -= math.ceil((natural[k] - least[k]) * share)
            widths = {k: max(least[k], w) for k, w in widths.items()}
        spare = avail - sum(widths.values())
        if spare > 0:
            widths["names"] += spare
        for i, key in enumerate(keys):
            self.table.setColumnHidden(i, key in hidden)
            if key not in hidden:
                self.table.setColumnWidth(i, widths[key])

    def visible_columns(self) -> list[str]:
        return [c.key for i, c in enumerate(COLUMNS) if not self.table.isColumnHidden(i)]

    def selected_orders(self) -> list[OrderRow]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r] for r in rows]

    def _update_buttons(self) -> None:
        busy = self.worker is not None
        has = bool(self.selected_orders())
        for b in (self.open_button, self.print_button, self.verify_button):
            b.setEnabled(has and not busy)
        self.print_batch_button.setEnabled(bool(self.model.rows) and not busy)
        shown = self.batch_box.currentData()
        batch = shown if shown != RULINGS else None
        sel = self.selected_orders()
        self.export_button.setEnabled(
            not busy
            and (
                batch is not None or (shown == RULINGS and any(r.status != "prepared" for r in sel))
            )
        )
        self.render_button.setEnabled(self.is_judge and batch is not None and not busy)
        self.preview_button.setEnabled(self.is_judge and batch is not None and not busy)
        self.rulings_button.setEnabled(self.is_judge and not busy)
        court_user = getattr(self.user, "role", None) in ("clerk", "judge")
        self.unsigned_button.setEnabled(court_user and batch is not None and not busy)
        self.certify_button.setEnabled(
            getattr(self.user, "role", None) in ("clerk", "records_officer")
            and len(sel) == 1
            and sel[0].status != "prepared"
            and not busy
        )
        self.record_button.setEnabled(
            court_user
            and len(sel) == 1
            and not busy
            and sel[0].status == "prepared"
            and bool(sel[0].unsigned_path)
            and not sel[0].problem
        )
        self.send_back_button.setEnabled(
            self.is_judge
            and len(sel) == 1
            and not busy
            and sel[0].status == "prepared"
            and sel[0].counts > 0
            and (bool(sel[0].problem) or sel[0].kind == "resentence")
        )

    # --- open / print / verify -----------------------------------------------------------
    def open_selected(self) -> None:
        for order in self.selected_orders()[:10]:  # one viewer window per order, a few at most
            try:
                if order.status == "prepared" and order.unsigned_path:
                    path = Path(order.unsigned_path)
                    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
                    continue
                path = order_file(order)
            except UserError as exc:
                QMessageBox.warning(self, "Cannot open the order", str(exc))
                return
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                # No PDF viewer on this computer: ReliefDesk's own.
                self.show_pdfs(f"Order {order.order_no}", [(order.order_no, path)])

    def print_dialog(self, all_shown: bool = False) -> None:
        orders = self.model.rows if all_shown else self.selected_orders()
        if not orders:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(f"Print {len(orders)} order{'s' if len(orders) != 1 else ''}")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_orders([o.order_no for o in orders], printer)

    def print_orders(self, order_nos: list[str], printer: QPrinter) -> int:
        """Print the orders as one job and record each as printed; returns the pages printed."""
        from desktop.ui.printing import print_pdfs

        by_no = {r.order_no: r for r in list_orders(self.conn)}
        try:
            paths = [order_file(by_no[n]) for n in order_nos]
            self.message.setText(f"Printing {len(paths)} orders…")
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                pages = print_pdfs(paths, printer, progress=lambda *_: QApplication.processEvents())
            finally:
                QApplication.restoreOverrideCursor()
            for n in order_nos:
                mark_printed(self.conn, n, getattr(self.user, "name", None))
        except UserError as exc:
            QMessageBox.warning(self, "Not printed", str(exc))
            self.message.setText(f"Not printed: {exc}")
            return 0
        self.message.setText(f"Printed {len(order_nos)} orders ({pages} pages).")
        self._show_orders()
        self.changed.emit()
        return pages

    def verify_selected(self) -> None:
        orders = self.selected_orders()
        if orders:
            self.verify([o.order_no for o in orders])

    def verify(self, order_nos: list[str]) -> None:
        """Check each order's signature and that its file is the one the register recorded, on a
        worker thread; the Check column shows the result and its tooltip the details."""
        db_path = self.db_path

        def job(progress: Any) -> list[tuple[str, bool, str]]:
            from desktop.orders.register import verify_order
            from desktop.store import open_db

            conn = open_db(db_path).conn
            out = []
            try:
                for i, n in enumerate(order_nos):
                    progress(i, len(order_nos), f"Verifying {n}")
                    try:
                        r = verify_order(conn, n)
                        out.append((n, r.ok, r.line()))
                    except UserError as exc:
                        out.append((n, False, str(exc)))
                progress(len(order_nos), len(order_nos), "Verified")
            finally:
                conn.close()
            return out

        def done(results: list[tuple[str, bool, str]]) -> None:
            for n, ok, text in results:
                self.model.set_check(n, ok, text)
            bad = [t for _, ok, t in results if not ok]
            self.message.setText(
                f"{len(results) - len(bad)} of {len(results)} orders verified: "
                "signature valid, file unchanged since signing."
                + (" FAILED: " + "; ".join(bad[:3]) if bad else "")
            )
            self.last_outcome = {"verified": results}

        self._run("Verifying", job, done)

    # --- render and sign -----------------------------------------------------------------
    def render_dialog(self) -> None:
        """The judge chooses the signing certificate and the folder, then signs."""
        from desktop.demo import is_demo
        from desktop.ui.signing_dialog import SigningDialog

        batch = self.batch_box.currentData()
        if batch is None or batch == RULINGS or not self.is_judge:
            return
        try:
            orders = len(self._plan(batch))
        except UserError as exc:
            QMessageBox.warning(self, "Nothing to sign", user_message(str(exc)))
            return
        from desktop.review.settings import module_setting

        dlg = SigningDialog(
            orders=orders,
            batch=batch,
            out_dir=self.default_out_dir(batch),
            key_folder=str(self.settings.value("orders/key_folder", str(Path.home()))),
            demo=is_demo(self.conn),
            judge_name=f"Hon. {self.user.name}",
            module=module_setting(self.conn),
            parent=self,
        )
        self.last_signing_dialog = dlg
        chosen = self.chosen_key(dlg)
        if chosen is None:
            return
        key, passphrase, out = chosen
        self.settings.setValue("orders/out_folder", str(out.parent))
        self.render_and_sign(batch, key, passphrase, out, bulk=self.bulk_check.isChecked())

    def chosen_key(self, dlg: Any) -> tuple[Path | TokenKey, str, Path] | None:
        """Run the signing dialog; the key it names (a card, a file, or a demonstration key made
        now), its passphrase or PIN, and the folder. None when the judge cancels or it fails."""
        if not dlg.exec():
            return None
        key: Path | TokenKey | None
        key, passphrase, out, name = dlg.chosen()
        if dlg.uses_card():
            key = dlg.card_key()
            if key is None or not self.remember_module(dlg.module()):
                return None
        elif key is None:
            try:
                key = self.make_demo_key(name, passphrase)
            except UserError as exc:
                QMessageBox.warning(self, "No demonstration key", user_message(str(exc)))
                return None
        elif isinstance(key, Path):
            self.settings.setValue("orders/key_folder", str(key.parent))  # the folder only
        return key, passphrase, out

    def remember_module(self, module: str) -> bool:
        """The smart-card module the judge used becomes the court's setting (audited), so the
        next signing lists the card at once. False (and a message) when it cannot be saved."""
        from desktop.review.settings import module_setting, set_module

        if module == module_setting(self.conn):
            return True
        try:
            set_module(self.conn, self.user, module)
        except UserError as exc:
            QMessageBox.warning(self, "Smart-card module not saved", user_message(str(exc)))
            return False
        return True

    def make_demo_key(self, name: str, passphrase: str) -> Path:
        """A self-signed demonstration key in the data folder (demo databases only)."""
        from desktop.demo import is_demo
        from desktop.keys import create_demo_key
        from desktop.review.county import court_county

        if not is_demo(self.conn):
            raise UserError("a self-signed key can only be made in a demonstration database")
        folder = self.db_path.parent / "demo-keys"
        folder.mkdir(parents=True, exist_ok=True)
        stem = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-") or "judge"
        path = folder / f"{stem}-DEMO.p12"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{stem}-DEMO-{n}.p12"
        create_demo_key(
            name,
            "Judge of the Superior Court",
            path,
            passphrase,
            county=(court_county(self.conn) or "").upper(),
        )
        return path

    def _plan(self, batch: int) -> list[Any]:
        from desktop.orders.batch import plan_orders
        from desktop.orders.granted import granted_counts

        grants = granted_counts(self.conn, batch)
        if not grants:
            raise UserError(f"batch {batch} has no counts granted for orders")
        return plan_orders(self.conn, grants, bulk=self.bulk_check.isChecked(), template=None)

    def preview_dialog(self) -> int:
        """The orders about to be signed, as drafts in ReliefDesk's PDF viewer (each rendered
        when the judge turns to it); "Sign these orders…" goes on to signing. Returns the
        number of drafts listed."""
        from desktop.orders.preview import draft_plans

        batch = self.batch_box.currentData()
        if batch is None or batch == RULINGS:
            return 0
        try:
            plans = draft_plans(self.conn, batch, bulk=self.bulk_check.isChecked())
        except UserError as exc:
            QMessageBox.warning(self, "Nothing to preview", user_message(str(exc)))
            return 0
        waiting = [
            p
            for p in plans
            if p.plan.kind == "resentence" and any(e.terms is None for e in p.plan.entries)
        ]
        plans = [p for p in plans if p not in waiting]
        docs = [(p.short_label, (lambda p=p: p.render().pdf), p.label) for p in plans]
        later = (
            f" {len(waiting)} resentencing order{'s' if len(waiting) != 1 else ''} wait for "
            "their terms and are not shown."
            if waiting
            else ""
        )
        viewer = self._viewer(
            f"Orders of batch {batch} before signing",
            docs,
            intro=(
                f"{len(plans)} order{'s' if len(plans) != 1 else ''} as they will be signed "
                "(Page Down goes on to the next). The order numbers are given when they are "
                "signed." + later
            ),
            accept_text="Sign these orders…" if self.is_judge else None,
        )
        self.last_viewer = viewer
        if viewer.exec() and self.is_judge:
            self.render_dialog()
        return len(plans)

    def _viewer(self, title: str, docs: list[tuple[Any, ...]], **kw: Any) -> Any:
        from desktop.ui.pdf_viewer import PdfViewer

        return PdfViewer(title, docs, self, **kw)

    def show_pdfs(self, title: str, docs: list[tuple[str, Any]]) -> None:
        viewer = self._viewer(title, docs)
        self.last_viewer = viewer
        viewer.setModal(False)
        viewer.show()

    def summary_report(self) -> Path | None:
        """The summary report (charts) of the latest evaluation, written next to the orders and
        shown in ReliefDesk's viewer."""
        from desktop.orders.summary import write_summary

        out = self.db_path.parent / "reports" / "summary-latest-evaluation.pdf"
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            write_summary(self.conn, out, user=getattr(self.user, "name", None))
        except UserError as exc:
            QMessageBox.warning(self, "No summary report", user_message(str(exc)))
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.message.setText(f"Summary report written to {out}.")
        self.show_pdfs("Summary report", [("Summary report", out)])
        return out

    def default_out_dir(self, batch: int) -> Path:
        base = self.settings.value("orders/out_folder")
        return (
            Path(str(base)) / f"batch-{batch}"
            if base
            else self.db_path.parent / "orders" / f"batch-{batch}"
        )

    def render_and_sign(
        self,
        batch: int,
        key: Path | TokenKey,
        passphrase: str,
        out_dir: Path,
        *,
        bulk: bool = False,
    ) -> None:
        """Render and sign the batch's orders on a worker thread (its own connection)."""
        db_path, user = self.db_path, self.user.name

        def job(progress: Any) -> list[Any]:
            from desktop.orders.batch import render_batch
            from desktop.store import open_db

            conn = open_db(db_path).conn
            try:
                progress(0, 0, "Preparing the orders")
                return render_batch(
                    conn, batch, out_dir, key, passphrase, user=user, bulk=bulk, progress=progress
                )
            finally:
                conn.close()

        def done(outcomes: list[Any]) -> None:
            self.message.setText(render_summary(batch, outcomes, out_dir))
            self.last_outcome = {"rendered": outcomes}

        self._run(f"Signing the orders of batch {batch}", job, done)

    # --- wet ink and the court's own e-signature -----------------------------------------
    def _judges(self) -> list[str]:
        from desktop.review.users import active_judges

        return active_judges(self.conn)

    def unsigned_dialog(self) -> None:
        batch = self.batch_box.currentData()
        if batch is None or batch == RULINGS:
            return
        judges = self._judges()
        if not judges:
            QMessageBox.warning(self, "No judge", "There is no active judge's account to sign.")
            return
        judge, ok = QInputDialog.getItem(
            self, "Who will sign?", "Judge who signs the printed orders:", judges, 0, False
        )
        if not ok:
            return
        out = QFileDialog.getExistingDirectory(
            self, "Folder for the orders to sign", str(self.default_out_dir(batch))
        )
        if out:
            self.print_unsigned(batch, judge, Path(out))

    def print_unsigned(self, batch: int, judge: str, out_dir: Path) -> None:
        """Write the batch's orders unsigned (signature line blank) on a worker thread."""
        db_path, user = self.db_path, self.user.name

        def job(progress: Any) -> list[Any]:
            from desktop.orders.batch import render_batch
            from desktop.store import open_db

            conn = open_db(db_path).conn
            try:
                return render_batch(
                    conn,
                    batch,
                    out_dir,
                    None,
                    "",
                    user=user,
                    unsigned=True,
                    judge_user=judge,
                    progress=progress,
                )
            finally:
                conn.close()

        def done(outcomes: list[Any]) -> None:
            self.message.setText(render_summary(batch, outcomes, out_dir, signed=False))
            self.last_outcome = {"rendered": outcomes}

        self._run(f"Writing the orders of batch {batch} for signature", job, done)

    def send_back_dialog(self) -> None:
        sel = self.selected_orders()
        if len(sel) != 1:
            return
        note, ok = QInputDialog.getText(
            self, f"Send back the counts of order {sel[0].order_no}", "Note for the clerk:"
        )
        if ok:
            self.send_back(sel[0].order_no, note)

    def send_back(self, order_no: str, note: str) -> bool:
        """After acceptance, the judge sends back the counts of an order that could not be made."""
        from desktop.orders.actions import send_back_unproduced

        try:
            ids = send_back_unproduced(self.conn, self.user, order_no, note)
        except UserError as exc:
            QMessageBox.warning(self, "Not sent back", str(exc))
            self.message.setText(f"Not sent back: {exc}")
            return False
        self.message.setText(f"{order_no}: {len(ids)} count(s) sent back to the clerk.")
        self._show_orders()
        self.changed.emit()
        return True

    def record_dialog(self) -> None:
        sel = self.selected_orders()
        if len(sel) != 1:
            return
        dialog = RecordSignatureDialog(sel[0].order_no, self._judges(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.record_signature(
            sel[0].order_no, dialog.judge(), dialog.signed_at(), dialog.method(), dialog.scan()
        )

    def record_signature(
        self, order_no: str, judge: str, signed_at: Any, method: str, scan: Path | None
    ) -> bool:
        from desktop.orders.actions import record_signature

        try:
            row = record_signature(
                self.conn,
                self.user,
                order_no,
                judge=judge,
                signed_at=signed_at,
                method=method,
                scan=scan,
            )
        except UserError as exc:
            QMessageBox.warning(self, "Signature not recorded", str(exc))
            self.message.setText(f"Not recorded: {exc}")
            return False
        how = "in ink" if method == "ink" else "in the court system"
        self.message.setText(f"{row.order_no}: signed {how} by {row.signer}, recorded.")
        self._show_orders()
        self.changed.emit()
        return True

    # --- worker plumbing -----------------------------------------------------------------
    def _run(self, what: str, job: Any, done: Any) -> None:
        if self.worker is not None:
            return
        self.last_outcome = {}
        self.progress_label.setText(what + "…")
        self.progress.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.progress_row.show()
        self.thread, self.worker = start_worker(self, job)
        self._update_buttons()
        self.worker.progress.connect(self._progress)

        def finish(text: str | None, result: Any = None, failed: bool = False) -> None:
            self.worker = self.thread = None
            self.progress_row.hide()
            if failed:
                self.message.setText(text or "")
                self.last_outcome = {"error": text}
                QMessageBox.warning(self, "Not done", text or "")
            elif text is not None:
                self.message.setText(text)
                self.last_outcome = {"cancelled": True}
            else:
                done(result)
            self._show_orders()
            self.changed.emit()

        self.worker.finished.connect(lambda result: finish(None, result))
        self.worker.failed.connect(lambda msg: finish(msg, failed=True))
        self.worker.cancelled.connect(
            lambda: finish(
                "Cancelled. Orders signed before Cancel are kept; render the batch again to finish."
            )
        )

    def _progress(self, done: int, total: int, label: str) -> None:
        self.progress_label.setText(label)
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        else:
            self.progress.setRange(0, 0)

    def cancel(self) -> None:
        if self.worker is not None:
            self.progress_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
            self.worker.cancel()

    def busy(self) -> bool:
        return self.worker is not None

    # --- exports -------------------------------------------------------------------------
    def export_dialog(self) -> None:
        batch = self.batch_box.currentData()
        if batch == RULINGS:
            folder = QFileDialog.getExistingDirectory(
                self, "Folder for the update files", str(self.db_path.parent / "orders")
            )
            if folder:
                self.export_orders(
                    [r.order_no for r in self.selected_orders() if r.status != "prepared"],
                    Path(folder),
                )
            return
        if batch is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, "Folder for the update files", str(self.default_out_dir(batch))
        )
        if folder:
            self.export(batch, Path(folder))

    def export(self, batch: int, folder: Path) -> list[Path]:
        """The DOJ update (HS 11361.9(f)) and the court CMS update CSVs of the batch."""
        from desktop.orders.doj_export import write_export

        written = []
        try:
            for kind in ("doj-update", "court-update"):
                path = folder / f"batch-{batch}-{kind}.csv"
                n = write_export(
                    self.conn, batch, path, kind=kind, user=getattr(self.user, "name", None)
                )
                written.append(path)
                self.message.setText(f"Wrote {path} ({n:,} rows)")
        except UserError as exc:
            QMessageBox.warning(self, "Not exported", str(exc))
            return written
        self.message.setText("Wrote " + " and ".join(str(p) for p in written) + ".")
        return written

    def export_orders(self, order_nos: list[str], folder: Path) -> list[Path]:
        """The DOJ and court updates of the selected signed orders made from rulings (a denied
        count goes to the court's update only; docs/doj-update-format.md)."""
        from desktop.orders.doj_export import Selection, write_export

        written = []
        stem = order_nos[0] if len(order_nos) == 1 else f"{order_nos[0]}-and-{len(order_nos) - 1}"
        try:
            for kind in ("doj-update", "court-update"):
                path = folder / f"{stem}-{kind}.csv"
                write_export(
                    self.conn,
                    Selection(order_nos=tuple(order_nos)),
                    path,
                    kind=kind,
                    user=getattr(self.user, "name", None),
                )
                written.append(path)
        except UserError as exc:
            QMessageBox.warning(self, "Not exported", str(exc))
            return written
        self.message.setText("Wrote " + " and ".join(str(p) for p in written) + ".")
        return written

    # --- orders from rulings (issue 19) ----------------------------------------------------
    def rulings_dialog(self) -> None:
        """The judge picks a matter whose rulings wait for an order, or a hearing day; then the
        key and folder, as for a batch."""
        from desktop.demo import is_demo
        from desktop.orders.rulings import plan_rulings, waiting_matters
        from desktop.review.settings import module_setting
        from desktop.ui.signing_dialog import SigningDialog

        if not self.is_judge:
            return
        waiting = waiting_matters(self.conn)
        day_item = "All rulings of one day's hearings…"
        items = [
            f"Matter {m['id']} — {m['kind']}"
            + (f" {m['number']}" if m["number"] else "")
            + f", {m['rulings']} ruling(s)"
            + (f", heard {m['hearings']}" if m["hearings"] else ", on the papers")
            for m in waiting
        ] + [day_item]
        choice, ok = QInputDialog.getItem(
            self, "Orders from rulings", "Make the orders of:", items, 0, False
        )
        if not ok:
            return
        matter_id: int | None = None
        day: str | None = None
        if choice == day_item:
            day, ok = QInputDialog.getText(self, "Hearing day", "Hearing date (YYYY-MM-DD):")
            if not ok or not day.strip():
                return
            day = day.strip()
        else:
            matter_id = int(waiting[items.index(choice)]["id"])  # type: ignore[call-overload]
        try:
            plans = plan_rulings(self.conn, matter_id=matter_id, hearing_date=day)
        except UserError as exc:
            QMessageBox.warning(self, "Nothing to sign", user_message(str(exc)))
            self.message.setText(f"Not made: {exc}")
            return
        what = f"matter {matter_id}" if matter_id is not None else f"the hearings of {day}"
        out_dir = (
            self.db_path.parent
            / "orders"
            / (f"matter-{matter_id}" if matter_id is not None else f"hearings-{day}")
        )
        dlg = SigningDialog(
            orders=len(plans),
            batch=None,
            out_dir=out_dir,
            key_folder=str(self.settings.value("orders/key_folder", str(Path.home()))),
            demo=is_demo(self.conn),
            judge_name=f"Hon. {self.user.name}",
            module=module_setting(self.conn),
            parent=self,
            title=f"Sign the orders of {what}",
        )
        self.last_signing_dialog = dlg
        chosen = self.chosen_key(dlg)
        if chosen is None:
            return
        key, passphrase, out = chosen
        self.render_rulings(key, passphrase, out, matter_id=matter_id, hearing_date=day)

    def render_rulings(
        self,
        key: Path | TokenKey,
        passphrase: str,
        out_dir: Path,
        *,
        matter_id: int | None = None,
        hearing_date: str | None = None,
    ) -> None:
        """Make and sign the orders of a matter's rulings (or a hearing day's) on a worker."""
        db_path, user = self.db_path, self.user.name
        what = f"matter {matter_id}" if matter_id is not None else f"hearings of {hearing_date}"

        def job(progress: Any) -> list[Any]:
            from desktop.orders.rulings import render_rulings
            from desktop.store import open_db

            conn = open_db(db_path).conn
            try:
                progress(0, 0, "Preparing the orders")
                return render_rulings(
                    conn,
                    out_dir,
                    key,
                    passphrase,
                    user=user,
                    matter_id=matter_id,
                    hearing_date=hearing_date,
                    progress=progress,
                )
            finally:
                conn.close()

        def done(outcomes: list[Any]) -> None:
            made = sum(1 for o in outcomes if o.produced)
            self.message.setText(
                f"{what.capitalize()}: {made} of {len(outcomes)} order(s) signed in {out_dir}: "
                + ", ".join(f"{o.order_no} ({KINDS.get(o.kind, o.kind)})" for o in outcomes)
            )
            self.last_outcome = {"rendered": outcomes}
            i = self.batch_box.findData(RULINGS)
            if i >= 0:
                self.batch_box.setCurrentIndex(i)

        self._run(f"Signing the orders of {what}", job, done)

    def certify_dialog(self) -> None:
        sel = self.selected_orders()
        if len(sel) != 1:
            return
        dialog = CertifyDialog(sel[0].order_no, self.db_path.parent / "copies", self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.certify(sel[0].order_no, dialog.kind(), dialog.requester(), dialog.out())

    def certify(self, order_no: str, kind: str, requester: str, out: Path) -> Any:
        """A certified copy for one requester (refused, with the reason, for anyone not entitled
        to a sealed conviction's order); the copy is recorded and audited by the core."""
        from desktop.orders.certify import certify_order

        try:
            copy = certify_order(
                self.conn,
                self.user,
                order_no,
                requester_kind=kind,
                requester_name=requester,
                out=out,
            )
        except UserError as exc:
            QMessageBox.warning(self, "No certified copy", str(exc))
            self.message.setText(f"No certified copy: {exc}")
            self.last_outcome = {"refused": str(exc)}
            return None
        self.message.setText(
            f"Certified copy of {order_no} written to {copy.path} ({copy.pages} page(s)); "
            f"recorded as copy {copy.id}."
        )
        self.last_outcome = {"certified": copy}
        return copy


class CertifyDialog(QDialog):
    """Who asks for a certified copy (the person named, counsel, an agency, anyone else) and
    where the copy goes (never over an existing file)."""

    def __init__(self, order_no: str, folder: Path, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Certified copy of order {order_no}")
        self.setAccessibleName(self.windowTitle())
        form = QFormLayout(self)
        self.kind_box = QComboBox()
        for text, data in (
            ("The person named on the order", "person"),
            ("The person's counsel", "counsel"),
            ("An agency entitled to it", "agency"),
            ("Anyone else (not for a sealed conviction)", "public"),
        ):
            self.kind_box.addItem(text, data)
        self.kind_box.setAccessibleName("Who asks for the copy")
        form.addRow("&Requested by:", self.kind_box)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name of who asks (recorded with the copy)")
        form.addRow("&Name:", self.name_edit)
        self.out_edit = QLineEdit(str(folder / f"{order_no}-certified-copy.pdf"))
        self.out_edit.setAccessibleName("File for the certified copy")
        browse = QPushButton("Bro&wse…")
        browse.clicked.connect(lambda _=False: self._browse())
        row = QHBoxLayout()
        row.addWidget(self.out_edit, 1)
        row.addWidget(browse)
        form.addRow("&File:", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Certified copy", self.out_edit.text(), "PDF (*.pdf)"
        )
        if path:
            self.out_edit.setText(path)

    def kind(self) -> str:
        return str(self.kind_box.currentData())

    def requester(self) -> str:
        return self.name_edit.text()

    def out(self) -> Path:
        path = Path(self.out_edit.text())
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
