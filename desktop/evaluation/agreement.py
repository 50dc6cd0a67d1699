"""Comparing a run with what the archived gogen 0.2.13 decided for the same file.

gogen's Prop64_Results.csv holds the input rows it evaluated (verbatim, in input order) followed by
its own columns, the last two being the determination and the reason. Each of those rows is found
again in the input file to get its physical line number, and compared with our determination for
the count at that line."""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from desktop.rules.model import HARD_STOPS

GOGEN_RELIEF = {
    "Eligible for Dismissal": "dismiss_and_seal",
    "Eligible for Reduction": "redesignate_misdemeanor",
}
# Flags that exclude a row from the relief comparison (the list, plus our additions).
EXCLUDING_FLAGS = HARD_STOPS | {"statute_exceeds_policy"}


@dataclass
class Agreement:
    gogen_rows: int = 0
    missing: list[int] = field(default_factory=list)  # lines with no determination of ours
    compared: int = 0
    agree: int = 0
    differ: list[tuple[int, str, str, str]] = field(
        default_factory=list
    )  # line, gogen, ours, flags
    excluded_by_flag: Counter = field(default_factory=Counter)


def gogen_rows_by_line(input_csv: Path, results_csv: Path) -> list[tuple[int, str, str]]:
    """(line in the input file, gogen determination, gogen reason) for every evaluated row."""
    with open(input_csv, newline="", encoding="latin-1") as fh:
        lines = [(n, row) for n, row in enumerate(csv.reader(fh), 1)]
    with open(results_csv, newline="", encoding="latin-1") as fh:
        results = list(csv.reader(fh))[1:]
    out = []
    pos = 0
    for r in results:
        key = r[:95]
        while pos < len(lines) and lines[pos][1] != key:
            pos += 1
        if pos == len(lines):
            raise ValueError(f"a gogen result row is not in {input_csv}: {key[:3]}")
        out.append((lines[pos][0], r[-2], r[-1]))
        pos += 1
    return out


def compare(
    conn: sqlite3.Connection,
    run_id: int,
    input_csv: Path,
    results_csv: Path,
    import_id: int | None = None,
) -> Agreement:
    ours: dict[int, tuple[str, str]] = {}
    sql = (
        "SELECT c.source_line, d.relief, d.flags FROM determinations d JOIN counts c"
        " ON c.id = d.count_id WHERE d.run_id = ?"
    )
    params: list = [run_id]
    if import_id is not None:
        sql += " AND c.import_id = ?"
        params.append(import_id)
    for line, relief, flags in conn.execute(sql, params):
        ours[line] = (relief, flags)
    a = Agreement()
    for line, gogen, _reason in gogen_rows_by_line(input_csv, results_csv):
        a.gogen_rows += 1
        if line not in ours:
            a.missing.append(line)
            continue
        relief, flags = ours[line]
        fl = set(filter(None, flags.split(";")))
        hit = sorted(fl & EXCLUDING_FLAGS)
        if hit:
            for f in hit:
                a.excluded_by_flag[f] += 1
            continue
        a.compared += 1
        if GOGEN_RELIEF.get(gogen) == relief:
            a.agree += 1
        else:
            a.differ.append((line, gogen, relief, flags))
    return a


def table(a: Agreement, title: str) -> str:
    rows = [
        f"{title}",
        f"  gogen rows evaluated          {a.gogen_rows:>6}",
        f"  with no determination of ours {len(a.missing):>6}",
        f"  compared (no hard-stop flag)  {a.compared:>6}",
        f"    agree                       {a.agree:>6}",
        f"    differ                      {len(a.differ):>6}",
        "  excluded from comparison, by flag (a row may have several):",
    ]
    for flag, n in a.excluded_by_flag.most_common():
        rows.append(f"    {flag:<28}{n:>6}")
    for line, gogen, ours, flags in a.differ[:20]:
        rows.append(f"  line {line}: gogen {gogen!r}, ours {ours} [{flags}]")
    return "\n".join(rows)
