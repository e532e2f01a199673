"""The engine when things go wrong: resume, stale uploads, lost answers, retries, ic_failure."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from figdesk.core.api import FigshareClient, RetryPolicy
from figdesk.core.errors import OfflineError, ServerError
from figdesk.core.upload import FileUpload, UploadEngine, UploadOptions, UploadState
from tests.integration.engine_support import PART, Env, make_env


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from make_env(tmp_path)


class Crash(Exception):
    """Stands in for a kill -9: the run stops dead after a checkpoint."""


def test_resume_after_a_crash_sends_only_missing_parts(env: Env) -> None:
    path, digest = env.make("big.bin", 12 * PART)
    rows: list[dict[str, object]] = []

    def crash_after_three_parts(fu: FileUpload) -> None:
        rows.append(fu.to_json())
        if len(fu.parts_done) >= 3:
            raise Crash()

    with pytest.raises(Crash):
        env.engine(parts_in_flight=1).upload(env.fu(path), checkpoint=crash_after_three_parts)
    last = FileUpload.from_json(rows[-1])
    assert last.file_id is not None and len(last.parts_done) == 3
    puts_before = env.puts()
    out = env.engine(parts_in_flight=3).upload(last)
    assert out.state == UploadState.DONE and out.md5 == digest, out.error
    assert env.puts() - puts_before == 12 - 3
    assert env.stored_bytes(out.file_id) == path.read_bytes()
    assert len(env.files()) == 1


def test_stale_upload_is_deleted_and_started_again(env: Env) -> None:
    path, digest = env.make("s.bin", 4 * PART)
    rows: list[FileUpload] = []

    def stop_when_uploading(fu: FileUpload) -> None:
        rows.append(FileUpload.from_json(fu.to_json()))
        if fu.parts_done:
            raise Crash()

    with pytest.raises(Crash):
        env.engine(parts_in_flight=1).upload(env.fu(path), checkpoint=stop_when_uploading)
    stale = rows[-1]
    stale_id = stale.file_id
    env.sb.abort_upload(stale.upload_url)
    out = env.engine().upload(stale)
    assert out.state == UploadState.DONE and out.md5 == digest
    assert out.file_id != stale_id
    assert [f.id for f in env.files()] == [out.file_id]      # the stale record is gone


def test_lost_initiate_answer_is_reconciled_not_duplicated(env: Env) -> None:
    path, digest = env.make("lost.bin", 2 * PART)
    env.sb.faults.fail_next("api", "after_commit", method="POST", path=r"/files$")
    out = env.engine(hash_mode="before").upload(env.fu(path))
    assert out.state == UploadState.DONE and out.md5 == digest
    assert len(env.files()) == 1


def test_lost_initiate_answer_never_takes_the_same_file_in_another_folder(env: Env) -> None:
    # The same bytes under the same name, going up into run2/ as well: its record is there,
    # not yet uploaded, when the answer to our initiate (into run1/) is lost.
    path, digest = env.make("same.bin", 2 * PART)
    other = env.client.initiate_upload(env.article_id, "same.bin", 2 * PART, digest, "run2")
    env.sb.faults.fail_next("api", "after_commit", method="POST", path=r"/files$")
    fu = env.fu(path, folder_path="run1")
    out = env.engine(hash_mode="before").upload(fu)
    assert out.state == UploadState.DONE and out.md5 == digest
    assert out.file_id != other
    store = env.sb.core.store.files
    assert store[out.file_id].folder_path == "run1"
    assert other in store and store[other].folder_path == "run2"      # neither taken nor swept
    assert sorted(f.id for f in env.files()) == sorted([out.file_id, other])


def test_lost_complete_answer(env: Env) -> None:
    path, _ = env.make("lostc.bin", 2 * PART)
    env.sb.faults.fail_next("api", "after_commit", method="POST", path=r"/files/\d+$")
    out = env.engine().upload(env.fu(path))
    assert out.state == UploadState.DONE and len(env.files()) == 1


def test_part_errors_429_drops_and_409_are_retried(env: Env) -> None:
    path, digest = env.make("flaky.bin", 16 * PART + 5)
    f = env.sb.faults
    f.set(retry_after=0)
    f.fail_next("upload", "error", method="PUT", count=2)
    f.fail_next("upload", "rate_limit", method="PUT", count=2)
    f.fail_next("upload", "drop", method="PUT", count=2)
    engine = env.engine(parts_in_flight=4, max_connections=8)
    out = engine.upload(env.fu(path))
    assert out.state == UploadState.DONE and out.md5 == digest, out.error
    assert env.stored_bytes(out.file_id) == path.read_bytes()
    assert engine.slots.limit < 8           # AIMD shrank on the 429/5xx


def test_random_faults_still_end_verified(env: Env) -> None:
    path, digest = env.make("rand.bin", 20 * PART)
    env.sb.faults.set(upload_error_rate=0.15, drop_rate=0.1, upload_rate_limit_rate=0.1,
                      retry_after=0)
    out = env.engine(parts_in_flight=4, part_retries=20).upload(env.fu(path))
    assert out.state == UploadState.DONE and out.md5 == digest, out.error
    env.sb.faults.reset()
    assert env.stored_bytes(out.file_id) == path.read_bytes()


def test_ic_failure_retried_then_done(env: Env) -> None:
    path, digest = env.make("ic.bin", 2 * PART)
    env.sb.faults.force_ic_failure(1)
    out = env.engine(hash_mode="before").upload(env.fu(path))
    assert out.state == UploadState.DONE and out.ic_failures == 1 and out.md5 == digest
    assert [f.id for f in env.files()] == [out.file_id]


def test_ic_failure_three_times_fails_in_words(env: Env) -> None:
    path, _ = env.make("ic3.bin", PART)
    env.sb.faults.force_ic_failure(3)
    out = env.engine().upload(env.fu(path))
    assert out.state == UploadState.FAILED and out.ic_failures == 3
    assert "check of the uploaded bytes failed" in out.error
    assert env.files() == []                    # nothing half-done left on the item


def test_slow_processing_is_reported_then_checked_again(env: Env) -> None:
    path, digest = env.make("slow.bin", PART)
    env.sb.faults.set(processing_step=0.6)
    out = env.engine(poll_timeout=0.3).upload(env.fu(path))
    assert out.state == UploadState.PROCESSING and "processing on figshare" in out.error.lower()
    env.sb.faults.set(processing_step=0.0)
    puts = env.puts()
    again = env.engine(poll_timeout=20).upload(out)
    assert again.state == UploadState.DONE and again.md5 == digest and env.puts() == puts


def test_offline_raises_and_leaves_it_queued(env: Env) -> None:
    path, digest = env.make("off.bin", PART)
    fu = env.fu(path)
    env.sb.faults.set(error_rate=1.0)
    with pytest.raises((OfflineError, ServerError)):
        env.engine(part_retries=2).upload(fu)
    # note: a 5xx on initiate counts as a possibly-lost answer: reconciled, then given up
    assert fu.state == UploadState.QUEUED and fu.error
    env.sb.faults.reset()
    out = env.engine().upload(fu)
    assert out.state == UploadState.DONE and out.md5 == digest and len(env.files()) == 1


CHILD = r"""
import json, os, sys
from figdesk.core.api import FigshareClient
from figdesk.core.upload import FileUpload, Md5Cache, UploadEngine, UploadOptions
api, token, aid, path, state = sys.argv[1:6]
client = FigshareClient(token, api)
engine = UploadEngine(client, UploadOptions(parts_in_flight=2), Md5Cache(":memory:"))

