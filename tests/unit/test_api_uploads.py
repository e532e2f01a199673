"""The upload service calls (exact bodies, never chunked) and streamed downloads."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from figdesk.core import errors as E
from figdesk.core.api import FigshareClient, RetryPolicy
from tests.unit.api_fakeserver import TOKEN, FakeServer, Reply


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


def make(server: FakeServer) -> FigshareClient:
    return FigshareClient(TOKEN, server.url + "/v2", retry=RetryPolicy.never())


DATA = bytes(range(256)) * 4096          # 1 MiB, several chunks


@pytest.mark.parametrize("kind", ["file", "iterable", "generator", "small"])
def test_part_put_exact_content_length_never_chunked(server: FakeServer, kind: str) -> None:
    server.route("PUT", "/upload/tok/3", Reply(200))
    body: Any
    start, length = 1000, 700_001
    want = DATA[start:start + length]
    if kind == "file":
        body = io.BytesIO(DATA)
        body.seek(start)                  # more data follows: only `length` bytes may go
    elif kind == "iterable":
        body = [want[:100], want[100:300_000], want[300_000:]]
    elif kind == "generator":
        body = (want[i:i + 65536] for i in range(0, len(want), 65536))
    else:
        want, length, body = b"x", 1, io.BytesIO(b"x")
    make(server).put_upload_part(server.url + "/upload/tok", 3, body, length)
    rec = server.calls("PUT")[0]
    assert rec.headers["content-length"] == str(length)
    assert "transfer-encoding" not in rec.headers
    assert rec.body == want
    assert "content-type" not in rec.headers


def test_empty_part_says_content_length_zero(server: FakeServer) -> None:
    server.route("PUT", "/upload/tok/1", Reply(200))
    make(server).put_upload_part(server.url + "/upload/tok", 1, io.BytesIO(b""), 0)
    rec = server.calls("PUT")[0]
    assert rec.headers["content-length"] == "0" and "transfer-encoding" not in rec.headers


def test_short_source_raises_file_changed_not_a_short_body(server: FakeServer) -> None:
    server.route("PUT", "/upload/tok/1", Reply(200))
    with pytest.raises(E.FileChangedError):
        make(server).put_upload_part(server.url + "/upload/tok", 1, io.BytesIO(b"abc"), 10)
    with pytest.raises(E.FileChangedError):
        make(server).put_upload_part(server.url + "/upload/tok", 1, [b"abcdef"], 3)


def test_part_put_progress_and_cancel(server: FakeServer) -> None:
    server.route("PUT", "/upload/tok/1", Reply(200))
    seen: list[tuple[int, int]] = []
    make(server).put_upload_part(server.url + "/upload/tok", 1, io.BytesIO(DATA), len(DATA),
                                 progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(DATA), len(DATA)) and len(seen) >= 4
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    cancel = threading.Event()

    def chunks() -> Iterator[bytes]:
        yield b"a" * 1000
        cancel.set()
        yield b"b" * 1000

    with pytest.raises(E.CancelledError):
        make(server).put_upload_part(server.url + "/upload/tok", 1, chunks(), 2000,
                                     cancel=cancel)


@pytest.mark.parametrize("status,cls", [(404, E.NotFoundError), (409, E.ConflictError),
                                        (500, E.ServerError)])
def test_upload_service_errors_with_empty_bodies(server: FakeServer, status: int,
                                                 cls: type) -> None:
    server.route("PUT", "/upload/tok/2", Reply(status))
    server.route("GET", "/upload/tok", Reply(status))
    server.route("DELETE", "/upload/tok/2", Reply(status))
    c = make(server)
    for call in (lambda: c.put_upload_part(server.url + "/upload/tok", 2, [b"x"], 1),
                 lambda: c.get_upload_info(server.url + "/upload/tok"),
                 lambda: c.reset_upload_part(server.url + "/upload/tok", 2)):
        with pytest.raises(E.FigdeskError) as info:
            call()
        assert type(info.value) is cls and info.value.status == status


def test_upload_info_parsed(server: FakeServer) -> None:
    server.route("GET", "/upload/tok", Reply(200, json={
        "token": "tok", "name": "1/a.bin", "size": 25, "md5": "m", "status": "PENDING",
        "parts": [{"partNo": 2, "startOffset": 10, "endOffset": 24, "status": "PENDING",
                   "locked": False},
                  {"partNo": 1, "startOffset": 0, "endOffset": 9, "status": "COMPLETE",
                   "locked": True}]}))
    info = make(server).get_upload_info(server.url + "/upload/tok")
    assert [p.part_no for p in info.parts] == [1, 2]
    assert [p.length for p in info.parts] == [10, 15]
    assert info.parts[0].complete and info.parts[0].locked and info.status == "PENDING"


def test_download_streams_with_progress(server: FakeServer) -> None:
    server.route("GET", "/v2/file/download/4", Reply(200, body=DATA))
    out = io.BytesIO()
    seen: list[tuple[int, int | None]] = []
    n = make(server).download_file(4, out, progress=lambda d, t: seen.append((d, t)))
    assert n == len(DATA) and out.getvalue() == DATA
    assert seen[0] == (0, len(DATA)) and seen[-1] == (len(DATA), len(DATA))
    assert len(seen) > 3                          # chunked, not one big read


def test_download_cancel(server: FakeServer) -> None:
    server.route("GET", "/v2/file/download/4", Reply(200, body=DATA))
    cancel = threading.Event()

    def progress(done: int, total: int | None) -> None:
        if done > 0:
            cancel.set()

    out = io.BytesIO()
    with pytest.raises(E.CancelledError):
        make(server).download_file(4, out, progress=progress, cancel=cancel)
    assert 0 < len(out.getvalue()) < len(DATA)


def test_download_not_found(server: FakeServer) -> None:
    server.route("GET", "/v2/file/download/4", Reply(404))
    with pytest.raises(E.NotFoundError, match="File 4 was not found"):
        make(server).download_file(4, io.BytesIO())


def test_download_with_impersonation(server: FakeServer) -> None:
    server.route("GET", "/v2/file/download/4", Reply(200, body=b"x"))
    make(server).impersonating(12).download_file(4, io.BytesIO())
    assert server.calls()[0].query == {"impersonate": ["12"]}
