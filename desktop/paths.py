"""Where ReliefDesk keeps its files: platform conventions, never next to the executable."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ReliefDesk"
APP_AUTHOR = "ReliefDesk"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_db_path() -> Path:
    """The per-user database; RELIEFDESK_DB overrides it."""
    env = os.environ.get("RELIEFDESK_DB")
    if env:
        return Path(env)
    return data_dir() / "reliefdesk.sqlite3"


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def _data_root(name: str) -> Path:
    """resources/ or forms/: inside a PyInstaller bundle, at the root of a source checkout (also an
    editable install), or under <prefix>/share/reliefdesk/ for a wheel install."""
    import sys

    base = getattr(sys, "_MEIPASS", None)
    if base:
        return Path(base) / name
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "reliefdesk" / name


def resources_dir() -> Path:
    return _data_root("resources")


def forms_dir() -> Path:
    return _data_root("forms")
