"""The review queue as a windowed, SQL-backed table model.

A filter or sort change runs one query for the ordered count ids (sorting and filtering
happen in SQL, in the review core's queue query). Rows are then read by id in pages of
PAGE rows only when the view asks for them, so 100,000 counts open at once and the ids keep
their place after a decision (the clerk's row does not jump away under the cursor)."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.review import queue_pages as queue_source
from desktop.review.lifecycle import CountLife, lives
from desktop.ui.labels import flag_text, relief_text, split_flags, status_badge

RELIEF_ROLE = Qt.ItemDataRole.UserRole + 1  # (relief, target) for the badge delegate
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
COUNT_ID_ROLE = Qt.ItemDataRole.UserRole + 3


_HANDLED_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.ToolTipRole,
        RELIEF_ROLE,
        STATUS_ROLE,
        COUNT_ID_ROLE,
    }
)


@dataclass(frozen=True)
class Column:
    key: str  # sort key understood by queue_source
    title: str  # short, so the list fits a 1366-pixel screen at 125 %
    width: int
    tip: str = ""  # the heading in full, on hover


# Who, which count, what the engine proposes and where the review stands come first, so a
# narrow screen (a 1366-pixel laptop with the detail pane open) still shows them.
COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 200, "The person's name (hover a name to read it whole)"),
    Column("case_number", "Case", 112, "Case number"),
    Column("section", "Section", 100, "Code section of the conviction"),
    Column("level", "Level", 48, "F felony, M misdemeanor, I infraction"),
    Column("relief", "Relief", 220, "Proposed relief"),
    Column("status", "Status", 118, "Where the review of the count stands"),
    Column("conviction_date", "Convicted", 97, "Date of conviction"),
    # Shown when the list has room; the detail pane shows both for the selected count.
    Column("flags", "Flags", 150, "What the evaluation noted (also in the detail pane)"),
    Column("dob", "Born", 97, "Date of birth (also in the detail pane)"),
)


@dataclass
class QueueFilters:
    status: str | None = None
    relief: str | None = None
    flag: str | None = None
    rule_path: str | None = None
    section: str | None = None
    search: str = ""
    scope: str | None = None  # 'cannabis' (the window's default list), 'related' or all
    extra: dict[str, Any] = field(default_factory=dict)
    # Sealed counts (their order is signed) are left out unless a records officer or judge asks;
    # the view checks the role and audits the showing (desktop/review/access.py).
    include_sealed: bool = False


class QueueModel(QAbstractTableModel):
    PAGE = 200
    MAX_PAGES = 50  # cached pages (10,000 rows); older pages are dropped

    def __init__(self, conn: sqlite3.Connection, parent: Any = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.filters = QueueFilters()
        self.sort_key = "name"
        self.descending = False
        self._order = queue_source.QueueOrder([])
        self._ids: list[int] = self._order.ids
        self._pages: OrderedDict[int, dict[int, dict[str, Any]]] = OrderedDict()
        self._active = False  # no query until the first set_filters (the view is shown)
        self.cache = queue_source.OrderCache()

    # --- queries -------------------------------------------------------------------------
    def set_filters(self, filters: QueueFilters) -> None:
        self.filters = filters
        self.reload()

    def reload(self) -> None:
        self._active = True
        self.beginResetModel()
        f = self.filters
        key = (
            f.status,
            f.relief,
            f.flag,
            f.rule_path,
            f.section,
            f.search,
            f.scope,
            self.sort_key,
            self.descending,
            f.include_sealed,
        )
        cacheable = self.cache.cacheable(f, self.sort_key)
        hit = self.cache.get(self.conn, key) if cacheable else None
        if hit is not None:
            self._order = hit
        else:
            self._order = queue_source.QueueOrder(
                queue_source.ordered_ids(self.conn, f, self.sort_key, self.descending)
            )
            if cacheable:
                self.cache.put(key, self._order)
        self._ids = self._order.ids
        self._pages.clear()
        self.endResetModel()

    def refresh_counts(self, count_ids: list[int]) -> None:
        """Re-read the given counts after a decision; they keep their rows."""
        rows = [r for r in map(self._order.row_of, count_ids) if r is not None]
        for p in {r // self.PAGE for r in rows}:
            self._pages.pop(p, None)
        for row in rows:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def refresh_all_rows(self) -> None:
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1)
            )

    def life_at(self, row: int) -> CountLife | None:
        """Where the count of `row` stands (batch, acceptance, order), read with its page."""
        if not 0 <= row < len(self._ids):
            return None
        r = self._row(row)
        return r.get("_life") if r is not None else None

    def count_id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, count_id: int) -> int | None:
        return self._order.row_of(count_id)

    def ids(self) -> list[int]:
        return list(self._ids)  # a copy: the cached order must not be changed

    def _row(self, row: int) -> Any:
        page_no = row // self.PAGE
        page = self._pages.get(page_no)
        if page is None:
            ids = self._ids[page_no * self.PAGE : (page_no + 1) * self.PAGE]
            page = queue_source.rows_by_id(self.conn, ids)
            life = lives(self.conn, ids)  # batch, acceptance and order of each count
            for cid, r in page.items():  # the shown texts, worked out once per page
                r["_life"] = life.get(cid)
                r["_texts"] = tuple(self._text(r, c.key) for c in COLUMNS)
                r["_full"] = self._text(r, "status", full=True)
            self._pages[page_no] = page
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row])

    # --- Qt model interface ---------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt default)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tip or COLUMNS[section].title
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # A paint asks for a dozen roles per cell; answer the ones we do not use at once.
        if role not in _HANDLED_ROLES or not index.isValid():
            return None
        r = self._row(index.row())
        if r is None:
            return None
        col = index.column()
        key = COLUMNS[col].key
        if role == Qt.ItemDataRole.DisplayRole:
            return r["_texts"][col]
        if role == Qt.ItemDataRole.AccessibleTextRole or (
            role == Qt.ItemDataRole.ToolTipRole and key == "status"
        ):
            # The status column shows a short word; its whole text ("With the judge (batch
            # 4)", "Ordered (P64-…)") is read out and shown on hover.
            return r["_full"] if key == "status" else r["_texts"][col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "flags":
                return "\n".join(flag_text(f) for f in split_flags(r["flags"])) or "No flags"
            if key == "relief" and r["rereview"]:
                return "Re-review: the evaluation changed since the last decision"
            return r["_texts"][col]
        if role == RELIEF_ROLE:
            return (r["relief"], r["resentence_target"]) if key == "relief" else None
        if role == STATUS_ROLE:
            if key != "status":
                return None
            return r["_life"].stage if r["_life"] is not None else r["status"]
        if role == COUNT_ID_ROLE:
            return r["count_id"]
        return None

    @staticmethod
    def _text(r: Any, key: str, full: bool = False) -> str:
        if key == "relief":
            text = relief_text(r["relief"], r["resentence_target"])
            return f"{text} (re-review)" if r["rereview"] else text
        if key == "status":
            if r.get("_life") is not None:
                return r["_life"].text if full else r["_life"].short
            text = status_badge(r["status"]).text
            if r["status"] == "changed" and r["decided_relief"]:
                text += f" → {relief_text(r['decided_relief'], r['decided_target'])}"
            return text
        if key == "flags":
            return ", ".join(flag_text(f) for f in split_flags(r["flags"]))
        value = r[key]
        return "" if value is None else str(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_key = COLUMNS[column].key
        self.descending = order == Qt.SortOrder.DescendingOrder
        if self._active:
            self.reload()
