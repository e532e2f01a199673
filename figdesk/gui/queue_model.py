"""The upload queue as a table model: one row per job, updated in coalesced batches.

Runner events arrive (through the bridge) many times a second; ``note_job`` and
``note_progress`` only remember the latest word for each job, and ``flush`` (called by a
timer every ~150 ms) turns what changed into one ``dataChanged`` per batch of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from figdesk.core.queue import Job, JobKind, JobState, RunnerStatus
from figdesk.core.upload import Progress
from figdesk.gui.fmt import human_size
from figdesk.gui.table_model import RowTableModel

JOB_ROLE = Qt.ItemDataRole.UserRole + 1       # the JobRow
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2  # float 0..1, or None: no bar for this job

COLUMNS = ("Name", "Item", "State", "Progress", "Speed", "ETA", "Details")
COL_NAME, COL_ITEM, COL_STATE, COL_PROGRESS, COL_SPEED, COL_ETA, COL_DETAILS = range(
    len(COLUMNS))

_Index = QModelIndex | QPersistentModelIndex

#: The engine's file states, said for people.
_UPLOAD_WORDS = {
    "queued": "starting", "hashing": "computing md5", "uploading": "uploading",
    "completing": "completing", "processing": "processing on Figshare", "paused": "pausing",
    "done": "verified", "failed": "failed", "cancelled": "cancelled",
}


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


@dataclass(frozen=True)
class JobRow:
    """A job as shown: the stored row plus the latest progress the runner reported."""

    job: Job
    progress: Progress | None = None

    @property
    def is_upload(self) -> bool:
        return self.job.kind is JobKind.UPLOAD_FILE

    @property
    def bytes_done(self) -> int:
        if self.job.state is JobState.DONE:
            return self.job.size
        done = self.job.bytes_done
        if self.progress is not None and self.job.state is JobState.RUNNING:
            done = max(done, self.progress.bytes_done)
        return min(done, self.job.size) if self.job.size else done

    @property
    def fraction(self) -> float | None:
        if not self.is_upload:
            return 1.0 if self.job.state is JobState.DONE else None
        if self.job.size <= 0:
            return None
        return self.bytes_done / self.job.size

    @property
    def name(self) -> str:
        job = self.job
        if job.kind is JobKind.UPLOAD_FILE:
            folder = str(job.upload.get("folder_path") or "")
            name = job.file_name or job.path
            return f"{folder}/{name}" if folder else name
        if job.kind is JobKind.CREATE_ITEM:
            return f"New item “{job.title or 'Untitled'}”"
        return {JobKind.UPDATE_ITEM: "Save metadata", JobKind.PUBLISH: "Publish",
                JobKind.DELETE_ITEM: "Delete item"}.get(job.kind, str(job.kind.value))

    def item(self, titles: Mapping[int, str]) -> str:
        """The item's title when the items list knows it, else its id."""
        article_id = self.job.article_id
        if article_id:
            return titles.get(article_id) or str(article_id)
        return f"new: {self.job.title}" if self.job.title else "new item"

    def state_text(self, status: RunnerStatus) -> str:
        job = self.job
        if job.state is JobState.QUEUED:
            if status.state == "offline":
                return "waiting for a connection"
            if status.state == "paused":
                return "waiting (queue paused)"
            if job.error:
                return "waiting to try again"
            return "queued"
        if job.state is JobState.RUNNING:
            if status.state == "offline":
                return "waiting for a connection"
            if self.is_upload and self.progress is not None:
                return _UPLOAD_WORDS.get(self.progress.state, self.progress.state)
            return "running"
        if job.state is JobState.DONE and self.is_upload:
            return "verified ✔"
        return str(job.state.value)

    @property
    def speed_text(self) -> str:
        p = self.progress
        if self.job.state is not JobState.RUNNING or p is None or p.speed <= 0:
            return ""
        return f"{human_size(int(p.speed))}/s"

    @property
    def eta_text(self) -> str:
        p = self.progress
        if self.job.state is not JobState.RUNNING or p is None:
            return ""
        return format_eta(p.eta)

    @property
    def details(self) -> str:
        job = self.job
        if job.error:
            # Errors about the local file start with its full path: the Name column says it.
            if job.path and job.error.startswith(job.path + ": "):
                return job.error[len(job.path) + 2:]
            return job.error
        if job.state is JobState.DONE and self.is_upload:
            return "md5 matches Figshare's"
        return ""


