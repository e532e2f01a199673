"""The upload service (NOTES section 5): ``/upload/<token>[/<partNo>]``, empty error bodies.

A part body goes into the file's place on disk with ``splice`` (socket -> pipe -> file, no
copy through Python), or in blocks read into a reused buffer when a bandwidth cap paces it.
Choices: a missing Content-Length (chunked included) is refused with 411, a Content-Length
other than the part's length with 400, both closing the connection; a body shorter than its
Content-Length waits ``body_timeout`` seconds, then the connection is dropped (Figshare hangs
until its own timeout).  A PUT on a COMPLETED upload gets 409; an ABORTED upload answers 404
to part requests and shows ``status: ABORTED``.

Each part that arrives is handed to the sandbox's ``PartHasher`` (hashing.py), which keeps a
running md5 of the parts received so far off the request path; a part DELETE or a PUT on a
part invalidates that hash from the part on, before a byte of it is written.
"""

from __future__ import annotations

import os
import re
import select
import threading
from typing import Any

from . import render
from .faults import Decision
from .httpbase import BLOCK, Handler

_INFO = re.compile(r"^/upload/([^/?]+)/?$")
_PART = re.compile(r"^/upload/([^/?]+)/(\d+)/?$")


class UploadHandler(Handler):
    service = "upload"

    def is_part_put(self) -> bool:
        return self.command == "PUT"

    def empty(self, status: int, close: bool = False) -> None:
        if close:
            self.close_connection = True
        self.send_bytes(status)

    def route(self, decision: Decision | None) -> None:
        path = self.path.split("?", 1)[0]
        m = _PART.match(path)
        if m and self.command == "PUT":
            self._put(m.group(1), int(m.group(2)), decision)
            return
        self.discard_body()
        status, obj = self._answer(path, m)
        # Answers are written after the lock is released: a slow reader never holds it.
        if obj is None:
            self.empty(status)
        else:
            self.send_json(status, obj)

    def _answer(self, path: str, m: re.Match[str] | None) -> tuple[int, object]:
        store = self.core.store
        with store.lock:
            info = _INFO.match(path)
            if info and self.command in ("GET", "HEAD"):
                up = store.uploads.get(info.group(1))
                if up is None:
                    return 404, None
                return 200, render.upload_info(up, store.locked_parts)
            if not m:
                return (404 if not info else 405), None
            up = store.uploads.get(m.group(1))
            part_no = int(m.group(2))
            if up is None or up.status == "ABORTED" or not 1 <= part_no <= len(up.parts):
                return 404, None
            if self.command in ("GET", "HEAD"):
                return 200, render.upload_part(up, part_no, store.locked_parts)
            if self.command == "DELETE":
                if up.status == "COMPLETED" or (up.token, part_no) in store.locked_parts:
                    return 409, None
                up.parts[part_no - 1] = "PENDING"
                self.core.hasher.invalidate(up.token, part_no)
                store.save(up)
                return 200, None
            return 405, None

    def _put(self, token: str, part_no: int, decision: Decision | None) -> None:
        store = self.core.store
        if self.headers.get("Content-Length") is None:
            return self.empty(411, close=True)
        length = int(self.headers["Content-Length"])
        key = (token, part_no)
        refusal = 0
        with store.lock:
            up = store.uploads.get(token)
            if up is None or up.status == "ABORTED" or not 1 <= part_no <= len(up.parts):
                refusal = 404
            elif up.status == "COMPLETED" or key in store.locked_parts:
                refusal = 409
            else:
                start, end = up.part_range(part_no)
                if length != end - start + 1:
                    refusal = 400
                elif decision is not None and decision.kind == "abort":
                    up.status = "ABORTED"
                    store.save(up)
                    refusal = 404
                else:
                    store.locked_parts.add(key)
                    # Before a byte is written: a hash of this part's old bytes is void.
                    self.core.hasher.invalidate(token, part_no)
                    file_id = up.file_id
        if refusal:
            # The body is left unread, so this connection cannot carry another request.
            return self.empty(refusal, close=True)
        ok = False
        try:
            drop_at = length // 2 if decision is not None and decision.kind == "drop" else None
            ok = self._receive(store.file_path(file_id), start, length, drop_at=drop_at)
        finally:
            with store.lock:
                store.locked_parts.discard(key)
                up = store.uploads.get(token)
                if up is not None and up.status == "PENDING":
                    up.parts[part_no - 1] = "COMPLETE" if ok else "PENDING"
                    store.save(up)
                gone = up is None
        if ok and not gone:
            self.core.hasher.part_arrived(token)
        if ok:
            self.empty(404 if gone else 200)

    def _receive(self, path: os.PathLike[str], start: int, length: int,
                 drop_at: int | None) -> bool:
        """Store the body at ``start`` of ``path``; False (connection dropped) if it breaks.

        Unpaced bodies move socket -> pipe -> file with ``splice``: the kernel hands the
        received pages to the file without a copy through Python (one copy instead of two,
        and no GIL). A bandwidth cap needs small, paced blocks, so paced bodies are read in
        blocks; the choice is made per block, as a cap may be set mid-body.
        """
        target = length if drop_at is None else min(drop_at, length)
        self.connection.settimeout(self.core.config.body_timeout)
        receiver: _Receiver | None = None
        try:
            receiver = _Receiver(self, path, start)
            got = receiver.run(target)
        except (TimeoutError, ConnectionError, FileNotFoundError):
            self.drop()
            return False
        finally:
            if receiver is not None:
                receiver.close()
            try:
                self.connection.settimeout(None)
            except OSError:
                pass
        if got < target:  # the client hung up mid-body
            self.close_connection = True
            return False
        if drop_at is not None:  # fault injection: hang up halfway through the body
            self.drop()
            return False
        return True


