"""What the runner tells its subscribers, and the hub that delivers it without blocking.

The runner's threads only put events on a queue; one dispatcher thread calls the
subscribers, so a slow subscriber (a GUI bridge, a terminal redraw) never slows an upload.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from figdesk.core.queue.jobs import Job
from figdesk.core.upload import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobChanged:
    """A job's stored row changed (state, error, checkpoint)."""

    job: Job


@dataclass(frozen=True)
class JobProgress:
    """Bytes moving for an upload job (at most ~10 a second per file)."""

    job_id: int
    progress: Progress


@dataclass(frozen=True)
class RunnerStatus:
    """The runner as a whole: ``running``, ``idle``, ``offline``, ``paused`` or ``stopped``.
    ``reason`` says why when paused or offline (e.g. the token stopped working)."""

    state: str
    reason: str = ""
    next_probe_in: float | None = None


RunnerEvent = JobChanged | JobProgress | RunnerStatus
Subscriber = Callable[[RunnerEvent], None]


class EventHub:
    """Fan-out of runner events to subscribers on one dispatcher thread."""

    def __init__(self) -> None:
        self._subs: list[Subscriber] = []
        self._lock = threading.Lock()
        self._q: queue.SimpleQueue[RunnerEvent | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it."""
        with self._lock:
            self._subs.append(callback)
        self.ensure_started()

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subs:
                    self._subs.remove(callback)
        return unsubscribe

    def ensure_started(self) -> None:
        """Start the dispatcher if there is someone to deliver to (again after close())."""
        with self._lock:
            if self._thread is None and self._subs:
                self._thread = threading.Thread(target=self._loop, name="figdesk-queue-events",
                                                daemon=True)
                self._thread.start()

    def emit(self, event: RunnerEvent) -> None:
        """Never blocks."""
        if self._subs:
            self._q.put(event)

    def close(self, timeout: float = 1.0) -> None:
        """Deliver what is queued (within ``timeout``), then end the dispatcher."""
        thread = self._thread
        if thread is not None:
            self._q.put(None)
            thread.join(timeout)
        with self._lock:
            self._thread = None

    def _loop(self) -> None:
        while True:
            event = self._q.get()
            if event is None:
                return
            with self._lock:
                subs = list(self._subs)
            for cb in subs:
                try:
                    cb(event)
                except Exception:  # one broken subscriber must not starve the others
                    log.exception("queue event subscriber failed")
