"""Render each main screen of the window to PNG (offscreen) into docs/screenshots/.

Builds a small synthetic database (generator → importer → rules engine), signs in a clerk and a
judge through the review core, and grabs: the login dialog, the clerk's queue with the detail
pane, the reject and change dialogs, bulk approve, the import wizard's policy and summary pages,
the judge's spot-check, and the audit view. A screen whose core module is missing is skipped with
a message (so the script runs while the core is still being written).

Run: /work/venv/bin/python scripts/screenshots.py [--out docs/screenshots]
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

COUNTY = "San Bernardino"
PASSWORD = "correct horse battery"


def build_db(folder: Path) -> Path:
    from desktop.records.generate import generate
    from desktop.records.importer import import_file
    from desktop.store import open_db
    from desktop.store.tx import transaction

    src = folder / "doj_sample.csv"
    generate(src, COUNTY, 6000, seed=3)
    db_path = folder / "shots.sqlite3"
    db = open_db(db_path)
    import_file(db, src, user="setup")
    try:
        from desktop.rules.evaluate import evaluate_county
    except ImportError:
        evaluate_county = None
    if evaluate_county is not None:
        evaluate_county(db, COUNTY, "STAT", "2020-07-01", user="setup")
    else:
        print("note: desktop.rules.evaluate missing; using stand-in determinations")
        reliefs = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction",
                   "dismiss_and_seal", "not_eligible", "needs_review", "resentence")
        with transaction(db.conn):
            run = db.conn.execute(
                "INSERT INTO evaluation_runs (county, policy_name, policy_version, policy_json, "
                "as_of, engine_version, started_at, status) VALUES (?, 'STAT', '1', '{}', "
                "'2020-07-01', 'stand-in', '2020-07-01T00:00:00', 'complete')", (COUNTY,)).lastrowid
            rows = db.conn.execute(
                "SELECT id, subject_id, base_section, level FROM counts WHERE convicted = 1 AND "
                "base_section IN ('11357','11358','11359','11360') ORDER BY id").fetchall()
            for i, (cid, sid, base, level) in enumerate(rows):
                relief = reliefs[i % len(reliefs)]
                expl = {"engine_version": "stand-in", "policy": {"name": "STAT", "version": "1"},
                        "as_of": "2020-07-01", "steps": [
                            {"rule": "R0", "text": f"HS {base} is one of the sections Prop 64 "
                             "changed.", "statute": "HS 11361.8(a)", "facts": {"section": base}},
                            {"rule": "R6", "text": "The sentence was completed before the as-of "
                             "date, so the count is redesignated or dismissed and sealed.",
                             "statute": "HS 11361.8(f)", "facts": {}}]}
                did = db.conn.execute(
                    "INSERT INTO determinations (run_id, count_id, subject_id, relief, "
                    "resentence_target, rule_path, flags, explanation) VALUES (?,?,?,?,?,?,?,?)",
                    (run, cid, sid, relief, "misdemeanor" if relief == "resentence" else None,
                     f"{level} {base} completed sentence", "" if i % 4 else "sentence_unknown",
                     json.dumps(expl))).lastrowid
                db.conn.execute("INSERT INTO review_items (count_id, determination_id) "
                                "VALUES (?, ?)", (cid, did))
    db.conn.close()
    return db_path


def users(conn):
    try:
        from desktop.review.users import authenticate, create_user
    except ImportError:
        print("note: desktop.review.users missing; screens are read-only")
        return None, None
    admin = create_user(conn, "admin", "admin", PASSWORD, None)
    create_user(conn, "c.reyes", "clerk", PASSWORD, admin)
    create_user(conn, "hon.okafor", "judge", PASSWORD, admin)
    return authenticate(conn, "c.reyes", PASSWORD), authenticate(conn, "hon.okafor", PASSWORD)


def main() -> None:
    ap = argparse.ArgumentParser(description="Render the window's screens to PNG.")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from desktop.store import open_db
    from desktop.ui.app import application
    from desktop.ui.decision_dialogs import ChangeDialog, RejectDialog
    from desktop.ui.login_dialog import LoginDialog
    from desktop.ui.main_window import MainWindow

    app = application()
    folder = Path(tempfile.mkdtemp(prefix="shots-"))
    db_path = build_db(folder)
    conn = open_db(db_path).conn
    clerk, judge = users(conn)
    settings = QSettings(str(folder / "settings.ini"), QSettings.IniFormat)

    def save(widget: QWidget, name: str) -> None:
        widget.show()
        for _ in range(3):
            app.processEvents()
        widget.grab().save(str(out / name))
        print(f"wrote {out / name}")

    login = LoginDialog(conn, str(db_path))
    login.name.setText("c.reyes")
    login.password.setText(PASSWORD)
    save(login, "login.png")
    login.close()

    window = MainWindow(conn, db_path, clerk, settings, read_only=clerk is None)
    window.resize(1500, 900)
    window.show()
    app.processEvents()
    queue = window.queue
    queue.select_row(2)
    save(window, "queue.png")

    reject = RejectDialog("count 1234", window)
    reject.reasons.setCurrentRow(1)
    save(reject, "reject-dialog.png")
    reject.close()
    change = ChangeDialog("dismiss_and_seal", window)
    change.reason_box.setPlainText("The record shows the sentence was still running.")
    save(change, "change-dialog.png")
    change.close()

    if clerk is not None:
        from desktop.ui.bulk_dialog import BulkApproveDialog

        bulk = BulkApproveDialog(conn, clerk, None, window)
        save(bulk, "bulk-approve.png")
        bulk.close()

        from desktop.ui.import_wizard import ImportWizard

        wizard = ImportWizard(db_path, clerk, settings, window)
        wizard.files_page.add_paths([str(folder / "doj_sample.csv")])
        wizard.show()
        wizard.next()
        wizard.next()
        save(wizard, "import-policy.png")
        wizard.close()

    if judge is not None and clerk is not None:
        try:
            from desktop.ui import core

            ids = [r[0] for r in conn.execute(
                "SELECT r.count_id FROM review_items r JOIN determinations d ON d.id = "
                "r.determination_id WHERE d.relief = 'dismiss_and_seal' LIMIT 40")]
            core.approve(conn, clerk, ids)
            core.submit_batch(conn, clerk)
            jw = MainWindow(conn, db_path, judge, settings)
            jw.resize(1500, 900)
            save(jw, "spot-check.png")
            jw.close()
        except Exception as exc:  # noqa: BLE001 - a screenshot script reports and goes on
            print(f"spot-check screen skipped: {exc}")

    if window.audit is not None:
        window.tabs.setCurrentWidget(window.audit)
        save(window, "audit.png")
    window.close()


if __name__ == "__main__":
    main()
