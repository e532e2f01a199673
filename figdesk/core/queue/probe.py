"""Backoff for probing Figshare while it cannot be reached, and for retrying a job."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Exponential delays ``initial, 2*initial, ...`` capped at ``cap``, with +-20 % jitter so
    many clients coming back online do not knock at the same second."""

    initial: float = 1.0
    cap: float = 30.0
    jitter: float = 0.2
    attempt: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def next(self) -> float:
        base = min(self.cap, self.initial * (2.0 ** self.attempt))
        self.attempt += 1
        spread = base * self.jitter
        return max(0.0, min(self.cap, base + self._rng.uniform(-spread, spread)))

    def reset(self) -> None:
        self.attempt = 0


def retry_delay(attempt: int, base: float, cap: float, hint: float | None = None) -> float:
    """Delay before a job's next try after ``attempt`` transient failures; a server's
    Retry-After (``hint``) wins when it asks for longer."""
    delay = min(cap, base * (2.0 ** max(0, attempt - 1)))
    return max(delay, min(hint, cap * 4)) if hint else delay
