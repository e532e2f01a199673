"""Drafts cleanup: find old or empty draft items, back them up to one JSON file, delete them.

Network: every function here talks to Figshare through the client it is given (and so is paced
by it). The order is always find -> back up -> delete; ``backup_drafts`` raises before anything
is deleted if the backup cannot be written, and ``delete_drafts`` re-reads each item just before
deleting it so a draft published meanwhile is never touched.

What counts as a draft: an item that was never published (``published_date`` is null). What
counts as *untitled* (see ``is_untitled``): a title that, ignoring case, spaces and a trailing
number such as "(2)", is empty, "untitled", "untitled item", "untitled draft" or "untitled"
followed by an item type name ("Untitled dataset"). Figshare's web form creates drafts called
"Untitled Item"; anything else the user typed is kept.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from figdesk.core.errors import (
    AuthError,
    CancelledError,
    FigdeskError,
    NotFoundError,
    OfflineError,
    PermissionDeniedError,
)
from figdesk.core.models import ITEM_TYPES, Article, ArticleSummary, FileInfo
from figdesk.core.workflows.cleanup_backup import (
    BackupError,
    BackupResult,
    backup_drafts,
    default_backup_name,
)

__all__ = [
    "BackupError",
    "BackupResult",
    "CleanupProgress",
    "CleanupReport",
    "DeleteFailure",
    "DraftCandidate",
    "DraftCriteria",
    "DraftsClient",
    "backup_drafts",
    "count_draft_files",
    "cutoff_for",
    "default_backup_name",
    "delete_drafts",
    "draft_matches",
    "estimate_seconds",
    "find_drafts",
    "human_duration",
    "is_untitled",
    "summary_line",
]


class DraftsClient(Protocol):
    """The part of ``FigshareClient`` this workflow uses (a fake can stand in for tests)."""

    @property
    def api_url(self) -> str: ...
    def iter_my_article_pages(self, page_size: int = 1000) -> Iterator[list[ArticleSummary]]: ...
    def get_my_article(self, article_id: int) -> Article: ...
    def list_files(self, article_id: int) -> list[FileInfo]: ...
    def delete_article(self, article_id: int) -> None: ...


# --- what a draft looks like ---------------------------------------------------------------

_UNTITLED_HEADS = {"", "untitled", "untitled item", "untitled draft", "(untitled)",
                   "[untitled]"} | {f"untitled {name}" for name in ITEM_TYPES.values()}
# "Untitled Item 2", "untitled item (3)", "Untitled-4": a number the UI or a script added.
_TRAILING_NUMBER = re.compile(r"[\s_\-#]*[(\[]?\s*\d+\s*[)\]]?$")


@functools.lru_cache(maxsize=65536)   # the GUI re-filters thousands of rows per keystroke
def is_untitled(title: str) -> bool:
    """True for an empty title or one of Figshare's placeholder titles (module docstring)."""
    text = " ".join(title.split()).casefold().strip(" .:-_")
    if text in _UNTITLED_HEADS:
        return True
    return _TRAILING_NUMBER.sub("", text).strip(" .:-_") in _UNTITLED_HEADS - {""}


@dataclass(frozen=True)
class DraftCriteria:
    """Filters, all of which must hold. No filter at all selects every draft.

    ``older_than_days`` compares ``created_date`` (items without one never match).
    ``count_files`` lists the files of every candidate even when ``no_files`` is off, so the
    file count can be shown (one more request per candidate).
    """

    untitled: bool = False
    no_files: bool = False
    older_than_days: float | None = None
    title_contains: str = ""
    count_files: bool = False

    @property
    def needs_files(self) -> bool:
        return self.no_files or self.count_files


@dataclass(frozen=True)
class DraftCandidate:
    """A draft offered for deletion. ``file_count`` is None when the files were not listed."""

    item: ArticleSummary
    file_count: int | None = None

    @property
    def id(self) -> int:
        return self.item.id

    @property
    def title(self) -> str:
        return self.item.title

    @property
    def display_title(self) -> str:
        return self.item.title.strip() or "(untitled)"

    @property
    def created_date(self) -> datetime | None:
        return self.item.created_date

    @property
    def modified_date(self) -> datetime | None:
        return self.item.modified_date

    @property
    def is_public(self) -> bool:
        return self.item.is_public


