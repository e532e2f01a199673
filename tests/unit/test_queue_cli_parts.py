"""Pieces of the queue's command line: rates, the progress display, queue list/pause/retry."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from figdesk.cli.progress_display import ProgressDisplay, format_eta
from figdesk.cli.upload_cmd import parse_rate
from figdesk.core.errors import UsageError
from figdesk.core.queue import (
    JobChanged,
    JobKind,
    JobProgress,
    JobState,
    QueueStore,
    RunnerStatus,
    article_key,
)
from figdesk.core.upload import Progress


@pytest.mark.parametrize(("text", "bps"), [
    ("500K", 500 * 1024), ("10M", 10 * 2**20), ("1.5MB/s", 1.5 * 2**20), ("2048", 2048),
    ("1G", 2**30), ("800kbit", 800 * 1024 / 8), ("3 MiB/s", 3 * 2**20), ("64kb", 64 * 1024),
])
def test_parse_rate(text: str, bps: float) -> None:
    assert parse_rate(text) == pytest.approx(bps)


@pytest.mark.parametrize("text", ["", "fast", "-1M", "0", "1.5.2M", "10X"])
def test_parse_rate_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_rate(text)


def test_format_eta() -> None:
    assert format_eta(None) == "--:--"
    assert format_eta(65) == "01:05"
    assert format_eta(3 * 3600 + 61) == "3:01:01"
    assert format_eta(float("inf")) == "--:--"


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _progress(done: int, state: str = "uploading") -> Progress:
    return Progress("k", state, done, 1000, 100.0, (1000 - done) / 100.0)


def test_tty_display_redraws_in_place_at_most_ten_times_a_second() -> None:
    out, clock = io.StringIO(), Clock()
    d = ProgressDisplay(out, tty=True, clock=clock)
    d.add_job(1, "a.bin", 1000)
    d.add_job(2, "b.bin", 1000)
    d.handle(JobProgress(1, _progress(100)))      # state change: drawn at once
    first = out.getvalue()
    assert "a.bin" in first and "b.bin" in first and "total 0/2 files" in first
    for n in range(2, 50):                         # 48 updates within 0.05 s
        clock.t += 0.001
        d.handle(JobProgress(1, _progress(100 + n)))
    assert out.getvalue() == first
    clock.t += 0.2
    d.handle(JobProgress(1, _progress(500)))
    redraw = out.getvalue()[len(first):]
    assert redraw.startswith("\x1b[3F")            # back up over the 3 lines drawn before
    assert " 50.0%" in redraw and "ETA 00:05" in redraw
    with QueueStore() as store:   # a finished job reads as verified, in words
        job = store.add(JobKind.UPLOAD_FILE, article_key(1), {"upload": {"name": "a.bin"}})
        job = store.update(job.id, state=JobState.DONE)
    d.handle(JobChanged(_with_id(job, 1)))
    assert any("a.bin" in line and line.rstrip().endswith("done (verified)")
               for line in out.getvalue().split("\x1b[2K"))


def test_plain_display_prints_state_changes_only() -> None:
    out = io.StringIO()
    d = ProgressDisplay(out, tty=False)
    d.add_job(7, "a.bin", 1000)
    d.handle(JobProgress(7, _progress(10)))
    d.handle(JobProgress(7, _progress(20)))
    d.handle(RunnerStatus("offline", "no network"))
    with QueueStore() as store:   # a real job row to show
        job = store.add(JobKind.UPLOAD_FILE, article_key(1), {"upload": {"name": "a.bin"}})
        job = store.update(job.id, state=JobState.DONE)
    d.handle(JobChanged(_with_id(job, 7)))
    d.close()
    assert out.getvalue().splitlines() == ["a.bin: uploading", "offline: no network",
                                           "a.bin: done (verified)"]
    assert "\x1b" not in out.getvalue()


def _with_id(job, job_id):  # type: ignore[no-untyped-def]
    from dataclasses import replace
    return replace(job, id=job_id)


def _main(*argv: str) -> int:
    from figdesk.cli.main import main
    return main(list(argv))


def test_queue_list_pause_retry_remove(capsys: pytest.CaptureFixture[str]) -> None:
    with QueueStore() as store:
        a = store.add(JobKind.UPDATE_ITEM, article_key(5), {"metadata": {"title": "x"}})
        b = store.add(JobKind.PUBLISH, article_key(5), {})
        store.update(a.id, state=JobState.FAILED, error="Title too short")
    assert _main("queue", "list") == 0
    text = capsys.readouterr().out
    assert "Title too short" in text and f"waiting for job {a.id}" in text
    assert _main("--json", "queue", "list") == 0
    data = json.loads(capsys.readouterr().out)
    assert [j["state"] for j in data["jobs"]] == ["failed", "queued"]
    assert data["jobs"][1]["waiting_for"] == a.id
    assert _main("queue", "pause") == 0
    with QueueStore() as store:
        assert store.paused_reason
    assert _main("queue", "retry", str(a.id)) == 0
    assert _main("queue", "remove", str(b.id)) == 0
    assert _main("queue", "remove", "999") == 2
    assert "no job 999" in capsys.readouterr().err
    with QueueStore() as store:
        assert [(j.id, j.state) for j in store.list()] == [(a.id, JobState.QUEUED)]
        store.update(a.id, state=JobState.DONE)
        store.add(JobKind.PUBLISH, article_key(6), {})
    assert _main("queue", "clear") == 0
    assert "Forgot 1 finished job." in capsys.readouterr().out
    with QueueStore() as store:
        assert [j.kind for j in store.list()] == [JobKind.PUBLISH]


def test_foreground_run_follows_another_runner(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """When the app already runs the queue, `figdesk upload` watches it do the jobs."""
    from figdesk.cli.queue_cmd import report, run_foreground
    from figdesk.core.queue import Runner, RunnerOptions
    from figdesk.core.queue.enqueue import enqueue_upload
    from figdesk.core.upload import FileUpload
    from tests.faults.queue_fakes import FakeClient, FakeEngine

    p = tmp_path / "a.bin"
    p.write_bytes(b"data")
    client = FakeClient()
    engine = FakeEngine(client, step=0.02)
    fast = RunnerOptions(poll_interval=0.02)
    with QueueStore() as store:
        q = enqueue_upload(store, [FileUpload(path=str(p), article_id=0, size=4)],
                           new_metadata={"title": "Shared"})
        app = Runner(QueueStore(store.path), client, options=fast,
                     engine_factory=lambda c, o: engine)
        app.start()
        try:
            result = run_foreground(store, client, fast, scope=lambda j: j.group_id == q.group_id,
                                    engine_factory=lambda c, o: engine)
        finally:
            app.stop()
    assert "Another figdesk is running the queue" in capsys.readouterr().err
    assert [j.state for j in result.jobs] == [JobState.DONE, JobState.DONE]
    assert report(result, json_out=False) == 0
    assert len(client.items) == 1
