"""Run one job to an outcome: what happened, in words, and whether trying again may help.

All Figshare talk goes through ``JobActions`` (items) or the upload engine (files); this
module only maps their results and exceptions onto queue states.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from figdesk.core.errors import (
    AuthError,
    CancelledError,
    ConflictError,
    FigdeskError,
    OfflineError,
    RateLimitedError,
    ServerError,
)
from figdesk.core.queue.actions import CreateUnsettled, JobActions, QueueClient
from figdesk.core.queue.jobs import Job, JobKind, JobState
from figdesk.core.queue.store import QueueStore
from figdesk.core.upload import Control, FileUpload, Progress, UploadInterrupted, UploadOptions
from figdesk.core.upload.state import UploadState

#: Worth another try after a pause: Figshare was busy, broken for a moment, or a part locked.
TRANSIENT = (RateLimitedError, ServerError, ConflictError)


class Engine(Protocol):
    def upload(self, fu: FileUpload, *, checkpoint: Callable[[FileUpload], None],
               progress: Callable[[Progress], None] | None = None,
               control: Control | None = None) -> FileUpload: ...


EngineFactory = Callable[[QueueClient, UploadOptions], Engine]


@dataclass(frozen=True)
class JobOutcome:
    state: JobState
    error: str = ""
    error_kind: str = ""
    exception: FigdeskError | None = None
    transient: bool = False
    interrupted: bool = False     # stopped by a Control (pause, cancel, runner stop)
    delay: float | None = None    # queued again: not before this many seconds


def _from_error(exc: FigdeskError) -> JobOutcome:
    return JobOutcome(JobState.FAILED, str(exc) or exc.title, type(exc).__name__, exc,
                      transient=isinstance(exc, TRANSIENT))


def execute_job(job: Job, store: QueueStore, actions: JobActions,
                engine: Callable[[], Engine | None], control: Control,
                progress: Callable[[Progress], None]) -> JobOutcome:
    """Do ``job`` and say how it ended. Never raises for a ``FigdeskError``."""
    try:
        control.check()
        if job.kind is JobKind.CREATE_ITEM:
            actions.create_item(job)
            return JobOutcome(JobState.DONE)
        article_id = store.resolve(job.item_key)
        if article_id is None:
            return JobOutcome(JobState.FAILED, "The item for this job was never created.",
                              "MissingItem")
        if job.kind is JobKind.UPDATE_ITEM:
            actions.update_item(job, article_id)
        elif job.kind is JobKind.PUBLISH:
            actions.publish(job, article_id)
        elif job.kind is JobKind.DELETE_ITEM:
            actions.delete_item(job, article_id)
        else:
            return _upload(job, article_id, store, actions, engine, control, progress)
        return JobOutcome(JobState.DONE)
    except UploadInterrupted as exc:
        state = JobState.CANCELLED if exc.reason == "cancel" else JobState.QUEUED
        return JobOutcome(state, interrupted=True)
    except CancelledError:
        return JobOutcome(JobState.QUEUED, interrupted=True)
    except CreateUnsettled as exc:
        return JobOutcome(JobState.QUEUED, str(exc), type(exc).__name__, delay=exc.retry_after)
    except (AuthError, OfflineError) as exc:
        return JobOutcome(JobState.QUEUED, str(exc) or exc.title, type(exc).__name__, exc)
    except FigdeskError as exc:
        return _from_error(exc)


def _upload(job: Job, article_id: int, store: QueueStore, actions: JobActions,
            engine: Callable[[], Engine | None], control: Control,
            progress: Callable[[Progress], None]) -> JobOutcome:
    fu = FileUpload.from_json(job.upload)
    if fu.state is UploadState.DONE:
        return _after_done(job.id, store, actions, fu)
    if not fu.article_id:
        fu.article_id = article_id     # the item was created by an earlier job
    if fu.state in (UploadState.FAILED, UploadState.CANCELLED, UploadState.PAUSED):
        fu.state = UploadState.QUEUED   # a retry or a resume: the engine picks up from here
        fu.error = ""
    eng = engine()
    if eng is None:
        raise FigdeskError("No upload engine is available.")
    if fu.file_id is None and job.payload.get("engine_runs"):
        # An earlier run may have been killed between its initiate and the checkpoint of the
        # answer: that is a lost initiate answer, and the engine sweeps the record it left.
        fu.lost_initiates = max(fu.lost_initiates, 1)

    lost_before = fu.lost_initiates

    def checkpoint(current: FileUpload) -> None:
        # An initiate lost in this run may still reach Figshare after the engine's own sweep
        # (a request stuck in the network): note when, to look once more later.
        extra = {"lost_initiate_at": time.time()} if current.lost_initiates > lost_before \
            else None
        store.set_upload(job.id, current.to_json(), extra)

    payload = dict(job.payload)
    payload["engine_runs"] = int(payload.get("engine_runs") or 0) + 1
    payload["upload"] = fu.to_json()
    store.update(job.id, payload=payload)
    result = eng.upload(fu, checkpoint=checkpoint, progress=progress, control=control)
    checkpoint(result)
    state = UploadState(result.state)
    if state is UploadState.DONE:
        return _after_done(job.id, store, actions, result)
    if state is UploadState.SKIPPED:
        return JobOutcome(JobState.DONE)
    if state is UploadState.CANCELLED:
        return JobOutcome(JobState.CANCELLED, interrupted=True)
    if state is UploadState.PAUSED:
        return JobOutcome(JobState.QUEUED, interrupted=True)
    if state is UploadState.PROCESSING:
        # Sent and completed; Figshare is still checking it. Look again later.
        return JobOutcome(JobState.QUEUED, "Figshare is still processing the file.")
    if state is UploadState.FAILED:
        return JobOutcome(JobState.FAILED, result.error or "The upload failed.",
                          "UploadFailed")
    return JobOutcome(JobState.QUEUED, result.error, "", transient=True)


def _after_done(job_id: int, store: QueueStore, actions: JobActions,
                fu: FileUpload) -> JobOutcome:
    """Done, unless an initiate of this file went unanswered: then the job ends only once a
    record that request may have made late has had time to appear and has been deleted."""
    job = store.require(job_id)
    lost_at = job.payload.get("lost_initiate_at")
    if not isinstance(lost_at, (int, float)) or job.payload.get("swept"):
        return JobOutcome(JobState.DONE)
    wait = lost_at + actions.create_settle - time.time()
    if wait > 0:
        return JobOutcome(JobState.QUEUED, "Checking that no second file record was left.",
                          delay=wait)
    actions.sweep_orphan_files(fu.article_id, fu.name, fu.size, fu.file_id,
                               fu.md5 if fu.md5_sent else "")
    store.update(job_id, payload={**job.payload, "swept": True})
    return JobOutcome(JobState.DONE)


def default_engine_factory(client: Any, options: UploadOptions) -> Engine:
    """The real engine (imported late: the queue's unit tests run with a fake one)."""
    from figdesk.core.upload import UploadEngine

    engine: Engine = UploadEngine(client, options)
    return engine
