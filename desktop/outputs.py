"""Every file a command writes for the user (`--out`): one guard and one writer.

- The guard refuses the live database, its -wal/-shm/-journal files and its backups (anything in
  the backups folder, and any existing SQLite database file) even with --force, and any other
  existing file unless --force is given.
- The writer writes under a hidden temporary name in the target folder, created 0600, fsyncs it
  and only then gives it its real name: without --force by a hard link that fails if the name was
  taken meanwhile (so nothing is ever replaced), with --force by an atomic rename. A crash never
  leaves a half-written file under the real name, and the folder's own permissions are untouched.
- Files meant for people (spreadsheets) carry no live formulas (CWE-1236): `neutralise_cell` for
  CSV and `write_xlsx` for real .xlsx workbooks whose every cell is text.
- `for_terminal` escapes control characters from record data before the CLI prints it.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from desktop.errors import UserError

SQLITE_MAGIC = b"SQLite format 3\x00"


class OutputRefused(UserError):
    """An output path refused by the guard (exit 2, like any other unusable argument; nothing
    was written)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2)


def database_of(conn: sqlite3.Connection | None) -> Path | None:
    """The file behind a connection's main database (None for in-memory or no connection)."""
    if conn is None:
        return None
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def protected_files(db_path: Path) -> list[Path]:
    """The live database and the files SQLite keeps beside it."""
    return [Path(f"{db_path}{s}") for s in ("", "-wal", "-shm", "-journal")]


def _is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def check_output(
    out: Path | str,
    *,
    db: Path | sqlite3.Connection | None,
    force: bool = False,
    what: str = "output",
) -> Path:
    """Refuse an output path that would destroy data; return it as a Path.

    `db` is the live database (its path or a connection to it), so that the database, its WAL and
    SHM files and its backups are refused even with `force`."""
    from desktop.paths import backup_dir

    out = Path(out)
    db_path = database_of(db) if isinstance(db, sqlite3.Connection) else (Path(db) if db else None)
    if db_path is not None:
        for p in protected_files(db_path):
            if _same(out, p):
                part = p.name[len(db_path.name) :]
                which = f"the live database's {part} file" if part else "the live database"
                raise OutputRefused(
                    f"{out} is {which} ({db_path}); writing the {what} there "
                    "would destroy it, so it is refused even with --force. "
                    "Choose another file name. Nothing was written."
                )
        backups = backup_dir(db_path)
        if _same(out.parent, backups) or (out.exists() and _same(out, backups)):
            raise OutputRefused(
                f"{out} is in the backups folder of {db_path}; backups are never "
                f"overwritten or mixed with exports. Choose another folder. "
                "Nothing was written."
            )
    if out.is_dir():
        raise OutputRefused(f"{out} is a folder; name a file for the {what}. Nothing was written.")
    if out.exists() or out.is_symlink():
        if _is_sqlite_file(out):
            raise OutputRefused(
                f"{out} is a database file (SQLite); it is never overwritten, "
                "even with --force. Choose another file name. Nothing was written."
            )
        if not force:
            raise OutputRefused(
                f"{out} already exists; choose another file name, or add --force "
                "to replace it. Nothing was written."
            )
    return out


def check_output_dir(
    out_dir: Path | str, *, db: Path | sqlite3.Connection | None, what: str = "orders"
) -> Path:
    """A folder that will receive new files (orders): never the database, a file, or the backups
    folder."""
    from desktop.paths import backup_dir

    out_dir = Path(out_dir)
    db_path = database_of(db) if isinstance(db, sqlite3.Connection) else (Path(db) if db else None)
    if db_path is not None:
        for p in protected_files(db_path):
            if _same(out_dir, p):
                raise OutputRefused(
                    f"{out_dir} is the live database ({db_path}), not a folder for "
                    f"the {what}. Nothing was written."
                )
        if _same(out_dir, backup_dir(db_path)):
            raise OutputRefused(
                f"{out_dir} is the backups folder of {db_path}; choose another "
                f"folder for the {what}. Nothing was written."
            )
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputRefused(
            f"{out_dir} is a file, not a folder for the {what}; choose a folder. "
            "Nothing was written."
        )
    return out_dir


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _place(tmp: Path, path: Path, replace: bool) -> None:
    if replace:
        from desktop.files import replace_file

        replace_file(tmp, path)  # retried while another program holds it open (Windows)
        return
    try:
        os.link(tmp, path)  # fails with EEXIST instead of replacing
    except FileExistsError:
        raise OutputRefused(
            f"{path} appeared while it was being written; nothing was "
            "replaced. Choose another file name."
        ) from None
    except OSError as exc:
        if exc.errno not in (
            errno.EPERM,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.EMLINK,
            getattr(errno, "ENOTSUP", errno.EOPNOTSUPP),
        ):
            raise
        # No hard links on this file system (FAT, some network drives): check, then rename.
        if path.exists():
            raise OutputRefused(
                f"{path} appeared while it was being written; nothing was "
                "replaced. Choose another file name."
            ) from None
        os.replace(tmp, path)
        return
    tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def open_output(
    path: Path | str, *, replace: bool = False, text: bool = False, newline: str | None = ""
) -> Iterator[IO[Any]]:
    """A file handle on a new hidden temporary file (mode 0600) beside `path`; when the block ends
    without an error the file is flushed, fsynced and given its real name. On any error the
    temporary file is removed and `path` is untouched. Call `check_output` first."""
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        raise _honest(exc, path) from exc
    try:
        if sys.platform == "win32":
            from desktop.files import make_private

            make_private(tmp)  # owner-only ACL, before any byte is written
        raw = os.fdopen(fd, "wb")
        fh: IO[Any] = io.TextIOWrapper(raw, encoding="utf-8", newline=newline) if text else raw
        with fh:
            yield fh
            fh.flush()
            os.fsync(raw.fileno())
        _place(tmp, path, replace)
    except OSError as exc:
        _discard(tmp)
        raise _honest(exc, path) from exc
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)


