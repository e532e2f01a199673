"""A delegate that paints one line of plain text per cell from laid-out text it keeps.

Qt's own delegate lays a cell's text out again on every paint (itemize, shape, elide): about
50 us a cell, 9 of the 11 ms a full repaint of the items table took on an idle machine, and
twice that while an upload kept both cores busy. Most repaints show the same strings (a page
of items arriving, a row's file figures filled in, the selection moving), so this delegate
keeps each (text, width) it has drawn as a prepared ``QStaticText`` and only blits it.

What it draws matches ``QStyledItemDelegate`` for a cell of plain text with no colour,
font or icon roles (the view has already painted the row's background, alternate colour and
selection): the text elided on the right, aligned left or right, in the palette's text or
highlighted-text colour. A cell with keyboard focus is left to Qt's delegate so the focus
frame stays the style's own.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPainter, QPalette, QPen, QStaticText
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

_Index = QModelIndex | QPersistentModelIndex

CACHE_LIMIT = 4096    # prepared strings kept; a visible table holds ~200, resizing adds more
# Plain ints: the state's flags are tested as an int (``option.state.value``).
_SELECTED = QStyle.StateFlag.State_Selected.value
_FOCUS = QStyle.StateFlag.State_HasFocus.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE_GROUP, _INACTIVE, _DISABLED, _SELECTED_ROLE = 0, 1, 2, 10


class PlainCells(Protocol):
    """A model (or proxy) that tells a cell's text and alignment in one Python call."""

    def cell_text(self, index: _Index) -> tuple[str, bool]:
        """The cell's display text, and whether it is aligned to the right."""
        ...


class PlainTextDelegate(QStyledItemDelegate):
    """Paints ``cells.cell_text`` for each cell, laid out once per (text, width)."""

    def __init__(self, cells: PlainCells, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cells = cells
        self._cache: dict[tuple[str, int], tuple[QStaticText, int, int]] = {}
        self._font: QFont | None = None     # the font the cache was laid out in
        self._margin = 0
        self._palette_key = -1
        self._pens: dict[int, QPen] = {}

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        # Every call into PySide here is counted: enum flags, QColor arguments and palette
        # lookups cost microseconds each, and a repaint runs this ~200 times.
        state = option.state.value
        if state & _FOCUS:
            super().paint(painter, option, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        font = self._font
        if font is None or option.font != font:
            font = self._font = QFont(option.font)
            self._cache.clear()
            self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                             widget) + 1
        palette_key = option.palette.cacheKey()
        if palette_key != self._palette_key:
            self._palette_key = palette_key
            self._pens = _pens(option.palette)
        text, right = self._cells.cell_text(index)
        rect = option.rect
        x, y, width, height = rect.x(), rect.y(), rect.width(), rect.height()
        room = width - 2 * self._margin
        if not text or room <= 0:
            return
        laid, text_width, text_height = self._laid_out(text, room, font, option)
        group = (_DISABLED if not state & _ENABLED else _ACTIVE_GROUP if state & _ACTIVE
                 else _INACTIVE)
        pen = self._pens[group + (_SELECTED_ROLE if state & _SELECTED else 0)]
        x = x + width - self._margin - text_width if right else x + self._margin
        painter.save()
        painter.setFont(font)
        painter.setPen(pen)
        painter.drawStaticText(x, y + (height - text_height) // 2, laid)
        painter.restore()

    def _laid_out(self, text: str, width: int, font: QFont,
                  option: QStyleOptionViewItem) -> tuple[QStaticText, int, int]:
        key = (text, width)
        laid = self._cache.get(key)
        if laid is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            shown = option.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
            static = QStaticText(shown)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(font=font)
            size = static.size()
            laid = self._cache[key] = (static, round(size.width()), round(size.height()))
        return laid


def _pens(palette: QPalette) -> dict[int, QPen]:
    """Text pens by colour group (+ ``_SELECTED_ROLE`` for selected cells): ``setPen`` with
    a ready ``QPen`` is ten times cheaper than with a ``QColor``."""
    groups = {_ACTIVE_GROUP: QPalette.ColorGroup.Active,
              _INACTIVE: QPalette.ColorGroup.Inactive,
              _DISABLED: QPalette.ColorGroup.Disabled}
    pens = {}
    for key, group in groups.items():
        pens[key] = QPen(palette.color(group, QPalette.ColorRole.Text))
        pens[key + _SELECTED_ROLE] = QPen(palette.color(group, QPalette.ColorRole.HighlightedText))
    return pens
