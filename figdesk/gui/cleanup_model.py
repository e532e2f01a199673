"""The drafts table of the cleanup dialog: checkable rows over ``DraftCandidate``s and a proxy
that applies the dialog's filters live (no request: the file counts are filled in separately).

The check marks live in the source model, keyed by item id, so they survive sorting and
filtering; what gets deleted is "checked and visible through the filters", never a row the
user cannot see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from figdesk.core.workflows.cleanup import DraftCandidate, DraftCriteria, cutoff_for, draft_matches
from figdesk.gui.fmt import short_date
from figdesk.gui.table_model import RowTableModel

ROW_ROLE = Qt.ItemDataRole.UserRole + 1     # the DraftCandidate of a row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2    # a comparable key for the column

COLUMNS = ("ID", "Title", "Created", "Modified", "Files")
COL_ID, COL_TITLE, COL_CREATED, COL_MODIFIED, COL_FILES = range(len(COLUMNS))

_Index = QModelIndex | QPersistentModelIndex


def _ts(d: datetime | None) -> float:
    return d.timestamp() if d else float("-inf")


class DraftsModel(RowTableModel):
    """Draft items with a check box in the first column. Public items are never accepted."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[DraftCandidate] = []
        self._row_of: dict[int, int] = {}
        self._checked: set[int] = set()
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # --- content ------------------------------------------------------------------------
    def set_candidates(self, candidates: Iterable[DraftCandidate]) -> None:
        self.beginResetModel()
        # A public item must never be offered, whatever the caller passed.
        self._rows = [c for c in candidates if not c.is_public]
        self._sort_rows()
        self._checked &= set(self._row_of)
        self.endResetModel()

    def set_file_counts(self, counted: Sequence[DraftCandidate]) -> None:
        """Fill in file counts (the proxy re-filters on the change)."""
        rows = []
        for cand in counted:
            row = self._row_of.get(cand.id)
            if row is not None:
                self._rows[row] = cand
                rows.append(row)
        self._changed(rows, COL_FILES)

    def remove_ids(self, ids: Iterable[int]) -> None:
        """Drop rows (deleted, or gone meanwhile)."""
        gone = set(ids)
        if gone & set(self._row_of):
            self.set_candidates([c for c in self._rows if c.id not in gone])

    def candidate(self, row: int) -> DraftCandidate:
        return self._rows[row]

    def candidates(self) -> list[DraftCandidate]:
        return list(self._rows)

    def is_checked(self, item_id: int) -> bool:
        return item_id in self._checked

    def set_checked(self, ids: Iterable[int], checked: bool) -> None:
        rows = []
        for item_id in ids:
            if item_id in self._row_of:
                (self._checked.add if checked else self._checked.discard)(item_id)
                rows.append(self._row_of[item_id])
        self._changed(rows, COL_ID, [Qt.ItemDataRole.CheckStateRole])

    def _changed(self, rows: Sequence[int], column: int, roles: Sequence[int] = ()) -> None:
        """One dataChanged over the span of ``rows``: "select all" on 10,000 rows must not
        send 10,000 signals (each one re-filters and updates the dialog)."""
        if rows:
            first, last = self.index(min(rows), column), self.index(max(rows), column)
            self.dataChanged.emit(first, last, list(roles))

    # --- sorting: here, with precomputable keys, not through the proxy -------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting 10,000 rows through the proxy costs ~10^5 calls into Python; one
        ``list.sort`` here costs 10^4."""
        self._sort = (column, order) if 0 <= column < len(COLUMNS) else None
        self.layoutAboutToBeChanged.emit()
        old_ids = [c.id for c in self._rows]
        self._sort_rows()
        persistent = self.persistentIndexList()
        if persistent:
            moved = [self.index(self._row_of[old_ids[p.row()]], p.column()) for p in persistent]
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        if self._sort is not None:
            column, order = self._sort
            self._rows.sort(key=lambda c: (self._sort_key(c, column), c.id),
                            reverse=order == Qt.SortOrder.DescendingOrder)
        self._row_of = {c.id: i for i, c in enumerate(self._rows)}

    # --- QAbstractTableModel ------------------------------------------------------------

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COL_ID:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        cand = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(cand, col)
        if role == Qt.ItemDataRole.CheckStateRole and col == COL_ID:
            return (Qt.CheckState.Checked if cand.id in self._checked
                    else Qt.CheckState.Unchecked)
        if role == ROW_ROLE:
            return cand
        if role == SORT_ROLE:
            return self._sort_key(cand, col)
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_TITLE:
            return cand.title or "This draft has no title."
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_FILES and cand.file_count is None:
            return "Not counted yet (tick 'No files' to count them)."
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_ID, COL_FILES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (not index.isValid() or index.column() != COL_ID
                or role != Qt.ItemDataRole.CheckStateRole):
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))
        self.set_checked([self._rows[index.row()].id], state == Qt.CheckState.Checked)
        return True

    @staticmethod
    def _display(cand: DraftCandidate, col: int) -> str:
        if col == COL_ID:
            return str(cand.id)
        if col == COL_TITLE:
            return cand.display_title
        if col == COL_CREATED:
            return short_date(cand.created_date)
        if col == COL_MODIFIED:
            return short_date(cand.modified_date)
        if col == COL_FILES:
            return "–" if cand.file_count is None else str(cand.file_count)
        return ""

    @staticmethod
    def _sort_key(cand: DraftCandidate, col: int) -> Any:
        if col == COL_ID:
            return cand.id
        if col == COL_TITLE:
            return cand.display_title.casefold()
        if col == COL_CREATED:
            return _ts(cand.created_date)
        if col == COL_MODIFIED:
            return _ts(cand.modified_date)
        return -1 if cand.file_count is None else cand.file_count


class DraftsFilter(QSortFilterProxyModel):
    """The dialog's filters, applied without a request. With ``no_files`` on, a draft shows
    only once its files are counted and there are none."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._criteria = DraftCriteria()
        self._cutoff: datetime | None = None

    @property
    def criteria(self) -> DraftCriteria:
        return self._criteria

    def set_criteria(self, criteria: DraftCriteria, now: datetime | None = None) -> None:
        if hasattr(self, "beginFilterChange"):      # Qt 6.9+; invalidateFilter is deprecated
            self.beginFilterChange()
            self._criteria, self._cutoff = criteria, cutoff_for(criteria, now)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._criteria, self._cutoff = criteria, cutoff_for(criteria, now)
            self.invalidateFilter()

    def passes_cheap(self, cand: DraftCandidate) -> bool:
        return draft_matches(cand.item, self._criteria, self._cutoff)

    def accepts(self, cand: DraftCandidate) -> bool:
        if not self.passes_cheap(cand):
            return False
        return not self._criteria.no_files or cand.file_count == 0

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, DraftsModel) or source_row >= model.rowCount():
            return False
        return self.accepts(model.candidate(source_row))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, DraftsModel):
            model.sort(column, order)   # the proxy keeps the source order
        else:
            super().sort(column, order)

    def visible(self) -> list[DraftCandidate]:
        """The rows the filters show, in display order (Python only: no index per row)."""
        model = self.sourceModel()
        if not isinstance(model, DraftsModel):
            return []
        return [c for c in model.candidates() if self.accepts(c)]
