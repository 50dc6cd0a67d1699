"""Shared test setup: Qt without a display, and Qt settings kept out of the user's home."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# QSettings (window layout, filters) must not read or write the developer's real settings.
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="reliefdesk-test-config-"))
# The program's log goes to a temporary folder, never the developer's data folder.
os.environ.setdefault("RELIEFDESK_LOG_DIR", tempfile.mkdtemp(prefix="reliefdesk-test-logs-"))
