"""UploadEngine without a network: finished uploads cost nothing, errors are routed, the
processing-rate estimate learns only from big files, the limiter follows the Control."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from figdesk.core.errors import FigdeskError, OfflineError
from figdesk.core.upload import (
    Control,
    FileUpload,
    Md5Cache,
    UploadEngine,
    UploadOptions,
    UploadState,
)


class NoNetwork:
    """Any call is a test failure (or, with ``offline``, raises OfflineError)."""

    def __init__(self, offline: bool = False) -> None:
        self.offline = offline
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def call(*a: Any, **k: Any) -> Any:
            self.calls.append(name)
            if self.offline:
                raise OfflineError("no network")
            raise AssertionError(f"unexpected call {name}")
        return call


def test_finished_uploads_make_no_calls(tmp_path: Path) -> None:
    client = NoNetwork()
    engine = UploadEngine(client, UploadOptions(), Md5Cache(":memory:"))
    fus = [FileUpload(path=str(tmp_path / f"{i}"), article_id=1, state=s)
           for i, s in enumerate([UploadState.DONE, UploadState.SKIPPED, UploadState.CANCELLED])]
    out = engine.upload_many(fus)
    assert [f.state for f in out] == [UploadState.DONE, UploadState.SKIPPED,
                                      UploadState.CANCELLED]
    assert client.calls == []


def test_offline_is_raised_after_a_queued_checkpoint(tmp_path: Path) -> None:
    p = tmp_path / "a.bin"
    p.write_bytes(b"x" * 100)
    engine = UploadEngine(NoNetwork(offline=True), UploadOptions(part_retries=1, initiate_settle=0),
                          Md5Cache(":memory:"))
    saved: list[str] = []
    fu = FileUpload(path=str(p), article_id=1)
    with pytest.raises(OfflineError):
        engine.upload(fu, checkpoint=lambda f: saved.append(str(f.state)))
    assert saved[-1] == "queued" and fu.error == "no network"
    routed: list[tuple[str, FigdeskError]] = []
    engine.upload_many([FileUpload(path=str(p), article_id=1)],
                       on_error=lambda f, e: routed.append((f.name, e)))
    assert routed and routed[0][0] == "a.bin" and isinstance(routed[0][1], OfflineError)


def test_vanished_file_fails_in_words(tmp_path: Path) -> None:
    engine = UploadEngine(NoNetwork(), UploadOptions(), Md5Cache(":memory:"))
    fu = engine.upload(FileUpload(path=str(tmp_path / "gone.bin"), article_id=1))
    assert fu.state == UploadState.FAILED and "vanished" in fu.error


def test_processing_rate_learns_from_big_files_only() -> None:
    engine = UploadEngine(NoNetwork(), UploadOptions(server_hash_rate=400e6),
                          Md5Cache(":memory:"))
    assert engine.server_hash_rate() == 400e6
    assert engine.server_hash_rate(150e6) == 150e6        # a slow machine: poll later
    assert engine.server_hash_rate(900e6) == 400e6        # a fast one: keep the guess
    engine.observe_processing(1000, 5.0)               # tiny file: latency, not rate
    assert engine.server_hash_rate() == 400e6
    engine.observe_processing(1 << 30, 10.0)
    assert engine.server_hash_rate() == pytest.approx((1 << 30) / 10.0)
    assert engine.server_hash_rate(10.0) == pytest.approx((1 << 30) / 10.0)   # seen wins


def test_poll_offsets_probe_early_only_when_the_estimate_is_far() -> None:
    from itertools import islice

    from figdesk.core.upload.remote import poll_offsets

    opts = UploadOptions(poll_initial=0.1, poll_max=5.0)
    # a big file: one quick probe, then 0.6x and 1x of the estimate, then doubling gaps
    assert list(islice(poll_offsets(10.0, opts), 5)) == pytest.approx([0.1, 6.0, 10.0, 15.0, 20.0])
    # no probe when asked not to (our md5 was still running when the last part went in)
    assert list(islice(poll_offsets(10.0, opts, probe=False), 2)) == pytest.approx([6.0, 10.0])
    # a small one: the estimate is near, so no separate probe
    assert list(islice(poll_offsets(1.0, opts), 4)) == pytest.approx([0.6, 1.0, 1.8, 3.4])
    # nothing to wait for: gaps start at poll_initial and double
    assert list(islice(poll_offsets(0.0, opts), 3)) == pytest.approx([0.0, 0.1, 0.3])


def test_control_limit_reaches_the_limiter(tmp_path: Path) -> None:
    engine = UploadEngine(NoNetwork(), UploadOptions(limit_rate=1e6), Md5Cache(":memory:"))
    assert engine.limiter.rate == 1e6
    c = Control()
    c.set_limit_rate(2e6)
    engine.upload(FileUpload(path=str(tmp_path / "gone.bin"), article_id=1), control=c)
    assert engine.limiter.rate == 2e6
