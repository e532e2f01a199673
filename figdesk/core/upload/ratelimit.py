"""A global bandwidth limiter (token bucket) whose rate can change while uploads run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from figdesk.core.upload.control import Control


class RateLimiter:
    """Shared by every part of every upload of one engine. ``rate`` None means unlimited.

    The bucket holds at most ``burst`` seconds of tokens so a pause in sending does not turn
    into a spike above the cap afterwards. ``take`` may grant less than asked (at most one
    bucket's worth) so a big request never waits for more tokens than the bucket can hold.
    """

    def __init__(self, rate: float | None = None, *, burst: float = 0.2,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._burst = burst
        self._rate: float | None = None
        self._tokens = 0.0
        self._stamp = clock()
        self.set_rate(rate)

    @property
    def rate(self) -> float | None:
        return self._rate

    def set_rate(self, rate: float | None) -> None:
        with self._lock:
            self._rate = float(rate) if rate and rate > 0 else None
            self._stamp = self._clock()
            self._tokens = 0.0

    def _capacity(self, rate: float) -> float:
        return max(rate * self._burst, 16384.0)

    def take(self, n: int, control: Control | None = None) -> int:
        """Wait until some bytes may be sent; returns how many (1..n). Wakes on cancel."""
        while True:
            with self._lock:
                rate = self._rate
                if rate is None:
                    return n
                now = self._clock()
                cap = self._capacity(rate)
                self._tokens = min(cap, self._tokens + (now - self._stamp) * rate)
                self._stamp = now
                want = min(n, int(cap))
                if self._tokens >= want - 0.5:   # half a byte of float error is enough
                    self._tokens -= want
                    return want
                wait = (want - self._tokens) / rate
            if control is not None:
                control.check()
            self._sleep(min(max(wait, 0.001), 0.1))
