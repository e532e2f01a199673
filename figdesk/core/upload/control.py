"""Pause, resume, stop and cancel for a running upload, from any thread.

The engine checks a ``Control`` between chunks of at most ~1 MiB, so a request takes effect
within a second. ``cancel()`` gives up the file (the engine removes the unfinished file record
on Figshare); ``stop()`` only halts the work and keeps the remote state so a later run resumes
it (what the queue does when the app quits); ``pause()`` holds the upload until ``resume()``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class UploadInterrupted(Exception):
    """Raised inside the engine when a Control asks it to stop working on a file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason   # "cancel" or "stop" or "pause"


class Control:
    """Thread-safe switches one job (or a whole queue run) shares with the engine."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._cancelled = False
        self._stopped = False
        self._limit_rate: float | None = None
        self._rate_listeners: list[Callable[[float | None], None]] = []
        # set on cancel or stop: handed to the client so its own waits (retry backoff,
        # Retry-After) end at once too
        self._interrupt = threading.Event()

    # --- asked by the user ---------------------------------------------------------------

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def cancel(self) -> None:
        with self._cond:
            self._cancelled = True
            self._interrupt.set()
            self._cond.notify_all()

    def stop(self) -> None:
        """Halt now but keep Figshare's state: the file ends ``paused`` and can be resumed."""
        with self._cond:
            self._stopped = True
            self._interrupt.set()
            self._cond.notify_all()

    def set_limit_rate(self, bps: float | None) -> None:
        """Bandwidth cap in bytes/s for the engine this control is attached to (None: off)."""
        with self._cond:
            self._limit_rate = bps if bps and bps > 0 else None
            listeners = list(self._rate_listeners)
        for cb in listeners:
            cb(self._limit_rate)

    # --- read by the engine --------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def interrupt_event(self) -> threading.Event:
        """Set once cancelled or stopped (the ``cancel=`` Event the client's calls take)."""
        return self._interrupt

    @property
    def limit_rate(self) -> float | None:
        return self._limit_rate

    def add_rate_listener(self, cb: Callable[[float | None], None]) -> None:
        """The engine registers its limiter here so ``set_limit_rate`` reaches it."""
        with self._cond:
            if cb not in self._rate_listeners:
                self._rate_listeners.append(cb)

    def remove_rate_listener(self, cb: Callable[[float | None], None]) -> None:
        with self._cond:
            if cb in self._rate_listeners:
                self._rate_listeners.remove(cb)

    def check(self) -> None:
        """Raise ``UploadInterrupted`` if cancelled or stopped (cheap; call between chunks)."""
        if self._cancelled:
            raise UploadInterrupted("cancel")
        if self._stopped:
            raise UploadInterrupted("stop")

    def wait_while_paused(self, timeout: float | None = None) -> bool:
        """Block while paused (raising on cancel/stop). Returns False if ``timeout`` ran out
        while still paused, True once running again."""
        with self._cond:
            remaining = timeout
            while self._paused and not self._cancelled and not self._stopped:
                if remaining is not None and remaining <= 0:
                    return False
                step = 0.25 if remaining is None else min(0.25, remaining)
                self._cond.wait(step)
                if remaining is not None:
                    remaining -= step
        self.check()
        return True

    def sleep(self, seconds: float) -> None:
        """Sleep that wakes up at once on cancel or stop (and raises then)."""
        deadline = time.monotonic() + max(0.0, seconds)
        with self._cond:
            while not (self._cancelled or self._stopped):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        self.check()
