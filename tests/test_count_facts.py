"""The evaluation run's loading of a count (evaluation.runs._count_facts) builds its CountFacts
without the frozen dataclass's __init__ when the dates are full (issue 20: that __init__ was over
half the cost of loading a count). The object must be the one __init__ builds: same fields in the
same order, equal, same hash, and `replace` (which the engine uses) works on it. Checked on every
conviction of a generated file with long and short records, including damaged dates (partial
dates take the ordinary path and are compared too). Nothing here is timed."""

from __future__ import annotations

import dataclasses
import random
import re
from datetime import date
from pathlib import Path

from desktop.evaluation import runs as ev
from desktop.records.generate import generate
from desktop.records.importer import import_file
from desktop.rules.model import CountFacts
from desktop.store import open_db


def reference(row: tuple) -> CountFacts:
    """The count as the run loaded it before (keyword __init__, full dates only)."""
    sec = ev.parse_section(row[6]) if row[6] else None
    section, base, code = (
        (sec.section, sec.base, sec.code or None) if sec else (row[7], row[8], row[9])
    )
    iso = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
    return CountFacts(
        id=row[0],
        case_id=row[1],
        case_number=row[2],
        cnt_order=row[3],
        count_no=row[4],
        county=row[5],
        offense_text=row[6],
        section=section,
        base=base,
        code=code,
        level=row[10],
        convicted=bool(row[11]),
        conviction_date=iso(row[12]),
        cycle_date=iso(row[13]),
        sentence_end=iso(row[14]),
        juvenile=bool(row[15]),
        comment=row[16],
        disposition=row[18],
        has_sentence=bool(row[19]),
    )


def test_fast_count_facts_are_the_dataclass_init(tmp_path: Path) -> None:
    short, dense = tmp_path / "short.csv", tmp_path / "dense.csv"
    generate(short, "SAN BERNARDINO", 3_000, seed=5)
    generate(dense, "SAN BERNARDINO", 3_000, seed=6, rows_per_person=100)
    # Some partial dates (DOJ's 00 day / month): those counts take the ordinary path.
    rng = random.Random(3)
    lines = dense.read_text().split("\n")
    for i in range(1, len(lines) - 1):
        if rng.randrange(40) == 0:
            lines[i] = re.sub(r",((?:19|20)\d{2})(\d{2})\d{2}(?=,)", r",\1\g<2>00", lines[i])
    dense.write_text("\n".join(lines))
    db = open_db(tmp_path / "db.sqlite3")
    import_file(db, short, backup=False)
    import_file(db, dense, backup=False)
    ids = [r[0] for r in db.conn.execute("SELECT id FROM subjects ORDER BY id")]
    names = [f.name for f in dataclasses.fields(CountFacts)]
    fast = partial = 0
    for _subject, counts in ev.load_subjects(db.conn, ids, all_counts=True):
        for c in counts:
            assert list(vars(c)) == names  # every field, in declaration order
            if c.ranges:
                partial += 1
                continue
            row = db.conn.execute(
                "SELECT c.id, c.case_id, k.case_number, c.cnt_order, c.count_no, c.county,"
                " c.offense_text, c.section, c.base_section, c.code, c.level, c.convicted,"
                " c.conviction_date, c.cycle_date, c.sentence_end, c.juvenile, c.comment,"
                " c.subject_id, c.disposition, c.sentence != '[]', NULL"
                " FROM counts c JOIN cases k ON k.id = c.case_id WHERE c.id = ?",
                (c.id,),
            ).fetchone()
            want = reference(row)
            assert c == want and hash(c) == hash(want) and vars(c) == vars(want)
            assert dataclasses.replace(c, ranges=()) == want
            with_convicted = dataclasses.replace(c, convicted=not c.convicted)
            assert with_convicted.convicted is not c.convicted  # a real frozen dataclass copy
            fast += 1
    assert fast > 5_000 and partial > 20