class QueueModel(RowTableModel):
    """Every job of the queue, in queue order."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[JobRow] = []
        self._by_id: dict[int, int] = {}
        self._pending_jobs: dict[int, Job] = {}
        self._pending_progress: dict[int, Progress] = {}
        self.status = RunnerStatus("stopped")
        self.titles: dict[int, str] = {}

    # --- Qt -------------------------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_NAME:
                return row.name
            if col == COL_ITEM:
                return row.item(self.titles)
            if col == COL_STATE:
                return row.state_text(self.status)
            if col == COL_PROGRESS:
                f = row.fraction
                return "" if f is None else f"{int(f * 100)} %"
            if col == COL_SPEED:
                return row.speed_text
            if col == COL_ETA:
                return row.eta_text
            return row.details
        if role == JOB_ROLE:
            return row
        if role == PROGRESS_ROLE:
            return row.fraction
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_NAME and row.job.path:
                return f"{row.job.path} ({human_size(row.job.size)})"
            if col == COL_DETAILS and row.details:
                return row.job.error or row.details
            if col == COL_ITEM and row.job.article_id:
                return f"Item {row.job.article_id}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_SPEED, COL_ETA):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # --- feeding ------------------------------------------------------------------------

    def rows(self) -> Sequence[JobRow]:
        return self._rows

    def row_of(self, job_id: int) -> int | None:
        return self._by_id.get(job_id)

    def job(self, job_id: int) -> Job | None:
        i = self._by_id.get(job_id)
        return self._rows[i].job if i is not None else None

    def note_job(self, job: Job) -> None:
        """Remember a job's new row; shown at the next ``flush``."""
        self._pending_jobs[job.id] = job

    def note_progress(self, job_id: int, progress: Progress) -> None:
        self._pending_progress[job_id] = progress

    def set_titles(self, titles: Mapping[int, str]) -> None:
        """Item titles by id (from the items list), for the Item column."""
        if dict(titles) != self.titles:
            self.titles = dict(titles)
            if self._rows:
                self.dataChanged.emit(self.index(0, COL_ITEM),
                                      self.index(len(self._rows) - 1, COL_ITEM))

    def set_status(self, status: RunnerStatus) -> None:
        """The runner's state colours every waiting row's words: repaint the State column."""
        if status == self.status:
            return
        self.status = status
        if self._rows:
            self.dataChanged.emit(self.index(0, COL_STATE),
                                  self.index(len(self._rows) - 1, COL_STATE))

    def has_pending(self) -> bool:
        return bool(self._pending_jobs or self._pending_progress)

    def flush(self) -> list[int]:
        """Apply what arrived since the last flush. Returns the ids it did not know (the
        caller reloads the queue to learn where they go)."""
        jobs, self._pending_jobs = self._pending_jobs, {}
        progress, self._pending_progress = self._pending_progress, {}
        unknown: list[int] = []
        changed: list[int] = []
        for job_id in set(jobs) | set(progress):
            i = self._by_id.get(job_id)
            if i is None:
                if job_id in jobs:
                    unknown.append(job_id)
                continue
            row = self._rows[i]
            if job_id in jobs:
                row = replace(row, job=jobs[job_id])
            if job_id in progress:
                row = replace(row, progress=progress[job_id])
            self._rows[i] = row
            changed.append(i)
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0),
                                  self.index(max(changed), len(COLUMNS) - 1))
        if unknown:
            # Keep their news for after the reload places them.
            for job_id in unknown:
                self._pending_jobs[job_id] = jobs[job_id]
        return unknown

    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """The whole queue as read from the store: rows gone are removed, known rows updated
        (keeping their progress), new ones appended in queue order."""
        fresh = list(jobs)
        ids = {j.id for j in fresh}
        for i in range(len(self._rows) - 1, -1, -1):
            if self._rows[i].job.id not in ids:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
        self._reindex()
        new: list[JobRow] = []
        for job in fresh:
            at = self._by_id.get(job.id)
            newer = self._pending_jobs.pop(job.id, None)
            if newer is not None and newer.updated_at >= job.updated_at:
                job = newer
            if at is None:
                new.append(JobRow(job))
            else:
                self._rows[at] = replace(self._rows[at], job=job)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(COLUMNS) - 1))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self._reindex()
            self.endInsertRows()

    def _reindex(self) -> None:
        self._by_id = {r.job.id: i for i, r in enumerate(self._rows)}

    # --- figures for the status bar -----------------------------------------------------

    def totals(self) -> QueueTotals:
        """Bytes and counts over the uploads of batches that still have work to do."""
        open_groups = {r.job.group_id for r in self._rows if not r.job.state.finished}
        done = total = 0
        for r in self._rows:
            if not r.is_upload or r.job.group_id not in open_groups:
                continue
            if r.job.state is JobState.CANCELLED:
                continue
            total += r.job.size
            done += r.bytes_done
        unfinished = [r for r in self._rows if not r.job.state.finished]
        active = sum(1 for r in unfinished if r.job.state is not JobState.PAUSED)
        failed = sum(1 for r in self._rows if r.job.state is JobState.FAILED)
        return QueueTotals(done, total, active, failed)


@dataclass(frozen=True)
class QueueTotals:
    bytes_done: int
    bytes_total: int
    unfinished: int     # queued or running (paused jobs do not count: they wait for the user)
    failed: int

    @property
    def fraction(self) -> float:
        return 1.0 if self.bytes_total <= 0 else min(1.0, self.bytes_done / self.bytes_total)


class QueueProxy(QSortFilterProxyModel):
    """Queue order by default; ``hide_finished`` leaves only jobs with something to do."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hide_finished = False

    def set_hide_finished(self, hide: bool) -> None:
        self.beginFilterChange()        # Qt 6.9+: invalidateFilter() is deprecated
        self._hide_finished = hide
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if not self._hide_finished:
            return True
        model = self.sourceModel()
        row = model.index(source_row, 0, source_parent).data(JOB_ROLE)
        return not (isinstance(row, JobRow) and row.job.state is JobState.DONE)

    def row_at(self, index: QModelIndex) -> JobRow | None:
        value = index.data(JOB_ROLE) if index.isValid() else None
        return value if isinstance(value, JobRow) else None
