"""The Matters, Hearings and Dispositions views (issue 19): a thin window over
desktop/dispositions. Every change goes through the core, which checks the role, writes the
audit entry and refuses with a reason the window shows as it is; no SQL here.

What a clerk and a judge read is words (issue 16): a count is "count 2 of case FSB0412873", a
person is named as people are named, rulings, kinds and statuses are spelled out; the matter and
hearing numbers are the court's own handles ("Matter No. 12"). Lists fit a 1366×768 screen: the
name column takes what is left and elides a long name, shown whole on hover.

- Matters: find a person (name, DOB, CII, case number), open a matter for their counts, the
  list of matters (open, overdue), and the selected matter with the engine's explanation first;
  a clerk enters the prosecution's response, notices and the mailing addresses, an administrator
  sets the response deadline.
- Hearings: the calendar of a day; a clerk schedules, continues, vacates and mails the notice; a
  judge enters the outcome per count.
- Dispositions: every in-scope count of the court's county in its stage, with counts, the people
  still serving and the oldest; a stage's counts listed serving first, oldest first."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
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
from desktop.dispositions import words as wd
from desktop.dispositions.common import DEADLINE_KEY, POSITIONS, deadline_days, today
from desktop.dispositions.service import matter_addresses, set_matter_addresses
from desktop.dispositions.status import dispositions_status
from desktop.errors import UserError
from desktop.ui.focus import chain

ISO = "yyyy-MM-dd"
# Alt+letter keys taken by the main window (its tabs Spot-check, Queue, Orders, Matters,
# Hearings, Dispositions, Audit, and its menus File, View, Help): the buttons of these views use
# other letters, so an Alt+letter does one thing (tests/test_ui_dispositions_words.py).
WINDOW_MNEMONICS = frozenset("SQOMHDUFV")


def _table(headers: list[str], name: str) -> tuple[QTableView, QStandardItemModel]:
    model = QStandardItemModel(0, len(headers))
    model.setHorizontalHeaderLabels(headers)
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the list for the next field, not the next cell
    return view, model


class _Fitter(QObject):
    """Keeps a table's columns within its width (no sideways scrolling at 1366×768): each column
    as wide as its contents, the name column taking what is left; when the contents are wider
    than the view, the name column gives way first (down to a readable width), then the widest
    columns, and the texts are elided, the whole on hover (tooltips)."""

    def __init__(self, view: QTableView, elide: int) -> None:
        super().__init__(view)
        self.view, self.elide = view, elide
        view.viewport().installEventFilter(self)
        view.model()._fitter = self  # type: ignore[attr-defined]  # _fill fits after filling

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        view, header = self.view, self.view.horizontalHeader()
        cols = view.model().columnCount()
        if cols == 0:
            return
        room = view.viewport().width()
        want = [max(view.sizeHintForColumn(c), header.sectionSizeHint(c)) + 2 for c in range(cols)]
        floor = min(want[self.elide], 110)
        fixed = sum(w for c, w in enumerate(want) if c != self.elide)
        widths = list(want)
        widths[self.elide] = max(floor, room - fixed)
        excess = sum(widths) - room
        while excess > 0:  # the widest other column gives way, a few pixels at a time
            others = [c for c in range(cols) if c != self.elide and widths[c] > 48]
            if not others:
                break
            c = max(others, key=lambda i: widths[i])
            step = min(excess, max(4, widths[c] // 10), widths[c] - 48)
            widths[c] -= step
            excess -= step
        for c, w in enumerate(widths):
            header.resizeSection(c, w)


def _fit(view: QTableView, elide: int) -> None:
    """Columns fit the view with no sideways scrolling (see _Fitter); `elide`: the name column."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(24)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    _Fitter(view, elide)


def _fill(model: QStandardItemModel, rows: list[list[Any]], keys: list[Any]) -> None:
    model.removeRows(0, model.rowCount())
    for row, key in zip(rows, keys, strict=True):
        items = []
        for v in row:
            item = QStandardItem("" if v is None else str(v))
            item.setToolTip(item.text())  # an elided name is read whole on hover
            items.append(item)
        items[0].setData(key, Qt.ItemDataRole.UserRole)
        model.appendRow(items)
    fitter = getattr(model, "_fitter", None)
    if fitter is not None:
        fitter.fit()


