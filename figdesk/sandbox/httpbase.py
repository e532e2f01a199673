"""What every sandbox service shares: HTTP/1.1 keep-alive handler, request log, faults, pacing.

Request handling is kept cheap: no per-byte Python work; bodies move in 1 MiB blocks unless a
bandwidth cap asks for smaller, paced blocks.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import traceback
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, NamedTuple

from .faults import Decision, TokenBucket

if TYPE_CHECKING:
    from .core import Core

BLOCK = 1024 * 1024
PACED_BLOCK = 16 * 1024


class RequestRecord(NamedTuple):
    """One handled request, for tests (e.g. where did the Authorization header go?)."""

    service: str
    method: str
    path: str
    headers: dict[str, str]


class RequestLog:
    """Bounded, thread-safe log of requests (``Sandbox.requests``)."""

    def __init__(self, size: int) -> None:
        self._items: deque[RequestRecord] = deque(maxlen=size)

    def add(self, record: RequestRecord) -> None:
        self._items.append(record)  # deque.append is atomic

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()

    def count(
        self,
        service: str | None = None,
        method: str | None = None,
        path_contains: str | None = None,
    ) -> int:
        return sum(
            1
            for r in list(self._items)
            if (service is None or r.service == service)
            and (method is None or r.method == method)
            and (path_contains is None or path_contains in r.path)
        )


class Server(ThreadingHTTPServer):
    """A threading server that can cut its open keep-alive connections on stop."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, addr: tuple[str, int], handler: type[BaseHTTPRequestHandler], core: Core
    ) -> None:
        self.core = core
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(addr, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return  # clients hanging up is normal life
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Base of the four services' handlers."""

    protocol_version = "HTTP/1.1"
    server_version = "figshare-sandbox/1"
    service = "api"
    server: Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.bucket = TokenBucket()
        self.lose_answer = False

    @property
    def core(self) -> Core:
        return self.server.core

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is sb.requests; stderr stays quiet

    # --- dispatch --------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def is_part_put(self) -> bool:
        return False

    def _dispatch(self) -> None:
        core = self.core
        core.requests.add(RequestRecord(self.service, self.command, self.path, dict(self.headers)))
        settings = core.faults.settings
        if settings.latency_ms:
            time.sleep(settings.latency_ms / 1000.0)
        decision = core.faults.decide(
            self.service, self.command, self.path, part_put=self.is_part_put()
        )
        if decision is not None:
            if decision.kind == "stall":
                time.sleep(decision.seconds)
                decision = None
            elif decision.kind in ("error", "rate_limit"):
                self.discard_body()
                self.fail(decision)
                return
            elif decision.kind == "drop" and not self.is_part_put():
                self.drop()
                return
            elif decision.kind == "after_commit":
                self.lose_answer = True
        try:
            self.route(decision)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:  # noqa: BLE001  (a sandbox bug must not look like a hang to the client)
            traceback.print_exc()
            self.close_connection = True
            try:
                self.send_json(500, {"message": "Internal sandbox error", "code": "InternalError"})
            except OSError:
                pass
        if self.lose_answer:
            self.drop()

    def route(self, decision: Decision | None) -> None:
        raise NotImplementedError

    # --- bodies in ---------------------------------------------------------------------------
    def pace(self, n: int) -> None:
        s = self.core.faults.settings
        if s.bandwidth:
            self.bucket.consume(n, s.bandwidth)
        if s.bandwidth_total:
            self.core.faults.total_bucket.consume(n, s.bandwidth_total)

    def block_size(self) -> int:
        s = self.core.faults.settings
        return PACED_BLOCK if (s.bandwidth or s.bandwidth_total) else BLOCK

    def read_body(self, limit: int = 64 * BLOCK) -> bytes | None:
        """A small request body (API calls); None when it is too big or malformed."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            self.close_connection = True
            return None
        chunks, left = [], length
        while left:
            data = self.rfile.read(min(left, self.block_size()))
            if not data:
                raise ConnectionError("client closed mid-body")
            self.pace(len(data))
            chunks.append(data)
            left -= len(data)
        return b"".join(chunks)

    def _read_chunked(self, limit: int) -> bytes | None:
        out = bytearray()
        while True:
            line = self.rfile.readline(1024)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            out += self.rfile.read(size)
            self.rfile.readline(1024)
            if len(out) > limit:
                self.close_connection = True
                return None

    def discard_body(self) -> None:
        """Read and drop a body we will not use, so that keep-alive stays in step."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return
        left = int(self.headers.get("Content-Length") or 0)
        if left > 64 * BLOCK:
            self.close_connection = True
            return
        while left:
            data = self.rfile.read(min(left, BLOCK))
            if not data:
                break
            left -= len(data)

    # --- answers out -----------------------------------------------------------------------
    def send_bytes(
        self,
        status: int,
        body: bytes = b"",
        ctype: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if self.lose_answer:
            return
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.write_paced(body)

    def write_paced(self, body: bytes) -> None:
        step = self.block_size()
        if step == BLOCK:
            self.wfile.write(body)
            return
        view = memoryview(body)
        for i in range(0, len(view), step):
            self.pace(len(view[i : i + step]))
            self.wfile.write(view[i : i + step])

    def send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_bytes(status, body, "application/json; charset=utf-8", headers)

    def fail(self, decision: Decision) -> None:
        headers = {"Retry-After": str(decision.retry_after)}
        if self.service == "upload":
            self.send_bytes(decision.status, b"", None, headers)
        elif decision.status == 429:
            self.send_json(
                429, {"message": "Too many requests", "code": "TooManyRequests"}, headers
            )
        else:
            self.send_json(
                decision.status,
                {"message": "Injected server error", "code": "InternalError"},
                headers,
            )

    def drop(self) -> None:
        """Hang up without (the rest of) an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
