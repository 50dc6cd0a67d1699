"""Keyboard order shared by the dialogs and views: the cursor starts in the first field, Tab
goes through the fields top to bottom and then the buttons."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QDialogButtonBox, QWidget


def chain(widgets: Iterable[QWidget | None]) -> list[QWidget]:
    """Tab order through `widgets` in the order given (None and hidden-by-design skipped);
    a QDialogButtonBox contributes its buttons in their shown order."""
    flat: list[QWidget] = []
    for w in widgets:
        if w is None:
            continue
        if isinstance(w, QDialogButtonBox):
            # Shown order: left to right as the style lays them out.
            flat.extend(sorted(w.buttons(), key=lambda b: b.geometry().x()))
        else:
            flat.append(w)
    for a, b in zip(flat, flat[1:], strict=False):
        QWidget.setTabOrder(a, b)
    return flat
