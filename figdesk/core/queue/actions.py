"""What each kind of job does on Figshare, made safe to repeat after a crash.

Every step commits what it is about to do before doing it, so a job found half done after a
kill -9 (or an answer lost on the way back) is finished rather than done twice:

- create: the start time is stored before the POST; after an ambiguous failure, or when the
  job is found ``started`` on restart, the account's items are searched for one with the same
  title created after that time (and not already bound to another local key). A second POST
  waits ``create_settle`` seconds after the first, in case the first is still on its way.
- publish: the version before publishing is stored; a version above it means it went through.
- delete: once sent, a 404 on the next try means it is gone, which is what we wanted.
- upload: the engine's own checkpoints (``FileUpload``) make it resumable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from figdesk.core.errors import FigdeskError, NotFoundError, OfflineError, ServerError
from figdesk.core.models import Article, ArticleSummary, Created, FileInfo
from figdesk.core.queue.jobs import Job
from figdesk.core.queue.store import QueueStore

log = logging.getLogger(__name__)

#: Failures after which we cannot know whether Figshare acted on a non-idempotent request.
AMBIGUOUS = (OfflineError, ServerError)


def never_sent(exc: BaseException) -> bool:
    """True when the request surely never reached Figshare: the connection was refused, the
    name did not resolve, or connecting timed out (a read timeout or a dropped answer is
    ambiguous: the server may have acted)."""
    cause = exc.__cause__
    if cause is None:
        return False
    if type(cause).__name__ == "ConnectTimeout":
        return True
    text = str(cause)
    return any(s in text for s in ("NewConnectionError", "Failed to establish a new connection",
                                   "NameResolutionError", "Failed to resolve",
                                   "Connection refused"))


class CreateUnsettled(FigdeskError):
    """A create was sent without a clear answer and its item is not (yet) on the list: wait
    ``retry_after`` seconds before daring a second create."""

    title = "Waiting for Figshare"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueueClient(Protocol):
    """The part of ``FigshareClient`` the queue uses (a fake in unit tests)."""

    def get_account(self) -> Any: ...
    def create_article(self, metadata: Mapping[str, Any]) -> Created: ...
    def iter_my_article_pages(self, page_size: int = 1000) -> Iterator[list[ArticleSummary]]: ...
    def get_my_article(self, article_id: int) -> Article: ...
    def update_article(self, article_id: int, metadata: Mapping[str, Any], *,
                       replace: bool = False) -> tuple[str, ...]: ...
    def publish_article(self, article_id: int) -> str: ...
    def delete_article(self, article_id: int) -> None: ...
    def list_files(self, article_id: int) -> list[FileInfo]: ...
    def delete_file(self, article_id: int, file_id: int) -> None: ...


class JobActions:
    """Runs the non-upload jobs. ``save(payload)`` commits the job's payload."""

    def __init__(self, store: QueueStore, client_getter: Callable[[], QueueClient], *,
                 clock_skew: float = 120.0, create_settle: float = 30.0) -> None:
        self.store = store
        self._client = client_getter
        self.clock_skew = clock_skew
        self.create_settle = create_settle

    def _save(self, job: Job, payload: dict[str, Any]) -> None:
        self.store.update(job.id, payload=payload)

    # -- create -------------------------------------------------------------------------------

    def create_item(self, job: Job) -> int:
        """Create the item (once), bind its id to the job's local key and return it."""
        payload = dict(job.payload)
        done = payload.get("article_id")
        if isinstance(done, int) and done > 0:
            self.store.set_item_article(job.item_key, done)
            return done
        sent_at = payload.get("sent_at")
        if isinstance(sent_at, (int, float)):
            # An earlier try may have created it with the answer lost: look before sending.
            found = self.find_created(job.item_key, job.title, float(payload["started_at"]))
            if found is not None:
                return self._bind(job, payload, found)
            # A request stuck in the network may still arrive: give it time before a second.
            wait = self.create_settle - (time.time() - sent_at)
            if wait > 0:
                raise CreateUnsettled(
                    "Waiting to see whether the earlier attempt created the item.",
                    retry_after=wait)
        payload.setdefault("started_at", time.time())
        prior = payload.get("sent_at")
        payload["sent_at"] = time.time()
        self._save(job, payload)
        try:
            created = self._client().create_article(job.metadata)
        except AMBIGUOUS as exc:
            if never_sent(exc):
                # Refused or unresolvable: nothing reached Figshare, so no need to wait.
                if prior is None:
                    payload.pop("sent_at", None)
                else:
                    payload["sent_at"] = prior
                self._save(job, payload)
                raise
            try:
                found = self.find_created(job.item_key, job.title, float(payload["started_at"]))
            except AMBIGUOUS:
                found = None   # still unreachable: the next try looks again before sending
            if found is None:
                raise
            log.info("create of %r: answer lost, found item %s", job.title, found)
            return self._bind(job, payload, found)
        return self._bind(job, payload, created.id)

    def _bind(self, job: Job, payload: dict[str, Any], article_id: int) -> int:
        payload["article_id"] = article_id
        self._save(job, payload)
        self.store.set_item_article(job.item_key, article_id)
        return article_id

    def find_created(self, item_key: str, title: str, started_at: float) -> int | None:
        """The id of an own item titled ``title`` created since ``started_at`` (minus the
        tolerated clock skew) that no other local key has claimed; the earliest such."""
        since = datetime.fromtimestamp(started_at - self.clock_skew, tz=UTC)
        claimed = self.store.claimed_article_ids()
        mine = self.store.resolve(item_key)
        best: tuple[datetime, int] | None = None
        for page in self._client().iter_my_article_pages(page_size=1000):
            for art in page:
                if art.title != title or (art.id in claimed and art.id != mine):
                    continue
                created = art.created_date
                if created is not None and created < since:
                    continue
                stamp = created or datetime.max.replace(tzinfo=UTC)
                if best is None or (stamp, art.id) < best:
                    best = (stamp, art.id)
        return None if best is None else best[1]

    # -- update, publish, delete ---------------------------------------------------------------

    def update_item(self, job: Job, article_id: int) -> None:
        # PATCH (or PUT) of the same body is idempotent: repeating it after a crash is safe.
        self._client().update_article(article_id, job.metadata,
                                      replace=bool(job.payload.get("replace")))

    def publish(self, job: Job, article_id: int) -> str:
        payload = dict(job.payload)
        client = self._client()
        before = payload.get("version_before")
        if isinstance(before, int):
            art = client.get_my_article(article_id)
            if art.version > before:
                return art.url_public_html or ""
        else:
            before = client.get_my_article(article_id).version
            payload["version_before"] = before
            self._save(job, payload)
        try:
            return client.publish_article(article_id)
        except AMBIGUOUS:
            art = client.get_my_article(article_id)   # unreachable still: retried later
            if art.version > before:
                return art.url_public_html or ""
            raise

    def delete_item(self, job: Job, article_id: int) -> None:
        payload = dict(job.payload)
        sent_before = bool(payload.get("sent"))
        if not sent_before:
            payload["sent"] = True
            self._save(job, payload)
        try:
            self._client().delete_article(article_id)
        except NotFoundError:
            if not sent_before:
                raise
            # An earlier try went through and its 204 was lost.

    # -- files ---------------------------------------------------------------------------------

    def sweep_orphan_files(self, article_id: int, name: str, size: int, keep_file_id: int | None,
                           sent_md5: str) -> int:
        """Delete file records an unanswered initiate left behind: same name and size as
        ours, never uploaded to (``created``), not the one we kept. Returns how many."""
        client = self._client()
        gone = 0
        for f in client.list_files(article_id):
            if (f.id != keep_file_id and f.name == name and f.size == size
                    and f.status == "created" and f.supplied_md5 in (sent_md5, "")):
                log.info("deleting file record %s left by a lost initiate of %s", f.id, name)
                try:
                    client.delete_file(article_id, f.id)
                except NotFoundError:
                    pass
                gone += 1
        return gone
