"""The Figshare side of one file's upload (network: the API and the upload service).

initiate (a lost answer reconciled from the item's file list, never blindly repeated),
GET the file, GET its upload_url, complete (a lost 202 checked), poll until ``available``
with a computed_md5 equal to ours, integrity failures, and the orphan sweep. A mixin of
``FileJob``, which supplies the state and the bookkeeping.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from figdesk.core.errors import (
    NotFoundError,
    OfflineError,
    RateLimitedError,
    ServerError,
)
from figdesk.core.models import FileInfo
from figdesk.core.upload.control import Control
from figdesk.core.upload.hashing import FileIdentity
from figdesk.core.upload.options import UploadOptions
from figdesk.core.upload.parts import backoff
from figdesk.core.upload.state import FileUpload, UploadState

if TYPE_CHECKING:
    from figdesk.core.upload.engine import UploadEngine

log = logging.getLogger(__name__)


#: An early probe is worth its one request when the first poll by estimate is further off
#: than this (seconds): a service that hashes parts as they arrive is done at once.
EARLY_PROBE_AFTER = 1.0


def poll_offsets(estimate: float, opts: UploadOptions, *, probe: bool = True) -> Iterator[float]:
    """When to poll a completed file, in seconds after complete.

    Figshare md5s the file before it is ``available``; ``estimate`` is how long that should
    take. Polls go at 0.6x and 1x of it, then at gaps doubling from 0.4x up to ``poll_max``:
    one or two polls in the usual case (NOTES: about one API request a second) and little
    overshoot. When the first of those is far off, one probe (if ``probe``) goes right after
    complete: a service that hashes the parts as they arrive answers at once (nothing
    documents when Figshare hashes), and a miss costs one request.
    """
    first = 0.6 * estimate
    if probe and first > EARLY_PROBE_AFTER:
        yield opts.poll_initial
    at, gap = first, max(opts.poll_initial, 0.4 * estimate)
    while True:
        yield at
        at += gap
        gap = max(opts.poll_initial, min(opts.poll_max, 2 * gap))


class _Restart(Exception):
    """Start this file again from initiate (the reason is logged and kept in ``fu.error``)."""


class RemoteSteps(ABC):
    """The API steps of one file; ``FileJob`` provides the attributes and helpers below."""

    engine: UploadEngine
    client: Any
    opts: UploadOptions
    fu: FileUpload
    control: Control
    local_md5_rate: float | None
    completed_at: float | None = None    # monotonic time our complete was accepted

    @abstractmethod
    def set_state(self, state: UploadState, error: str | None = None) -> None:
        """Record a new state, checkpoint it and tell the progress subscriber."""

    @abstractmethod
    def save(self) -> None:
        """Checkpoint ``fu``."""

    @abstractmethod
    def _delete_remote_quietly(self) -> None:
        """Delete the unfinished file record, if any (errors logged, not raised)."""

    @abstractmethod
    def _hash_now(self, ident: FileIdentity) -> None:
        """md5 the local file now (state ``hashing``) and cache it."""

    def _initiate(self) -> None:
        """POST initiate; a lost answer is reconciled from the item's file list, not repeated
        blindly (that would leave a second, orphaned file record)."""
        fu = self.fu
        md5 = fu.md5 or None
        attempt = 0
        while True:
            try:
                fu.file_id = self.client.initiate_upload(fu.article_id, fu.name, fu.size, md5,
                                                         fu.folder_path)
                break
            except RateLimitedError as exc:     # refused before anything was created
                retry_after = exc.retry_after
            except (OfflineError, ServerError) as exc:
                # A 5xx answer ends the request: a record it made is there now. No answer at
                # all (timeout, dropped connection) may mean the request is still running on
                # the server: look again once it must have settled, and remember the loss so a
                # record made even later is swept when the file is done.
                still_running = isinstance(exc, OfflineError)
                if still_running:
                    fu.lost_initiates += 1
                    fu.lost_initiate_at = time.time()
                    self.save()
                found = self._find_initiated(md5)
                if found is None and still_running:
                    self.control.sleep(self.opts.initiate_settle)
                    found = self._find_initiated(md5)
                if found is not None:
                    fu.file_id = found
                    break
                retry_after = getattr(exc, "retry_after", None)
                if attempt + 1 >= self.opts.part_retries:
                    raise
            attempt += 1
            self.control.sleep(backoff(attempt, self.opts, retry_after))
        fu.md5_sent = md5 is not None
        fu.upload_url = ""
        fu.parts_done = []
        fu.bytes_done = 0
        self.set_state(UploadState.UPLOADING)

    def _find_initiated(self, md5: str | None) -> int | None:
        try:
            files: list[FileInfo] = self.client.list_files(self.fu.article_id)
            cands = [f for f in files if f.name == self.fu.name and f.size == self.fu.size
                     and f.status == "created" and f.supplied_md5 == (md5 or "")]
            cands = self._in_my_folder(cands)
        except (OfflineError, ServerError, RateLimitedError):
            return None
        return max((f.id for f in cands), default=None)

    def _in_my_folder(self, files: list[FileInfo]) -> list[FileInfo]:
        """Those of ``files`` in this upload's folder. Figshare's file objects carry no
        folder; the item's ``folder_structure`` does (one more request, only on this rare
        path). Without it, a record of the same file uploaded into another folder at the same
        time could be taken for ours, and that folder would end up without its file."""
        if not files:
            return files
        folders = self.client.get_my_article(self.fu.article_id).folder_structure or {}
        mine = (self.fu.folder_path or "").strip("/")
        return [f for f in files if str(folders.get(str(f.id)) or "").strip("/") == mine]

    def _get_file(self) -> FileInfo:
        assert self.fu.file_id is not None
        try:
            info: FileInfo = self.client.get_file(self.fu.article_id, self.fu.file_id)
        except NotFoundError as exc:
            self.fu.forget_remote()
            raise _Restart("the file record is gone from the item") from exc
        return info

    def _upload_info(self) -> Any:
        try:
            info = self.client.get_upload_info(self.fu.upload_url,
                                               cancel=self.control.interrupt_event)
        except NotFoundError:
            info = None
        if info is None or info.status == "ABORTED":
            self._delete_remote_quietly()
            self.fu.forget_remote()
            raise _Restart("Figshare's upload service no longer knows this upload")
        return info

    def _complete(self) -> None:
        fu = self.fu
        assert fu.file_id is not None
        attempt = 0
        while True:
            try:
                self.client.complete_upload(fu.article_id, fu.file_id)
                self.completed_at = time.monotonic()
                return
            except (OfflineError, ServerError, RateLimitedError) as exc:
                # the 202 may be lost: a file that left "created" was completed
                try:
                    if self.client.get_file(fu.article_id, fu.file_id).status != "created":
                        return
                except (OfflineError, ServerError, RateLimitedError):
                    pass
                attempt += 1
                if attempt >= self.opts.part_retries:
                    raise
                self.control.sleep(backoff(attempt, self.opts, getattr(exc, "retry_after", None)))

    def _poll(self, *, probe: bool = True) -> None:
        """Wait for ``available`` and a computed_md5 equal to ours (see ``poll_offsets``)."""
        fu = self.fu
        assert fu.file_id is not None
        rate = self.engine.server_hash_rate(self.local_md5_rate)
        estimate = max(0, fu.size) / rate if rate > 0 else 0.0
        # Figshare started when we completed (maybe a while ago: our md5 may have finished
        # after that); count from then.
        started = self.completed_at if self.completed_at is not None else time.monotonic()
        deadline = time.monotonic() + self.opts.poll_timeout
        polls = 0
        for offset in poll_offsets(estimate, self.opts, probe=probe):
            self.control.sleep(max(self.opts.poll_initial, started + offset - time.monotonic()))
            polls += 1
            info = self._get_file()
            log.debug("poll %d of file %s: %s after %.2f s (estimate %.2f s)", polls, fu.file_id,
                      info.status, time.monotonic() - started, estimate)
            if info.status == "ic_failure" or (info.status == "available" and fu.md5
                                               and info.computed_md5
                                               and info.computed_md5 != fu.md5):
                self._integrity_failure(info)
                return
            if info.status == "available" and info.computed_md5:
                if not fu.md5:     # resumed "processing" with no local md5 known: hash now
                    self._hash_now(FileIdentity.of(fu.path))
                    continue
                self.engine.observe_processing(fu.size, time.monotonic() - started)
                self._done()
                return
            if time.monotonic() >= deadline:
                self.set_state(UploadState.PROCESSING,
                               "Processing on Figshare; it will be checked again later")
                return

    def _integrity_failure(self, info: FileInfo) -> None:
        fu = self.fu
        fu.ic_failures += 1
        reason = (f"Figshare's check of the uploaded bytes failed (its md5 "
                  f"{info.computed_md5 or 'unknown'}, ours {fu.md5 or 'unknown'})")
        self._delete_remote_quietly()
        fu.forget_remote()
        if fu.ic_failures > self.opts.max_ic_failures:
            self.set_state(UploadState.FAILED,
                           f"{reason}, {fu.ic_failures} times: the file may be unreadable "
                           f"or the connection corrupts data")
            return
        self.set_state(UploadState.QUEUED, reason + "; uploading it again")
        raise _Restart(reason)

    def _sweep_orphans(self) -> None:
        """After a lost initiate answer, a record the server made late is an orphan of ours
        (same name, size, supplied md5, never uploaded): delete it. Only runs then."""
        fu = self.fu
        sent = fu.md5 if fu.md5_sent else ""
        # a request lost less than initiate_settle ago may not have made its record yet
        self.control.sleep(fu.lost_initiate_at + self.opts.initiate_settle - time.time())
        try:
            files: list[FileInfo] = self.client.list_files(fu.article_id)
            orphans = self._in_my_folder([
                f for f in files if f.id != fu.file_id and f.name == fu.name
                and f.size == fu.size and f.status == "created" and f.supplied_md5 in (sent, "")])
            for f in orphans:
                log.info("deleting orphan file record %s of %s", f.id, fu.path)
                self.client.delete_file(fu.article_id, f.id)
        except NotFoundError:
            pass
        fu.lost_initiates = 0

    def _done(self) -> None:
        fu = self.fu
        if fu.lost_initiates:
            self._sweep_orphans()
        if fu.replace_file_id is not None and fu.replace_file_id != fu.file_id:
            try:
                self.client.delete_file(fu.article_id, fu.replace_file_id)
            except NotFoundError:
                pass
            fu.replace_file_id = None
        fu.bytes_done = fu.size
        self.set_state(UploadState.DONE, "")
