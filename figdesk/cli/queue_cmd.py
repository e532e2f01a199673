"""``figdesk queue list|run|pause|retry|remove``, and the foreground run ``figdesk upload``
shares: start a runner (or, when the app already runs the queue, watch it do the work)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from figdesk.cli import output
from figdesk.cli.progress_display import ProgressDisplay
from figdesk.core.errors import FigdeskError, UsageError
from figdesk.core.queue import (
    USER_PAUSE,
    Job,
    JobChanged,
    JobKind,
    JobState,
    QueueBusyError,
    QueueStore,
    Runner,
    RunnerOptions,
)
from figdesk.core.queue.schedule import blocked_by


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    q = sub.add_parser("queue", help="the upload queue shared by the app and the command line")
    qsub = q.add_subparsers(dest="queue_command", metavar="ACTION", required=True)

    p = qsub.add_parser("list", help="show every job in the queue")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(func=cmd_list)

    p = qsub.add_parser("run", help="run the queue until nothing more can be done")
    p.add_argument("--files", type=int, default=2, metavar="N", help="files at once (2)")
    p.add_argument("--parts", type=int, default=4, metavar="N", help="parts per file at once (4)")
    p.set_defaults(func=cmd_run)

    p = qsub.add_parser("pause", help="pause the whole queue (or one job)")
    p.add_argument("id", type=int, nargs="?", help="only this job")
    p.set_defaults(func=cmd_pause)

    p = qsub.add_parser("retry", help="queue a failed, cancelled or paused job again")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_retry)

    p = qsub.add_parser("remove", help="remove a job from the queue")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_remove)

    p = qsub.add_parser("clear", help="forget the jobs that are done or cancelled")
    p.set_defaults(func=cmd_clear)


def job_row(job: Job, waits_for: dict[int, int | None]) -> list[str]:
    state = job.state.value
    if job.id in waits_for:
        dep = waits_for[job.id]
        state = f"waiting for job {dep}" if dep is not None else "waiting: item not created"
    progress = ""
    if job.kind is JobKind.UPLOAD_FILE and job.size > 0:
        progress = f"{min(100.0, 100 * job.bytes_done / job.size):.0f}% of " \
                   f"{output.human_size(job.size)}"
    detail = job.describe() + (f" ({job.error})" if job.error and job.state is not JobState.DONE
                               else "")
    return [str(job.id), state, progress, detail]


def cmd_list(args: argparse.Namespace) -> int:
    with QueueStore() as store:
        jobs = store.list()
        waits = blocked_by(jobs)
        paused = store.paused_reason
    if args.json:
        output.print_json({"paused": paused, "jobs": [
            {**j.to_json(), "waiting_for": waits.get(j.id)} if j.id in waits else j.to_json()
            for j in jobs]})
        return 0
    if paused:
        print(f"The queue is paused: {output.clean(paused)}")
    if not jobs:
        print("The queue is empty.")
        return 0
    output.print_table(["ID", "STATE", "PROGRESS", "JOB"], [job_row(j, waits) for j in jobs])
    return 0


def cmd_pause(args: argparse.Namespace) -> int:
    with QueueStore() as store:
        if args.id is None:
            store.set_paused(USER_PAUSE)
            print("The queue is paused; 'figdesk queue run' carries on.")
            return 0
        job = store.require(args.id)
        if job.state is JobState.RUNNING:
            store.request(job.id, "pause")
        elif job.state is JobState.QUEUED:
            store.update(job.id, state=JobState.PAUSED)
        else:
            raise UsageError(f"Job {job.id} is {job.state.value}; only queued or running jobs "
                             "can be paused.")
    print(f"Job {args.id} paused; 'figdesk queue retry {args.id}' queues it again.")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    with QueueStore() as store:
        job = store.require(args.id)
        if job.state in (JobState.RUNNING, JobState.DONE):
            raise UsageError(f"Job {job.id} is {job.state.value}; nothing to retry.")
        store.update(job.id, state=JobState.QUEUED, error="", error_kind="", attempts=0,
                     request="")
        if store.paused_reason and store.paused_reason != USER_PAUSE:
            store.set_paused(None)      # e.g. after signing in again
    print(f"Job {args.id} is queued again.")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with QueueStore() as store:
        job = store.require(args.id)
        if job.state is JobState.RUNNING:
            # Run by the app (or another command): ask it to let go first.
            store.request(job.id, "cancel")
            deadline = time.monotonic() + 10
            while store.require(job.id).state is JobState.RUNNING:
                if time.monotonic() > deadline:
                    raise FigdeskError(f"Job {job.id} is still running; try again shortly.")
                time.sleep(0.1)
        store.remove(job.id)
    print(f"Job {args.id} removed.")
    return 0


def cmd_clear(args: argparse.Namespace) -> int:
    with QueueStore() as store:
        n = store.clear_finished()
    print(f"Forgot {n} finished job{'s' if n != 1 else ''}.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from figdesk.cli.main import client_from_args
    from figdesk.core.upload import UploadOptions

    if args.files < 1 or args.parts < 1:
        raise UsageError("--files and --parts must be at least 1.")
    client = client_from_args(args)
    options = RunnerOptions(files_at_once=args.files,
                            upload=UploadOptions(parts_in_flight=args.parts))
    with QueueStore() as store:
        store.set_paused(None)     # "run" is the user saying go (also after signing in again)
        result = run_foreground(store, client, options, scope=None, json_out=args.json)
    return report(result, json_out=args.json)


@dataclass(frozen=True)
class RunResult:
    jobs: tuple[Job, ...]
    paused: str | None
    interrupted: bool = False

    @property
    def failed(self) -> list[Job]:
        return [j for j in self.jobs if j.state is JobState.FAILED]

    @property
    def unfinished(self) -> list[Job]:
        return [j for j in self.jobs if j.state is not JobState.DONE]


def run_foreground(store: QueueStore, client: object, options: RunnerOptions, *,
                   scope: Callable[[Job], bool] | None, json_out: bool = False,
                   engine_factory: object = None) -> RunResult:
    """Run the queue (the jobs in ``scope``) with a live display until nothing more can be
    done. When another figdesk already runs the queue, watch it do the jobs instead."""
    from figdesk.core.queue.execute import default_engine_factory

    display = ProgressDisplay(sys.stderr if json_out else sys.stdout)

    def in_scope() -> list[Job]:
        return [j for j in store.list() if scope is None or scope(j)]

    for job in in_scope():
        if job.kind is JobKind.UPLOAD_FILE:
            folder = str(job.upload.get("folder_path") or "").strip("/")
            name = job.file_name or job.path
            display.add_job(job.id, f"{folder}/{name}" if folder else name, job.size)
    runner = Runner(store, client, options=options,  # type: ignore[arg-type]
                    engine_factory=engine_factory or default_engine_factory,  # type: ignore[arg-type]
                    scope=scope)
    unsubscribe = runner.subscribe(display.handle)   # before start: no first event missed
    try:
        runner.start()
    except QueueBusyError:
        unsubscribe()
        print("Another figdesk is running the queue; following its progress.", file=sys.stderr)
        return _watch(store, in_scope, display)
    try:
        while not runner.wait_idle(0.5):
            pass
    except KeyboardInterrupt:
        runner.stop()
        display.close()
        print("Stopped. 'figdesk queue run' (or the same command) carries on from here.",
              file=sys.stderr)
        return RunResult(tuple(in_scope()), store.paused_reason, interrupted=True)
    runner.stop()
    display.close()
    return RunResult(tuple(in_scope()), store.paused_reason)


def _watch(store: QueueStore, in_scope: Callable[[], list[Job]],
           display: ProgressDisplay) -> RunResult:
    last: dict[int, tuple[str, int]] = {}
    while True:
        jobs = in_scope()
        for j in jobs:
            sig = (j.state.value, j.bytes_done)
            if last.get(j.id) != sig:
                last[j.id] = sig
                display.handle(JobChanged(j))
        waits = blocked_by(store.list())
        active = [j for j in jobs if j.state in (JobState.QUEUED, JobState.RUNNING)
                  and j.id not in waits]
        if not active or store.paused_reason:
            display.close()
            return RunResult(tuple(jobs), store.paused_reason)
        time.sleep(0.5)


def report(result: RunResult, *, json_out: bool) -> int:
    """Print the outcome; 0 only when every job in scope is done."""
    if json_out:
        output.print_json({"ok": not result.unfinished, "paused": result.paused,
                           "jobs": [j.to_json() for j in result.jobs]})
    if result.interrupted:
        return 130
    if not result.unfinished:
        if not json_out:
            print(f"All {len(result.jobs)} jobs done.")
        return 0
    if result.paused == USER_PAUSE:
        print("figdesk: the queue is paused; 'figdesk queue run' carries on.", file=sys.stderr)
    elif result.paused:
        print(f"figdesk: the queue is paused: {result.paused}", file=sys.stderr)
    for job in result.failed:
        print(f"figdesk: job {job.id} failed: {job.describe()}: {job.error}", file=sys.stderr)
    left = [j for j in result.unfinished if j.state is not JobState.FAILED]
    if left:
        print(f"figdesk: {len(left)} jobs not done (see 'figdesk queue list').", file=sys.stderr)
    return 1
