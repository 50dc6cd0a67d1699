"""The Qt window. Nothing outside desktop/ui imports this package.

Importing it runs `guard_refcounts()` before any Qt call; `reliefdesk gui` also calls it
explicitly as its first start-up step (desktop/cli/gui_cmd.py)."""

from __future__ import annotations

import ctypes
import sys

_GUARDED = False
# Far more references than any run can drop, far below the point where the count could wrap.
_RESERVE = 1 << 40


def refcount_bug_possible() -> bool:
    """PySide6 6.12 on CPython before 3.12: several Qt calls hand back None, True or False to
    Python without taking a reference (void methods return None; some conversions return the
    bools), so each call lowers that object's reference count by one. After enough calls the
    count reaches zero and the interpreter aborts: "Fatal Python error: none_dealloc" or
    "bool_dealloc" (seen on about one quit in five after a clerk's day). Python 3.12 makes these
    objects immortal, which hides the bug."""
    return sys.implementation.name == "cpython" and sys.version_info < (3, 12)


def guard_refcounts() -> bool:
    """Give None, True and False a reference count no run can exhaust. They are static
    singletons that are never freed, so the extra references change nothing else. Idempotent;
    True when the guard is in place (or not needed)."""
    global _GUARDED
    if _GUARDED or not refcount_bug_possible():
        _GUARDED = True
        return True
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _RESERVE
    _GUARDED = True
    return True


def guarded() -> bool:
    return _GUARDED


guard_refcounts()
