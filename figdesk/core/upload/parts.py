"""Sending the parts of one file to the upload service (network), several at once.

Each part is a ``SliceBody`` of exactly its bytes. Retries are ours, not the client's (an
iterable body is never replayed by the client): exponential backoff with full jitter,
``Retry-After`` honoured, AIMD concurrency told of every 429/5xx, and a 409 or a lost answer
resolved by asking the service for that part's status (it may be COMPLETE already).
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from figdesk.core.errors import (
    CancelledError,
    ConflictError,
    FigdeskError,
    FileChangedError,
    NotFoundError,
    OfflineError,
    RateLimitedError,
    ServerError,
)
from figdesk.core.models import UploadPart
from figdesk.core.upload.concurrency import AdaptiveLimit
from figdesk.core.upload.control import Control, UploadInterrupted
from figdesk.core.upload.options import UploadOptions
from figdesk.core.upload.ratelimit import RateLimiter
from figdesk.core.upload.slices import SliceBody


class UploadGone(Exception):
    """The upload service no longer knows this upload (404 or ABORTED): start it again."""


@dataclass
class PartContext:
    """What the part senders of one file share."""

    client: Any                     # FigshareClient (duck-typed for tests)
    upload_url: str
    fd: int
    path: str
    options: UploadOptions
    control: Control
    limiter: RateLimiter
    slots: AdaptiveLimit
    on_part_done: Callable[[UploadPart], None]
    on_sent: Callable[[int], None] | None = None


def backoff(attempt: int, options: UploadOptions, retry_after: float | None = None) -> float:
    """Full-jitter exponential backoff; a server's Retry-After is a floor."""
    ceiling = min(options.backoff_cap, options.backoff_base * (2 ** max(0, attempt - 1)))
    wait = random.uniform(0, ceiling)
    return max(wait, retry_after or 0.0)


class PartSender:
    """Sends ``parts`` with up to ``options.parts_in_flight`` threads; ``run`` returns when all
    are COMPLETE or raises the first fatal error (the other threads stop at their next chunk)."""

    def __init__(self, ctx: PartContext, parts: list[UploadPart]) -> None:
        self.ctx = ctx
        self._todo: deque[UploadPart] = deque(parts)
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._abort = threading.Event()
        self._moved = threading.Condition(self._lock)
        self._finished = False

    def run(self, on_wait: Callable[[], None] | None = None) -> None:
        n = max(1, min(self.ctx.options.parts_in_flight, len(self._todo)))
        threads = [threading.Thread(target=self._worker, name=f"figdesk-part-{i}", daemon=True)
                   for i in range(n)]
        try:
            for t in threads:
                t.start()
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
                    if on_wait is not None:
                        on_wait()
        finally:
            self.finish()
        if self._error is not None:
            raise self._error

    def finish(self, *, failed: bool = False) -> None:
        """No more parts will be read: release anyone waiting on the frontier (with
        ``failed``, make them raise: the work they pace is no longer wanted)."""
        with self._moved:
            self._finished = True
            if failed:
                self._abort.set()
            self._moved.notify_all()

    def wait_frontier(self, offset: int, control: Control) -> None:
        """Block until the senders have taken every part starting before ``offset`` (so a
        reader staying behind that point finds the bytes in the page cache), or are done."""
        with self._moved:
            while (not self._finished and self._todo and self._todo[0].start < offset):
                control.check()
                self._moved.wait(0.25)
            if self._abort.is_set():
                raise UploadInterrupted("abort")

    def _next(self) -> UploadPart | None:
        with self._moved:
            if self._abort.is_set() or not self._todo:
                return None
            part = self._todo.popleft()
            self._moved.notify_all()
            return part

    def _worker(self) -> None:
        while (part := self._next()) is not None:
            try:
                self._send(part)
            except BaseException as exc:  # noqa: BLE001 - handed to run() in the caller
                with self._lock:
                    if self._error is None:
                        self._error = exc
                self._abort.set()
                return

    def _check(self) -> None:
        if self._abort.is_set():
            raise UploadInterrupted("abort")
        self.ctx.control.check()

    def _send(self, part: UploadPart) -> None:
        ctx, opts = self.ctx, self.ctx.options
        attempt = 0
        while True:
            self._check()
            if ctx.control.paused:
                ctx.control.wait_while_paused()
            body = SliceBody(ctx.fd, part.start, part.length, chunk=opts.chunk_size,
                             control=ctx.control, limiter=ctx.limiter, on_sent=ctx.on_sent,
                             pause_hold=opts.pause_hold, path=ctx.path)
            retry_after: float | None = None
            try:
                ctx.slots.acquire(ctx.control)
                try:
                    ctx.client.put_upload_part(ctx.upload_url, part.part_no, body, part.length,
                                               cancel=ctx.control.interrupt_event)
                finally:
                    ctx.slots.release()
                    self._unsent(body)
                ctx.slots.on_success()
                ctx.on_part_done(part)
                return
            except UploadInterrupted as exc:
                if exc.reason != "pause":
                    raise
                continue                      # paused too long: resend once resumed
            except (FileChangedError, UploadGone):
                raise
            except CancelledError:
                ctx.control.check()           # -> UploadInterrupted (cancel or stop)
                raise
            except NotFoundError as exc:
                raise UploadGone(str(exc)) from exc
            except ConflictError:
                # locked (a dropped connection of ours still held) or already done
                if self._part_complete(part):
                    ctx.on_part_done(part)
                    return
            except (RateLimitedError, ServerError) as exc:
                ctx.slots.on_overload()
                retry_after = exc.retry_after
            except OfflineError:
                # the answer may be lost after the body arrived whole: ask before resending
                if self._part_complete(part):
                    ctx.on_part_done(part)
                    return
            except FigdeskError:
                raise
            attempt += 1
            if attempt >= opts.part_retries:
                raise OfflineError(f"Part {part.part_no} of {ctx.path} could not be sent after "
                                   f"{attempt} attempts; it will be tried again later.")
            ctx.control.sleep(backoff(attempt, opts, retry_after))

    def _unsent(self, body: SliceBody) -> None:
        # bytes counted as sent but not confirmed go back out of the in-flight count
        if self.ctx.on_sent is not None and body.sent:
            self.ctx.on_sent(-body.sent)

    def _part_complete(self, part: UploadPart) -> bool:
        try:
            now = self.ctx.client.get_upload_part(self.ctx.upload_url, part.part_no,
                                                  cancel=self.ctx.control.interrupt_event)
        except NotFoundError as exc:
            raise UploadGone(str(exc)) from exc
        except (OfflineError, ServerError, RateLimitedError, ConflictError):
            return False
        return bool(now.complete)
