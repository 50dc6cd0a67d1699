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


def resources_dir() -> Path:
    """resources/ at the project root, or inside a PyInstaller bundle."""
    import sys

    base = getattr(sys, "_MEIPASS", None)
    if base:
        return Path(base) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def forms_dir() -> Path:
    import sys

    base = getattr(sys, "_MEIPASS", None)
    if base:
        return Path(base) / "forms"
    return Path(__file__).resolve().parent.parent / "forms"
