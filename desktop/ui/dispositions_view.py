"""The Matters, Hearings and Dispositions views (issue 19): a thin window over
desktop/dispositions. Every change goes through the core, which checks the role, writes the
audit entry and refuses with a reason the window shows as it is; no SQL here.

- Matters: find a person (name, DOB, CII, case number), open a matter for their counts, the
  list of matters (open, overdue), and the selected matter with the engine's explanation first;
  a clerk enters the prosecution's response and notices, an administrator sets the response
  deadline.
- Hearings: the calendar of a day; a clerk schedules, continues and vacates; a judge enters the
  outcome per count.
- Dispositions: every in-scope count of the county in its stage, with counts, the people still
  serving and the oldest; a stage's counts listed serving first, oldest first."""

from __future__ import annotations

import sqlite3
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.dispositions import hearings as hr
from desktop.dispositions import matters as mt
from desktop.dispositions import responses as rs
from desktop.dispositions.common import DEADLINE_KEY, POSITIONS, deadline_days, today
from desktop.dispositions.status import dispositions_status
from desktop.errors import UserError

ISO = "yyyy-MM-dd"


def _table(headers: list[str], name: str) -> tuple[QTableView, QStandardItemModel]:
    model = QStandardItemModel(0, len(headers))
    model.setHorizontalHeaderLabels(headers)
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view, model


def _fill(model: QStandardItemModel, rows: list[list[Any]], keys: list[Any]) -> None:
    model.removeRows(0, model.rowCount())
    for row, key in zip(rows, keys, strict=True):
        items = [QStandardItem("" if v is None else str(v)) for v in row]
        items[0].setData(key, Qt.ItemDataRole.UserRole)
        model.appendRow(items)


def _key(view: QTableView) -> Any:
    idx = view.currentIndex()
    if not idx.isValid():
        return None
    return view.model().index(idx.row(), 0).data(Qt.ItemDataRole.UserRole)


def _date_edit(value: str | None = None, name: str = "Date") -> QDateEdit:
    d = QDateEdit(QDate.fromString(value or today(), ISO))
    d.setAccessibleName(name)
    d.setDisplayFormat(ISO)
    d.setCalendarPopup(True)
    return d


