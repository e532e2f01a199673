"""A body for one part PUT: exactly ``length`` bytes from ``offset`` of a file, streamed.

``SliceBody`` is iterable and has a ``__len__`` but no ``read``: ``requests`` then sends an
exact ``Content-Length`` (never chunked) and urllib3 writes our chunks as they come.
Iterated, it yields ``bytes``; the client's ``put_upload_part`` asks ``file_ranges()``
instead, for ``FileRange`` chunks (fd, offset, length) that its connections send with
``sendfile`` on plain sockets and through one reused buffer on TLS
(``figdesk.core.api.zerocopy``), so no chunk is copied into a fresh ``bytes``. Either way,
between chunks it honours the job's ``Control`` (cancel and stop raise, pause holds), the
global bandwidth limiter, and reports the bytes handed to the socket. A file that got
shorter raises instead of sending a short body (which would hang the upload service until
timeout).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from figdesk.core.api.zerocopy import FileRange
from figdesk.core.upload.control import Control, UploadInterrupted
from figdesk.core.upload.ratelimit import RateLimiter


class SliceBody:
    """``bytes`` chunks (or ``file_ranges()``) covering ``[offset, offset + length)`` of ``fd``.

    ``fd`` is shared between parts: reads and sendfile take explicit offsets and never seek,
    so parts never race.
    After an exception, ``error`` holds it (the HTTP stack may wrap what it re-raises).
    """

    def __init__(self, fd: int, offset: int, length: int, *, chunk: int = 1 << 20,
                 control: Control | None = None, limiter: RateLimiter | None = None,
                 on_sent: Callable[[int], None] | None = None, pause_hold: float = 20.0,
                 path: str = "") -> None:
        self.fd = fd
        self.offset = offset
        self.length = length
        self.chunk = max(1, chunk)
        self.control = control
        self.limiter = limiter
        self.on_sent = on_sent
        self.pause_hold = pause_hold
        self.path = path
        self.sent = 0
        self.error: BaseException | None = None

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.file_ranges():
            yield chunk.tobytes()

    def file_ranges(self) -> Iterator[FileRange]:
        """The same chunks as file ranges, for a connection that sends them from the file."""
        try:
            yield from self._chunks()
        except GeneratorExit:
            raise           # the consumer stopped (maybe on a chunk's own error): not a cause
        except BaseException as exc:
            self._record(exc)
            raise

    def _record(self, exc: BaseException) -> None:
        self.error = exc

    def _chunks(self) -> Iterator[FileRange]:
        # A retry iterates again from the start of the part.
        self.sent = 0
        pos = 0
        while pos < self.length:
            self._between_chunks()
            want = min(self.chunk, self.length - pos)
            if self.limiter is not None:
                want = self.limiter.take(want, self.control)
            # The connection checks the file still holds the range before sending it.
            chunk = FileRange(self.fd, self.offset + pos, want, path=self.path,
                              on_error=self._record,
                              interrupt=self.control.check if self.control else None)
            pos += want
            yield chunk
            self.sent = pos
            if self.on_sent is not None:
                self.on_sent(want)

    def _between_chunks(self) -> None:
        c = self.control
        if c is None:
            return
        c.check()
        if c.paused and not c.wait_while_paused(timeout=self.pause_hold):
            # paused too long to keep the connection open: drop this PUT, resend it later
            raise UploadInterrupted("pause")
