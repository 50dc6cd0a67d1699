"""SQLite storage: connection setup and numbered migrations."""

from desktop.store.db import connect, migrate, open_db

__all__ = ["connect", "migrate", "open_db"]
