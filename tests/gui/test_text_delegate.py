"""PlainTextDelegate paints what Qt's own delegate paints, from text it lays out once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPalette
from PySide6.QtWidgets import QAbstractItemView, QStyledItemDelegate

from figdesk.gui.items_model import COL_ID, COL_TITLE, COLUMNS, ItemsModel, ItemsProxy
from figdesk.gui.tableview import TableView
from figdesk.gui.text_delegate import PlainTextDelegate
from tests.gui.test_models import summary


def _table(qtbot: Any, rows: int = 30) -> tuple[TableView, ItemsModel, ItemsProxy]:
    model = ItemsModel()
    proxy = ItemsProxy()
    proxy.setSourceModel(model)
    model.append_page([summary(i, public=i % 2 == 0) for i in range(1, rows + 1)])
    model.set_file_figures(3, 12, 123_456_789)
    table = TableView()
    qtbot.addWidget(table)
    table.setModel(proxy)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setColumnWidth(COL_TITLE, 70)       # narrow: titles are elided
    table.resize(900, 300)
    table.show()
    qtbot.waitExposed(table)
    return table, model, proxy


def _ink(image: QImage, rect: QRect, paper: QColor) -> tuple[int, int, int, int] | None:
    """The bounding box of the pixels in ``rect`` that differ much from ``paper``."""
    xs: list[int] = []
    ys: list[int] = []
    for y in range(rect.top() + 2, rect.bottom() - 1):    # the grid lines stay out
        for x in range(rect.left() + 1, rect.right()):
            c = image.pixelColor(x, y)
            if abs(c.lightness() - paper.lightness()) > 90:
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _shot(table: TableView) -> QImage:
    table.viewport().repaint()
    return table.viewport().grab().toImage()


def test_paints_like_qts_delegate(qtbot: Any) -> None:
    table, _model, proxy = _table(qtbot)
    table.selectRow(4)
    table.clearFocus()
    ours = _shot_with(table, PlainTextDelegate(proxy, table))
    theirs = _shot_with(table, QStyledItemDelegate(table))
    palette = table.palette()
    compared = 0
    for row in range(8):
        paper = palette.color(QPalette.ColorRole.Highlight if row == 4
                              else QPalette.ColorRole.AlternateBase if row % 2
                              else QPalette.ColorRole.Base)
        for column in range(len(COLUMNS)):
            rect = table.visualRect(proxy.index(row, column))
            a, b = _ink(ours, rect, paper), _ink(theirs, rect, paper)
            assert (a is None) == (b is None), (row, column)
            if a is None or b is None:
                continue
            # Same place, same extent (elided at the same width), within a pixel of
            # anti-aliasing: margins, alignment and elision all match.
            assert all(abs(p - q) <= 1 for p, q in zip(a, b, strict=True)), (row, column, a, b)
            compared += 1
    assert compared > 40
    # The selected row's text is in the highlighted-text colour, as Qt paints it.
    cell = table.visualRect(proxy.index(4, COL_TITLE))
    box = _ink(ours, cell, palette.color(QPalette.ColorRole.Highlight))
    assert box is not None
    text = palette.color(QPalette.ColorRole.HighlightedText)
    inked = [ours.pixelColor(x, y) for y in range(box[1], box[3] + 1)
             for x in range(box[0], box[2] + 1)]
    assert min(abs(c.lightness() - text.lightness()) for c in inked) < 20


def _shot_with(table: TableView, delegate: QStyledItemDelegate) -> QImage:
    table.setItemDelegate(delegate)
    return _shot(table)


def test_text_is_laid_out_once_per_text_and_width(qtbot: Any) -> None:
    table, model, proxy = _table(qtbot)
    delegate = PlainTextDelegate(proxy, table)
    table.setItemDelegate(delegate)
    _shot(table)
    laid = dict(delegate._cache)
    assert laid
    _shot(table)
    assert delegate._cache == laid              # a repaint lays nothing out again
    model.set_file_figures(1, 4321, 1000)       # a changed row: two new strings
    _shot(table)
    assert {text for text, _room in set(delegate._cache) - set(laid)} == {"4321", "1.0 KB"}
    # A bigger font lays the text out again, wider.
    id_text = proxy.index(0, COL_ID).data()
    width = next(w for (t, _room), (_s, w, _h) in delegate._cache.items() if t == id_text)
    font = QFont(table.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    table.setFont(font)
    _shot(table)
    wider = next(w for (t, _room), (_s, w, _h) in delegate._cache.items() if t == id_text)
    assert wider > width * 1.5


def test_cell_text_follows_the_filter_and_sort(qtbot: Any) -> None:
    _table_view, _model, proxy = _table(qtbot)
    proxy.sort(COL_ID, Qt.SortOrder.DescendingOrder)
    assert proxy.cell_text(proxy.index(0, COL_ID)) == ("30", True)
    proxy.set_status("public")
    proxy.set_text("alpha")
    for r in range(proxy.rowCount()):
        index = proxy.index(r, COL_TITLE)
        assert proxy.cell_text(index) == (index.data(), False)
    assert proxy.cell_text(proxy.index(proxy.rowCount(), 0)) == ("", False)
