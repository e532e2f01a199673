"""The queue runner: one coordinator thread that starts jobs, waits out the network, and
tells subscribers what happens.

The coordinator never talks to Figshare itself: every job and every probe runs on its own
daemon thread, so ``stop()``, ``pause()`` and new jobs are seen at once. Every state change is
committed to the store before the job acts on it, so a crash at any moment loses nothing:
jobs found ``running`` when a runner starts were left by a dead one and are queued again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from figdesk.core.errors import AuthError, OfflineError, ServerError
from figdesk.core.queue.actions import JobActions, QueueClient
from figdesk.core.queue.events import EventHub, JobChanged, JobProgress, RunnerEvent, RunnerStatus
from figdesk.core.queue.execute import EngineFactory, JobOutcome, execute_job
from figdesk.core.queue.jobs import Job, JobState
from figdesk.core.queue.lock import RunnerLock
from figdesk.core.queue.options import USER_PAUSE, RunnerOptions, default_probe
from figdesk.core.queue.probe import Backoff, retry_delay
from figdesk.core.queue.schedule import runnable_jobs
from figdesk.core.queue.store import QueueStore
from figdesk.core.upload import Control

log = logging.getLogger(__name__)

CONNECTING = "connecting to Figshare"

class Runner:
    """Runs the jobs of a ``QueueStore`` (only those ``scope`` accepts, if given)."""

    def __init__(self, store: QueueStore, client: QueueClient, *,
                 options: RunnerOptions | None = None,
                 engine_factory: EngineFactory | None = None,
                 scope: Callable[[Job], bool] | None = None,
                 probe: Callable[[QueueClient], object] | None = None,
                 account_id: int | None = None) -> None:
        self.store = store
        self.options = options or RunnerOptions()
        self._client = client
        self._engine_factory = engine_factory
        self._engine: Any = None
        self.scope = scope
        self._probe_call = probe or default_probe
        self.lock = RunnerLock(store.lock_path)
        self.actions = JobActions(store, lambda: self._client, clock_skew=self.options.clock_skew,
                                  create_settle=self.options.create_settle)
        self.hub = EventHub()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._mu = threading.RLock()
        self._active: dict[int, tuple[threading.Thread, Control]] = {}
        self._why_stopped: dict[int, str] = {}      # job id -> "pause" | "cancel" | "stop"
        self._not_before: dict[int, float] = {}      # job id -> monotonic time of next try
        # Whose jobs this runner may run (Job.belongs_to). Unknown: the first probe asks
        # Figshare before any job starts, so a shared queue never mixes accounts.
        self._account_id = account_id
        self._offline_reason = "" if account_id is not None else CONNECTING
        self._probe = Backoff(self.options.probe_initial, self.options.probe_max)
        self._next_probe = 0.0
        self._probing = False
        self._thread: threading.Thread | None = None
        self._status = RunnerStatus("stopped")
        self._idle = threading.Condition(self._mu)
        self._is_idle = False
        self._db_version = -1

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Take the queue's lock (QueueBusyError if another runner has it) and start."""
        if self._thread is not None:
            return
        self.lock.acquire()
        # Jobs left "running" were being run by a process that died: run them again.
        for job in self.store.list(states=[JobState.RUNNING]):
            self.store.update(job.id, state=JobState.QUEUED)
        self._stop.clear()
        self.hub.ensure_started()
        self._thread = threading.Thread(target=self._loop, name="figdesk-queue-runner",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Halt every job where it stands (they resume on the next run) and end the runner.
        Returns within about ``timeout`` seconds; the lock goes when the last job has let go."""
        self._stop.set()
        with self._mu:
            for job_id, (_, control) in self._active.items():
                self._why_stopped.setdefault(job_id, "stop")
                control.stop()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        if thread is None or not thread.is_alive():
            self._thread = None
            self.hub.close(0.2)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def status(self) -> RunnerStatus:
        return self._status

    def subscribe(self, callback: Callable[[RunnerEvent], None]) -> Callable[[], None]:
        return self.hub.subscribe(callback)

    def set_client(self, client: QueueClient, account_id: int | None = None) -> None:
        """Use a new client (after signing in again, maybe as another account); the engine is
        rebuilt for it, and only that account's jobs run from now on."""
        with self._mu:
            self._client = client
            self._engine = None
            self._account_id = account_id
            if account_id is None:
                self._offline_reason = self._offline_reason or CONNECTING
                self._next_probe = 0.0
        self._wake.set()

    def _in_scope(self, job: Job) -> bool:
        if self.scope is not None and not self.scope(job):
            return False
        return job.belongs_to(getattr(self._client, "api_url", None), self._account_id)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing in scope can progress (all done, failed, blocked or paused),
        or the runner stopped. False if ``timeout`` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while not self._is_idle and self.running:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._idle.wait(0.2 if left is None else min(0.2, left))
        return True

    # -- user actions (any thread; the CLI writes the same requests from another process) ----

    def pause_all(self, reason: str = USER_PAUSE) -> None:
        self.store.set_paused(reason)
        self._wake.set()

    def resume_all(self) -> None:
        self.store.set_paused(None)
        self._mark_idle(False)    # until the coordinator has looked again
        with self._mu:
            self._next_probe = 0.0   # the user says "go": ask Figshare now, not after backoff
        self._wake.set()

    def pause_job(self, job_id: int) -> None:
        job = self.store.require(job_id)
        if job.state is JobState.QUEUED:
            self._set_state(job_id, JobState.PAUSED)
        elif job.state is JobState.RUNNING:
            self._interrupt(job_id, "pause")

    def resume_job(self, job_id: int) -> None:
        job = self.store.require(job_id)
        if job.state is JobState.PAUSED:
            self._mark_idle(False)
            self._set_state(job_id, JobState.QUEUED, request="")
        self._wake.set()

    def cancel_job(self, job_id: int) -> None:
        job = self.store.require(job_id)
        if job.state is JobState.RUNNING:
            self._interrupt(job_id, "cancel")
        elif not job.state.finished:
            self._set_state(job_id, JobState.CANCELLED)

    def cancel_all(self) -> None:
        for job in self.store.list(states=[JobState.QUEUED, JobState.PAUSED, JobState.RUNNING]):
            if self._in_scope(job):
                self.cancel_job(job.id)

    def retry(self, job_id: int) -> Job:
        """Queue a failed, cancelled or paused job again (and lift an auth pause)."""
        job = self.store.require(job_id)
        if job.state is not JobState.RUNNING and job.state is not JobState.DONE:
            job = self._set_state(job_id, JobState.QUEUED, error="", error_kind="", attempts=0,
                                  request="")
        self._not_before.pop(job_id, None)
        self._mark_idle(False)
        if (self.store.paused_reason or "") != USER_PAUSE:
            self.store.set_paused(None)
        self._wake.set()
        return job

    def retry_failed(self) -> None:
        for job in self.store.list(states=[JobState.FAILED]):
            self.retry(job.id)

    # -- internals -----------------------------------------------------------------------------

    def _set_state(self, job_id: int, state: JobState, **fields: Any) -> Job:
        job = self.store.update(job_id, state=state, **fields)
        self.hub.emit(JobChanged(job))
        self._wake.set()
        return job

    def _interrupt(self, job_id: int, why: str) -> None:
        with self._mu:
            entry = self._active.get(job_id)
            if entry is None:
                # Run by another process: leave it a request it picks up within a poll.
                self.store.request(job_id, why)
                return
            self._why_stopped[job_id] = why
            if why == "cancel":
                entry[1].cancel()
            else:
                entry[1].stop()

    def _set_status(self, state: str, reason: str = "", next_probe: float | None = None) -> None:
        new = RunnerStatus(state, reason, next_probe)
        if new != self._status:
            self._status = new
            self.hub.emit(new)

    def _tools_for(self, job: Job) -> tuple[JobActions, Callable[[], Any]]:
        """The actions and engine for a job: the runner's own, unless the job was queued
        while acting for another account (``--impersonate``): then a client for that one."""
        want = job.payload.get("impersonate")
        client = self._client
        if not isinstance(want, int) or getattr(client, "impersonate", None) == want \
                or not hasattr(client, "impersonating"):
            return self.actions, self._engine_for_run
        other: Any = client.impersonating(want)
        actions = JobActions(self.store, lambda: other, clock_skew=self.options.clock_skew,
                             create_settle=self.options.create_settle)
        factory = self._engine_factory

        def engine() -> Any:
            return factory(other, self.options.upload) if factory is not None else None
        return actions, engine

    def _engine_for_run(self) -> Any:
        with self._mu:
            if self._engine is None and self._engine_factory is not None:
                self._engine = self._engine_factory(self._client, self.options.upload)
            return self._engine

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    self._tick()
                except Exception:  # e.g. the database busy for long: log, look again soon
                    log.exception("queue runner: a round of scheduling failed")
                    self._stop.wait(max(1.0, self.options.poll_interval))
                self._wake.wait(self.options.poll_interval)
        finally:
            self._wind_down()

    def _wind_down(self) -> None:
        with self._mu:
            threads = [t for t, _ in self._active.values()]
        for t in threads:
            t.join(5.0)
        self._set_status("stopped")
        with self._idle:
            self._is_idle = True
            self._idle.notify_all()
        self.lock.release()

    def _tick(self) -> None:
        self._apply_requests()
        paused = self.store.paused_reason
        if paused:
            self._halt_all("stop")
            self._set_status("paused", paused)
            self._mark_idle(not self._active)
            return
        if self._offline_reason:
            self._maybe_probe()
            self._mark_idle(False)
            return
        jobs = self.store.list(states=[s for s in JobState if not s.finished] +
                               [JobState.FAILED])
        now = time.monotonic()
        with self._mu:
            free = self.options.files_at_once - len(self._active)
            candidates = [j for j in runnable_jobs(jobs)
                          if j.id not in self._active
                          and self._in_scope(j)]
            waiting = [j for j in candidates if self._not_before.get(j.id, 0) > now]
            ready = [j for j in candidates if self._not_before.get(j.id, 0) <= now]
            for job in ready[:max(0, free)]:
                self._launch(job)
            busy = bool(self._active) or bool(waiting) or bool(ready)
        self._set_status("running" if busy else "idle")
        self._mark_idle(not busy)

    def _mark_idle(self, idle: bool) -> None:
        with self._idle:
            self._is_idle = idle
            if idle:
                self._idle.notify_all()

    def _apply_requests(self) -> None:
        """Pick up pause/cancel requests that another process left in the database."""
        version = self.store.data_version()
        if version == self._db_version:
            return
        self._db_version = version
        with self._mu:
            active = list(self._active)
        for job_id in active:
            job = self.store.get(job_id)
            if job is not None and job.request in ("pause", "cancel"):
                self.store.update(job_id, request="")
                self._interrupt(job_id, job.request)

    def _halt_all(self, why: str) -> None:
        with self._mu:
            for job_id, (_, control) in self._active.items():
                self._why_stopped.setdefault(job_id, why)
                control.stop()

    def _launch(self, job: Job) -> None:
        control = Control()
        if self.options.upload.limit_rate:
            control.set_limit_rate(self.options.upload.limit_rate)
        job = self._set_state(job.id, JobState.RUNNING, request="")
        thread = threading.Thread(target=self._run_job, args=(job, control),
                                  name=f"figdesk-job-{job.id}", daemon=True)
        self._active[job.id] = (thread, control)
        thread.start()

    def _run_job(self, job: Job, control: Control) -> None:
        try:
            actions, engine = self._tools_for(job)
            outcome = execute_job(
                job, self.store, actions, engine, control,
                progress=lambda p: self.hub.emit(JobProgress(job.id, p)))
        except Exception as exc:  # a bug, not a Figshare answer: keep it, say it
            log.exception("job %s failed unexpectedly", job.id)
            outcome = JobOutcome(JobState.FAILED, f"Unexpected error: {exc}",
                                 type(exc).__name__)
        with self._mu:
            why = self._why_stopped.get(job.id)
        try:
            self._finish(job, outcome, why)
        finally:
            # Only now: until its new state is stored, the job must still count as busy.
            with self._mu:
                self._active.pop(job.id, None)
                self._why_stopped.pop(job.id, None)
            self._wake.set()

    def _finish(self, job: Job, outcome: JobOutcome, why: str | None) -> None:
        current = self.store.get(job.id)
        if current is None:   # removed meanwhile
            self._wake.set()
            return
        if outcome.interrupted:
            # Stopped by us: a user pause keeps it paused, a cancel ends it, a runner stop or
            # queue pause leaves it queued for the next run.
            state = {"pause": JobState.PAUSED, "cancel": JobState.CANCELLED}.get(
                why or "", JobState.QUEUED)
            if outcome.state is JobState.CANCELLED:
                state = JobState.CANCELLED
            self._set_state(job.id, state)
            return
        exc = outcome.exception
        if isinstance(exc, AuthError):
            self._set_state(job.id, JobState.QUEUED, error=outcome.error,
                            error_kind=outcome.error_kind)
            self.store.set_paused(f"{exc.title}: {exc}")
            return
        if isinstance(exc, OfflineError):
            self._set_state(job.id, JobState.QUEUED, error=outcome.error,
                            error_kind=outcome.error_kind)
            self._go_offline(str(exc))
            return
        if outcome.transient:
            attempts = current.attempts + 1
            if attempts >= self.options.max_transient:
                self._set_state(job.id, JobState.FAILED, error=outcome.error,
                                error_kind=outcome.error_kind, attempts=attempts)
                return
            hint = getattr(exc, "retry_after", None)   # 429 / 503 Retry-After
            delay = retry_delay(attempts, self.options.retry_base, self.options.retry_cap, hint)
            with self._mu:
                self._not_before[job.id] = time.monotonic() + delay
            self._set_state(job.id, JobState.QUEUED, error=outcome.error,
                            error_kind=outcome.error_kind, attempts=attempts)
            return
        if outcome.state is JobState.QUEUED:   # e.g. still processing on Figshare: look later
            with self._mu:
                self._not_before[job.id] = time.monotonic() + (
                    outcome.delay if outcome.delay is not None else self.options.retry_base)
            self._set_state(job.id, JobState.QUEUED, error=outcome.error,
                            error_kind=outcome.error_kind)
            return
        extra: dict[str, Any] = {"error": outcome.error, "error_kind": outcome.error_kind}
        if outcome.state is JobState.DONE:
            extra["attempts"] = 0
        self._set_state(job.id, outcome.state, **extra)

    def _go_offline(self, reason: str) -> None:
        with self._mu:
            if not self._offline_reason:
                self._probe.reset()
                self._next_probe = time.monotonic() + self._probe.next()
            self._offline_reason = reason or "Figshare cannot be reached."
        self._wake.set()

    def _maybe_probe(self) -> None:
        now = time.monotonic()
        with self._mu:
            # Before the first answer nothing is known to be wrong: "connecting", not offline.
            first = self._account_id is None and self._offline_reason == CONNECTING
            self._set_status("connecting" if first else "offline", self._offline_reason,
                             max(0.0, self._next_probe - now))
            if self._probing or now < self._next_probe or self._active:
                return
            self._probing = True
        threading.Thread(target=self._probe_once, name="figdesk-queue-probe",
                         daemon=True).start()

    def _probe_once(self) -> None:
        """Ask Figshare who we are (GET /account): any answer but "no answer" ends offline."""
        try:
            answer = self._probe_call(self._client)
        except AuthError as exc:
            with self._mu:
                self._offline_reason = ""
            self.store.set_paused(f"{exc.title}: {exc}")
        except (OfflineError, ServerError) as exc:
            with self._mu:
                self._offline_reason = str(exc) or self._offline_reason
                self._next_probe = time.monotonic() + self._probe.next()
        except Exception as exc:  # noqa: BLE001 - an odd answer is still an answer
            log.info("probe got %s; trying the jobs again", exc)
            with self._mu:
                self._offline_reason = ""
        else:
            with self._mu:
                self._offline_reason = ""
                self._probe.reset()
                found = getattr(answer, "id", None)
                if self._account_id is None and isinstance(found, int):
                    self._account_id = found
        finally:
            with self._mu:
                self._probing = False
            self._wake.set()

    def jobs(self, states: Iterable[JobState] | None = None) -> list[Job]:
        """The queue's jobs (in scope), in order."""
        return [j for j in self.store.list(states=states)
                if self._in_scope(j)]