@dataclass(frozen=True)
class CleanupProgress:
    """One step of a long job. ``total`` is 0 while unknown (listing pages);
    ``eta_seconds`` is None when there is nothing sensible to say."""

    phase: str          # "listing" | "counting files" | "backing up" | "deleting"
    done: int
    total: int
    text: str
    eta_seconds: float | None = None


ProgressFn = Callable[[CleanupProgress], None]


@dataclass(frozen=True)
class DeleteFailure:
    id: int
    title: str
    reason: str         # in words, for the summary


@dataclass
class CleanupReport:
    """What ``delete_drafts`` did. ``not_attempted`` holds the ids left after a cancel."""

    deleted: list[int] = field(default_factory=list)
    failures: list[DeleteFailure] = field(default_factory=list)
    not_attempted: list[int] = field(default_factory=list)
    cancelled: bool = False

    @property
    def all_deleted(self) -> bool:
        return not self.failures and not self.not_attempted and not self.cancelled


# --- pacing estimates ------------------------------------------------------------------------

def estimate_seconds(client: DraftsClient, requests: int) -> float | None:
    """Roughly how long ``requests`` API calls take at the client's pace (Figshare asks for
    about one a second); None when the client is not paced (a sandbox on loopback)."""
    from figdesk.core.api.pacer import Pacer  # the client package; no network here

    pacer = getattr(client, "pacer", None)
    if not isinstance(pacer, Pacer):
        pacer = Pacer.for_url(client.api_url)
    if pacer.rate is None:
        return None
    # The bucket starts full, so the first `burst` calls go out at once.
    return max(0.0, requests - pacer.burst) / pacer.rate


def human_duration(seconds: float | None) -> str:
    """'under a second', 'about 40 s', 'about 3 min', 'about 1.5 h'; '' when unknown."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"about {round(seconds)} s"
    if seconds < 5400:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


class _Eta:
    """Remaining time from the average so far, but never faster than the client's pace."""

    def __init__(self, client: DraftsClient, total: int, requests_per_step: int) -> None:
        self.total = total
        self.per_step = requests_per_step
        paced = estimate_seconds(client, requests_per_step * 1000)
        self.floor = paced / 1000 if paced else 0.0
        self.start = time.monotonic()

    def remaining(self, done: int) -> float | None:
        left = self.total - done
        if left <= 0:
            return 0.0
        if done == 0:
            return left * self.floor if self.floor else None
        average = (time.monotonic() - self.start) / done
        return left * max(average, self.floor)


def _check(cancel: threading.Event | None, what: str) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledError(f"Cancelled while {what}.")


def _emit(progress: ProgressFn | None, step: CleanupProgress) -> None:
    if progress is not None:
        progress(step)


# --- find --------------------------------------------------------------------------------

def cutoff_for(criteria: DraftCriteria, now: datetime | None = None) -> datetime | None:
    """The creation time before which a draft counts as old, or None without that filter."""
    if criteria.older_than_days is None:
        return None
    return (now or datetime.now(UTC)) - timedelta(days=criteria.older_than_days)


def draft_matches(item: ArticleSummary, criteria: DraftCriteria,
                  cutoff: datetime | None) -> bool:
    """Every filter that needs no request: a draft, untitled, title text, age. (``no_files``
    is checked once the files are counted.)"""
    if item.is_public:
        return False
    if criteria.untitled and not is_untitled(item.title):
        return False
    needle = criteria.title_contains.strip().casefold()
    if needle and needle not in item.title.casefold():
        return False
    # Without a created date the age is unknown: such an item never counts as old.
    return cutoff is None or (item.created_date is not None and item.created_date < cutoff)


def count_draft_files(client: DraftsClient, candidates: Sequence[DraftCandidate],
                      progress: ProgressFn | None = None,
                      cancel: threading.Event | None = None) -> list[DraftCandidate]:
    """Network: list each candidate's files (all pages) and return the candidates with
    ``file_count`` set, in the same order; drafts deleted meanwhile are left out.
    One request per draft; raises ``CancelledError`` between drafts."""
    out: list[DraftCandidate] = []
    total = len(candidates)
    eta = _Eta(client, total, 1)
    for done, cand in enumerate(candidates):
        _check(cancel, "counting files")
        _emit(progress, CleanupProgress(
            "counting files", done, total,
            f"Counting the files of draft {done + 1} of {total}...", eta.remaining(done)))
        try:
            count = len(client.list_files(cand.id))
        except NotFoundError:
            continue  # deleted while we were looking: nothing left to offer
        out.append(DraftCandidate(cand.item, count))
    _emit(progress, CleanupProgress("counting files", total, total,
                                    f"Counted the files of {total} drafts.", 0.0))
    return out


