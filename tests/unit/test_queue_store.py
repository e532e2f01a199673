"""QueueStore and its schema: persistence, order, edits, migrations, groups."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from figdesk.core.errors import UsageError
from figdesk.core.queue import JobKind, JobState, QueueStore, article_key
from figdesk.core.queue.db import SCHEMA_VERSION, QueueDatabaseError
from figdesk.core.queue.enqueue import enqueue_upload, upload_signature
from figdesk.core.queue.schedule import blocked_by, runnable_jobs
from figdesk.core.upload import FileUpload


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QueueStore]:
    s = QueueStore(tmp_path / "q.sqlite3")
    yield s
    s.close()


def test_default_path_follows_figdesk_data_dir(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGDESK_DATA_DIR", str(tmp_path / "elsewhere"))
    with QueueStore() as s:
        assert s.path == tmp_path / "elsewhere" / "queue.sqlite3"
        assert s.path.exists()


def test_wal_mode_and_schema_version(store: QueueStore) -> None:
    con = sqlite3.connect(store.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    QueueStore(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(QueueDatabaseError, match="newer figdesk"):
        QueueStore(path)


def test_jobs_survive_reopen_with_their_state(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    with QueueStore(path) as s:
        key = s.new_item_key("Ocean data")
        create = s.add(JobKind.CREATE_ITEM, key, {"metadata": {"title": "Ocean data"}})
        up = s.add(JobKind.UPLOAD_FILE, key, {"upload": {"path": "/d/a.bin", "name": "a.bin"}})
        s.set_upload(up.id, {"path": "/d/a.bin", "name": "a.bin", "parts_done": [1, 2]})
        s.update(create.id, state=JobState.DONE)
        s.set_item_article(key, 42)
    with QueueStore(path) as s:
        jobs = s.list()
        assert [j.kind for j in jobs] == [JobKind.CREATE_ITEM, JobKind.UPLOAD_FILE]
        assert jobs[0].state is JobState.DONE and jobs[0].title == "Ocean data"
        assert jobs[1].upload["parts_done"] == [1, 2]
        assert jobs[1].article_id == 42    # resolved from the local key


def test_reorder_edit_and_remove(store: QueueStore) -> None:
    a, b, c = (store.add(JobKind.UPDATE_ITEM, article_key(n), {"metadata": {"title": str(n)}})
               for n in (1, 2, 3))
    store.move(c.id, before=a.id)
    assert [j.id for j in store.list()] == [c.id, a.id, b.id]
    store.move(c.id)
    assert [j.id for j in store.list()] == [a.id, b.id, c.id]
    edited = store.edit_metadata(b.id, {"title": "two", "description": "x"})
    assert edited.metadata == {"title": "two", "description": "x"}
    store.update(a.id, state=JobState.RUNNING)
    with pytest.raises(UsageError, match="running"):
        store.remove(a.id)
    with pytest.raises(UsageError, match="no longer change"):
        store.edit_metadata(a.id, {"title": "late"})
    store.remove(b.id)
    assert [j.id for j in store.list()] == [a.id, c.id]
    with pytest.raises(UsageError):
        store.remove(b.id)


def test_paused_reason_is_shared_between_connections(store: QueueStore) -> None:
    other = QueueStore(store.path)
    before = store.data_version()
    other.set_paused("Sign-in needed: token revoked")
    assert store.paused_reason == "Sign-in needed: token revoked"
    assert store.data_version() != before
    other.set_paused(None)
    assert store.paused_reason is None
    other.close()


def _fu(tmp_path: Path, name: str) -> FileUpload:
    p = tmp_path / name
    p.write_bytes(b"x" * 10)
    st = p.stat()
    return FileUpload(path=str(p), article_id=0, size=st.st_size, mtime_ns=st.st_mtime_ns)


def test_enqueue_new_item_and_find_it_again(store: QueueStore, tmp_path: Path) -> None:
    files = [_fu(tmp_path, "a.bin"), _fu(tmp_path, "b.bin")]
    sig = upload_signature(files, article_id=None, new_title="T", publish=True)
    q = enqueue_upload(store, files, new_metadata={"title": "T"}, publish=True, signature=sig)
    kinds = [j.kind for j in q.jobs]
    assert kinds == [JobKind.CREATE_ITEM, JobKind.UPLOAD_FILE, JobKind.UPLOAD_FILE,
                     JobKind.PUBLISH]
    assert len({j.item_key for j in q.jobs}) == 1 and not q.resumed
    again = enqueue_upload(store, files, new_metadata={"title": "T"}, publish=True,
                           signature=sig)
    assert again.resumed and again.group_id == q.group_id
    assert len(store.list()) == 4
    # once every job is done, the same command is a new upload
    for j in q.jobs:
        store.update(j.id, state=JobState.DONE)
    third = enqueue_upload(store, files, new_metadata={"title": "T"}, publish=True,
                           signature=sig)
    assert not third.resumed and len(store.list()) == 8
    # a changed file changes the signature
    (tmp_path / "a.bin").write_bytes(b"y" * 11)
    changed = [_fu(tmp_path, "a.bin"), files[1]]
    assert upload_signature(changed, article_id=None, new_title="T", publish=True) != sig


def test_schedule_orders_jobs_on_one_item(store: QueueStore, tmp_path: Path) -> None:
    files = [_fu(tmp_path, "a.bin"), _fu(tmp_path, "b.bin")]
    q = enqueue_upload(store, files, new_metadata={"title": "T"}, publish=True)
    create, up1, up2, pub = q.jobs
    other = store.add(JobKind.UPDATE_ITEM, article_key(7), {"metadata": {}})
    jobs = store.list()
    assert [j.id for j in runnable_jobs(jobs)] == [create.id, other.id]
    assert blocked_by(jobs)[up1.id] == create.id
    store.update(create.id, state=JobState.DONE)
    store.set_item_article(create.item_key, 99)
    jobs = store.list()
    # uploads to one item run side by side; publish waits for both
    assert {j.id for j in runnable_jobs(jobs)} == {up1.id, up2.id, other.id}
    assert blocked_by(jobs)[pub.id] == up1.id
    store.update(up1.id, state=JobState.DONE)
    store.update(up2.id, state=JobState.FAILED)
    assert blocked_by(store.list())[pub.id] == up2.id      # a failed file holds publish back
    store.update(up2.id, state=JobState.CANCELLED)
    assert pub.id in {j.id for j in runnable_jobs(store.list())}


def test_upload_to_a_key_nobody_creates_is_blocked(store: QueueStore) -> None:
    key = store.new_item_key("orphan")
    up = store.add(JobKind.UPLOAD_FILE, key, {"upload": {"path": "/x"}})
    assert blocked_by(store.list()) == {up.id: None}


def _hold_exclusively(path: Path, seconds: float, ready: threading.Event) -> None:
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    con.execute("CREATE TABLE IF NOT EXISTS other_writer (x)")
    ready.set()
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()


def test_opening_waits_out_another_opener_then_succeeds(tmp_path: Path) -> None:
    """Another connection holds the new database longer than one setup try (0.5 s): the
    open closes, waits and tries again, and gets through once it is let go."""
    from figdesk.core.queue import db

    path = tmp_path / "q.sqlite3"
    ready = threading.Event()
    holder = threading.Thread(target=_hold_exclusively, args=(path, 1.2, ready))
    holder.start()
    ready.wait(5)
    t0 = time.monotonic()
    con = db.connect(path)
    waited = time.monotonic() - t0
    holder.join()
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert waited >= 0.5                      # it did have to wait (more than one try)
    con.close()


def test_a_database_never_let_go_is_an_error_in_words(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from figdesk.core.queue import db

    monkeypatch.setattr(db, "OPEN_PATIENCE", 0.3)
    path = tmp_path / "q.sqlite3"
    ready = threading.Event()
    holder = threading.Thread(target=_hold_exclusively, args=(path, 2.0, ready))
    holder.start()
    ready.wait(5)
    with pytest.raises(db.QueueDatabaseError, match="Cannot open the queue database.*locked"):
        db.connect(path)
    holder.join()
