"""The files of the selected item: states, verified marks, delete and download."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot, asyncWrap

from figdesk.core.errors import FigdeskError
from figdesk.core.models import FileInfo
from figdesk.core.workflows.download import Summary, download_to, fetch_all
from figdesk.gui.files_model import (
    COL_NAME,
    COL_SIZE,
    COL_STATE,
    COL_VERIFIED,
    ROW_ROLE,
    SORT_ROLE,
    FileRow,
    FilesModel,
)
from figdesk.gui.fmt import human_size
from figdesk.gui.session import Session
from figdesk.gui.tableview import TableView
from figdesk.gui.tasks import OwnedTasks


class _DownloadProgress:
    """Written by the download thread, read by a GUI timer: the thread never touches Qt."""

    def __init__(self, total: int) -> None:
        self.done = 0
        self.total = total
        self.label = ""            # which file, when several go down together
        self.cancel = threading.Event()

    def __call__(self, done: int, total: int | None = None, label: str = "") -> None:
        self.done = int(done)
        if total:
            self.total = int(total)
        if label:
            self.label = label


#: Figshare's file states before "available" (the list is read again while one is shown).
#: "created" is also a file being uploaded or one abandoned half way: the reads slow down to
#: one every 30 s, and stop when another item is shown.
PROCESSING = frozenset({"created", "ic_checking", "moving_to_final"})
POLL_FIRST_MS = 1000
POLL_MAX_MS = 30_000


def _download_all(client: Any, article_id: int, folder: str,
                  progress: _DownloadProgress) -> Summary:
    """Blocking: every file of the item into ``folder/<item id>/...`` (see ``fetch_all``)."""
    return fetch_all(client, [article_id], Path(folder), progress=progress,
                     cancel=progress.cancel)


def _download_to(client: Any, info: FileInfo, path: str, progress: _DownloadProgress) -> int:
    """Blocking: runs in the executor (network and disk). The file at ``path`` is replaced
    only by a download whose md5 matches Figshare's; a cancel or a failure leaves it as it
    was."""
    return download_to(client, info, Path(path), progress=progress,
                       cancel=progress.cancel).size


class FilesPanel(QWidget):
    """Shows every file of an item (all pages via ``list_files``). Emits ``figures`` with
    (article_id, count, total size) whenever it learns them, for the items table."""

    figures = Signal(int, int, int)
    failed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.article_id: int | None = None
        self._generation = 0
        self._download: _DownloadProgress | None = None
        self.tasks = OwnedTasks()      # listings in flight, cancelled by shutdown()

        self.model = FilesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.title = QLabel("No item selected")
        self.title.setObjectName("sectionTitle")
        self.table = TableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in (COL_SIZE, COL_STATE, COL_VERIFIED):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel("Select an item to see its files.")
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.stack.setCurrentWidget(self.empty)

        self.download_button = QPushButton("Download…")
        self.download_all_button = QPushButton("Download all…")
        self.download_all_button.setToolTip("Every file of the item into a folder, each "
                                            "checked against Figshare's md5")
        self.delete_button = QPushButton("Delete file…")
        self.refresh_button = QPushButton("Refresh")
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.download_button, self.download_all_button, self.delete_button,
                  self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.progress)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.stack, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        # While Figshare is still processing a file (md5 check, moving to storage), the
        # list is read again, sooner at first, then less often, until every file is done.
        self._poll = QTimer(self)
        self._poll.setSingleShot(True)
        self._poll.timeout.connect(self.reload)
        self._poll_delay = POLL_FIRST_MS
        self._tick = QTimer(self)
        self._tick.setInterval(150)        # progress repaint rate, not per chunk
        self._tick.timeout.connect(self._show_progress)
        self.download_button.clicked.connect(self.download_selected)
        self.download_all_button.clicked.connect(self.download_all)
        self.delete_button.clicked.connect(self.delete_selected)
        self.refresh_button.clicked.connect(self.reload)
        self.cancel_button.clicked.connect(self._cancel_download)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    # --- loading ------------------------------------------------------------------------

    def shutdown(self) -> None:
        self._generation += 1
        self.tasks.cancel_all()
        self._poll.stop()
        self._tick.stop()
        self._cancel_download()

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.show_item(None)

    def show_item(self, article_id: int | None, title: str = "") -> None:
        self._generation += 1
        self._poll.stop()
        self._poll_delay = POLL_FIRST_MS
        self.article_id = article_id
        self.model.set_files([])
        self.status.setText("")
        if article_id is None:
            self.title.setText("No item selected")
            self.empty.setText("Select an item to see its files.")
            self.stack.setCurrentWidget(self.empty)
            self._update_buttons()
            return
        self.title.setText(f"Files of “{title}”" if title else f"Files of item {article_id}")
        self.reload()

    @asyncSlot()
    async def reload(self) -> None:
        await self.load()

    async def load(self) -> None:
        session, article_id = self.session, self.article_id
        if session is None or article_id is None:
            return
        self.tasks.adopt_current()
        generation = self._generation
        if self.model.rowCount() == 0:
            # Only a first listing blanks the panel: a reload (the Refresh button, a finished
            # upload, a file still processing) keeps the table and its selection meanwhile.
            self.empty.setText("Loading files…")
            self.stack.setCurrentWidget(self.empty)
        row = self.selected()
        try:
            files: list[FileInfo] = await session.call(session.client.list_files, article_id)
        except FigdeskError as exc:
            if generation == self._generation:
                self.empty.setText(f"Could not list the files: {exc.message}")
                self.status.setText(f"Could not list the files: {exc.message}")
                self.failed.emit(exc)
            return
        if generation != self._generation:
            return
        self.model.set_files(files)
        if row is not None:
            self.select_file(row.name)
        if any(f.status in PROCESSING for f in files):
            self._poll.start(self._poll_delay)
            self._poll_delay = min(POLL_MAX_MS, self._poll_delay * 2)
        else:
            self._poll_delay = POLL_FIRST_MS
        total = sum(f.size for f in files)
        self.figures.emit(article_id, len(files), total)
        if files:
            self.stack.setCurrentWidget(self.table)
            self.status.setText(f"{len(files)} file{'s' if len(files) != 1 else ''}, "
                                f"{human_size(total)}")
        else:
            self.empty.setText("This item has no files yet.")
            self.stack.setCurrentWidget(self.empty)
        self._update_buttons()

    # --- actions ------------------------------------------------------------------------

    def selected(self) -> FileRow | None:
        rows = self.table.selectionModel().selectedRows()
        value = rows[0].data(ROW_ROLE) if rows else None
        return value if isinstance(value, FileRow) else None

    def select_file(self, name: str) -> bool:
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            row = index.data(ROW_ROLE)
            if isinstance(row, FileRow) and row.name == name:
                self.table.selectRow(r)
                return True
        return False

    def _update_buttons(self, *_args: Any) -> None:
        row = self.selected()
        has_file = row is not None and row.info is not None
        idle = self._download is None
        self.download_button.setEnabled(has_file and idle and not (row and row.info and
                                                                    row.info.is_link_only))
        self.delete_button.setEnabled(has_file and idle)
        self.download_all_button.setEnabled(idle and any(not f.is_link_only
                                                         for f in self.model.files()))
        self.refresh_button.setEnabled(self.article_id is not None)

    def ask_save_path(self, suggested: str) -> str:
        """The path to save to ("" to cancel). Tests replace this method."""
        path, _ = QFileDialog.getSaveFileName(self, "Save file as", suggested)
        return path

    def ask_folder(self) -> str:
        """The folder to download into ("" to cancel). Tests replace this method."""
        return QFileDialog.getExistingDirectory(self, "Download every file into",
                                                str(Path.home()))

    def confirm_delete(self, name: str) -> bool:
        """Ask before deleting. Tests replace this method."""
        answer = QMessageBox.question(
            self, "Delete file", f"Delete “{name}” from this item on Figshare?\n"
            "This cannot be undone.")
        return answer == QMessageBox.StandardButton.Yes

    @asyncSlot()
    async def delete_selected(self) -> None:
        session, article_id, row = self.session, self.article_id, self.selected()
        if session is None or article_id is None or row is None or row.info is None:
            return
        # Dialogs run outside this task (asyncWrap): see item_actions.leave_item_ok.
        if not await asyncWrap(self.confirm_delete, row.name):
            return
        self.status.setText(f"Deleting {row.name}…")
        try:
            await session.call(session.client.delete_file, article_id, row.info.id)
        except FigdeskError as exc:
            self.status.setText(f"Could not delete {row.name}: {exc.message}")
            self.failed.emit(exc)
            return
        self.status.setText(f"Deleted {row.name}.")
        if article_id == self.article_id:
            self.model.remove_file(row.info.id)
            files = self.model.files()
            self.figures.emit(article_id, len(files), sum(f.size for f in files))
        self._update_buttons()

    @asyncSlot()
    async def download_selected(self) -> None:
        session, row = self.session, self.selected()
        if session is None or row is None or row.info is None or self._download is not None:
            return
        path = await asyncWrap(self.ask_save_path, str(Path.home() / row.name))
        if not path:
            return
        await self.download(row.info, path)

    async def download(self, info: FileInfo, path: str) -> bool:
        session = self.session
        if session is None:
            return False
        progress = _DownloadProgress(info.size)
        self._start_download(progress, f"Downloading {info.name}…")
        try:
            size = await session.call(_download_to, session.client, info, path, progress)
        except FigdeskError as exc:
            self.status.setText(f"Download of {info.name} failed: {exc.message}")
            self.failed.emit(exc)
            return False
        finally:
            self._end_download()
        self.status.setText(f"Saved {info.name} ({human_size(size)}) to {path}")
        return True

    def _start_download(self, progress: _DownloadProgress, words: str) -> None:
        self._download = progress
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.status.setText(words)
        self._tick.start()
        self._update_buttons()

    def _end_download(self) -> None:
        self._tick.stop()
        self._download = None
        self.progress.hide()
        self.cancel_button.hide()
        self._update_buttons()

    @asyncSlot()
    async def download_all(self) -> None:
        session, article_id = self.session, self.article_id
        if session is None or article_id is None or self._download is not None:
            return
        folder = await asyncWrap(self.ask_folder)
        if not folder:
            return
        progress = _DownloadProgress(sum(f.size for f in self.model.files()))
        self._start_download(progress, "Downloading every file…")
        try:
            summary = await session.call(_download_all, session.client, article_id, folder,
                                         progress)
        except FigdeskError as exc:
            self.status.setText(f"Download stopped: {exc.message}")
            self.failed.emit(exc)
            return
        finally:
            self._end_download()
        self.status.setText(_summary_words(summary, str(Path(folder) / str(article_id))))

    def _cancel_download(self) -> None:
        if self._download is not None:
            self._download.cancel.set()

    def _show_progress(self) -> None:
        d = self._download
        if d is not None and d.total > 0:
            self.progress.setValue(min(1000, round(1000 * d.done / d.total)))
        if d is not None and d.label:
            self.status.setText(f"Downloading {d.label}")


def _summary_words(summary: Summary, where: str) -> str:
    """One status line for a whole item's download (the failures named, with their reason)."""
    n = len(summary.fetched)
    saved = f"Saved {n} file{'s' if n != 1 else ''} ({human_size(summary.bytes_fetched)})"
    parts = [f"{saved} to {where}"]
    if summary.kept:
        parts.append(f"{len(summary.kept)} already there")
    if summary.skipped:
        parts.append(f"{len(summary.skipped)} skipped ({summary.skipped[0][1]})")
    if summary.failed:
        item, why = summary.failed[0]
        more = f" and {len(summary.failed) - 1} more" if len(summary.failed) > 1 else ""
        parts.append(f"failed: {item.info.name}{more}: {why}")
    return "; ".join(parts) + "."
