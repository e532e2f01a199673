"""Authors: a list model and an editor (add by name, ORCID or Figshare id; remove; reorder)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from figdesk.core.metadata import author_label, parse_author
from figdesk.core.models import Author

AUTHOR_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class AuthorsModel(QAbstractListModel):
    """The item's authors in citation order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._authors: list[Author] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._authors)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._authors):
            return None
        a = self._authors[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return author_label(a)
        if role == AUTHOR_ROLE:
            return a
        return None

    def authors(self) -> tuple[Author, ...]:
        return tuple(self._authors)

    def set_authors(self, authors: Sequence[Author]) -> None:
        self.beginResetModel()
        self._authors = list(authors)
        self.endResetModel()

    def add(self, author: Author) -> None:
        n = len(self._authors)
        self.beginInsertRows(QModelIndex(), n, n)
        self._authors.append(author)
        self.endInsertRows()

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._authors):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._authors[row]
            self.endRemoveRows()

    def move(self, row: int, delta: int) -> bool:
        target = row + delta
        if not (0 <= row < len(self._authors) and 0 <= target < len(self._authors)):
            return False
        # Qt's beginMoveRows wants the destination *before* which the row lands.
        dest = target + 1 if delta > 0 else target
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), dest)
        self._authors.insert(target, self._authors.pop(row))
        self.endMoveRows()
        return True


class AuthorsEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AuthorsModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setMaximumHeight(96)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("Name (optionally with ORCID iD), an ORCID iD, or a "
                                      "Figshare author id")
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("↑")
        self.up_button.setToolTip("Move up")
        self.down_button = QPushButton("↓")
        self.down_button.setToolTip("Move down")
        for b in (self.up_button, self.down_button):
            b.setFixedWidth(32)
        self.hint = QLabel("")
        self.hint.setObjectName("error")
        self.hint.hide()
        entry_row = QHBoxLayout()
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(self.add_button)
        list_row = QHBoxLayout()
        list_row.addWidget(self.view, 1)
        side = QVBoxLayout()
        side.addWidget(self.up_button)
        side.addWidget(self.down_button)
        side.addWidget(self.remove_button)
        side.addStretch(1)
        list_row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(list_row)
        layout.addLayout(entry_row)
        layout.addWidget(self.hint)
        self.add_button.clicked.connect(self.add_from_entry)
        self.entry.returnPressed.connect(self.add_from_entry)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(+1))

    def authors(self) -> tuple[Author, ...]:
        return self.model.authors()

    def set_authors(self, authors: Sequence[Author]) -> None:
        self.model.set_authors(authors)

    def add_from_entry(self) -> None:
        author = parse_author(self.entry.text())
        if author is None:
            return
        known = {(a.id, a.full_name, a.orcid_id) for a in self.model.authors()}
        if (author.id, author.full_name, author.orcid_id) in known:
            self.hint.setText("This author is already in the list.")
            self.hint.show()
            return
        self.hint.hide()
        self.model.add(author)
        self.entry.clear()
        self.changed.emit()

    def _selected_row(self) -> int:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def remove_selected(self) -> None:
        row = self._selected_row()
        if row >= 0:
            self.model.remove(row)
            self.changed.emit()

    def _move(self, delta: int) -> None:
        row = self._selected_row()
        if row >= 0 and self.model.move(row, delta):
            self.view.setCurrentIndex(self.model.index(row + delta))
            self.changed.emit()
