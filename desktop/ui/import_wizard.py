"""The guided import (after BEAR's flow): files → county → policy (options editable, saved as a
new policy version) → as-of date → import and evaluation with progress and Cancel → summary with
the rejected rows. The work runs on a worker thread with its own database connection; Cancel
raises Cancelled inside the core's progress callback, which rolls back the unfinished step."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.records.rejected import rejected_rows, row_warnings
from desktop.review.county import COUNTIES
from desktop.ui import policy_access
from desktop.ui.focus import chain
from desktop.ui.labels import user_message
from desktop.ui.workers import start_worker

FILE_COLUMNS = ("File", "Kind", "Rows (about)", "Check")


class FilesPage(QWizardPage):
    """Several files; each is checked when added (kind, rows, imported before) and shows the
    result. A file that fails the check stays listed with the reason and is left out."""

    def __init__(self, settings: QSettings, db_path: Path | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.db_path = db_path
        self.checks: dict[str, Any] = {}
        self.setTitle("1. Choose the files")
        self.setSubTitle(
            "DOJ research files, court extracts (CSV) or prosecution responses, "
            "each checked when added: a file that cannot be imported is left out."
        )
        layout = QVBoxLayout(self)
        self.files = QTableWidget(0, len(FILE_COLUMNS))
        self.files.setHorizontalHeaderLabels(list(FILE_COLUMNS))
        self.files.setAccessibleName("Files to import and the result of their check")
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.verticalHeader().setVisible(False)
        header = self.files.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.files)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add files…")
        self.add_button.setAccessibleName("Add files")
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove the selected file")
        self.remove_button.clicked.connect(lambda: self._remove())
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Files that will be imported")
        layout.addWidget(self.note)
        chain([self.add_button, self.files, self.remove_button])

    def initializePage(self) -> None:
        (self.add_button if not self.checks else self.files).setFocus()

    def _add(self) -> None:
        start = str(self.settings.value("import/last_folder", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Choose files to import", start, "Record files (*.csv *.txt *.dat);;All files (*)"
        )
        self.add_paths(paths)

    def _check(self, path: str) -> Any:
        from desktop.records.precheck import check_file
        from desktop.store import open_db

        if self.db_path is None:
            return check_file(None, path)
        conn = open_db(self.db_path).conn
        try:
            return check_file(conn, path)
        finally:
            conn.close()

    def add_paths(self, paths: list[str]) -> None:
        for p in paths:
            if p in self.checks:
                continue
            check = self._check(p)
            self.checks[p] = check
            r = self.files.rowCount()
            self.files.insertRow(r)
            rows = f"{check.rows_estimate:,}" if check.ok else ""
            for j, text in enumerate((Path(p).name, check.kind_words, rows, check.verdict)):
                it = QTableWidgetItem(text)
                it.setData(Qt.ItemDataRole.UserRole, p)
                it.setToolTip(p if j == 0 else text)
                self.files.setItem(r, j, it)
        if paths:
            self.settings.setValue("import/last_folder", str(Path(paths[-1]).parent))
        self._update_note()
        self.completeChanged.emit()

    def _update_note(self) -> None:
        good = [c for c in self.checks.values() if c.ok and not c.already_imported]
        bad = [c for c in self.checks.values() if not c.ok]
        text = f"{len(good)} file{'s' if len(good) != 1 else ''} will be imported."
        if bad:
            text += (
                f" {len(bad)} cannot be imported and will be left out (see Check); the "
                "others are not affected."
            )
        self.note.setText(text if self.checks else "")

    def _remove(self) -> None:
        for r in sorted({i.row() for i in self.files.selectedIndexes()}, reverse=True):
            item = self.files.item(r, 0)
            if item is not None:
                self.checks.pop(item.data(Qt.ItemDataRole.UserRole), None)
            self.files.removeRow(r)
        self._update_note()
        self.completeChanged.emit()

    def paths(self) -> list[str]:
        """The files to import: those that passed the check (imported-before ones included:
        the importer recognises and skips them, and the summary says so)."""
        return [p for p, c in self.checks.items() if c.ok]

    def failed(self) -> list[Any]:
        return [c for c in self.checks.values() if not c.ok]

    def isComplete(self) -> bool:
        return bool(self.checks)


class CountyPage(QWizardPage):
    """The court's county, set once by the administrator (desktop.review.county). The wizard
    evaluates it; other counties' convictions are read only as priors. No free text and no
    default of another county: until it is set, an administrator chooses it here (a clerk is
    told to ask)."""

    CHOOSE = "Choose the court's county…"

    def __init__(self, settings: QSettings, db_path: Path | None = None, user: Any = None) -> None:
        super().__init__()
        self.settings, self.db_path, self.user = settings, db_path, user
        self.setTitle("2. County")
        self.setSubTitle(
            "The court's county: its convictions are evaluated. Convictions from "
            "other counties on a person's record are read only as prior "
            "convictions."
        )
        form = QFormLayout(self)
        self.form = form
        self.shown = QLabel("")
        self.shown.setObjectName("sectionTitle")
        self.shown.setAccessibleName("The court's county")
        form.addRow("Court's county:", self.shown)
        self.county = QComboBox()
        self.county.setAccessibleName("Set the court's county")
        self.county.addItem(self.CHOOSE, None)
        for c in COUNTIES:
            self.county.addItem(c, c)
        self.county.setMaxVisibleItems(20)
        form.addRow("&Set the county:", self.county)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setObjectName("hint")
        form.addRow(self.hint)
        self.county.currentIndexChanged.connect(lambda _: self.completeChanged.emit())
        self.set_county: str | None = None

    def _stored(self) -> str | None:
        from desktop.review.county import court_county
        from desktop.store import open_db

        if self.db_path is None:
            return None
        conn = open_db(self.db_path).conn
        try:
            return court_county(conn)
        finally:
            conn.close()

    def initializePage(self) -> None:
        self.set_county = self._stored()
        is_admin = getattr(self.user, "role", None) == "admin"
        if self.set_county:
            self.shown.setText(f"{self.set_county} County")
            self.county.setVisible(False)
            self.form_label(False)
            self.hint.setText("Set by the administrator. A court evaluates its own county only.")
        else:
            self.shown.setText("Not set yet")
            self.county.setVisible(is_admin)
            self.form_label(is_admin)
            self.hint.setText(
                "Choose the court's county once; every later import evaluates it."
                if is_admin
                else "The administrator has not set the court's county yet. Ask the administrator "
                "to sign in and choose it (File › Import and evaluate, or the command "
                "“county”), then import again."
            )
            if is_admin:
                self.county.setFocus()
        self.completeChanged.emit()

    def form_label(self, visible: bool) -> None:
        label = self.form.labelForField(self.county)
        if label is not None:
            label.setVisible(visible)

    def value(self) -> str:
        return self.set_county or (self.county.currentData() or "")

    def isComplete(self) -> bool:
        return bool(self.value())

    def validatePage(self) -> bool:
        if self.set_county:
            return True
        from desktop.errors import UserError
        from desktop.review.county import set_court_county
        from desktop.store import open_db

        choice = self.county.currentData()
        if not choice:
            return False
        answer = QMessageBox.question(
            self,
            "Set the court's county",
            f"Set the court's county to {choice}? Every import then evaluates {choice} County; "
            "only the administrator can change it.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        if self.db_path is None:
            QMessageBox.warning(self, "County not set", "No database is open to keep it in.")
            return False
        conn = open_db(self.db_path).conn
        try:
            self.set_county = set_court_county(conn, self.user, choice)
        except UserError as exc:
            QMessageBox.warning(self, "County not set", user_message(str(exc)))
            return False
        finally:
            conn.close()
        return True


class PolicyPage(QWizardPage):
    """The policy and its options, as editable fields generated from the policy's own data."""

    def __init__(self, db_path: Path, user: Any) -> None:
        super().__init__()
        self.db_path, self.user = db_path, user
        self.setTitle("3. Policy")
        self.setSubTitle(
            "Which relief the county grants beyond the statutory floor. Editing an "
            "option and saving stores a new version of the policy; the evaluation "
            "records the version it used."
        )
        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.policy = QComboBox()
        self.policy.setAccessibleName("Policy")
        top.addRow("&Policy:", self.policy)
        layout.addLayout(top)
        # Not `self.title`: that would hide QWizardPage.title(), which QWizard calls.
        self.policy_title = QLabel("")
        self.policy_title.setObjectName("hint")
        self.policy_title.setWordWrap(True)
        layout.addWidget(self.policy_title)
        self.options_box = QWidget()
        self.options_form = QFormLayout(self.options_box)
        self.options_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.options_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.options_box)
        scroll.setAccessibleName("Policy options")
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.save = QPushButton("Save as a ne&w version")
        self.save.setAccessibleName("Save the edited options as a new policy version")
        self.save.clicked.connect(self._save)
        row.addStretch(1)
        row.addWidget(self.save)
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.editors: dict[tuple[str, ...], QWidget] = {}
        self.current: dict[str, Any] = {}
        self.county = ""
        self.last: Any = None
        self._user_chose = False
        self.policy.currentIndexChanged.connect(self._load)
        self.policy.activated.connect(lambda _: setattr(self, "_user_chose", True))

    def initializePage(self) -> None:
        """Policies by title; preselected from the county's last run, else the county's own
        policy (los-angeles for Los Angeles), else the statutory floor."""
        from desktop.review.county import last_run, preselected_policy
        from desktop.store import open_db

        wizard = self.wizard()
        county = wizard.county_page.value() if isinstance(wizard, ImportWizard) else ""
        names = policy_access.policy_names()
        if self.policy.count() == 0:
            for name in names:
                title = policy_access.policy_title(name)
                self.policy.addItem(f"{title} ({name})" if title else name, name)
        conn = open_db(self.db_path).conn
        try:
            self.county = county
            self.last = last_run(conn, county) if county else None
            chosen = preselected_policy(conn, county, names) if county else None
        finally:
            conn.close()
        if chosen and not self._user_chose:
            self.policy.blockSignals(True)
            self.policy.setCurrentIndex(max(0, self.policy.findData(chosen)))
            self.policy.blockSignals(False)
            self._load()
        elif not self.editors:
            self._load()
        self.policy.setFocus()

    def _load(self) -> None:
        name = self.policy.currentData()
        while self.options_form.rowCount():
            self.options_form.removeRow(0)
        self.editors.clear()
        if not name:
            return
        self.current = policy_access.load_options(name)
        self.policy_title.setText(self.current.get("title", ""))
        titles = self.current.get("titles", {})
        for group, options in self.current.get("options", {}).items():
            heading = QLabel(titles.get(group, group))
            heading.setObjectName("sectionTitle")
            heading.setWordWrap(True)
            self.options_form.addRow(heading)
            self._add_editors((group,), options)
        text = f"Version {self.current.get('version', '?')}."
        if self.last is not None:
            if self.last.policy_name == name:
                text += (
                    f" {self.county} County was last evaluated with this policy (version "
                    f"{self.last.policy_version})."
                )
            else:
                text += (
                    f" Not the policy of {self.county} County's last evaluation "
                    f"(“{self.last.policy_name}”): you will be asked to confirm."
                )
        self.status.setText(text)

    def _add_editors(self, prefix: tuple[str, ...], options: dict[str, Any]) -> None:
        for key, value in options.items():
            path = (*prefix, key)
            label = policy_access.option_words(key)
            if isinstance(value, dict):
                self._add_editors(path, value)
                continue
            w: QWidget
            if isinstance(value, bool):
                check = QCheckBox()
                check.setChecked(value)
                w = check
            elif isinstance(value, int):
                w = QSpinBox()
                w.setRange(-1, 1000)
                w.setValue(value)
            elif isinstance(value, list):
                w = QLineEdit(", ".join(str(v) for v in value))
                w.setToolTip("A list: separate the items with commas")
            elif isinstance(value, str) and policy_access.choices(key):
                w = QComboBox()
                values = policy_access.choices(key)
                if value not in values:
                    values = [*values, value]
                for v in values:  # shown as words, kept as the policy's value
                    w.addItem(policy_access.value_words(v), v)
                w.setCurrentIndex(max(0, w.findData(value)))
            else:
                w = QLineEdit("" if value is None else str(value))
            w.setAccessibleName(" › ".join((*prefix, label)))
            self.options_form.addRow(f"{label}:", w)
            self.editors[path] = w

    def edited_options(self) -> dict[str, Any]:
        options = json.loads(json.dumps(self.current.get("options", {})))
        for path, w in self.editors.items():
            node = options
            for k in path[:-1]:
                node = node[k]
            old = node[path[-1]]
            if isinstance(w, QCheckBox):
                node[path[-1]] = w.isChecked()
            elif isinstance(w, QSpinBox):
                node[path[-1]] = w.value()
            elif isinstance(w, QComboBox):
                node[path[-1]] = w.currentData()
            elif isinstance(old, list):
                node[path[-1]] = [s.strip() for s in w.text().split(",") if s.strip()]  # type: ignore[attr-defined]
            else:
                node[path[-1]] = w.text()  # type: ignore[attr-defined]
        return options

    def _save(self) -> None:
        from desktop.errors import UserError
        from desktop.store import open_db

        conn = open_db(self.db_path).conn
        try:
            version = policy_access.save_version(
                conn, self.policy.currentData(), self.edited_options(), self.user
            )
        except UserError as exc:
            QMessageBox.warning(self, "Policy not saved", user_message(str(exc)))
            return
        finally:
            conn.close()
        self.current = policy_access.load_options(self.policy.currentData())
        self.status.setText(f"Saved as version {version}.")

    def policy_name(self) -> str:
        return str(self.policy.currentData() or "")

    def validatePage(self) -> bool:
        from desktop.review.county import policy_change_warning
        from desktop.store import open_db

        if self.county:
            conn = open_db(self.db_path).conn
            try:
                warning = policy_change_warning(conn, self.county, self.policy_name())
            finally:
                conn.close()
            if warning:
                box = QMessageBox(
                    QMessageBox.Icon.Warning,
                    "A different policy than last time",
                    warning,
                    QMessageBox.StandardButton.Cancel,
                    self,
                )
                go = box.addButton("Use this policy", QMessageBox.ButtonRole.AcceptRole)
                box.setDefaultButton(QMessageBox.StandardButton.Cancel)
                box.exec()
                if box.clickedButton() is not go:
                    return False
        if self.edited_options() != self.current.get("options", {}):
            answer = QMessageBox.question(
                self,
                "Unsaved policy changes",
                "You changed options without saving them. Save them as a new version now?",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self._save()
            else:
                self._load()
        return bool(self.policy_name())


class AsOfPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("4. As-of date")
        self.setSubTitle(
            "Sentences, ages and waiting periods are judged on this date. AB 1793's "
            "prosecution deadline was July 1, 2020."
        )
        form = QFormLayout(self)
        self.date = QDateEdit(QDate(2020, 7, 1))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setAccessibleName("As-of date")
        form.addRow("&As of:", self.date)

    def initializePage(self) -> None:
        self.date.setFocus()

    def value(self) -> date:
        d = self.date.date()
        return date(d.year(), d.month(), d.day())


class ProgressPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("5. Importing and evaluating")
        self.setSubTitle(
            "You can keep using ReliefDesk's other windows; Cancel stops the step "
            "in progress and keeps nothing of it."
        )
        layout = QVBoxLayout(self)
        self.label = QLabel("Starting…")
        self.label.setAccessibleName("Progress step")
        layout.addWidget(self.label)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.bar.setFormat("%p %")
        self._stage, self._t0 = "", time.monotonic()
        layout.addWidget(self.bar)
        self.cancel = QPushButton("&Cancel the import")
        self.cancel.setAccessibleName("Cancel the import")
        self.cancel.clicked.connect(self._cancel)
        row = QHBoxLayout()
        row.addWidget(self.cancel)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.done = False
        self.worker: Any = None
        self.thread: Any = None

    def initializePage(self) -> None:
        self.done = False
        self.cancel.setEnabled(True)
        self.bar.setRange(0, 0)
        self._stage, self._t0 = "", time.monotonic()
        w = self.w
        files, county = w.files_page.paths(), w.county_page.value()
        policy, as_of = w.policy_page.policy_name(), w.asof_page.value()
        db_path, user = w.db_path, w.user
        outcome: dict[str, Any] = {
            "summaries": [],
            "results": [],
            "run_id": None,
            "stage": "import",
            "before": None,
        }
        # Files that failed their check when added: in the summary with the reason.
        for c in w.files_page.failed():
            outcome["results"].append(
                {"file": c.path, "ok": False, "note": c.problem, "summary": None}
            )
        w.outcome = outcome

        def job(progress: Any) -> dict[str, Any]:
            from desktop.errors import UserError
            from desktop.evaluation.runs import evaluate_county
            from desktop.records.importer import import_file
            from desktop.review.county import last_run
            from desktop.store import open_db

            db = open_db(db_path)  # this thread's own connection
            try:
                before = last_run(db.conn, county)
                outcome["before"] = before.totals if before else None
                outcome["before_policy"] = before.policy_name if before else None
                for i, path in enumerate(files, 1):
                    progress(0, 0, f"Importing file {i} of {len(files)}: {Path(path).name}")
                    try:
                        summary = import_file(db, path, progress=progress, user=user.name)
                    except UserError as exc:  # this file only: the others go on
                        outcome["results"].append(
                            {
                                "file": path,
                                "ok": False,
                                "note": user_message(str(exc)),
                                "summary": None,
                            }
                        )
                        continue
                    outcome["summaries"].append(summary)
                    outcome["results"].append(
                        {
                            "file": path,
                            "ok": True,
                            "summary": summary,
                            "note": "imported before: skipped"
                            if summary.already_imported
                            else "imported",
                        }
                    )
                outcome["stage"] = "evaluate"
                progress(0, 0, f"Evaluating {county} County")
                outcome["run_id"] = evaluate_county(
                    db, county, policy, as_of, user=user.name, progress=progress
                )
                return outcome
            finally:
                db.conn.close()

        self.thread, self.worker = start_worker(self, job)
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(lambda _: self._finish("Finished."))
        self.worker.failed.connect(lambda msg: self._finish(f"Stopped: {msg}", error=True))
        self.worker.cancelled.connect(
            lambda: self._finish(
                "Cancelled. The step in progress was rolled back; files imported before it are kept.",
                error=True,
            )
        )

    def _progress(self, done: int, total: int, label: str) -> None:
        """The step, its percentage and the time left (from the pace so far in this step)."""
        if label != self._stage:
            self._stage, self._t0 = label, time.monotonic()
        text = label
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            pct = min(100, int(done * 100 / total))
            text += f" — {pct} %"
            elapsed = time.monotonic() - self._t0
            if 0 < done < total and elapsed > 1:
                text += f", about {time_left(elapsed * (total - done) / done)} left"
        else:
            self.bar.setRange(0, 0)
        self.label.setText(text)

    def _cancel(self) -> None:
        if self.worker is not None and not self.done:
            self.label.setText("Cancelling…")
            self.cancel.setEnabled(False)
            self.worker.cancel()

    def _finish(self, text: str, error: bool = False) -> None:
        self.done = True
        self.w.changed = True
        self.w.outcome["message"] = text
        self.w.outcome["error"] = error
        self.label.setText(text)
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.cancel.setEnabled(False)
        self.completeChanged.emit()
        if not error:
            self.w.next()

    def isComplete(self) -> bool:
        return self.done


class SummaryPage(QWizardPage):
    """Each file's result (imported, skipped as imported before, or not imported and why), the
    evaluation's counts by relief, and what changed against the county's previous run."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("6. Summary")
        layout = QVBoxLayout(self)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Import summary")
        layout.addWidget(self.text)
        self.files = QTableWidget(0, 6)
        self.files.setHorizontalHeaderLabels(
            ["File", "Result", "Rows read", "Kept", "Rejected", "Fields not read"]
        )
        self.files.setAccessibleName("Each file's result")
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.files.horizontalHeader().setStretchLastSection(True)
        self.files.verticalHeader().setVisible(False)
        self.files.setMaximumHeight(140)
        layout.addWidget(self.files)
        self.relief_label = QLabel("")
        self.relief_label.setWordWrap(True)
        layout.addWidget(self.relief_label)
        self.reliefs = QTableWidget(0, 4)
        self.reliefs.setHorizontalHeaderLabels(["Relief", "Before", "After", "Change"])
        self.reliefs.setAccessibleName("Counts by relief before and after this evaluation")
        self.reliefs.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reliefs.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.reliefs.horizontalHeader().setStretchLastSection(True)
        self.reliefs.verticalHeader().setVisible(False)
        self.reliefs.setMaximumHeight(170)
        layout.addWidget(self.reliefs)
        self.rejected_label = QLabel(
            "Rejected rows, and fields kept unread (the fact is left "
            "unknown and the row kept), of the selected file:"
        )
        layout.addWidget(self.rejected_label)
        self.rejected = QTableWidget(0, 4)
        self.rejected.setHorizontalHeaderLabels(["Line", "Column", "Reason", "Raw row"])
        self.rejected.setAccessibleName("Rejected rows")
        self.rejected.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.rejected.horizontalHeader().setStretchLastSection(True)
        self.rejected.verticalHeader().setVisible(False)
        layout.addWidget(self.rejected, 1)
        self.files.itemSelectionChanged.connect(self._show_rejected)
        chain([self.files, self.reliefs, self.rejected])

    def initializePage(self) -> None:
        from desktop.ui.labels import relief_text

        out = self.w.outcome
        results = out.get("results", [])
        self.files.setRowCount(len(results))
        for i, r in enumerate(results):
            s = r["summary"]
            values = [Path(r["file"]).name, r["note"][:1].upper() + r["note"][1:]]
            values += (
                [f"{s.rows_read:,}", f"{s.rows_kept:,}", f"{s.rows_rejected:,}", f"{s.warnings:,}"]
                if s is not None
                else ["", "", "", ""]
            )
            for j, v in enumerate(values):
                it = QTableWidgetItem(v)
                it.setData(Qt.ItemDataRole.UserRole, s.import_id if s is not None else None)
                it.setToolTip(r["file"] if j == 0 else v)
                self.files.setItem(i, j, it)
        imported = sum(1 for r in results if r["ok"] and r["note"] == "imported")
        failed = sum(1 for r in results if not r["ok"])
        lines = [
            out.get("message", ""),
            f"{imported} file{'s' if imported != 1 else ''} imported"
            + (f", {failed} not imported (see Result)" if failed else "")
            + ".",
        ]
        before = out.get("before") or {}
        if out.get("run_id") is not None:
            after = self.w.run_totals(out["run_id"])
            total = sum(after.values())
            lines.append(
                f"{self.w.county_page.value()} County evaluated with the policy "
                f"“{self.w.policy_page.policy_name()}”: {total:,} counts."
            )
            self.relief_label.setText(
                "Counts by relief before (the previous evaluation, policy "
                f"“{out.get('before_policy')}”) and after this one:"
                if before
                else "Counts by relief (the county's first evaluation):"
            )
            keys = list(dict.fromkeys([*after, *before]))
            self.reliefs.setRowCount(len(keys))
            for i, k in enumerate(keys):
                b, a = before.get(k, 0), after.get(k, 0)
                change = f"{a - b:+,}" if before else ""
                for j, v in enumerate(
                    [relief_text(k), f"{b:,}" if before else "—", f"{a:,}", change]
                ):
                    self.reliefs.setItem(i, j, QTableWidgetItem(v))
        self.text.setText("\n".join(x for x in lines if x))
        if results:
            self.files.selectRow(0)
        self.files.setFocus()

    def _show_rejected(self) -> None:
        items = self.files.selectedItems()
        import_id = items[0].data(Qt.ItemDataRole.UserRole) if items else None
        rows = self.w.rejected_rows(import_id) if import_id is not None else []
        self.rejected.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                text = "" if v is None else str(v)
                it = QTableWidgetItem(text[:300])
                it.setToolTip(text[:2000])
                self.rejected.setItem(i, j, it)


def time_left(seconds: float) -> str:
    """'45 s', '3 min', '1 h 20 min'."""
    s = int(seconds + 0.5)
    if s < 60:
        return f"{max(s, 1)} s"
    if s < 3600:
        return f"{round(s / 60)} min"
    return f"{s // 3600} h {round((s % 3600) / 60)} min"


class ImportWizard(QWizard):
    REJECTED_SHOWN = 1000  # the rest stay in the database (reliefdesk CLI lists all)

    def __init__(self, db_path: Path, user: Any, settings: QSettings, parent: Any = None) -> None:
        super().__init__(parent)
        self.db_path, self.user, self.settings = Path(db_path), user, settings
        self.changed = False
        self.outcome: dict[str, Any] = {}
        self.setWindowTitle("Import and evaluate records")
        self.setAccessibleName("Import and evaluate records")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.files_page = FilesPage(settings, self.db_path)
        self.county_page = CountyPage(settings, self.db_path, user)
        self.policy_page = PolicyPage(self.db_path, user)
        self.asof_page = AsOfPage()
        self.progress_page = ProgressPage(self)
        self.summary_page = SummaryPage(self)
        for p in (
            self.files_page,
            self.county_page,
            self.policy_page,
            self.asof_page,
            self.progress_page,
            self.summary_page,
        ):
            self.addPage(p)
        self.resize(860, 620)

    def _conn(self) -> Any:
        from desktop.store import open_db

        return open_db(self.db_path).conn

    def run_totals(self, run_id: int) -> dict[str, int]:
        from desktop.review.county import relief_totals

        conn = self._conn()
        try:
            return relief_totals(conn, run_id)
        finally:
            conn.close()

    def rejected_rows(self, import_id: int) -> list[tuple[Any, ...]]:
        """Rejected rows, then the fields kept unread (issue 13 §3), each in line order."""
        conn = self._conn()
        try:
            rows: list[tuple[Any, ...]] = [
                (r.line, r.column, r.reason, r.raw)
                for r in rejected_rows(conn, import_id, self.REJECTED_SHOWN)
            ]
            rows += [
                (w.line, w.column, f"kept, not read: {w.reason}", w.value)
                for w in row_warnings(conn, import_id, self.REJECTED_SHOWN)
            ]
            return rows
        finally:
            conn.close()

    def reject(self) -> None:
        page = self.progress_page
        if page.worker is not None and not page.done:
            page._cancel()
            return  # closes once the worker has rolled back (its signal finishes the page)
        super().reject()
