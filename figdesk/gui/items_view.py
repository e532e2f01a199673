"""The items pane: filter bar, the table, loading progress, empty state and context menu.

All pages load in the background (``Session.call`` per page: the network and the JSON decoding
on a pool thread) and are appended as they arrive. Their rows are made on the GUI thread, a
slice per event-loop turn: Python work on a pool thread takes turns at the GIL with the GUI
thread every 0.5 ms, and a table's repaint (Python delegate calls per cell) then takes 2-4
times as long (measured: 6 ms alone, 24 ms beside a thread building rows).
The number and size of files per item are not in the list response: they are filled lazily for
the rows on screen once scrolling settles (one ``list_files`` per row, paced by the client),
and for the selected row by the files panel; until then the cells stay blank.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from figdesk.core.errors import FigdeskError
from figdesk.core.models import ArticleSummary
from figdesk.gui.items_model import (
    COL_CREATED,
    COL_FILES,
    COL_ID,
    COL_MODIFIED,
    COL_PUBLISHED,
    COL_SIZE,
    COL_STATUS,
    COL_TITLE,
    COL_TYPE,
    ItemRow,
    ItemsModel,
    ItemsProxy,
)
from figdesk.gui.session import Session
from figdesk.gui.tableview import TableView
from figdesk.gui.tasks import OwnedTasks
from figdesk.gui.text_delegate import PlainTextDelegate

#: Seconds the items load waits after each page so the table paints before the next page is
#: decoded (about one frame of the table's full repaint).
PAINT_PAUSE = 0.03
ROW_SLICE = 100          # items made into table rows per event-loop turn (~2 ms)
FILL_BATCH = 25          # rows whose file figures are fetched per settled scroll
FILTER_DELAY_MS = 180    # typing in the filter applies it once the user pauses


def _next_page(pages: Iterator[list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    """Blocking (network): the next page of items as JSON objects, None when done."""
    return next(pages, None)


def settle_garbage_collector() -> None:
    """Take what is alive now (the rows just listed above all) out of the cyclic GC's reach.

    The item rows live as long as the list and are freed by reference counting (no cycles),
    but every full collection walks all their objects: 40-50 ms at 10,000 items, on whichever
    thread happens to trigger it, holding the GIL, so the GUI thread stalls. ``gc.freeze`` is
    O(1). The cost: a reference cycle alive at this moment that is dropped later is not
    reclaimed until the next ``gc.unfreeze`` (none in practice: rows are acyclic)."""
    gc.freeze()


class ItemsView(QWidget):
    """Emits ``current_changed`` with the selected ``ItemRow`` (or None) and ``action`` with
    (name, ItemRow) for the context menu: edit, publish, delete, copy_doi, copy_url, open."""

    current_changed = Signal(object)
    action = Signal(str, object)
    new_item = Signal()
    load_failed = Signal(object)
    loaded = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ItemsModel(self)
        self.proxy = ItemsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.session: Session | None = None
        self.loading = False
        self._generation = 0
        self._filling = False
        self.tasks = OwnedTasks()      # loads and fills in flight, cancelled by shutdown()

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by title, id, type or DOI")
        self.filter.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        for key, text in (("all", "All items"), ("draft", "Drafts"), ("public", "Public")):
            self.status_filter.addItem(text, key)
        self.new_button = QPushButton("New item")
        self.refresh_button = QPushButton("Refresh")
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.status_filter)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.new_button)

        self.table = TableView()
        self.table.setModel(self.proxy)
        self.table.setItemDelegate(PlainTextDelegate(self.proxy, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_MODIFIED, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row heights and column widths: no per-row measuring for 10,000 rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        # Widths from the font, once: measuring 10,000 rows per column would be per-row work.
        fm = self.table.fontMetrics()
        pad = 18
        date = fm.horizontalAdvance("2024-12-31") + pad
        widths = {COL_ID: fm.horizontalAdvance("99999999") + pad,
                  COL_TYPE: fm.horizontalAdvance("presentation") + pad,
                  COL_STATUS: fm.horizontalAdvance("public") + pad,
                  COL_FILES: fm.horizontalAdvance("Files") + pad,
                  COL_SIZE: fm.horizontalAdvance("999.9 MB") + pad,
                  COL_CREATED: date, COL_MODIFIED: date, COL_PUBLISHED: date}
        for col, width in widths.items():
            self.table.setColumnWidth(col, width)
        header.setMinimumSectionSize(fm.horizontalAdvance("Files") + 8)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setObjectName("emptyState")
        self.stack = QStackedLayout()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("muted")
        status = QHBoxLayout()
        status.addWidget(self.progress_label, 1)
        status.addWidget(self.progress)
        self.progress.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(self.stack, 1)
        layout.addLayout(status)

        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(300)
        self._fill_timer.timeout.connect(self._fill_visible)

        # Filtering 10,000 rows takes ~0.1 s: apply it when typing pauses, not per key.
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(lambda: self._filter_changed(self.filter.text()))
        self.filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self._filter_changed(self.filter.text()))
        self.refresh_button.clicked.connect(self.refresh)
        self.new_button.clicked.connect(self.new_item)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.verticalScrollBar().valueChanged.connect(lambda _v: self._fill_timer.start())
        self.proxy.layoutChanged.connect(self._fill_timer.start)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            signal.connect(self._update_empty)
        self._update_empty()

    # --- session and loading ------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop background work (the window is closing)."""
        self._generation += 1
        self.tasks.cancel_all()
        self._fill_timer.stop()
        self._filter_timer.stop()

    def set_session(self, session: Session | None) -> None:
        self._generation += 1
        self.session = session
        self.model.clear()
        self.current_changed.emit(None)
        self._update_empty()

    @asyncSlot()
    async def refresh(self) -> None:
        await self.load_all()

    async def load_all(self) -> None:
        """Load every page of the account's items, appending as pages arrive."""
        session = self.session
        if session is None:
            return
        self.tasks.adopt_current()
        self._generation += 1
        generation = self._generation
        selected = self.current_row()
        self.model.clear()
        self.loading = True
        self.progress.show()
        self.progress_label.setText("Loading items…")
        self.refresh_button.setEnabled(False)
        self._update_empty()
        count = 0
        try:
            pages = await session.call(session.client.iter_my_article_page_objects, 1000)
            page_no = 0
            while True:
                objects = await session.call(_next_page, pages)
                if generation != self._generation:
                    return          # a newer load or another profile took over
                if objects is None:
                    break
                page = await self._rows_of(objects, generation)
                if page is None:
                    return
                page_no += 1
                count += self.model.append_page(page)
                del page
                settle_garbage_collector()
                self.progress_label.setText(f"Loading items… {count:,} so far "
                                            f"(page {page_no})")
                # Let the table repaint before a pool thread decodes the next page's JSON:
                # a paint that shares the GIL with it takes twice as long or more.
                await asyncio.sleep(PAINT_PAUSE)
        except FigdeskError as exc:
            if generation == self._generation:
                self.progress_label.setText(f"Could not load all items: {exc.message}")
                self.load_failed.emit(exc)
            return
        finally:
            if generation == self._generation:
                self.loading = False
                self.progress.hide()
                self.refresh_button.setEnabled(True)
                self._update_empty()
        self.progress_label.setText(f"{count:,} items")
        if selected is not None:
            self.select_article(selected.item.id)
        self._fill_timer.start()
        self.loaded.emit(count)

    async def _rows_of(self, objects: list[dict[str, Any]], generation: int
                       ) -> list[ItemRow] | None:
        """A page's table rows, ``ROW_SLICE`` items per event-loop turn (the GUI keeps
        painting between slices); None when a newer load took over meanwhile."""
        rows: list[ItemRow] = []
        for start in range(0, len(objects), ROW_SLICE):
            rows.extend(ItemRow.build(ArticleSummary.from_json(d))
                        for d in objects[start:start + ROW_SLICE])
            await asyncio.sleep(0)
            if generation != self._generation:
                return None
        return rows

    # --- selection ----------------------------------------------------------------------

    def current_row(self) -> ItemRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.row_at(rows[0]) if rows else None

    def select_article(self, article_id: int | None) -> bool:
        sm = self.table.selectionModel()
        if article_id is None:
            sm.clearSelection()
            return True
        row = self.model.row_of(article_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        sm.select(index, sm.SelectionFlag.ClearAndSelect | sm.SelectionFlag.Rows)
        sm.setCurrentIndex(index, sm.SelectionFlag.NoUpdate)
        self.table.scrollTo(index)
        return True

    def _selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self.current_changed.emit(self.current_row())

    # --- filter, empty state ------------------------------------------------------------

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_status(str(self.status_filter.currentData()))
        self.proxy.set_text(text)
        self._update_empty()
        self._fill_timer.start()

    def _update_empty(self, *_args: Any) -> None:
        if self.proxy.rowCount() > 0:
            self.stack.setCurrentWidget(self.table)
            return
        if self.session is None:
            text = "Sign in to see your items."
        elif self.loading:
            text = "Loading your items…"
        elif self.model.rowCount() == 0:
            text = ("No items yet.\nCreate one with “New item”, or drop files here to start "
                    "a new item.")
        else:
            text = "No items match the filter."
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    # --- context menu -------------------------------------------------------------------

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        row = self.proxy.row_at(index)
        if row is None:
            return
        self.select_article(row.item.id)
        menu = self.build_menu(row)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def build_menu(self, row: ItemRow) -> QMenu:
        menu = QMenu(self)
        entries = (("edit", "Edit metadata", True),
                   ("publish", "Publish…", True),
                   ("delete", "Delete draft…", not row.item.is_public),
                   (None, "", True),
                   ("open", "Open on figshare.com",
                    bool(row.item.url_private_html or row.item.url_public_html)),
                   ("copy_doi", "Copy DOI", bool(row.item.doi)),
                   ("copy_url", "Copy URL",
                    bool(row.item.url_public_html or row.item.url_private_html)))
        for name, text, enabled in entries:
            if name is None:
                menu.addSeparator()
                continue
            act = menu.addAction(text)
            act.setEnabled(enabled)
            act.setData(name)
            act.triggered.connect(lambda _c=False, n=name, r=row: self.action.emit(n, r))
        return menu

    # --- lazy file figures --------------------------------------------------------------

    def visible_rows(self) -> list[ItemRow]:
        view = self.table
        first = view.rowAt(0)
        if first < 0:
            return []
        last = view.rowAt(view.viewport().height() - 1)
        last = self.proxy.rowCount() - 1 if last < 0 else last
        out = []
        for r in range(first, last + 1):
            row = self.proxy.row_at(self.proxy.index(r, 0, QModelIndex()))
            if row is not None:
                out.append(row)
        return out

    @asyncSlot()
    async def _fill_visible(self) -> None:
        session = self.session
        if session is None or self._filling or session.auth_lost:
            return
        self.tasks.adopt_current()
        todo = [r.item.id for r in self.visible_rows() if r.file_count is None][:FILL_BATCH]
        if not todo:
            return
        self._filling = True
        generation = self._generation
        try:
            for article_id in todo:
                files = await session.call(session.client.list_files, article_id)
                if generation != self._generation or session.closed:
                    return
                self.model.set_file_figures(article_id, len(files),
                                            sum(f.size for f in files))
        except FigdeskError:
            return      # figures stay blank; the next scroll tries again
        finally:
            self._filling = False
        self._fill_timer.start()    # rows may have scrolled in meanwhile
