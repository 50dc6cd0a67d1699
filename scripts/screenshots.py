"""Retake the screenshots in docs/screenshots/ on a 1366×768 court screen.

Builds the demo database (synthetic people: generator → importer → rules engine, statute
policy as of 2020-07-01, San Bernardino as the court's county) with its clerk and judge, then
drives the real window through the review core as they would and takes: the sign-in dialog,
the clerk's queue with the detail pane, the reject and change dialogs, the bulk-approve
confirmation, the import wizard's files, policy and summary pages (two files, one of them
refused), the judge's spot-check, the preview of the orders before signing, the signing
dialog (a smart card, and the demonstration key), the judge's acceptance of the batch, the
Orders view after signing, and the Audit view.

Each picture is a step (a function decorated with @step, run in the order defined, sharing a
Day: the database, the users, the windows); a new view adds its step where it belongs in the
day. A step that fails is reported and the others still run; the exit code says whether all
succeeded. `--list` lists the steps, `--only STEP` retakes one (and the steps before it).

Best run on a real X server with a window manager, so the pictures are what a clerk sees
(title bars, a maximized window):

    Xvfb :99 -screen 0 1366x768x24 & DISPLAY=:99 openbox &
    DISPLAY=:99 /work/venv/bin/python scripts/screenshots.py

There each picture is the whole screen. Without a display the script uses Qt's offscreen
platform configured as one 1366×768 screen and draws each dialog over the window behind it.

Run: python scripts/screenshots.py [--out docs/screenshots] [--rows 6000] [--scale 1.25]
                                  [--only STEP ...] [--list]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _platform(width: int, height: int) -> str:
    """xcb on a display; else offscreen, configured as one screen of the court's size."""
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY"):
        return os.environ.get("QT_QPA_PLATFORM", "xcb")
    config = Path(tempfile.mkdtemp(prefix="shots-screen-")) / "screen.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "court",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    return "offscreen"


PASSWORD = "demo-only"
KEY_PASSPHRASE = "demo key passphrase"


def main() -> None:
    ap = argparse.ArgumentParser(description="Retake the window's screenshots at 1366×768.")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--rows", type=int, default=6000, help="generated DOJ rows for the demo")
    ap.add_argument("--screen", default="1366x768", help="screen size when no display is set")
    ap.add_argument("--scale", default=None, help="QT_SCALE_FACTOR, e.g. 1.25")
    ap.add_argument(
        "--only",
        action="append",
        metavar="STEP",
        help="take only this step's pictures (repeat; the steps before it that make the data "
        "it needs are run too: see --list)",
    )
    ap.add_argument("--list", action="store_true", help="list the steps and exit")
    args = ap.parse_args()
    if args.list:
        for name, fn in STEPS:
            print(f"{name:24} {(fn.__doc__ or '').strip().splitlines()[0] if fn.__doc__ else ''}")
        return
    width, height = (int(v) for v in args.screen.split("x"))
    platform = _platform(width, height)
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = args.scale
    os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="shots-config-"))
    os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="shots-data-"))

    from desktop.ui import guard_refcounts

    guard_refcounts()  # before any Qt call (the PySide6 refcount guard)
    only = _with_prerequisites(args.only) if args.only else None
    failures = run(Path(args.out), args.rows, real_screen=platform.startswith("xcb"), only=only)
    sys.exit(1 if failures else 0)


def _with_prerequisites(names: list[str]) -> list[str]:
    """A step and every earlier step (a later step builds on the data the earlier ones make)."""
    known = [n for n, _ in STEPS]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown step(s) {unknown}; the steps are: {', '.join(known)}")
    last = max(known.index(n) for n in names)
    return known[: last + 1]


