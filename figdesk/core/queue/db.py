"""The queue's SQLite database: connection settings and schema migrations.

WAL mode lets the GUI read while a CLI runner writes (and the other way round); the schema
version lives in ``PRAGMA user_version`` so an older figdesk never misreads a newer file.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from figdesk.core.errors import FigdeskError

DB_NAME = "queue.sqlite3"


def _v1(con: sqlite3.Connection) -> None:
    # One statement at a time: executescript() would commit our open migration transaction.
    for statement in (
        """CREATE TABLE jobs (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            kind        TEXT NOT NULL,
            state       TEXT NOT NULL,
            position    REAL NOT NULL,
            item_key    TEXT NOT NULL,      -- which item: 'id:<n>' or a local key
            group_id    TEXT NOT NULL DEFAULT '',
            payload     TEXT NOT NULL DEFAULT '{}',
            error       TEXT NOT NULL DEFAULT '',
            error_kind  TEXT NOT NULL DEFAULT '',
            attempts    INTEGER NOT NULL DEFAULT 0,
            request     TEXT NOT NULL DEFAULT '',   -- 'pause' / 'cancel' asked by another process
            created_at  REAL NOT NULL,
            updated_at  REAL NOT NULL
        )
        """,
        "CREATE INDEX jobs_position ON jobs(position)",
        "CREATE INDEX jobs_group ON jobs(group_id)",
        """-- local item keys, article_id filled in once the create job has succeeded
        CREATE TABLE items (
            key         TEXT PRIMARY KEY,
            article_id  INTEGER,
            title       TEXT NOT NULL DEFAULT ''
        )
        """,
        """CREATE TABLE groups (
            id          TEXT PRIMARY KEY,
            signature   TEXT NOT NULL,
            label       TEXT NOT NULL DEFAULT '',
            created_at  REAL NOT NULL
        )
        """,
        "CREATE INDEX groups_signature ON groups(signature)",
        """CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
    ):
        con.execute(statement)


#: Migration n upgrades a database from user_version n to n + 1. Append, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


class QueueDatabaseError(FigdeskError):
    title = "Queue database problem"


#: How long opening the queue waits for another process that holds the database while it
#: opens or migrates it (the app and its upload worker start together).
OPEN_PATIENCE = 15.0
SETUP_BUSY_MS = 500         # one try at switching to WAL and migrating
BUSY_MS = 10_000            # any statement afterwards


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the queue database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + OPEN_PATIENCE
    pause = 0.02
    while True:
        con: sqlite3.Connection | None = None
        try:
            # autocommit mode: transactions are explicit (BEGIN IMMEDIATE) in the store.
            con = sqlite3.connect(str(path), timeout=BUSY_MS / 1000, isolation_level=None,
                                  check_same_thread=False)
            con.row_factory = sqlite3.Row
            # Switching to WAL needs the database to itself: two processes opening a new
            # queue at once (the app and its worker, or a command) can each hold what the
            # other waits for. A short wait here, then closing and trying again, lets one
            # of them through instead of both timing out.
            con.execute(f"PRAGMA busy_timeout = {SETUP_BUSY_MS}")
            con.execute("PRAGMA journal_mode=WAL")
            # FULL: a state change must survive power loss before we act on it.
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA foreign_keys=ON")
            migrate(con)
            con.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            return con
        except sqlite3.OperationalError as exc:
            if con is not None:
                con.close()
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() >= deadline:
                raise QueueDatabaseError(
                    f"Cannot open the queue database {path}: {exc}") from exc
            time.sleep(pause)
            pause = min(0.5, pause * 2)
        except sqlite3.DatabaseError as exc:
            if con is not None:
                con.close()
            raise QueueDatabaseError(f"Cannot open the queue database {path}: {exc}") from exc
        except QueueDatabaseError:
            if con is not None:
                con.close()
            raise


def migrate(con: sqlite3.Connection) -> None:
    """Bring the schema up to ``SCHEMA_VERSION``, one committed step at a time."""
    con.execute("BEGIN IMMEDIATE")
    try:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise QueueDatabaseError(
                f"The queue database was written by a newer figdesk (schema {version}, "
                f"this one knows {SCHEMA_VERSION}). Update figdesk.")
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](con)
            con.execute(f"PRAGMA user_version = {step + 1}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
