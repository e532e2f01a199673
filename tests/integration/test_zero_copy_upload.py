"""Part PUTs sent straight from the file: sendfile on plain http, a reused buffer otherwise.

Each path is driven end to end against the in-process sandbox (plain http on loopback); the
reading path is the one TLS takes, forced here on the same connection class.
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from figdesk.core.api import FigshareClient, zerocopy
from figdesk.core.api.zerocopy import FileRange, ZeroCopyHTTPConnection
from figdesk.core.errors import FileChangedError
from figdesk.core.upload import Control, FileUpload, UploadInterrupted, UploadState
from figdesk.core.upload.slices import SliceBody
from figdesk.sandbox import Sandbox, SandboxConfig
from tests.support.clients import fast_client

# Several 1 MiB chunks and a ragged tail; more than loopback's socket buffers absorb (3-4 MiB),
# so a slow server keeps the client sending.
PART = 8 * 1024 * 1024 + 4321


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, part_size=PART, processing_step=0.01,
                               samples=False, body_timeout=5.0)) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: Sandbox) -> Iterator[FigshareClient]:
    with fast_client(sb) as c:
        yield c


class Spy:
    """Counts which way FileRange chunks left (the real methods still run)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sendfile = 0
        self.buffered = 0
        real_sendfile, real_buffered = FileRange.sendfile, FileRange.send_via_buffer

        def sendfile(rng: FileRange, sock: socket.socket) -> bool:
            self.sendfile += 1
            return real_sendfile(rng, sock)

        def buffered(rng: FileRange, sock: Any, buf: bytearray) -> None:
            self.buffered += 1
            real_buffered(rng, sock, buf)

        monkeypatch.setattr(FileRange, "sendfile", sendfile)
        monkeypatch.setattr(FileRange, "send_via_buffer", buffered)


def _file(tmp_path: Path, size: int, name: str = "f.bin") -> tuple[Path, bytes]:
    data = os.urandom(size)
    p = tmp_path / name
    p.write_bytes(data)
    return p, data


def _new_upload(client: FigshareClient, data: bytes, name: str) -> tuple[int, int, str]:
    article = client.create_article({"title": f"zero copy {name}"}).id
    file_id = client.initiate_upload(article, name, len(data), hashlib.md5(data).hexdigest())
    url = client.get_file(article, file_id).upload_url
    assert url
    return article, file_id, url


def _put_all(client: FigshareClient, url: str, fd: int, path: Path) -> None:
    for part in client.get_upload_info(url).parts:
        body = SliceBody(fd, part.start, part.length, path=str(path))
        client.put_upload_part(url, part.part_no, body, part.length)


def _stored(sb: Sandbox, file_id: int) -> bytes:
    return Path(sb.core.store.file_path(file_id)).read_bytes()