class Day:
    """What the steps share: the application, the demo database, the users and the windows a
    step leaves open for the next, and the pictures taken."""

    def __init__(self, out: Path, rows: int, real_screen: bool) -> None:
        from PySide6.QtCore import QSettings

        from desktop.demo import build_demo
        from desktop.review.users import authenticate
        from desktop.store import open_db
        from desktop.ui.app import application

        out.mkdir(parents=True, exist_ok=True)
        self.out, self.real_screen = out, real_screen
        self.app = application()
        self.folder = Path(tempfile.mkdtemp(prefix="shots-"))
        self.db_path = self.folder / "reliefdesk-demo.sqlite3"
        build_demo(self.db_path, rows=rows)
        self.conn = open_db(self.db_path).conn
        self.clerk = authenticate(self.conn, "clerk", PASSWORD)
        self.judge = authenticate(self.conn, "judge", PASSWORD)
        self.settings = QSettings(str(self.folder / "settings.ini"), QSettings.IniFormat)
        self.taken: list[str] = []
        self.state: dict[str, Any] = {}  # what a step leaves for later ones (batch id, windows)

    def settle(self, ms: int = 0) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        for _ in range(5):
            self.app.processEvents()
        if ms:
            loop = QEventLoop()
            QTimer.singleShot(ms, loop.quit)
            loop.exec()

    def save(self, window: Any, name: str, dialog: Any | None = None) -> None:
        """The whole screen on a real display; offscreen, the window with the dialog drawn
        where it stands over it."""
        from PySide6.QtCore import QPoint
        from PySide6.QtGui import QPainter

        top = dialog or window
        top.show()
        top.raise_()
        top.activateWindow()
        self.settle(600 if self.real_screen else 0)
        if self.real_screen:
            shot = self.app.primaryScreen().grabWindow(0)
        else:
            shot = window.grab()
            if dialog is not None and dialog is not window:
                painter = QPainter(shot)
                at = dialog.geometry().topLeft() - window.geometry().topLeft()
                painter.drawPixmap(QPoint(max(0, at.x()), max(0, at.y())), dialog.grab())
                painter.end()
        shot.save(str(self.out / name))
        self.taken.append(name)
        print(f"wrote {self.out / name}")

    def wait_until(self, cond: Callable[[], bool], seconds: float = 600) -> None:
        import time

        end = time.monotonic() + seconds
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError("timed out waiting for the window")
            self.settle(50)

    def window(self, who: str) -> Any:
        """The clerk's or the judge's main window, opened once, fitted to the screen."""
        from desktop.ui.main_window import MainWindow

        key = f"window:{who}"
        if key not in self.state:
            user = self.clerk if who == "clerk" else self.judge
            w = MainWindow(self.conn, self.db_path, user, self.settings)
            w.show_fitted()
            self.settle(300)
            self.state[key] = w
        return self.state[key]


Step = Callable[[Day], None]
STEPS: list[tuple[str, Step]] = []


def step(name: str) -> Callable[[Step], Step]:
    """Register a step of the day, in the order the steps are defined. A new view adds its own
    step (a function taking the Day) where it belongs in the clerk's or the judge's day."""

    def register(fn: Step) -> Step:
        STEPS.append((name, fn))
        return fn

    return register


@step("sign-in")
def shot_login(day: Day) -> None:
    from desktop.ui.login_dialog import LoginDialog

    login = LoginDialog(day.conn, str(day.db_path))
    login.show()
    day.settle(200)
    login.name.setText("clerk")
    login.password.setText(PASSWORD)
    login.name.setFocus()
    day.save(login, "login.png", login)
    login.close()


@step("queue")
def shot_queue(day: Day) -> None:
    """The clerk's queue: a few decisions made, a telling count selected."""
    from desktop.ui import core

    conn, clerk = day.conn, day.clerk
    window = day.window("clerk")
    queue = window.queue
    ids = queue.model.ids()
    core.approve(conn, clerk, [i for i in ids[:40] if _proposes(conn, i)][:6])
    queue.model.refresh_all_rows()
    shown = telling_count(conn)
    row = queue.model.row_of(shown)
    above = [queue.model.count_id_at(r) for r in range(max(0, row - 8), row)]
    core.approve(conn, clerk, [c for c in above if _proposes(conn, c)][:4])
    queue.model.refresh_all_rows()
    queue.select_row(row)
    queue.table.setFocus()
    day.save(window, "queue.png")


@step("decision dialogs")
def shot_decisions(day: Day) -> None:
    from desktop.ui.decision_dialogs import ChangeDialog, RejectDialog
    from desktop.ui.detail_pane import count_words

    window = day.window("clerk")
    what = count_words(window.queue.detail.detail)
    reject = RejectDialog(what, window)
    reject.reasons.setCurrentIndex(reject.reasons.findData("not a cannabis conviction"))
    reject.details.setPlainText("The DOJ row is a possession of paraphernalia count (HS 11364).")
    day.save(window, "reject-dialog.png", reject)
    reject.close()
    change = ChangeDialog("redesignate_misdemeanor", window, what)
    change.relief.setCurrentIndex(change.relief.findData("dismiss_and_seal"))
    change.reason_box.setPlainText(
        "The court file shows the sentence was completed in 2012; "
        "dismissal under the county's policy."
    )
    day.save(window, "change-dialog.png", change)
    change.close()


