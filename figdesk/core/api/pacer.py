"""A token bucket that paces requests to Figshare's API host.

Figshare asks clients for about one API request a second and may throttle or block those that
send more, so the client waits for a token before every call to the API host. A small burst
keeps interactive actions snappy (opening an item costs a few calls). Part PUTs go to the upload
host and are not paced here: their concurrency is bounded by the upload engine instead. A
sandbox on loopback is not Figshare, so pacing is off there (tests and benchmarks run at speed).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from figdesk.core.api.timing import Sleep, interruptible_sleep, wait_or_cancel

#: Figshare's own guidance: about one request per second sustained.
FIGSHARE_RATE = 1.0
FIGSHARE_BURST = 5


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1 (with or without brackets)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Pacer:
    """Token bucket: ``rate`` tokens a second, at most ``burst`` saved up.

    ``rate=None`` (or <= 0) turns pacing off. ``clock`` and ``sleep`` are injectable so tests
    can drive time by hand. Thread-safe: a caller reserves its token under the lock and then
    waits outside it, so concurrent callers queue up in order instead of racing.
    """

    def __init__(self, rate: float | None = FIGSHARE_RATE, burst: int = FIGSHARE_BURST, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Sleep = interruptible_sleep) -> None:
        self.rate = rate if rate is not None and rate > 0 else None
        self.burst = max(1, int(burst))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._last = clock()
        self.waited_total = 0.0     # seconds spent waiting, for benchmarks

    @classmethod
    def off(cls) -> Pacer:
        """A pacer that never waits."""
        return cls(rate=None)

    @classmethod
    def for_url(cls, api_url: str, *, rate: float = FIGSHARE_RATE,
                burst: int = FIGSHARE_BURST) -> Pacer:
        """Figshare's pace for any real host; off for a sandbox on loopback."""
        if is_loopback_host(urlsplit(api_url).hostname):
            return cls.off()
        return cls(rate=rate, burst=burst)

    @property
    def enabled(self) -> bool:
        return self.rate is not None

    def _reserve(self) -> float:
        """Take one token (possibly going into debt); return how long to wait for it."""
        assert self.rate is not None
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._last)
            self._last = now
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def _refund(self) -> None:
        with self._lock:
            self._tokens = min(float(self.burst), self._tokens + 1.0)

    def acquire(self, cancel: threading.Event | None = None) -> float:
        """Wait until a request may go out; return the seconds waited.

        Raises ``CancelledError`` (and gives the token back) if ``cancel`` is set while waiting.
        """
        if self.rate is None:
            return 0.0
        wait = self._reserve()
        if wait > 0:
            try:
                wait_or_cancel(self._sleep, wait, cancel, "waiting to contact Figshare")
            except BaseException:
                self._refund()
                raise
            with self._lock:
                self.waited_total += wait
        return wait
