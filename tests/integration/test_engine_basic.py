"""The engine's happy paths against an in-process sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from figdesk.core.upload import Control, UploadOptions, UploadState, pack_folder_zip, preflight
from figdesk.core.upload.ratelimit import RateLimiter
from tests.integration.engine_support import PART, Env, make_env


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from make_env(tmp_path)


def test_upload_verified_and_economical(env: Env) -> None:
    path, digest = env.make("a.bin", 10 * PART + 123)
    fu = env.fu(path)
    stats0 = env.client.stats.snapshot()
    out = env.engine(parts_in_flight=4).upload(fu, checkpoint=env.checkpoint,
                                               progress=env.events.append)
    assert out.state == UploadState.DONE, out.error
    assert out.md5 == digest and out.bytes_done == out.size == 10 * PART + 123
    api = env.client.stats.api_calls - stats0.api_calls
    assert api <= 5, f"{api} API calls for one file"
    assert env.stored_bytes(out.file_id) == path.read_bytes()
    info = env.client.get_file(env.article_id, out.file_id)
    assert info.status == "available" and info.computed_md5 == digest
    assert env.puts() == 11
    states = [s["state"] for s in env.saved]
    assert states[-1] == "done" and "uploading" in states and "processing" in states
    assert env.events[-1].state == "done" and env.events[-1].bytes_done == out.size
    # a finished upload run again sends nothing at all
    before = len(env.sb.requests)
    again = env.engine().upload(out)
    assert again.state == UploadState.DONE and len(env.sb.requests) == before


def test_hash_before_mode_sends_md5_and_uses_cache(env: Env) -> None:
    path, digest = env.make("b.bin", 3 * PART)
    out = env.engine(hash_mode="before").upload(env.fu(path), checkpoint=env.checkpoint)
    assert out.state == UploadState.DONE and out.md5_sent
    assert env.client.get_file(env.article_id, out.file_id).supplied_md5 == digest
    assert "hashing" in [s["state"] for s in env.saved]
    # same file again (a new record): the md5 comes from the cache, no hashing state
    env.saved.clear()
    out2 = env.engine(hash_mode="before").upload(env.fu(path), checkpoint=env.checkpoint)
    assert out2.state == UploadState.DONE and out2.md5 == digest
    assert "hashing" not in [s["state"] for s in env.saved]


def test_folder_path_and_single_small_file(env: Env) -> None:
    path, _ = env.make("sub/c.txt", 10)
    out = env.engine().upload(env.fu(path, folder_path="run1/sub"))
    assert out.state == UploadState.DONE
    rec = env.sb.core.store.files[out.file_id]
    assert rec.folder_path == "run1/sub"


def test_upload_many_files_at_once(env: Env) -> None:
    made = [env.make(f"m{i}.bin", (i + 1) * PART // 2 + i) for i in range(5)]
    fus = [env.fu(p) for p, _ in made]
    out = env.engine(files_in_flight=3, parts_in_flight=2).upload_many(fus)
    assert [f.state for f in out] == [UploadState.DONE] * 5
    assert [f.md5 for f in out] == [d for _, d in made]
    assert len({f.file_id for f in out}) == 5


def test_limit_rate_reaches_the_engine(env: Env) -> None:
    path, _ = env.make("r.bin", 2 * PART)
    engine = env.engine()
    c = Control()
    c.set_limit_rate(50_000_000)
    out = engine.upload(env.fu(path), control=c)
    assert out.state == UploadState.DONE and engine.limiter.rate == 50_000_000
    c.set_limit_rate(None)        # after the run the engine no longer listens to this control
    assert engine.limiter.rate == 50_000_000


def test_every_byte_passes_the_bandwidth_limiter(env: Env) -> None:
    class Counting(RateLimiter):
        def __init__(self) -> None:
            super().__init__(10**12)          # a cap so high it never waits
            self.taken = 0

        def take(self, n: int, control: Control | None = None) -> int:
            got = super().take(n, control)
            self.taken += got
            return got

    path, digest = env.make("lim.bin", 5 * PART + 3)
    engine = env.engine(parts_in_flight=2)
    engine.limiter = Counting()
    out = engine.upload(env.fu(path))
    assert out.state == UploadState.DONE and out.md5 == digest
    assert engine.limiter.taken == out.size


def test_folder_preflight_then_upload_keeps_structure(env: Env) -> None:
    top = env.tmp / "run1"
    env.make("run1/a.bin", 100)
    env.make("run1/sub/b.bin", PART + 1)
    (top / ".DS_Store").write_bytes(b"junk")
    report = preflight(env.client, None, [str(top)], UploadOptions(), article_id=env.article_id,
                       md5_cache=env.cache)
    assert report.ok and [s.reason for s in report.skipped] == ["system file"]
    out = env.engine().upload_many(report.uploads)
    assert all(f.state == UploadState.DONE for f in out)
    stored = {(env.sb.core.store.files[f.file_id].folder_path, f.name) for f in out}
    assert stored == {("run1", "a.bin"), ("run1/sub", "b.bin")}
    # Dropped again: Figshare's file list has no folders, the item's folder_structure does;
    # every file is found where it is, and nothing goes up twice.
    again = preflight(env.client, None, [str(top)], UploadOptions(), article_id=env.article_id,
                      md5_cache=env.cache)
    assert not again.uploads
    assert sorted(s.reason for s in again.skipped) == [
        "already on the item (same size and md5)"] * 2 + ["system file"]
    # The same bytes at the item's top are another file, not the one in run1/.
    top_level = preflight(env.client, None, [str(top / "a.bin")], UploadOptions(),
                          article_id=env.article_id, md5_cache=env.cache)
    assert [(u.folder_path, u.name) for u in top_level.uploads] == [(None, "a.bin")]
    # the same folder packed into one zip goes up as one file
    z = pack_folder_zip(str(top), UploadOptions(), str(env.tmp))
    zipped = env.engine().upload(env.fu(Path(z)))
    assert zipped.state == UploadState.DONE and zipped.name == "run1.zip"
