"""Downloading an item's files: verified, atomic, and only inside the folder asked for.

The API resources page's "Download file(s)" workflow, without code: every file of each item
goes to ``DEST/<item id>/<its folder on the item>/<its name>``. A file is written to a
temporary name beside its target, its md5 is computed as the bytes arrive, and only when it
equals Figshare's own md5 (and the size matches) is it renamed into place: a cancelled, cut
off or damaged download never leaves a partial file behind, nor replaces a good one. A file
already there with the same md5 is not downloaded again, so a second run finishes the first.

Names come from the server and are treated as hostile: each folder and file name is cut down
to plain path components, so nothing is ever written outside the destination.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, Self

from figdesk.core.errors import (
    CancelledError,
    DownloadError,
    FigdeskError,
    IntegrityError,
    LocalFileError,
    NotFoundError,
)
from figdesk.core.models import Article, FileInfo
from figdesk.core.upload.hashing import md5_file

PART_SUFFIX = ".figdesk-part"
_UNSAFE = re.compile(r'[\x00-\x1f<>:"|?*\\/]')
_SEPARATORS = re.compile(r"[/\\]+")
_MAX_COMPONENT = 200          # bytes-ish; most file systems allow 255

Progress = Callable[[int, int | None], None]


class _Client(Protocol):
    def list_files(self, article_id: int) -> list[FileInfo]: ...
    def list_public_files(self, article_id: int) -> list[FileInfo]: ...
    def get_my_article(self, article_id: int) -> Article: ...
    def get_public_article(self, article_id: int) -> Article: ...
    def download_file(self, file_id_or_url: int | str, dest: Any, *,
                      progress: Progress | None = None,
                      cancel: threading.Event | None = None) -> int: ...


@dataclass(frozen=True)
class Planned:
    """One file to fetch, and where it goes (relative to the destination folder)."""

    article_id: int
    info: FileInfo
    relative: Path
    skip_reason: str = ""       # nothing to download: a link to a file elsewhere
    problem: str = ""           # cannot be downloaded now (not yet available): a failure


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    md5: str
    fetched: bool               # False: it was there already, the same bytes


def safe_component(name: str, fallback: str) -> str:
    """One path component from a server's string: no separators, no control characters, no
    "." or "..", not empty, not too long (the extension is kept)."""
    cleaned = _UNSAFE.sub("_", name).strip().strip(".")
    if not cleaned:
        return fallback
    if len(cleaned) > _MAX_COMPONENT:
        stem, dot, ext = cleaned.rpartition(".")
        ext = ext if dot and len(ext) <= 16 else ""
        cleaned = (stem if ext else cleaned)[:_MAX_COMPONENT - len(ext) - 1] + (
            f".{ext}" if ext else "")
    return cleaned


def relative_path(article_id: int, folder: str, info: FileInfo) -> Path:
    """``<item id>/<folder parts>/<name>``, every part made safe (see ``safe_component``):
    "." and ".." parts of the folder are dropped, and a name with separators in it keeps
    only its last part."""
    parts = [safe_component(p, "_") for p in _SEPARATORS.split(folder or "")
             if p.strip() and p.strip() not in (".", "..")]
    last = ([p for p in _SEPARATORS.split(info.name) if p.strip()] or [""])[-1]
    name = safe_component(last, f"file-{info.id}") if last.strip() not in (".", "..") \
        else f"file-{info.id}"
    return Path(str(int(article_id)), *parts, name)


def plan(client: _Client, article_ids: Sequence[int], *, public: bool = False
         ) -> Iterator[Planned]:
    """The files of each item, your own (drafts included) or, with ``public`` or when the
    item is not yours, its public version's. Raises ``NotFoundError`` for an unknown item."""
    for article_id in article_ids:
        files, folders = _files_and_folders(client, int(article_id), public)
        seen: set[Path] = set()
        for info in files:
            rel = relative_path(article_id, str(folders.get(str(info.id)) or ""), info)
            if rel in seen:     # two files of one name in one folder: keep both
                rel = rel.with_name(f"{info.id}-{rel.name}")
            seen.add(rel)
            link = "a link to a file elsewhere, not a file on Figshare" if info.is_link_only \
                else ""
            problem = "" if link or info.status in ("available", "") else (
                f"not available yet (Figshare is still processing it: {info.status}); "
                "try again later")
            yield Planned(int(article_id), info, rel, link, problem)


def _files_and_folders(client: _Client, article_id: int, public: bool
                       ) -> tuple[list[FileInfo], Mapping[str, Any]]:
    if not public:
        try:
            files = client.list_files(article_id)
        except NotFoundError:
            public = True           # not one of yours: its public version, if any
        else:
            folders = client.get_my_article(article_id).folder_structure if files else {}
            return files, folders or {}
    files = client.list_public_files(article_id)
    folders = client.get_public_article(article_id).folder_structure if files else {}
    return files, folders or {}


def expected_md5(info: FileInfo) -> str:
    return info.computed_md5 or info.supplied_md5


