"""The upload service (NOTES section 5): ``/upload/<token>[/<partNo>]``, empty error bodies.

A part body is streamed into the file's place on disk in 1 MiB blocks (``readinto`` a reused
buffer, no per-byte work).  Choices: a missing Content-Length (chunked included) is refused
with 411, a Content-Length other than the part's length with 400, both closing the
connection; a body shorter than its Content-Length waits ``body_timeout`` seconds, then the
connection is dropped (Figshare hangs until its own timeout).  A PUT on a COMPLETED upload
gets 409; an ABORTED upload answers 404 to part requests and shows ``status: ABORTED``.

Each part that arrives is handed to the sandbox's ``PartHasher`` (hashing.py), which keeps a
running md5 of the parts received so far off the request path; a part DELETE or a PUT on a
part invalidates that hash from the part on, before a byte of it is written.
"""

from __future__ import annotations

import re

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

    def _receive(self, path: object, start: int, length: int, drop_at: int | None) -> bool:
        buf = bytearray(BLOCK)
        view = memoryview(buf)
        left = length
        self.connection.settimeout(self.core.config.body_timeout)
        try:
            with open(path, "r+b") as f:  # type: ignore[call-overload]
                f.seek(start)
                while left:
                    want = min(left, self.block_size())
                    if drop_at is not None and length - left + want > drop_at:
                        want = max(drop_at - (length - left), 0)
                        if want == 0:
                            self.drop()
                            return False
                    n = self.rfile.readinto(view[:want])
                    if not n:
                        self.close_connection = True
                        return False
                    self.pace(n)
                    f.write(view[:n])
                    left -= n
        except (TimeoutError, ConnectionError, FileNotFoundError):
            self.drop()
            return False
        finally:
            try:
                self.connection.settimeout(None)
            except OSError:
                pass
        return True