def _honest(exc: OSError, path: Path) -> BaseException:
    """Disk full, read-only, permission/immutable, locked: a message, not a traceback."""
    from desktop.diagnose import from_os

    return from_os(exc, path, "the file") or exc


def write_output(
    path: Path | str,
    data: bytes,
    *,
    db: Path | sqlite3.Connection | None,
    force: bool = False,
    what: str = "output",
) -> Path:
    """Guard `path`, then write `data` to it atomically (0600, never replacing without force)."""
    path = check_output(path, db=db, force=force, what=what)
    with open_output(path, replace=force) as fh:
        fh.write(data)
    return path


# --- files for people: no live formulas (CWE-1236) ---------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

CSV_NOTE = (
    "# ReliefDesk export for people: a cell that began with = + - @ ' or a tab or line "
    "break is written with one extra leading ' so a spreadsheet shows it as text and never "
    "runs it as a formula (CWE-1236); drop that first ' to get the exact value."
)


def neutralise_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not evaluate: text starting like a formula (or with ') gets a
    leading '. Numbers and None pass through."""
    if isinstance(value, str) and value and (value[0] in FORMULA_STARTS or value[0] == "'"):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """The exact value of a cell written by neutralise_cell."""
    return value[1:] if value.startswith("'") else value


def write_xlsx(
    fh: IO[bytes],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet: str = "Export",
    widths: dict[str, float] | None = None,
    notice: str | None = None,
) -> int:
    """A real .xlsx workbook: every cell typed as text (a name like =HYPERLINK(...) stays text),
    the header row bold and frozen, columns sized to their content (the first rows). Streamed
    (openpyxl's write-only mode), so a run of 10^5 determinations does not sit in memory.
    Returns the data row count."""
    from itertools import islice

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    it = iter(rows)
    first = [list(r) for r in islice(it, 500)]  # sizes the columns
    longest = [len(h) for h in header]
    for r in first:
        for i, v in enumerate(r[: len(longest)]):
            longest[i] = max(longest[i], min(len("" if v is None else str(v)), 60))
    for i, h in enumerate(header, 1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(h, longest[i - 1] + 2)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cells(values: Sequence[Any], font: Font | None = None) -> list[WriteOnlyCell]:
        out = []
        for v in values:
            cell = WriteOnlyCell(ws, value=_xlsx_clean("" if v is None else str(v)))
            cell.data_type = "s"  # text, never a formula, even for "=..."
            cell.number_format = "@"
            if font is not None:
                cell.font = font
            out.append(cell)
        return out

    ws.append(text_cells(header, bold))
    n = 0
    for buffered in first:
        ws.append(text_cells(buffered))
        n += 1
    for row in it:
        ws.append(text_cells(row))
        n += 1
    if notice:
        # When it was made and when it must be destroyed, on a sheet of its own (issue 18).
        about = wb.create_sheet("About this file")
        about.column_dimensions["A"].width = 120
        about.append([WriteOnlyCell(about, value=_xlsx_clean(notice))])
    wb.save(fh)
    return n


def write_table(
    out: Path | str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    db: Path | sqlite3.Connection | None,
    force: bool = False,
    what: str = "export",
    sheet: str = "Export",
    notice: str | None = None,
) -> int:
    """A table meant for people: FILE.xlsx is a real workbook (every cell text, header frozen),
    any other name a CSV whose first line is CSV_NOTE and whose formula-like cells are
    neutralised. Guarded and written atomically (0600). Returns the data row count."""
    out = check_output(out, db=db, force=force, what=what)
    n = 0
    if out.suffix.lower() == ".xlsx":
        with open_output(out, replace=force) as fh:
            n = write_xlsx(fh, header, rows, sheet=sheet, notice=notice)
        return n
    import csv

    with open_output(out, replace=force, text=True, newline="") as fh:
        # One comment line: how cells were neutralised, and (issue 18) when the file was made and
        # that it must be destroyed under the retention schedule.
        fh.write(CSV_NOTE + (" " + notice.replace("\n", " ") if notice else "") + "\n")
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow([neutralise_cell(v) for v in row])
            n += 1
    return n


def _xlsx_clean(text: str) -> str:
    """XML cannot hold most C0 control characters; show them as \\xNN rather than failing."""
    return "".join(ch if ch in "\t\n\r" or ord(ch) >= 0x20 else f"\\x{ord(ch):02x}" for ch in text)


# --- text for the terminal -------------------------------------------------------------------
def for_terminal(value: Any) -> str:
    """Record data made safe to print: control characters (C0, DEL, C1, bidi overrides, line and
    paragraph separators) shown visibly as \\xNN / \\uNNNN instead of reaching the terminal, where
    an escape sequence could rewrite the screen or hide text."""
    text = "" if value is None else str(value)
    out = []
    for ch in text:
        o = ord(ch)
        if o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0:
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{o:02x}"))
        elif ch in _INVISIBLE:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


_INVISIBLE = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029\ufeff"
)