def fetch(client: _Client, item: Planned, dest: Path, *, progress: Progress | None = None,
          cancel: threading.Event | None = None) -> Downloaded:
    """Download one planned file under ``dest`` (see the module's docstring)."""
    target = dest / item.relative
    if not target.resolve().is_relative_to(dest.resolve()):
        raise DownloadError(f"{item.info.name}: refused, its path leaves {dest}.")
    want = expected_md5(item.info)
    try:
        if target.is_file() and target.stat().st_size == item.info.size and want:
            have = md5_file(str(target))
            if have == want:
                return Downloaded(target, item.info.size, have, fetched=False)
    except (OSError, LocalFileError):
        pass            # unreadable: fetched again, and written through a new file
    return download_to(client, item.info, target, progress=progress, cancel=cancel)


def download_to(client: _Client, info: FileInfo, target: Path, *,
                progress: Progress | None = None,
                cancel: threading.Event | None = None) -> Downloaded:
    """Download ``info`` to exactly ``target`` through a temporary file beside it, renamed
    into place only once its size and md5 match Figshare's; else ``target`` is untouched."""
    want = expected_md5(info)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + PART_SUFFIX)
        sink = _HashingWriter(open(part, "wb"))     # noqa: SIM115 - closed below
    except OSError as exc:
        raise LocalFileError(f"Cannot write {target.parent}: {exc.strerror or exc}.") from exc
    done = False
    try:
        with sink:
            size = client.download_file(info.id, sink, progress=progress, cancel=cancel)
        got = sink.hexdigest()
        if size != info.size:
            raise DownloadError(f"{info.name}: Figshare sent {size} bytes where the file "
                                f"has {info.size}. Try again.")
        if want and got != want:
            raise IntegrityError(f"{info.name}: the downloaded bytes do not match "
                                 "Figshare's md5 (damaged on the way). Try again.")
        os.replace(part, target)
        done = True
        return Downloaded(target, size, got, fetched=True)
    except OSError as exc:
        raise LocalFileError(f"Cannot write {target}: {exc.strerror or exc}.") from exc
    finally:
        if not done:
            part.unlink(missing_ok=True)


class _HashingWriter:
    """A binary file that also keeps the md5 of what goes through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._md5 = hashlib.md5(usedforsecurity=False)

    def write(self, data: bytes) -> int:
        self._md5.update(data)
        return self._fh.write(data)

    def hexdigest(self) -> str:
        return self._md5.hexdigest()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._fh.close()


@dataclass
class Summary:
    """What ``fetch_all`` did: files fetched, files already there, skipped and failed (each
    with its reason in words)."""

    fetched: list[Downloaded]
    kept: list[Downloaded]
    skipped: list[tuple[Planned, str]]
    failed: list[tuple[Planned, str]]

    @property
    def bytes_fetched(self) -> int:
        return sum(d.size for d in self.fetched)


#: ``report(planned, status, reason, downloaded)`` as each file ends: status is "downloaded",
#: "already there", "skipped" or "failed" (``reason`` then says why).
Report = Callable[[Planned, str, str, "Downloaded | None"], None]


def fetch_all(client: _Client, article_ids: Sequence[int], dest: Path, *,
              public: bool = False, progress: Callable[[int, int, str], None] | None = None,
              report: Report | None = None,
              cancel: threading.Event | None = None) -> Summary:
    """``fetch`` every file of the items; ``progress(done, total, label)`` counts bytes over
    all of them, ``report`` hears of each file as it ends. A failed file is noted and the
    rest go on; a cancel ends it all (``CancelledError``), keeping the files already complete.
    """
    items = list(plan(client, article_ids, public=public))
    todo = [p for p in items if not p.skip_reason and not p.problem]
    summary = Summary([], [], [], [])

    def ended(item: Planned, status: str, reason: str = "",
              got: Downloaded | None = None) -> None:
        if status == "skipped":
            summary.skipped.append((item, reason))
        elif status == "failed":
            summary.failed.append((item, reason))
        elif got is not None:
            (summary.fetched if got.fetched else summary.kept).append(got)
        if report is not None:
            report(item, status, reason, got)

    for item in items:
        if item.skip_reason or item.problem:
            ended(item, "skipped" if item.skip_reason else "failed",
                  item.skip_reason or item.problem)
    total = sum(p.info.size for p in todo)
    base = 0
    for n, item in enumerate(todo, start=1):
        label = f"{n} of {len(todo)}: {item.info.name}"

        def step(done: int, _total: int | None = None, base: int = base,
                 label: str = label) -> None:
            if progress is not None:
                progress(base + done, total, label)

        try:
            got = fetch(client, item, dest, progress=step, cancel=cancel)
        except CancelledError:
            raise
        except FigdeskError as exc:
            ended(item, "failed", exc.message)
        else:
            ended(item, "downloaded" if got.fetched else "already there", "", got)
        base += item.info.size
        step(0)
    return summary