@step("bulk approve")
def shot_bulk(day: Day) -> None:
    """The biggest rule path, after the clerk opened enough of its counts."""
    from desktop.ui import core
    from desktop.ui.bulk_dialog import BulkApproveDialog

    conn, clerk = day.conn, day.clerk
    window = day.window("clerk")
    path, _ = core.rule_paths(conn)[0]
    for (cid,) in conn.execute(
        "SELECT r.count_id FROM review_items r JOIN determinations d ON "
        "d.id = r.determination_id WHERE d.rule_path = ? LIMIT 3",
        (path,),
    ):
        core.mark_opened(conn, clerk, cid)
    bulk = BulkApproveDialog(conn, clerk, path, window)
    day.save(window, "bulk-approve.png", bulk)
    bulk.close()
    day.state["path"] = path


@step("import wizard")
def shot_import(day: Day) -> None:
    """Two files, one refused when added; the policy page; the summary."""
    from desktop.records.generate import generate
    from desktop.ui.import_wizard import ImportWizard

    window = day.window("clerk")
    extra = day.folder / "san-bernardino-doj-2026-11.csv"
    generate(extra, "San Bernardino", 3000, seed=77)
    scan = day.folder / "scanned-letter.csv"
    scan.write_bytes(b"%PDF-1.7\n\x00\x01 a scanned letter, not a record file")
    wizard = ImportWizard(day.db_path, day.clerk, day.settings, window)
    wizard.files_page.add_paths([str(extra), str(scan)])
    wizard.resize(900, 640)
    day.save(window, "import-files.png", wizard)
    wizard.next()
    wizard.next()
    day.save(window, "import-policy.png", wizard)
    wizard.next()
    wizard.next()
    day.wait_until(lambda: wizard.currentPage() is wizard.summary_page)
    day.save(window, "import-summary.png", wizard)
    wizard.accept()


@step("submit a batch")
def submit_batch(day: Day) -> None:
    """The clerk bulk-approves the path and submits a batch for the judge (no picture)."""
    from desktop.ui import core

    path = day.state.get("path") or core.rule_paths(day.conn)[0][0]
    core.bulk_approve(day.conn, day.clerk, path)
    day.state["batch"] = core.submit_batch(day.conn, day.clerk)
    day.window("clerk").close()


@step("spot-check")
def shot_spot_check(day: Day) -> None:
    """The judge's spot-check, part-way through: one sent back, two accepted."""
    from desktop.ui import core

    conn, judge, batch_id = day.conn, day.judge, day.state["batch"]
    jw = day.window("judge")
    spot = jw.spot_check
    items = core.sample(conn, judge, batch_id)
    for it in items:
        core.mark_opened(conn, judge, it.count_id)
    core.send_back(
        conn,
        judge,
        batch_id,
        items[0].count_id,
        "The sentence end date is missing from the DOJ row; confirm it in the court file.",
    )
    for it in items[1:3]:
        core.accept_item(conn, judge, batch_id, it.count_id)
    spot.refresh()
    spot.sample.selectRow(3 if len(items) > 3 else len(items) - 1)
    day.save(jw, "spot-check.png")


@step("accept the batch")
def shot_accept(day: Day) -> None:
    """The judge accepts the batch; the same dialog signs the acceptance if they choose."""
    from desktop.ui import core
    from desktop.ui.signing_dialog import SigningDialog

    jw = day.window("judge")
    batch_id = day.state["batch"]
    dlg = SigningDialog(
        orders=core.batch_counts(day.conn, batch_id),
        batch=batch_id,
        out_dir=Path(),
        key_folder=str(day.folder),
        demo=False,
        judge_name="Hon. Adaeze Okafor",
        parent=jw,
        acceptance=True,
    )
    day.save(jw, "accept-batch.png", dlg)
    dlg.close()
    core.accept_batch(day.conn, day.judge, batch_id)
    jw.spot_check.refresh()


@step("orders before signing")
def shot_preview(day: Day) -> None:
    from desktop.orders.preview import draft_plans
    from desktop.ui.pdf_viewer import PdfViewer

    jw = day.window("judge")
    batch_id = day.state["batch"]
    orders = jw.orders
    jw.tabs.setCurrentWidget(orders)
    orders.refresh()
    plans = draft_plans(day.conn, batch_id)
    viewer = PdfViewer(
        f"Orders of batch {batch_id} before signing",
        [(p.short_label, (lambda p=p: p.render().pdf), p.label) for p in plans],
        jw,
        intro=f"{len(plans)} orders as they will be signed (Page Down goes on "
        "to the next). The order numbers are given when they are signed.",
        accept_text="Sign these orders…",
    )
    day.save(jw, "preview.png", viewer)
    viewer.close()
    day.state["plans"] = len(plans)


