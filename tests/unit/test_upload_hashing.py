"""Streaming md5, the md5 cache, and slice bodies with exact lengths."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from figdesk.core.errors import FileChangedError, LocalFileError
from figdesk.core.upload import Control, UploadInterrupted
from figdesk.core.upload.hashing import FileIdentity, Md5Cache, md5_file
from figdesk.core.upload.ratelimit import RateLimiter
from figdesk.core.upload.slices import SliceBody


def _write(p: Path, n: int, seed: int = 1) -> bytes:
    data = (bytes(range(256)) * (n // 256 + 1))[:n]
    data = bytes((b + seed) % 256 for b in data[:4096]) + data[4096:]
    p.write_bytes(data[:n])
    return data[:n]


def test_md5_matches_hashlib(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    data = _write(p, 3 * 1024 * 1024 + 17)
    seen: list[int] = []
    assert md5_file(str(p), chunk=65536, on_bytes=seen.append) == hashlib.md5(data).hexdigest()
    assert seen[-1] == len(data)


def test_md5_of_missing_file_is_a_local_error(tmp_path: Path) -> None:
    with pytest.raises(LocalFileError, match="vanished"):
        md5_file(str(tmp_path / "nope"))


def test_md5_notices_a_change(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    _write(p, 1000)
    ident = FileIdentity.of(str(p))
    with p.open("ab") as f:
        f.write(b"more")
    with pytest.raises(FileChangedError):
        md5_file(str(p), expect=ident)


def test_md5_cancel(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    _write(p, 1 << 20)
    c = Control()
    c.cancel()
    with pytest.raises(UploadInterrupted):
        md5_file(str(p), control=c, chunk=4096)


def test_cache_hits_and_misses(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    data = _write(p, 5000)
    db = tmp_path / "cache.sqlite3"
    cache = Md5Cache(db)
    calls: list[int] = []
    digest, ident = cache.md5(str(p), on_bytes=calls.append)
    assert digest == hashlib.md5(data).hexdigest() and calls
    cache.close()
    cache2 = Md5Cache(db)                       # persisted across instances
    calls.clear()
    assert cache2.md5(str(p), on_bytes=calls.append)[0] == digest and not calls
    # same size, new content and mtime: must miss
    p.write_bytes(bytes(5000))
    os.utime(p, ns=(ident.mtime_ns + 10**9, ident.mtime_ns + 10**9))
    assert cache2.md5(str(p))[0] == hashlib.md5(bytes(5000)).hexdigest()


def test_slice_body_exact_bytes(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    data = _write(p, 100_000)
    fd = os.open(p, os.O_RDONLY)
    try:
        sent: list[int] = []
        body = SliceBody(fd, 1234, 50_000, chunk=7000, on_sent=sent.append)
        assert len(body) == 50_000
        chunks = list(body)
        assert b"".join(chunks) == data[1234:51234]
        assert max(len(c) for c in chunks) <= 7000 and sum(sent) == 50_000
        assert b"".join(body) == data[1234:51234]        # a retry iterates again
    finally:
        os.close(fd)


def test_slice_body_refuses_short_file(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    _write(p, 1000)
    fd = os.open(p, os.O_RDONLY)
    try:
        body = SliceBody(fd, 900, 200, path=str(p))
        with pytest.raises(FileChangedError):
            list(body)
        assert isinstance(body.error, FileChangedError)
    finally:
        os.close(fd)


def test_slice_body_stops_on_cancel_and_long_pause(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    _write(p, 10_000)
    fd = os.open(p, os.O_RDONLY)
    try:
        c = Control()
        it = iter(SliceBody(fd, 0, 10_000, chunk=1000, control=c))
        next(it)
        c.cancel()
        with pytest.raises(UploadInterrupted):
            next(it)
        c2 = Control()
        c2.pause()
        with pytest.raises(UploadInterrupted) as ei:
            list(SliceBody(fd, 0, 10_000, chunk=1000, control=c2, pause_hold=0.05))
        assert ei.value.reason == "pause"
        c3 = Control()
        c3.pause()
        threading.Timer(0.05, c3.resume).start()   # a short pause just holds
        assert len(b"".join(SliceBody(fd, 0, 10_000, control=c3, pause_hold=5))) == 10_000
    finally:
        os.close(fd)


def test_rate_limiter_paces_with_fake_clock() -> None:
    now = [0.0]

    def sleep(s: float) -> None:
        now[0] += s

    lim = RateLimiter(100_000, clock=lambda: now[0], sleep=sleep)
    got = 0
    while got < 1_000_000:
        got += lim.take(65536)
    assert now[0] == pytest.approx(10.0, rel=0.05)    # 1 MB at 100 kB/s
    lim.set_rate(None)
    t = now[0]
    assert lim.take(10**9) == 10**9 and now[0] == t     # unlimited: no waiting


def test_rate_limiter_wakes_on_cancel() -> None:
    lim = RateLimiter(1.0)
    c = Control()
    c.cancel()
    with pytest.raises(UploadInterrupted):
        lim.take(10**6, c)
