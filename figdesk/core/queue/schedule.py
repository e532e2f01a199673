"""Which queued jobs may start now: the order rules between jobs on the same item.

Jobs on one item run in queue order, except that uploads to the same item may run side by
side. So an upload waits for the item's create (and any earlier metadata update), a publish
waits for every earlier upload, and a failed or paused job holds back the later jobs of its
item (publishing an item with a file missing would be wrong) until it is retried or removed.
Cancelled and done jobs hold nothing back.
"""

from __future__ import annotations

from collections.abc import Iterable

from figdesk.core.queue.jobs import Job, JobKind, JobState

_HOLDING = (JobState.QUEUED, JobState.RUNNING, JobState.PAUSED, JobState.FAILED)


def blocked_by(jobs: Iterable[Job]) -> dict[int, int | None]:
    """For each queued job that may not start: the id of the job it waits for (None when it
    waits for an item no job will create)."""
    earlier: dict[str, list[Job]] = {}
    out: dict[int, int | None] = {}
    for job in sorted(jobs, key=lambda j: (j.position, j.id)):
        if job.state not in _HOLDING:
            continue
        before = earlier.setdefault(job.item_key, [])
        if job.state is JobState.QUEUED:
            holder = next((e for e in before
                           if not (e.kind is JobKind.UPLOAD_FILE
                                   and job.kind is JobKind.UPLOAD_FILE)), None)
            if holder is not None:
                out[job.id] = holder.id
            elif job.kind is not JobKind.CREATE_ITEM and job.article_id is None:
                out[job.id] = None
        before.append(job)
    return out


def runnable_jobs(jobs: Iterable[Job]) -> list[Job]:
    """The queued jobs that may start now, in queue order."""
    listed = sorted(jobs, key=lambda j: (j.position, j.id))
    blocked = blocked_by(listed)
    return [j for j in listed if j.state is JobState.QUEUED and j.id not in blocked]
