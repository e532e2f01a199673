"""Drag-and-drop of files and folders onto the main window.

Dropped on an item's row (items table) or on the files panel of the selected item: upload
into that item. Dropped anywhere else on the window: a new draft item. This only works out
*where* the drop landed; the uploads controller does the rest off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class DropTarget:
    """``article_id`` None: make a new item. ``title``: the item's title, for messages."""

    article_id: int | None
    title: str = ""


def local_paths(mime: QMimeData | None) -> list[str]:
    """The local files and folders in a drag (remote URLs are not ours to upload)."""
    if mime is None or not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


class DropZone(QObject):
    """Watches the window, the items table and the files panel for drops of local files.
    Emits ``dropped(paths, DropTarget)`` and ``hovering(text)`` (what a drop would do)."""

    dropped = Signal(list, object)
    hovering = Signal(str)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.items_viewport: QWidget = window.items.table.viewport()
        self.files_widgets: tuple[QWidget, ...] = (window.files, window.files.table.viewport())
        window.items.table.setAcceptDrops(True)
        for w in (window, self.items_viewport, *self.files_widgets):
            w.setAcceptDrops(True)
            w.installEventFilter(self)

    def target_at(self, watched: QObject, pos: QPoint) -> DropTarget:
        if watched is self.items_viewport:
            items = self.window.items
            row = items.proxy.row_at(items.table.indexAt(pos))
            if row is not None:
                return DropTarget(row.item.id, row.item.title)
        elif watched in self.files_widgets:
            files = self.window.files
            if files.article_id is not None:
                current = self.window.items.current_row()
                title = current.item.title if current is not None else ""
                return DropTarget(files.article_id, title)
        return DropTarget(None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        assert isinstance(event, QDropEvent)
        paths = local_paths(event.mimeData())
        if not paths:
            return False
        target = self.target_at(watched, event.position().toPoint())
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self.hovering.emit("")
            self.dropped.emit(paths, target)
        else:
            what = (f"Drop to upload into “{target.title or target.article_id}”"
                    if target.article_id is not None else "Drop to make a new item")
            self.hovering.emit(what)
        return True
