"""The package file: a zip archive with manifest.json and parts, each part's SHA-256 in the manifest
(docs/packages.md). Written through the guarded output writer (never the database, never an
existing file); read entirely into memory with every hash checked before anything is used."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import RefusedError, UserError

FORMAT = "reliefdesk-package"
FORMAT_VERSION = 1
KINDS = ("batch", "answer")
MANIFEST = "manifest.json"
# Limits when reading: a package of a batch is megabytes, not gigabytes; a file beyond these is
# not one ReliefDesk wrote (or is a zip bomb) and is refused before it is unpacked.
MAX_PARTS = 10_000
MAX_TOTAL_BYTES = 2 << 30
_PART_NAME = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cell(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _uncell(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(value["base64"])
    return value


def table_part(
    conn: sqlite3.Connection, table: str, where: str = "1 = 1", params: Iterable[Any] = ()
) -> bytes:
    """The rows of `table` that `where` selects, as JSON {table, columns, rows}: every column by
    name, so a later version reads the columns it knows."""
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", list(params))
    columns = [d[0] for d in cur.description]
    rows = [[_cell(v) for v in row] for row in cur]
    return canonical_json({"table": table, "columns": columns, "rows": rows})


def table_rows(data: bytes) -> tuple[str, list[str], list[list[Any]]]:
    obj = json.loads(data)
    return obj["table"], list(obj["columns"]), [[_uncell(v) for v in r] for r in obj["rows"]]


def insert_rows(
    conn: sqlite3.Connection,
    data: bytes,
    *,
    keep: set[str] | None = None,
    drop: Iterable[str] = (),
    replace: bool = False,
) -> tuple[str, int]:
    """Insert a table part's rows into the same table; only the columns this database's table has
    (a part from a later version may carry more), minus `drop`. Returns (table, rows)."""
    table, columns, rows = table_rows(data)
    if keep is not None and table not in keep:
        raise UserError(f"the package holds a table ReliefDesk does not take from it: {table}")
    have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    if not have:
        raise UserError(f"the package holds a table this version does not know: {table}")
    idx = [i for i, c in enumerate(columns) if c in have and c not in set(drop)]
    if not idx:
        return table, 0
    names = ", ".join(columns[i] for i in idx)
    marks = ", ".join("?" * len(idx))
    conn.executemany(
        f"INSERT {'OR REPLACE ' if replace else ''}INTO {table} ({names}) VALUES ({marks})",
        [[r[i] for i in idx] for r in rows],
    )
    return table, len(rows)


def build(manifest: dict[str, Any], parts: dict[str, bytes]) -> tuple[bytes, bytes]:
    """The zip file's bytes and the manifest.json bytes (with every part's hash and size)."""
    manifest = dict(manifest)
    manifest["format"] = FORMAT
    manifest["format_version"] = FORMAT_VERSION
    manifest["parts"] = {
        name: {"sha256": sha256(data), "bytes": len(data)} for name, data in sorted(parts.items())
    }
    man = canonical_json(manifest)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        # A fixed date in every entry: the same content makes the same file.
        info = zipfile.ZipInfo(MANIFEST, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, man)
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
            )
            zf.writestr(info, parts[name])
    return buf.getvalue(), man


@dataclass(frozen=True)
class Package:
    path: Path
    manifest: dict[str, Any]
    manifest_bytes: bytes
    parts: dict[str, bytes]
    file_sha256: str

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def sha256(self) -> str:
        """The package's identity: the SHA-256 of its manifest, which lists every part's hash."""
        return sha256(self.manifest_bytes)

    @property
    def package_id(self) -> str:
        return str(self.manifest.get("package_id") or "")

    def json(self, name: str) -> Any:
        return json.loads(self.parts[name])


def _damaged(path: Path, why: str) -> RefusedError:
    return RefusedError(
        f"{path} is not an intact ReliefDesk package: {why}. It was changed or damaged after it "
        "was written; ask for the package to be written again. Nothing was changed."
    )


def read(path: Path | str, kind: str) -> Package:
    """Read and check a package file: a zip with manifest.json of this format, a version this
    program reads, the expected kind, and every part present with the SHA-256 the manifest lists
    (no part missing, none added)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"there is no file {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder; name the package file") from None
    if raw[:16] == b"SQLite format 3\x00":
        raise RefusedError(
            f"{path} is a database, not a package; a live database is never moved between PCs "
            "(write a package with `reliefdesk batch send`)"
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise _damaged(path, "it is not a zip archive") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise _damaged(path, "it is larger than any package ReliefDesk writes")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise _damaged(path, "a part appears twice")
        if MANIFEST not in names:
            raise RefusedError(f"{path} is not a ReliefDesk package (it has no {MANIFEST})")
        try:
            man_bytes = zf.read(MANIFEST)
            manifest = json.loads(man_bytes)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise _damaged(path, f"its {MANIFEST} cannot be read ({type(exc).__name__})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise RefusedError(f"{path} is not a ReliefDesk package (format is not {FORMAT})")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version < 1:
            raise _damaged(path, "its format version is missing")
        if version > FORMAT_VERSION:
            raise RefusedError(
                f"{path} was written by a newer ReliefDesk (package format {version}; this "
                f"version reads up to {FORMAT_VERSION}); open it with that version"
            )
        if manifest.get("kind") != kind:
            want = "a batch package from the clerk" if kind == "batch" else "a judge's answer"
            got = manifest.get("kind")
            raise RefusedError(f"{path} is not {want} (it is a package of kind {got!r})")
        listed = manifest.get("parts")
        if not isinstance(listed, dict):
            raise _damaged(path, "its manifest lists no parts")
        present = set(names) - {MANIFEST}
        missing = sorted(set(listed) - present)
        extra = sorted(present - set(listed))
        if missing:
            raise _damaged(path, f"part {missing[0]} is missing")
        if extra:
            raise _damaged(path, f"part {extra[0]} is not in its manifest")
        parts: dict[str, bytes] = {}
        for name in sorted(listed):
            if not _PART_NAME.match(name):
                raise _damaged(path, f"a part has an unsafe name ({name!r})")
            try:
                data = zf.read(name)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise _damaged(path, f"part {name} cannot be read ({type(exc).__name__})") from None
            if sha256(data) != listed[name].get("sha256"):
                raise _damaged(path, f"part {name} does not match its SHA-256 in the manifest")
            parts[name] = data
    return Package(path, manifest, man_bytes, parts, sha256(raw))


def read_any(path: Path | str) -> Package:
    """Read and check a package of either kind (a batch package or a judge's answer)."""
    kind = "batch"
    try:
        with zipfile.ZipFile(path) as zf:
            found = json.loads(zf.read(MANIFEST)).get("kind")
        if found in KINDS:
            kind = found
    except (OSError, KeyError, ValueError, AttributeError, zipfile.BadZipFile):
        pass  # read() says what is wrong
    return read(path, kind)
