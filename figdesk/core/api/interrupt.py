"""Requests that a cancel cuts off at once, even while they wait for the server's answer.

A request's body stops between chunks when its ``cancel`` Event is set, but the wait after
the last chunk is a blocking read: the kernel may still hold 3-4 MiB of the part in its send
buffer, and on a slow link the answer comes only once those are through (tens of seconds at
100 KB/s). While a request is in flight its socket is known here (our connections say so on
each ``send``), and one watcher thread shuts it down when the request's Event is set: the
read ends at once with an error that the transport turns into ``CancelledError``. A request
is forgotten as soon as it ends, so a pooled connection that later carries another request
is never touched.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

POLL = 0.05      # seconds between looks at the in-flight requests' Events (while there are any)

_local = threading.local()


class _InFlight:
    """One request being sent or answered: its cancel Event and, once sent, its socket."""

    __slots__ = ("aborted", "cancel", "lock", "sock")

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self.sock: Any = None
        self.aborted = False
        self.lock = threading.Lock()

    def abort(self) -> None:
        with self.lock:
            if self.aborted or self.sock is None:
                return
            self.aborted = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass        # already closed: the request has ended anyway


class _Watcher:
    """One daemon thread for the whole process, asleep while nothing is in flight."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._inflight: set[_InFlight] = set()
        self._thread: threading.Thread | None = None

    def add(self, entry: _InFlight) -> None:
        with self._cond:
            self._inflight.add(entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="figdesk-interrupt",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def discard(self, entry: _InFlight) -> None:
        with self._cond:
            self._inflight.discard(entry)
        # Taken so an abort under way finishes before the connection can go back to its pool.
        with entry.lock:
            entry.aborted = True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._inflight:
                    self._cond.wait()
                due = [e for e in self._inflight if e.cancel.is_set()]
            for entry in due:
                entry.abort()
            with self._cond:
                self._cond.wait(POLL)


_watcher = _Watcher()


@contextmanager
def interruptible(cancel: threading.Event | None) -> Iterator[None]:
    """Within this block, a request this thread sends is cut off when ``cancel`` is set."""
    if cancel is None:
        yield
        return
    entry = _InFlight(cancel)
    previous = getattr(_local, "current", None)
    _local.current = entry
    _watcher.add(entry)
    try:
        yield
    finally:
        _local.current = previous
        _watcher.discard(entry)


def note_socket(sock: Any) -> None:
    """Called by our connections as they send: the socket of this thread's request."""
    entry: _InFlight | None = getattr(_local, "current", None)
    if entry is not None and entry.sock is not sock:
        with entry.lock:
            if not entry.aborted:
                entry.sock = sock
        if entry.cancel.is_set():
            entry.abort()
