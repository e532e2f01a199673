"""The signed-in session as the GUI sees it: one client, its account, and a way to call it.

``Session.call`` is the only door from the GUI to the network: it runs a blocking client call
on a small thread pool through ``loop.run_in_executor`` and hands the result back on the GUI
thread. An ``AuthError`` from any call is announced once through ``auth_failed`` (the window
asks to sign in again) and re-raised so the caller keeps whatever the user was doing.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

from figdesk.core.credentials import Profile
from figdesk.core.errors import AuthError
from figdesk.core.models import Account

T = TypeVar("T")


class Session(QObject):
    """A profile, its client and account. ``busy`` counts calls in flight (for a spinner)."""

    auth_failed = Signal(str)
    busy_changed = Signal(int)

    def __init__(self, profile: Profile, client: Any, account: Account,
                 executor: ThreadPoolExecutor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.client = client
        self.account = account
        self._executor = executor
        self._busy = 0
        self._auth_lost = False
        self.closed = False

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def auth_lost(self) -> bool:
        return self._auth_lost

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` off the GUI thread and return its result."""
        loop = asyncio.get_running_loop()
        self._set_busy(+1)
        try:
            return await loop.run_in_executor(self._executor,
                                              functools.partial(fn, *args, **kwargs))
        except AuthError as exc:
            if not self._auth_lost and not self.closed:
                self._auth_lost = True
                self.auth_failed.emit(exc.message)
            raise
        finally:
            self._set_busy(-1)

    def replace_client(self, client: Any, account: Account) -> None:
        """After signing in again with a new token: same profile, new client."""
        old = self.client
        self.client = client
        self.account = account
        self._auth_lost = False
        if old is not client:
            _close_quietly(old)

    def close(self) -> None:
        self.closed = True
        _close_quietly(self.client)

    def _set_busy(self, delta: int) -> None:
        self._busy += delta
        # A call still pending when the app quits finishes after Qt is gone: nobody to tell.
        if shiboken6.isValid(self):
            self.busy_changed.emit(self._busy)


def _close_quietly(client: Any) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        close()
