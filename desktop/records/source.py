"""Reading an input file line by line for the importers: hashing, decoding and physical line numbers.

csv.reader is fed one physical line at a time. Lines that cannot be a row (NUL bytes, an odd number
of quotes, absurd length) never reach it and are reported as rejects with their line number, so one
broken line cannot swallow the good lines after it."""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

MAX_LINE_CHARS = 100_000


class Reject(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _c1_as_latin1(exc: UnicodeError) -> tuple[str, int]:
    """The five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as their
    latin-1 code points, as Windows' own conversion does: decoding never fails."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error("reliefdesk-cp1252", _c1_as_latin1)


def decode(raw: bytes) -> str:
    """UTF-8 when it is, else Windows-1252 (DOJ extracts mix them, and Excel on a US Windows PC
    saves CSV as cp1252): the right single quote of O’BRIEN is byte 0x92, which latin-1 would turn
    into an invisible control character. Never fails."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="reliefdesk-cp1252")


class LineSource:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.sha = hashlib.sha256()
        self.bytes_read = 0
        self.first_line = 0  # first non-blank line
        self.rejects: list[tuple[int, str | None, str, str]] = []
        self.pending: list[tuple[int, str]] = []

    def lines(self) -> Iterator[str]:
        sha_update = self.sha.update
        pending = self.pending
        rejects = self.rejects
        n = 0
        with open(self.path, "rb") as fh:
            for raw in fh:
                n += 1
                sha_update(raw)
                self.bytes_read += len(raw)
                text = decode(raw)
                if n == 1:
                    text = text.lstrip("\ufeff")
                text = text.rstrip("\r\n")
                if not text.strip():
                    continue
                if not self.first_line:
                    self.first_line = n
                if "\x00" in text:
                    rejects.append(
                        (
                            n,
                            None,
                            "the line contains NUL bytes (binary data)",
                            text.replace("\x00", "\\0"),
                        )
                    )
                    continue
                if len(text) > MAX_LINE_CHARS:
                    rejects.append(
                        (
                            n,
                            None,
                            f"the line is {len(text):,} characters long; a record "
                            "line is at most a few thousand",
                            text[:2000],
                        )
                    )
                    continue
                if text.count('"') % 2:
                    rejects.append((n, None, "a quoted field is not closed on this line", text))
                    continue
                if "\r" in text:
                    rejects.append((n, None, "the line contains a stray carriage return", text))
                    continue
                pending.append((n, text))
                yield text

    def records(self) -> Iterator[tuple[int, str, list[str] | None, str | None]]:
        """Parse the file as CSV: (line, text, fields, None) for each row read from one physical
        line, and (line, text, None, reason) for each line that could not be read as a row (the
        pre-filtered lines of `rejects` are reported separately, after the last row)."""
        reader = csv.reader(self.lines())
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                for lineno, text in self.take_row_lines():
                    yield lineno, text, None, f"the line cannot be read as CSV ({exc})"
                continue
            rows = self.take_row_lines()
            if len(rows) != 1:
                # A quote opened with "" tricks spanned several lines: none of them is trustworthy.
                for lineno, text in rows:
                    yield (
                        lineno,
                        text,
                        None,
                        f"inside a quoted field left open on line {rows[0][0]}",
                    )
                continue
            yield rows[0][0], rows[0][1], fields, None

    def take_row_lines(self) -> list[tuple[int, str]]:
        """The physical lines behind the row csv.reader just returned (more than one only when a
        quote spanned lines)."""
        got = list(self.pending)
        self.pending.clear()
        return got


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def head_lines(path: str | os.PathLike[str], limit: int = 200) -> list[tuple[int, str]]:
    """The first non-blank decoded lines, for sniffing the format."""
    out: list[tuple[int, str]] = []
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            if n == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            text = decode(raw[:MAX_LINE_CHARS]).rstrip("\r\n")
            if text.strip():
                out.append((n, text))
            if len(out) >= limit:
                break
    return out


def looks_binary(path: str | os.PathLike[str]) -> str | None:
    """A reason the file is not text, or None."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"%PDF"):
        return "it is a PDF document"
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "it is an Office/ZIP document, not a CSV text file (save it as CSV first)"
    if head.startswith(b"SQLite format 3"):
        return "it is an SQLite database"
    # A stray NUL inside one row is that row's problem (it is rejected); many are a binary file.
    if head.count(b"\x00") > max(len(head) // 100, 4):
        return "it contains binary data (NUL bytes), not text"
    if head:
        bad = sum(1 for b in head if b < 9 or 13 < b < 32)
        if bad > len(head) // 20:
            return "it is not a text file"
    return None
