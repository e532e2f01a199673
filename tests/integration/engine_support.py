"""Shared helpers for the engine's integration tests (an in-process sandbox and a client)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figdesk.core.api import FigshareClient, RetryPolicy
from figdesk.core.upload import FileUpload, Progress, UploadOptions
from figdesk.core.upload.engine import UploadEngine
from figdesk.core.upload.hashing import Md5Cache

PART = 64 * 1024


@dataclass
class Env:
    sb: Any
    client: FigshareClient
    article_id: int
    tmp: Path
    cache: Md5Cache
    saved: list[dict[str, Any]] = field(default_factory=list)
    events: list[Progress] = field(default_factory=list)

    def engine(self, **opts: Any) -> UploadEngine:
        base: dict[str, Any] = {"poll_initial": 0.02, "poll_max": 0.2, "poll_timeout": 20.0,
                                "backoff_base": 0.02, "backoff_cap": 0.2}
        base.update(opts)
        return UploadEngine(self.client, UploadOptions(**base), self.cache)

    def make(self, name: str, size: int, seed: int = 0) -> tuple[Path, str]:
        p = self.tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        block = hashlib.sha256(f"{name}-{seed}".encode()).digest() * 2048   # 64 KiB pattern
        with p.open("wb") as f:
            left = size
            i = 0
            while left:
                chunk = bytes((b + i) % 256 for b in block[:16]) + block[16:]
                chunk = chunk[:left]
                f.write(chunk)
                left -= len(chunk)
                i += 1
        return p, hashlib.md5(p.read_bytes()).hexdigest()

    def fu(self, path: Path, **kw: Any) -> FileUpload:
        return FileUpload(path=str(path), article_id=self.article_id, **kw)

    def checkpoint(self, fu: FileUpload) -> None:
        self.saved.append(fu.to_json())

    def stored_bytes(self, file_id: int) -> bytes:
        return Path(self.sb.core.store.file_path(file_id)).read_bytes()

    def files(self) -> list[Any]:
        return self.client.list_files(self.article_id)

    def puts(self) -> int:
        return self.sb.requests.count(service="upload", method="PUT")


def make_env(tmp_path: Path, **config: Any) -> Iterator[Env]:
    """Yield an Env on a fresh sandbox (use from a fixture in each test module)."""
    from figdesk.sandbox import Sandbox, SandboxConfig

    cfg = SandboxConfig(host="127.0.0.1", port=0, part_size=PART, processing_step=0.01,
                        samples=False, body_timeout=5.0)
    for k, v in config.items():
        setattr(cfg, k, v)
    with Sandbox(cfg) as sb:
        client = FigshareClient(sb.token, sb.api_url,
                                retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.05))
        created = client.create_article({"title": "Engine test item"})
        data = tmp_path / "data"
        data.mkdir()
        cache = Md5Cache(tmp_path / "md5.sqlite3")
        try:
            yield Env(sb, client, created.id, data, cache)
        finally:
            cache.close()
            client.close()


def md5_of(path: str | os.PathLike[str]) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()
