"""Categories: a searchable tree of Figshare's categories with checkable selectable entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QLineEdit, QTreeView, QVBoxLayout, QWidget

from figdesk.core.models import Category

CATEGORY_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class CategoryTreeModel(QStandardItemModel):
    """Categories by parent. Only ``is_selectable`` entries can be checked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: dict[int, QStandardItem] = {}
        self._titles: dict[int, str] = {}

    def load(self, categories: Iterable[Category]) -> None:
        self.clear()
        self._items = {}
        cats = sorted(categories, key=lambda c: c.title.casefold())
        self._titles = {c.id: c.title for c in cats}
        for c in cats:
            item = QStandardItem(c.title)
            item.setEditable(False)
            item.setData(c.id, CATEGORY_ID_ROLE)
            item.setToolTip(f"{c.title} (id {c.id})")
            if c.is_selectable:
                item.setCheckable(True)
                item.setCheckState(Qt.CheckState.Unchecked)
            self._items[c.id] = item
        root = self.invisibleRootItem()
        for c in cats:
            parent = self._items.get(c.parent_id) if c.parent_id != c.id else None
            (parent or root).appendRow(self._items[c.id])

    def title_of(self, category_id: int) -> str:
        return self._titles.get(category_id, f"category {category_id}")

    def checked(self) -> tuple[int, ...]:
        return tuple(sorted(i for i, item in self._items.items()
                            if item.isCheckable()
                            and item.checkState() == Qt.CheckState.Checked))

    def set_checked(self, ids: Sequence[int]) -> None:
        wanted = set(ids)
        for i, item in self._items.items():
            if item.isCheckable():
                state = Qt.CheckState.Checked if i in wanted else Qt.CheckState.Unchecked
                if item.checkState() != state:
                    item.setCheckState(state)

    def index_of(self, category_id: int) -> QModelIndex:
        item = self._items.get(category_id)
        return item.index() if item else QModelIndex()


class CategoryPicker(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CategoryTreeModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setAutoAcceptChildRows(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search categories")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setMinimumHeight(140)
        self.summary = QLabel("No category chosen")
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        layout.addWidget(self.summary)
        self.search.textChanged.connect(self._search)
        self.model.itemChanged.connect(self._item_changed)
        self._loading = False

    def load(self, categories: Iterable[Category]) -> None:
        self._loading = True
        self.model.load(categories)
        self._loading = False
        self._update_summary()

    def checked(self) -> tuple[int, ...]:
        return self.model.checked()

    def set_checked(self, ids: Sequence[int]) -> None:
        self._loading = True
        self.model.set_checked(ids)
        self._loading = False
        self._update_summary()
        # Open the branches that hold a chosen category, so the ticks are in sight.
        self.tree.collapseAll()
        for category_id in ids:
            parent = self.proxy.mapFromSource(self.model.index_of(category_id)).parent()
            while parent.isValid():
                self.tree.expand(parent)
                parent = parent.parent()

    def _search(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.tree.expandAll()

    def _item_changed(self, _item: QStandardItem) -> None:
        if not self._loading:
            self._update_summary()
            self.changed.emit()

    def _update_summary(self) -> None:
        ids = self.model.checked()
        self.summary.setText(", ".join(self.model.title_of(i) for i in ids) if ids
                             else "No category chosen")
