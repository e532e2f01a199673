"""The app's upload worker: one process that runs the queue and talks JSON lines on its pipes.

Why a process and not threads of the app: a 1 GiB upload keeps a dozen Python threads busy
(part senders, md5, the runner), and every Python callback the GUI thread makes (each cell
it paints) must first win the GIL from them; measured, that alone stalled the GUI thread for
80-170 ms, while the same upload in a separate process left it as smooth as when idle
(benchmarks/RESULTS.md, "GUI responsiveness").

Protocol (``figdesk.core.queue.wire``): the first stdin line is the hello, with the API URL,
the token (only ever on this pipe: never argv, the environment or a file), the account id,
the queue's path and the runner's options. The worker answers ``{"t": "started"}`` or
``{"t": "busy"}`` / ``{"t": "error"}`` and exits. Then every runner event goes out as a line,
and each request line ``{"op": ..., "rid": n}`` gets ``{"t": "reply", "rid": n, ...}``. A
``stop`` request or the end of stdin (the app went away) halts the jobs where they stand
(they resume on the next run) and ends the process.

Run by the app as ``python -m figdesk.core.queue.worker``; it is not a user command.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import IO, Any

from figdesk.core.errors import FigdeskError
from figdesk.core.queue.execute import default_engine_factory
from figdesk.core.queue.lock import QueueBusyError
from figdesk.core.queue.options import RunnerOptions
from figdesk.core.queue.runner import Runner
from figdesk.core.queue.store import QueueStore
from figdesk.core.queue.wire import (
    Message,
    decode,
    encode,
    error_to_json,
    event_to_json,
    options_from_json,
)

log = logging.getLogger("figdesk.core.queue.worker")   # not "__main__" under -m

#: How much nicer than the app the worker runs: uploads wait on the network, the GUI on the
#: user. Applied to the whole worker process (Unix); on Windows the app starts it at
#: "below normal" priority instead.
WORKER_NICE = 10

#: The worker's own log, next to the app's (two processes must not rotate one file).
WORKER_LOG_FILE = "figdesk-upload-worker.log"

#: Requests the app may make, each a Runner method of the same name.
ACTIONS = ("pause_job", "resume_job", "cancel_job", "retry", "pause_all", "resume_all",
           "cancel_all", "retry_failed")


class Outbox:
    """stdout, one whole line at a time from any thread (events come from the runner's
    dispatcher, replies from the request loop). Events are held back until ``open`` so the
    app reads the start-up answer first."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._held: list[bytes] | None = []

    def send(self, message: Message) -> None:
        self._write([encode(message)])

    def event(self, message: Message) -> None:
        with self._lock:
            if self._held is not None:
                self._held.append(encode(message))
                return
        self.send(message)

    def open(self, first: Message) -> None:
        """Send ``first``, then what was held, then everything as it comes."""
        with self._lock:
            lines = [encode(first), *(self._held or [])]
            self._held = None
            self._write_locked(lines)

    def _write(self, lines: list[bytes]) -> None:
        with self._lock:
            self._write_locked(lines)

    def _write_locked(self, lines: list[bytes]) -> None:
        try:
            for data in lines:
                self._out.write(data)
            self._out.flush()
        except (BrokenPipeError, ValueError):
            pass    # the app is gone; the end of stdin stops us next


def make_client(hello: Message) -> Any:
    from figdesk.core.api import FigshareClient

    return FigshareClient(hello.get("token") or None, api_url=str(hello["api_url"]),
                          impersonate=hello.get("impersonate"))


def serve(inp: IO[bytes], out: IO[bytes]) -> int:
    """Run the queue for the app on the other end of ``inp``/``out``; the exit status."""
    outbox = Outbox(out)
    first = inp.readline()
    if not first:
        return 2
    try:
        hello = decode(first)
        options = options_from_json(RunnerOptions, hello.get("options") or {})
        store = QueueStore(hello.get("store") or None)
        runner = Runner(store, make_client(hello), options=options,
                        engine_factory=default_engine_factory,
                        account_id=hello.get("account_id"))
    except KeyError as exc:
        outbox.send({"t": "error", "message": f"The upload worker could not start: its "
                                              f"start-up line lacks {exc}."})
        return 2
    except (FigdeskError, TypeError, ValueError, OSError) as exc:
        outbox.send({"t": "error", "message": f"The upload worker could not start: {exc}"})
        return 2
    runner.subscribe(lambda event: outbox.event(event_to_json(event)))
    try:
        runner.start()
    except QueueBusyError as exc:
        outbox.send({"t": "busy", **error_to_json(exc)})
        return 3
    outbox.open({"t": "started"})
    log.info("upload worker %d runs the queue %s for %s", os.getpid(), store.path,
             hello.get("api_url"))
    try:
        for line in inp:
            if not line.strip():
                continue
            try:
                request = decode(line)
            except FigdeskError as exc:
                log.warning("%s", exc.message)
                continue
            if not handle(runner, request, outbox):
                break
    finally:
        # Halt where they stand, and wait for the job threads to checkpoint and let go.
        runner.stop(timeout=10.0)
        store.close()
        outbox.send({"t": "stopped"})
    return 0


def handle(runner: Runner, request: Message, outbox: Outbox) -> bool:
    """Do one request; False when it asks the worker to stop."""
    op = request.get("op")
    rid = request.get("rid")
    if op == "stop":
        return False
    reply: Message = {"t": "reply", "rid": rid}
    try:
        if op == "set_client":
            runner.set_client(make_client(request), request.get("account_id"))
        elif op in ACTIONS:
            args = [int(request["id"])] if "id" in request else []
            getattr(runner, str(op))(*args)
        else:
            raise FigdeskError(f"The upload worker does not know the request {op!r}.")
    except FigdeskError as exc:
        reply["error"] = error_to_json(exc)
    except (KeyError, TypeError, ValueError) as exc:
        reply["error"] = {"kind": "FigdeskError", "message": f"A malformed request: {exc}"}
    if rid is not None:
        outbox.send(reply)
    return True


def lower_priority() -> None:
    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICE)
        except OSError:
            pass     # not allowed here: the uploads simply run at normal priority


def main() -> int:
    from figdesk.core import logs

    lower_priority()
    logs.setup_logging(filename=WORKER_LOG_FILE)
    try:
        return serve(sys.stdin.buffer, sys.stdout.buffer)
    except Exception:
        log.exception("the upload worker failed")
        raise


if __name__ == "__main__":
    sys.exit(main())
