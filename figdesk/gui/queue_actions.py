"""Blocking helpers of the uploads controller (disk, SQLite, network): always called on the
window's thread pool, never on the GUI thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from figdesk.core.errors import AuthError, OfflineError, UsageError
from figdesk.core.queue import JobState, QueueStore
from figdesk.core.queue.remote import RemoteRunner
from figdesk.core.upload import PreflightReport, UploadOptions, preflight


def prepare_drop(client: Any, paths: Sequence[str], article_id: int | None,
                 options: UploadOptions) -> tuple[PreflightReport, bool]:
    """Pre-flight dropped paths (folders are walked here). Returns (report, checked online).
    With no answer from Figshare, or a token it refuses, the local checks alone decide: the
    queue holds the files until Figshare (or a new sign-in) lets them go."""
    try:
        return preflight(client, [] if article_id is None else None, list(paths), options,
                         article_id=article_id or 0), True
    except (OfflineError, AuthError):
        return preflight(None, [], list(paths), options, article_id=article_id or 0), False


def apply_job_action(runner: RemoteRunner | None, store: QueueStore, name: str,
                     ids: Sequence[int]) -> None:
    """pause / resume / cancel / retry / remove the jobs ``ids``. Without a runner of ours
    (signed out, or another process runs the queue) the stored rows are changed, and a running
    job gets a request its runner picks up."""
    for job_id in ids:
        job = store.get(job_id)
        if job is None:
            continue
        if name == "remove":
            if job.state is JobState.RUNNING:
                raise UsageError("A running job cannot be removed: pause or cancel it first.")
            store.remove(job_id)
        elif runner is not None:
            {"pause": runner.pause_job, "resume": runner.resume_job,
             "cancel": runner.cancel_job, "retry": runner.retry}[name](job_id)
        elif job.state is JobState.RUNNING and name in ("pause", "cancel"):
            store.request(job_id, name)
        else:
            state = {"pause": JobState.PAUSED, "resume": JobState.QUEUED,
                     "cancel": JobState.CANCELLED, "retry": JobState.QUEUED}[name]
            extra: dict[str, Any] = {"error": "", "attempts": 0} if name == "retry" else {}
            store.update(job_id, state=state, **extra)


def apply_queue_action(runner: RemoteRunner | None, store: QueueStore, name: str) -> None:
    """pause_all / resume_all (also the jobs paused one by one) / cancel_all / retry_failed /
    clear_finished."""
    if name == "clear_finished":
        store.clear_finished()
        return
    if name == "pause_all":
        if runner is not None:
            runner.pause_all()
        else:
            store.set_paused("Paused.")
        return
    if name == "resume_all":
        if runner is not None:
            runner.resume_all()
        else:
            store.set_paused(None)
        apply_job_action(runner, store, "resume",
                         [j.id for j in store.list(states=[JobState.PAUSED])])
        return
    if name == "cancel_all":
        if runner is not None:
            runner.cancel_all()
        else:
            apply_job_action(None, store, "cancel", [j.id for j in store.list(
                states=[JobState.QUEUED, JobState.PAUSED, JobState.RUNNING])])
        return
    if name == "retry_failed":
        apply_job_action(runner, store, "retry",
                         [j.id for j in store.list(states=[JobState.FAILED])])
        return
    raise UsageError(f"Unknown queue action {name!r}.")
