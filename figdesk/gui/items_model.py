"""The table of the account's items: a model over ``ItemRow``s and its filter proxy.

Everything a paint or a sort needs is computed once when a row arrives (display strings,
sort keys, the lower-case text the filter searches), so 10,000 rows scroll, sort and filter
without per-paint work. Sorting happens in the source model with Python's ``list.sort`` on the
precomputed keys (the proxy forwards ``sort``), which is far cheaper than 10^5 ``lessThan``
round trips into Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

from figdesk.core.models import ArticleSummary
from figdesk.gui.fmt import human_size, short_date
from figdesk.gui.table_model import RowTableModel

ROW_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1    # the ItemRow of a row
SORT_ROLE = int(Qt.ItemDataRole.UserRole.value) + 2   # the precomputed sort key of a cell
FILTER_ROLE = int(Qt.ItemDataRole.UserRole.value) + 3  # "status<TAB>searchable text", casefolded

COLUMNS = ("ID", "Title", "Type", "Status", "Files", "Size", "Created", "Modified", "Published")
COL_ID, COL_TITLE, COL_TYPE, COL_STATUS, COL_FILES, COL_SIZE, COL_CREATED, COL_MODIFIED, \
    COL_PUBLISHED = range(len(COLUMNS))
_RIGHT_COLUMNS = frozenset((COL_ID, COL_FILES, COL_SIZE))

_Index = QModelIndex | QPersistentModelIndex
_CELL_FLAGS = (Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
               | Qt.ItemFlag.ItemNeverHasChildren)
SORTED_INSERT_MAX = 50   # new rows placed one by one in a sorted table; more: append and resort
RELEASE_CHUNK = 1000     # rows freed per event-loop turn after a clear (~3 ms)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


def _ts(d: datetime | None) -> float:
    return d.timestamp() if d else float("-inf")


@dataclass(frozen=True)
class ItemRow:
    """One item as the table shows it. ``file_count``/``files_size`` are None until known
    (the list endpoint does not carry them; they are filled in the background)."""

    item: ArticleSummary
    file_count: int | None = None
    files_size: int | None = None
    display: tuple[str, ...] = field(default=(), compare=False, repr=False)
    keys: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    haystack: str = field(default="", compare=False, repr=False)

    @staticmethod
    def build(item: ArticleSummary, file_count: int | None = None,
              files_size: int | None = None) -> ItemRow:
        type_name = item.defined_type_name or ""
        display = (
            str(item.id), item.title, type_name, item.status,
            "" if file_count is None else str(file_count),
            "" if files_size is None else human_size(files_size),
            short_date(item.created_date), short_date(item.modified_date),
            short_date(item.published_date),
        )
        keys = (
            item.id, item.title.casefold(), type_name, item.status,
            -1 if file_count is None else file_count, -1 if files_size is None else files_size,
            _ts(item.created_date), _ts(item.modified_date), _ts(item.published_date),
        )
        hay = f"{item.status}\t{item.id} {item.title} {type_name} {item.doi}".casefold()
        return ItemRow(item, file_count, files_size, display, keys, hay)


class ItemsModel(RowTableModel):
    """The account's items, appended page by page as they load."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ItemRow] = []
        self._by_id: dict[int, int] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None
        # Row updates that move a row in the current sort are re-sorted together, at most a
        # few times a second: file figures arrive one row at a time.
        self._resort_timer = QTimer(self)
        self._resort_timer.setSingleShot(True)
        self._resort_timer.setInterval(200)
        self._resort_timer.timeout.connect(self._resort_if_sorted)
        # Rows dropped by ``clear`` are freed a slice per event-loop turn: freeing 10,000 rows
        # (their items, dicts, tuples and strings) at once held the GUI thread ~30 ms.
        self._graveyard: list[list[ItemRow]] = []
        self._release_timer = QTimer(self)
        self._release_timer.setInterval(0)
        self._release_timer.timeout.connect(self._release_some)

    # --- Qt model API -------------------------------------------------------------------

    def data(self, index: _Index, role: int = 0) -> Any:
        row_no = index.row()
        if row_no < 0 or row_no >= len(self._rows):
            return None
        return self._value(self._rows[row_no], index.column(), role)

    def multiData(self, index: _Index, roleDataSpan: Any) -> None:
        """All the roles a delegate paints a cell with, in one call into Python. Views (and
        ``ItemsProxy``) ask this once per cell instead of ``data`` once per role, each of
        which, through the proxy, also costs ``rowCount`` and ``columnCount`` round trips:
        that was most of the time a repaint of the table took."""
        self.fill_roles(index.row(), index.column(), roleDataSpan)

    def fill_roles(self, row_no: int, column: int, span: Any) -> None:
        row = self._rows[row_no] if 0 <= row_no < len(self._rows) else None
        for slot in span:
            value = None if row is None else self._value(row, column, slot.role())
            if value is None:
                slot.clearData()
            else:
                slot.setData(value)

    def _value(self, row: ItemRow, column: int, role: int) -> Any:
        # Hot path: a paint asks ~7 roles per visible cell. Plain int compares (PySide's enum
        # compares are far slower) and the display role first.
        if role == _DISPLAY:
            return row.display[column]
        if role == _ALIGN:
            return _RIGHT if column in _RIGHT_COLUMNS else None
        if role == SORT_ROLE:
            return row.keys[column]
        if role == ROW_ROLE:
            return row
        if role == FILTER_ROLE:
            return row.haystack
        if role == _TOOLTIP and column == COL_TITLE:
            return row.item.title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            self._sort = None
            return
        self._sort = (column, order)
        self._resort()

    # --- our API ------------------------------------------------------------------------

    def rows(self) -> Sequence[ItemRow]:
        return self._rows

    def row_of(self, article_id: int) -> int | None:
        return self._by_id.get(article_id)

    def row_item(self, row: int) -> ItemRow:
        return self._rows[row]

    def clear(self) -> None:
        self.beginResetModel()
        old, self._rows = self._rows, []
        self._by_id = {}
        self.endResetModel()
        if old:
            self._graveyard.append(old)
            self._release_timer.start()

    def append_page(self, items: Iterable[ArticleSummary | ItemRow]) -> int:
        """Add a page of items (replacing rows already known by id). Returns rows added.
        Rows may come prebuilt (the items view builds them a slice per event-loop turn)."""
        fresh: list[ItemRow] = []
        for entry in items:
            row = entry if isinstance(entry, ItemRow) else ItemRow.build(entry)
            if row.item.id in self._by_id:
                self.upsert(row.item)
            else:
                fresh.append(row)
        if self._sort and len(fresh) <= SORTED_INSERT_MAX:
            for row in fresh:
                self._insert_sorted(row)
        elif fresh:
            in_order = self._sorted_after_all(fresh)
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self._rows.extend(fresh)
            self._reindex(start)
            self.endInsertRows()
            if self._sort and not in_order:
                self._resort()
        return len(fresh)

    def _sorted_after_all(self, fresh: list[ItemRow]) -> bool:
        """Sort ``fresh`` in the table's order; True when it then belongs after every row
        already there. Figshare lists items newest first, so pages in the default order
        (modified, newest first) often do: appended at the end, they need no resort, and the
        view no relayout or repaint of the rows on screen."""
        if not self._sort:
            return False
        column, order = self._sort
        descending = order == Qt.SortOrder.DescendingOrder
        fresh.sort(key=lambda r: r.keys[column], reverse=descending)
        if not self._rows:
            return True
        last, first = self._rows[-1].keys[column], fresh[0].keys[column]
        # Equal keys: after the rows already there, as a stable resort would put them.
        return not (first > last if descending else first < last)

    def upsert(self, item: ArticleSummary) -> None:
        """Replace the row of ``item`` (keeping its known file figures) or add it."""
        row = self._by_id.get(item.id)
        if row is None:
            self.append_page([item])
            return
        old = self._rows[row]
        self._rows[row] = ItemRow.build(item, old.file_count, old.files_size)
        self._row_changed(row, old)

    def set_file_figures(self, article_id: int, count: int, size: int) -> None:
        row = self._by_id.get(article_id)
        if row is None:
            return
        old = self._rows[row]
        if (old.file_count, old.files_size) == (count, size):
            return
        self._rows[row] = ItemRow.build(old.item, count, size)
        self._row_changed(row, old)

    def remove(self, article_id: int) -> None:
        row = self._by_id.get(article_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._reindex()
        self.endRemoveRows()

    # --- internals ----------------------------------------------------------------------

    def _row_changed(self, row: int, old: ItemRow) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if self._sort and old.keys[self._sort[0]] != self._rows[row].keys[self._sort[0]]:
            self._resort_timer.start()

    def _resort_if_sorted(self) -> None:
        if self._sort:
            self._resort()

    def _release_some(self) -> None:
        if not self._graveyard:
            self._release_timer.stop()
            return
        rows = self._graveyard[-1]
        del rows[-RELEASE_CHUNK:]
        if not rows:
            self._graveyard.pop()

    def _reindex(self, start: int = 0) -> None:
        """Map ids to rows again, from row ``start`` on (the rows before it did not move)."""
        if start == 0:
            self._by_id = {r.item.id: i for i, r in enumerate(self._rows)}
            return
        by_id, rows = self._by_id, self._rows
        for i in range(start, len(rows)):
            by_id[rows[i].item.id] = i

    def _insert_sorted(self, row: ItemRow) -> None:
        """Insert one row where the current sort puts it, as one row inserted: a full resort
        (and the view's full relayout and repaint) took ~15 ms at 10,000 rows. Among equal
        keys it goes last, where appending and resorting (a stable sort) would put it."""
        assert self._sort is not None
        column, order = self._sort
        key, rows = row.keys[column], self._rows
        descending = order == Qt.SortOrder.DescendingOrder
        lo, hi = 0, len(rows)
        while lo < hi:
            mid = (lo + hi) // 2
            if (rows[mid].keys[column] < key) if descending else (key < rows[mid].keys[column]):
                hi = mid
            else:
                lo = mid + 1
        self.beginInsertRows(QModelIndex(), lo, lo)
        rows.insert(lo, row)
        self._reindex(lo)
        self.endInsertRows()

    def _resort(self) -> None:
        assert self._sort is not None
        self._resort_timer.stop()
        column, order = self._sort
        self.layoutAboutToBeChanged.emit()
        # Only the rows views hold on to (the selection) need following: a handful, not 10,000.
        persistent = self.persistentIndexList()
        held = [self._rows[p.row()].item.id for p in persistent]
        # Python's sort is stable: rows with equal keys keep their previous relative order.
        self._rows.sort(key=lambda r: r.keys[column],
                        reverse=order == Qt.SortOrder.DescendingOrder)
        self._reindex()
        if persistent:
            moved = [self.index(self._by_id[i], p.column()) for i, p in zip(held, persistent,
                                                                            strict=True)]
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()


class ItemsProxy(QSortFilterProxyModel):
    """Text and status filter over ``ItemsModel``. Sorting is forwarded to the source model.

    The filter is Qt's own (a regular expression over ``FILTER_ROLE``), not a Python
    ``filterAcceptsRow``: with no filter set, Qt then accepts rows without calling back into
    Python, so re-mapping 10,000 rows after a page arrives or a sort costs no Python calls."""

    STATUSES = ("all", "draft", "public")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._status = "all"
        self._identity = True       # no filter: proxy row n is source row n
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)

    def set_text(self, text: str) -> None:
        text = text.strip().casefold()
        if text != self._text:
            self._text = text
            self._apply()

    def set_status(self, status: str) -> None:
        if status not in self.STATUSES:
            raise ValueError(status)
        if status != self._status:
            self._status = status
            self._apply()

    def _apply(self) -> None:
        # FILTER_ROLE is "status<TAB>text": anchor the status, search the text after the tab.
        text = QRegularExpression.escape(self._text) if self._text else ""
        if self._status != "all":
            pattern = f"^{self._status}\\t.*{text}" if text else f"^{self._status}\\t"
        else:
            pattern = f"\\t.*{text}" if text else ""
        self._identity = not pattern
        self.setFilterRegularExpression(QRegularExpression(pattern))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, ItemsModel):
            model.sort(column, order)
        else:
            super().sort(column, order)

    def multiData(self, index: _Index, roleDataSpan: Any) -> None:
        # Qt's proxy answers multiData with one data() per role; hand the whole span to the
        # source model instead (see ItemsModel.multiData).
        model = self.sourceModel()
        if not isinstance(model, ItemsModel) or not index.isValid():
            super().multiData(index, roleDataSpan)
        else:
            model.fill_roles(self._source_row(index), index.column(), roleDataSpan)

    def cell_text(self, index: _Index) -> tuple[str, bool]:
        """What ``PlainTextDelegate`` paints: the display text, and right alignment."""
        model = self.sourceModel()
        if not isinstance(model, ItemsModel):
            return "", False
        row_no, rows = self._source_row(index), model.rows()
        if not 0 <= row_no < len(rows):
            return "", False
        column = index.column()
        return rows[row_no].display[column], column in _RIGHT_COLUMNS

    def _source_row(self, index: _Index) -> int:
        # With no filter set the proxy's rows are the source's rows in the same order
        # (sorting happens in the source), so the row is used as is: mapToSource would call
        # back into Python twice per cell (rowCount and columnCount, for
        # QAbstractTableModel.index).
        if self._identity and self.sortColumn() < 0:
            return index.row()
        return self.mapToSource(index).row()

    def flags(self, index: _Index) -> Qt.ItemFlag:
        # What QAbstractTableModel says for every cell, without mapToSource's two calls back
        # into Python per cell on each repaint.
        return _CELL_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def row_at(self, index: QModelIndex) -> ItemRow | None:
        value = index.data(ROW_ROLE) if index.isValid() else None
        return value if isinstance(value, ItemRow) else None
