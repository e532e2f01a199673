"""Table and header views that paint in one hold of Python's GIL.

Qt delivers a paint event from its event loop, which runs with the GIL released; every
``data()``/``headerData()`` the paint then asks of a Python model takes the GIL again, and
whenever another Python thread of the app is busy (loading pages of items, a folder walk) each
of those hundred-odd takes can wait for it. Measured under a busy thread: about 120 ms a
repaint of a 40-row table, against about 55 ms when the paint runs inside a Python
``paintEvent``: PySide keeps the GIL across ``super().paintEvent()``, so the model calls
within it do not each wait to take it. The overrides below look empty; holding the GIL is what
they do. The hold is not complete: PySide lets the GIL go for a moment whenever it frees the
wrapper of a callback's argument, and a busy thread can take it there. That is why the app
keeps Python work off its pool threads while tables repaint (see ``items_view``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget


class HeaderView(QHeaderView):
    """A ``QHeaderView`` set up like QTableView's own, painting in one GIL hold."""

    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self.setSectionsClickable(True)
        self.setHighlightSections(True)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)


class TableView(QTableView):
    """A ``QTableView`` whose cells and column headers paint in one GIL hold each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeader(HeaderView(Qt.Orientation.Horizontal, self))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
