"""QueueStore: every read and write of the queue, each write one committed transaction.

The store is shared by the runner's threads (one connection behind a lock) and by other
processes (the CLI while the GUI runs, and the other way round) through SQLite's own locking.
Nothing here talks to Figshare.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from figdesk.core.errors import UsageError
from figdesk.core.queue.db import DB_NAME, connect
from figdesk.core.queue.jobs import Job, JobKind, JobState, parse_article_key

JSON = dict[str, Any]

_UPDATABLE = {"state", "payload", "error", "error_kind", "attempts", "request", "position"}


def default_queue_path() -> Path:
    """``<user data dir>/queue.sqlite3`` (``FIGDESK_DATA_DIR`` wins, for tests and scripts)."""
    from figdesk.core.paths import data_dir

    return data_dir() / DB_NAME


class QueueStore:
    """The persistent job queue. Thread-safe; safe to share between processes."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_queue_path()
        self._con = connect(self.path)
        self._lock = threading.RLock()

    @property
    def lock_path(self) -> Path:
        """The runner's lock file, next to the database."""
        return self.path.with_name(self.path.name + ".lock")

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so read-modify-write steps cannot
        # interleave with another process's.
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap "did anything change?"."""
        with self._lock:
            return int(self._con.execute("PRAGMA data_version").fetchone()[0])

    # -- items ------------------------------------------------------------------------------

    def new_item_key(self, title: str = "") -> str:
        """A fresh local key for an item a ``create_item`` job will create."""
        key = f"new:{uuid.uuid4().hex}"
        with self._tx() as con:
            con.execute("INSERT INTO items(key, article_id, title) VALUES (?, NULL, ?)",
                        (key, title))
        return key

    def resolve(self, item_key: str) -> int | None:
        """The Figshare article id behind an item key, None while not created yet."""
        direct = parse_article_key(item_key)
        if direct is not None:
            return direct
        with self._lock:
            row = self._con.execute("SELECT article_id FROM items WHERE key = ?",
                                    (item_key,)).fetchone()
        return int(row[0]) if row is not None and row[0] is not None else None

    def set_item_article(self, item_key: str, article_id: int) -> None:
        with self._tx() as con:
            con.execute("UPDATE items SET article_id = ? WHERE key = ?", (article_id, item_key))

    def claimed_article_ids(self) -> set[int]:
        """Article ids already bound to a local key (a reconciled create must not take them)."""
        with self._lock:
            rows = self._con.execute(
                "SELECT article_id FROM items WHERE article_id IS NOT NULL").fetchall()
        return {int(r[0]) for r in rows}

    # -- jobs -------------------------------------------------------------------------------

    def _resolved(self, con: sqlite3.Connection) -> dict[str, int | None]:
        return {str(r[0]): (int(r[1]) if r[1] is not None else None)
                for r in con.execute("SELECT key, article_id FROM items")}

    def _job(self, row: Any, keys: Mapping[str, int | None]) -> Job:
        key = str(row["item_key"])
        aid = parse_article_key(key)
        return Job.from_row(row, aid if aid is not None else keys.get(key))

    def add(self, kind: JobKind, item_key: str, payload: Mapping[str, Any] | None = None, *,
            group_id: str = "", owner: Mapping[str, Any] | None = None) -> Job:
        return self.add_many([(kind, item_key, payload or {})], group_id=group_id,
                             owner=owner)[0]

    def add_many(self, specs: Iterable[tuple[JobKind, str, Mapping[str, Any]]], *,
                 group_id: str = "", owner: Mapping[str, Any] | None = None) -> list[Job]:
        """Append jobs in the given order, all or nothing. ``owner`` (``owner_stamp``) goes
        into every job so that only that account's runner runs them."""
        now = time.time()
        ids: list[int] = []
        with self._tx() as con:
            top = con.execute("SELECT COALESCE(MAX(position), 0) FROM jobs").fetchone()[0]
            for n, (kind, key, payload) in enumerate(specs, start=1):
                cur = con.execute(
                    "INSERT INTO jobs(kind, state, position, item_key, group_id, payload,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (JobKind(kind).value, JobState.QUEUED.value, float(top) + n, key, group_id,
                     json.dumps({**payload, "owner": dict(owner)} if owner else dict(payload)),
                     now, now))
                ids.append(int(cur.lastrowid or 0))
        return [j for j in (self.get(i) for i in ids) if j is not None]

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            row = self._con.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return None if row is None else self._job(row, self._resolved(self._con))

    def require(self, job_id: int) -> Job:
        job = self.get(job_id)
        if job is None:
            raise UsageError(f"There is no job {job_id} in the queue.")
        return job

    def list(self, *, states: Iterable[JobState] | None = None,
             group_id: str | None = None) -> list[Job]:
        """Jobs in queue order, optionally only some states or one group."""
        sql, args = "SELECT * FROM jobs", []
        where = []
        if states is not None:
            wanted = [JobState(s).value for s in states]
            where.append(f"state IN ({','.join('?' * len(wanted))})")
            args.extend(wanted)
        if group_id is not None:
            where.append("group_id = ?")
            args.append(group_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY position, id"
        with self._lock:
            keys = self._resolved(self._con)
            return [self._job(r, keys) for r in self._con.execute(sql, args).fetchall()]

    def update(self, job_id: int, **fields: Any) -> Job:
        """Commit new values for some columns of one job, and return the job as stored."""
        bad = set(fields) - _UPDATABLE
        if bad:
            raise ValueError(f"not updatable: {sorted(bad)}")
        cols, args = [], []
        for name, value in fields.items():
            if name == "payload":
                value = json.dumps(value)
            elif name == "state":
                value = JobState(value).value
            cols.append(f"{name} = ?")
            args.append(value)
        cols.append("updated_at = ?")
        args.extend([time.time(), job_id])
        with self._tx() as con:
            con.execute(f"UPDATE jobs SET {', '.join(cols)} WHERE id = ?", args)
        return self.require(job_id)

    def set_upload(self, job_id: int, upload: Mapping[str, Any],
                   extra: Mapping[str, Any] | None = None) -> None:
        """Store the engine's checkpoint (``FileUpload.to_json()``) of an upload job, and
        ``extra`` keys of the payload with it (one transaction)."""
        with self._tx() as con:
            row = con.execute("SELECT payload FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return
            payload = json.loads(row[0] or "{}")
            payload["upload"] = dict(upload)
            payload.update(extra or {})
            con.execute("UPDATE jobs SET payload = ?, updated_at = ? WHERE id = ?",
                        (json.dumps(payload), time.time(), job_id))

    def edit_metadata(self, job_id: int, metadata: Mapping[str, Any]) -> Job:
        """Change the metadata a queued create/update job will send."""
        job = self.require(job_id)
        if job.kind not in (JobKind.CREATE_ITEM, JobKind.UPDATE_ITEM):
            raise UsageError(f"Job {job_id} has no metadata to edit.")
        if job.state in (JobState.RUNNING, JobState.DONE):
            raise UsageError(f"Job {job_id} is {job.state.value}; its metadata can no longer change.")
        payload = dict(job.payload)
        payload["metadata"] = dict(metadata)
        if job.kind is JobKind.CREATE_ITEM:
            with self._tx() as con:
                con.execute("UPDATE items SET title = ? WHERE key = ?",
                            (str(metadata.get("title") or ""), job.item_key))
        return self.update(job_id, payload=payload)

    def request(self, job_id: int, what: str) -> None:
        """Ask whoever runs the queue to pause or cancel a running job."""
        self.update(job_id, request=what)

    def remove(self, job_id: int) -> None:
        """Delete a job that is not running (pause or cancel a running one first)."""
        with self._tx() as con:
            row = con.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise UsageError(f"There is no job {job_id} in the queue.")
            if row[0] == JobState.RUNNING.value:
                raise UsageError(f"Job {job_id} is running: pause or cancel it first.")
            con.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def move(self, job_id: int, *, before: int | None = None) -> None:
        """Move a job just before another one (or to the end with ``before=None``)."""
        with self._tx() as con:
            ids = [int(r[0]) for r in con.execute("SELECT id FROM jobs ORDER BY position, id")]
            if job_id not in ids or (before is not None and before not in ids):
                raise UsageError("There is no such job in the queue.")
            ids.remove(job_id)
            ids.insert(ids.index(before) if before is not None else len(ids), job_id)
            for pos, jid in enumerate(ids, start=1):
                con.execute("UPDATE jobs SET position = ? WHERE id = ?", (float(pos), jid))

    def clear_finished(self) -> int:
        """Forget done and cancelled jobs; return how many."""
        with self._tx() as con:
            cur = con.execute("DELETE FROM jobs WHERE state IN (?, ?)",
                              (JobState.DONE.value, JobState.CANCELLED.value))
            return cur.rowcount

    # -- groups: the jobs of one `figdesk upload` command, to resume it when run again -----

    def add_group(self, signature: str, label: str = "") -> str:
        gid = uuid.uuid4().hex[:12]
        with self._tx() as con:
            con.execute("INSERT INTO groups(id, signature, label, created_at) VALUES (?,?,?,?)",
                        (gid, signature, label, time.time()))
        return gid

    def find_open_group(self, signature: str) -> str | None:
        """The newest group with this signature that still has an unfinished job."""
        with self._lock:
            rows = self._con.execute(
                "SELECT g.id FROM groups g WHERE g.signature = ? AND EXISTS ("
                " SELECT 1 FROM jobs j WHERE j.group_id = g.id AND j.state != ?)"
                " ORDER BY g.created_at DESC", (signature, JobState.DONE.value)).fetchall()
        return str(rows[0][0]) if rows else None

    # -- queue-wide state --------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        with self._tx() as con:
            if value is None:
                con.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                con.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key)"
                            " DO UPDATE SET value = excluded.value", (key, value))

    @property
    def paused_reason(self) -> str | None:
        """Why the whole queue is paused (by the user, or a token that stopped working)."""
        return self.get_meta("paused")

    def set_paused(self, reason: str | None) -> None:
        self.set_meta("paused", reason)
