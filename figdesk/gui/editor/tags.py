"""Keywords as tags: type and press Enter (or a comma) to add; select and Delete to remove."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListView, QPushButton, QVBoxLayout, QWidget


class _TagList(QListView):
    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class TagEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QStringListModel(self)
        self.view = _TagList()
        self.view.setObjectName("tags")      # drawn as chips by the theme
        self.view.setModel(self.model)
        # Tags flow left to right and wrap, like chips.
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setSpacing(3)
        self.view.setMaximumHeight(64)
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("Add a keyword and press Enter (commas separate several)")
        self.remove_button = QPushButton("Remove")
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addLayout(row)
        self.entry.returnPressed.connect(self.add_from_entry)
        self.entry.textEdited.connect(self._maybe_split)
        self.remove_button.clicked.connect(self.remove_selected)
        self.view.delete_pressed.connect(self.remove_selected)

    def tags(self) -> tuple[str, ...]:
        return tuple(self.model.stringList())

    def set_tags(self, tags: Sequence[str]) -> None:
        self.model.setStringList(list(tags))

    def add(self, text: str) -> bool:
        tags = self.model.stringList()
        added = False
        for part in text.split(","):
            tag = " ".join(part.split())
            if tag and tag.casefold() not in {t.casefold() for t in tags}:
                tags.append(tag)
                added = True
        if added:
            self.model.setStringList(tags)
            self.changed.emit()
        return added

    def add_from_entry(self) -> None:
        self.add(self.entry.text())
        self.entry.clear()

    def _maybe_split(self, text: str) -> None:
        if "," in text:
            head, _, tail = text.rpartition(",")
            self.add(head)
            self.entry.setText(tail.lstrip())

    def remove_selected(self) -> None:
        rows = sorted((i.row() for i in self.view.selectionModel().selectedIndexes()),
                      reverse=True)
        for r in rows:
            self.model.removeRows(r, 1)
        if rows:
            self.changed.emit()
