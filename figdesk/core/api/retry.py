"""When and how long to wait before repeating a request that is safe to repeat.

Only requests whose repetition cannot do anything twice are retried: GET, DELETE, and the
upload service's part PUT and part GET (a part PUT overwrites the same byte range). A POST that
creates something is never repeated automatically, because a lost answer does not mean nothing
was created; the caller reconciles (e.g. lists the item's files) instead.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from figdesk.core.api.timing import Sleep, interruptible_sleep

#: Statuses worth another try on a safe request: throttled, or trouble on Figshare's side.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Statuses whose ``Retry-After`` header is honoured.
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, honouring ``Retry-After``.

    ``max_attempts`` counts the first try. The n-th wait is uniform in
    ``[0, min(cap, base * 2**(n-1))]``. A ``Retry-After`` longer than ``max_retry_after`` is not
    waited out inside a call: the error is raised so the queue can schedule the work later.
    ``sleep`` (interruptible by a cancel Event) and ``random`` are injectable for tests.
    """

    max_attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0
    sleep: Sleep = field(default=interruptible_sleep, compare=False)
    random: Callable[[], float] = field(default=random.random, compare=False)

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt only."""
        return cls(max_attempts=1)

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed attempt (1-based)."""
        ceiling = min(self.cap, self.base * (2.0 ** max(0, failures - 1)))
        return max(0.0, float(self.random()) * ceiling)

    def delay(self, failures: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None when it should not be retried
        here (attempts used up, or the server asked for a longer pause than we wait out)."""
        if failures >= self.max_attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(failures)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent
    or unreadable. A date in the past gives 0."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
