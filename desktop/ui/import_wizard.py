"""The guided import (after BEAR's flow): files → county → policy (options editable, saved as a
new policy version) → as-of date → import and evaluation with progress and Cancel → summary with
the rejected rows. The work runs on a worker thread with its own database connection; Cancel
raises Cancelled inside the core's progress callback, which rolls back the unfinished step."""

from __future__ import annotations

import json
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
    QListWidget,
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

from desktop.ui import policy_access
from desktop.ui.labels import user_message
from desktop.ui.workers import start_worker

COUNTIES = (
    "Alameda", "Alpine", "Amador", "Butte", "Calaveras", "Colusa", "Contra Costa", "Del Norte",
    "El Dorado", "Fresno", "Glenn", "Humboldt", "Imperial", "Inyo", "Kern", "Kings", "Lake",
    "Lassen", "Los Angeles", "Madera", "Marin", "Mariposa", "Mendocino", "Merced", "Modoc",
    "Mono", "Monterey", "Napa", "Nevada", "Orange", "Placer", "Plumas", "Riverside", "Sacramento",
    "San Benito", "San Bernardino", "San Diego", "San Francisco", "San Joaquin", "San Luis Obispo",
    "San Mateo", "Santa Barbara", "Santa Clara", "Santa Cruz", "Shasta", "Sierra", "Siskiyou",
    "Solano", "Sonoma", "Stanislaus", "Sutter", "Tehama", "Trinity", "Tulare", "Tuolumne",
    "Ventura", "Yolo", "Yuba",
)


