"""Running md5 of each upload session, kept up to date while its parts arrive.

A storage service can hash bytes as they come in, so "complete" need not start a whole-file
pass.  Per upload session the sandbox keeps an md5 over the contiguous prefix of parts
hashed so far: part *k* is hashed once it is COMPLETE, not locked by a PUT, and parts 1..k-1
are hashed; parts that arrive out of order are caught up as the gap fills, read back from
the stored file in 1 MiB blocks (they are still in the page cache).

The work runs on one background thread per sandbox, fed by a queue of upload tokens, so a
part PUT only pays for a ``queue.put``.  Invalidation: a part reset (DELETE) or a PUT on a
part at or below the next part to hash bumps the session's epoch; a part hashed under an
older epoch is thrown away, and when the reset part was already in the hash the session
restarts from part 1 (an md5 cannot be rewound; the bytes come from the page cache and a
reset is rare).  At "complete" ``finish`` hashes whatever is left on the caller's thread
(the file-processing thread), usually nothing, and drops the session; the background thread
leaves COMPLETED uploads alone, so a late wake-up never starts a second pass.  Nothing here is persisted: after a restart a session starts from part 1
on its next part or at "complete", which is the old whole-file pass.

Locking: the session's fields are changed only under the store lock (short, no I/O); the
bytes are read and hashed outside it, under the session's own ``work`` lock so that the
background thread and ``finish`` never hash the same session at once.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from .httpbase import BLOCK
from .store import Store

CHUNK = BLOCK  # bytes read back and hashed at a time: memory stays constant

_STOP = ""  # a token is never empty, so "" can mean "stop the thread"


@dataclass
class _Session:
    md5: Any = field(default_factory=hashlib.md5)
    next_part: int = 1  # the lowest part number not yet in ``md5``
    epoch: int = 0  # bumped whenever bytes at or after ``next_part`` may have changed
    work: threading.Lock = field(default_factory=threading.Lock)


class _Gone(Exception):
    """The upload or its bytes went away: forget the session."""


class PartHasher:
    """Hashes upload parts as they arrive; ``finish(token)`` gives the whole file's md5."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._sessions: dict[str, _Session] = {}
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._queued: set[str] = set()
        self._qlock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # --- called by the upload service --------------------------------------------------------
    def part_arrived(self, token: str) -> None:
        """A part became COMPLETE: let the background thread move the prefix on."""
        self._ensure_thread()
        with self._qlock:
            if token in self._queued:
                return  # one pending look at a session covers any number of new parts
            self._queued.add(token)
        self._queue.put(token)

    def invalidate(self, token: str, part_no: int) -> None:
        """Part ``part_no`` is being rewritten or reset.  Call with the store lock held."""
        sess = self._sessions.get(token)
        if sess is None or part_no > sess.next_part:
            return  # those bytes are not in the hash yet, nor being hashed
        sess.epoch += 1
        if part_no < sess.next_part:
            sess.md5 = hashlib.md5()
            sess.next_part = 1

    def finish(self, token: str) -> str | None:
        """The md5 of a COMPLETED upload's bytes, hashing what is left; None if it is gone."""
        with self._store.lock:
            sess = self._sessions.setdefault(token, _Session())
        try:
            self._advance(token, sess)
        except _Gone:
            self._forget(token, sess)
            return None
        with self._store.lock:
            up = self._store.uploads.get(token)
            done = up is not None and sess.next_part > len(up.parts)
            digest = sess.md5.hexdigest() if done else None
            # After "complete" no part can change, so the session is of no further use.
            self._sessions.pop(token, None)
        return digest

    def hashed_parts(self, token: str) -> int:
        """How many leading parts the running hash holds (0 without a session)."""
        with self._store.lock:
            sess = self._sessions.get(token)
            return 0 if sess is None else sess.next_part - 1

    def stop(self) -> None:
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout=5)

    # --- the background thread ---------------------------------------------------------------
    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-part-hasher", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            token = self._queue.get()
            if token == _STOP:
                return
            with self._qlock:
                self._queued.discard(token)
            with self._store.lock:
                up = self._store.uploads.get(token)
                if up is None or up.status != "PENDING":
                    # Completed: ``finish`` owns the session (a late wake-up must not start
                    # a whole new pass); aborted or removed: nothing will ever need it.
                    if up is None or up.status == "ABORTED":
                        self._sessions.pop(token, None)
                    continue
                sess = self._sessions.setdefault(token, _Session())
            try:
                self._advance(token, sess)
            except _Gone:
                self._forget(token, sess)
            except Exception:  # noqa: BLE001 - never let one session kill the thread
                # "complete" falls back to hashing the stored file, so the answer stays right.
                self._forget(token, sess)

    def _forget(self, token: str, sess: _Session) -> None:
        with self._store.lock:
            if self._sessions.get(token) is sess:
                del self._sessions[token]

    # --- hashing -------------------------------------------------------------------------------
    def _advance(self, token: str, sess: _Session) -> None:
        """Hash parts from ``next_part`` on while they are COMPLETE and unlocked."""
        store = self._store
        buf = bytearray(CHUNK)
        with sess.work:
            while True:
                with store.lock:
                    up = store.uploads.get(token)
                    if up is None or up.status == "ABORTED":
                        raise _Gone
                    part_no = sess.next_part
                    if part_no > len(up.parts):
                        return
                    if (
                        up.parts[part_no - 1] != "COMPLETE"
                        or (token, part_no) in store.locked_parts
                    ):
                        return  # a gap: the part that fills it will queue the session again
                    epoch = sess.epoch
                    start, end = up.part_range(part_no)
                    path = store.file_path(up.file_id)
                    md5 = sess.md5.copy()
                if not self._hash_range(path, start, end - start + 1, md5, buf, sess, epoch):
                    continue  # invalidated while reading: look again from the new state
                with store.lock:
                    if sess.epoch == epoch and sess.next_part == part_no:
                        sess.md5 = md5
                        sess.next_part = part_no + 1

    @staticmethod
    def _hash_range(
        path: os.PathLike[str],
        start: int,
        length: int,
        md5: Any,
        buf: bytearray,
        sess: _Session,
        epoch: int,
    ) -> bool:
        view = memoryview(buf)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise _Gone from None
        try:
            offset, left = start, length
            while left:
                if sess.epoch != epoch:
                    return False  # a reset or a re-PUT of this part: stop reading early
                n = os.preadv(fd, [view[: min(left, len(view))]], offset)
                if n <= 0:
                    raise _Gone  # the file was truncated under us: it is being removed
                md5.update(view[:n])
                offset += n
                left -= n
        finally:
            os.close(fd)
        return True
