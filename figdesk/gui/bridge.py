"""The one door from the queue runner's threads into Qt.

``Runner.subscribe`` calls us on the runner's dispatcher thread. We never touch a widget or a
model there: each event becomes a signal of this QObject, which lives on the GUI thread, and
the connections are queued, so the slots run later on the GUI thread's event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from figdesk.core.queue import JobChanged, JobProgress, RunnerStatus


class QueueBridge(QObject):
    """Re-emits runner events as Qt signals: ``job_changed(Job)``,
    ``job_progress(job_id, Progress)`` and ``status_changed(RunnerStatus)``."""

    job_changed = Signal(object)
    job_progress = Signal(int, object)
    status_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = None

    def attach(self, runner: Any) -> None:
        """Listen to ``runner`` (and stop listening to the previous one)."""
        self.detach()
        self._unsubscribe = runner.subscribe(self._deliver)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _deliver(self, event: object) -> None:
        # Runs on the runner's dispatcher thread. Emitting a signal of an object that lives
        # on another thread posts the call to that thread (AutoConnection becomes queued).
        if isinstance(event, JobProgress):
            self.job_progress.emit(event.job_id, event.progress)
        elif isinstance(event, JobChanged):
            self.job_changed.emit(event.job)
        elif isinstance(event, RunnerStatus):
            self.status_changed.emit(event)
