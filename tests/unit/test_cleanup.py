"""Drafts cleanup workflow against an in-memory fake of the client (the sandbox runs in
tests/integration/test_cli_cleanup.py): filters, backup content and atomicity, refusals."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from figdesk.core.api import Pacer
from figdesk.core.errors import AuthError, CancelledError, NotFoundError, ServerError
from figdesk.core.models import Article, ArticleSummary, FileInfo
from figdesk.core.workflows.cleanup import (
    GONE,
    PUBLIC,
    BackupError,
    CleanupProgress,
    DraftCandidate,
    DraftCriteria,
    backup_drafts,
    default_backup_name,
    delete_drafts,
    estimate_seconds,
    find_drafts,
    is_untitled,
    summary_line,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def item(id_: int, title: str, created: str = "2026-05-30T10:00:00Z",
         published: str | None = None) -> dict[str, Any]:
    return {"id": id_, "title": title, "created_date": created, "modified_date": created,
            "published_date": published, "description": f"about {id_}", "status":
            "public" if published else "draft"}


class FakeClient:
    """Just enough of FigshareClient; records every call as (method, id)."""

    api_url = "https://api.figshare.com/v2"
    impersonate = None

    def __init__(self, items: list[dict[str, Any]], files: dict[int, int] | None = None,
                 page_size: int = 2) -> None:
        self.items = {d["id"]: dict(d) for d in items}
        self.files = {i: [{"id": i * 100 + k, "name": f"f{k}.csv", "size": k}
                          for k in range(n)] for i, n in (files or {}).items()}
        self.page_size = page_size
        self.calls: list[tuple[str, int]] = []
        self.fail_get: dict[int, Exception] = {}
        self.fail_delete: dict[int, Exception] = {}
        self.pacer = Pacer.off()
        self.on_delete: Any = None

    def iter_my_article_pages(self, page_size: int = 1000) -> Iterator[list[ArticleSummary]]:
        rows = list(self.items.values())
        for start in range(0, len(rows), self.page_size):
            self.calls.append(("list", start))
            yield [ArticleSummary.from_json(d) for d in rows[start:start + self.page_size]]

    def get_my_article(self, article_id: int) -> Article:
        self.calls.append(("get", article_id))
        if article_id in self.fail_get:
            raise self.fail_get[article_id]
        if article_id not in self.items:
            raise NotFoundError("Item not found", status=404)
        return Article.from_json(self.items[article_id])

    def list_files(self, article_id: int) -> list[FileInfo]:
        self.calls.append(("files", article_id))
        if article_id not in self.items:
            raise NotFoundError("Item not found", status=404)
        return [FileInfo.from_json(f) for f in self.files.get(article_id, [])]

    def delete_article(self, article_id: int) -> None:
        self.calls.append(("delete", article_id))
        if self.on_delete:
            self.on_delete(article_id)
        if article_id in self.fail_delete:
            raise self.fail_delete[article_id]
        if article_id not in self.items:
            raise NotFoundError("Item not found", status=404)
        del self.items[article_id]


def sample() -> FakeClient:
    return FakeClient([
        item(1, "Untitled Item", "2024-01-01T00:00:00Z"),
        item(2, "", "2026-05-31T00:00:00Z"),
        item(3, "Ocean temperatures", "2025-01-01T00:00:00Z"),
        item(4, "Untitled", "2025-06-01T00:00:00Z", published="2025-06-02T00:00:00Z"),
        item(5, "ocean salinity draft", "2026-05-01T00:00:00Z"),
    ], files={3: 12, 5: 1})


@pytest.mark.parametrize("title,expected", [
    ("", True), ("   ", True), ("Untitled Item", True), ("untitled", True),
    ("UNTITLED DATASET", True), ("Untitled item (2)", True), ("Untitled-3", True),
    ("(untitled)", True), ("untitled draft", True),
    ("Untitled song cycle", False), ("Ocean data", False), ("An untitled poem", False),
    ("Untitled 2 ocean", False),
])
def test_untitled_rules(title: str, expected: bool) -> None:
    assert is_untitled(title) is expected


def test_find_all_drafts_never_public_oldest_first() -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)
    assert [c.id for c in found] == [1, 3, 5, 2]
    assert all(not c.is_public for c in found)
    assert all(c.file_count is None for c in found)
    assert not [c for c in client.calls if c[0] == "files"], "no filter needs the files"


def test_find_filters() -> None:
    client = sample()
    assert [c.id for c in find_drafts(client, DraftCriteria(untitled=True), now=NOW)] == [1, 2]
    found = find_drafts(client, DraftCriteria(title_contains="OCEAN"), now=NOW)
    assert [c.id for c in found] == [3, 5]
    found = find_drafts(client, DraftCriteria(older_than_days=60), now=NOW)
    assert [c.id for c in found] == [1, 3]
    found = find_drafts(client, DraftCriteria(older_than_days=60, title_contains="ocean"),
                        now=NOW)
    assert [c.id for c in found] == [3]


def test_no_files_lists_files_only_for_drafts_passing_other_filters() -> None:
    client = sample()
    steps: list[CleanupProgress] = []
    found = find_drafts(client, DraftCriteria(no_files=True, older_than_days=300),
                        steps.append, now=NOW)
    assert [(c.id, c.file_count) for c in found] == [(1, 0)]
    assert [c for c in client.calls if c[0] == "files"] == [("files", 1), ("files", 3)]
    counting = [s for s in steps if s.phase == "counting files"]
    assert counting[0].total == 2 and counting[-1].done == 2


def test_count_files_keeps_items_with_files() -> None:
    found = find_drafts(sample(), DraftCriteria(count_files=True, title_contains="ocean"),
                        now=NOW)
    assert [(c.id, c.file_count) for c in found] == [(3, 12), (5, 1)]


def test_find_cancel() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        find_drafts(sample(), DraftCriteria(), cancel=cancel, now=NOW)


def test_backup_holds_full_metadata_and_every_file(tmp_path: Path) -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(title_contains="ocean"), now=NOW)
    target = tmp_path / "backup.json"
    result = backup_drafts(client, found, target)
    assert result.path == target and result.backed_up == (3, 5)
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["format"] == "figdesk-drafts-backup" and doc["api_url"] == client.api_url
    assert datetime.fromisoformat(doc["created"]).tzinfo is not None
    by_id = {e["id"]: e for e in doc["items"]}
    assert by_id[3]["article"]["description"] == "about 3"
    assert len(by_id[3]["files"]) == 12 and by_id[3]["files"][11]["name"] == "f11.csv"
    assert [p.name for p in tmp_path.iterdir()] == ["backup.json"], "no temp file left"


def _raise(exc: Exception) -> Any:
    def fail(*_a: Any, **_k: Any) -> Any:
        raise exc
    return fail


def test_backup_refuses_unwritable_place_before_any_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)
    client.calls.clear()
    with pytest.raises(BackupError, match="does not exist.*Nothing was deleted"):
        backup_drafts(client, found, tmp_path / "nope" / "b.json")
    with monkeypatch.context() as m:
        # Root may write anywhere, so a read-only folder proves nothing here: fail the create.
        m.setattr(tempfile, "mkstemp", _raise(PermissionError(13, "Permission denied")))
        with pytest.raises(BackupError, match="cannot be written.*Permission denied"):
            backup_drafts(client, found, tmp_path / "b.json")
    existing = tmp_path / "old.json"
    existing.write_text("earlier backup")
    with pytest.raises(BackupError, match="already exists"):
        backup_drafts(client, found, existing)
    assert existing.read_text() == "earlier backup"
    assert client.calls == []


def test_backup_disk_full_leaves_nothing(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)
    monkeypatch.setattr(os, "fsync", _raise(OSError(28, "No space left on device")))
    with pytest.raises(BackupError, match="No space left"):
        backup_drafts(client, found, tmp_path / "b.json")
    assert list(tmp_path.iterdir()) == []


def test_backup_fails_cleanly_when_an_item_cannot_be_read(tmp_path: Path) -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)
    client.fail_get[3] = ServerError("Figshare had a problem (500).", status=500)
    with pytest.raises(BackupError, match="item 3"):
        backup_drafts(client, found, tmp_path / "b.json")
    assert list(tmp_path.iterdir()) == []


def test_backup_notes_items_already_gone(tmp_path: Path) -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(untitled=True), now=NOW)
    del client.items[2]
    result = backup_drafts(client, found, tmp_path / "b.json")
    assert result.backed_up == (1,) and result.missing == (2,)


def test_delete_reports_each_outcome_and_continues() -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)           # 1, 3, 5, 2
    public_slipped = DraftCandidate(ArticleSummary.from_json(client.items[4]))
    client.items[5]["published_date"] = "2026-05-31T00:00:00Z"     # published meanwhile
    del client.items[3]                                             # deleted elsewhere
    client.fail_delete[2] = ServerError("Figshare had a problem (500).", status=500)
    client.calls.clear()
    report = delete_drafts(client, [*found, public_slipped])
    assert report.deleted == [1]
    reasons = {f.id: f.reason for f in report.failures}
    assert reasons == {3: GONE, 5: PUBLIC, 2: "Figshare had a problem (500).", 4: PUBLIC}
    assert ("delete", 5) not in client.calls and ("get", 4) not in client.calls
    assert ("delete", 4) not in client.calls, "a public item is refused locally"
    assert 4 in client.items and 5 in client.items
    assert not report.all_deleted
    assert summary_line(report) == "Deleted 1 draft; 4 failed."


def test_delete_cancel_between_items() -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)
    cancel = threading.Event()
    client.on_delete = lambda _id: cancel.set()
    report = delete_drafts(client, found, cancel=cancel)
    assert report.deleted == [1] and report.cancelled
    assert report.not_attempted == [3, 5, 2]
    assert set(client.items) == {2, 3, 4, 5}


def test_delete_stops_when_sign_in_is_lost() -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)
    client.fail_delete[3] = AuthError("Your token was revoked.", status=401)
    report = delete_drafts(client, found)
    assert report.deleted == [1]
    assert [f.id for f in report.failures] == [3, 5, 2]
    assert all("token was revoked" in f.reason for f in report.failures)
    assert ("get", 5) not in client.calls


def test_delete_progress_has_estimate_when_paced() -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)
    client.pacer = Pacer(rate=1.0, burst=1, sleep=lambda s, c=None: None)
    steps: list[CleanupProgress] = []
    delete_drafts(client, found, steps.append)
    first = steps[0]
    assert first.phase == "deleting" and first.total == 4
    assert first.eta_seconds is not None and first.eta_seconds >= 7.0   # 2 calls x 4 items
    assert steps[-1].done == 4 and steps[-1].eta_seconds == 0.0


def test_estimate_seconds_follows_the_pacer() -> None:
    client = sample()
    assert estimate_seconds(client, 100) is None
    client.pacer = Pacer(rate=1.0, burst=5)
    assert estimate_seconds(client, 105) == pytest.approx(100.0)
    assert estimate_seconds(client, 3) == 0.0


def test_default_backup_name() -> None:
    assert default_backup_name(datetime(2026, 3, 4, 5, 6, 7)) == \
        "figdesk-drafts-backup-20260304-050607.json"


def test_backup_cancel_leaves_no_file(tmp_path: Path) -> None:
    client = sample()
    found = find_drafts(client, DraftCriteria(), now=NOW)
    cancel = threading.Event()
    steps: list[CleanupProgress] = []

    def stop_after_first(step: CleanupProgress) -> None:
        steps.append(step)
        if step.done == 1:
            cancel.set()

    with pytest.raises(CancelledError, match="nothing was deleted"):
        backup_drafts(client, found, tmp_path / "b.json", stop_after_first, cancel)
    assert list(tmp_path.iterdir()) == []
    assert [s.phase for s in steps] == ["backing up", "backing up"]
    assert not [c for c in client.calls if c[0] == "delete"]
