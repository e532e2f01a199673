"""AIMD concurrency for part PUTs: halve on 429/5xx, grow by one after a quiet spell.

Figshare does not document how many parallel PUTs it tolerates; a server that says "slow
down" gets fewer connections at once, and we creep back up only after ``quiet`` seconds
without complaint, like TCP's congestion window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from figdesk.core.upload.control import Control


class AdaptiveLimit:
    """A semaphore whose size moves between 1 and ``maximum``."""

    def __init__(self, initial: int, maximum: int, *, quiet: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = max(1, maximum)
        self._limit = max(1, min(initial, self.maximum))
        self.quiet = quiet
        self._clock = clock
        self._cond = threading.Condition()
        self._in_use = 0
        self._last_change = clock()
        self._last_overload = -1e18
        self._last_halve = -1e18

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        return self._in_use

    def acquire(self, control: Control | None = None) -> None:
        """Block until a slot is free (wakes every 0.25 s to honour a cancel)."""
        with self._cond:
            while self._in_use >= self._limit:
                if control is not None:
                    control.check()
                self._cond.wait(0.25)
            self._in_use += 1

    def release(self) -> None:
        with self._cond:
            self._in_use = max(0, self._in_use - 1)
            self._cond.notify_all()

    def on_overload(self) -> None:
        """429 or 5xx: halve, but at most once per second (a burst of errors from the
        PUTs already in flight is one signal, not five)."""
        with self._cond:
            now = self._clock()
            if now - self._last_halve >= 1.0:
                self._limit = max(1, self._limit // 2)
                self._last_halve = now
                self._last_change = now
            self._last_overload = now

    def on_success(self) -> None:
        with self._cond:
            now = self._clock()
            if (self._limit < self.maximum and now - self._last_overload >= self.quiet
                    and now - self._last_change >= self.quiet):
                self._limit += 1
                self._last_change = now
                self._cond.notify_all()
