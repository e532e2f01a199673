"""The state of one file upload, as the queue stores it and the engine resumes it.

Everything the engine needs to pick an upload up again after a crash, a kill -9 or a restart
lives in ``FileUpload``: the local identity of the file (size, mtime_ns, inode) so a change is
noticed, the md5 once known, and the Figshare side (file id, upload_url, parts known complete).
The engine calls ``checkpoint(fu)`` after every state change; the queue commits ``to_json()``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any


class UploadState(StrEnum):
    """Where a file upload stands. A ``StrEnum`` so it compares equal to its plain name."""

    QUEUED = "queued"
    HASHING = "hashing"
    UPLOADING = "uploading"
    COMPLETING = "completing"
    PROCESSING = "processing"   # Figshare still moving the file after our poll timeout
    DONE = "done"               # available on Figshare and computed_md5 == local md5
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"
    SKIPPED = "skipped"         # pre-flight decided not to send it (already there, empty...)

    @property
    def finished(self) -> bool:
        """True when the engine has nothing more to do for this file."""
        return self in (UploadState.DONE, UploadState.FAILED, UploadState.CANCELLED,
                        UploadState.SKIPPED)


@dataclass
class FileUpload:
    """One local file going to one Figshare item. Mutable: the engine updates it in place.

    ``name`` defaults to the file's base name; ``folder_path`` ("a/b") keeps a folder upload's
    structure. ``replace_file_id`` names a file already on the item that is deleted once this
    one is verified (the "replace" choice of pre-flight).
    """

    path: str
    article_id: int
    name: str = ""
    folder_path: str | None = None
    size: int = -1
    mtime_ns: int = 0
    inode: int = 0
    md5: str = ""
    file_id: int | None = None
    upload_url: str = ""
    parts_done: list[int] = field(default_factory=list)
    attempts: int = 0
    ic_failures: int = 0
    state: UploadState = UploadState.QUEUED
    error: str = ""
    bytes_done: int = 0
    key: str = ""
    replace_file_id: int | None = None
    md5_sent: bool = False      # whether the md5 went with the initiate (else checked after)
    lost_initiates: int = 0     # initiate answers lost: a late record may need sweeping
    lost_initiate_at: float = 0.0   # wall-clock time of the last loss (survives restarts)

    def __post_init__(self) -> None:
        if not self.name:
            self.name = os.path.basename(self.path)
        if not self.key:
            self.key = self.path
        self.state = UploadState(self.state)

    def to_json(self) -> dict[str, Any]:
        """A plain JSON-able dict (the queue stores it as text)."""
        out = asdict(self)
        out["state"] = str(self.state)
        out["parts_done"] = sorted(set(self.parts_done))
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FileUpload:
        """Rebuild from ``to_json()``; unknown keys are ignored so old rows still load."""
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["parts_done"] = [int(p) for p in kw.get("parts_done") or []]
        try:
            kw["state"] = UploadState(kw.get("state") or "queued")
        except ValueError:
            kw["state"] = UploadState.QUEUED
        return cls(**kw)

    def forget_remote(self) -> None:
        """Drop everything Figshare-side so the next run initiates a fresh upload."""
        self.file_id = None
        self.upload_url = ""
        self.parts_done = []
        self.bytes_done = 0
        self.md5_sent = False
