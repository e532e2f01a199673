"""Folder uploads: a recursive walk that keeps the structure, leaves junk out, and can pack a
folder of many small files into one zip.

``folder_path`` is the file's directory relative to the folder's parent, with "/" separators
and no leading slash: uploading ``/data/run1`` gives ``run1`` and ``run1/sub`` (Figshare's
``folder_structure`` examples have no leading slash either).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, field

from figdesk.core.upload.options import UploadOptions


@dataclass(frozen=True)
class Skipped:
    """A local path that will not be uploaded, and why (in words)."""

    path: str
    reason: str
    existing_file_id: int | None = None


@dataclass
class FolderScan:
    files: list[tuple[str, str]] = field(default_factory=list)   # (local path, folder_path)
    skipped: list[Skipped] = field(default_factory=list)


def is_junk_name(name: str, options: UploadOptions) -> bool:
    return options.skip_junk and name.lower() in options.junk_names


def is_junk_dir(name: str, options: UploadOptions) -> bool:
    return options.skip_junk and name.lower() in options.junk_dirs


def scan_folder(path: str, options: UploadOptions) -> FolderScan:
    """Every file under ``path`` with its folder_path, plus what was left out and why.

    Symlinks are followed only with ``options.follow_symlinks``; a directory reached twice
    through links is walked once (no loops).
    """
    root = os.path.abspath(path)
    base = os.path.basename(root.rstrip(os.sep)) or "folder"
    scan = FolderScan()
    seen_dirs: set[tuple[int, int]] = set()

    def walk(directory: str, rel: str) -> None:
        try:
            st = os.stat(directory)
        except OSError as exc:
            scan.skipped.append(Skipped(directory, f"cannot read the folder ({exc.strerror})"))
            return
        if (st.st_dev, st.st_ino) in seen_dirs:
            scan.skipped.append(Skipped(directory, "folder already included through a link"))
            return
        seen_dirs.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            scan.skipped.append(Skipped(directory, f"cannot read the folder ({exc.strerror})"))
            return
        for e in entries:
            link = e.is_symlink()
            if link and not options.follow_symlinks:
                scan.skipped.append(Skipped(e.path, "symbolic link (not followed)"))
                continue
            try:
                is_dir = e.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if is_junk_dir(e.name, options):
                    scan.skipped.append(Skipped(e.path, "system or version-control folder"))
                    continue
                walk(e.path, f"{rel}/{e.name}")
            elif is_junk_name(e.name, options):
                scan.skipped.append(Skipped(e.path, "system file"))
            else:
                scan.files.append((e.path, rel))

    walk(root, base)
    return scan


def walk_folder(path: str, options: UploadOptions) -> list[tuple[str, str]]:
    """``(local path, folder_path)`` for every file to upload under ``path`` (see scan_folder
    for the skipped ones)."""
    return scan_folder(path, options).files


def pack_folder_zip(path: str, options: UploadOptions, dest_dir: str | None = None) -> str:
    """Write the folder (junk left out) into one zip in ``dest_dir`` (default: a temp dir) and
    return the zip's path, named after the folder. Streamed: files are copied in chunks by
    zipfile, never held whole in memory. Entries keep their paths under the folder's name."""
    scan = scan_folder(path, options)
    root_parent = os.path.dirname(os.path.abspath(path).rstrip(os.sep))
    base = os.path.basename(os.path.abspath(path).rstrip(os.sep)) or "folder"
    out_dir = dest_dir or tempfile.mkdtemp(prefix="figdesk-zip-")
    out = os.path.join(out_dir, f"{base}.zip")
    method = zipfile.ZIP_DEFLATED if options.zip_deflate else zipfile.ZIP_STORED
    tmp = out + ".part"
    with zipfile.ZipFile(tmp, "w", compression=method, allowZip64=True) as zf:
        for local, _folder in scan.files:
            arc = os.path.relpath(local, root_parent).replace(os.sep, "/")
            zf.write(local, arc)
    os.replace(tmp, out)   # a half-written zip never carries the final name
    return out
