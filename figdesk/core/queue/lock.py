"""One runner per queue: an OS file lock next to the database.

The OS drops the lock when the process dies (even by kill -9), so a crash never leaves a
stale lock behind, unlike a pid file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Self

from figdesk.core.errors import FigdeskError


class QueueBusyError(FigdeskError):
    """Another figdesk (the app or a command) is already running this queue."""

    title = "The queue is already running"


class RunnerLock:
    """An exclusive, non-blocking lock on ``path``; ``acquire()`` raises QueueBusyError."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fh: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self) -> None:
        if self._fh is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            _lock(fh)
        except OSError:
            fh.close()
            raise QueueBusyError(
                "Another figdesk is already running the upload queue; it will do these jobs."
            ) from None
        # Who holds it, for a human looking at the file; the lock itself is what counts.
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            try:
                _unlock(fh)
            finally:
                fh.close()

    def is_locked_elsewhere(self) -> bool:
        """True when another process holds the lock right now."""
        if self._fh is not None:
            return False
        try:
            self.acquire()
        except QueueBusyError:
            return True
        self.release()
        return False

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only
    import msvcrt

    def _lock(fh: IO[str]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(fh: IO[str]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fh: IO[str]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fh: IO[str]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