def find_drafts(client: DraftsClient, criteria: DraftCriteria,
                progress: ProgressFn | None = None, cancel: threading.Event | None = None,
                *, now: datetime | None = None) -> list[DraftCandidate]:
    """Network: list every item of the account (all pages) and return the drafts matching
    ``criteria``, oldest first. Files are listed (all pages) only when the criteria need
    them, and only for drafts that passed the other filters. Raises ``CancelledError``."""
    now = now or datetime.now(UTC)
    cutoff = cutoff_for(criteria, now)
    selected: list[ArticleSummary] = []
    seen = 0
    _emit(progress, CleanupProgress("listing", 0, 0, "Listing your items..."))
    for page in client.iter_my_article_pages():
        seen += len(page)
        selected.extend(a for a in page if draft_matches(a, criteria, cutoff))
        _emit(progress, CleanupProgress("listing", seen, 0, f"Listed {seen} items..."))
        _check(cancel, "listing your items")
    selected.sort(key=lambda a: (a.created_date or now, a.id))
    found = [DraftCandidate(a) for a in selected]
    if not criteria.needs_files:
        return found
    counted = count_draft_files(client, found, progress, cancel)
    return [c for c in counted if not criteria.no_files or c.file_count == 0]


# --- delete ------------------------------------------------------------------------------

GONE = "already gone: it was deleted elsewhere, or this account can no longer see it"
PUBLIC = "it is published; figdesk never deletes public items"


def _is_public_now(article: Article) -> bool:
    return article.published_date is not None or article.status_text.casefold() == "public"


def _reason(exc: FigdeskError) -> str:
    if isinstance(exc, NotFoundError):
        return GONE
    if isinstance(exc, PermissionDeniedError):
        return f"not allowed: {exc}"
    return str(exc) or exc.title


def _delete_one(client: DraftsClient, candidate: DraftCandidate) -> str | None:
    """Delete one draft after re-reading it; None on success, else the reason in words.
    AuthError and OfflineError propagate: every following item would fail the same way."""
    if candidate.is_public:
        return PUBLIC  # refused here: the request is never sent
    try:
        article = client.get_my_article(candidate.id)
        if _is_public_now(article):
            return PUBLIC
        client.delete_article(candidate.id)
    except (AuthError, OfflineError):
        raise
    except FigdeskError as exc:
        return _reason(exc)
    return None


def delete_drafts(client: DraftsClient, candidates: Sequence[DraftCandidate],
                  progress: ProgressFn | None = None,
                  cancel: threading.Event | None = None) -> CleanupReport:
    """Network: delete ``candidates`` one by one (two requests each: re-read, delete).

    Never raises for a single item: failures are collected with their reason and the next
    item is tried. A sign-in or connection failure stops the run (the rest are reported as
    not deleted, with that reason). ``cancel`` is checked between items."""
    report = CleanupReport()
    total = len(candidates)
    eta = _Eta(client, total, 2)
    for done, candidate in enumerate(candidates):
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            report.not_attempted.extend(c.id for c in candidates[done:])
            break
        _emit(progress, CleanupProgress(
            "deleting", done, total,
            f"Deleting {done + 1} of {total}: {candidate.display_title}", eta.remaining(done)))
        try:
            reason = _delete_one(client, candidate)
        except (AuthError, OfflineError) as exc:
            for rest in candidates[done:]:
                report.failures.append(DeleteFailure(rest.id, rest.display_title,
                                                     f"not deleted: {exc}"))
            break
        if reason is None:
            report.deleted.append(candidate.id)
        else:
            report.failures.append(DeleteFailure(candidate.id, candidate.display_title, reason))
    _emit(progress, CleanupProgress("deleting", total - len(report.not_attempted), total,
                                    summary_line(report), 0.0))
    return report


def summary_line(report: CleanupReport) -> str:
    """'Deleted 3 drafts; 1 failed; 2 not attempted (cancelled).'"""
    n = len(report.deleted)
    parts = [f"Deleted {n} draft{'s' if n != 1 else ''}"]
    if report.failures:
        parts.append(f"{len(report.failures)} failed")
    if report.not_attempted:
        parts.append(f"{len(report.not_attempted)} not attempted (cancelled)")
    return "; ".join(parts) + "."
