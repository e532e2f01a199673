"""Cancel, pause, stop, a file changing mid-upload, and progress events, against a sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from figdesk.core.upload import Control, FileUpload, Progress, UploadState
from tests.integration.engine_support import PART, Env, make_env, md5_of


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from make_env(tmp_path)


def _run(env: Env, fu: FileUpload, control: Control, **opts: object) -> dict[str, object]:
    box: dict[str, object] = {}

    def go() -> None:
        box["out"] = env.engine(**opts).upload(fu, checkpoint=env.checkpoint,
                                              progress=env.events.append, control=control)

    t = threading.Thread(target=go)
    t.start()
    box["thread"] = t
    return box


def _wait(cond: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_cancel_stops_within_a_second_and_removes_the_record(env: Env) -> None:
    path, _ = env.make("c.bin", 64 * PART)
    env.sb.faults.set(bandwidth=1_000_000)        # 4 MiB at ~1 MB/s per connection
    fu = env.fu(path)
    c = Control()
    box = _run(env, fu, c, parts_in_flight=2)
    _wait(lambda: fu.parts_done)
    t0 = time.monotonic()
    c.cancel()
    t: threading.Thread = box["thread"]  # type: ignore[assignment]
    t.join(10)
    assert not t.is_alive()
    assert time.monotonic() - t0 < 3.0     # the goal is 1 s; margin for a loaded 2-core CI box
    assert fu.state == UploadState.CANCELLED and fu.file_id is None
    assert env.files() == []


def test_cancel_ends_a_part_waiting_for_the_servers_answer(env: Env) -> None:
    # The part's bytes are all sent (they fit in the socket buffers); the upload service
    # holds back its answer for 30 s. The cancel must not wait for it.
    path, _ = env.make("w.bin", 2 * PART)
    env.sb.faults.fail_next("upload", "stall", method="PUT", seconds=30.0)
    fu = env.fu(path)
    c = Control()
    box = _run(env, fu, c, parts_in_flight=1)
    _wait(lambda: fu.state == UploadState.UPLOADING)
    time.sleep(0.5)                                # the first PUT is out, its answer held
    c.cancel()
    t: threading.Thread = box["thread"]  # type: ignore[assignment]
    t.join(20)
    assert not t.is_alive(), "the cancel waited for the server's answer"
    assert fu.state == UploadState.CANCELLED and fu.file_id is None
    assert env.files() == []


def test_pause_then_resume_finishes(env: Env) -> None:
    path, digest = env.make("p.bin", 64 * PART)
    env.sb.faults.set(bandwidth=1_000_000)        # ~2 s: room for a loaded CI box
    fu = env.fu(path)
    c = Control()
    box = _run(env, fu, c, parts_in_flight=2, pause_hold=0.2)
    _wait(lambda: fu.parts_done)
    c.pause()
    _wait(lambda: fu.state == UploadState.PAUSED)
    n = len(fu.parts_done)
    time.sleep(0.5)                               # paused long enough to drop the open PUTs
    assert len(fu.parts_done) <= n + 2            # at most the parts that were nearly done
    env.sb.faults.set(bandwidth=0)
    c.resume()
    t: threading.Thread = box["thread"]  # type: ignore[assignment]
    t.join(30)
    assert fu.state == UploadState.DONE and fu.md5 == digest
    assert "paused" in [s["state"] for s in env.saved]


def test_stop_keeps_remote_state_for_a_later_resume(env: Env) -> None:
    path, digest = env.make("s.bin", 64 * PART)
    env.sb.faults.set(bandwidth=1_000_000)        # ~2 s: room for a loaded CI box
    fu = env.fu(path)
    c = Control()
    box = _run(env, fu, c, parts_in_flight=2)
    _wait(lambda: len(fu.parts_done) >= 2)
    c.stop()
    t: threading.Thread = box["thread"]  # type: ignore[assignment]
    t.join(10)
    assert fu.state == UploadState.PAUSED and fu.file_id is not None
    done = len(fu.parts_done)
    env.sb.faults.set(bandwidth=0)
    puts = env.puts()
    out = env.engine().upload(FileUpload.from_json(fu.to_json()))
    assert out.state == UploadState.DONE and out.md5 == digest
    assert env.puts() - puts <= 64 - done + 2     # only what was missing (plus dropped ones)


def test_file_changed_mid_upload_restarts_with_new_bytes(env: Env) -> None:
    path, _ = env.make("chg.bin", 64 * PART)
    env.sb.faults.set(bandwidth=1_000_000)        # ~2 s: room for a loaded CI box
    fu = env.fu(path)
    c = Control()
    box = _run(env, fu, c, parts_in_flight=2)
    _wait(lambda: len(fu.parts_done) >= 2)
    with path.open("r+b") as f:                   # same size, new content, new mtime
        f.write(b"CHANGED!" * 1000)
    env.sb.faults.set(bandwidth=0)
    t: threading.Thread = box["thread"]  # type: ignore[assignment]
    t.join(30)
    assert fu.state == UploadState.DONE, fu.error
    assert fu.md5 == md5_of(path) and fu.attempts == 1     # restarted once
    assert env.stored_bytes(fu.file_id) == path.read_bytes()
    assert [f.id for f in env.files()] == [fu.file_id]


def test_progress_events_are_rate_limited(env: Env) -> None:
    path, digest = env.make("prog.bin", 64 * PART)
    env.sb.faults.set(bandwidth=4_000_000)
    events: list[tuple[float, Progress]] = []
    fu = env.fu(path)
    t0 = time.monotonic()
    out = env.engine(parts_in_flight=2).upload(
        fu, progress=lambda p: events.append((time.monotonic(), p)))
    elapsed = time.monotonic() - t0
    assert out.state == UploadState.DONE and out.md5 == digest
    uploading = [p for _, p in events if p.state == "uploading"]
    assert uploading and max(p.bytes_done for p in uploading) <= out.size
    assert [p.bytes_done for p in uploading] == sorted(p.bytes_done for p in uploading)
    assert any(p.speed > 0 for p in uploading) and any(p.eta is not None for p in uploading)
    # state changes always pass; besides them, at most ~10 a second
    assert len(uploading) <= 10 * elapsed + 6
    assert events[-1][1].state == "done" and events[-1][1].bytes_done == out.size


def test_cancel_ends_a_long_retry_after_wait_in_the_client(env: Env) -> None:
    path, _ = env.make("ra.bin", 4 * PART)
    env.sb.faults.set(retry_after=30)
    env.sb.faults.fail_next("upload", "rate_limit", method="GET", count=3)
    fu = env.fu(path)
    c = Control()
    box = _run(env, fu, c)
    _wait(lambda: env.sb.requests.count(service="upload", method="GET") >= 1)
    t0 = time.monotonic()
    c.cancel()
    t: threading.Thread = box["thread"]  # type: ignore[assignment]
    t.join(10)
    assert not t.is_alive() and time.monotonic() - t0 < 3.0   # not the 30 s Retry-After
    assert fu.state == UploadState.CANCELLED and env.files() == []
