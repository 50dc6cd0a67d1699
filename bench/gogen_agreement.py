"""Print the agreement table between ReliefDesk and gogen 0.2.13 on the shared San Bernardino sample.

python bench/gogen_agreement.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date
from pathlib import Path

from desktop.evaluation.agreement import compare, table
from desktop.evaluation.runs import evaluate_county
from desktop.records.importer import import_file
from desktop.rules.policy import load_policy
from desktop.store import open_db


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    args = ap.parse_args()
    sample = Path(args.shared) / "data" / "gogen-sample"
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "db.sqlite3")
        import_file(db, sample / "san_bernardino_3000.csv")
        for options in ("mixed", "dismiss_all"):
            run = evaluate_county(
                db,
                "SAN BERNARDINO",
                load_policy(sample / options / "options.json"),
                date(2020, 7, 1),
            )
            a = compare(
                db.conn,
                run,
                sample / "san_bernardino_3000.csv",
                sample / options / "Prop64_Results.csv",
            )
            print(table(a, f"gogen options '{options}' (as of 2020-07-01)"))
            print()
        db.conn.close()


if __name__ == "__main__":
    main()
