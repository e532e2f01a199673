"""Counters of the requests a client made, for API-economy tests and benchmarks."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields


@dataclass
class RequestStats:
    """How many requests went where. Thread-safe to update; read ``snapshot()`` for a copy.

    ``api_calls``: requests to the API host (each paced). ``upload_calls``: requests to the
    upload service. ``other_calls``: redirect targets and other hosts (download storage).
    ``retries``: repeated attempts (included in the counts above). ``pacer_wait``: seconds
    spent waiting for the pacer.
    """

    api_calls: int = 0
    upload_calls: int = 0
    other_calls: int = 0
    retries: int = 0
    pacer_wait: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, service: str) -> None:
        with self._lock:
            if service == "api":
                self.api_calls += 1
            elif service == "upload":
                self.upload_calls += 1
            else:
                self.other_calls += 1

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def add_wait(self, seconds: float) -> None:
        with self._lock:
            self.pacer_wait += seconds

    @property
    def total(self) -> int:
        return self.api_calls + self.upload_calls + self.other_calls

    def snapshot(self) -> RequestStats:
        """A frozen-in-time copy (safe to compare before/after an operation)."""
        with self._lock:
            return RequestStats(**{f.name: getattr(self, f.name) for f in fields(self)
                                   if f.name != "_lock"})

    def reset(self) -> None:
        with self._lock:
            self.api_calls = self.upload_calls = self.other_calls = self.retries = 0
            self.pacer_wait = 0.0
