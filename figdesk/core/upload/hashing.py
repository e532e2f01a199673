"""Streaming md5 of a file in one pass, and a persistent cache of results.

The cache key is (path, size, mtime_ns, inode): a resume or a re-run of the same unchanged
file never hashes again, and any change to the file (even one that keeps the size) misses.
It is a small SQLite file in the user cache dir so several processes (GUI, CLI) share it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from figdesk.core.errors import FileChangedError, LocalFileError
from figdesk.core.upload.control import Control

#: 1 MiB reads: large enough that Python overhead vanishes next to md5 itself, small enough
#: that a cancel is seen within milliseconds.
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileIdentity:
    """What we believe identifies one version of a local file."""

    path: str
    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: str, *, follow_symlinks: bool = True) -> FileIdentity:
        try:
            st = os.stat(path, follow_symlinks=follow_symlinks)
        except FileNotFoundError as exc:
            raise LocalFileError(f"{path}: the file has vanished") from exc
        except OSError as exc:
            raise LocalFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
        return cls(os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ino)


def md5_file(path: str, *, expect: FileIdentity | None = None, control: Control | None = None,
             on_bytes: Callable[[int], None] | None = None,
             chunk: int = HASH_CHUNK, gate: Callable[[int], None] | None = None) -> str:
    """Lowercase hex md5 of ``path`` in one sequential pass.

    With ``expect``, raises ``FileChangedError`` when the size read or the file's stat after
    reading differ from it (the md5 would describe some other version of the file).
    ``on_bytes(n)`` is told the running total; ``control`` stops the pass within one chunk.
    ``gate(end)`` is called before reading up to offset ``end`` and may block (to pace the
    pass behind other readers of the same file).
    """
    h = hashlib.md5()
    buf = bytearray(chunk)
    view = memoryview(buf)
    total = 0
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError as exc:
        raise LocalFileError(f"{path}: the file has vanished") from exc
    except OSError as exc:
        raise LocalFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
    try:
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        with os.fdopen(fd, "rb", buffering=0, closefd=False) as f:
            while True:
                if control is not None:
                    control.check()
                    if control.paused:
                        control.wait_while_paused()
                if gate is not None:
                    gate(total + chunk)
                try:
                    n = f.readinto(view)
                except OSError as exc:
                    raise LocalFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
                if not n:
                    break
                h.update(view[:n])
                total += n
                if on_bytes is not None:
                    on_bytes(total)
        if expect is not None:
            st = os.fstat(fd)
            if total != expect.size or st.st_size != expect.size or st.st_mtime_ns != expect.mtime_ns:
                raise FileChangedError(f"{path}: the file changed while it was being read")
    finally:
        os.close(fd)
    return h.hexdigest()


class Md5Cache:
    """md5 by file identity, persisted in SQLite (``path`` injectable; ``":memory:"`` works)."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            from figdesk.core.paths import cache_dir
            path = cache_dir() / "md5-cache.sqlite3"
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA user_version")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS md5 (path TEXT NOT NULL, size INTEGER NOT NULL, "
            "mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, md5 TEXT NOT NULL, "
            "PRIMARY KEY (path, size, mtime_ns, inode))")

    def get(self, ident: FileIdentity) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT md5 FROM md5 WHERE path=? AND size=? AND mtime_ns=? AND inode=?",
                (ident.path, ident.size, ident.mtime_ns, ident.inode)).fetchone()
        return str(row[0]) if row else None

    def put(self, ident: FileIdentity, md5: str) -> None:
        with self._lock:
            # one row per path: an older version's md5 is useless once the file changed
            self._db.execute("DELETE FROM md5 WHERE path=?", (ident.path,))
            self._db.execute("INSERT INTO md5 VALUES (?,?,?,?,?)",
                             (ident.path, ident.size, ident.mtime_ns, ident.inode, md5))

    def md5(self, path: str, *, control: Control | None = None,
            on_bytes: Callable[[int], None] | None = None) -> tuple[str, FileIdentity]:
        """The md5 of ``path`` from the cache, or hashed now (and cached)."""
        ident = FileIdentity.of(path)
        cached = self.get(ident)
        if cached:
            return cached, ident
        digest = md5_file(path, expect=ident, control=control, on_bytes=on_bytes)
        self.put(ident, digest)
        return digest, ident

    def close(self) -> None:
        with self._lock:
            self._db.close()
