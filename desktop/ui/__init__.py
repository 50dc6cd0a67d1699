"""The Qt window. Nothing outside desktop/ui imports this package."""

from __future__ import annotations

import ctypes
import sys


def _guard_none_refcount() -> None:
    """Work around a PySide6 6.12 bug on Python 3.11: every Qt method that returns void hands
    back None without taking a reference, so None's reference count falls by one per call and
    the interpreter aborts ("deallocating None") after a few thousand calls. Python 3.12+ makes
    None immortal, which hides the bug there. We check whether the bug is present and, if so,
    give None a reference count it can never exhaust (None is never freed anyway)."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(50):
        probe.setObjectName("probe")       # a void method
    if sys.getrefcount(None) < before - 25:
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40


_guard_none_refcount()
