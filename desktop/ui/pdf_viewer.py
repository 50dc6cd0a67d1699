"""ReliefDesk's own PDF viewer (QtPdf): several documents in a list on the left, the pages of
the selected one on the right; Page Up/Down, Home/End and the buttons go through the pages.
Used for the judge's preview of orders before signing, for "Open" when the computer has no PDF
viewer of its own, and for the summary report."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.focus import chain


class PdfViewer(QDialog):
    """documents: (label, PDF bytes, a path or a function returning the bytes when the document
    is first shown[, a longer description]). `accept_text` adds a button that accepts the
    dialog (the preview's "Sign these orders…"); Close rejects it."""

    def __init__(
        self,
        title: str,
        documents: list[tuple[Any, ...]],
        parent: Any = None,
        *,
        intro: str = "",
        accept_text: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.documents = documents
        self._cache: dict[int, bytes] = {}
        self._buffer: QBuffer | None = None
        layout = QVBoxLayout(self)
        if intro:
            hint = QLabel(intro)
            hint.setWordWrap(True)
            layout.addWidget(hint)
        self.list = QListWidget()
        self.list.setAccessibleName("Documents")
        for doc in documents:
            self.list.addItem(doc[0])
            if len(doc) > 2:
                self.list.item(self.list.count() - 1).setToolTip(doc[2])
        self.list.setMinimumWidth(260)
        self.doc = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setAccessibleName("Pages of the selected document")
        self.view.setDocument(self.doc)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.view, 1)
        nav = QHBoxLayout()
        self.prev_button = QPushButton("&Previous page")
        self.prev_button.setAccessibleName("Previous page")
        self.next_button = QPushButton("&Next page")
        self.next_button.setAccessibleName("Next page")
        self.page_label = QLabel("")
        self.page_label.setAccessibleName("Page shown")
        self.prev_button.clicked.connect(lambda: self.go(-1))
        self.next_button.clicked.connect(lambda: self.go(1))
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        nav.addWidget(self.page_label)
        nav.addStretch(1)
        rv.addLayout(nav)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 720])
        if len(documents) < 2:
            self.list.hide()
        layout.addWidget(splitter, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.accept_button: QPushButton | None = None
        if accept_text:
            self.accept_button = self.buttons.addButton(
                accept_text, QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.accept_button.clicked.connect(self.accept)
        layout.addWidget(self.buttons)
        self.list.currentRowChanged.connect(self.show_document)
        self.view.pageNavigator().currentPageChanged.connect(lambda _: self._update_label())
        for keys, step in (("PgDown", 1), ("PgUp", -1)):
            QShortcut(QKeySequence(keys), self, lambda s=step: self.go(s))
        chain([self.list, self.view, self.prev_button, self.next_button, self.buttons])
        if documents:
            self.list.setCurrentRow(0)
        (self.list if len(documents) > 1 else self.next_button).setFocus()
        self.resize(1000, 700)

    def fit_screen(self) -> None:
        """Within the screen's available area, title bar included."""
        screen = self.screen()
        if screen is not None:
            avail = screen.availableGeometry()
            self.resize(
                min(self.width(), avail.width() - 40), min(self.height(), avail.height() - 90)
            )
            self.move(
                avail.x() + (avail.width() - self.width()) // 2,
                avail.y() + max(30, (avail.height() - self.height()) // 2),
            )

    def showEvent(self, event: Any) -> None:
        self.fit_screen()
        super().showEvent(event)

    def show_document(self, row: int) -> None:
        if not 0 <= row < len(self.documents):
            return
        source = self.documents[row][1]
        self.doc.close()
        if callable(source):
            if row not in self._cache:
                QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
                try:
                    self._cache[row] = source()
                finally:
                    QApplication.restoreOverrideCursor()
            source = self._cache[row]
        if isinstance(source, bytes | bytearray):
            buf = QBuffer(self)
            buf.setData(QByteArray(bytes(source)))
            buf.open(QIODevice.OpenModeFlag.ReadOnly)
            self._buffer = buf  # the document reads from it while shown
            self.doc.load(buf)
        else:
            self.doc.load(str(source))
        self.view.pageNavigator().jump(0, QPointF(), 0)
        self._update_label()

    def pages(self) -> int:
        return self.doc.pageCount()

    def current_page(self) -> int:
        return self.view.pageNavigator().currentPage()

    def go(self, step: int) -> None:
        """Next or previous page; past the last page of a document, on to the next document."""
        page = self.current_page() + step
        row = self.list.currentRow()
        if page >= self.pages() and row + 1 < self.list.count():
            self.list.setCurrentRow(row + 1)
            return
        if page < 0 and row > 0:
            self.list.setCurrentRow(row - 1)
            return
        page = max(0, min(self.pages() - 1, page))
        self.view.pageNavigator().jump(page, QPointF(), 0)
        self._update_label()

    def _update_label(self) -> None:
        n = self.pages()
        doc = self.list.currentRow()
        item = self.list.currentItem()
        which = ""
        if self.list.count() > 1 and item is not None:
            which = f"{item.toolTip() or item.text()} — "
        self.page_label.setText(
            f"{which}page {min(self.current_page() + 1, max(n, 1))} of {n}" if n else ""
        )
        self.prev_button.setEnabled(self.current_page() > 0 or doc > 0)
        self.next_button.setEnabled(self.current_page() + 1 < n or doc + 1 < self.list.count())
