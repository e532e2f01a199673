"""FileUpload round-trips through JSON, Control switches, progress meter and throttling."""

from __future__ import annotations

import json
import threading
import time

import pytest

from figdesk.core.upload import Control, FileUpload, Progress, SpeedMeter, UploadInterrupted
from figdesk.core.upload.progress import ProgressReporter
from figdesk.core.upload.state import UploadState


def test_file_upload_defaults_and_round_trip() -> None:
    fu = FileUpload(path="/data/run 1/a.bin", article_id=42, folder_path="run 1")
    assert fu.name == "a.bin" and fu.key == "/data/run 1/a.bin"
    fu.parts_done = [3, 1, 1]
    fu.state = UploadState.UPLOADING
    text = json.dumps(fu.to_json())
    back = FileUpload.from_json(json.loads(text))
    assert back.parts_done == [1, 3]
    assert back.state == "uploading" and isinstance(back.state, UploadState)
    assert back.folder_path == "run 1" and back.article_id == 42


def test_from_json_tolerates_unknown_keys_and_bad_state() -> None:
    fu = FileUpload.from_json({"path": "/x", "article_id": 1, "state": "weird", "future": 1})
    assert fu.state == UploadState.QUEUED


def test_forget_remote() -> None:
    fu = FileUpload(path="/x", article_id=1, file_id=5, upload_url="u", parts_done=[1],
                    bytes_done=9)
    fu.forget_remote()
    assert fu.file_id is None and fu.upload_url == "" and fu.parts_done == [] and fu.bytes_done == 0


def test_finished_states() -> None:
    assert UploadState.DONE.finished and UploadState.SKIPPED.finished
    assert not UploadState.PROCESSING.finished and not UploadState.PAUSED.finished


def test_control_cancel_wakes_sleep_quickly() -> None:
    c = Control()
    threading.Timer(0.05, c.cancel).start()
    t0 = time.monotonic()
    with pytest.raises(UploadInterrupted) as ei:
        c.sleep(30)
    assert ei.value.reason == "cancel"
    assert time.monotonic() - t0 < 5  # woke on the cancel, not after 30 s


def test_control_pause_blocks_until_resume() -> None:
    c = Control()
    c.pause()
    assert c.wait_while_paused(timeout=0.05) is False
    threading.Timer(0.05, c.resume).start()
    assert c.wait_while_paused() is True
    c.stop()
    with pytest.raises(UploadInterrupted) as ei:
        c.check()
    assert ei.value.reason == "stop"


def test_control_rate_listeners() -> None:
    c = Control()
    seen: list[float | None] = []
    c.add_rate_listener(seen.append)
    c.set_limit_rate(1000)
    c.set_limit_rate(0)
    assert seen == [1000, None] and c.limit_rate is None


def test_speed_meter_window() -> None:
    m = SpeedMeter(window=2.0)
    for i in range(11):           # 100 B/s for 10 s
        m.add(i * 100, now=float(i))
    assert m.speed(now=10.0) == pytest.approx(100.0)
    assert m.eta(500, now=10.0) == pytest.approx(5.0)
    for i in range(11, 15):       # then 1000 B/s: the window follows quickly
        m.add(1000 + (i - 10) * 1000, now=float(i))
    assert m.speed(now=14.0) == pytest.approx(1000.0)
    assert m.speed(now=20.0) < 1000.0     # a stall shows the speed falling


def test_reporter_throttles_but_passes_state_changes() -> None:
    now = [0.0]
    events: list[Progress] = []
    r = ProgressReporter("k", events.append, max_rate=10, clock=lambda: now[0])
    r.update(state="uploading", total=1000)
    for i in range(100):          # 100 updates in 0.1 s
        now[0] += 0.001
        r.update(bytes_done=i * 10)
    assert 1 <= len(events) <= 3
    r.update(state="done", bytes_done=1000)
    assert events[-1].state == "done" and events[-1].bytes_done == 1000


def test_reporter_survives_a_broken_subscriber() -> None:
    def boom(_: Progress) -> None:
        raise RuntimeError("subscriber bug")

    r = ProgressReporter("k", boom)
    r.update(state="uploading")   # must not raise
    assert r.bytes_done == 0
