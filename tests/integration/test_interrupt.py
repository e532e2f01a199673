"""A cancel cuts a request off while it waits for the server's answer, and only that one."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from figdesk.core.api import FigshareClient
from figdesk.core.api.retry import RetryPolicy
from figdesk.core.errors import CancelledError


class _SilentServer:
    """Takes a whole request (headers and body), then says nothing until ``release``."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.release = threading.Event()
        self.got_body = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                body += chunk
            self.got_body.set()
            self.release.wait(60)

    def close(self) -> None:
        self.release.set()
        self.listener.close()
        self.thread.join(10)


@pytest.fixture
def silent() -> Iterator[_SilentServer]:
    server = _SilentServer()
    yield server
    server.close()


def test_cancel_ends_the_wait_for_an_answer(silent: _SilentServer) -> None:
    base = f"http://127.0.0.1:{silent.port}"
    # A minute to answer: only the cancel can end this request early.
    client = FigshareClient("t0ken", f"{base}/v2", timeout=(5.0, 60.0),
                            retry=RetryPolicy(base=0.01, cap=0.05))
    cancel = threading.Event()
    outcome: list[BaseException | None] = []

    def put() -> None:
        try:
            client.put_upload_part(f"{base}/upload/tok", 1, iter([b"x" * 300_000]), 300_000,
                                   cancel=cancel)
            outcome.append(None)
        except BaseException as exc:        # noqa: BLE001 - what it raised is the result
            outcome.append(exc)

    worker = threading.Thread(target=put)
    worker.start()
    try:
        assert silent.got_body.wait(20)      # the whole part is sent; now it waits
        cancel.set()
        worker.join(20)
        assert not worker.is_alive(), "the cancel did not end the wait for the answer"
        assert not silent.release.is_set()   # ended by the cancel, not by the server
        assert len(outcome) == 1 and isinstance(outcome[0], CancelledError), outcome
    finally:
        silent.release.set()
        worker.join(20)
        client.close()


def test_a_finished_requests_connection_is_never_shut(sandbox: Any) -> None:
    client = FigshareClient(sandbox.token, sandbox.api_url, timeout=(5.0, 30.0),
                            retry=RetryPolicy(base=0.01, cap=0.05))
    try:
        cancel = threading.Event()
        client._t.request("GET", f"{sandbox.api_url}/account", cancel=cancel).close()
        # The connection is back in the pool and carries another job's request, which the
        # server takes a second to answer. The first job is cancelled meanwhile: that must not
        # touch the connection the other request is using now.
        sandbox.faults.fail_next("api", "stall", method="GET", path=r"/account$", seconds=1.0)
        retries = client._t.stats.retries
        threading.Timer(0.3, cancel.set).start()
        response = client._t.request("GET", f"{sandbox.api_url}/account", retry=True)
        assert response.status_code == 200
        response.close()
        assert cancel.is_set() and client._t.stats.retries == retries
    finally:
        client.close()
