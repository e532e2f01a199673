"""Build the jobs of one upload (a new or existing item, its files, maybe a publish).

Used by ``figdesk upload`` and the GUI alike, so both queue the same way and a repeated
command finds its earlier, unfinished jobs by ``signature``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from figdesk.core.queue.jobs import Job, JobKind, article_key
from figdesk.core.queue.store import QueueStore
from figdesk.core.upload import FileUpload


@dataclass(frozen=True)
class QueuedUpload:
    """The jobs of one upload, in queue order; ``resumed`` when they were already queued."""

    group_id: str
    jobs: tuple[Job, ...]
    resumed: bool = False

    @property
    def upload_jobs(self) -> tuple[Job, ...]:
        return tuple(j for j in self.jobs if j.kind is JobKind.UPLOAD_FILE)


def upload_signature(files: Iterable[FileUpload], *, article_id: int | None,
                     new_title: str | None, publish: bool, extra: Mapping[str, Any] | None = None
                     ) -> str:
    """Same files (path, size, mtime), same target, same publish: same signature."""
    data = {
        "files": sorted((f.path, f.folder_path or "", f.name, f.size, f.mtime_ns) for f in files),
        "target": article_id if article_id is not None else {"new": new_title},
        "publish": publish,
        "extra": dict(extra or {}),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def enqueue_upload(store: QueueStore, files: Sequence[FileUpload], *,
                   article_id: int | None = None, new_metadata: Mapping[str, Any] | None = None,
                   publish: bool = False, signature: str = "", label: str = "",
                   impersonate: int | None = None,
                   owner: Mapping[str, Any] | None = None) -> QueuedUpload:
    """Queue the upload, or find the same one still unfinished (when ``signature`` matches).
    ``impersonate``: the account an institution admin acts for; the jobs keep it, so they
    run for that account whoever runs the queue later. ``owner`` (``owner_stamp``): the
    signed-in account whose runner may run them."""
    if (article_id is None) == (new_metadata is None):
        raise ValueError("give exactly one of article_id and new_metadata")
    if signature:
        existing = store.find_open_group(signature)
        if existing is not None:
            return QueuedUpload(existing, tuple(store.list(group_id=existing)), resumed=True)
    group = store.add_group(signature, label)
    acting: dict[str, Any] = {"impersonate": impersonate} if impersonate is not None else {}
    specs: list[tuple[JobKind, str, Mapping[str, Any]]] = []
    if new_metadata is not None:
        key = store.new_item_key(str(new_metadata.get("title") or ""))
        specs.append((JobKind.CREATE_ITEM, key, {"metadata": dict(new_metadata), **acting}))
    else:
        assert article_id is not None
        key = article_key(article_id)
    for fu in files:
        specs.append((JobKind.UPLOAD_FILE, key, {"upload": fu.to_json(), **acting}))
    if publish:
        specs.append((JobKind.PUBLISH, key, {**acting}))
    return QueuedUpload(group, tuple(store.add_many(specs, group_id=group, owner=owner)))
