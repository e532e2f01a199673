"""The app's upload worker process, driven through ``RemoteRunner`` against the sandbox:
uploads end to end with their events, requests and their errors, the queue's lock, the token
kept off the command line and the environment, and stopping (asked, or the app gone)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from figdesk.core.api import FigshareClient
from figdesk.core.errors import UsageError
from figdesk.core.queue import (
    JobChanged,
    JobProgress,
    JobState,
    QueueBusyError,
    QueueStore,
    Runner,
    RunnerLock,
    RunnerOptions,
    RunnerStatus,
)
from figdesk.core.queue.enqueue import enqueue_upload
from figdesk.core.queue.remote import RemoteRunner
from figdesk.core.queue.wire import encode
from figdesk.core.queue.worker import WORKER_LOG_FILE
from figdesk.core.upload import FileUpload, UploadOptions

FAST = RunnerOptions(probe_initial=0.1, probe_max=0.5, retry_base=0.1, retry_cap=0.5,
                     poll_interval=0.1,
                     upload=UploadOptions(parts_in_flight=2, poll_initial=0.02, poll_max=0.1,
                                          backoff_base=0.05, backoff_cap=0.2))


def wait_for(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture(name="client")
def client_fixture(sandbox: Any) -> Iterator[FigshareClient]:
    with FigshareClient(sandbox.token, api_url=sandbox.api_url) as c:
        yield c


@pytest.fixture(name="store")
def store_fixture(tmp_path: Path) -> Iterator[QueueStore]:
    with QueueStore(tmp_path / "queue.sqlite3") as s:
        yield s


@pytest.fixture(name="remote")
def remote_fixture(store: QueueStore, client: FigshareClient) -> Iterator[RemoteRunner]:
    runner = RemoteRunner(store.path, client, options=FAST, account_id=None)
    yield runner
    runner.stop(timeout=15)


def draft_id(client: FigshareClient) -> int:
    return next(a.id for a in client.list_my_articles() if not a.is_public)


def upload_files(tmp_path: Path, article_id: int, sizes: dict[str, int]) -> list[FileUpload]:
    out = []
    for n, (name, size) in enumerate(sizes.items()):
        path = tmp_path / name
        path.write_bytes(bytes([n + 1]) * size)
        out.append(FileUpload(path=str(path), article_id=article_id, size=size))
    return out


def test_worker_uploads_and_reports_events(sandbox: Any, client: FigshareClient,
                                           store: QueueStore, remote: RemoteRunner,
                                           tmp_path: Path) -> None:
    article_id = draft_id(client)
    part = sandbox.config.part_size
    files = upload_files(tmp_path, article_id, {"w1.bin": 3 * part + 5, "w2.bin": 1000})
    queued = enqueue_upload(store, files, article_id=article_id)
    events: list[Any] = []
    remote.subscribe(events.append)
    remote.start()
    assert remote.running
    ids = {j.id for j in queued.upload_jobs}
    wait_for(lambda: all(j.state is JobState.DONE for j in store.list() if j.id in ids))
    wait_for(lambda: any(isinstance(e, JobChanged) and e.job.state is JobState.DONE
                         and e.job.id in ids for e in events))
    progress = [e for e in events if isinstance(e, JobProgress)]
    assert progress and {e.job_id for e in progress} <= ids
    assert any(e.progress.bytes_done == e.progress.total > 0 for e in progress)
    assert any(isinstance(e, RunnerStatus) and e.state == "running" for e in events)
    on_item = {f.name: f for f in client.list_files(article_id)}
    for fu in files:
        want = hashlib.md5(Path(fu.path).read_bytes()).hexdigest()
        assert on_item[fu.name].computed_md5 == want


def test_requests_round_trip_and_errors_come_back_in_kind(client: FigshareClient,
                                                         store: QueueStore,
                                                         remote: RemoteRunner,
                                                         tmp_path: Path) -> None:
    remote.start()
    remote.pause_all()
    wait_for(lambda: remote.status.state == "paused")
    files = upload_files(tmp_path, draft_id(client), {"p.bin": 10})
    job = enqueue_upload(store, files, article_id=files[0].article_id).upload_jobs[0]
    remote.pause_job(job.id)
    assert store.require(job.id).state is JobState.PAUSED
    remote.resume_job(job.id)
    assert store.require(job.id).state is JobState.QUEUED
    with pytest.raises(UsageError, match="no job 999999"):
        remote.pause_job(999999)
    remote.resume_all()
    wait_for(lambda: store.require(job.id).state is JobState.DONE)


def test_a_second_runner_is_refused_with_the_lock_error(client: FigshareClient,
                                                        store: QueueStore,
                                                        remote: RemoteRunner) -> None:
    local = Runner(store, client, options=FAST)
    local.start()
    try:
        with pytest.raises(QueueBusyError):
            remote.start()
        assert not remote.running
    finally:
        local.stop(timeout=5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_token_is_not_on_the_command_line_or_in_the_environment(
        sandbox: Any, remote: RemoteRunner) -> None:
    remote.start()
    proc = remote._proc
    assert proc is not None
    for name in ("cmdline", "environ"):
        seen = Path(f"/proc/{proc.pid}/{name}").read_bytes()
        assert sandbox.token.encode() not in seen
    remote.stop(timeout=15)
    # Its own log file (two processes must not rotate one), with no token in it.
    log = Path(os.environ["FIGDESK_LOG_DIR"]) / WORKER_LOG_FILE
    assert log.exists()
    assert sandbox.token not in log.read_text()


def test_stop_ends_the_worker_and_frees_the_lock(store: QueueStore,
                                                 remote: RemoteRunner) -> None:
    remote.start()
    lock = RunnerLock(store.lock_path)
    with pytest.raises(QueueBusyError):
        lock.acquire()
    remote.stop(timeout=15)
    assert not remote.running
    assert remote.status.state == "stopped"
    lock.acquire()
    lock.release()


def test_the_worker_stops_when_the_app_goes_away(store: QueueStore, client: FigshareClient,
                                                 tmp_path: Path) -> None:
    """The app's end of stdin closing (the app quit or crashed) ends the worker."""
    proc = subprocess.Popen([sys.executable, "-m", "figdesk.core.queue.worker"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    api_url, token, _ = client.worker_credentials()
    proc.stdin.write(encode({"api_url": api_url, "token": token, "store": str(store.path),
                             "options": {"poll_interval": 0.1}}))
    proc.stdin.flush()
    assert b'"started"' in proc.stdout.readline()
    proc.stdin.close()
    assert proc.wait(15) == 0
    assert b'"stopped"' in proc.stdout.read()


def test_a_bad_hello_is_an_error_in_words(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "figdesk.core.queue.worker"],
                          input=b'{"store": "' + os.fsencode(tmp_path / "q.sqlite3") + b'"}\n',
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 2
    assert b"could not start" in done.stdout
