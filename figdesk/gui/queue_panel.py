"""The upload queue panel: the jobs table, its toolbar and context menu, and the notices.

The panel is a view: it says what the user asked for through ``job_action(name, ids)`` and
``queue_action(name)``; the uploads controller does it off the GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QStackedLayout,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from figdesk.core.queue import JobState
from figdesk.gui.banner import Banner
from figdesk.gui.progress_delegate import ProgressDelegate
from figdesk.gui.queue_model import (
    COL_DETAILS,
    COL_ETA,
    COL_ITEM,
    COL_NAME,
    COL_PROGRESS,
    COL_SPEED,
    COL_STATE,
    JobRow,
    QueueModel,
    QueueProxy,
)
from figdesk.gui.tableview import TableView

EMPTY_TEXT = "No uploads yet — drop files on an item, or on the window to make a new item."

#: Per-job actions: (name, label, states it applies to).
JOB_ACTIONS = (
    ("pause", "Pause", (JobState.QUEUED, JobState.RUNNING)),
    ("resume", "Resume", (JobState.PAUSED,)),
    ("cancel", "Cancel", (JobState.QUEUED, JobState.RUNNING, JobState.PAUSED)),
    ("retry", "Retry", (JobState.FAILED, JobState.CANCELLED)),
    ("remove", "Remove from list", (JobState.DONE, JobState.FAILED, JobState.CANCELLED)),
)
QUEUE_ACTIONS = (
    ("pause_all", "Pause all"), ("resume_all", "Resume all"), ("cancel_all", "Cancel all"),
    ("retry_failed", "Retry failed"), ("clear_finished", "Clear finished"),
)


#: Job rows the queue's dock has room for when it first appears (the user may resize it).
STARTING_ROWS = 2


class QueuePanel(QWidget):
    """The jobs table with a progress bar per row (drawn by ``ProgressDelegate``)."""

    job_action = Signal(str, list)
    queue_action = Signal(str)

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = QueueProxy(self)
        self.proxy.setSourceModel(model)

        self.banner = Banner("info")
        self.offline = QLabel("")
        self.offline.setObjectName("warning")
        self.offline.hide()

        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.job_buttons: dict[str, QAction] = {}
        for name, label, _states in JOB_ACTIONS:
            act = self.toolbar.addAction(label)
            act.setToolTip(f"{label} the selected jobs")
            act.triggered.connect(lambda _c=False, n=name: self._job_action(n))
            self.job_buttons[name] = act
        self.toolbar.addSeparator()
        self.queue_buttons: dict[str, QAction] = {}
        for name, label in QUEUE_ACTIONS:
            act = self.toolbar.addAction(label)
            act.triggered.connect(lambda _c=False, n=name: self._queue_action(n))
            self.queue_buttons[name] = act

        self.table = TableView()
        self.table.setModel(self.proxy)
        self.table.setItemDelegateForColumn(COL_PROGRESS, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        widths = {COL_NAME: 240, COL_ITEM: 150, COL_STATE: 150, COL_PROGRESS: 150,
                  COL_SPEED: 90, COL_ETA: 80, COL_DETAILS: 200}
        for col, width in widths.items():
            self.table.setColumnWidth(col, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        # Small minimums, so a notice showing takes its room from the list (see sizeHint).
        row = self.table.verticalHeader().defaultSectionSize()
        self.table.setMinimumHeight(2 * row)
        self.empty.setMinimumHeight(2 * row)
        self._height_hint: int | None = None
        self.stack = QStackedLayout()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        top = QHBoxLayout()
        top.addWidget(self.toolbar, 1)
        top.addWidget(self.offline)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addLayout(self.stack, 1)

        self.table.selectionModel().selectionChanged.connect(self.update_actions)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset,
                       model.dataChanged):
            signal.connect(self.update_actions)
        self.update_actions()

    # --- selection and actions ----------------------------------------------------------

    def sizeHint(self) -> QSize:
        # Room for a few jobs and a notice strip, and the same whether a notice shows or not:
        # a dock follows its widget's size hint until the user resizes it, and each change of
        # height relayouts and repaints the whole window (about 30 ms of the GUI thread).
        if self._height_hint is None:
            row = self.table.verticalHeader().defaultSectionSize()
            self._height_hint = (self.minimumSizeHint().height() + STARTING_ROWS * row
                                 + (0 if self.banner.isVisible()
                                    else self.banner.sizeHint().height()))
        return QSize(super().sizeHint().width(), self._height_hint)

    def selected_rows(self) -> list[JobRow]:
        out = []
        for index in self.table.selectionModel().selectedRows():
            row = self.proxy.row_at(index)
            if row is not None:
                out.append(row)
        return out

    def select_jobs(self, job_ids: list[int]) -> None:
        sm = self.table.selectionModel()
        sm.clearSelection()
        for job_id in job_ids:
            i = self.model.row_of(job_id)
            if i is None:
                continue
            index = self.proxy.mapFromSource(self.model.index(i, 0))
            sm.select(index, sm.SelectionFlag.Select | sm.SelectionFlag.Rows)

    def applicable(self, name: str, rows: list[JobRow] | None = None) -> list[int]:
        """The selected jobs (or ``rows``) that action ``name`` applies to."""
        states = next(s for n, _l, s in JOB_ACTIONS if n == name)
        return [r.job.id for r in (self.selected_rows() if rows is None else rows)
                if r.job.state in states]

    def confirm(self, text: str) -> bool:
        """Ask before something that cannot be undone. Tests replace this method."""
        answer = QMessageBox.question(self, "Upload queue", text)
        return answer == QMessageBox.StandardButton.Yes

    def _queue_action(self, name: str) -> None:
        if name == "cancel_all" and not self.confirm(
                "Cancel every upload that has not finished? Parts already sent are "
                "discarded on Figshare."):
            return
        self.queue_action.emit(name)

    def _job_action(self, name: str) -> None:
        ids = self.applicable(name)
        if ids:
            self.job_action.emit(name, ids)

    def update_actions(self, *_args: Any) -> None:
        rows = self.selected_rows()
        for name, act in self.job_buttons.items():
            act.setEnabled(bool(self.applicable(name, rows)))
        totals = self.model.totals()
        paused = self.model.status.state == "paused"
        self.queue_buttons["pause_all"].setEnabled(not paused and totals.unfinished > 0)
        self.queue_buttons["cancel_all"].setEnabled(
            any(not r.job.state.finished for r in self.model.rows()))
        self.queue_buttons["resume_all"].setEnabled(
            paused or any(r.job.state is JobState.PAUSED for r in self.model.rows()))
        self.queue_buttons["retry_failed"].setEnabled(totals.failed > 0)
        self.queue_buttons["clear_finished"].setEnabled(
            any(r.job.state.finished for r in self.model.rows()))
        self.stack.setCurrentWidget(self.table if self.model.rowCount() else self.empty)

    def build_menu(self) -> QMenu:
        menu = QMenu(self)
        rows = self.selected_rows()
        for name, label, _states in JOB_ACTIONS:
            ids = self.applicable(name, rows)
            act = menu.addAction(label + (f" ({len(ids)})" if len(ids) > 1 else ""))
            act.setData(name)
            act.setEnabled(bool(ids))
            act.triggered.connect(lambda _c=False, n=name, i=ids: self.job_action.emit(n, i))
        menu.addSeparator()
        for name, label in QUEUE_ACTIONS:
            act = menu.addAction(label)
            act.setData(name)
            act.setEnabled(self.queue_buttons[name].isEnabled())
            act.triggered.connect(lambda _c=False, n=name: self._queue_action(n))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        self.build_menu().exec(self.table.viewport().mapToGlobal(pos))

    # --- notices ------------------------------------------------------------------------

    def set_offline(self, waiting: int, reason: str) -> None:
        """Show how many jobs wait for a connection (``waiting`` < 0: hide)."""
        if waiting < 0:
            self.offline.hide()
            return
        self.offline.setText(f"⚠ Offline — {waiting} job{'s' if waiting != 1 else ''} "
                             "waiting for a connection")
        self.offline.setToolTip(reason)
        self.offline.show()