def _key(view: QTableView) -> Any:
    idx = view.currentIndex()
    if not idx.isValid():
        return None
    return view.model().index(idx.row(), 0).data(Qt.ItemDataRole.UserRole)


class DateEdit(QDateEdit):
    """A date field Tab leaves for the next field (QDateEdit's own Tab walks its year, month and
    day first: three presses per date, a trap in a form filled from the keyboard); the arrow keys
    still step through the sections."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


def _date_edit(value: str | None = None, name: str = "Date") -> QDateEdit:
    d = DateEdit(QDate.fromString(value or today(), ISO))
    d.setAccessibleName(name)
    d.lineEdit().setAccessibleName(name)  # the text inside reads as the field it is
    d.setDisplayFormat(ISO)
    d.setCalendarPopup(True)
    return d


def _choice(items: dict[str, str], name: str, blank: str | None = None) -> QComboBox:
    """A list of choices shown in words, each carrying its code (`code(box)` reads it)."""
    box = QComboBox()
    box.setAccessibleName(name)
    if blank is not None:
        box.addItem(blank, None)
    for code, text in items.items():
        box.addItem(text, code)
    return box


def code(box: QComboBox) -> Any:
    return box.currentData()


def set_code(box: QComboBox, value: Any) -> None:
    i = box.findData(value)
    if i < 0:
        raise ValueError(f"{value!r} is not a choice of {box.accessibleName()}")
    box.setCurrentIndex(i)


def _address_edit(name: str, text: str = "") -> QPlainTextEdit:
    edit = QPlainTextEdit(text)
    edit.setAccessibleName(name)
    edit.setPlaceholderText("Street\nCity, CA ZIP")
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(54)
    return edit


class _Form(QDialog):
    """A small form dialog; `values()` reads it. The cursor starts in the first field and Tab
    goes down the fields, then OK and Cancel (`finish`)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.form = QFormLayout()
        self.box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addWidget(self.box)

    def fields(self) -> list[QWidget]:
        out = []
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            w = item.widget() if item is not None else None
            if w is not None and w.focusPolicy() != Qt.FocusPolicy.NoFocus:
                out.append(w)
        return out

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        fields = self.fields()
        chain([*fields, self.box])
        if fields:
            fields[0].setFocus()


FILERS = {
    k: wd.FILER_WORDS[k].removeprefix("the ").removeprefix("an ").capitalize()
    for k in ("person", "attorney", "public_defender")
}


class OpenMatterDialog(_Form):
    def __init__(self, person: str, counts: int, parent: QWidget | None = None) -> None:
        super().__init__("Open a matter (petition or application, CR-400)", parent)
        self.form.addRow(QLabel(f"{person}: {counts} count(s) asked about"))
        self.kind = _choice(
            {"application": wd.KIND_WORDS["application"], "petition": wd.KIND_WORDS["petition"]},
            "Kind of filing",
        )
        self.kind.setToolTip("petition: still serving (HS 11361.8(a)); application: completed (e)")
        self.filed = _date_edit(name="Filed on")
        self.served = _date_edit(name="Served on the prosecution")
        self.filer = _choice(FILERS, "Filed by")
        self.filer_name, self.court_case = QLineEdit(), QLineEdit()
        self.filer_name.setAccessibleName("Filer's name")
        self.court_case.setAccessibleName("The court's number for the filing")
        self.hearing = QCheckBox("The filer asks for a hearing (HS 11361.8(g))")
        self.person_address = _address_edit("The person's mailing address")
        self.counsel_name = QLineEdit()
        self.counsel_name.setAccessibleName("Counsel's name")
        self.counsel_address = _address_edit("Counsel's mailing address")
        for label, w in (
            ("Kind", self.kind),
            ("Filed on", self.filed),
            ("Served on the prosecution", self.served),
            ("Filed by", self.filer),
            ("Filer's name", self.filer_name),
            ("Court's filing number", self.court_case),
            ("", self.hearing),
            ("Person's mailing address", self.person_address),
            ("Counsel's name", self.counsel_name),
            ("Counsel's mailing address", self.counsel_address),
        ):
            self.form.addRow(label, w)

    def filing(self) -> mt.Filing:
        return mt.Filing(
            code(self.kind),
            self.filed.date().toString(ISO),
            code(self.filer),
            self.filer_name.text(),
            self.court_case.text(),
            self.served.date().toString(ISO),
            self.hearing.isChecked(),
            person_address=self.person_address.toPlainText(),
            counsel_name=self.counsel_name.text(),
            counsel_address=self.counsel_address.toPlainText(),
        )


