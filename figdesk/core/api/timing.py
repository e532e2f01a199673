"""Waiting that can be interrupted: the one place where the client sleeps."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from figdesk.core.errors import CancelledError


class Sleep(Protocol):
    """Wait ``seconds``; return True if ``cancel`` was set during (or before) the wait."""

    def __call__(self, seconds: float, cancel: threading.Event | None = None) -> bool: ...


def interruptible_sleep(seconds: float, cancel: threading.Event | None = None) -> bool:
    """Sleep for ``seconds`` unless ``cancel`` is set first (then return True at once)."""
    if cancel is not None:
        return cancel.wait(max(0.0, seconds))
    if seconds > 0:
        time.sleep(seconds)
    return False


def wait_or_cancel(sleep: Sleep, seconds: float, cancel: threading.Event | None,
                   what: str) -> None:
    """Wait with ``sleep``; raise ``CancelledError`` naming ``what`` if cancelled."""
    if cancel is not None and cancel.is_set():
        raise CancelledError(f"Cancelled: {what}.")
    if sleep(seconds, cancel) or (cancel is not None and cancel.is_set()):
        raise CancelledError(f"Cancelled: {what}.")
