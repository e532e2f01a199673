"""What the queue tells the rest of the window, worked out from its rows (no widgets here):
the files panel's states for one item, and the notices for failed jobs and finished batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from figdesk.core.queue import Job, JobKind, JobState
from figdesk.gui.files_model import AVAILABLE, FAILED, PAUSED, PROCESSING, QUEUED, UPLOADING
from figdesk.gui.queue_model import JobRow

_FILE_STATES = {JobState.QUEUED: QUEUED, JobState.PAUSED: PAUSED,
                JobState.FAILED: FAILED, JobState.DONE: AVAILABLE}
_PAUSED_DETAIL = "Paused: resume it in Uploads"


@dataclass(frozen=True)
class Notice:
    title: str
    text: str
    error: bool = False


def file_state(row: JobRow) -> tuple[str, str]:
    """The files panel's word (and tooltip) for a local upload."""
    job = row.job
    if job.state is JobState.RUNNING:
        step = row.progress.state if row.progress is not None else ""
        if step == "processing":
            return PROCESSING, ""
        if step == "paused":        # the engine holds it (pause asked, job not yet stored)
            return PAUSED, _PAUSED_DETAIL
        return UPLOADING, ""
    if job.state is JobState.PAUSED:
        return PAUSED, _PAUSED_DETAIL
    return _FILE_STATES.get(job.state, job.state.value), job.error


def files_feed(rows: Iterable[JobRow], article_id: int | None
               ) -> tuple[dict[str, tuple[str, int, str]], dict[str, str]]:
    """For the files panel of ``article_id``: {name: (state, size, detail)} of its uploads,
    and {name: md5} of those done (the engine checked Figshare's computed_md5 against it)."""
    states: dict[str, tuple[str, int, str]] = {}
    md5s: dict[str, str] = {}
    if article_id is None:
        return states, md5s
    for row in rows:
        job = row.job
        if (job.kind is not JobKind.UPLOAD_FILE or job.article_id != article_id
                or job.state is JobState.CANCELLED):
            continue
        word, detail = file_state(row)
        states[job.file_name] = (word, job.size, detail)
        md5 = str(job.upload.get("md5") or "")
        if job.state is JobState.DONE and md5:
            md5s[job.file_name] = md5
    return states, md5s


def failure_notice(failed: Sequence[Job]) -> Notice | None:
    """One notice for the jobs that failed since the last one."""
    if not failed:
        return None
    first = JobRow(failed[0])
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return Notice("Upload failed", f"{first.name}: {first.details or 'failed'}{more}", True)


def finished_batches(rows: Sequence[JobRow], watched: set[str],
                     labels: Mapping[str, str]) -> list[Notice]:
    """Notices for the watched batches (job groups) whose jobs have all ended; those groups
    are taken out of ``watched``. Groups without uploads (metadata saves) end silently."""
    notices = []
    for group in list(watched):
        jobs = [r.job for r in rows if r.job.group_id == group]
        if jobs and not all(j.state.finished for j in jobs):
            continue
        watched.discard(group)      # ended, or its jobs were removed: nothing left to say
        if not jobs:
            continue
        uploads = [j for j in jobs if j.kind is JobKind.UPLOAD_FILE]
        if not group or not uploads:
            continue
        done = sum(1 for j in uploads if j.state is JobState.DONE)
        where = labels.get(group) or next(
            (f"item {j.article_id}" for j in jobs if j.article_id), "the item")
        if done == len(uploads):
            text = f"{done} file{'s' if done != 1 else ''} uploaded to {where} and verified."
        else:
            text = f"{done} of {len(uploads)} files uploaded to {where}; see the queue."
        notices.append(Notice("Uploads finished", text, done != len(uploads)))
    return notices
