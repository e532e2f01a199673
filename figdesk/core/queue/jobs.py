"""Queue jobs as the rest of figdesk sees them: one frozen dataclass per row.

A job names its item with an *item key*: ``id:<article id>`` for an item that exists on
Figshare, or a local key (``new:<uuid>``) that a queued ``create_item`` job resolves to an
article id once Figshare has created it. That is what lets a whole new item with its files be
queued with no connection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

JSON = dict[str, Any]


class JobKind(str, Enum):
    CREATE_ITEM = "create_item"
    UPDATE_ITEM = "update_item"
    UPLOAD_FILE = "upload_file"
    PUBLISH = "publish"
    DELETE_ITEM = "delete_item"


class JobState(str, Enum):
    QUEUED = "queued"        # waiting for its turn (or for the connection, or an earlier job)
    RUNNING = "running"
    PAUSED = "paused"        # the user paused this job: skipped until resumed
    DONE = "done"
    FAILED = "failed"        # kept with its error until retried or removed
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


def owner_stamp(api_url: str, account_id: int | None) -> JSON:
    """The ``owner`` a job carries: the API it was queued for and the account, when known."""
    return {"api": api_url.rstrip("/"), "account": account_id}


def article_key(article_id: int) -> str:
    """The item key of an item that already exists on Figshare."""
    return f"id:{int(article_id)}"


def parse_article_key(item_key: str) -> int | None:
    """The article id in an ``id:<n>`` key, or None for a local key."""
    if item_key.startswith("id:"):
        try:
            return int(item_key[3:])
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Job:
    """One queued action. ``payload`` holds the kind-specific data (see the accessors)."""

    id: int
    kind: JobKind
    state: JobState
    position: float
    item_key: str
    group_id: str = ""
    payload: JSON = field(default_factory=dict)
    error: str = ""
    error_kind: str = ""     # the FigdeskError class name of the last failure
    attempts: int = 0
    request: str = ""        # "pause" / "cancel" asked by another process
    created_at: float = 0.0
    updated_at: float = 0.0
    article_id: int | None = None   # resolved from item_key when the store read the row

    # -- kind-specific payload, read defensively ------------------------------------------

    @property
    def metadata(self) -> JSON:
        """create_item / update_item: the ArticleCreate / ArticleUpdate body."""
        m = self.payload.get("metadata")
        return dict(m) if isinstance(m, Mapping) else {}

    @property
    def owner(self) -> JSON:
        """Who queued it: ``{"api": url, "account": id or None}`` (empty for old jobs)."""
        o = self.payload.get("owner")
        return dict(o) if isinstance(o, Mapping) else {}

    def belongs_to(self, api_url: str | None, account_id: int | None) -> bool:
        """Whether a runner signed in as ``account_id`` on ``api_url`` may run this job: the
        queue is shared by every profile, and one account must never run another's jobs.
        What is unknown on either side (a job queued offline, before the account was known)
        does not exclude."""
        owner = self.owner
        api = owner.get("api")
        if api and api_url and str(api).rstrip("/") != api_url.rstrip("/"):
            return False
        account = owner.get("account")
        return not (isinstance(account, int) and account_id is not None
                    and account != account_id)

    @property
    def title(self) -> str:
        return str(self.metadata.get("title") or "")

    @property
    def upload(self) -> JSON:
        """upload_file: the engine's ``FileUpload.to_json()``."""
        u = self.payload.get("upload")
        return dict(u) if isinstance(u, Mapping) else {}

    @property
    def path(self) -> str:
        return str(self.upload.get("path") or "")

    @property
    def file_name(self) -> str:
        return str(self.upload.get("name") or "")

    @property
    def size(self) -> int:
        v = self.upload.get("size")
        return int(v) if isinstance(v, (int, float)) else 0

    @property
    def bytes_done(self) -> int:
        v = self.upload.get("bytes_done")
        return int(v) if isinstance(v, (int, float)) else 0

    @property
    def file_id(self) -> int | None:
        v = self.upload.get("file_id")
        return int(v) if isinstance(v, int) and v > 0 else None

    def describe(self) -> str:
        """A short human label: what this job does to which item."""
        if self.article_id:
            target = f"item {self.article_id}"
        elif self.kind is JobKind.CREATE_ITEM:
            target = f"new item {self.title!r}"
        else:
            target = "the new item"
        if self.kind is JobKind.UPLOAD_FILE:
            return f"upload {self.file_name or self.path} to {target}"
        if self.kind is JobKind.CREATE_ITEM:
            return f"create {target}"
        return f"{self.kind.value.replace('_', ' ')} {target}"

    def to_json(self) -> JSON:
        return {
            "id": self.id, "kind": self.kind.value, "state": self.state.value,
            "position": self.position, "item_key": self.item_key, "article_id": self.article_id,
            "group_id": self.group_id, "payload": self.payload, "error": self.error,
            "error_kind": self.error_kind, "attempts": self.attempts, "request": self.request,
            "created_at": self.created_at, "updated_at": self.updated_at,
            "description": self.describe(),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any], article_id: int | None) -> Job:
        try:
            payload = json.loads(row["payload"] or "{}")
        except ValueError:
            payload = {}
        return cls(
            id=int(row["id"]), kind=JobKind(row["kind"]), state=JobState(row["state"]),
            position=float(row["position"]), item_key=str(row["item_key"]),
            group_id=str(row["group_id"]), payload=payload if isinstance(payload, dict) else {},
            error=str(row["error"]), error_kind=str(row["error_kind"]),
            attempts=int(row["attempts"]), request=str(row["request"]),
            created_at=float(row["created_at"]), updated_at=float(row["updated_at"]),
            article_id=article_id,
        )
