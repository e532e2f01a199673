"""How the upload service takes a part body in: splice when unpaced, paced blocks under a cap,
bytes that came in with the headers, pipelined requests, and a cap set mid-body."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from figdesk.sandbox import uploads
from figdesk.sandbox.httpbase import PACED_BLOCK
from tests.sandbox.sandbox_helpers import PART, create_item, wait_for


def _initiate(api, size):
    item = create_item(api)
    r = api("POST", f"/account/articles/{item}/files", {"name": "r.bin", "size": size})
    assert r.status_code == 201, r.text
    return api("GET", r.json()["location"]).json()


def _connect(url: str) -> tuple[socket.socket, str]:
    u = urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    return s, u.path


def _head(path: str, part_no: int, length: int) -> bytes:
    return (f"PUT {path}/{part_no} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
            .encode())


def _answers(s: socket.socket, count: int) -> list[int]:
    """Status codes of ``count`` responses read off the socket (bodies skipped by length)."""
    f = s.makefile("rb")
    codes = []
    for _ in range(count):
        status = f.readline().split()
        length = 0
        while (line := f.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        f.read(length)
        codes.append(int(status[1]))
    return codes


def _stored(sb, info) -> bytes:
    return Path(sb.core.store.file_path(info["id"])).read_bytes()


@pytest.fixture
def splices(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes moved by each os.splice call the sandbox makes (the real call still runs)."""
    moved: list[int] = []
    real = os.splice

    def spy(*args, **kw):
        n = real(*args, **kw)
        moved.append(n)
        return n

    monkeypatch.setattr(uploads.os, "splice", spy)
    return moved


def test_unpaced_bodies_are_spliced_and_body_bytes_sent_with_the_headers_kept(
        api, sb, splices):
    data = os.urandom(PART)
    info = _initiate(api, PART)
    s, path = _connect(info["upload_url"])
    with s:
        # The headers and the first bytes of the body in one segment: the server's reader
        # buffers body bytes along with the headers, and they must not be lost.
        s.sendall(_head(path, 1, PART) + data[:3000])
        s.sendall(data[3000:])
        assert _answers(s, 1) == [200]
    assert _stored(sb, info) == data
    assert splices and sum(splices) <= 2 * PART              # into the pipe and out of it
    # A writer lock lives only while a PUT writes into the file.
    assert str(sb.core.store.file_path(info["id"])) not in uploads._WRITERS._locks


def test_a_paced_body_is_read_in_blocks(api, sb, splices):
    sb.faults.set(bandwidth=50_000_000)
    data = os.urandom(PART)
    info = _initiate(api, PART)
    assert requests.put(f"{info['upload_url']}/1", data=data, timeout=10).status_code == 200
    assert _stored(sb, info) == data
    assert splices == []


def test_pipelined_requests_stay_in_step(api, sb):
    # Part 2 is 100 bytes: its whole body and the next request arrive in the reader's buffer.
    size = PART + 100
    data = os.urandom(size)
    info = _initiate(api, size)
    s, path = _connect(info["upload_url"])
    with s:
        get = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        s.sendall(_head(path, 2, 100) + data[PART:] + get + _head(path, 1, PART) + data[:PART]
                  + get)
        assert _answers(s, 4) == [200, 200, 200, 200]
    assert _stored(sb, info) == data
    parts = requests.get(info["upload_url"], timeout=10).json()["parts"]
    assert [p["status"] for p in parts] == ["COMPLETE", "COMPLETE"]


def test_a_cap_lifted_mid_body_goes_on_with_splice(api, sb, splices):
    # Paced reads leave bytes in the reader's buffer; splice must take them first.
    data = os.urandom(PART)
    info = _initiate(api, PART)
    # Whole paced blocks: a paced read waits for a full block.
    head_len = 2 * PACED_BLOCK
    assert head_len < PART
    sb.faults.set(bandwidth=50_000_000)
    s, path = _connect(info["upload_url"])
    with s:
        s.sendall(_head(path, 1, PART) + data[:head_len])
        wait_for(lambda: _stored(sb, info)[:head_len] == data[:head_len])
        assert splices == []                                # paced: read in blocks
        sb.faults.reset()
        for at in range(head_len, PART, 5000):                 # in pieces, as a network would
            s.sendall(data[at : at + 5000])
        assert _answers(s, 1) == [200]
    assert _stored(sb, info) == data
    assert splices                                          # the rest went through the pipe


def test_a_short_spliced_body_times_out_and_unlocks(api, sb):
    data = os.urandom(PART)
    info = _initiate(api, PART)
    s, path = _connect(info["upload_url"])
    with s:
        s.sendall(_head(path, 1, PART) + data[:1000])
        s.sendall(data[1000:20000])
        # body_timeout is 2 s in these tests: the server hangs up and forgets the part.
        assert s.recv(1) == b""
    part = wait_for(
        lambda: (p := requests.get(f"{info['upload_url']}/1", timeout=10).json())["locked"]
        is False and p
    )
    assert part["status"] == "PENDING"
    assert hashlib.md5(_stored(sb, info)).hexdigest() != hashlib.md5(data).hexdigest()
