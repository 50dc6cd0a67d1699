"""The judge's spot-check: submitted batches, the stratified sample of one batch (drawn by the
review core, reproducible from its stored seed), the same detail pane as the queue, accept or
send back each sampled item, and accept the batch."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import UserError
from desktop.review.count_detail import load_detail_for
from desktop.tokens import TokenKey
from desktop.ui import core
from desktop.ui.decision_dialogs import NoteDialog
from desktop.ui.detail_pane import DetailPane, count_words
from desktop.ui.labels import relief_text, user_message, when

JUDGE_ACTIONS = [
    ("accept_item", "&Accept item (A)", "approve"),
    ("send_back", "&Send back (S)…", "reject"),
]


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setAccessibleName(name)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.setAlternatingRowColors(True)
    return t


def _item(value: Any, data: Any = None) -> QTableWidgetItem:
    it = QTableWidgetItem("" if value is None else str(value))
    if data is not None:
        it.setData(Qt.ItemDataRole.UserRole, data)
    return it


class SpotCheckView(QWidget):
    changed = Signal()  # a send-back or acceptance (the queue and orders views refresh)

    def __init__(self, conn: sqlite3.Connection, user: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.conn, self.user = conn, user
        self.batch_id: int | None = None
        self.items: dict[int, core.SampleItem] = {}
        self.setAccessibleName("Spot-check")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        top = QHBoxLayout()
        title = QLabel("Batches submitted by clerks")
        title.setObjectName("sectionTitle")
        top.addWidget(title)
        top.addStretch(1)
        self.accept_batch_button = QPushButton("Accept &batch")
        self.accept_batch_button.setObjectName("primary")
        self.accept_batch_button.setAccessibleName("Accept the selected batch")
        self.accept_batch_button.clicked.connect(self.accept_batch)
        top.addWidget(self.accept_batch_button)
        outer.addLayout(top)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.batches = _table(
            ["Batch", "Where it stands", "Prepared by", "Submitted", "Counts"], "Batches"
        )
        self.batches.setMaximumHeight(150)
        self.batches.itemSelectionChanged.connect(self._batch_selected)
        lv.addWidget(self.batches)
        self.sample_label = QLabel("Sample")
        self.sample_label.setObjectName("sectionTitle")
        lv.addWidget(self.sample_label)
        self.sample = _table(
            ["Name", "Case", "Count", "Section", "Relief", "Your check"], "Sampled counts"
        )
        self.sample.itemSelectionChanged.connect(self._item_selected)
        lv.addWidget(self.sample, 1)

        self.detail = DetailPane()
        self.detail.set_actions(JUDGE_ACTIONS)
        self.detail.action.connect(self.do_action)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        # The sample list gets three fifths: its names, cases, reliefs and the judge's check
        # show whole on a 1366-pixel screen.
        splitter.setSizes([810, 540])
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer.addWidget(splitter, 1)

        # Single letters only while the sample list or the detail pane has keyboard focus:
        # elsewhere (the batches list) a letter does what that widget does.
        for widget in (self.sample, self.detail):
            for keys, fn in (
                ("A", lambda: self.do_action("accept_item")),
                ("S", lambda: self.do_action("send_back")),
                ("J", lambda: self._move(1)),
                ("K", lambda: self._move(-1)),
            ):
                s = QShortcut(QKeySequence(keys), widget, fn)
                s.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh()

    # --- data ----------------------------------------------------------------------------
    def refresh(self) -> None:
        keep = self.batch_id
        rows = core.list_batches(self.conn)
        self.batches.blockSignals(True)
        self.batches.setRowCount(len(rows))
        select = 0
        for i, b in enumerate(rows):
            status = {
                "submitted": "With you for the spot-check",
                "accepted": f"Accepted by {b['accepted_by']}",
            }.get(b["status"], b["status"])
            for j, v in enumerate(
                [b["id"], status, b["prepared_by"], when(b["submitted_at"]), f"{b['items']:,}"]
            ):
                self.batches.setItem(i, j, _item(v, b["id"]))
            if b["id"] == keep:
                select = i
        self.batches.blockSignals(False)
        if rows:
            self.batches.selectRow(select)
            self._batch_selected()
        else:
            self.batch_id = None
            self.sample.setRowCount(0)
            self.detail.show_detail(None)
            self.sample_label.setText("No batch has been submitted yet.")
        self._update_buttons()

    def _batch_selected(self) -> None:
        items = self.batches.selectedItems()
        if not items:
            return
        self.batch_id = int(items[0].data(Qt.ItemDataRole.UserRole))
        self.load_sample()

    def batch_status(self) -> str | None:
        return core.batch_status(self.conn, self.batch_id) if self.batch_id else None

    def _update_buttons(self) -> None:
        open_batch = self.batch_status() == "submitted"
        self.accept_batch_button.setEnabled(open_batch)
        self.detail.set_enabled_actions(open_batch)

    def load_sample(self) -> None:
        """The sample of the selected batch, drawn by the core on the first look (its seed is
        stored, so every later look shows the same counts)."""
        if self.batch_id is None:
            return
        try:
            items = core.sample(self.conn, self.user, self.batch_id)
        except UserError as exc:
            self.sample.setRowCount(0)
            self.sample_label.setText(user_message(str(exc)))
            self.detail.show_detail(None)
            return
        self.items = {i.count_id: i for i in items}
        total = next(
            (b["items"] for b in core.list_batches(self.conn) if b["id"] == self.batch_id), 0
        )
        keep = self.current_count()
        checks = {"sent_back": "sent back", "accepted": "accepted"}
        count_nos = core.count_numbers(self.conn, [it.count_id for it in items])
        self.sample.blockSignals(True)
        self.sample.setRowCount(len(items))
        for i, it in enumerate(items):
            check = checks.get(it.judge_status or "", "opened" if it.opened else "to check")
            for j, v in enumerate(
                [
                    it.name,
                    it.case_number,
                    count_nos.get(it.count_id, ""),
                    it.section,
                    relief_text(it.relief, it.resentence_target),
                    check,
                ]
            ):
                self.sample.setItem(i, j, _item(v, it.count_id))
        self.sample.blockSignals(False)
        done = sum(1 for it in items if it.judge_status or it.opened)
        self.sample_label.setText(
            f"Sample of batch {self.batch_id}: {len(items)} of {total:,} "
            f"counts; {done} checked or opened"
        )
        row = next((i for i, it in enumerate(items) if it.count_id == keep), 0)
        self._update_buttons()
        if items:
            self.sample.selectRow(row)
            self._item_selected()
        else:
            self.detail.show_detail(None)

    def current_count(self) -> int | None:
        items = self.sample.selectedItems()
        return int(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def _item_selected(self) -> None:
        cid = self.current_count()
        if cid is None:
            self.detail.show_detail(None)
            return
        try:
            self.detail.show_detail(load_detail_for(self.conn, self.user, cid, "spot-check"))
        except UserError:
            self.detail.show_detail(None)
        if self.batch_status() == "submitted":
            try:
                core.mark_opened(self.conn, self.user, cid)
            except UserError:
                pass  # a busy database must not stop the judge from reading

    def _move(self, step: int) -> None:
        row = self.sample.currentRow() + step
        if 0 <= row < self.sample.rowCount():
            self.sample.selectRow(row)

    # --- actions -------------------------------------------------------------------------
    def do_action(self, name: str) -> None:
        cid = self.current_count()
        if cid is None or self.batch_id is None:
            return
        try:
            if name == "accept_item":
                core.accept_item(self.conn, self.user, self.batch_id, cid)
            elif name == "send_back":
                what = count_words(self.detail.detail) if self.detail.detail else "this count"
                dlg = NoteDialog(
                    f"Send back {what}",
                    f"{what[:1].upper() + what[1:]} leaves batch {self.batch_id} and "
                    "returns to the clerk's queue as pending, with your note.",
                    self,
                )
                if not dlg.exec():
                    return
                core.send_back(self.conn, self.user, self.batch_id, cid, dlg.text())
        except UserError as exc:
            QMessageBox.warning(self, "Not done", user_message(str(exc)))
            return
        row = self.sample.currentRow()
        self.load_sample()
        if row + 1 < self.sample.rowCount():
            self.sample.selectRow(row + 1)
        self.changed.emit()

    def accept_batch(self) -> None:
        """The judge accepts the batch in one dialog, and may sign the acceptance there with a
        smart card or a certificate file (as `batch accept --sign` does)."""
        from desktop.review.settings import module_setting
        from desktop.ui.signing_dialog import SigningDialog

        if self.batch_id is None:
            return
        batch = self.batch_id
        dlg = SigningDialog(
            orders=core.batch_counts(self.conn, batch),
            batch=batch,
            out_dir=Path(),
            key_folder=str(Path.home()),
            demo=False,
            judge_name=f"Hon. {self.user.name}",
            module=module_setting(self.conn),
            parent=self,
            acceptance=True,
        )
        self.last_accept_dialog = dlg
        if not dlg.exec():
            return
        key: Path | TokenKey | None = None
        if dlg.signs():
            key = dlg.card_key() if dlg.uses_card() else dlg.chosen()[0]
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            core.accept_batch(self.conn, self.user, batch, key, dlg.passphrase.text())
        except UserError as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Batch not accepted", user_message(str(exc)))
            return
        QApplication.restoreOverrideCursor()
        self.refresh()
        signed = " Your signature seals the acceptance." if key is not None else ""
        self.sample_label.setText(f"Batch {batch} is accepted and ready for orders.{signed}")
        self.changed.emit()
