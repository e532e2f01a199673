"""The runner with a fake client and engine: order, offline, sign-in, reconciling, restarts."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from figdesk.core.errors import OfflineError, ServerError, TimeoutError_, ValidationError
from figdesk.core.queue import (
    JobChanged,
    JobKind,
    JobState,
    QueueBusyError,
    QueueStore,
    Runner,
    RunnerEvent,
    RunnerOptions,
    RunnerStatus,
)
from figdesk.core.queue.enqueue import enqueue_upload
from figdesk.core.upload import FileUpload
from tests.faults.queue_fakes import FakeClient, FakeEngine

FAST = RunnerOptions(files_at_once=3, probe_initial=0.02, probe_max=0.1, retry_base=0.01,
                     retry_cap=0.05, max_transient=4, poll_interval=0.02, create_settle=0.3)


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QueueStore]:
    s = QueueStore(tmp_path / "q.sqlite3")
    yield s
    s.close()


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def engine(client: FakeClient) -> FakeEngine:
    return FakeEngine(client)


def make_runner(store: QueueStore, client: FakeClient, engine: FakeEngine,
                **kw: object) -> Runner:
    return Runner(store, client, options=FAST, engine_factory=lambda c, o: engine, **kw)


def files(tmp_path: Path, *names: str) -> list[FileUpload]:
    out = []
    for n in names:
        p = tmp_path / n
        p.write_bytes(b"data")
        out.append(FileUpload(path=str(p), article_id=0, size=4))
    return out


def states(store: QueueStore) -> list[JobState]:
    return [j.state for j in store.list()]


def test_new_item_files_and_publish(store: QueueStore, client: FakeClient, engine: FakeEngine,
                                    tmp_path: Path) -> None:
    q = enqueue_upload(store, files(tmp_path, "a", "b", "c"), new_metadata={"title": "New"},
                       publish=True)
    seen: list[RunnerEvent] = []
    runner = make_runner(store, client, engine)
    runner.subscribe(seen.append)
    runner.start()
    assert runner.wait_idle(10)
    runner.stop()
    assert states(store) == [JobState.DONE] * 5
    assert len(client.items) == 1
    (item,) = client.items.values()
    assert item.title == "New" and item.version == 1
    assert sorted(engine.initiated) == [(item.id, n) for n in "abc"]
    assert len(engine.part_puts) == 3 * engine.parts
    # publish ran after every upload (its call is the last one to Figshare)
    assert client.calls[-1] == "publish"
    assert all(j.article_id == item.id for j in store.list(group_id=q.group_id))
    wait_for(lambda: any(isinstance(e, JobChanged) and e.job.kind is JobKind.PUBLISH
                         and e.job.state is JobState.DONE for e in seen))


def test_offline_queue_then_online_carries_on(store: QueueStore, client: FakeClient,
                                              engine: FakeEngine, tmp_path: Path) -> None:
    client.offline = True
    runner = make_runner(store, client, engine)
    runner.start()
    enqueue_upload(store, files(tmp_path, "a", "b"), new_metadata={"title": "Offline"})
    wait_for(lambda: runner.status.state == "offline")
    probes_before = client.calls.count("get_account")
    wait_for(lambda: client.calls.count("get_account") >= probes_before + 3)
    # jobs can still be added, edited, reordered and removed while offline
    extra = store.add(JobKind.UPDATE_ITEM, store.list()[0].item_key,
                      {"metadata": {"title": "Offline", "description": "later"}})
    store.edit_metadata(store.list()[0].id, {"title": "Offline v2"})
    store.move(extra.id)
    junk = store.add(JobKind.DELETE_ITEM, "id:1", {})
    store.remove(junk.id)
    assert not client.items
    client.offline = False
    wait_for(lambda: states(store) == [JobState.DONE] * 4)
    runner.stop()
    (item,) = client.items.values()
    assert item.title == "Offline v2" and item.metadata["description"] == "later"


def test_connection_lost_mid_upload_resumes_parts(store: QueueStore, client: FakeClient,
                                                  engine: FakeEngine, tmp_path: Path) -> None:
    enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "T"})
    engine.gate.clear()
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: engine.initiated != [])
    engine.gate.set()
    wait_for(lambda: len(engine.part_puts) >= 2)
    client.offline = True
    wait_for(lambda: runner.status.state == "offline")
    client.offline = False
    wait_for(lambda: states(store) == [JobState.DONE, JobState.DONE])
    runner.stop()
    assert len(engine.initiated) == 1
    assert sorted(engine.part_puts) == [("a", n) for n in range(1, engine.parts + 1)]


def test_revoked_token_pauses_until_retried(store: QueueStore, client: FakeClient,
                                            engine: FakeEngine, tmp_path: Path) -> None:
    client.auth_broken = True
    enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "T"})
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: runner.status.state == "paused")
    assert "Sign-in needed" in runner.status.reason
    assert store.paused_reason and states(store) == [JobState.QUEUED] * 2
    assert runner.wait_idle(5)
    client.auth_broken = False          # signed in again
    runner.set_client(client)
    runner.resume_all()
    wait_for(lambda: states(store) == [JobState.DONE] * 2)
    runner.stop()


def test_create_with_lost_answer_is_not_done_twice(store: QueueStore, client: FakeClient,
                                                   engine: FakeEngine, tmp_path: Path) -> None:
    # an older item with the same title must not be mistaken for ours
    client.create_article({"title": "Same"})
    old_id = max(client.items)
    client.items[old_id].created = client.items[old_id].created.replace(year=2001)
    client.lose_next_create = ServerError("Bad gateway (test)", status=502)
    enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "Same"})
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: states(store) == [JobState.DONE] * 2)
    runner.stop()
    assert len(client.items) == 2
    assert client.calls.count("create_article") == 2   # the old one, and ours once
    assert engine.initiated[0][0] != old_id


def test_create_whose_request_arrives_late_is_not_sent_twice(
        store: QueueStore, client: FakeClient, engine: FakeEngine, tmp_path: Path) -> None:
    # The first POST times out and reaches the server only later (a stalled connection).
    real_create = client.create_article
    late = threading.Timer(0.15, lambda: real_create({"title": "Late"}))
    calls = []

    def create(metadata: dict[str, object]) -> object:
        calls.append(metadata)
        if len(calls) == 1:
            late.start()
            raise TimeoutError_("Figshare took too long (test)")
        return real_create(metadata)

    client.create_article = create  # type: ignore[method-assign]
    enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "Late"})
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: states(store) == [JobState.DONE] * 2)
    runner.stop()
    late.join()
    assert len(calls) == 1 and len(client.items) == 1


def test_create_killed_after_sending_is_found_on_restart(store: QueueStore, client: FakeClient,
                                                         engine: FakeEngine,
                                                         tmp_path: Path) -> None:
    q = enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "Crash"})
    create = q.jobs[0]
    # what a process killed right after the POST leaves behind
    store.update(create.id, state=JobState.RUNNING,
                 payload={**create.payload, "started_at": time.time() - 1,
                          "sent_at": time.time() - 1})
    client.create_article({"title": "Crash"})
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: states(store) == [JobState.DONE] * 2)
    runner.stop()
    assert len(client.items) == 1 and client.calls.count("create_article") == 1


def test_transient_failures_retry_then_fail_and_keep_the_error(
        store: QueueStore, client: FakeClient, engine: FakeEngine, tmp_path: Path) -> None:
    engine.script["a"] = [ServerError("Figshare had a problem (test)", status=500)] * 2
    engine.script["b"] = [ServerError("still broken (test)", status=503)] * 10
    engine.script["c"] = [ValidationError("name is invalid (test)", field="name")]
    q = enqueue_upload(store, files(tmp_path, "a", "b", "c"), article_id=None,
                       new_metadata={"title": "T"})
    runner = make_runner(store, client, engine)
    runner.start()
    assert runner.wait_idle(10)
    jobs = {j.file_name: j for j in store.list(group_id=q.group_id) if j.file_name}
    assert jobs["a"].state is JobState.DONE
    assert jobs["b"].state is JobState.FAILED and "still broken" in jobs["b"].error
    assert jobs["b"].attempts == FAST.max_transient
    assert jobs["c"].state is JobState.FAILED and jobs["c"].error_kind == "ValidationError"
    engine.script.clear()
    runner.retry_failed()
    wait_for(lambda: all(j.state is JobState.DONE for j in store.list()))
    runner.stop()
    assert len(engine.initiated) == 3


def test_pause_resume_cancel_one_job(store: QueueStore, client: FakeClient, engine: FakeEngine,
                                     tmp_path: Path) -> None:
    engine.gate.clear()
    q = enqueue_upload(store, files(tmp_path, "a", "b"), new_metadata={"title": "T"})
    _, a, b = q.jobs
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: store.require(a.id).state is JobState.RUNNING
             and store.require(b.id).state is JobState.RUNNING)
    runner.pause_job(a.id)
    runner.cancel_job(b.id)
    wait_for(lambda: store.require(a.id).state is JobState.PAUSED)
    wait_for(lambda: store.require(b.id).state is JobState.CANCELLED)
    engine.gate.set()
    assert runner.wait_idle(5)
    assert store.require(a.id).state is JobState.PAUSED
    runner.resume_job(a.id)
    wait_for(lambda: store.require(a.id).state is JobState.DONE)
    runner.stop()


def test_requests_from_another_process_reach_the_runner(store: QueueStore, client: FakeClient,
                                                        engine: FakeEngine,
                                                        tmp_path: Path) -> None:
    engine.gate.clear()
    q = enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "T"})
    runner = make_runner(store, client, engine)
    runner.start()
    up = q.jobs[1]
    wait_for(lambda: store.require(up.id).state is JobState.RUNNING)
    other = QueueStore(store.path)          # e.g. `figdesk queue pause` while the GUI runs
    other.request(up.id, "pause")
    wait_for(lambda: store.require(up.id).state is JobState.PAUSED)
    other.set_paused("Paused.")
    wait_for(lambda: runner.status.state == "paused")
    other.set_paused(None)
    other.update(up.id, state=JobState.QUEUED)
    engine.gate.set()
    wait_for(lambda: store.require(up.id).state is JobState.DONE)
    runner.stop()
    other.close()


def test_stop_keeps_progress_and_a_new_runner_resumes(store: QueueStore, client: FakeClient,
                                                      engine: FakeEngine,
                                                      tmp_path: Path) -> None:
    engine.step = 0.05
    q = enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "T"})
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: len(engine.part_puts) >= 1)
    runner.stop()
    wait_for(lambda: not runner.lock.held)
    up = store.require(q.jobs[1].id)
    assert up.state is JobState.QUEUED
    done_before = set(up.upload["parts_done"])
    assert done_before and len(done_before) < engine.parts
    second = make_runner(store, client, engine)
    second.start()
    wait_for(lambda: store.require(up.id).state is JobState.DONE)
    second.stop()
    assert len(engine.initiated) == 1
    assert len(engine.part_puts) == engine.parts     # no part sent twice


def test_one_runner_per_queue(store: QueueStore, client: FakeClient, engine: FakeEngine) -> None:
    first = make_runner(store, client, engine)
    first.start()
    with pytest.raises(QueueBusyError):
        make_runner(QueueStore(store.path), client, engine).start()
    first.stop()
    wait_for(lambda: not first.lock.held)
    second = make_runner(store, client, engine)
    second.start()
    second.stop()


def test_lock_is_released_when_the_holder_is_killed(store: QueueStore, client: FakeClient,
                                                    engine: FakeEngine) -> None:
    code = ("import sys, time; from figdesk.core.queue import RunnerLock; "
            "from pathlib import Path; l = RunnerLock(Path(sys.argv[1])); l.acquire(); "
            "print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(store.lock_path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(QueueBusyError):
            make_runner(store, client, engine).start()
    finally:
        proc.kill()
        proc.wait()
    runner = make_runner(store, client, engine)
    runner.start()
    runner.stop()


def test_scope_limits_what_runs(store: QueueStore, client: FakeClient, engine: FakeEngine,
                                tmp_path: Path) -> None:
    mine = enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "Mine"})
    enqueue_upload(store, files(tmp_path, "b"), new_metadata={"title": "Other"})
    runner = make_runner(store, client, engine, scope=lambda j: j.group_id == mine.group_id)
    runner.start()
    assert runner.wait_idle(10)
    runner.stop()
    assert [i.title for i in client.items.values()] == ["Mine"]
    assert states(store) == [JobState.DONE, JobState.DONE, JobState.QUEUED, JobState.QUEUED]


def test_status_events_for_offline(store: QueueStore, client: FakeClient, engine: FakeEngine,
                                   tmp_path: Path) -> None:
    seen: list[RunnerEvent] = []
    client.offline = True
    enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "T"})
    runner = make_runner(store, client, engine)
    runner.subscribe(seen.append)
    runner.start()
    wait_for(lambda: any(isinstance(e, RunnerStatus) and e.state == "offline" for e in seen))
    client.offline = False
    wait_for(lambda: any(isinstance(e, RunnerStatus) and e.state == "idle" for e in seen))
    runner.stop()
    assert isinstance(OfflineError("x"), OfflineError)


def test_never_sent_tells_refused_from_ambiguous() -> None:
    import requests

    from figdesk.core.queue.actions import never_sent

    def wrapped(cause: BaseException) -> OfflineError:
        try:
            raise OfflineError("no answer") from cause
        except OfflineError as exc:
            return exc

    refused = requests.ConnectionError("HTTPConnectionPool: Max retries exceeded (Caused by "
                                       "NewConnectionError('Failed to establish a new "
                                       "connection: [Errno 111] Connection refused'))")
    assert never_sent(wrapped(refused))
    assert never_sent(wrapped(requests.ConnectTimeout("connect timed out")))
    assert not never_sent(wrapped(requests.ReadTimeout("read timed out")))
    assert not never_sent(wrapped(requests.ConnectionError("Connection aborted: "
                                                           "RemoteDisconnected")))
    assert not never_sent(OfflineError("no cause"))


def test_probe_prefers_a_single_try_ping(store: QueueStore, client: FakeClient,
                                         engine: FakeEngine, tmp_path: Path) -> None:
    pings: list[int] = []
    client.offline = True

    def ping() -> None:
        pings.append(1)
        if client.offline:
            raise OfflineError("down (test)")

    client.ping = ping  # type: ignore[attr-defined]
    enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "T"})
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: len(pings) >= 2)
    client.offline = False
    wait_for(lambda: states(store) == [JobState.DONE] * 2)
    runner.stop()
    assert client.calls.count("get_account") == 0


def test_refused_create_is_sent_again_without_waiting(store: QueueStore, client: FakeClient,
                                                      engine: FakeEngine,
                                                      tmp_path: Path) -> None:
    import dataclasses

    import requests

    real_create = client.create_article
    calls: list[object] = []

    def create(metadata: dict[str, object]) -> object:
        calls.append(metadata)
        if len(calls) == 1:
            cause = requests.ConnectionError("Failed to establish a new connection: "
                                             "[Errno 111] Connection refused")
            raise OfflineError("Figshare could not be reached (test)") from cause
        return real_create(metadata)

    client.create_article = create  # type: ignore[method-assign]
    enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "Refused"})
    # a settle time far longer than the wait below: only a refused send may skip it
    runner = Runner(store, client, options=dataclasses.replace(FAST, create_settle=600),
                    engine_factory=lambda c, o: engine)
    runner.start()
    wait_for(lambda: states(store) == [JobState.DONE] * 2)
    runner.stop()
    assert len(calls) == 2 and len(client.items) == 1


def test_late_record_of_a_lost_initiate_is_swept(store: QueueStore, client: FakeClient,
                                                 engine: FakeEngine, tmp_path: Path) -> None:
    """An initiate that timed out lands on Figshare after the upload finished: the job ends
    only once that orphan record could appear and has been deleted."""
    from figdesk.core.models import FileInfo

    records: list[FileInfo] = []
    deleted: list[int] = []
    real_upload = engine.upload

    def upload(fu: FileUpload, **kw: object) -> FileUpload:
        fu.lost_initiates += 1           # the first initiate's answer never came
        kw["checkpoint"](fu)             # type: ignore[operator]
        out = real_upload(fu, **kw)      # type: ignore[arg-type]
        records.append(FileInfo.from_json({"id": 99, "name": fu.name, "size": fu.size,
                                           "status": "created"}))   # ...and lands late
        records.append(FileInfo.from_json({"id": out.file_id, "name": fu.name,
                                           "size": fu.size, "status": "available"}))
        return out

    engine.upload = upload  # type: ignore[method-assign]
    client.list_files = lambda article_id: list(records)  # type: ignore[method-assign]
    client.delete_file = lambda article_id, file_id: deleted.append(file_id)  # type: ignore[method-assign]
    enqueue_upload(store, files(tmp_path, "a"), new_metadata={"title": "T"})
    runner = make_runner(store, client, engine)
    runner.start()
    wait_for(lambda: states(store) == [JobState.DONE] * 2)
    runner.stop()
    assert deleted == [99]
    assert store.list()[1].payload["swept"] is True


def test_runner_runs_only_its_own_accounts_jobs(store: QueueStore, client: FakeClient,
                                               engine: FakeEngine, tmp_path: Path) -> None:
    """The queue is shared by every profile: another account's jobs stay untouched."""
    from figdesk.core.queue import owner_stamp

    me = client.get_account().id
    api = "http://x/v2"
    client.api_url = api  # type: ignore[attr-defined]
    theirs = enqueue_upload(store, files(tmp_path, "t"), new_metadata={"title": "Theirs"},
                            owner=owner_stamp(api, me + 1))
    mine = enqueue_upload(store, files(tmp_path, "m"), new_metadata={"title": "Mine"},
                          owner=owner_stamp(api, me))
    elsewhere = enqueue_upload(store, files(tmp_path, "e"), new_metadata={"title": "Stage"},
                               owner=owner_stamp("https://api.figsh.com/v2", None))
    runner = make_runner(store, client, engine)      # learns who it is from its first probe
    runner.start()
    try:
        assert runner.wait_idle(10)
    finally:
        runner.stop()
    by_group = {j.group_id: j.state for j in store.list()}
    assert by_group[mine.group_id] is JobState.DONE
    assert by_group[theirs.group_id] is JobState.QUEUED
    assert by_group[elsewhere.group_id] is JobState.QUEUED
    assert {j.group_id for j in runner.jobs()} >= {mine.group_id}
    assert theirs.group_id not in {j.group_id for j in runner.jobs()}