def save(fu):
    tmp = state + ".tmp"
    with open(tmp, "w") as f:
        json.dump(fu.to_json(), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, state)

engine.upload(FileUpload(path=path, article_id=int(aid)), checkpoint=save)
"""


def test_kill_9_mid_upload_then_resume(env: Env, tmp_path: Path) -> None:
    path, digest = env.make("k.bin", 64 * PART)
    env.sb.faults.set(bandwidth=1_000_000)
    state = tmp_path / "state.json"
    child = subprocess.Popen([sys.executable, "-c", CHILD, env.sb.api_url, env.sb.token,
                              str(env.article_id), str(path), str(state)],
                             cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline and child.poll() is None
            if state.exists() and len(json.loads(state.read_text())["parts_done"]) >= 3:
                break
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    env.sb.faults.set(bandwidth=0)
    fu = FileUpload.from_json(json.loads(state.read_text()))
    assert fu.state == UploadState.UPLOADING and fu.file_id is not None
    puts = env.puts()
    out = env.engine().upload(fu)
    assert out.state == UploadState.DONE and out.md5 == digest
    assert env.puts() - puts <= 64 - 3              # the parts already COMPLETE are not resent
    assert env.stored_bytes(out.file_id) == path.read_bytes()
    assert len(env.files()) == 1


@pytest.mark.parametrize("settle", [1.5, 0.3], ids=["found-on-second-look", "swept-when-done"])
def test_stalled_initiate_answered_late_leaves_no_duplicate(env: Env, settle: float) -> None:
    path, digest = env.make("stall.bin", 64 * PART)
    env.sb.faults.fail_next("api", "stall", method="POST", path=r"/files$", seconds=1.0)
    env.sb.faults.set(bandwidth=1_000_000)           # the upload outlasts the stall
    impatient = FigshareClient(env.sb.token, env.sb.api_url, timeout=(5.0, 0.3),
                               retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.05))
    try:
        # 2 parts at a time at 1 MB/s each: the 4 MiB take ~2 s, well past the 1 s stall
        engine = UploadEngine(impatient, UploadOptions(backoff_base=0.02, backoff_cap=0.1,
                                                       poll_initial=0.02, parts_in_flight=2,
                                                       initiate_settle=settle), env.cache)
        out = engine.upload(env.fu(path))
    finally:
        impatient.close()
    env.sb.faults.set(bandwidth=0)
    assert out.state == UploadState.DONE and out.md5 == digest, out.error
    assert [f.id for f in env.files()] == [out.file_id]
    assert out.lost_initiates == 0