def test_part_puts_use_sendfile_on_plain_http(sb: Sandbox, client: FigshareClient,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    p, data = _file(tmp_path, 2 * PART + 777)
    article, file_id, url = _new_upload(client, data, "sendfile.bin")
    fd = os.open(p, os.O_RDONLY)
    try:
        _put_all(client, url, fd, p)
    finally:
        os.close(fd)
    assert all(part.complete for part in client.get_upload_info(url).parts)
    assert _stored(sb, file_id) == data
    assert spy.sendfile >= 19 and spy.buffered == 0       # 9 + 9 + 1 chunks of <= 1 MiB
    client.complete_upload(article, file_id)


def test_reading_fallback_sends_the_same_bytes(sb: Sandbox, client: FigshareClient,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # What TLS does (it must see the bytes), forced on the plain connection class.
    monkeypatch.setattr(ZeroCopyHTTPConnection, "use_sendfile", False)
    spy = Spy(monkeypatch)
    p, data = _file(tmp_path, PART + 5)
    _, file_id, url = _new_upload(client, data, "buffered.bin")
    fd = os.open(p, os.O_RDONLY)
    try:
        _put_all(client, url, fd, p)
    finally:
        os.close(fd)
    assert _stored(sb, file_id) == data
    assert spy.buffered >= 10 and spy.sendfile == 0


def test_tls_sockets_are_never_given_to_sendfile() -> None:
    ctx = ssl.create_default_context()
    raw = socket.socket()
    try:
        tls = ctx.wrap_socket(raw, server_hostname="example.org", do_handshake_on_connect=False)
        assert not zerocopy._plain_tcp(tls)
        tls.close()
    finally:
        raw.close()
    plain = socket.socket()
    try:
        assert zerocopy._plain_tcp(plain)
    finally:
        plain.close()


def test_a_plain_requests_session_still_sends_file_ranges(sb: Sandbox, tmp_path: Path) -> None:
    # An injected session knows nothing of FileRange: http.client iterates it as bytes.
    p, data = _file(tmp_path, PART - 100)
    with requests.Session() as session, FigshareClient(sb.token, sb.api_url,
                                                       session=session) as c:
        _, file_id, url = _new_upload(c, data, "plain-session.bin")
        fd = os.open(p, os.O_RDONLY)
        try:
            _put_all(c, url, fd, p)
        finally:
            os.close(fd)
    assert _stored(sb, file_id) == data


@pytest.mark.parametrize("use_sendfile", [True, False])
def test_a_file_that_shrinks_mid_part_never_completes_the_part(
        sb: Sandbox, client: FigshareClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        use_sendfile: bool) -> None:
    monkeypatch.setattr(ZeroCopyHTTPConnection, "use_sendfile", use_sendfile)
    p, data = _file(tmp_path, PART)
    _, _, url = _new_upload(client, data, f"shrinks-{use_sendfile}.bin")
    fd = os.open(p, os.O_RDONLY)
    try:
        def shrink(n: int) -> None:
            if n > 0:  # after the first chunk went out: the rest of the part is gone
                os.truncate(p, 1024 * 1024 + 10)

        body = SliceBody(fd, 0, PART, on_sent=shrink, path=str(p))
        with pytest.raises(FileChangedError, match="shorter"):
            client.put_upload_part(url, 1, body, PART)
        assert isinstance(body.error, FileChangedError)
        assert body.sent == 1024 * 1024                     # never more than the first chunk
    finally:
        os.close(fd)
    # The connection was closed under the short body: the part is unlocked and not complete.
    deadline = time.monotonic() + 10
    while sb.core.store.locked_parts and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not sb.core.store.locked_parts
    assert not client.get_upload_info(url).parts[0].complete


BIG = 16 * 1024 * 1024      # more than any socket buffer holds


@pytest.fixture(name="unread_socket")
def unread_socket_fixture() -> Iterator[socket.socket]:
    """One end of a socket pair whose other end nobody reads: sends wait for room."""
    a, b = socket.socketpair()
    yield a
    a.close()
    b.close()


@pytest.fixture(name="big_fd")
def big_fd_fixture(tmp_path: Path) -> Iterator[int]:
    """An open descriptor of a sparse file of ``BIG`` bytes."""
    p = tmp_path / "big.bin"
    with p.open("wb") as f:
        f.truncate(BIG)
    fd = os.open(p, os.O_RDONLY)
    yield fd
    os.close(fd)


def test_a_range_that_comes_out_short_raises_and_is_recorded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unread_socket: socket.socket) -> None:
    # The file shrinks between the size check and sendfile: the kernel stops at the end.
    monkeypatch.setattr(FileRange, "check_present", lambda self: None)
    p, _ = _file(tmp_path, 1000)
    errors: list[BaseException] = []
    fd = os.open(p, os.O_RDONLY)
    try:
        rng = FileRange(fd, 0, 4000, path=str(p), on_error=errors.append)
        with pytest.raises(FileChangedError):
            rng.sendfile(unread_socket)
        assert isinstance(errors[0], FileChangedError)
        with pytest.raises(FileChangedError):
            rng.send_via_buffer(unread_socket, bytearray(1 << 16))
    finally:
        os.close(fd)


def test_sendfile_honours_the_socket_timeout(big_fd: int, unread_socket: socket.socket) -> None:
    unread_socket.settimeout(0.2)
    with pytest.raises(TimeoutError):
        FileRange(big_fd, 0, BIG).sendfile(unread_socket)


def test_a_send_waiting_for_room_asks_interrupt(big_fd: int,
                                                unread_socket: socket.socket) -> None:
    asked: list[int] = []

    def interrupt() -> None:
        asked.append(1)
        if len(asked) >= 2:
            raise UploadInterrupted("cancel")

    unread_socket.settimeout(5.0)         # a TimeoutError would mean nobody asked
    with pytest.raises(UploadInterrupted):
        FileRange(big_fd, 0, BIG, interrupt=interrupt).sendfile(unread_socket)


def test_cancel_mid_part_stops_within_a_second(sb: Sandbox, client: FigshareClient,
                                               tmp_path: Path) -> None:
    from figdesk.core.upload import UploadOptions
    from figdesk.core.upload.engine import UploadEngine
    from figdesk.core.upload.hashing import Md5Cache

    # One part takes ~16 s; the kernel's buffers take the first 3-4 MiB at once, and the
    # client is still sending the rest (cancel is checked between chunks) when it cancels.
    # (A cancel while only the buffered tail of a part is left waits for the server.)
    sb.faults.set(bandwidth=500_000)
    p, _ = _file(tmp_path, PART)
    article = client.create_article({"title": "zero copy cancel"}).id
    engine = UploadEngine(client, UploadOptions(chunk_size=64 * 1024, poll_initial=0.02),
                          Md5Cache(":memory:"))
    fu = FileUpload(path=str(p), article_id=article)
    control = Control()
    box: dict[str, Any] = {}

    def go() -> None:
        try:
            box["out"] = engine.upload(fu, control=control)
        except UploadInterrupted as exc:  # the engine reports cancels as a state
            box["exc"] = exc

    t = threading.Thread(target=go)
    t.start()
    store = sb.core.store
    deadline = time.monotonic() + 20
    while not store.locked_parts:       # the part PUT is being received
        assert time.monotonic() < deadline, "the part never started"
        time.sleep(0.01)
    time.sleep(0.3)                     # well inside the ~16 s the part needs
    assert store.locked_parts, "the part ended before the cancel: nothing was tested"
    t0 = time.monotonic()
    control.cancel()
    t.join(10)
    assert not t.is_alive()
    assert time.monotonic() - t0 < 3.0     # the goal is 1 s; margin for a loaded 2-core CI box
    assert fu.state == UploadState.CANCELLED and not fu.parts_done


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (key, cert)."""
    pytest.importorskip("cryptography")  # installed with keyring's backends; skip otherwise
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def test_https_part_put_is_read_through_the_buffer(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from figdesk.core.api.uploads import PartBody
    from figdesk.core.api.zerocopy import ZeroCopyAdapter, ZeroCopyHTTPSConnection

    key_path, cert_path = _self_signed(tmp_path)
    received: list[bytes] = []

    class Store(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_PUT(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Store)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    spy = Spy(monkeypatch)
    used: list[type] = []
    real_send = ZeroCopyHTTPSConnection.send

    def send(conn: Any, data: Any) -> None:
        used.append(type(conn))
        real_send(conn, data)

    monkeypatch.setattr(ZeroCopyHTTPSConnection, "send", send)
    p, data = _file(tmp_path, 2 * 1024 * 1024 + 99)
    fd = os.open(p, os.O_RDONLY)
    try:
        with requests.Session() as session:
            session.mount("https://", ZeroCopyAdapter())
            body = PartBody(SliceBody(fd, 0, len(data), path=str(p)), len(data), what="part")
            url = f"https://127.0.0.1:{server.server_address[1]}/upload/t/1"
            r = session.put(url, data=body, verify=str(cert_path), timeout=10)
        assert r.status_code == 200
    finally:
        os.close(fd)
        server.shutdown()
        server.server_close()
    assert received == [data]
    assert spy.buffered == 3 and spy.sendfile == 0          # 1 + 1 MiB + a tail, never sendfile
    assert ZeroCopyHTTPSConnection in used
