"""One file through Figshare's upload protocol (network: API and upload service).

pre-flight identity -> md5 (cached, or hashed while the parts stream) -> initiate -> GET the
file -> GET its upload_url -> PUT the parts not COMPLETE -> complete -> poll until available
-> computed_md5 == local md5. Every state change is checkpointed before the next step, and
every step can be re-entered from a checkpoint (resume after a crash or a restart).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from figdesk.core.errors import (
    AuthError,
    CancelledError,
    FigdeskError,
    FileChangedError,
    LocalFileError,
    NotFoundError,
    OfflineError,
    RateLimitedError,
    ServerError,
)
from figdesk.core.models import UploadPart
from figdesk.core.upload.control import Control, UploadInterrupted
from figdesk.core.upload.hashing import FileIdentity, md5_file
from figdesk.core.upload.parts import PartContext, PartSender, UploadGone
from figdesk.core.upload.progress import ProgressReporter
from figdesk.core.upload.remote import RemoteSteps, _Restart
from figdesk.core.upload.state import FileUpload, UploadState

if TYPE_CHECKING:
    from figdesk.core.upload.engine import UploadEngine

log = logging.getLogger(__name__)

Checkpoint = Callable[[FileUpload], None]


class FileJob(RemoteSteps):
    """Runs one ``FileUpload`` to an end state. Not reused: one job per ``upload()`` call."""

    def __init__(self, engine: UploadEngine, fu: FileUpload, checkpoint: Checkpoint | None,
                 reporter: ProgressReporter, control: Control) -> None:
        self.engine = engine
        self.client: Any = engine.client
        self.opts = engine.options
        self.fu = fu
        self._checkpoint = checkpoint
        self.report = reporter
        self.control = control
        # one checkpoint at a time: part threads and the coordinator both save
        self._lock = threading.RLock()
        self._hash_result: str | None = None
        self.local_md5_rate: float | None = None
        self._hashed = 0                                  # bytes the concurrent hasher did
        self._hash_mark: tuple[float, int] | None = None  # (time, bytes) when sending ended
        self._hash_end = 0.0
        self._hash_error: BaseException | None = None

    # --- bookkeeping ------------------------------------------------------------------------

    def set_state(self, state: UploadState, error: str | None = None) -> None:
        self.fu.state = state
        if error is not None:
            self.fu.error = error
        self.save()
        self.report.update(state=str(state), bytes_done=self.fu.bytes_done, total=self.fu.size,
                           error=self.fu.error)

    def save(self) -> None:
        if self._checkpoint is not None:
            with self._lock:
                self._checkpoint(self.fu)

    # --- the whole run ----------------------------------------------------------------------

    def run(self) -> FileUpload:
        fu = self.fu
        if fu.state in (UploadState.DONE, UploadState.SKIPPED, UploadState.CANCELLED):
            return fu                         # nothing to send, nothing to ask
        restarts = 0
        while True:
            try:
                self._run_once()
                return fu
            except _Restart as exc:
                restarts += 1
                log.info("restarting %s: %s", fu.path, exc)
                if restarts > self.opts.max_restarts + self.opts.max_ic_failures + 1:
                    self.set_state(UploadState.FAILED, f"Gave up after {restarts} restarts: {exc}")
                    return fu
            except UploadInterrupted as exc:
                return self._interrupted(exc.reason)
            except CancelledError:
                # the client ended a wait because our Control asked it to
                if not (self.control.cancelled or self.control.stopped):
                    raise
                return self._interrupted("cancel" if self.control.cancelled else "stop")
            except (OfflineError, AuthError, ServerError, RateLimitedError) as exc:
                # transient for the queue: it waits and runs the same fu again; nothing is lost
                self.set_state(UploadState.QUEUED, exc.message)
                raise
            except LocalFileError as exc:
                self.set_state(UploadState.FAILED, exc.message)
                return fu
            except FigdeskError as exc:
                self.set_state(UploadState.FAILED, exc.message)
                return fu

    def _interrupted(self, reason: str) -> FileUpload:
        fu = self.fu
        if reason == "cancel":
            if fu.file_id is not None and fu.state != UploadState.DONE:
                self._delete_remote_quietly()
            fu.forget_remote()
            self.set_state(UploadState.CANCELLED, "Cancelled")
        else:
            self.set_state(UploadState.PAUSED, "")
        return fu

    def _delete_remote_quietly(self) -> None:
        if self.fu.file_id is None:
            return
        try:
            self.client.delete_file(self.fu.article_id, self.fu.file_id)
        except NotFoundError:
            pass
        except FigdeskError as exc:
            log.warning("could not delete unfinished file %s: %s", self.fu.file_id, exc)

    # --- one attempt ------------------------------------------------------------------------

    def _run_once(self) -> None:
        fu = self.fu
        self.control.check()
        if fu.state == UploadState.PROCESSING and fu.file_id is not None:
            self._poll()
            return
        ident = self._identity()
        if fu.md5 == "" and self.engine.md5_cache is not None:
            fu.md5 = self.engine.md5_cache.get(ident) or ""
        if not fu.md5 and self.opts.hash_mode == "before":
            self._hash_now(ident)
        if fu.file_id is None:
            self._initiate()
        if not fu.upload_url:
            info = self._get_file()
            if info.status and info.status != "created":
                self.set_state(UploadState.PROCESSING)
                self._poll()
                return
            fu.upload_url = info.upload_url
            self.save()
        upload = self._upload_info()
        hasher: threading.Thread | None = None
        if upload.status != "COMPLETED":
            hasher = self._send_parts(ident, [p for p in upload.parts if not p.complete])
            # every byte sent was read before this check: a change since the start means
            # a mix of versions may have gone up, so it must not be completed
            self._check_unchanged(ident)
            self.set_state(UploadState.COMPLETING)
            # Complete before the local md5 is finished (no md5 was sent): Figshare's own
            # processing then overlaps the end of our hashing. Ours is checked after.
            self._complete()
        # Our md5 still running when the last part went in means the machine hashes no
        # faster than the bytes arrive, and a service hashing them as they come lags the same
        # way: a probe right after complete would likely be a wasted request.
        probe = hasher is None or not hasher.is_alive()
        if hasher is not None:
            self._finish_hash(hasher)
        elif not fu.md5:
            self._hash_now(ident)
        self.set_state(UploadState.PROCESSING)
        self._poll(probe=probe)

    def _identity(self) -> FileIdentity:
        fu = self.fu
        ident = FileIdentity.of(fu.path)
        changed = (ident.size, ident.mtime_ns, ident.inode) != (fu.size, fu.mtime_ns, fu.inode)
        if changed and fu.size >= 0 and (fu.file_id is not None or fu.md5):
            log.info("%s changed since it was queued: starting it again", fu.path)
            self._delete_remote_quietly()
            fu.forget_remote()
            fu.md5 = ""
        if ident.size == 0:
            raise LocalFileError(f"{fu.path}: the file is empty (Figshare cannot store zero bytes)")
        fu.size, fu.mtime_ns, fu.inode = ident.size, ident.mtime_ns, ident.inode
        return ident

    def _hash_now(self, ident: FileIdentity) -> None:
        self.set_state(UploadState.HASHING)
        started = time.monotonic()
        digest = md5_file(self.fu.path, expect=ident, control=self.control)
        self._note_md5_rate(ident.size, time.monotonic() - started)
        self.fu.md5 = digest
        if self.engine.md5_cache is not None:
            self.engine.md5_cache.put(ident, digest)
        self.save()

    def _count_hashed(self, total: int) -> None:
        self._hashed = total

    def _note_md5_rate(self, size: int, seconds: float) -> None:
        # our own md5 speed here and now: a hint of what hashing the file costs Figshare
        if size >= 16 << 20 and seconds > 0:
            self.local_md5_rate = size / seconds

    # --- parts ------------------------------------------------------------------------------

    def _check_unchanged(self, ident: FileIdentity) -> None:
        try:
            now = FileIdentity.of(self.fu.path)
        except LocalFileError:
            now = None
        if now != ident:
            self._file_changed("the file changed while it was being uploaded")

    def _file_changed(self, why: str) -> None:
        fu = self.fu
        self._delete_remote_quietly()
        fu.forget_remote()
        fu.md5 = ""
        fu.size = -1
        fu.attempts += 1
        if fu.attempts > self.opts.max_restarts:
            raise FileChangedError(f"{fu.path}: {why}, {fu.attempts} times; giving up")
        fu.error = f"{why}; starting again"
        self.save()
        raise _Restart(why)

    def _send_parts(self, ident: FileIdentity,
                    parts: list[UploadPart]) -> threading.Thread | None:
        """Send ``parts``; returns the still running hasher thread when the md5 is unknown
        (``_finish_hash`` collects it)."""
        fu = self.fu
        done = set(fu.parts_done) - {p.part_no for p in parts}
        fu.parts_done = sorted(done)
        fu.bytes_done = fu.size - sum(p.length for p in parts)
        self.set_state(UploadState.UPLOADING)
        try:
            fd = os.open(fu.path, os.O_RDONLY)
        except OSError as exc:
            raise LocalFileError(f"{fu.path}: cannot read the file ({exc.strerror})") from exc
        ctx = PartContext(self.client, fu.upload_url, fd, fu.path, self.opts, self.control,
                          self.engine.limiter, self.engine.slots, self._part_done)
        sender = PartSender(ctx, parts)
        hasher = self._start_hasher(ident, sender) if not fu.md5 else None
        ok = False
        try:
            if os.fstat(fd).st_ino != ident.inode:
                self._file_changed("the file was replaced")
            try:
                sender.run(on_wait=self._watch_pause)
            except UploadGone as exc:
                self._delete_remote_quietly()
                fu.forget_remote()
                raise _Restart(f"the upload session ended on Figshare ({exc})") from exc
            except FileChangedError as exc:
                self._file_changed(exc.message)
            ok = True
            # from here on the hasher has the CPU mostly to itself: its speed over the rest
            # of the file is the better hint of what md5ing the file costs (see _poll)
            self._hash_mark = (time.monotonic(), self._hashed)
        finally:
            sender.finish(failed=not ok)
            os.close(fd)
            if not ok and hasher is not None:
                hasher.join()
        return hasher

    def _finish_hash(self, hasher: threading.Thread) -> None:
        """Wait for the concurrent md5; a file that changed under it starts again."""
        while hasher.is_alive():
            hasher.join(0.2)
            self.control.check()
        if isinstance(self._hash_error, FileChangedError):
            self._file_changed(self._hash_error.message)
        if self._hash_error is not None:
            raise self._hash_error
        if self._hash_mark is not None:
            t0, b0 = self._hash_mark
            self._note_md5_rate(self.fu.size - b0, self._hash_end - t0)
        self.fu.md5 = self._hash_result or ""
        self.save()

    def _part_done(self, part: UploadPart) -> None:
        with self._lock:
            if part.part_no not in self.fu.parts_done:
                self.fu.parts_done.append(part.part_no)
                self.fu.bytes_done += part.length
            self.save()
            done = self.fu.bytes_done
        self.report.update(bytes_done=done)

    def _watch_pause(self) -> None:
        """Called by the coordinator every 0.2 s while parts go: checkpoint pause/resume."""
        paused = self.control.paused
        if paused and self.fu.state == UploadState.UPLOADING:
            self.set_state(UploadState.PAUSED)
        elif not paused and self.fu.state == UploadState.PAUSED:
            self.set_state(UploadState.UPLOADING)

    def _start_hasher(self, ident: FileIdentity, sender: PartSender) -> threading.Thread:
        """Hash in order while the parts stream: one sequential reader kept at most
        ``hash_lead`` bytes ahead of the senders (and free to run behind them), so each byte
        comes from disk once and from the page cache the second time, even for a file much
        larger than memory."""
        lead = self.opts.hash_lead
        waited = [0.0]

        def gate(end: int) -> None:
            t = time.monotonic()
            sender.wait_frontier(end - lead, self.control)
            waited[0] += time.monotonic() - t

        def work() -> None:
            try:
                started = time.monotonic()
                digest = md5_file(self.fu.path, expect=ident, control=self.control, gate=gate,
                                  on_bytes=self._count_hashed)
                self._hash_end = time.monotonic()
                self._note_md5_rate(ident.size, time.monotonic() - started - waited[0])
                if self.engine.md5_cache is not None:
                    self.engine.md5_cache.put(ident, digest)
                self._hash_result = digest
            except BaseException as exc:  # noqa: BLE001 - re-raised by the coordinator
                self._hash_error = exc

        t = threading.Thread(target=work, name="figdesk-md5", daemon=True)
        t.start()
        return t