class AddressesDialog(_Form):
    def __init__(self, values: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__("Mailing addresses for the service list", parent)
        self.person_address = _address_edit(
            "The person's mailing address", values.get("person_address", "")
        )
        self.counsel_name = QLineEdit(values.get("counsel_name", ""))
        self.counsel_name.setAccessibleName("Counsel's name")
        self.counsel_address = _address_edit(
            "Counsel's mailing address", values.get("counsel_address", "")
        )
        self.form.addRow("Person's mailing address", self.person_address)
        self.form.addRow("Counsel's name", self.counsel_name)
        self.form.addRow("Counsel's mailing address", self.counsel_address)


class ResponseDialog(_Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("The prosecution's response (CR-402)", parent)
        self.position = _choice(
            {p: wd.POSITION_WORDS[p].capitalize() for p in POSITIONS}, "The prosecution's position"
        )
        self.date = _date_edit(name="Dated")
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.form.addRow("Position", self.position)
        self.form.addRow("Dated", self.date)
        self.form.addRow("Note", self.note)


class NoticeDialog(_Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Record a notice given (HS 11361.9(d))", parent)
        parties = {k: v.removeprefix("the ").capitalize() for k, v in wd.PARTY_WORDS.items()}
        self.frm = _choice(
            {k: parties[k] for k in ("prosecution", "public_defender", "court")}, "Notice from"
        )
        self.to = _choice(
            {k: parties[k] for k in ("public_defender", "person", "counsel", "prosecution")},
            "Notice to",
        )
        self.date = _date_edit(name="Notified on")
        self.method = _choice(
            {m: wd.METHOD_WORDS[m].capitalize() for m in rs.METHODS}, "How it was given"
        )
        self.form.addRow("From", self.frm)
        self.form.addRow("To", self.to)
        self.form.addRow("Notified on", self.date)
        self.form.addRow("How", self.method)


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
            (self.dob, "Born YYYY-MM-DD"),
            (self.cii, "CII"),
            (self.case, "Case number"),
        ):
            w.setPlaceholderText(hint)
            w.setAccessibleName(hint)
            w.returnPressed.connect(self.search)
        self.find_button = QPushButton("F&ind")
        self.find_button.clicked.connect(self.search)
        self.open_button = QPushButton("O&pen matter…")
        self.open_button.clicked.connect(self._open_dialog)
        search = QHBoxLayout()
        for widget in (self.name, self.dob, self.cii, self.case, self.find_button):
            search.addWidget(widget)
        self.people, self.people_model = _table(
            ["Person", "Born", "Count", "Section", "Convicted"], "People found"
        )
        _fit(self.people, 0)
        self.people.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.overdue = QCheckBox("Only overdu&e (no response by the deadline)")
        self.overdue.toggled.connect(self.refresh)
        self.deadline = QLabel()
        self.deadline_button = QPushButton("Response dead&line…")
        self.deadline_button.clicked.connect(self._set_deadline)
        self.deadline_button.setVisible(getattr(user, "role", None) == "admin")
        found_bar = QHBoxLayout()
        found_bar.addWidget(QLabel("Select the counts the filing asks about, then"))
        found_bar.addWidget(self.open_button)
        found_bar.addStretch(1)
        bar = QHBoxLayout()
        for item in (self.overdue, self.deadline, self.deadline_button):
            bar.addWidget(item)
        bar.addStretch(1)
        self.matters, self.matters_model = _table(
            [
                "Matter No.",
                "Kind",
                "Status",
                "Filed",
                "Counts",
                "Response due",
                "Hearing",
                "Person",
            ],
            "Matters",
        )
        _fit(self.matters, 7)
        self.matters_model.horizontalHeaderItem(5).setToolTip(
            "The date the prosecution's response is due"
        )
        self.matters.selectionModel().currentRowChanged.connect(lambda *_: self.show_matter())
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Matter detail: explanation first")
        self.detail.setTabChangesFocus(True)
        actions = QHBoxLayout()
        self.response_button = QPushButton("Add &response…")
        self.response_button.clicked.connect(self._response_dialog)
        self.notice_button = QPushButton("Record &notice…")
        self.notice_button.clicked.connect(self._notice_dialog)
        self.address_button = QPushButton("&Addresses…")
        self.address_button.setToolTip(
            "The person's mailing address and counsel's name and address, for the service list"
        )
        self.address_button.clicked.connect(self._address_dialog)
        clerk = getattr(user, "role", None) == "clerk"
        for b in (self.response_button, self.notice_button, self.address_button):
            b.setVisible(clerk)
            actions.addWidget(b)
        self.open_button.setVisible(clerk)
        actions.addStretch(1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(search)
        ll.addWidget(self.people, 2)
        ll.addLayout(found_bar)
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
        split.setSizes([800, 520])
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Messages of the Matters view")
        lay.addWidget(self.message)
        chain(
            [
                self.name,
                self.dob,
                self.cii,
                self.case,
                self.find_button,
                self.people,
                self.open_button,
                self.overdue,
                self.deadline_button,
                self.matters,
                self.detail,
                self.response_button,
                self.notice_button,
                self.address_button,
            ]
        )
        self.refresh()

    def first_field(self) -> QWidget:
        return self.name

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
        from desktop.review.county import court_county

        court = (court_county(self.conn) or "").upper()
        names = wd.person_names(self.conn, [h.subject_id for h in hits])
        rows, keys = [], []
        for h in hits:
            shown = names.get(h.subject_id) or "(name not on record)"
            for c in h.counts:
                rows.append(
                    [
                        shown,
                        h.dob,
                        wd.count_label(c["case_number"], c["count_no"])
                        + (
                            f" ({(c['county'] or 'county unknown').title()})"
                            if court and (c["county"] or "").upper() != court
                            else ""
                        ),
                        ", ".join(
                            x
                            for x in (
                                f"HS {c['section']}" if c["section"] else "",
                                wd.words(wd.LEVEL_WORDS, c["level"]),
                            )
                            if x
                        ),
                        c["conviction_date"],
                    ]
                )
                keys.append((h.subject_id, c["count_id"], shown))
        _fill(self.people_model, rows, keys)
        self.say(
            f"{len(hits)} {'person' if len(hits) == 1 else 'people'} found, "
            f"{len(rows)} cannabis conviction(s)"
        )
        return len(rows)

    def refresh(self) -> None:
        try:
            rows = mt.list_matters(self.conn, self.user, overdue=self.overdue.isChecked())
        except UserError as exc:
            self.say(str(exc))
            return
        current = self.current_matter()
        self.deadline.setText(f"Response due {deadline_days(self.conn)} days after service")
        _fill(
            self.matters_model,
            [
                [
                    r.id,
                    wd.words(wd.KIND_SHORT, r.kind),
                    wd.words(wd.MATTER_STATUS_WORDS, r.status),
                    r.filed_on,
                    r.counts,
                    "answered"
                    if r.responses
                    else (r.response_due or "") + (" overdue" if r.overdue else ""),
                    r.next_hearing,
                    r.person or r.name,
                ]
                for r in rows
            ],
            [r.id for r in rows],
        )
        if current is not None:
            self.select_matter(current)

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
        self.say(f"Matter No. {mid} opened and evaluated.")
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
        self.say(f"The prosecution's response is entered on Matter No. {mid}.")
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
        self.say(f"Notice recorded on Matter No. {mid}.")
        return True

    def set_addresses(
        self,
        person_address: str | None = None,
        counsel_name: str | None = None,
        counsel_address: str | None = None,
    ) -> bool:
        mid = self.current_matter()
        if mid is None:
            self.say("Select a matter first.")
            return False
        try:
            set_matter_addresses(
                self.conn,
                self.user,
                mid,
                person_address=person_address,
                counsel_name=counsel_name,
                counsel_address=counsel_address,
            )
        except UserError as exc:
            self.say(str(exc))
            return False
        self.select_matter(mid)
        self.say(f"Mailing addresses entered on Matter No. {mid}.")
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
        if self.current_matter() is None:
            self.say("Select a matter first.")
            return
        dlg = ResponseDialog(self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.add_response(code(dlg.position), dlg.date.date().toString(ISO), dlg.note.text())

    def _notice_dialog(self) -> None:
        if self.current_matter() is None:
            self.say("Select a matter first.")
            return
        dlg = NoticeDialog(self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.record_notice(
                code(dlg.frm), code(dlg.to), dlg.date.date().toString(ISO), code(dlg.method)
            )

    def _address_dialog(self) -> None:
        mid = self.current_matter()
        if mid is None:
            self.say("Select a matter first.")
            return
        dlg = AddressesDialog(matter_addresses(self.conn, mid), self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.set_addresses(
                dlg.person_address.toPlainText(),
                dlg.counsel_name.text(),
                dlg.counsel_address.toPlainText(),
            )

    def _set_deadline(self) -> None:
        dlg = _Form("Response deadline", self)
        spin = QSpinBox()
        spin.setRange(1, 3650)
        spin.setValue(deadline_days(self.conn))
        spin.setSuffix(" days after service")
        spin.setAccessibleName("Days the prosecution has to respond")
        dlg.form.addRow("The prosecution responds within", spin)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.set_deadline(spin.value())


RELIEF_CHOICES = {
    "dismiss_and_seal": "Dismissed and sealed",
    "redesignate_misdemeanor": "Redesignated a misdemeanor",
    "redesignate_infraction": "Redesignated an infraction",
    "resentence": "Resentenced",
}
TARGET_CHOICES = {
    "misdemeanor": "As a misdemeanor",
    "infraction": "As an infraction",
    "dismissed": "Sentence dismissed",
}
FINDING_CHOICES = {
    "criteria_not_met": "Criteria not met (clear and convincing evidence)",
    "public_safety": "Unreasonable risk to public safety (PC 1170.18(c); petitions only)",
}


class OutcomeDialog(_Form):
    """The judge's outcome for the counts chosen; the fields that do not apply to the outcome
    are disabled."""

    def __init__(
        self, counts: list[int], parent: QWidget | None = None, labels: list[str] | None = None
    ) -> None:
        super().__init__("Outcome of the hearing", parent)
        shown = labels or [f"{len(counts)} count(s)"]
        head = QLabel("For " + "; ".join(shown))
        head.setWordWrap(True)
        self.form.addRow(head)
        self.outcome = _choice(
            {k: wd.OUTCOME_WORDS[k].capitalize() for k in hr.OUTCOME_CHOICES}, "Outcome"
        )
        self.relief = _choice(RELIEF_CHOICES, "Relief granted", blank="")
        self.target = _choice(TARGET_CHOICES, "Resentenced as", blank="")
        self.finding = _choice(FINDING_CHOICES, "Finding", blank="")
        self.finding_text = QLineEdit()
        self.finding_text.setAccessibleName("The finding in the judge's words")
        self.credit = QSpinBox()
        self.credit.setRange(-1, 100000)
        self.credit.setSpecialValueText("—")
        self.credit.setValue(-1)
        self.credit.setAccessibleName("Credit for time served, days")
        self.sup_kind = QLineEdit()
        self.sup_kind.setAccessibleName("Supervision, e.g. misdemeanor probation")
        self.sup_months = QSpinBox()
        self.sup_months.setRange(0, 12)
        self.sup_months.setAccessibleName("Supervision, months")
        self.continue_to = _date_edit(name="Continued to")
        for label, w in (
            ("Outcome", self.outcome),
            ("Relief (a different relief)", self.relief),
            ("Resentenced as", self.target),
            ("Finding (denied)", self.finding),
            ("Finding in the judge's words", self.finding_text),
            ("Credit for time served (days)", self.credit),
            ("Supervision", self.sup_kind),
            ("Supervision months", self.sup_months),
            ("Continued to", self.continue_to),
        ):
            self.form.addRow(label, w)
        self.outcome.currentIndexChanged.connect(lambda *_: self._enable())
        self.relief.currentIndexChanged.connect(lambda *_: self._enable())
        self._enable()

    def _enable(self) -> None:
        o, relief = code(self.outcome), code(self.relief)
        self.relief.setEnabled(o == "granted_other_relief")
        resentence = o in ("granted", "granted_other_relief") and (
            o == "granted" or relief == "resentence"
        )
        self.target.setEnabled(o == "granted_other_relief" and relief == "resentence")
        for w in (self.credit, self.sup_kind, self.sup_months):
            w.setEnabled(resentence)
        self.finding.setEnabled(o == "denied")
        self.finding_text.setEnabled(o == "denied")
        self.continue_to.setEnabled(o == "continued")

    def outcomes(self, counts: list[int]) -> list[hr.Outcome]:
        credit = self.credit.value()
        return [
            hr.Outcome(
                c,
                code(self.outcome),
                code(self.relief) or None,
                code(self.target) or None,
                code(self.finding) or None,
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
        self.all_days = QCheckBox("Every da&y")
        self.all_days.toggled.connect(self.refresh)
        top = QHBoxLayout()
        label = QLabel("&Calendar of")
        label.setBuddy(self.day)
        top.addWidget(label)
        top.addWidget(self.day)
        top.addWidget(self.all_days)
        self.schedule_button = QPushButton("Schedu&le…")
        self.schedule_button.clicked.connect(self._schedule_dialog)
        self.continue_button = QPushButton("Con&tinue…")
        self.continue_button.clicked.connect(self._continue_dialog)
        self.vacate_button = QPushButton("Vac&ate…")
        self.vacate_button.clicked.connect(self._vacate)
        self.notice_button = QPushButton("&Notice of hearing…")
        self.notice_button.setToolTip(
            "The court's notice with its service list and the clerk's certificate of mailing"
        )
        self.notice_button.clicked.connect(self._notice_dialog)
        self.outcome_button = QPushButton("&Enter outcome…")
        self.outcome_button.clicked.connect(self._outcome_dialog)
        role = getattr(user, "role", None)
        self.outcome_button.setVisible(role == "judge")
        self.notice_button.setVisible(role == "clerk")
        for b in (self.schedule_button, self.continue_button, self.vacate_button):
            b.setVisible(role in hr.SCHEDULERS)
        for b in (
            self.schedule_button,
            self.continue_button,
            self.vacate_button,
            self.notice_button,
            self.outcome_button,
        ):
            top.addWidget(b)
        top.addStretch(1)
        self.hearings, self.model = _table(
            [
                "Hearing No.",
                "Date",
                "Time",
                "Dept",
                "Matter No.",
                "Kind",
                "Status",
                "Counts",
                "Person",
            ],
            "Hearing list",
        )
        _fit(self.hearings, 8)
        self.hearings.selectionModel().currentRowChanged.connect(lambda *_: self._show_counts())
        self.counts, self.counts_model = _table(["Count", "Ruling"], "Counts of the hearing")
        _fit(self.counts, 1)
        self.counts.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.hearings)
        split.addWidget(self.counts)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([860, 460])
        # A ruling reads whole: the counts list wraps its lines rather than eliding them.
        self.counts.setWordWrap(True)
        self.counts.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Messages of the Hearings view")
        lay.addWidget(self.message)
        self._rows: dict[int, hr.HearingRow] = {}
        chain(
            [
                self.day,
                self.all_days,
                self.schedule_button,
                self.continue_button,
                self.vacate_button,
                self.notice_button,
                self.outcome_button,
                self.hearings,
                self.counts,
            ]
        )
        self.refresh()

    def first_field(self) -> QWidget:
        return self.day

    def say(self, text: str) -> None:
        self.message.setText(text)

    def refresh(self) -> None:
        on = None if self.all_days.isChecked() else self.day.date().toString(ISO)
        try:
            rows = hr.list_hearings(self.conn, self.user, on=on, status=None)
        except UserError as exc:
            self.say(str(exc))
            return
        current = self.current_hearing()
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
                    wd.words(wd.KIND_SHORT, h.kind),
                    wd.words(wd.HEARING_STATUS_WORDS, h.status)
                    + (f" to {h.continued_date}" if h.continued_date else ""),
                    f"{len(h.count_ids)} ({len(h.ruled)} ruled)",
                    h.person or h.name,
                ]
                for h in rows
            ],
            [h.id for h in rows],
        )
        if current in self._rows:
            self.select_hearing(current)
        elif rows:  # the first hearing of the day, its counts on the right
            self.select_hearing(rows[0].id)
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
            [
                [label, wd.count_ruling_words(h, c)]
                for c, label in zip(h.count_ids, h.counts, strict=True)
            ],
            list(h.count_ids),
        )

    def selected_counts(self) -> list[int]:
        rows = self.counts.selectionModel().selectedRows()
        return sorted(
            self.counts_model.item(i.row(), 0).data(Qt.ItemDataRole.UserRole) for i in rows
        )

    def _labels(self, counts: list[int]) -> list[str]:
        h = self._rows.get(self.current_hearing() or -1)
        if h is None:
            return []
        by_id = dict(zip(h.count_ids, h.counts, strict=True))
        return [by_id.get(c, "") for c in counts]

    def schedule(self, matter_id: int, date: str, time: str | None, dept: str | None) -> int | None:
        try:
            hid = hr.schedule_hearing(self.conn, self.user, matter_id, date, time, dept)
        except UserError as exc:
            self.say(str(exc))
            return None
        self.day.setDate(QDate.fromString(date, ISO))
        self.refresh()
        self.select_hearing(hid)
        self.say(f"Hearing No. {hid} set for Matter No. {matter_id} on {date}.")
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
        self.say(f"Hearing No. {hid} continued to {date} (Hearing No. {new}).")
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
        self.say(f"Hearing No. {hid} vacated.")
        self.changed.emit()
        return True

    def make_notice(self, out: Path, method: str = "mail", force: bool = False) -> Path | None:
        """The court's notice of the selected hearing, served on its service list."""
        from desktop.dispositions.notice import serve_notice

        hid = self.current_hearing()
        if hid is None:
            self.say("Select a hearing first.")
            return None
        try:
            path, parties = serve_notice(self.conn, self.user, hid, out, method=method, force=force)
        except UserError as exc:
            self.say(str(exc))
            return None
        self.say(
            f"Notice of Hearing No. {hid} written to {path}; served on "
            + "; ".join(f"{p.name} ({p.role.lower()})" for p in parties)
            + "."
        )
        self.changed.emit()
        return path

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
        h = self._rows.get(hid)
        self.say(
            f"Outcome entered at Hearing No. {hid}; the matter is "
            f"{wd.words(wd.MATTER_STATUS_WORDS, result['matter_status'])}"
            + (
                f"; the rest is continued to Hearing No. {result['continued_to']}"
                if result["continued_to"]
                else ""
            )
            + (f" ({h.person})" if h and h.person else "")
            + "."
        )
        self.changed.emit()
        return True

    def _schedule_dialog(self) -> None:
        try:
            open_matters = mt.list_matters(self.conn, self.user, status="open")
        except UserError as exc:
            self.say(str(exc))
            return
        if not open_matters:
            self.say("No open matter to set a hearing for; open one in the Matters view.")
            return
        dlg = _Form("Schedule a hearing", self)
        matter = QComboBox()
        matter.setAccessibleName("Matter")
        for r in open_matters:
            matter.addItem(
                f"Matter No. {r.id} — {r.person or r.name} ({wd.words(wd.KIND_SHORT, r.kind)})",
                r.id,
            )
        date, time, dept = (
            _date_edit(self.day.date().toString(ISO), "Hearing date"),
            QLineEdit("08:30"),
            QLineEdit(),
        )
        time.setAccessibleName("Time, HH:MM")
        dept.setAccessibleName("Department")
        for label, w in (("Matter", matter), ("Date", date), ("Time", time), ("Department", dept)):
            dlg.form.addRow(label, w)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.schedule(code(matter), date.date().toString(ISO), time.text(), dept.text())

    def _continue_dialog(self) -> None:
        if self.current_hearing() is None:
            self.say("Select a hearing first.")
            return
        dlg = _Form("Continue the hearing", self)
        date = _date_edit(name="Continued to")
        dlg.form.addRow("Continued to", date)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.continue_to(date.date().toString(ISO))

    def _vacate(self) -> None:
        if self.current_hearing() is None:
            self.say("Select a hearing first.")
            return
        dlg = _Form("Vacate the hearing", self)
        reason = QLineEdit()
        reason.setAccessibleName("Why the hearing is vacated")
        dlg.form.addRow("Why", reason)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.vacate(reason.text())

    def _notice_dialog(self) -> None:
        hid = self.current_hearing()
        if hid is None:
            self.say("Select a hearing first.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the notice of hearing",
            str(Path.home() / f"notice-hearing-{hid}.pdf"),
            "PDF (*.pdf)",
        )
        if path:
            self.make_notice(Path(path), force=Path(path).exists())

    def _outcome_dialog(self) -> None:
        counts = self.selected_counts()
        if not counts:
            self.say("Select the counts ruled on (the list on the right).")
            return
        dlg = OutcomeDialog(counts, self, self._labels(counts))
        if dlg.exec() == QDialog.DialogCode.Accepted:
            cont = dlg.continue_to.date().toString(ISO)
            self.enter_outcome(
                dlg.outcomes(counts), cont if code(dlg.outcome) == "continued" else None
            )


class DispositionsView(QWidget):
    def __init__(
        self,
        conn: sqlite3.Connection,
        user: Any,
        county: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        from desktop.review.county import COUNTIES, canonical, court_county

        super().__init__(parent)
        self.conn, self.user = conn, user
        self.setAccessibleName("Dispositions")
        self.county = QComboBox()
        self.county.setAccessibleName("County")
        self.county.addItems(list(COUNTIES))
        chosen = canonical(county) or court_county(conn)
        self.county.setCurrentIndex(COUNTIES.index(chosen) if chosen else -1)
        self.county.setToolTip("The court's county (an administrator sets it once)")
        self.county.activated.connect(lambda *_: self.refresh())
        self.show_button = QPushButton("Sho&w")
        self.show_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        label = QLabel("&County of")
        label.setBuddy(self.county)
        top.addWidget(label)
        top.addWidget(self.county)
        top.addWidget(self.show_button)
        self.total = QLabel()
        top.addWidget(self.total)
        top.addStretch(1)
        self.stages, self.stages_model = _table(
            ["Stage", "Counts", "Still serving", "Oldest", "Sealed (not listed)"], "Stages"
        )
        _fit(self.stages, 0)
        self.stages.selectionModel().currentRowChanged.connect(lambda *_: self._show_items())
        self.items, self.items_model = _table(
            [
                "Person",
                "Count",
                "Section",
                "Since",
                "Still serving",
                "Matter No.",
                "Where it stands",
            ],
            "Counts of the stage",
        )
        _fit(self.items, 0)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.stages)
        split.addWidget(self.items)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 380])
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.report: Any = None
        chain([self.county, self.show_button, self.stages, self.items])
        if self.county.currentIndex() >= 0:
            self.refresh()
        else:
            self.total.setText("Choose the county (an administrator sets the court's county once).")

    def first_field(self) -> QWidget:
        return self.county

    def refresh(self) -> None:
        if self.county.currentIndex() < 0:
            return
        current = _key(self.stages)
        try:
            self.report = dispositions_status(
                self.conn, self.user, self.county.currentText(), limit=500
            )
        except UserError as exc:
            self.total.setText(str(exc))
            return
        r = self.report
        self.total.setText(f"{r.total:,} counts in scope")
        _fill(
            self.stages_model,
            [
                [s.label, f"{s.count:,}", f"{s.serving:,}", s.oldest, s.sealed_not_listed or ""]
                for s in r.stages
            ],
            [s.stage for s in r.stages],
        )
        # The stage shown before, else the first with counts in it.
        chosen = next(
            (
                row
                for row in range(self.stages_model.rowCount())
                if self.stages_model.item(row, 0).data(Qt.ItemDataRole.UserRole) == current
            ),
            next((i for i, st in enumerate(r.stages) if st.count), None),
        )
        if chosen is not None:
            self.stages.setCurrentIndex(self.stages_model.index(chosen, 0))
        self._show_items()

    def _show_items(self) -> None:
        stage = _key(self.stages)
        found = [s for s in (self.report.stages if self.report else []) if s.stage == stage]
        items = found[0].items if found else []
        _fill(
            self.items_model,
            [
                [
                    i.person,
                    i.count_label,
                    f"HS {i.section}" if i.section else "",
                    i.since,
                    "yes" if i.serving else "",
                    i.matter_id,
                    i.detail,
                ]
                for i in items
            ],
            [i.count_id for i in items],
        )
