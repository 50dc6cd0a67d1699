"""Retake the screenshots in docs/screenshots/ on a 1366×768 court screen.

Builds the demo database (synthetic people: generator → importer → rules engine, statute
policy as of 2020-07-01, San Bernardino as the court's county) with its clerk and judge, then
drives the real window through the review core as they would and takes: the sign-in dialog,
the clerk's queue with the detail pane, the reject and change dialogs, the bulk-approve
confirmation, the import wizard's files, policy and summary pages (two files, one of them
refused), the judge's spot-check, the preview of the orders before signing, the signing
dialog, the Orders view after signing, and the Audit view.

Best run on a real X server with a window manager, so the pictures are what a clerk sees
(title bars, a maximized window):

    Xvfb :99 -screen 0 1366x768x24 & DISPLAY=:99 openbox &
    DISPLAY=:99 /work/venv/bin/python scripts/screenshots.py

There each picture is the whole screen. Without a display the script uses Qt's offscreen
platform configured as one 1366×768 screen and draws each dialog over the window behind it.

Run: python scripts/screenshots.py [--out docs/screenshots] [--rows 6000] [--scale 1.25]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

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
    args = ap.parse_args()
    width, height = (int(v) for v in args.screen.split("x"))
    platform = _platform(width, height)
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = args.scale
    os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="shots-config-"))
    os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="shots-data-"))

    from desktop.ui import guard_refcounts

    guard_refcounts()  # before any Qt call (the PySide6 refcount guard)
    run(Path(args.out), args.rows, real_screen=platform.startswith("xcb"))


def run(out: Path, rows: int, real_screen: bool) -> None:
    import time

    from PySide6.QtCore import QEventLoop, QPoint, QSettings, QTimer
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.demo import build_demo
    from desktop.records.generate import generate
    from desktop.review.users import authenticate
    from desktop.store import open_db
    from desktop.ui import core
    from desktop.ui.app import application
    from desktop.ui.bulk_dialog import BulkApproveDialog
    from desktop.ui.decision_dialogs import ChangeDialog, RejectDialog
    from desktop.ui.detail_pane import count_words
    from desktop.ui.import_wizard import ImportWizard
    from desktop.ui.login_dialog import LoginDialog
    from desktop.ui.main_window import MainWindow
    from desktop.ui.signing_dialog import SigningDialog

    out.mkdir(parents=True, exist_ok=True)
    app = application()
    folder = Path(tempfile.mkdtemp(prefix="shots-"))
    db_path = folder / "reliefdesk-demo.sqlite3"
    build_demo(db_path, rows=rows)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", PASSWORD)
    judge = authenticate(conn, "judge", PASSWORD)
    settings = QSettings(str(folder / "settings.ini"), QSettings.IniFormat)

    def settle(ms: int = 0) -> None:
        for _ in range(5):
            app.processEvents()
        if ms:
            loop = QEventLoop()
            QTimer.singleShot(ms, loop.quit)
            loop.exec()

    def save(window: QWidget, name: str, dialog: QWidget | None = None) -> None:
        """The whole screen on a real display; offscreen, the window with the dialog drawn
        where it stands over it."""
        top = dialog or window
        top.show()
        top.raise_()
        top.activateWindow()
        settle(600 if real_screen else 0)
        if real_screen:
            shot = app.primaryScreen().grabWindow(0)
        else:
            shot = window.grab()
            if dialog is not None and dialog is not window:
                painter = QPainter(shot)
                at = dialog.geometry().topLeft() - window.geometry().topLeft()
                painter.drawPixmap(QPoint(max(0, at.x()), max(0, at.y())), dialog.grab())
                painter.end()
        shot.save(str(out / name))
        print(f"wrote {out / name}")

    def wait_until(cond, seconds: float = 600) -> None:
        end = time.monotonic() + seconds
        while not cond():
            if time.monotonic() > end:
                raise SystemExit("timed out waiting for the window")
            settle(50)

    # Sign-in: the cursor in the user name.
    login = LoginDialog(conn, str(db_path))
    login.show()
    settle(200)
    login.name.setText("clerk")
    login.password.setText(PASSWORD)
    login.name.setFocus()
    save(login, "login.png", login)
    login.close()

    # The clerk's queue: a few decisions made, a telling count selected.
    window = MainWindow(conn, db_path, clerk, settings)
    window.show_fitted()
    settle(300)
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
    save(window, "queue.png")

    what = count_words(queue.detail.detail)
    reject = RejectDialog(what, window)
    reject.reasons.setCurrentIndex(reject.reasons.findData("not a cannabis conviction"))
    reject.details.setPlainText("The DOJ row is a possession of paraphernalia count (HS 11364).")
    save(window, "reject-dialog.png", reject)
    reject.close()
    change = ChangeDialog("redesignate_misdemeanor", window, what)
    change.relief.setCurrentIndex(change.relief.findData("dismiss_and_seal"))
    change.reason_box.setPlainText(
        "The court file shows the sentence was completed in 2012; "
        "dismissal under the county's policy."
    )
    save(window, "change-dialog.png", change)
    change.close()

    # Bulk approve: the biggest rule path, after the clerk opened enough of its counts.
    path, _ = core.rule_paths(conn)[0]
    for (cid,) in conn.execute(
        "SELECT r.count_id FROM review_items r JOIN determinations d ON "
        "d.id = r.determination_id WHERE d.rule_path = ? LIMIT 3",
        (path,),
    ):
        core.mark_opened(conn, clerk, cid)
    bulk = BulkApproveDialog(conn, clerk, path, window)
    save(window, "bulk-approve.png", bulk)
    bulk.close()

    # The import wizard: two files, one refused when added; the policy page; the summary.
    extra = folder / "san-bernardino-doj-2026-11.csv"
    generate(extra, "San Bernardino", 3000, seed=77)
    scan = folder / "scanned-letter.csv"
    scan.write_bytes(b"%PDF-1.7\n\x00\x01 a scanned letter, not a record file")
    wizard = ImportWizard(db_path, clerk, settings, window)
    wizard.files_page.add_paths([str(extra), str(scan)])
    wizard.resize(900, 640)
    save(window, "import-files.png", wizard)
    wizard.next()
    wizard.next()
    save(window, "import-policy.png", wizard)
    wizard.next()
    wizard.next()
    wait_until(lambda: wizard.currentPage() is wizard.summary_page)
    save(window, "import-summary.png", wizard)
    wizard.accept()
    window.close()

    # A batch for the judge: the clerk bulk-approves the path and submits.
    core.bulk_approve(conn, clerk, path)
    batch_id = core.submit_batch(conn, clerk)

    # The judge's spot-check, part-way through: one sent back, two accepted.
    jw = MainWindow(conn, db_path, judge, settings)
    jw.show_fitted()
    settle(300)
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
    save(jw, "spot-check.png")

    # Orders: the judge accepts the batch, reads the drafts, chooses a key and signs.
    core.accept_batch(conn, judge, batch_id)
    spot.refresh()
    orders = jw.orders
    jw.tabs.setCurrentWidget(orders)
    orders.refresh()
    from desktop.orders.preview import draft_plans
    from desktop.ui.pdf_viewer import PdfViewer

    plans = draft_plans(conn, batch_id)
    viewer = PdfViewer(
        f"Orders of batch {batch_id} before signing",
        [(p.short_label, (lambda p=p: p.render().pdf), p.label) for p in plans],
        jw,
        intro=f"{len(plans)} orders as they will be signed (Page Down goes on "
        "to the next). The order numbers are given when they are signed.",
        accept_text="Sign these orders…",
    )
    save(jw, "preview.png", viewer)
    viewer.close()
    signing = SigningDialog(
        orders=len(plans),
        batch=batch_id,
        out_dir=orders.default_out_dir(batch_id),
        key_folder=str(folder),
        demo=True,
        judge_name="Hon. Adaeze Okafor",
        parent=jw,
    )
    signing.demo_choice.setChecked(True)
    signing.passphrase.setText(KEY_PASSPHRASE)
    save(jw, "signing.png", signing)
    signing.close()
    key = orders.make_demo_key("Hon. Adaeze Okafor", KEY_PASSPHRASE)
    orders.render(batch_id, key, KEY_PASSPHRASE, folder / "orders")
    wait_until(lambda: not orders.busy(), 900)
    if "error" in orders.last_outcome:
        raise SystemExit(f"rendering failed: {orders.last_outcome['error']}")
    nos = [r.order_no for r in orders.model.rows]
    orders.verify(nos[:12])
    wait_until(lambda: not orders.busy(), 300)
    from desktop.orders.register import mark_printed

    for n in nos[:3]:
        mark_printed(conn, n, judge.name)
    checks = dict(orders.model.checks)
    orders.refresh()
    orders.model.checks = checks
    orders.table.selectRow(0)
    save(jw, "orders.png")

    jw.tabs.setCurrentWidget(jw.audit)
    jw.audit.refresh()
    jw.audit.table.selectRow(1)
    save(jw, "audit.png")
    jw.close()
    QApplication.processEvents()


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