@step("signing dialog")
def shot_signing(day: Day) -> None:
    """The signing dialog with a smart card chosen (the court's module not yet set), then the
    demonstration key a demo database offers."""
    from desktop.ui.signing_dialog import SigningDialog

    jw = day.window("judge")
    batch_id = day.state["batch"]
    signing = SigningDialog(
        orders=day.state.get("plans", 1),
        batch=batch_id,
        out_dir=jw.orders.default_out_dir(batch_id),
        key_folder=str(day.folder),
        demo=True,
        judge_name="Hon. Adaeze Okafor",
        parent=jw,
    )
    signing.card_choice.setChecked(True)
    signing.refresh_certificates()  # no module set: the dialog says what to ask court IT for
    day.save(jw, "signing-card.png", signing)
    signing.demo_choice.setChecked(True)
    signing.passphrase.setText(KEY_PASSPHRASE)
    day.save(jw, "signing.png", signing)
    signing.close()


@step("orders")
def shot_orders(day: Day) -> None:
    """The judge signs with a demonstration key; some orders verified and printed."""
    from desktop.orders.register import mark_printed

    jw = day.window("judge")
    orders = jw.orders
    batch_id = day.state["batch"]
    key = orders.make_demo_key("Hon. Adaeze Okafor", KEY_PASSPHRASE)
    orders.render_and_sign(batch_id, key, KEY_PASSPHRASE, day.folder / "orders")
    day.wait_until(lambda: not orders.busy(), 900)
    if "error" in orders.last_outcome:
        raise RuntimeError(f"rendering failed: {orders.last_outcome['error']}")
    nos = [r.order_no for r in orders.model.rows]
    orders.verify(nos[:12])
    day.wait_until(lambda: not orders.busy(), 300)
    for n in nos[:3]:
        mark_printed(day.conn, n, day.judge.name)
    checks = dict(orders.model.checks)
    orders.refresh()
    orders.model.checks = checks
    orders.table.selectRow(0)
    day.save(jw, "orders.png")


@step("audit")
def shot_audit(day: Day) -> None:
    jw = day.window("judge")
    jw.tabs.setCurrentWidget(jw.audit)
    jw.audit.refresh()
    jw.audit.table.selectRow(1)
    day.save(jw, "audit.png")


def run(out: Path, rows: int, real_screen: bool, only: list[str] | None = None) -> int:
    """Take every step's pictures in order; a step that fails is reported and the day goes on
    (later steps that needed it fail too, each saying why). Returns the number of failures."""
    import traceback

    from PySide6.QtWidgets import QApplication

    day = Day(out, rows, real_screen)
    failed: list[str] = []
    for name, fn in STEPS:
        if only and name not in only and not getattr(fn, "always", False):
            continue
        try:
            fn(day)
        except Exception:
            failed.append(name)
            print(f"STEP FAILED: {name}", file=sys.stderr)
            traceback.print_exc()
            for w in QApplication.topLevelWidgets():  # a dialog left open must not block the next
                if w.isModal() and w.isVisible():
                    w.close()
    for key, w in day.state.items():
        if key.startswith("window:"):
            w.close()
    QApplication.processEvents()
    print(
        f"{len(day.taken)} pictures in {out}" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return len(failed)


def telling_count(conn) -> int:
    """A pending count worth showing: several explanation steps, a person with more than one
    count on record, and a relief to grant."""
    best, best_score = None, -1
    for cid, expl, n in conn.execute(
        "SELECT r.count_id, d.explanation, (SELECT COUNT(*) FROM counts c2 WHERE "
        "c2.subject_id = d.subject_id) FROM review_items r JOIN determinations d "
        "ON d.id = r.determination_id WHERE r.status = 'pending' AND d.relief = "
        "'redesignate_misdemeanor' LIMIT 400"
    ):
        steps = len(json.loads(expl or "{}").get("steps", []))
        score = min(steps, 5) * 10 + min(n, 6)
        if score > best_score:
            best, best_score = cid, score
    assert best is not None, "the demo database has no pending misdemeanor redesignations"
    return best


def _proposes(conn, count_id: int) -> bool:
    row = conn.execute(
        "SELECT d.relief FROM review_items r JOIN determinations d ON "
        "d.id = r.determination_id WHERE r.count_id = ?",
        (count_id,),
    ).fetchone()
    return row is not None and row[0] in (
        "dismiss_and_seal",
        "redesignate_misdemeanor",
        "redesignate_infraction",
    )


if __name__ == "__main__":
    main()
