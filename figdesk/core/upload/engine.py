"""``UploadEngine``: uploads files to Figshare items (network), resumable, verified.

One engine per client. It owns what all uploads share: the bandwidth limiter (changeable
while running) and the AIMD cap on part PUTs in flight. ``upload()`` runs one file to an end
state and is safe to call from several threads at once; ``upload_many()`` does that for a
list with ``files_in_flight`` files at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from figdesk.core.errors import FigdeskError
from figdesk.core.upload.concurrency import AdaptiveLimit
from figdesk.core.upload.control import Control
from figdesk.core.upload.hashing import Md5Cache
from figdesk.core.upload.job import Checkpoint, FileJob
from figdesk.core.upload.options import UploadOptions
from figdesk.core.upload.progress import ProgressCallback, ProgressReporter
from figdesk.core.upload.ratelimit import RateLimiter
from figdesk.core.upload.state import FileUpload, UploadState


class UploadEngine:
    """Runs uploads with one ``FigshareClient`` (or anything with the same upload methods).

    End states of ``upload()``: ``done`` (available, md5 verified), ``processing`` (Figshare
    still working after ``poll_timeout``: run it again later to check), ``failed`` (reason in
    ``fu.error``), ``cancelled``, ``paused`` (``Control.stop()``; run it again to resume).
    ``OfflineError``, ``ServerError``, ``RateLimitedError`` (Figshare unreachable or unwell
    after the retries) and ``AuthError`` are raised after a checkpoint with state ``queued``,
    so the caller can wait for the network or a new token and run the same fu again.
    """

    def __init__(self, client: Any, options: UploadOptions | None = None,
                 md5_cache: Md5Cache | None = None) -> None:
        self.client = client
        self.options = options or UploadOptions()
        # None: the persistent cache in the user cache dir (a re-run never hashes again)
        self.md5_cache = md5_cache if md5_cache is not None else Md5Cache()
        self.limiter = RateLimiter(self.options.limit_rate)
        self._seen_rate: float | None = None
        self._rate_lock = threading.Lock()
        self.slots = AdaptiveLimit(self.options.max_connections, self.options.max_connections,
                                   quiet=self.options.aimd_quiet)

    def server_hash_rate(self, local_md5_rate: float | None = None) -> float:
        """Bytes/s Figshare processes a completed file at: measured on earlier big files of
        this engine (a lower bound: it includes poll overshoot), else the option's guess,
        lowered to our own md5 speed when that is slower (a busy or slow machine: Figshare
        has to md5 the whole file too, and a poll before it can have is a wasted request)."""
        if self._seen_rate:
            return self._seen_rate
        guess = self.options.server_hash_rate
        return min(guess, local_md5_rate) if local_md5_rate else guess

    def observe_processing(self, size: int, seconds: float) -> None:
        # small files say more about latency than about rate
        if size >= 64 << 20 and seconds > 0:
            with self._rate_lock:
                rate = size / seconds
                self._seen_rate = rate if self._seen_rate is None else (
                    0.5 * self._seen_rate + 0.5 * rate)

    def set_limit_rate(self, bps: float | None) -> None:
        """Cap all uploads of this engine together at ``bps`` bytes/s (None: no cap)."""
        self.limiter.set_rate(bps)

    def upload(self, fu: FileUpload, *, checkpoint: Checkpoint | None = None,
               progress: ProgressCallback | None = None,
               control: Control | None = None) -> FileUpload:
        """Run ``fu`` to an end state (see the class docstring) and return it (same object)."""
        control = control or Control()
        control.add_rate_listener(self.set_limit_rate)
        if control.limit_rate is not None:
            self.set_limit_rate(control.limit_rate)
        reporter = ProgressReporter(fu.key, progress)
        reporter.update(state=str(fu.state), bytes_done=fu.bytes_done, total=max(0, fu.size))
        try:
            return FileJob(self, fu, checkpoint, reporter, control).run()
        finally:
            control.remove_rate_listener(self.set_limit_rate)

    def upload_many(self, uploads: Sequence[FileUpload], *,
                    checkpoint: Checkpoint | None = None,
                    progress: ProgressCallback | None = None,
                    control: Control | None = None,
                    on_error: Callable[[FileUpload, FigdeskError], None] | None = None,
                    ) -> list[FileUpload]:
        """Upload several files, ``options.files_in_flight`` at a time. An ``OfflineError`` or
        ``AuthError`` of one file goes to ``on_error`` (or is re-raised at the end) and leaves
        the file ``queued``; the others carry on."""
        control = control or Control()
        errors: list[FigdeskError] = []
        lock = threading.Lock()

        def one(fu: FileUpload) -> FileUpload:
            if control.cancelled or control.stopped:
                return fu
            try:
                return self.upload(fu, checkpoint=checkpoint, progress=progress,
                                   control=control)
            except FigdeskError as exc:
                if on_error is not None:
                    on_error(fu, exc)
                else:
                    with lock:
                        errors.append(exc)
                return fu

        with ThreadPoolExecutor(max(1, self.options.files_in_flight),
                                thread_name_prefix="figdesk-file") as pool:
            results = list(pool.map(one, uploads))
        if errors:
            raise errors[0]
        return results

    @staticmethod
    def is_finished(fu: FileUpload) -> bool:
        return UploadState(fu.state).finished
