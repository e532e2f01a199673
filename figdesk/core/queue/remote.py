"""The app's side of its upload worker process: a ``Runner`` look-alike over two pipes.

``RemoteRunner`` starts ``python -m figdesk.core.queue.worker``, hands it the client's
credentials on its stdin (the token never goes on a command line, in the environment or in a
file), and then offers what the app uses of a ``Runner``: ``start``/``stop``, ``status``,
``subscribe`` (the same events, re-made from the worker's lines by one reader thread and
delivered through an ``EventHub``), ``set_client`` and the user's actions, which are requests
answered by the worker (its errors come back as the same ``FigdeskError`` classes).
"""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

from figdesk.core.errors import FigdeskError
from figdesk.core.queue.events import EventHub, RunnerEvent, RunnerStatus
from figdesk.core.queue.options import RunnerOptions
from figdesk.core.queue.wire import (
    Message,
    decode,
    encode,
    error_from_json,
    event_from_json,
    options_to_json,
)

log = logging.getLogger(__name__)

#: How long to wait for the worker to start (import, open the queue, take its lock) and to
#: answer a request. Both are local and quick; these only bound a worker that hangs.
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0


#: The argument that makes a frozen figdesk bundle (PyInstaller) run as the worker: it has no
#: ``python -m`` (see packaging/bundle_entry.py).
BUNDLE_WORKER_FLAG = "--upload-worker"


def worker_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, BUNDLE_WORKER_FLAG]
    return [sys.executable, "-m", "figdesk.core.queue.worker"]


def client_hello(client: Any, account_id: int | None) -> Message:
    """What the worker needs to make the same client: address, token, impersonation."""
    api_url, token, impersonate = client.worker_credentials()
    return {"api_url": api_url, "token": token, "impersonate": impersonate,
            "account_id": account_id}


class RemoteRunner:
    """Runs the queue at ``store_path`` in a worker process, for ``client``'s account."""

    def __init__(self, store_path: str | Path, client: Any, *,
                 options: RunnerOptions | None = None, account_id: int | None = None) -> None:
        self.store_path = str(store_path)
        self.options = options or RunnerOptions()
        self._hello = client_hello(client, account_id)
        self.hub = EventHub()
        self._status = RunnerStatus("stopped")
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self._pending: dict[int, Future[Message]] = {}
        self._rids = itertools.count(1)
        self._stopping = False

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker and wait until it runs the queue. ``QueueBusyError`` when
        another figdesk runs it already; ``FigdeskError`` when the worker cannot start."""
        if self._proc is not None:
            return
        flags = getattr(subprocess, "BELOW_NORMAL_PRIORITY_CLASS", 0)   # Windows only
        proc = subprocess.Popen(worker_command(),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                creationflags=flags)
        assert proc.stdin is not None and proc.stdout is not None
        hello = {**self._hello, "store": self.store_path,
                 "options": options_to_json(self.options)}
        first = self._first_line(proc, hello)
        if first.get("t") != "started":
            proc.wait(5)
            if first.get("t") == "busy":
                raise error_from_json(first)
            raise FigdeskError(str(first.get("message") or
                                   "The upload worker stopped before it started."))
        self._proc = proc
        self.hub.ensure_started()
        self._reader = threading.Thread(target=self._read, args=(proc.stdout,),
                                        name="figdesk-worker-reader", daemon=True)
        self._reader.start()

    @staticmethod
    def _first_line(proc: subprocess.Popen[bytes], hello: Message) -> Message:
        assert proc.stdin is not None and proc.stdout is not None
        box: list[bytes] = []
        reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        try:
            proc.stdin.write(encode(hello))
            proc.stdin.flush()
        except OSError:
            pass     # it died at once: its (missing) first line says so below
        reader.start()
        reader.join(START_TIMEOUT)
        if not box or not box[0]:
            proc.kill()
            return {"t": "error", "message": "The upload worker did not start."}
        try:
            return decode(box[0])
        except FigdeskError as exc:
            proc.kill()
            return {"t": "error", "message": exc.message}

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the worker to halt every job where it stands (they resume on the next run)
        and end; waits up to ``timeout`` for it. It finishes stopping on its own."""
        proc = self._proc
        if proc is None:
            return
        self._stopping = True
        self._send({"op": "stop"})
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return

    @property
    def running(self) -> bool:
        """The worker process is alive (and so holds the queue's lock)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def status(self) -> RunnerStatus:
        return self._status

    def subscribe(self, callback: Callable[[RunnerEvent], None]) -> Callable[[], None]:
        return self.hub.subscribe(callback)

    # --- what the app asks ------------------------------------------------------------------

    def set_client(self, client: Any, account_id: int | None = None) -> None:
        """A new client (signed in again, maybe as another account). Never blocks: called
        on the GUI thread."""
        self._hello = client_hello(client, account_id)
        self._send({"op": "set_client", **self._hello})

    def pause_all(self) -> None:
        self._ask("pause_all")

    def resume_all(self) -> None:
        self._ask("resume_all")

    def cancel_all(self) -> None:
        self._ask("cancel_all")

    def retry_failed(self) -> None:
        self._ask("retry_failed")

    def pause_job(self, job_id: int) -> None:
        self._ask("pause_job", id=job_id)

    def resume_job(self, job_id: int) -> None:
        self._ask("resume_job", id=job_id)

    def cancel_job(self, job_id: int) -> None:
        self._ask("cancel_job", id=job_id)

    def retry(self, job_id: int) -> None:
        self._ask("retry", id=job_id)

    # --- the pipes ----------------------------------------------------------------------------

    def _send(self, message: Message) -> bool:
        proc = self._proc
        if proc is None or proc.stdin is None:
            return False
        with self._write_lock:
            try:
                proc.stdin.write(encode(message))
                proc.stdin.flush()
                return True
            except (OSError, ValueError):
                return False

    def _ask(self, op: str, **fields: Any) -> None:
        """A request and its answer (blocking: call it off the GUI thread)."""
        rid = next(self._rids)
        answer: Future[Message] = Future()
        self._pending[rid] = answer
        try:
            if not self._send({"op": op, "rid": rid, **fields}):
                raise FigdeskError("The upload worker is not running; try again in a moment.")
            try:
                reply = answer.result(REQUEST_TIMEOUT)
            except TimeoutError as exc:
                raise FigdeskError("The upload worker did not answer.") from exc
        finally:
            self._pending.pop(rid, None)
        if reply.get("error"):
            raise error_from_json(reply["error"])

    def _read(self, out: IO[bytes]) -> None:
        """The reader thread: worker lines become events for the hub or answers to requests,
        until the worker ends."""
        for line in out:
            try:
                message = decode(line)
            except FigdeskError as exc:
                log.warning("%s", exc.message)
                continue
            if message.get("t") == "reply":
                waiting = self._pending.get(int(message.get("rid") or 0))
                if waiting is not None:
                    waiting.set_result(message)
                continue
            event = event_from_json(message)
            if event is None:
                continue
            if isinstance(event, RunnerStatus):
                self._status = event
            self.hub.emit(event)
        self._ended()

    def _ended(self) -> None:
        gone = FigdeskError("The upload worker stopped.")
        for waiting in list(self._pending.values()):
            if not waiting.done():
                waiting.set_exception(gone)
        stopped = RunnerStatus("stopped")
        if self._status != stopped:
            self._status = stopped
            if not self._stopping:
                log.error("the upload worker ended unexpectedly (exit status %s)",
                          self._proc.poll() if self._proc is not None else None)
            self.hub.emit(stopped)
        self.hub.close(0.5)
