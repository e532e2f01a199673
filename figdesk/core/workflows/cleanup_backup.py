"""The backup written before drafts are deleted: one JSON file, written atomically.

Network: ``backup_drafts`` reads each item's full metadata and full file list from Figshare.
The file is first written under a temporary name next to the target and renamed into place
only when complete, so a crash or a full disk never leaves a half backup under the real name.
The temporary file is created *before* any request so an unwritable place fails at once.

Format (``"format": "figdesk-drafts-backup"``, ``"version": 1``)::

    {"format", "version", "created" (UTC ISO), "api_url", "impersonate",
     "items": [{"id", "article": <GET /account/articles/{id} as sent>,
                "files": [<every file of GET .../files, all pages, as sent>]}
               | {"id", "title", "missing": "<why>"}]}
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from figdesk.core.errors import CancelledError, FigdeskError, NotFoundError

if TYPE_CHECKING:
    from figdesk.core.workflows.cleanup import CleanupProgress, DraftCandidate, DraftsClient

BACKUP_FORMAT = "figdesk-drafts-backup"
BACKUP_VERSION = 1


class BackupError(FigdeskError):
    """The backup could not be written or completed: nothing has been deleted."""

    title = "Backup failed"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    backed_up: tuple[int, ...]                  # ids whose metadata and files are in the file
    missing: tuple[int, ...] = field(default=())  # ids already gone when the backup was made


def default_backup_name(now: datetime | None = None) -> str:
    """``figdesk-drafts-backup-YYYYmmdd-HHMMSS.json`` in local time (what the user sees)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"figdesk-drafts-backup-{stamp}.json"


def _open_temp(path: Path, overwrite: bool) -> tuple[int, str]:
    """Refuse early (before any request) when the backup cannot land at ``path``."""
    nothing = "Nothing was deleted."
    if path.is_dir():
        raise BackupError(f"The backup path {path} is a folder; choose a file name. {nothing}")
    if path.exists() and not overwrite:
        raise BackupError(f"The backup file {path} already exists; figdesk does not overwrite "
                          f"an earlier backup. Choose another name. {nothing}")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist, so the backup cannot be "
                          f"written there. {nothing}")
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise BackupError(f"The backup cannot be written to {path.parent}: "
                          f"{exc.strerror or exc}. {nothing}") from exc


def _collect(client: DraftsClient, candidates: Sequence[DraftCandidate],
             progress: Callable[[CleanupProgress], None] | None,
             cancel: threading.Event | None) -> tuple[list[dict[str, Any]], list[int], list[int]]:
    from figdesk.core.workflows.cleanup import CleanupProgress, _Eta

    entries: list[dict[str, Any]] = []
    saved: list[int] = []
    missing: list[int] = []
    eta = _Eta(client, len(candidates), 2)
    for done, cand in enumerate(candidates):
        if cancel is not None and cancel.is_set():
            raise CancelledError("Cancelled while making the backup; nothing was deleted.")
        if progress is not None:
            progress(CleanupProgress(
                "backing up", done, len(candidates),
                f"Backing up {done + 1} of {len(candidates)}: {cand.display_title}",
                eta.remaining(done)))
        try:
            article = client.get_my_article(cand.id)
            files = client.list_files(cand.id)
        except NotFoundError:
            # Gone already: nothing to lose, and deleting it will say so.
            entries.append({"id": cand.id, "title": cand.title,
                            "missing": "not found when the backup was made"})
            missing.append(cand.id)
            continue
        except FigdeskError as exc:
            raise BackupError(f"The backup could not read item {cand.id} "
                              f"({cand.display_title}): {exc} Nothing was deleted.") from exc
        entries.append({"id": cand.id, "article": article.raw, "files": [f.raw for f in files]})
        saved.append(cand.id)
    return entries, saved, missing


def backup_drafts(client: DraftsClient, candidates: Sequence[DraftCandidate], path: str | Path,
                  progress: Callable[[CleanupProgress], None] | None = None,
                  cancel: threading.Event | None = None, *,
                  overwrite: bool = False) -> BackupResult:
    """Network: write every candidate's full metadata and full file list to ``path``.

    Raises ``BackupError`` (nothing deleted, no file left behind) when the file cannot be
    written or an item cannot be read; ``CancelledError`` when cancelled. ``overwrite`` lets a
    caller that already asked the user (a save dialog) replace an existing file."""
    target = Path(path).expanduser().absolute()
    fd, temp = _open_temp(target, overwrite)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            entries, saved, missing = _collect(client, candidates, progress, cancel)
            document = {
                "format": BACKUP_FORMAT, "version": BACKUP_VERSION,
                "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "api_url": client.api_url,
                "impersonate": getattr(client, "impersonate", None),
                "items": entries,
            }
            json.dump(document, out, indent=1, ensure_ascii=False, default=str)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except OSError as exc:
        _remove_quietly(temp)
        raise BackupError(f"The backup could not be written to {target}: "
                          f"{exc.strerror or exc}. Nothing was deleted.") from exc
    except BaseException:
        _remove_quietly(temp)
        raise
    _sync_dir(target.parent)
    return BackupResult(target, tuple(saved), tuple(missing))


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
