"""The window's side of batch packages (issue 15, docs/packages.md): File ▸ Send batch to judge… and
Import judge's answer… for a clerk; File ▸ Open package… and Save answer… for a judge. Every step
is a core call (desktop/exchange); this module only asks for files and shows what happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox, QWidget

from desktop.errors import UserError
from desktop.exchange.answer import write_answer
from desktop.exchange.answer_import import import_answer
from desktop.exchange.common import workspace_info
from desktop.exchange.send import send_batch
from desktop.exchange.workspace import open_package_as
from desktop.review.batches import list_batches
from desktop.review.users import active_judges, get_user

FILTER = "ReliefDesk packages (*.rdpkg);;All files (*)"


class PackageActions:
    """The four actions, on a main window (its conn, db_path, user, settings)."""

    def __init__(self, window: Any, menu: QMenu, role: str | None) -> None:
        self.window = window
        self.quiet = False  # tests: messages go to the status bar only, no message boxes
        self.opened_windows: list[Any] = []
        self.actions: dict[str, QAction] = {}
        workspace = workspace_info(window.conn)
        if role == "clerk" and workspace is None:
            self._add(menu, "send", "Send &batch to judge…", self.send_to_judge)
            self._add(menu, "import", "Import judge's &answer…", self.import_answer)
        if role == "judge":
            self._add(menu, "open", "&Open package…", self.open_package)
            if workspace is not None:
                self._add(menu, "answer", "&Save answer…", self.save_answer)

    def _add(self, menu: QMenu, key: str, text: str, fn: Any) -> None:
        act = QAction(text, self.window)
        act.triggered.connect(lambda _=False: fn())
        menu.addAction(act)
        self.actions[key] = act

    def _say(self, title: str, text: str, *, warn: bool = False) -> None:
        if self.quiet:
            self.window.statusBar().showMessage(text)
            return
        (QMessageBox.warning if warn else QMessageBox.information)(self.window, title, text)
        self.window.statusBar().showMessage(text)

    def _refresh(self) -> None:
        # Signed orders seal their counts (they leave the default queue): filter again.
        self.window.queue.model.cache.clear()
        self.window.queue.apply_filters()
        self.window._refresh_other_views()

    # --- the clerk's side ----------------------------------------------------------------------
    def send_to_judge(
        self, batch: int | None = None, judge: str | None = None, path: Path | None = None
    ) -> Path | None:
        """Write the package of a submitted batch; returns the file, None when nothing was done."""
        w: QWidget = self.window
        if batch is None:
            open_batches = [b for b in list_batches(self.window.conn) if b["status"] == "submitted"]
            if not open_batches:
                self._say("Send to judge", "No batch is waiting for the judge; submit one first.")
                return None
            labels = [
                f"Batch {b['id']} — {b['items']} counts, prepared by {b['prepared_by']}"
                for b in open_batches
            ]
            choice, ok = QInputDialog.getItem(w, "Send to judge", "Batch:", labels, 0, False)
            if not ok:
                return None
            batch = int(open_batches[labels.index(choice)]["id"])
        if judge is None:
            judges = active_judges(self.window.conn)
            names = ["Any judge", *judges]
            choice, ok = QInputDialog.getItem(
                w, "Send to judge", "The judge it is for:", names, 1 if judges else 0, False
            )
            if not ok:
                return None
            judge = "" if choice == "Any judge" else choice
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                w,
                f"Send batch {batch} to the judge",
                str(Path.home() / f"batch-{batch}.rdpkg"),
                FILTER,
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            sent = send_batch(self.window.conn, self.window.user, batch, path, judge=judge or None)
        except UserError as exc:
            self._say("Send to judge", str(exc), warn=True)
            return None
        self._say(
            "Send to judge",
            f"Batch {sent.batch_id} ({sent.counts:,} counts, {sent.people:,} people) is in "
            f"{sent.path}. Take the file to the judge's PC; the judge opens it with File ▸ Open "
            "package….",
        )
        return sent.path

    def import_answer(self, path: Path | None = None, orders_dir: Path | None = None) -> Any:
        """Import the judge's answer; returns what was imported, None when nothing was."""
        w: QWidget = self.window
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(w, "Import the judge's answer", "", FILTER)
            if not chosen:
                return None
            path = Path(chosen)
        if orders_dir is None:
            chosen = QFileDialog.getExistingDirectory(w, "Folder for the judge's signed orders")
            if not chosen:
                return None
            orders_dir = Path(chosen)
        try:
            done = import_answer(self.window.conn, self.window.user, path, orders_dir)
        except UserError as exc:
            self._say("Import judge's answer", str(exc), warn=True)
            return None
        self._refresh()
        state = "accepted" if done.accepted else "not accepted yet"
        self._say(
            "Import judge's answer",
            f"{done.judge} answered batch {done.batch_id} on {done.host}: {state}, "
            f"{len(done.sent_back)} sent back to the queue, {len(done.orders)} signed orders "
            f"in {orders_dir}.",
        )
        return done

    # --- the judge's side ----------------------------------------------------------------------
    def open_package(self, path: Path | None = None) -> Any:
        """Open a package into its workspace and show it in a new window (spot-check first);
        returns that window, None when nothing was opened."""
        from desktop.store import open_db
        from desktop.ui.main_window import MainWindow

        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self.window, "Open a package from the clerk", "", FILTER
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            opened = open_package_as(self.window.conn, self.window.user, path)
            db = open_db(opened.workspace)
            user = get_user(db.conn, opened.judge)
        except UserError as exc:
            self._say("Open package", str(exc), warn=True)
            return None
        win = MainWindow(db.conn, opened.workspace, user, self.window.settings)
        win.packages.quiet = self.quiet
        win.setWindowTitle(
            f"ReliefDesk — judge's workspace: batch {opened.batch_id} ({opened.workspace.name})"
        )
        win.statusBar().showMessage(
            f"Batch {opened.batch_id} from the clerk ({opened.counts:,} counts): check the "
            "sample, accept, sign the orders, then File ▸ Save answer…"
        )
        self.opened_windows.append(win)
        win.show_fitted()
        return win

    def save_answer(self, path: Path | None = None) -> Path | None:
        info = workspace_info(self.window.conn) or {}
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self.window,
                "Save the answer for the clerk",
                str(Path.home() / f"answer-batch-{info.get('batch_id')}.rdpkg"),
                FILTER,
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            done = write_answer(self.window.conn, self.window.user, path)
        except UserError as exc:
            self._say("Save answer", str(exc), warn=True)
            return None
        self._say(
            "Save answer",
            f"The answer for batch {done.batch_id} is in {done.path} "
            f"({'accepted' if done.accepted else 'not accepted'}, {done.sent_back} sent back, "
            f"{done.orders} signed orders). Take it to the clerk: File ▸ Import judge's answer….",
        )
        return done.path