#: Bytes a pipe may hold between the socket and the file (Linux's default cap for a pipe).
PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Linux, like splice itself)


class _Receiver:
    """Moves one part body from a handler's connection into the stored file."""

    def __init__(self, handler: UploadHandler, path: os.PathLike[str], start: int) -> None:
        self.h = handler
        self.start = start
        self.fd = os.open(path, os.O_WRONLY)
        self.path = str(path)
        self.write_lock = _WRITERS.acquire(self.path)
        self.pipe: tuple[int, int] | None = None
        self.buf: memoryview | None = None
        self.can_splice = _CAN_SPLICE and hasattr(handler.rfile, "peek")
        # Bytes of the body may already sit in rfile's buffer (read with the headers).
        self.buffered_maybe = True

    def close(self) -> None:
        _WRITERS.release(self.path)
        os.close(self.fd)
        if self.pipe is not None:
            for end in self.pipe:
                os.close(end)

    def run(self, target: int) -> int:
        got = 0
        while got < target:
            want = target - got
            if self.h.block_size() != BLOCK or not self.can_splice:
                n = self._read_block(got, min(want, self.h.block_size()))
            elif self.buffered_maybe:
                n = self._drain_buffer(got, want)
                self.buffered_maybe = False
            else:
                moved = self._splice(got, want)
                if moved is None:
                    continue
                n = moved
            if not n:
                break
            got += n
        return got

    def _write(self, data: memoryview, at: int) -> None:
        with self.write_lock:
            while data:
                written = os.pwrite(self.fd, data, self.start + at)
                data = data[written:]
                at += written

    def _read_block(self, at: int, want: int) -> int:
        if self.buf is None:
            self.buf = memoryview(bytearray(BLOCK))
        n = self.h.rfile.readinto(self.buf[:want])
        if n:
            self.h.pace(n)
            self._write(self.buf[:n], at)
        # rfile may now hold bytes past this block: drain them before splicing again.
        self.buffered_maybe = True
        return n or 0

    def _drain_buffer(self, at: int, want: int) -> int:
        # peek returns what is buffered without a read, or does one read of at most the
        # buffer's size when nothing is: either way bytes this body must consume first.
        rfile: Any = self.h.rfile  # a BufferedReader (StreamRequestHandler's default)
        data = rfile.peek(1)[:want]
        if not data:
            return 0
        self.h.rfile.read(len(data))
        self._write(memoryview(data), at)
        return len(data)

    def _splice(self, at: int, want: int) -> int | None:
        """Bytes moved; 0 when the client hung up; None when none had arrived yet."""
        sock = self.h.connection
        if self.pipe is None:
            import fcntl  # only where splice exists (Linux); the module loads everywhere

            self.pipe = os.pipe()
            try:
                fcntl.fcntl(self.pipe[1], _F_SETPIPE_SZ, PIPE_SIZE)
            except OSError:
                pass  # a smaller pipe only means more trips
        r, w = self.pipe
        try:
            n = os.splice(sock.fileno(), w, min(want, PIPE_SIZE))
        except BlockingIOError:
            # The socket has a timeout (non-blocking underneath): wait for data, then let
            # the caller choose again (a cap may have been set meanwhile).
            timeout = sock.gettimeout()
            poller = select.poll()  # not select(): a busy server may hold fds above 1024
            poller.register(sock.fileno(), select.POLLIN)
            if not poller.poll(None if timeout is None else timeout * 1000.0):
                raise TimeoutError("body timed out") from None
            return None
        left, pos = n, self.start + at
        with self.write_lock:
            while left:  # the pipe is emptied before the next splice from the socket
                moved = os.splice(r, self.fd, left, offset_dst=pos)
                left -= moved
                pos += moved
        return n


_CAN_SPLICE = hasattr(os, "splice")


class _WriterLocks:
    """One lock per stored file, shared by the PUTs writing into it at the same time.

    Writes into one file take the kernel's inode lock, and eight parts of a file arrive at
    once: contended writers spin on it, burning CPU. Taking turns on a Python lock instead
    (waiters sleep, the GIL is free during the write) cut the kernel time of receiving a
    GiB by a fifth to a quarter on a 2-core machine.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def acquire(self, path: str) -> threading.Lock:
        with self._lock:
            lock, users = self._locks.get(path, (None, 0))
            if lock is None:
                lock = threading.Lock()
            self._locks[path] = (lock, users + 1)
            return lock

    def release(self, path: str) -> None:
        with self._lock:
            lock, users = self._locks[path]
            if users <= 1:
                del self._locks[path]  # forget files nobody writes to any more
            else:
                self._locks[path] = (lock, users - 1)


_WRITERS = _WriterLocks()
