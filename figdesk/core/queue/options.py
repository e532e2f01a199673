"""Settings of the queue runner, and how it asks whether Figshare is back."""

from __future__ import annotations

from dataclasses import dataclass, field

from figdesk.core.queue.actions import QueueClient
from figdesk.core.upload import UploadOptions

#: The ``paused_reason`` of a pause asked by the user (other reasons come from failures).
USER_PAUSE = "Paused."


@dataclass(frozen=True)
class RunnerOptions:
    """How the runner behaves; tests shrink the delays."""

    files_at_once: int = 2               # jobs (mostly file uploads) running at the same time
    upload: UploadOptions = field(default_factory=UploadOptions)
    probe_initial: float = 1.0           # first wait before asking Figshare again when offline
    probe_max: float = 30.0              # longest wait between two probes
    retry_base: float = 2.0              # wait before re-running a job after a transient error
    retry_cap: float = 60.0
    max_transient: int = 8               # transient failures in a row before a job fails
    poll_interval: float = 0.5           # how often to look for changes made by other processes
    clock_skew: float = 120.0            # tolerated clock difference when reconciling a create
    create_settle: float = 30.0          # wait this long after an unanswered create before another


def default_probe(client: QueueClient) -> object:
    """One cheap authenticated call. A client's ``ping()`` (a single try, no retries) is
    preferred: the runner has its own backoff, the client's retries would only add to it."""
    ping = getattr(client, "ping", None)
    return ping() if callable(ping) else client.get_account()
