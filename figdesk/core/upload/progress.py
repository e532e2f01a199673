"""Progress events: bytes the server confirmed, speed over a moving window, ETA, state.

``Progress`` is what subscribers (the queue, the GUI bridge, the CLI bar) receive. The
``ProgressReporter`` turns the engine's many small updates into at most ~10 events a second
per file (state changes and errors always go out at once) and never lets a slow or failing
subscriber stall an upload.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """One progress event for one file."""

    key: str
    state: str
    bytes_done: int
    total: int
    speed: float            # bytes/s over the moving window
    eta: float | None       # seconds, None when unknown (no speed yet, or not uploading)
    error: str = ""

    @property
    def fraction(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.bytes_done / self.total)


ProgressCallback = Callable[[Progress], None]


class SpeedMeter:
    """Speed over a moving time window from (time, cumulative bytes) samples.

    A window (default 5 s) rather than a since-start average, so the ETA follows the link
    when it changes; parts confirmed in bursts are smoothed by the window's width.
    """

    def __init__(self, window: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def add(self, total_bytes: int, now: float | None = None) -> None:
        """Record the cumulative byte count at ``now``."""
        t = self._clock() if now is None else now
        with self._lock:
            self._samples.append((t, total_bytes))
            # keep one sample older than the window so the rate spans the whole window
            while len(self._samples) > 2 and self._samples[1][0] <= t - self.window:
                self._samples.popleft()

    def reset(self) -> None:
        with self._lock:
            self._samples.clear()

    def speed(self, now: float | None = None) -> float:
        t = self._clock() if now is None else now
        with self._lock:
            if len(self._samples) < 2:
                return 0.0
            t0, b0 = self._samples[0]
            t1, b1 = self._samples[-1]
        # stretch to `now` so a stalled transfer shows its speed falling, not frozen
        span = max(t1, min(t, t1 + self.window)) - t0
        if span <= 0:
            return 0.0
        return max(0.0, (b1 - b0) / span)

    def eta(self, remaining: int, now: float | None = None) -> float | None:
        s = self.speed(now)
        if remaining <= 0:
            return 0.0
        return remaining / s if s > 0 else None


class ProgressReporter:
    """Emits ``Progress`` for one file to a callback, rate-limited to ``max_rate`` per second."""

    def __init__(self, key: str, callback: ProgressCallback | None, *, max_rate: float = 10.0,
                 window: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.key = key
        self._cb = callback
        self._min_gap = 1.0 / max_rate if max_rate > 0 else 0.0
        self._clock = clock
        self.meter = SpeedMeter(window, clock)
        self._lock = threading.Lock()
        self._last_emit = -1e18
        self._state = "queued"
        self._bytes = 0
        self._total = 0
        self._error = ""

    @property
    def bytes_done(self) -> int:
        return self._bytes

    def update(self, *, state: str | None = None, bytes_done: int | None = None,
               total: int | None = None, error: str | None = None, force: bool = False) -> None:
        """Record new facts; emit if the state/error changed, or if the rate allows."""
        now = self._clock()
        with self._lock:
            changed = force
            if state is not None and state != self._state:
                self._state = state
                changed = True
                if state != "uploading":
                    self.meter.reset()
            if error is not None and error != self._error:
                self._error = error
                changed = True
            if total is not None:
                self._total = total
            if bytes_done is not None:
                self._bytes = bytes_done
                self.meter.add(bytes_done, now)
            if not changed and now - self._last_emit < self._min_gap:
                return
            self._last_emit = now
            event = self._snapshot(now)
        self._send(event)

    def _snapshot(self, now: float) -> Progress:
        uploading = self._state == "uploading"
        speed = self.meter.speed(now) if uploading else 0.0
        eta = self.meter.eta(self._total - self._bytes, now) if uploading else None
        return Progress(key=self.key, state=self._state, bytes_done=self._bytes,
                        total=self._total, speed=speed, eta=eta, error=self._error)

    def _send(self, event: Progress) -> None:
        if self._cb is None:
            return
        try:
            self._cb(event)
        except Exception:  # a broken subscriber must not break an upload
            log.exception("progress subscriber failed")
