"""All sandbox state, in memory, optionally mirrored to SQLite in a data folder.

One re-entrant lock guards everything: handlers take it for short, in-memory work only
(never while a part body is being received).  With a data folder every change is written
through to ``state.sqlite3`` (one row per record, committed at once), so a restart or a
crash loses nothing; without one, a temporary folder holds the part bytes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

from .model import Account, Article, Author, FileRec, Upload, from_dict, to_dict

_KINDS: dict[str, type[Any]] = {
    "account": Account,
    "author": Author,
    "article": Article,
    "file": FileRec,
    "upload": Upload,
}
_KEYS = {"account": "id", "author": "id", "article": "id", "file": "id", "upload": "token"}


class Store:
    """The records plus their persistence."""

    def __init__(self, data_dir: str | Path | None) -> None:
        self.lock = threading.RLock()
        self._tmp = data_dir is None
        self.root = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="figsandbox-"))
        self.files_dir = self.root / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.accounts: dict[int, Account] = {}
        self.authors: dict[int, Author] = {}
        self.articles: dict[int, Article] = {}
        self.files: dict[int, FileRec] = {}
        self.uploads: dict[str, Upload] = {}
        self.tokens: dict[str, int] = {}
        self.revoked: set[str] = set()
        self.meta: dict[str, Any] = {"next_id": 30_000_000}
        # Parts being received right now: (upload token, part number).  Never persisted: a
        # restart drops every connection, so no part can still be locked afterwards.
        self.locked_parts: set[tuple[str, int]] = set()
        self._db: sqlite3.Connection | None = None
        self.loaded = False
        if not self._tmp:
            self._db = sqlite3.connect(
                str(self.root / "state.sqlite3"), check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS rec (kind TEXT, key TEXT, body TEXT, "
                "PRIMARY KEY (kind, key))"
            )
            self._load()

    # --- persistence ---------------------------------------------------------------------
    def _load(self) -> None:
        assert self._db is not None
        rows = self._db.execute("SELECT kind, body FROM rec").fetchall()
        for kind, body in rows:
            data = json.loads(body)
            if kind == "meta":
                self.meta = data
            elif kind == "tokens":
                self.tokens = {k: int(v) for k, v in data["tokens"].items()}
                self.revoked = set(data["revoked"])
            else:
                obj = from_dict(_KINDS[kind], data)
                self._table(kind)[getattr(obj, _KEYS[kind])] = obj
        self.loaded = bool(rows)

    def _table(self, kind: str) -> dict[Any, Any]:
        return {
            "account": self.accounts,
            "author": self.authors,
            "article": self.articles,
            "file": self.files,
            "upload": self.uploads,
        }[kind]

    @staticmethod
    def _kind(obj: Any) -> str:
        for kind, cls in _KINDS.items():
            if isinstance(obj, cls):
                return kind
        raise TypeError(type(obj))

    def save(self, *objs: Any) -> None:
        """Write records through to disk (no-op in memory).  Call with the lock held."""
        if self._db is None:
            return
        rows = []
        for obj in objs:
            kind = self._kind(obj)
            rows.append((kind, str(getattr(obj, _KEYS[kind])), json.dumps(to_dict(obj))))
        self._write(rows)

    def save_meta(self) -> None:
        if self._db is None:
            return
        tokens = {"tokens": self.tokens, "revoked": sorted(self.revoked)}
        self._write(
            [("meta", "meta", json.dumps(self.meta)), ("tokens", "tokens", json.dumps(tokens))]
        )

    def save_all(self) -> None:
        if self._db is None:
            return
        rows = []
        for kind in _KINDS:
            for key, obj in self._table(kind).items():
                rows.append((kind, str(key), json.dumps(to_dict(obj))))
        self._write(rows)
        self.save_meta()

    def delete(self, obj: Any) -> None:
        if self._db is None:
            return
        kind = self._kind(obj)
        with self.lock:
            self._db.execute(
                "DELETE FROM rec WHERE kind=? AND key=?", (kind, str(getattr(obj, _KEYS[kind])))
            )

    def _write(self, rows: list[tuple[str, str, str]]) -> None:
        assert self._db is not None
        with self.lock:
            # One transaction: SQLite makes it atomic, so a crash never leaves half a change.
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO rec VALUES (?, ?, ?)", rows)
            self._db.execute("COMMIT")

    # --- ids and paths -------------------------------------------------------------------
    def new_id(self) -> int:
        with self.lock:
            self.meta["next_id"] += 1
            value = int(self.meta["next_id"])
            self.save_meta()
            return value

    def file_path(self, file_id: int) -> Path:
        return self.files_dir / f"{file_id}.bin"

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.close()
                self._db = None
        if self._tmp:
            shutil.rmtree(self.root, ignore_errors=True)
