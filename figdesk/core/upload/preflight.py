"""Pre-flight: every reason not to start an upload, found before the first byte is sent.

One ``Problem`` per problem, in words; the files to upload as ``FileUpload``s; and the files
left out, each with its reason. Decisions (documented in docs/interfaces.md):

- Zero-byte files are skipped with a message: the upload service describes data as parts with
  inclusive offsets (``endOffset = size - 1``), which cannot express an empty file, and
  NOTES/spec say nothing of empty uploads working.
- Symlinks are skipped unless ``follow_symlinks`` (then the target is uploaded under the
  link's name).
- A file of the same name (and folder) already on the item: same size and md5 -> skipped as
  already there; otherwise ``on_conflict`` decides: keep both, replace (the old one is deleted
  once the new one is verified), or skip. Figshare's file objects do not say their folder:
  the item's ``folder_structure`` (file id -> folder path) does, so it is read, once, when a
  name is already on the item.
"""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from figdesk.core.errors import FigdeskError, Problem
from figdesk.core.models import Account, Article, FileInfo
from figdesk.core.upload.folders import Skipped, scan_folder
from figdesk.core.upload.hashing import Md5Cache
from figdesk.core.upload.options import UploadOptions
from figdesk.core.upload.state import FileUpload


class _AccountSource(Protocol):
    def get_account(self) -> Account: ...
    def list_files(self, article_id: int) -> list[FileInfo]: ...
    def get_my_article(self, article_id: int) -> Article: ...


@dataclass
class PreflightReport:
    """What pre-flight found. ``ok`` is False when any problem remains."""

    uploads: list[FileUpload] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    account: Account | None = None   # the account checked against, when online

    @property
    def ok(self) -> bool:
        return not any(p.fatal for p in self.problems)

    @property
    def total_bytes(self) -> int:
        return sum(u.size for u in self.uploads)

    def lines(self) -> list[str]:
        """One line per problem, then one per skipped file (for the CLI and dialogs)."""
        out = [f"{p.path}: {p.message}" if p.path else p.message for p in self.problems]
        out += [f"skipped {s.path}: {s.reason}" for s in self.skipped]
        return out


