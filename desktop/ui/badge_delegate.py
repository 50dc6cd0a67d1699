"""Paints the relief and status columns as badges: the words on a coloured block."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.ui.labels import relief_badge, relief_short, status_badge
from desktop.ui.queue_model import RELIEF_ROLE, STATUS_ROLE


class BadgeDelegate(QStyledItemDelegate):
    def __init__(self, role: int, parent: Any = None) -> None:
        super().__init__(parent)
        self.role = role

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # Ask the Python model directly: converting an empty QVariant back through
        # index.data() crashes some PySide6 versions (a refcount bug on None).
        model = index.model()
        value = model.data(index, self.role) if hasattr(model, "count_id_at") else None
        if value is None:
            super().paint(painter, option, index)
            return
        if self.role == RELIEF_ROLE:
            badge = relief_badge(*value)
        else:
            badge = status_badge(value)
        text = model.data(index, Qt.ItemDataRole.DisplayRole) or badge.text
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        rect = QRect(option.rect).adjusted(3, 3, -3, -3)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(
            QColor("#ffffff")
            if option.state & QStyle.StateFlag.State_Selected
            else QColor(badge.fg)
        )
        bg = QColor(badge.bg)
        painter.setBrush(bg)
        if badge.bg.lower() == "#ffffff":
            painter.setPen(QColor("#7a808a"))
        painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(QColor(badge.fg))
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        room = rect.width() - 8
        if self.role == RELIEF_ROLE and painter.fontMetrics().horizontalAdvance(text) > room:
            # A narrow column: the short words ('To misdemeanor'), not a clipped sentence.
            text = relief_short(*value) + (" (re-review)" if text.endswith("(re-review)") else "")
        elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room)
        painter.drawText(
            rect.adjusted(4, 0, -4, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            elided,
        )
        painter.restore()


__all__ = ["BadgeDelegate", "RELIEF_ROLE", "STATUS_ROLE"]
