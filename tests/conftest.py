"""Shared test setup: Qt without a display, and Qt settings kept out of the user's home."""

import os
import sys
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# QSettings (window layout, filters) must not read or write the developer's real settings.
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="reliefdesk-test-config-"))
# The program's log goes to a temporary folder, never the developer's data folder.
os.environ.setdefault("RELIEFDESK_LOG_DIR", tempfile.mkdtemp(prefix="reliefdesk-test-logs-"))


def pytest_collection_modifyitems(config, items):
    """Tests marked posix_only (signals, /proc, file modes, pwd) are skipped on Windows, so the
    Windows CI run (.github/workflows/windows.yml) can go green on everything else."""
    if sys.platform != "win32":
        return
    skip = pytest.mark.skip(reason="POSIX-only: see docs/windows.md")
    for item in items:
        if "posix_only" in item.keywords:
            item.add_marker(skip)
