"""Part sending with a fake upload service: 409, lost answers, Retry-After, AIMD, 404."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from figdesk.core.errors import (
    ConflictError,
    NotFoundError,
    OfflineError,
    RateLimitedError,
    ServerError,
)
from figdesk.core.models import UploadPart
from figdesk.core.upload import Control, UploadInterrupted, UploadOptions
from figdesk.core.upload.concurrency import AdaptiveLimit
from figdesk.core.upload.parts import PartContext, PartSender, UploadGone
from figdesk.core.upload.ratelimit import RateLimiter


class FakeService:
    """Answers PUT/GET part from a script of exceptions per part number."""

    def __init__(self, script: dict[int, list[Exception]], complete_on_get: set[int]) -> None:
        self.script = script
        self.complete_on_get = complete_on_get
        self.received: dict[int, bytes] = {}
        self.puts: list[int] = []
        self.gets: list[int] = []
        self.lock = threading.Lock()

    def put_upload_part(self, url: str, part_no: int, body: Iterable[bytes], length: int,
                        **kw: Any) -> None:
        with self.lock:
            self.puts.append(part_no)
            todo = self.script.get(part_no)
            err = todo.pop(0) if todo else None
        data = b"".join(body)
        assert len(data) == length
        if err is not None:
            raise err
        self.received[part_no] = data

    def get_upload_part(self, url: str, part_no: int, **kw: Any) -> UploadPart:
        self.gets.append(part_no)
        status = "COMPLETE" if part_no in self.complete_on_get else "PENDING"
        return UploadPart(part_no, 0, 0, status, False)


def _run(tmp_path: Path, svc: FakeService, n: int = 4, slots: AdaptiveLimit | None = None,
         **opts: Any) -> tuple[list[int], bytes]:
    data = os.urandom(n * 1000 + 7)
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    parts = [UploadPart(i + 1, i * 1000, min(len(data), (i + 1) * 1000) - 1, "PENDING", False)
             for i in range(n)]
    parts[-1] = UploadPart(n, (n - 1) * 1000, len(data) - 1, "PENDING", False)
    done: list[int] = []
    fd = os.open(p, os.O_RDONLY)
    slots = slots or AdaptiveLimit(8, 8)
    options = UploadOptions(backoff_base=0.001, backoff_cap=0.01, **opts)
    try:
        ctx = PartContext(svc, "u", fd, str(p), options, Control(), RateLimiter(None), slots,
                          lambda part: done.append(part.part_no))
        PartSender(ctx, parts).run()
    finally:
        os.close(fd)
    return done, data


def test_all_parts_exact_bytes(tmp_path: Path) -> None:
    svc = FakeService({}, set())
    done, data = _run(tmp_path, svc, parts_in_flight=3)
    assert sorted(done) == [1, 2, 3, 4]
    assert b"".join(svc.received[i] for i in range(1, 5)) == data


def test_409_then_part_found_complete_is_not_resent(tmp_path: Path) -> None:
    svc = FakeService({2: [ConflictError("locked")]}, complete_on_get={2})
    done, _ = _run(tmp_path, svc)
    assert sorted(done) == [1, 2, 3, 4] and svc.puts.count(2) == 1 and svc.gets == [2]


def test_409_locked_waits_and_retries(tmp_path: Path) -> None:
    svc = FakeService({3: [ConflictError("locked"), ConflictError("locked")]}, set())
    done, data = _run(tmp_path, svc)
    assert svc.puts.count(3) == 3 and svc.received[3] == data[2000:3000] and 3 in done


def test_lost_answer_checks_the_part_first(tmp_path: Path) -> None:
    svc = FakeService({1: [OfflineError("reset")]}, complete_on_get={1})
    done, _ = _run(tmp_path, svc)
    assert 1 in done and svc.puts.count(1) == 1


def test_retry_after_is_a_floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(Control, "sleep", lambda self, s: slept.append(s))
    svc = FakeService({1: [RateLimitedError("slow down", retry_after=7.0)],
                       2: [ServerError("boom")]}, set())
    _run(tmp_path, svc)
    assert 7.0 in slept and all(s <= 7.0 for s in slept)


def test_overload_shrinks_concurrency(tmp_path: Path) -> None:
    slots = AdaptiveLimit(8, 8)
    _run(tmp_path, FakeService({1: [ServerError("busy")]}, set()), slots=slots)
    assert slots.limit == 4


def test_gone_upload_and_giving_up(tmp_path: Path) -> None:
    with pytest.raises(UploadGone):
        _run(tmp_path, FakeService({2: [NotFoundError("gone")]}, set()))
    with pytest.raises(OfflineError, match="could not be sent"):
        _run(tmp_path, FakeService({1: [ServerError("x")] * 10}, set()), part_retries=3)


def test_frontier_paces_a_reader_and_releases_it(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(bytes(4000))
    fd = os.open(p, os.O_RDONLY)
    try:
        parts = [UploadPart(i + 1, i * 1000, i * 1000 + 999, "PENDING", False) for i in range(4)]
        ctx = PartContext(FakeService({}, set()), "u", fd, str(p), UploadOptions(), Control(),
                          RateLimiter(None), AdaptiveLimit(1, 1), lambda part: None)
        sender = PartSender(ctx, parts)
        c = Control()
        sender.wait_frontier(0, c)                   # part 1 starts at 0: nothing to wait for
        released = threading.Event()

        def reader() -> None:
            sender.wait_frontier(2500, c)            # needs parts 1..3 taken
            released.set()

        t = threading.Thread(target=reader)
        t.start()
        assert not released.wait(0.3)
        sender.run()                                 # takes every part, then finishes
        t.join(5)
        assert released.is_set()
        sender.finish(failed=True)
        with pytest.raises(UploadInterrupted):
            sender.wait_frontier(10**9, c)
    finally:
        os.close(fd)
