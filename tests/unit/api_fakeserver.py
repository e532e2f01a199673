"""A scripted HTTP server on 127.0.0.1 for the API client's tests.

Each route answers with a list of scripted replies (the last one repeats), and every request
is recorded with its headers and raw body, so tests can check what went over the wire
(Authorization, Content-Length, Transfer-Encoding, impersonation...). Chunked request bodies
are decoded, so a chunked upload is seen (and flagged) rather than hanging the server.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

TOKEN = "f00dcafe" * 16          # looks like a Figshare personal token (128 hex chars)


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0            # seconds before answering (to provoke read timeouts)

    def payload(self) -> bytes:
        if self.json is not None:
            return json.dumps(self.json).encode()
        return self.body


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]       # lower-case names
    body: bytes
    port: int

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Responder = Reply | Callable[[Recorded], Reply]


class FakeServer:
    """Start with ``with FakeServer() as s:``; ``s.url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: list[tuple[str, re.Pattern[str], list[Responder]]] = []
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    out = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return bytes(out)
                        out += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                rec = Recorded(self.command, parts.path, parse_qs(parts.query),
                               {k.lower(): v for k, v in self.headers.items()}, self._body(),
                               self.server.server_address[1])
                with server.lock:
                    server.requests.append(rec)
                reply = server.reply_for(rec)
                if reply.delay and server.stop_event.wait(reply.delay):
                    return
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json"} if reply.json is not None \
                        else {}
                    headers.update(reply.headers)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except OSError:
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                # Clients that abort mid-body (cancel, short source) are expected here.
                server.aborted += 1

        self.aborted = 0
        self.httpd = QuietServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)

    def route(self, method: str, pattern: str, *responses: Responder) -> Self:
        """Answer ``method`` on paths fully matching ``pattern`` with ``responses`` in turn."""
        with self.lock:
            self.routes.append((method.upper(), re.compile(pattern), list(responses)))
        return self

    def reply_for(self, rec: Recorded) -> Reply:
        with self.lock:
            for method, pattern, responses in self.routes:
                if method == rec.method and pattern.fullmatch(rec.path):
                    responder = responses.pop(0) if len(responses) > 1 else responses[0]
                    break
            else:
                return Reply(404)
        return responder(rec) if callable(responder) else responder

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if (method is None or r.method == method)
                    and (path is None or re.fullmatch(path, r.path))]

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def refused_url() -> str:
    """An http URL on loopback where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class SleepRecorder:
    """A RetryPolicy/Pacer ``sleep`` that records waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        self.waits.append(seconds)
        return cancel.is_set() if cancel is not None else False
