"""Misbehaviour on purpose: latency, bandwidth caps, errors, drops, stalls, aborts.

Every random choice comes from one ``random.Random(seed)``, so a single-threaded client sees
the same faults on every run.  Scripted faults (``fail_next``) come before random ones and
are what tests use to hit one precise request.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, fields, replace

KINDS = ("error", "rate_limit", "drop", "stall", "after_commit", "abort")


@dataclass(frozen=True)
class FaultSettings:
    """Fault knobs; rates are probabilities per request in [0, 1]."""

    latency_ms: float = 0.0  # added before every request is handled
    bandwidth: int = 0  # bytes/s per connection, bodies in and out; 0 = unlimited
    bandwidth_total: int = 0  # bytes/s over all connections; 0 = unlimited
    error_rate: float = 0.0  # API answers 5xx (before doing anything: nothing is created)
    upload_error_rate: float = 0.0  # upload service answers 5xx (empty body)
    error_status: int = 500
    rate_limit_rate: float = 0.0  # API answers 429 with Retry-After
    upload_rate_limit_rate: float = 0.0
    retry_after: int = 1
    drop_rate: float = 0.0  # part PUT: connection closed after half the body
    stall_rate: float = 0.0  # any service: hang stall_seconds before answering
    stall_seconds: float = 5.0
    fail_after_commit_rate: float = 0.0  # API write: done, then the answer is lost
    abort_rate: float = 0.0  # part PUT: the whole upload session becomes ABORTED
    ic_failure: bool = False  # every completed upload ends in ic_failure
    processing_step: float | None = None  # seconds per processing step (None: config's)


@dataclass(frozen=True)
class Decision:
    """What to do to one request."""

    kind: str
    status: int = 500
    retry_after: int = 1
    seconds: float = 0.0


@dataclass
class _Scripted:
    service: str
    kind: str
    count: int
    method: str | None
    path: re.Pattern[str] | None
    status: int
    seconds: float


class TokenBucket:
    """Byte pacing; the rate is passed on each call so run-time changes apply at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens = 0.0
        self._stamp = time.monotonic()

    def consume(self, n: int, rate: int) -> None:
        if rate <= 0:
            return
        burst = max(rate / 20.0, 16384.0)
        with self._lock:
            now = time.monotonic()
            self._tokens = min(burst, self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            self._tokens -= n
            debt = -self._tokens
        if debt > 0:
            time.sleep(debt / rate)


class Faults:
    """Thread-safe fault switchboard of a sandbox (``sb.faults``)."""

    def __init__(self, seed: int = 0, **settings: object) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._settings = FaultSettings()
        self._scripted: list[_Scripted] = []
        self._ic_failure_next = 0
        self.total_bucket = TokenBucket()
        if settings:
            self.set(**settings)

    # --- configuration -------------------------------------------------------------------
    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def set(self, **changes: object) -> None:
        """Change fault settings, e.g. ``faults.set(error_rate=0.1, latency_ms=50)``."""
        names = {f.name for f in fields(FaultSettings)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        for key in ("error_status",):
            if key in changes and not 500 <= int(changes[key]) <= 599:  # type: ignore[call-overload]
                raise ValueError("error_status must be a 5xx code")
        with self._lock:
            self._settings = replace(self._settings, **changes)  # type: ignore[arg-type]

    def reset(self) -> None:
        """No faults at all; the random sequence starts again from the seed."""
        with self._lock:
            self._settings = FaultSettings()
            self._scripted.clear()
            self._ic_failure_next = 0
            self._rng = random.Random(self._seed)

    def fail_next(
        self,
        service: str,
        kind: str = "error",
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        seconds: float = 5.0,
    ) -> None:
        """Script the next ``count`` matching requests of ``service`` to fail.

        ``kind``: error (5xx), rate_limit (429), drop (close mid-body / before answering),
        stall (hang ``seconds``), after_commit (do it, then lose the answer), abort (the
        upload session becomes ABORTED).  ``path`` is a regular expression searched in the
        path (with query); ``method`` an HTTP method.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        default = 429 if kind == "rate_limit" else 500
        with self._lock:
            self._scripted.append(
                _Scripted(
                    service,
                    kind,
                    count,
                    method.upper() if method else None,
                    re.compile(path) if path else None,
                    status or default,
                    seconds,
                )
            )

    def force_ic_failure(self, count: int = 1) -> None:
        """The next ``count`` completed uploads end in ic_failure whatever their bytes."""
        with self._lock:
            self._ic_failure_next += count

    # --- decisions (called by the services) ----------------------------------------------
    def take_ic_failure(self) -> bool:
        with self._lock:
            if self._settings.ic_failure:
                return True
            if self._ic_failure_next > 0:
                self._ic_failure_next -= 1
                return True
            return False

    def decide(self, service: str, method: str, path: str, *, part_put: bool) -> Decision | None:
        """The fault for one request, or None to serve it normally."""
        with self._lock:
            s = self._settings
            for item in self._scripted:
                if item.service != service or (item.method and item.method != method):
                    continue
                if item.path and not item.path.search(path):
                    continue
                item.count -= 1
                if item.count <= 0:
                    self._scripted.remove(item)
                return Decision(item.kind, item.status, s.retry_after, item.seconds)
            rng = self._rng
            if s.stall_rate and rng.random() < s.stall_rate:
                return Decision("stall", seconds=s.stall_seconds)
            limit = s.upload_rate_limit_rate if service == "upload" else s.rate_limit_rate
            if service in ("api", "upload") and limit and rng.random() < limit:
                return Decision("rate_limit", 429, s.retry_after)
            err = s.upload_error_rate if service == "upload" else s.error_rate
            if service in ("api", "upload") and err and rng.random() < err:
                return Decision("error", s.error_status, s.retry_after)
            writes = method in ("POST", "PUT", "PATCH", "DELETE")
            if (
                service == "api"
                and writes
                and s.fail_after_commit_rate
                and rng.random() < s.fail_after_commit_rate
            ):
                return Decision("after_commit")
            if part_put and s.drop_rate and rng.random() < s.drop_rate:
                return Decision("drop")
            if part_put and s.abort_rate and rng.random() < s.abort_rate:
                return Decision("abort")
            return None