class _Form(QDialog):
    """A small form dialog; `values()` reads it."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addWidget(box)


class OpenMatterDialog(_Form):
    def __init__(self, person: str, counts: int, parent: QWidget | None = None) -> None:
        super().__init__("Open a matter (CR-400)", parent)
        self.form.addRow(QLabel(f"{person}: {counts} count(s) asked about"))
        self.kind = QComboBox()
        self.kind.addItems(["application", "petition"])
        self.kind.setToolTip("petition: still serving (HS 11361.8(a)); application: completed (e)")
        self.filed, self.served = _date_edit(), _date_edit()
        self.filer = QComboBox()
        self.filer.addItems(["person", "attorney", "public_defender"])
        self.filer_name, self.court_case = QLineEdit(), QLineEdit()
        self.hearing = QCheckBox("The filer asks for a hearing (HS 11361.8(g))")
        for label, w in (
            ("Kind", self.kind),
            ("Filed on", self.filed),
            ("Served on the prosecution", self.served),
            ("Filed by", self.filer),
            ("Filer's name", self.filer_name),
            ("Court's case number", self.court_case),
            ("", self.hearing),
        ):
            self.form.addRow(label, w)

    def filing(self) -> mt.Filing:
        return mt.Filing(
            self.kind.currentText(),
            self.filed.date().toString(ISO),
            self.filer.currentText(),
            self.filer_name.text(),
            self.court_case.text(),
            self.served.date().toString(ISO),
            self.hearing.isChecked(),
        )


class ResponseDialog(_Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("The prosecution's response (CR-402)", parent)
        self.position = QComboBox()
        self.position.addItems(list(POSITIONS))
        self.date = _date_edit()
        self.note = QLineEdit()
        self.form.addRow("Position", self.position)
        self.form.addRow("Dated", self.date)
        self.form.addRow("Note", self.note)


class NoticeDialog(_Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Record a notice (HS 11361.9(d))", parent)
        self.frm, self.to = QComboBox(), QComboBox()
        self.frm.setEditable(True)
        self.to.setEditable(True)
        self.frm.addItems(["prosecution", "public_defender", "court"])
        self.to.addItems(["public_defender", "person", "counsel", "prosecution"])
        self.date = _date_edit()
        self.method = QComboBox()
        self.method.addItems(list(rs.METHODS))
        self.form.addRow("From", self.frm)
        self.form.addRow("To", self.to)
        self.form.addRow("Notified on", self.date)
        self.form.addRow("Method", self.method)


class MattersView(QWidget):
    changed = Signal()

    def __init__(self, conn: sqlite3.Connection, user: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn, self.user = conn, user
        self.setAccessibleName("Matters")
        self.name, self.dob, self.cii, self.case = (
            QLineEdit(),
            QLineEdit(),
            QLineEdit(),
            QLineEdit(),
        )
        for w, hint in (
            (self.name, "Name"),
            (self.dob, "DOB YYYY-MM-DD"),
            (self.cii, "CII"),
            (self.case, "Case number"),
        ):
            w.setPlaceholderText(hint)
            w.setAccessibleName(hint)
            w.returnPressed.connect(self.search)
        find = QPushButton("&Find")
        find.clicked.connect(self.search)
        self.open_button = QPushButton("&Open matter…")
        self.open_button.clicked.connect(self._open_dialog)
        search = QHBoxLayout()
        for widget in (self.name, self.dob, self.cii, self.case, find, self.open_button):
            search.addWidget(widget)
        self.people, self.people_model = _table(
            ["Count", "Person", "DOB", "Case", "County", "Section", "Level", "Convicted"],
            "People found",
        )
        self.people.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.overdue = QCheckBox("Only overdue (no response by the deadline)")
        self.overdue.toggled.connect(self.refresh)
        self.deadline = QLabel()
        self.deadline_button = QPushButton("Response &deadline…")
        self.deadline_button.clicked.connect(self._set_deadline)
        self.deadline_button.setVisible(getattr(user, "role", None) == "admin")
        bar = QHBoxLayout()
        for item in (self.overdue, self.deadline, self.deadline_button):
            bar.addWidget(item)
        bar.addStretch(1)
        self.matters, self.matters_model = _table(
            ["Matter", "Kind", "Status", "Filed", "Counts", "Due", "Hearing", "Person"], "Matters"
        )
        self.matters.selectionModel().currentRowChanged.connect(lambda *_: self.show_matter())
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Matter detail: explanation first")
        actions = QHBoxLayout()
        self.response_button = QPushButton("Add &response…")
        self.response_button.clicked.connect(self._response_dialog)
        self.notice_button = QPushButton("Record &notice…")
        self.notice_button.clicked.connect(self._notice_dialog)
        for b in (self.response_button, self.notice_button):
            actions.addWidget(b)
        actions.addStretch(1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(search)
        ll.addWidget(self.people, 2)
        ll.addLayout(bar)
        ll.addWidget(self.matters, 3)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.detail)
        rl.addLayout(actions)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([660, 660])
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.refresh()

    # -- reading --------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.message.setText(text)

    def search(self) -> int:
        """Find people by the fields filled in; the number of their cannabis convictions."""
        try:
            hits = mt.find_people(
                self.conn,
                self.user,
                name=self.name.text(),
                dob=self.dob.text(),
                cii=self.cii.text(),
                case_number=self.case.text(),
            )
        except UserError as exc:
            self.say(str(exc))
            return 0
        rows, keys = [], []
        for h in hits:
            for c in h.counts:
                rows.append(
                    [
                        c["count_id"],
                        h.name,
                        h.dob,
                        c["case_number"],
                        c["county"],
                        c["section"],
                        c["level"],
                        c["conviction_date"],
                    ]
                )
                keys.append((h.subject_id, c["count_id"], h.name))
        _fill(self.people_model, rows, keys)
        self.people.resizeColumnsToContents()
        self.say(f"{len(hits)} people, {len(rows)} cannabis convictions")
        return len(rows)

    def refresh(self) -> None:
        try:
            rows = mt.list_matters(self.conn, self.user, overdue=self.overdue.isChecked())
        except UserError as exc:
            self.say(str(exc))
            return
        self.deadline.setText(f"Response due {deadline_days(self.conn)} days after service")
        _fill(
            self.matters_model,
            [
                [
                    r.id,
                    r.kind,
                    r.status,
                    r.filed_on,
                    r.counts,
                    (r.response_due or "") + (" OVERDUE" if r.overdue else ""),
                    r.next_hearing,
                    r.name,
                ]
                for r in rows
            ],
            [r.id for r in rows],
        )
        self.matters.resizeColumnsToContents()

    def current_matter(self) -> int | None:
        return _key(self.matters)

    def select_matter(self, matter_id: int) -> None:
        for row in range(self.matters_model.rowCount()):
            if self.matters_model.item(row, 0).data(Qt.ItemDataRole.UserRole) == matter_id:
                self.matters.selectRow(row)
                self.matters.setCurrentIndex(self.matters_model.index(row, 0))
                self.show_matter()
                return

    def show_matter(self) -> None:
        mid = self.current_matter()
        if mid is None:
            self.detail.clear()
            return
        try:
            self.detail.setPlainText(mt.matter_text(mt.matter_detail(self.conn, self.user, mid)))
        except UserError as exc:
            self.detail.setPlainText(str(exc))

    # -- changes ----------------------------------------------------------------------------
    def selected_counts(self) -> tuple[int | None, list[int], str]:
        sel = self.people.selectionModel().selectedRows()
        keys = [self.people_model.item(i.row(), 0).data(Qt.ItemDataRole.UserRole) for i in sel]
        if not keys and _key(self.people) is not None:
            keys = [_key(self.people)]
        people = {k[0] for k in keys}
        if len(people) != 1:
            return None, [], ""
        return keys[0][0], sorted(k[1] for k in keys), keys[0][2] or ""

    def open_matter(self, filing: mt.Filing) -> int | None:
        sid, ids, _ = self.selected_counts()
        if sid is None:
            self.say("Select the counts of one person the filing asks about.")
            return None
        try:
            mid = mt.open_matter(self.conn, self.user, sid, ids, filing)
        except UserError as exc:
            self.say(str(exc))
            return None
        self.refresh()
        self.select_matter(mid)
        self.say(f"Matter {mid} opened and evaluated.")
        self.changed.emit()
        return mid

    def add_response(self, position: str, date: str, note: str = "") -> bool:
        mid = self.current_matter()
        if mid is None:
            self.say("Select a matter first.")
            return False
        try:
            rs.add_response(self.conn, self.user, mid, position, date, note=note)
        except UserError as exc:
            self.say(str(exc))
            return False
        self.refresh()
        self.select_matter(mid)
        self.say(f"Response entered for matter {mid}.")
        self.changed.emit()
        return True

    def record_notice(self, frm: str, to: str, date: str, method: str | None) -> bool:
        mid = self.current_matter()
        if mid is None:
            self.say("Select a matter first.")
            return False
        try:
            rs.record_notice(self.conn, self.user, mid, frm, to, date, method=method)
        except UserError as exc:
            self.say(str(exc))
            return False
        self.select_matter(mid)
        self.say(f"Notice recorded for matter {mid}.")
        return True

    def set_deadline(self, days: int) -> bool:
        from desktop.review.settings import set_setting

        try:
            set_setting(self.conn, self.user, DEADLINE_KEY, days)
        except UserError as exc:
            self.say(str(exc))
            return False
        self.refresh()
        return True

    def _open_dialog(self) -> None:
        sid, ids, name = self.selected_counts()
        if sid is None:
            self.say("Select the counts of one person the filing asks about.")
            return
        dlg = OpenMatterDialog(name, len(ids), self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.open_matter(dlg.filing())

    def _response_dialog(self) -> None:
        dlg = ResponseDialog(self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.add_response(
                dlg.position.currentText(), dlg.date.date().toString(ISO), dlg.note.text()
            )

    def _notice_dialog(self) -> None:
        dlg = NoticeDialog(self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.record_notice(
                dlg.frm.currentText(),
                dlg.to.currentText(),
                dlg.date.date().toString(ISO),
                dlg.method.currentText(),
            )

    def _set_deadline(self) -> None:
        dlg = _Form("Response deadline", self)
        spin = QSpinBox()
        spin.setRange(1, 3650)
        spin.setValue(deadline_days(self.conn))
        spin.setSuffix(" days after service")
        dlg.form.addRow("The prosecution responds within", spin)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.set_deadline(spin.value())


class OutcomeDialog(_Form):
    def __init__(self, counts: list[int], parent: QWidget | None = None) -> None:
        super().__init__("Outcome", parent)
        self.form.addRow(QLabel("Counts: " + ", ".join(map(str, counts))))
        self.outcome = QComboBox()
        self.outcome.addItems(list(hr.OUTCOME_CHOICES))
        self.relief = QComboBox()
        self.relief.addItems(
            [
                "",
                "dismiss_and_seal",
                "redesignate_misdemeanor",
                "redesignate_infraction",
                "resentence",
            ]
        )
        self.target = QComboBox()
        self.target.addItems(["", "misdemeanor", "infraction", "dismissed"])
        self.finding = QComboBox()
        self.finding.addItems(["", "criteria_not_met", "public_safety"])
        self.finding_text = QLineEdit()
        self.credit = QSpinBox()
        self.credit.setRange(-1, 100000)
        self.credit.setSpecialValueText("—")
        self.credit.setValue(-1)
        self.sup_kind = QLineEdit()
        self.sup_months = QSpinBox()
        self.sup_months.setRange(0, 12)
        self.continue_to = _date_edit()
        for label, w in (
            ("Outcome", self.outcome),
            ("Relief (other relief)", self.relief),
            ("Resentenced as", self.target),
            ("Finding (denied)", self.finding),
            ("Finding in the judge's words", self.finding_text),
            ("Credit for time served (days)", self.credit),
            ("Supervision", self.sup_kind),
            ("Supervision months", self.sup_months),
            ("Continued to", self.continue_to),
        ):
            self.form.addRow(label, w)

    def outcomes(self, counts: list[int]) -> list[hr.Outcome]:
        credit = self.credit.value()
        return [
            hr.Outcome(
                c,
                self.outcome.currentText(),
                self.relief.currentText() or None,
                self.target.currentText() or None,
                self.finding.currentText() or None,
                self.finding_text.text() or None,
                None if credit < 0 else credit,
                self.sup_kind.text() or None,
                self.sup_months.value() or None,
            )
            for c in counts
        ]


class HearingsView(QWidget):
    changed = Signal()

    def __init__(self, conn: sqlite3.Connection, user: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn, self.user = conn, user
        self.setAccessibleName("Hearings")
        self.day = _date_edit(name="Calendar day")
        self.day.dateChanged.connect(lambda *_: self.refresh())
        self.all_days = QCheckBox("Every day")
        self.all_days.toggled.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(QLabel("Calendar of"))
        top.addWidget(self.day)
        top.addWidget(self.all_days)
        self.schedule_button = QPushButton("&Schedule…")
        self.schedule_button.clicked.connect(self._schedule_dialog)
        self.continue_button = QPushButton("&Continue…")
        self.continue_button.clicked.connect(self._continue_dialog)
        self.vacate_button = QPushButton("&Vacate")
        self.vacate_button.clicked.connect(self._vacate)
        self.outcome_button = QPushButton("Enter &outcome…")
        self.outcome_button.clicked.connect(self._outcome_dialog)
        judge = getattr(user, "role", None) == "judge"
        self.outcome_button.setVisible(judge)
        for b in (
            self.schedule_button,
            self.continue_button,
            self.vacate_button,
            self.outcome_button,
        ):
            top.addWidget(b)
        top.addStretch(1)
        self.hearings, self.model = _table(
            [
                "Hearing",
                "Date",
                "Time",
                "Dept",
                "Matter",
                "Kind",
                "Status",
                "Counts",
                "Ruled",
                "Person",
            ],
            "Hearing list",
        )
        self.hearings.selectionModel().currentRowChanged.connect(lambda *_: self._show_counts())
        self.counts, self.counts_model = _table(["Count", "Ruling"], "Counts of the hearing")
        self.counts.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.hearings)
        split.addWidget(self.counts)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self._rows: dict[int, hr.HearingRow] = {}
        self.refresh()

    def say(self, text: str) -> None:
        self.message.setText(text)

    def refresh(self) -> None:
        on = None if self.all_days.isChecked() else self.day.date().toString(ISO)
        try:
            rows = hr.list_hearings(self.conn, self.user, on=on, status=None)
        except UserError as exc:
            self.say(str(exc))
            return
        self._rows = {h.id: h for h in rows}
        _fill(
            self.model,
            [
                [
                    h.id,
                    h.hearing_date,
                    h.hearing_time,
                    h.department,
                    h.matter_id,
                    h.kind,
                    h.status,
                    ", ".join(map(str, h.count_ids)),
                    ", ".join(map(str, h.ruled)),
                    h.name,
                ]
                for h in rows
            ],
            [h.id for h in rows],
        )
        self.hearings.resizeColumnsToContents()
        self._show_counts()

    def current_hearing(self) -> int | None:
        return _key(self.hearings)

    def select_hearing(self, hearing_id: int) -> None:
        for row in range(self.model.rowCount()):
            if self.model.item(row, 0).data(Qt.ItemDataRole.UserRole) == hearing_id:
                self.hearings.setCurrentIndex(self.model.index(row, 0))
                return

    def _show_counts(self) -> None:
        h = self._rows.get(self.current_hearing() or -1)
        if h is None:
            _fill(self.counts_model, [], [])
            return
        _fill(
            self.counts_model,
            [[c, "ruled" if c in h.ruled else ""] for c in h.count_ids],
            list(h.count_ids),
        )

    def selected_counts(self) -> list[int]:
        rows = self.counts.selectionModel().selectedRows()
        return sorted(
            self.counts_model.item(i.row(), 0).data(Qt.ItemDataRole.UserRole) for i in rows
        )

    def schedule(self, matter_id: int, date: str, time: str | None, dept: str | None) -> int | None:
        try:
            hid = hr.schedule_hearing(self.conn, self.user, matter_id, date, time, dept)
        except UserError as exc:
            self.say(str(exc))
            return None
        self.day.setDate(QDate.fromString(date, ISO))
        self.refresh()
        self.select_hearing(hid)
        self.say(f"Hearing {hid} set for matter {matter_id} on {date}.")
        self.changed.emit()
        return hid

    def continue_to(self, date: str) -> int | None:
        hid = self.current_hearing()
        if hid is None:
            self.say("Select a hearing first.")
            return None
        try:
            new = hr.continue_hearing(self.conn, self.user, hid, date)
        except UserError as exc:
            self.say(str(exc))
            return None
        self.refresh()
        self.say(f"Hearing {hid} continued to {date} (hearing {new}).")
        self.changed.emit()
        return new

    def vacate(self, reason: str) -> bool:
        hid = self.current_hearing()
        if hid is None:
            self.say("Select a hearing first.")
            return False
        try:
            hr.vacate_hearing(self.conn, self.user, hid, reason)
        except UserError as exc:
            self.say(str(exc))
            return False
        self.refresh()
        self.say(f"Hearing {hid} vacated.")
        self.changed.emit()
        return True

    def enter_outcome(self, outcomes: list[hr.Outcome], continue_to: str | None = None) -> bool:
        hid = self.current_hearing()
        if hid is None:
            self.say("Select a hearing first.")
            return False
        try:
            result = hr.enter_outcome(self.conn, self.user, hid, outcomes, continue_to=continue_to)
        except UserError as exc:
            self.say(str(exc))
            return False
        self.refresh()
        self.select_hearing(hid)
        self.say(f"Outcome entered; matter {result['matter_status']}.")
        self.changed.emit()
        return True

    def _schedule_dialog(self) -> None:
        dlg = _Form("Schedule a hearing", self)
        matter = QSpinBox()
        matter.setRange(1, 10**9)
        date, time, dept = (
            _date_edit(self.day.date().toString(ISO)),
            QLineEdit("08:30"),
            QLineEdit(),
        )
        for label, w in (("Matter", matter), ("Date", date), ("Time", time), ("Department", dept)):
            dlg.form.addRow(label, w)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.schedule(matter.value(), date.date().toString(ISO), time.text(), dept.text())

    def _continue_dialog(self) -> None:
        dlg = _Form("Continue the hearing", self)
        date = _date_edit()
        dlg.form.addRow("Continued to", date)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.continue_to(date.date().toString(ISO))

    def _vacate(self) -> None:
        dlg = _Form("Vacate the hearing", self)
        reason = QLineEdit()
        dlg.form.addRow("Why", reason)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.vacate(reason.text())

    def _outcome_dialog(self) -> None:
        counts = self.selected_counts()
        if not counts:
            self.say("Select the counts ruled on (right-hand list).")
            return
        dlg = OutcomeDialog(counts, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            cont = dlg.continue_to.date().toString(ISO)
            self.enter_outcome(
                dlg.outcomes(counts), cont if dlg.outcome.currentText() == "continued" else None
            )


class DispositionsView(QWidget):
    def __init__(
        self,
        conn: sqlite3.Connection,
        user: Any,
        county: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.conn, self.user = conn, user
        self.setAccessibleName("Dispositions")
        self.county = QLineEdit(county or "")
        self.county.setPlaceholderText("County")
        self.county.setAccessibleName("County")
        self.county.returnPressed.connect(self.refresh)
        show = QPushButton("S&how")
        show.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(QLabel("County"))
        top.addWidget(self.county)
        top.addWidget(show)
        self.total = QLabel()
        top.addWidget(self.total)
        top.addStretch(1)
        self.stages, self.stages_model = _table(
            ["Stage", "Counts", "Still serving", "Oldest", "Sealed (not listed)"], "Stages"
        )
        self.stages.selectionModel().currentRowChanged.connect(lambda *_: self._show_items())
        self.items, self.items_model = _table(
            ["Count", "Since", "Serving", "Case", "Section", "Matter", "Detail"],
            "Counts of the stage",
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.stages)
        split.addWidget(self.items)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.report: Any = None
        if county:
            self.refresh()

    def refresh(self) -> None:
        if not self.county.text().strip():
            return
        try:
            self.report = dispositions_status(self.conn, self.user, self.county.text(), limit=500)
        except UserError as exc:
            self.total.setText(str(exc))
            return
        r = self.report
        self.total.setText(f"{r.total:,} counts in scope")
        _fill(
            self.stages_model,
            [[s.label, s.count, s.serving, s.oldest, s.sealed_not_listed] for s in r.stages],
            [s.stage for s in r.stages],
        )
        self.stages.resizeColumnsToContents()
        self._show_items()

    def _show_items(self) -> None:
        stage = _key(self.stages)
        found = [s for s in (self.report.stages if self.report else []) if s.stage == stage]
        items = found[0].items if found else []
        _fill(
            self.items_model,
            [
                [
                    i.count_id,
                    i.since,
                    "yes" if i.serving else "",
                    i.case_number,
                    i.section,
                    i.matter_id,
                    i.detail,
                ]
                for i in items
            ],
            [i.count_id for i in items],
        )
        self.items.resizeColumnsToContents()
