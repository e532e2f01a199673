"""In-memory stand-ins for the API client and the upload engine, for the queue's unit tests.

They keep just enough of Figshare's behaviour to catch what matters to the queue: items
created twice, files initiated twice, parts sent twice, and answers lost on the way back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from figdesk.core.errors import AuthError, FigdeskError, NotFoundError, OfflineError
from figdesk.core.models import Account, Article, ArticleSummary, Created
from figdesk.core.upload import Control, FileUpload, Progress, UploadOptions
from figdesk.core.upload.state import UploadState


@dataclass
class FakeItem:
    id: int
    title: str
    created: datetime
    version: int = 0
    metadata: dict[str, Any] | None = None


class FakeClient:
    """Items in a dict. ``offline``/``auth_broken`` make every call fail like the real client;
    ``lose_next_create`` makes the next create happen on the "server" but raise anyway."""

    def __init__(self) -> None:
        self.items: dict[int, FakeItem] = {}
        self.next_id = 1000
        self.offline = False
        self.auth_broken = False
        self.lose_next_create: FigdeskError | None = None
        self.calls: list[str] = []
        self.mu = threading.Lock()

    def _gate(self, name: str) -> None:
        with self.mu:
            self.calls.append(name)
        if self.offline:
            raise OfflineError("Figshare cannot be reached (test).")
        if self.auth_broken:
            raise AuthError("The token was revoked (test).", status=403)

    def get_account(self) -> Account:
        self._gate("get_account")
        return Account.from_json({"id": 1, "first_name": "T"})

    def create_article(self, metadata: Mapping[str, Any]) -> Created:
        self._gate("create_article")
        with self.mu:
            self.next_id += 1
            item = FakeItem(self.next_id, str(metadata.get("title")), datetime.now(UTC),
                            metadata=dict(metadata))
            self.items[item.id] = item
            lost, self.lose_next_create = self.lose_next_create, None
        if lost is not None:
            raise lost
        return Created(item.id, f"http://x/v2/account/articles/{item.id}")

    def iter_my_article_pages(self, page_size: int = 1000) -> Iterator[list[ArticleSummary]]:
        self._gate("list")
        rows = [ArticleSummary.from_json({"id": i.id, "title": i.title,
                                          "created_date": i.created.isoformat()})
                for i in sorted(self.items.values(), key=lambda i: -i.id)]
        for n in range(0, len(rows), page_size):
            yield rows[n:n + page_size]

    def get_my_article(self, article_id: int) -> Article:
        self._gate("get_article")
        item = self.items.get(article_id)
        if item is None:
            raise NotFoundError("no such item")
        return Article.from_json({"id": item.id, "title": item.title, "version": item.version})

    def update_article(self, article_id: int, metadata: Mapping[str, Any], *,
                       replace: bool = False) -> tuple[str, ...]:
        self._gate("update")
        self.items[article_id].metadata = dict(metadata)
        return ()

    def publish_article(self, article_id: int) -> str:
        self._gate("publish")
        self.items[article_id].version += 1
        return f"http://x/articles/{article_id}"

    def delete_article(self, article_id: int) -> None:
        self._gate("delete")
        if self.items.pop(article_id, None) is None:
            raise NotFoundError("no such item")


    def list_files(self, article_id: int) -> list[Any]:
        self._gate("list_files")
        return []

    def delete_file(self, article_id: int, file_id: int) -> None:
        self._gate("delete_file")


class FakeEngine:
    """Uploads in ``parts`` steps, checkpointing each; honours Control like the real engine.
    ``script`` maps a file name to exceptions to raise on successive runs."""

    def __init__(self, client: FakeClient, options: UploadOptions | None = None, *,
                 parts: int = 4, step: float = 0.005) -> None:
        self.client = client
        self.parts = parts
        self.step = step
        self.script: dict[str, list[BaseException]] = {}
        self.initiated: list[tuple[int, str]] = []
        self.part_puts: list[tuple[str, int]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.mu = threading.Lock()

    def upload(self, fu: FileUpload, *, checkpoint: Callable[[FileUpload], None],
               progress: Callable[[Progress], None] | None = None,
               control: Control | None = None) -> FileUpload:
        control = control or Control()
        with self.mu:
            pending = self.script.get(fu.name)
            failure = pending.pop(0) if pending else None
        if failure is not None:
            raise failure
        self.client._gate("engine")
        if fu.article_id not in self.client.items:
            raise NotFoundError("item gone")
        if fu.file_id is None:
            with self.mu:
                self.initiated.append((fu.article_id, fu.name))
                fu.file_id = len(self.initiated)
            fu.state = UploadState.UPLOADING
            checkpoint(fu)
        for part in range(1, self.parts + 1):
            if part in fu.parts_done:
                continue
            while not self.gate.wait(0.01):
                control.check()
            control.check()
            time.sleep(self.step)
            if self.client.offline:
                raise OfflineError("lost the connection (test)")
            with self.mu:
                self.part_puts.append((fu.name, part))
            fu.parts_done.append(part)
            fu.bytes_done = len(fu.parts_done)
            checkpoint(fu)
            if progress:
                progress(Progress(fu.key, "uploading", fu.bytes_done, self.parts, 1.0, None))
        fu.state = UploadState.DONE
        checkpoint(fu)
        return fu
