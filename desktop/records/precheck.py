"""A file checked when it is added to an import, before anything is written: can it be read,
which kind of file it is, about how many rows it holds, and whether this database imported it
already. The import wizard shows the result beside each file; a file that fails the check is
left out, and the others are imported."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import UserError
from desktop.records.source import file_sha256, head_lines, looks_binary

KIND_WORDS = {
    "doj": "DOJ research file",
    "court-csv": "Court extract (CSV)",
    "prosecution-responses": "Prosecution responses",
}


@dataclass(frozen=True)
class FileCheck:
    path: str
    ok: bool  # can be imported (or is a file imported before, which is skipped)
    kind: str | None  # importer format: doj | court-csv | prosecution-responses
    size: int
    rows_estimate: int  # from the size and the first lines' length (no full read)
    already_imported: bool = False
    problem: str = ""  # why it cannot be imported, in words

    @property
    def kind_words(self) -> str:
        return KIND_WORDS.get(self.kind or "", "")

    @property
    def verdict(self) -> str:
        """One line for the list of files."""
        if not self.ok:
            return f"Cannot be imported: {self.problem}"
        if self.already_imported:
            return "Imported before: it will be skipped"
        return f"Ready: {self.kind_words}, about {self.rows_estimate:,} rows"


def check_file(conn: sqlite3.Connection | None, path: str | os.PathLike[str]) -> FileCheck:
    """Check one file for import (reads its first lines; hashes it only when a file of the same
    size was imported before). Without a database (conn None) nothing was imported before."""
    from desktop.records import doj_import
    from desktop.records.importer import detect_format

    p = Path(path)

    def bad(why: str, kind: str | None = None, size: int = 0) -> FileCheck:
        return FileCheck(str(p), False, kind, size, 0, problem=why)

    if not p.is_file():
        return bad("the file does not exist or is not a file")
    try:
        size = p.stat().st_size
        if size == 0:
            return bad("the file is empty")
        why = looks_binary(p)
        if why:
            return bad(why, size=size)
        kind = detect_format(p)
        head = head_lines(p, limit=200)
        if kind == "doj":
            try:
                doj_import.sniff_doj(iter(head))
            except doj_import.NotDojFile as exc:
                return bad(f"it is not a DOJ research file ({exc})", "doj", size)
        elif kind == "court-csv":
            from desktop.records import court_csv

            try:
                court_csv.sniff(head, None, p)
            except UserError as exc:
                return bad(str(exc), "court-csv", size)
    except UserError as exc:
        return bad(str(exc))
    except OSError as exc:
        return bad(f"it cannot be read ({exc.strerror or exc})")
    sample = head[1:] if len(head) > 1 else head
    avg = max(1, sum(len(t) + 1 for _, t in sample) // max(1, len(sample)))
    rows = max(1, round(size / avg) - (1 if len(head) > 1 else 0))
    already = False
    if (
        conn is not None
        and conn.execute("SELECT 1 FROM imports WHERE file_size = ?", (size,)).fetchone()
    ):
        sha = file_sha256(p)
        already = (
            conn.execute("SELECT 1 FROM imports WHERE sha256 = ?", (sha,)).fetchone() is not None
        )
    return FileCheck(str(p), True, kind, size, rows, already)
