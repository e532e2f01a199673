"""A client for tests against an in-process sandbox: short timeouts, near-instant retries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from figdesk.core.api import FigshareClient, RetryPolicy


@contextmanager
def fast_client(sb: Any) -> Iterator[FigshareClient]:
    """A client of ``sb``'s main account, with the sandbox's faults cleared first."""
    sb.faults.reset()
    with FigshareClient(sb.token, sb.api_url, timeout=(5.0, 30.0),
                        retry=RetryPolicy(base=0.01, cap=0.05)) as c:
        yield c