def _mib(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    return f"{n / (1 << 20):.1f} MiB"


def _folder_of(f: FileInfo, folders: Mapping[str, Any]) -> str:
    """The folder of a file on the item: from the item's ``folder_structure``, else from the
    file object itself (Figshare's has none; kept for a service that adds it), else the top."""
    v = folders.get(str(f.id)) or (f.raw.get("folder_path") if isinstance(f.raw, dict) else None)
    return str(v).strip("/") if v else ""


def _expand(paths: Iterable[str | tuple[str, str | None]], options: UploadOptions,
            report: PreflightReport) -> list[tuple[str, str | None]]:
    """Turn the user's paths (files, folders, or (path, folder_path) pairs) into files."""
    out: list[tuple[str, str | None]] = []
    for item in paths:
        path, folder = (item, None) if isinstance(item, str) else item
        if os.path.isdir(path) and not (os.path.islink(path) and not options.follow_symlinks):
            scan = scan_folder(path, options)
            out.extend(scan.files)
            report.skipped.extend(scan.skipped)
        else:
            out.append((path, folder))
    return out


def preflight(source: _AccountSource | Account | None, article_files: Sequence[FileInfo] | None,
              paths: Iterable[str | tuple[str, str | None]], options: UploadOptions, *,
              article_id: int, md5_cache: Md5Cache | None = None,
              folders: Mapping[str, Any] | None = None) -> PreflightReport:
    """Check ``paths`` for upload to item ``article_id``.

    ``source`` is a FigshareClient (talks to Figshare: ``get_account`` and, when
    ``article_files`` is None, ``list_files``), or an ``Account`` already fetched, or None to
    skip the account checks (offline queueing). ``article_files`` are the item's files, or None
    for a new item (or to list them through ``source``). md5s are computed only for name
    clashes, and cached. ``folders`` is the item's ``folder_structure``; None to read it
    through ``source`` if a name clashes (without a client: every file counts as at the top).
    """
    report = PreflightReport()
    account: Account | None
    client = None if isinstance(source, Account) or source is None else source
    if client is None:
        account = source if isinstance(source, Account) else None
    else:
        account = client.get_account()
        if article_files is None:
            article_files = client.list_files(article_id)
    report.account = account
    existing = list(article_files or [])
    by_name: dict[str, list[FileInfo]] = {}
    for f in existing:
        by_name.setdefault(f.name, []).append(f)

    max_size = account.maximum_file_size if account and account.maximum_file_size > 0 else None
    for path, folder in _expand(paths, options, report):
        fu = _check_one(path, folder, article_id, options, max_size, report)
        if fu is None:
            continue
        same_name = by_name.get(fu.name)
        if same_name and folders is None:
            folders = _folder_structure(client, article_id)
        where = (folder or "").strip("/")
        clash = [f for f in same_name or () if _folder_of(f, folders or {}) == where]
        if clash and not _resolve_clash(fu, clash, options, report, md5_cache):
            continue
        report.uploads.append(fu)

    _check_totals(report, account, existing, options)
    return report


def _folder_structure(client: _AccountSource | None, article_id: int) -> Mapping[str, Any]:
    """The item's ``folder_structure`` (one more request, made only when a name clashes)."""
    if client is None or not article_id:
        return {}
    return client.get_my_article(article_id).folder_structure or {}


def _check_one(path: str, folder: str | None, article_id: int, options: UploadOptions,
               max_size: int | None, report: PreflightReport) -> FileUpload | None:
    try:
        lst = os.lstat(path)
    except FileNotFoundError:
        report.problems.append(Problem(path, "the file does not exist (moved or deleted?)"))
        return None
    except OSError as exc:
        report.problems.append(Problem(path, f"cannot read the file ({exc.strerror})"))
        return None
    if stat_mod.S_ISLNK(lst.st_mode) and not options.follow_symlinks:
        report.skipped.append(Skipped(path, "symbolic link (not followed)"))
        return None
    try:
        st = os.stat(path)
    except OSError:
        report.problems.append(Problem(path, "a link to a file that does not exist"))
        return None
    if not stat_mod.S_ISREG(st.st_mode):
        report.problems.append(Problem(path, "not a regular file"))
        return None
    if not os.access(path, os.R_OK):
        report.problems.append(Problem(path, "no permission to read the file"))
        return None
    if st.st_size == 0:
        report.skipped.append(Skipped(path, "empty file (Figshare cannot store zero bytes)"))
        return None
    if max_size is not None and st.st_size > max_size:
        report.problems.append(Problem(
            path, f"{_mib(st.st_size)} is larger than this account's maximum file size "
                  f"({_mib(max_size)})", extra={"size": st.st_size, "maximum": max_size}))
        return None
    return FileUpload(path=os.path.abspath(path), article_id=article_id,
                      name=os.path.basename(path), folder_path=folder or None,
                      size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino)


def _resolve_clash(fu: FileUpload, clash: list[FileInfo], options: UploadOptions,
                   report: PreflightReport, md5_cache: Md5Cache | None) -> bool:
    """True to upload ``fu`` anyway. Hashes only when a same-size file is there already."""
    same_size = [f for f in clash if f.size == fu.size and (f.computed_md5 or f.supplied_md5)]
    if same_size:
        try:
            cache = md5_cache or Md5Cache(":memory:")
            digest, _ = cache.md5(fu.path)
        except FigdeskError as exc:
            report.problems.append(Problem(fu.path, exc.message))
            return False
        for f in same_size:
            if (f.computed_md5 or f.supplied_md5) == digest:
                fu.md5 = digest
                report.skipped.append(Skipped(fu.path, "already on the item (same size and md5)",
                                              existing_file_id=f.id))
                return False
        fu.md5 = digest
    if options.on_conflict == "skip":
        report.skipped.append(Skipped(fu.path, "a different file of this name is on the item",
                                      existing_file_id=clash[0].id))
        return False
    if options.on_conflict == "replace":
        fu.replace_file_id = clash[0].id
    return True


def _check_totals(report: PreflightReport, account: Account | None, existing: list[FileInfo],
                  options: UploadOptions) -> None:
    count = len(existing) + len(report.uploads)
    if count > options.max_files_per_item:
        report.problems.append(Problem(
            "", f"too many files for one item: {len(existing)} there and {len(report.uploads)} "
                f"to add, the limit is {options.max_files_per_item} (pack a folder into a zip?)",
            extra={"count": count}))
    free = account.free_private_quota if account else None
    need = report.total_bytes
    if free is not None and need > free:
        report.problems.append(Problem(
            "", f"not enough storage left on Figshare: {_mib(need)} to upload, {_mib(free)} free",
            extra={"need": need, "free": free}))


def describe(report: PreflightReport) -> dict[str, Any]:
    """A JSON-able summary (for ``--json`` and logs)."""
    return {"ok": report.ok, "files": len(report.uploads), "bytes": report.total_bytes,
            "problems": [{"path": p.path, "message": p.message} for p in report.problems],
            "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped]}
