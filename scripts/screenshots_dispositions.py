"""Take the screenshots of the Matters, Hearings and Dispositions views (issue 19) for the clerk's
guide, on a 1366×768 court screen: the real window under a display with a window manager
(`Xvfb :99 -screen 0 1366x768x24 & DISPLAY=:99 openbox &`, then DISPLAY=:99), captured from the
screen with ImageMagick's `import`; without a display, Qt's offscreen platform configured as one
such screen, as scripts/screenshots.py does.

Builds the demo database (synthetic people), then as the clerk: finds a person, opens an
application for them, enters the prosecution's opposition, enters a petition from the court file,
schedules both hearings; as the judge: the day's hearing list with one outcome entered; and the
Dispositions view of the county.

Run: python scripts/screenshots_dispositions.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "demo-only"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--samples", type=Path, default=ROOT / "docs" / "samples")
    args = ap.parse_args()
    from scripts.screenshots import _platform

    _platform(1366, 768)
    os.environ.setdefault("RELIEFDESK_NOW", "2026-11-02T18:00:00+00:00")
    run(args.out, args.samples)


def run(out: Path, samples: Path = ROOT / "docs" / "samples") -> None:
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
        """The real screen when there is a display (Xvfb with a window manager: the title bar
        and frame as a clerk sees them), else the window's own picture."""
        settle()
        window.raise_()
        window.activateWindow()
        settle()
        if os.environ.get("DISPLAY") and shutil.which("import"):
            import time

            time.sleep(0.4)
            settle()
            subprocess.run(["import", "-window", "root", str(out / name)], check=True, timeout=60)
        else:
            window.grab().save(str(out / name))
        print(f"wrote {out / name}")

    from desktop.dispositions import responses as rs
    from desktop.dispositions import service as sv

    admin = authenticate(conn, "admin", PASSWORD)
    for key, value in (
        ("prosecution_name", "Office of the District Attorney, County of San Bernardino"),
        ("prosecution_address", "303 W Third St | San Bernardino, CA 92415"),
        ("public_defender_name", "Office of the Public Defender, County of San Bernardino"),
        ("public_defender_address", "364 N Mountain View Ave | San Bernardino, CA 92415"),
        ("mailing_city", "San Bernardino"),
    ):
        sv.set_service_setting(conn, admin, key, value)

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
            "Office of the Public Defender",
            "P64-26-0007",
            "2026-10-21",
            person_address="4410 N Sierra Way | San Bernardino, CA 92407",
        ),
    )
    rs.add_response(conn, clerk, other, "opposes_public_safety", "2026-10-30")
    other_hearing = hr.schedule_hearing(conn, clerk, other, "2026-11-02", "08:30", "S-14")

    window = MainWindow(conn, db_path, clerk, QSettings(str(folder / "s.ini"), QSettings.IniFormat))
    window.resize(1366, 768)
    window.show_fitted()
    matters = window.matters
    window.tabs.setCurrentWidget(matters)
    matters.case.setText("FSB07548")
    matters.search()
    for row in range(matters.people_model.rowCount()):
        if not matters.people_model.item(row, 2).text().endswith(")"):  # the court's county
            matters.people.selectRow(row)
            break
    mid = matters.open_matter(
        mt.Filing(
            "application",
            "2026-11-02",
            "attorney",
            "Lena Ortega",
            "P64-26-0011",
            "2026-11-02",
            True,
            person_address="1250 Mill St Apt 4 | Redlands, CA 92373",
            counsel_address="400 N Arrowhead Ave | San Bernardino, CA 92401",
        )
    )
    if mid is not None:
        matters.add_response("opposes_criteria", "2026-11-02", "prior in 2009")
    save(window, "matters.png")

    window.tabs.setCurrentWidget(window.hearings)
    if mid is not None:
        window.hearings.schedule(mid, "2026-11-02", "10:00", "S-14")
    window.hearings.select_hearing(other_hearing)
    # The sample notice of hearing (docs/samples), made by the window's Notice of hearing.
    notice = window.hearings.make_notice(samples / "sample-hearing-notice.pdf", force=True)
    print(f"wrote {notice or window.hearings.message.text()}")
    window.close()

    jwin = MainWindow(conn, db_path, judge, QSettings(str(folder / "j.ini"), QSettings.IniFormat))
    jwin.resize(1366, 768)
    jwin.show_fitted()
    jwin.tabs.setCurrentWidget(jwin.hearings)
    hv = jwin.hearings
    hv.refresh()
    hv.select_hearing(other_hearing)
    counts = mt_count_ids(conn, other)
    hv.enter_outcome([hr.Outcome(c, "denied", finding="public_safety") for c in counts])
    hv.select_hearing(other_hearing)
    save(jwin, "hearings.png")
    jwin.tabs.setCurrentWidget(jwin.dispositions)
    disp = jwin.dispositions
    disp.refresh()
    for row in range(disp.stages_model.rowCount()):
        if disp.stages_model.item(row, 0).text().startswith("Challenged or opposed"):
            disp.stages.setCurrentIndex(disp.stages_model.index(row, 0))
    save(jwin, "dispositions.png")
    jwin.close()
    conn.close()


def mt_count_ids(conn, matter_id: int) -> list[int]:
    from desktop.dispositions.common import matter_count_ids

    return matter_count_ids(conn, matter_id)


if __name__ == "__main__":
    main()
