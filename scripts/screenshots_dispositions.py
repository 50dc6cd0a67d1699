"""Take the screenshots of the Matters, Hearings and Dispositions views (issue 19) for the clerk's
guide, on a 1366×768 court screen (Qt's offscreen platform configured as one such screen, as
scripts/screenshots.py does without a display).

Builds the demo database (synthetic people), then as the clerk: finds a person, opens an
application for them, enters the prosecution's opposition, enters a petition from the court file,
schedules both hearings; as the judge: the day's hearing list with one outcome entered; and the
Dispositions view of the county.

Run: python scripts/screenshots_dispositions.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "demo-only"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args()
    from scripts.screenshots import _platform

    _platform(1366, 768)
    os.environ.setdefault("RELIEFDESK_NOW", "2026-11-02T18:00:00+00:00")
    run(args.out)


def run(out: Path) -> None:
    from PySide6.QtCore import QSettings

    from desktop.demo import DEMO_COUNTY, build_demo
    from desktop.dispositions import hearings as hr
    from desktop.dispositions import matters as mt
    from desktop.review.users import authenticate
    from desktop.store import open_db
    from desktop.ui.app import application
    from desktop.ui.main_window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    app = application()
    folder = Path(tempfile.mkdtemp(prefix="shots-disp-"))
    db_path = folder / "reliefdesk-demo.sqlite3"
    build_demo(db_path, rows=6000)
    conn = open_db(db_path).conn
    clerk = authenticate(conn, "clerk", PASSWORD)
    judge = authenticate(conn, "judge", PASSWORD)

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def save(window, name: str) -> None:
        settle()
        window.grab().save(str(out / name))
        print(f"wrote {out / name}")

    # Data a court would have a few weeks in: two matters, one from the court file.
    other = mt.enter_from_court_file(
        conn,
        clerk,
        mt.CourtFilePerson("RIVERA,DANA M", "1984-02-11"),
        mt.CourtFileCase(
            "FSB1601234",
            DEMO_COUNTY,
            "Superior Court",
            (mt.CourtFileCount(1, "11359 HS", "F", "2016-01-15", "PRISON 12Y"),),
        ),
        mt.Filing(
            "petition",
            "2026-10-20",
            "public_defender",
            "Public Defender",
            "P64-26-0007",
            "2026-10-21",
        ),
    )
    from desktop.dispositions import responses as rs

    rs.add_response(conn, clerk, other, "opposes_public_safety", "2026-10-30")
    hr.schedule_hearing(conn, clerk, other, "2026-11-02", "08:30", "S-14")

    window = MainWindow(conn, db_path, clerk, QSettings(str(folder / "s.ini"), QSettings.IniFormat))
    window.resize(1366, 768)
    window.show()
    matters = window.matters
    window.tabs.setCurrentWidget(matters)
    matters.case.setText("FSB07548")
    matters.search()
    for row in range(matters.people_model.rowCount()):
        if matters.people_model.item(row, 4).text() == DEMO_COUNTY:
            matters.people.selectRow(row)
            break
    mid = matters.open_matter(
        mt.Filing(
            "application", "2026-11-02", "attorney", "L. Ortega", "P64-26-0011", "2026-11-02", True
        )
    )
    if mid is not None:
        matters.add_response("opposes_criteria", "2026-11-02", "prior in 2009")
    save(window, "matters.png")

    window.tabs.setCurrentWidget(window.hearings)
    if mid is not None:
        window.hearings.schedule(mid, "2026-11-02", "10:00", "S-14")
    window.close()

    jwin = MainWindow(conn, db_path, judge, QSettings(str(folder / "j.ini"), QSettings.IniFormat))
    jwin.resize(1366, 768)
    jwin.show()
    jwin.tabs.setCurrentWidget(jwin.hearings)
    hv = jwin.hearings
    hv.refresh()
    rows = hv.model.rowCount()
    for row in range(rows):
        if hv.model.item(row, 4).text() == str(other):
            hv.hearings.selectRow(row)
            hv.hearings.setCurrentIndex(hv.model.index(row, 0))
    counts = [int(hv.counts_model.item(r, 0).text()) for r in range(hv.counts_model.rowCount())]
    hv.enter_outcome([hr.Outcome(c, "denied", finding="public_safety") for c in counts])
    save(jwin, "hearings.png")
    jwin.tabs.setCurrentWidget(jwin.dispositions)
    jwin.dispositions.county.setText(DEMO_COUNTY)
    jwin.dispositions.refresh()
    jwin.dispositions.stages.selectRow(0)
    jwin.dispositions.stages.setCurrentIndex(jwin.dispositions.stages_model.index(0, 0))
    save(jwin, "dispositions.png")
    jwin.close()
    conn.close()


if __name__ == "__main__":
    main()
