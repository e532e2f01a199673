"""The persistent job queue (SQLite) and its runner: offline, restarts, retries.

``QueueStore`` keeps the jobs; ``Runner`` does them (one runner per queue, by a lock file);
``enqueue`` builds the jobs of an upload. Nothing here imports Qt.
"""

from figdesk.core.queue.events import JobChanged, JobProgress, RunnerEvent, RunnerStatus
from figdesk.core.queue.jobs import (
                                     Job,
                                     JobKind,
                                     JobState,
                                     article_key,
                                     owner_stamp,
                                     parse_article_key,
)
from figdesk.core.queue.lock import QueueBusyError, RunnerLock
from figdesk.core.queue.options import USER_PAUSE, RunnerOptions
from figdesk.core.queue.runner import Runner
from figdesk.core.queue.store import QueueStore, default_queue_path

__all__ = [
                                     "USER_PAUSE",
                                     "Job",
                                     "JobChanged",
                                     "JobKind",
                                     "JobProgress",
                                     "JobState",
                                     "QueueBusyError",
                                     "QueueStore",
                                     "Runner",
                                     "RunnerEvent",
                                     "RunnerLock",
                                     "RunnerOptions",
                                     "RunnerStatus",
                                     "article_key",
                                     "default_queue_path",
                                     "owner_stamp",
                                     "parse_article_key",
]