class FilesPage(QWizardPage):
    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.setTitle("1. Choose the files")
        self.setSubTitle("DOJ bulk research files or court extracts (CSV). A file imported before "
                         "is recognised and skipped.")
        layout = QVBoxLayout(self)
        self.files = QListWidget()
        self.files.setAccessibleName("Files to import")
        layout.addWidget(self.files)
        row = QHBoxLayout()
        add = QPushButton("&Add files…")
        add.setAccessibleName("Add files")
        add.clicked.connect(self._add)
        remove = QPushButton("&Remove")
        remove.setAccessibleName("Remove the selected file")
        remove.clicked.connect(lambda: self._remove())
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)

    def _add(self) -> None:
        start = str(self.settings.value("import/last_folder", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(self, "Choose files to import", start,
                                                "Record files (*.csv *.txt *.dat);;All files (*)")
        self.add_paths(paths)

    def add_paths(self, paths: list[str]) -> None:
        for p in paths:
            if not self.files.findItems(p, Qt.MatchExactly):
                self.files.addItem(p)
        if paths:
            self.settings.setValue("import/last_folder", str(Path(paths[-1]).parent))
        self.completeChanged.emit()

    def _remove(self) -> None:
        for it in self.files.selectedItems():
            self.files.takeItem(self.files.row(it))
        self.completeChanged.emit()

    def paths(self) -> list[str]:
        return [self.files.item(i).text() for i in range(self.files.count())]

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.files.count() > 0


class CountyPage(QWizardPage):
    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.setTitle("2. County")
        self.setSubTitle("The county whose convictions are evaluated (the prosecuting county).")
        form = QFormLayout(self)
        self.county = QComboBox()
        self.county.setEditable(True)
        self.county.setAccessibleName("County")
        self.county.addItems(list(COUNTIES))
        last = settings.value("import/county")
        if last:
            self.county.setCurrentText(str(last))
        form.addRow("&County:", self.county)
        self.settings = settings

    def value(self) -> str:
        return self.county.currentText().strip()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        self.settings.setValue("import/county", self.value())
        return bool(self.value())


class PolicyPage(QWizardPage):
    """The policy and its options, as editable fields generated from the policy's own data."""

    def __init__(self, db_path: Path, user: Any) -> None:
        super().__init__()
        self.db_path, self.user = db_path, user
        self.setTitle("3. Policy")
        self.setSubTitle("Which relief the county grants beyond the statutory floor. Editing an "
                         "option and saving stores a new version of the policy; the evaluation "
                         "records the version it used.")
        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.policy = QComboBox()
        self.policy.setAccessibleName("Policy")
        top.addRow("&Policy:", self.policy)
        layout.addLayout(top)
        self.title = QLabel("")
        self.title.setObjectName("hint")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.options_box = QWidget()
        self.options_form = QFormLayout(self.options_box)
        self.options_form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.options_box)
        scroll.setAccessibleName("Policy options")
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.save = QPushButton("Save as &new version")
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
        self.policy.currentIndexChanged.connect(self._load)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        if self.policy.count() == 0:
            for name in policy_access.policy_names():
                self.policy.addItem(name, name)
            self._load()

    def _load(self) -> None:
        name = self.policy.currentData()
        while self.options_form.rowCount():
            self.options_form.removeRow(0)
        self.editors.clear()
        if not name:
            return
        self.current = policy_access.load_options(name)
        self.title.setText(self.current.get("title", ""))
        titles = self.current.get("titles", {})
        for group, options in self.current.get("options", {}).items():
            heading = QLabel(titles.get(group, group))
            heading.setObjectName("sectionTitle")
            heading.setWordWrap(True)
            self.options_form.addRow(heading)
            self._add_editors((group,), options)
        self.status.setText(f"Version {self.current.get('version', '?')}")

    def _add_editors(self, prefix: tuple[str, ...], options: dict[str, Any]) -> None:
        for key, value in options.items():
            path = (*prefix, key)
            label = key.replace("_", " ")
            label = label[:1].upper() + label[1:]
            if isinstance(value, dict):
                self._add_editors(path, value)
                continue
            if isinstance(value, bool):
                w: QWidget = QCheckBox()
                w.setChecked(value)
            elif isinstance(value, int):
                w = QSpinBox()
                w.setRange(-1, 1000)
                w.setValue(value)
            elif isinstance(value, list):
                w = QLineEdit(", ".join(str(v) for v in value))
                w.setToolTip("A list: separate the items with commas")
            elif isinstance(value, str) and policy_access.choices(key):
                w = QComboBox()
                w.setEditable(key != "then")
                w.addItems(policy_access.choices(key))
                w.setCurrentText(value)
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
                node[path[-1]] = w.currentText().strip()
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
            version = policy_access.save_version(conn, self.policy.currentData(),
                                                 self.edited_options(), self.user)
        except UserError as exc:
            QMessageBox.warning(self, "Policy not saved", user_message(str(exc)))
            return
        finally:
            conn.close()
        self.current = policy_access.load_options(self.policy.currentData())
        self.status.setText(f"Saved as version {version}.")

    def policy_name(self) -> str:
        return str(self.policy.currentData() or "")

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        if self.edited_options() != self.current.get("options", {}):
            answer = QMessageBox.question(
                self, "Unsaved policy changes",
                "You changed options without saving them. Save them as a new version now?")
            if answer == QMessageBox.Yes:
                self._save()
            else:
                self._load()
        return bool(self.policy_name())


class AsOfPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("4. As-of date")
        self.setSubTitle("Sentences, ages and waiting periods are judged on this date. AB 1793's "
                         "prosecution deadline was July 1, 2020.")
        form = QFormLayout(self)
        self.date = QDateEdit(QDate(2020, 7, 1))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setAccessibleName("As-of date")
        form.addRow("&As of:", self.date)

    def value(self) -> date:
        d = self.date.date()
        return date(d.year(), d.month(), d.day())


class ProgressPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("5. Importing and evaluating")
        self.setSubTitle("You can keep using ReliefDesk's other windows; Cancel stops the step "
                         "in progress and keeps nothing of it.")
        layout = QVBoxLayout(self)
        self.label = QLabel("Starting…")
        self.label.setAccessibleName("Progress step")
        layout.addWidget(self.label)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
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

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.done = False
        self.cancel.setEnabled(True)
        self.bar.setRange(0, 0)
        w = self.w
        files, county = w.files_page.paths(), w.county_page.value()
        policy, as_of = w.policy_page.policy_name(), w.asof_page.value()
        db_path, user = w.db_path, w.user
        outcome: dict[str, Any] = {"summaries": [], "run_id": None, "stage": "import"}
        w.outcome = outcome

        def job(progress: Any) -> dict[str, Any]:
            from desktop.records.importer import import_file
            from desktop.rules.evaluate import evaluate_county
            from desktop.store import open_db

            db = open_db(db_path)     # this thread's own connection
            try:
                for i, path in enumerate(files, 1):
                    progress(0, 0, f"Importing file {i} of {len(files)}: {Path(path).name}")
                    outcome["summaries"].append(
                        import_file(db, path, progress=progress, user=user.name))
                outcome["stage"] = "evaluate"
                progress(0, 0, f"Evaluating {county} county")
                outcome["run_id"] = evaluate_county(db, county, policy, as_of, user=user.name,
                                                    progress=progress)
                return outcome
            finally:
                db.conn.close()

        self.thread, self.worker = start_worker(self, job)
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(lambda _: self._finish("Finished."))
        self.worker.failed.connect(lambda msg: self._finish(f"Stopped: {msg}", error=True))
        self.worker.cancelled.connect(lambda: self._finish(
            "Cancelled. The step in progress was rolled back; files imported before it are kept.",
            error=True))

    def _progress(self, done: int, total: int, label: str) -> None:
        self.label.setText(label)
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)

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

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.done


class SummaryPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("6. Summary")
        layout = QVBoxLayout(self)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Import summary")
        layout.addWidget(self.text)
        self.files = QTableWidget(0, 5)
        self.files.setHorizontalHeaderLabels(["File", "Rows read", "Kept", "Rejected", "Note"])
        self.files.setAccessibleName("Imported files")
        self.files.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.files.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.files.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.files.horizontalHeader().setStretchLastSection(True)
        self.files.verticalHeader().setVisible(False)
        self.files.setMaximumHeight(150)
        layout.addWidget(self.files)
        layout.addWidget(QLabel("Rejected rows of the selected file:"))
        self.rejected = QTableWidget(0, 4)
        self.rejected.setHorizontalHeaderLabels(["Line", "Column", "Reason", "Raw row"])
        self.rejected.setAccessibleName("Rejected rows")
        self.rejected.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.rejected.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.rejected.horizontalHeader().setStretchLastSection(True)
        self.rejected.verticalHeader().setVisible(False)
        layout.addWidget(self.rejected, 1)
        self.files.itemSelectionChanged.connect(self._show_rejected)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        out = self.w.outcome
        summaries = out.get("summaries", [])
        self.files.setRowCount(len(summaries))
        for i, s in enumerate(summaries):
            note = "already imported (skipped)" if s.already_imported else ""
            for j, v in enumerate([Path(s.file).name, f"{s.rows_read:,}", f"{s.rows_kept:,}",
                                   f"{s.rows_rejected:,}", note]):
                it = QTableWidgetItem(v)
                it.setData(Qt.UserRole, s.import_id)
                self.files.setItem(i, j, it)
        lines = [out.get("message", "")]
        if out.get("run_id") is not None:
            totals = self.w.run_totals(out["run_id"])
            lines.append(f"Evaluation run {out['run_id']}: " + ", ".join(
                f"{k.replace('_', ' ')} {v:,}" for k, v in totals.items()))
        self.text.setText("\n".join(x for x in lines if x))
        if summaries:
            self.files.selectRow(0)

    def _show_rejected(self) -> None:
        items = self.files.selectedItems()
        import_id = items[0].data(Qt.UserRole) if items else None
        rows = self.w.rejected_rows(import_id) if import_id is not None else []
        self.rejected.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                text = "" if v is None else str(v)
                it = QTableWidgetItem(text[:300])
                it.setToolTip(text[:2000])
                self.rejected.setItem(i, j, it)


class ImportWizard(QWizard):
    REJECTED_SHOWN = 1000   # the rest stay in the database (reliefdesk CLI lists all)

    def __init__(self, db_path: Path, user: Any, settings: QSettings, parent: Any = None) -> None:
        super().__init__(parent)
        self.db_path, self.user, self.settings = Path(db_path), user, settings
        self.changed = False
        self.outcome: dict[str, Any] = {}
        self.setWindowTitle("Import and evaluate records")
        self.setAccessibleName("Import and evaluate records")
        self.setWizardStyle(QWizard.ClassicStyle)
        self.setOption(QWizard.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.NoCancelButtonOnLastPage, True)
        self.files_page = FilesPage(settings)
        self.county_page = CountyPage(settings)
        self.policy_page = PolicyPage(self.db_path, user)
        self.asof_page = AsOfPage()
        self.progress_page = ProgressPage(self)
        self.summary_page = SummaryPage(self)
        for p in (self.files_page, self.county_page, self.policy_page, self.asof_page,
                  self.progress_page, self.summary_page):
            self.addPage(p)
        self.resize(860, 620)

    def _conn(self) -> Any:
        from desktop.store import open_db

        return open_db(self.db_path).conn

    def run_totals(self, run_id: int) -> dict[str, int]:
        conn = self._conn()
        try:
            return {r: n for r, n in conn.execute(
                "SELECT relief, COUNT(*) FROM determinations WHERE run_id = ? GROUP BY relief "
                "ORDER BY 2 DESC", (run_id,))}
        finally:
            conn.close()

    def rejected_rows(self, import_id: int) -> list[tuple[Any, ...]]:
        conn = self._conn()
        try:
            return conn.execute(
                "SELECT line, column_name, reason, raw FROM rejected_rows WHERE import_id = ? "
                "ORDER BY line LIMIT ?", (import_id, self.REJECTED_SHOWN)).fetchall()
        finally:
            conn.close()

    def reject(self) -> None:
        page = self.progress_page
        if page.worker is not None and not page.done:
            page._cancel()
            return     # closes once the worker has rolled back (its signal finishes the page)
        super().reject()
