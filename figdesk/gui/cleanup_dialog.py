"""Clean up drafts: pick draft items with live filters, back them up to a JSON file, delete
them, and see what happened.

Every request runs off the GUI thread through ``call`` (the session's ``Session.call``, or
``loop.run_in_executor`` by default); progress comes back from the worker through a queued
signal. Modal questions (the save dialog, the confirmation) are asked from plain slots, never
from inside a coroutine, so no nested event loop runs under a task. Tests replace
``ask_backup_path`` and ``confirm``.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from figdesk.core.errors import CancelledError, FigdeskError
from figdesk.core.workflows.cleanup import (
    GONE,
    CleanupProgress,
    CleanupReport,
    DraftCandidate,
    DraftCriteria,
    backup_drafts,
    count_draft_files,
    default_backup_name,
    delete_drafts,
    estimate_seconds,
    find_drafts,
    human_duration,
)
from figdesk.gui.cleanup_filters import CleanupFilterBar
from figdesk.gui.cleanup_model import (
    COL_CREATED,
    COL_FILES,
    COL_ID,
    COL_MODIFIED,
    COL_TITLE,
    DraftsFilter,
    DraftsModel,
)
from figdesk.gui.cleanup_summary import CleanupSummary
from figdesk.gui.errors_ui import error_box
from figdesk.gui.tableview import TableView

Call = Callable[..., Awaitable[Any]]
EMPTY_TEXT = "No drafts match these filters"


async def run_in_default_executor(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))


class _Bridge(QObject):
    """Emitted from worker threads; delivered (queued) on the GUI thread."""

    progress = Signal(object)


class CleanupDialog(QDialog):
    """Find, back up and delete drafts. ``busy`` is True while a job runs."""

    def __init__(self, client: Any, *, call: Call | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clean up drafts")
        self.setObjectName("cleanupDialog")
        self.resize(860, 560)
        self.client = client
        self._call: Call = call or run_in_default_executor
        self._cancel = threading.Event()
        self._job: asyncio.Future[Any] | None = None
        self._loaded = False
        self._count_again = False   # the filters changed while a job ran
        self._deleting = False      # a backup-and-delete job is running
        self._close_when_idle = False
        self.report: CleanupReport | None = None
        self.backup_path: Path | None = None
        self.ask_backup_path: Callable[[], str | None] = self._ask_backup_path
        self.confirm: Callable[[str], bool] = self._confirm
        self._bridge = _Bridge(self)
        self._bridge.progress.connect(self._on_progress)
        self.model = DraftsModel(self)
        self.proxy = DraftsFilter(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        # Model signals come in bursts (a reset, a re-filter, a re-sort): one refresh each
        # burst, on the next turn of the event loop.
        self._refresh_pending = False
        for sig in (self.model.modelReset, self.model.dataChanged, self.proxy.layoutChanged,
                    self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            sig.connect(self._schedule_refresh)
        self._refresh_state()

    # --- building -----------------------------------------------------------------------
    def _build(self) -> None:
        self.filters = CleanupFilterBar()
        self.filters.changed.connect(self._filters_changed)
        # Short names for the filters (tests and the main window use them).
        self.untitled, self.no_files = self.filters.untitled, self.filters.no_files
        self.older, self.days, self.match = (self.filters.older, self.filters.days,
                                             self.filters.match)

        self.table = TableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_CREATED, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        # Widths from the font, not ResizeToContents: measuring 10,000 rows on every change
        # takes seconds.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        em = self.fontMetrics().horizontalAdvance("0")
        for col, chars in ((COL_ID, 14), (COL_CREATED, 12), (COL_MODIFIED, 12), (COL_FILES, 7)):
            header.resizeSection(col, em * chars)
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty)

        self.select_all = QPushButton("Select all")
        self.select_none = QPushButton("Select none")
        self.select_all.clicked.connect(lambda: self._check_visible(True))
        self.select_none.clicked.connect(lambda: self._check_visible(False))
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        row = QHBoxLayout()
        row.addWidget(self.select_all)
        row.addWidget(self.select_none)
        row.addWidget(self.count_label, 1)

        self.progress = QProgressBar()
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.work_row = QWidget()   # hidden as a whole when idle, so it leaves no gap
        work = QHBoxLayout(self.work_row)
        work.setContentsMargins(0, 0, 0, 0)
        work.addWidget(self.progress_label, 1)
        work.addWidget(self.progress, 1)
        work.addWidget(self.cancel_button)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)

        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.start_load)
        self.delete_button = QPushButton("Back up and delete…")
        self.delete_button.setDefault(True)
        self.delete_button.clicked.connect(self.delete_clicked)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(close)

        list_page = QWidget()
        lay = QVBoxLayout(list_page)
        lay.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Draft items (never published) of this account. Public items are never "
                      "listed. Checked drafts are backed up to a JSON file, then deleted.")
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        lay.addWidget(self.filters)
        lay.addWidget(self.list_stack, 1)
        lay.addLayout(row)
        lay.addWidget(self.work_row)
        lay.addWidget(self.error_label)
        lay.addLayout(buttons)

        self.pages = QStackedWidget()
        self.summary = CleanupSummary()
        self.summary.back.connect(lambda: self.pages.setCurrentIndex(0))
        self.summary.done.connect(self.accept)
        self.pages.addWidget(list_page)
        self.pages.addWidget(self.summary)
        outer = QVBoxLayout(self)
        outer.addWidget(self.pages)

    # --- state --------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True from the start of a job until its completion has been handled (not merely
        until the task finished: its done-callback still has to update the dialog)."""
        return self._job is not None

    def targets(self) -> list[DraftCandidate]:
        """What would be deleted: checked rows that the filters show."""
        return [c for c in self.proxy.visible() if self.model.is_checked(c.id)]

    def criteria(self) -> DraftCriteria:
        return self.filters.criteria()

    def _schedule_refresh(self, *_: Any) -> None:
        if not self._refresh_pending:
            self._refresh_pending = True
            QTimer.singleShot(0, self, self._refresh_state)

    def _refresh_state(self, *_: Any) -> None:
        self._refresh_pending = False
        shown = self.proxy.rowCount()
        self.list_stack.setCurrentWidget(self.table if shown else self.empty)
        if self._loaded and not self.model.rowCount():
            self.empty.setText(f"{EMPTY_TEXT}: this account has no drafts.")
        else:
            self.empty.setText(EMPTY_TEXT if self._loaded else "Looking for drafts…")
        n = len(self.targets())
        text = f"{shown} of {self.model.rowCount()} drafts shown, {n} selected"
        took = human_duration(estimate_seconds(self.client, 4 * n)) if n else ""
        self.count_label.setText(text + (f"; backing up and deleting takes {took} at "
                                         "Figshare's pace" if took else ""))
        busy = self.busy
        for w in (self.filters, self.table, self.select_all, self.select_none,
                  self.refresh_button):
            w.setEnabled(not busy)
        self.delete_button.setEnabled(not busy and n > 0)
        self.work_row.setVisible(busy)
        self.error_label.setVisible(bool(self.error_label.text()))

    def _check_visible(self, checked: bool) -> None:
        self.model.set_checked([c.id for c in self.proxy.visible()], checked)
        self._refresh_state()

    def _filters_changed(self, *_: Any) -> None:
        self.proxy.set_criteria(self.criteria())
        self._refresh_state()
        if self.no_files.isChecked():
            if self.busy:
                self._count_again = True
            else:
                self._start(self._count_files())

    # --- jobs ---------------------------------------------------------------------------
    def _start(self, coro: Any) -> None:
        self._cancel.clear()
        self.error_label.clear()
        self._job = asyncio.ensure_future(coro)
        self._job.add_done_callback(self._job_done)
        self._refresh_state()

    def _job_done(self, job: asyncio.Future[Any]) -> None:
        self._job = None
        if not job.cancelled() and job.exception() is not None:
            # Expected failures are handled in the jobs; this one is a bug: show and log it.
            error_box(self, job.exception() or Exception(), "The drafts cleanup stopped.")
        self._deleting = False
        if self._close_when_idle:
            super().reject()
            return
        self._refresh_state()
        again, self._count_again = self._count_again, False
        if again and self.no_files.isChecked() and not self._cancel.is_set():
            self._start(self._count_files())

    def start_load(self) -> None:
        if not self.busy:
            self._start(self._load())

    def cancel(self) -> None:
        self._cancel.set()
        self.progress_label.setText("Stopping after the current request…")

    def _progress_fn(self) -> Callable[[CleanupProgress], None]:
        return self._bridge.progress.emit

    def _on_progress(self, step: CleanupProgress) -> None:
        self.progress.setRange(0, step.total)   # (0, 0): busy indicator while unknown
        self.progress.setValue(step.done)
        left = human_duration(step.eta_seconds) if step.eta_seconds else ""
        self.progress_label.setText(step.text + (f" ({left} left)" if left else ""))

    def _show_error(self, exc: FigdeskError, context: str) -> None:
        self.error_label.setText(f"{context} {exc.message}".strip())

    async def _load(self) -> None:
        try:
            found = await self._call(find_drafts, self.client, DraftCriteria(),
                                     self._progress_fn(), self._cancel)
        except CancelledError:
            return
        except FigdeskError as exc:
            self._show_error(exc, "The drafts could not be listed.")
            return
        self._loaded = True
        self.model.set_candidates(found)
        self._count_again = self.no_files.isChecked()

    def _uncounted(self) -> list[DraftCandidate]:
        return [c for c in self.model.candidates()
                if c.file_count is None and self.proxy.passes_cheap(c)]

    async def _count_files(self) -> None:
        todo = self._uncounted()
        if not todo:
            return
        try:
            counted = await self._call(count_draft_files, self.client, todo,
                                       self._progress_fn(), self._cancel)
        except CancelledError:
            return
        except FigdeskError as exc:
            self._show_error(exc, "The files could not be counted.")
            return
        self.model.set_file_counts(counted)
        kept = {c.id for c in counted}
        self.model.remove_ids(c.id for c in todo if c.id not in kept)

    # --- deleting -----------------------------------------------------------------------
    def delete_clicked(self) -> None:
        """Ask where the backup goes, confirm, then work in the background."""
        targets = self.targets()
        if not targets or self.busy:
            return
        path = self.ask_backup_path()
        if not path:
            return
        n = len(targets)
        took = human_duration(estimate_seconds(self.client, 4 * n))
        text = (f"Delete {n} draft item{'s' if n != 1 else ''} from Figshare?\n\n"
                f"Each one is first backed up (metadata and file list) to\n{path}\n\n"
                "Deleted drafts cannot be restored on Figshare."
                + (f"\n\nThis takes {took} at Figshare's pace." if took else ""))
        if not self.confirm(text):
            return
        self._start(self._backup_and_delete(targets, Path(path)))
        self._deleting = True

    def _ask_backup_path(self) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the backup of the drafts", str(Path.home() / default_backup_name()),
            "JSON files (*.json)")
        return path or None

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(
            self, "Delete drafts", text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    async def _backup_and_delete(self, targets: Sequence[DraftCandidate], path: Path) -> None:
        try:
            # The save dialog already asked before replacing an existing file.
            result = await self._call(backup_drafts, self.client, targets, path,
                                      self._progress_fn(), self._cancel, overwrite=True)
        except CancelledError:
            self.error_label.setText("Cancelled before anything was deleted.")
            return
        except FigdeskError as exc:
            self._show_error(exc, "")
            return
        self.backup_path = result.path
        report = await self._call(delete_drafts, self.client, targets, self._progress_fn(),
                                  self._cancel)
        self.report = report
        gone = [f.id for f in report.failures if f.reason == GONE]
        self.model.remove_ids([*report.deleted, *gone])
        self.summary.show_report(report, result.path, targets)
        self.pages.setCurrentWidget(self.summary)

    # --- closing ------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._loaded and not self.busy:
            self.start_load()

    def reject(self) -> None:
        """Close. While deleting, stop between items and stay open for the summary; while
        listing or counting, stop and close once the request in flight has returned (the job
        must not touch a dialog that is gone)."""
        if self.busy:
            self.cancel()
            self._close_when_idle = not self._deleting
            return
        super().reject()


def open_cleanup_dialog(parent: QWidget, session: Any,
                        on_deleted: Callable[[list[int]], None] | None = None) -> CleanupDialog:
    """Open the dialog (window-modal, not blocking) on a signed-in ``Session``: its client,
    and its ``call`` so requests share the window's thread pool and a lost sign-in is noticed
    once. ``on_deleted(ids)`` runs after the dialog closes if anything was deleted (e.g. to
    refresh the items list)."""
    dialog = CleanupDialog(session.client, call=session.call, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if on_deleted is not None:
        def finished(_result: int) -> None:
            if dialog.report is not None and dialog.report.deleted:
                on_deleted(list(dialog.report.deleted))
        dialog.finished.connect(finished)
    dialog.open()
    return dialog
