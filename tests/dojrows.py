"""Build small DOJ research files for scenario tests: invented people, one court row per count."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from desktop.records.doj_layout import COLUMNS, INDEX


@dataclass
class Conv:
    section: str  # OFFENSE_DESCR text, e.g. "11357(B) HS-POSSESS MARIJUANA"
    level: str  # F | M | I
    disp: str  # YYYYMMDD conviction (disposition) date
    cycle: str | None = None  # YYYYMMDD offense/arrest date (CYC_DATE); default = disp
    county: str = "SAN BERNARDINO"
    sentence: tuple[int, str] | None = (1, "Y")  # (length, D/M/Y); None = no sentence data
    juvenile: bool = False
    disposition: str = "CONVICTED"
    same_cycle_as: int | None = None  # put this count in the cycle of an earlier Conv (index)
    comment: str = ""
    case_number: str | None = None
    # An arrest count (step ARREST/DETAINED/CITED, no disposition) instead of a court count.
    arrest: bool = False
    event: str | None = None  # STP_EVENT_DATE as written; default = disp
    sentence_raw: tuple[str, str] | None = None  # SENT_LENGTH, SENT_TIME_CODE as written


@dataclass
class Person:
    name: str
    dob: str
    subject_id: str
    convictions: list[Conv] = field(default_factory=list)
    deceased: str | None = None
    registration: str | None = None
    cii: str = "A123456789"
    # Rows of this person written after the counts, each {column: value} over a court row of
    # the person (e.g. {"CNT_ORDER": "12AB"}: a row the importer must reject).
    extra_rows: list[dict[str, str]] = field(default_factory=list)


def _row(**values: str) -> list[str]:
    row = [""] * len(COLUMNS)
    for k, v in values.items():
        row[INDEX[k]] = v
    return row


def write_file(path: Path, people: list[Person], header: bool = True) -> dict[tuple[str, int], int]:
    """Write the file; returns {(subject_id, conviction index): physical line number}."""
    lines: dict[tuple[str, int], int] = {}
    rows: list[list[str]] = []
    line = 1 if header else 0
    for p in people:
        common = {
            "SUBJECT_ID": p.subject_id,
            "PRI_NAME": p.name,
            "PRI_DOB": p.dob,
            "CII_NUMBER": p.cii,
        }
        cycle_of: list[int] = []
        counts_in: dict[tuple[int, str], int] = {}
        for i, c in enumerate(p.convictions):
            cyc = (
                cycle_of[c.same_cycle_as]
                if c.same_cycle_as is not None
                else max(cycle_of, default=0) + 1
            )
            cycle_of.append(cyc)
            step = "001" if c.arrest else "002"
            counts_in[(cyc, step)] = counts_in.get((cyc, step), 0) + 1
            cnt_order = f"{cyc:03d}{step}{counts_in[(cyc, step)]:03d}000"
            ori = "CASC JUVENILE SAN BERNARDINO" if c.juvenile else f"CASC {c.county}"
            convicted = c.disposition.upper().startswith("CONVICTED") and not c.arrest
            values = dict(
                common,
                CYC_DATE=c.cycle or c.disp,
                STP_EVENT_DATE=c.event if c.event is not None else c.disp,
                STP_TYPE_DESCR="ARREST/DETAINED/CITED" if c.arrest else "COURT ACTION",
                STP_ORI_DESCR=f"CASO {c.county}" if c.arrest else ori,
                STP_ORI_CNTY_NAME=c.county,
                CNT_ORDER=cnt_order,
                DISP_DATE="" if c.arrest else c.disp,
                OFN=c.case_number or f"{p.subject_id[-4:]}{cyc:02d}",
                OFFENSE_DESCR=c.section,
                OFFENSE_TOC=c.level,
                DISP_DESCR="" if c.arrest else c.disposition,
                CONV_STAT_DESCR={"F": "FELONY", "M": "MISDEMEANOR", "I": "INFRACTION"}[c.level]
                if convicted
                else "",
                COMMENT_TEXT=c.comment,
            )
            if c.sentence_raw is not None:
                values.update(
                    SENT_LOC_DESCR="PROBATION",
                    SENT_LENGTH=c.sentence_raw[0],
                    SENT_TIME_CODE=c.sentence_raw[1],
                )
            elif c.sentence and convicted:
                values.update(
                    SENT_LOC_DESCR="PROBATION",
                    SENT_LENGTH=str(c.sentence[0]),
                    SENT_TIME_CODE=c.sentence[1],
                )
            rows.append(_row(**values))
            line += 1
            lines[(p.subject_id, i)] = line
        n = len(p.convictions)
        for extra in p.extra_rows:
            values = dict(
                common,
                STP_TYPE_DESCR="COURT ACTION",
                STP_ORI_CNTY_NAME="SAN BERNARDINO",
                DISP_DESCR="CONVICTED",
                OFFENSE_DESCR="459 PC-BURGLARY",
                OFFENSE_TOC="F",
                CONV_STAT_DESCR="FELONY",
                CYC_DATE="20000101",
                DISP_DATE="20000101",
                STP_EVENT_DATE="20000101",
                CNT_ORDER="089002001000",
            )
            values.update(extra)
            rows.append(_row(**values))
            line += 1
        if p.deceased:
            rows.append(
                _row(
                    **common,
                    STP_EVENT_DATE=p.deceased,
                    STP_TYPE_DESCR="DECEASED",
                    CNT_ORDER=f"{90:03d}001001000",
                    STP_ORI_CNTY_NAME="SAN BERNARDINO",
                )
            )
            line += 1
        if p.registration:
            rows.append(
                _row(
                    **common,
                    STP_EVENT_DATE=p.registration,
                    STP_TYPE_DESCR="REGISTRATION",
                    CNT_ORDER=f"{91 + n:03d}001001000",
                    OFFENSE_DESCR="290 PC-REGISTRATION OF SEX OFFENDER",
                    STP_ORI_CNTY_NAME="SAN BERNARDINO",
                )
            )
            line += 1
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        if header:
            w.writerow(COLUMNS)
        w.writerows(rows)
    return lines
