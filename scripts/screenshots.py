"""Render each main screen of the window to PNG (offscreen) into docs/screenshots/.

Builds the demo database (synthetic people: generator → importer → rules engine, statute
policy as of 2020-07-01) with a clerk and a judge, then drives the window through the review
core as they would and grabs: the login dialog, the clerk's queue with the detail pane, the
reject and change dialogs, bulk approve, the import wizard's policy and summary pages, the
judge's spot-check, the Orders view after signing a batch, and the Audit view.

Run: /work/venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--rows 6000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="shots-config-"))
os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="shots-data-"))

import desktop.ui  # noqa: E402,F401 - installs the PySide6 None-refcount guard before any Qt call

PASSWORD = "correct horse battery"
KEY_PASSPHRASE = "demo key passphrase"


def build_db(folder: Path, rows: int):
    from desktop.records.demo import build_demo
    from desktop.review.users import authenticate, create_user
    from desktop.store import open_db

    db_path = folder / "reliefdesk-demo.sqlite3"
    conn = open_db(db_path).conn
    admin = create_user(conn, "admin", "admin", PASSWORD, None)
    create_user(conn, "c.reyes", "clerk", PASSWORD, admin)
    create_user(conn, "hon.okafor", "judge", PASSWORD, admin)
    conn.close()
    build_demo(db_path, rows=rows)          # keeps our accounts (it adds demo ones only if none)
    conn = open_db(db_path).conn
    return db_path, conn, authenticate(conn, "c.reyes", PASSWORD), \
        authenticate(conn, "hon.okafor", PASSWORD)


def telling_count(conn) -> int:
    """A pending count worth showing: several explanation steps, a person with more than one
    count on record, and a relief to grant."""
    best, best_score = None, -1
    for cid, expl, n in conn.execute(
            "SELECT r.count_id, d.explanation, (SELECT COUNT(*) FROM counts c2 WHERE "
            "c2.subject_id = d.subject_id) FROM review_items r JOIN determinations d "
            "ON d.id = r.determination_id WHERE r.status = 'pending' AND d.relief = "
            "'redesignate_misdemeanor' LIMIT 400"):
        steps = len(json.loads(expl or "{}").get("steps", []))
        score = min(steps, 5) * 10 + min(n, 6)
        if score > best_score:
            best, best_score = cid, score
    assert best is not None, "the demo database has no pending misdemeanor redesignations"
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description="Render the window's screens to PNG.")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--rows", type=int, default=6000, help="generated DOJ rows for the demo")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.orders.keys import create_demo_key
    from desktop.records.generate import generate
    from desktop.ui import core
    from desktop.ui.app import application
    from desktop.ui.bulk_dialog import BulkApproveDialog
    from desktop.ui.decision_dialogs import ChangeDialog, RejectDialog
    from desktop.ui.import_wizard import ImportWizard
    from desktop.ui.login_dialog import LoginDialog
    from desktop.ui.main_window import MainWindow

    app = application()
    folder = Path(tempfile.mkdtemp(prefix="shots-"))
    db_path, conn, clerk, judge = build_db(folder, args.rows)
    settings = QSettings(str(folder / "settings.ini"), QSettings.IniFormat)

    def settle(ms: int = 0) -> None:
        for _ in range(5):
            app.processEvents()
        if ms:
            from PySide6.QtCore import QEventLoop, QTimer

            loop = QEventLoop()
            QTimer.singleShot(ms, loop.quit)
            loop.exec()

    def save(widget: QWidget, name: str) -> None:
        widget.show()
        settle()
        widget.grab().save(str(out / name))
        print(f"wrote {out / name}")

    def wait_until(cond, seconds: float = 120) -> None:
        import time

        end = time.monotonic() + seconds
        while not cond():
            if time.monotonic() > end:
                raise SystemExit("timed out waiting for the window")
            settle(50)

    login = LoginDialog(conn, str(db_path))
    login.name.setText("c.reyes")
    login.password.setText(PASSWORD)
    save(login, "login.png")
    login.close()

    # The clerk's queue: a few decisions already made, a telling count selected.
    window = MainWindow(conn, db_path, clerk, settings)
    window.resize(1500, 900)
    window.show()
    settle()
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
    save(window, "queue.png")

    reject = RejectDialog(f"count {shown}", window)
    reject.reasons.setCurrentRow(1)
    reject.details.setPlainText("The DOJ row is a possession of paraphernalia count (HS 11364).")
    save(reject, "reject-dialog.png")
    reject.close()
    change = ChangeDialog("redesignate_misdemeanor", window)
    change.reason_box.setPlainText("The court file shows the sentence was completed in 2012; "
                                   "dismissal under the county's policy.")
    save(change, "change-dialog.png")
    change.close()

    # Bulk approve: the biggest rule path, after the clerk opened a few of its counts.
    path, _ = core.rule_paths(conn)[0]
    for (cid,) in conn.execute("SELECT r.count_id FROM review_items r JOIN determinations d ON "
                               "d.id = r.determination_id WHERE d.rule_path = ? LIMIT 2", (path,)):
        core.mark_opened(conn, clerk, cid)
    bulk = BulkApproveDialog(conn, clerk, path, window)
    save(bulk, "bulk-approve.png")
    bulk.close()

    # The import wizard: the policy page, then a real import and evaluation to its summary.
    extra = folder / "riverside-doj-extract.csv"
    generate(extra, "Riverside", 3000, seed=77)
    wizard = ImportWizard(db_path, clerk, settings, window)
    wizard.files_page.add_paths([str(extra)])
    wizard.county_page.county.setCurrentText("Riverside")
    wizard.resize(900, 700)
    wizard.show()
    wizard.next()
    wizard.next()
    wizard.policy_page.policy.setCurrentIndex(wizard.policy_page.policy.findData("los-angeles"))
    save(wizard, "import-policy.png")
    wizard.next()
    wizard.next()
    wait_until(lambda: wizard.currentPage() is wizard.summary_page)
    save(wizard, "import-summary.png")
    wizard.accept()
    window.close()

    # A batch for the judge: the clerk bulk-approves the path and submits.
    for (cid,) in conn.execute("SELECT r.count_id FROM review_items r JOIN determinations d ON "
                               "d.id = r.determination_id WHERE d.rule_path = ? LIMIT 3", (path,)):
        core.mark_opened(conn, clerk, cid)
    core.bulk_approve(conn, clerk, path)
    batch_id = core.submit_batch(conn, clerk)

    # The judge's spot-check, part-way through: one sent back, two accepted.
    jw = MainWindow(conn, db_path, judge, settings)
    jw.resize(1500, 900)
    jw.show()
    settle()
    spot = jw.spot_check
    items = core.sample(conn, judge, batch_id)
    for it in items:
        core.mark_opened(conn, judge, it.count_id)
    core.send_back(conn, judge, batch_id, items[0].count_id,
                   "The sentence end date is missing from the DOJ row; confirm it in the court file.")
    for it in items[1:3]:
        core.accept_item(conn, judge, batch_id, it.count_id)
    spot.refresh()
    spot.sample.selectRow(3 if len(items) > 3 else len(items) - 1)
    save(jw, "spot-check.png")

    # Orders: the judge accepts the batch and signs its orders with a demo key.
    core.accept_batch(conn, judge, batch_id)
    spot.refresh()
    key = folder / "hon-okafor-DEMO.p12"
    create_demo_key("Hon. Adaeze Okafor", "Judge of the Superior Court", key, KEY_PASSPHRASE,
                    county="San Bernardino")
    orders = jw.orders
    orders.refresh()
    orders.render(batch_id, key, KEY_PASSPHRASE, folder / "orders")
    wait_until(lambda: not orders.busy(), 600)
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
    jw.tabs.setCurrentWidget(orders)
    save(jw, "orders.png")

    jw.tabs.setCurrentWidget(jw.audit)
    jw.audit.refresh()
    jw.audit.table.selectRow(1)
    save(jw, "audit.png")
    jw.close()
    QApplication.processEvents()


def _proposes(conn, count_id: int) -> bool:
    row = conn.execute("SELECT d.relief FROM review_items r JOIN determinations d ON "
                       "d.id = r.determination_id WHERE r.count_id = ?", (count_id,)).fetchone()
    return row is not None and row[0] in ("dismiss_and_seal", "redesignate_misdemeanor",
                                          "redesignate_infraction")


if __name__ == "__main__":
    main()
