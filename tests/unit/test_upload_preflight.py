"""Folder walk, zip packing and pre-flight with fake accounts and item files."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

from figdesk.core.models import Account, Article, FileInfo
from figdesk.core.upload.folders import pack_folder_zip, scan_folder, walk_folder
from figdesk.core.upload.hashing import Md5Cache
from figdesk.core.upload.options import UploadOptions
from figdesk.core.upload.preflight import describe, preflight


def _account(quota: int = 10**9, used: int = 0, max_size: int = 10**8) -> Account:
    return Account.from_json({"id": 1, "quota": quota, "used_quota_private": used,
                              "maximum_file_size": max_size})


def _file(fid: int, name: str, size: int, md5: str = "") -> FileInfo:
    """A file object as Figshare lists it: no folder (the item's folder_structure has it)."""
    return FileInfo.from_json({"id": fid, "name": name, "size": size, "computed_md5": md5,
                               "supplied_md5": md5, "status": "available"})


def _tree(root: Path) -> Path:
    top = root / "run1"
    (top / "sub" / "deep").mkdir(parents=True)
    (top / ".git").mkdir()
    (top / "__MACOSX").mkdir()
    (top / "a.txt").write_text("alpha")
    (top / "sub" / "b.txt").write_text("beta")
    (top / "sub" / "deep" / "c.txt").write_text("gamma")
    (top / ".DS_Store").write_bytes(b"x")
    (top / "sub" / "Thumbs.db").write_bytes(b"x")
    (top / ".git" / "HEAD").write_text("ref")
    (top / "__MACOSX" / "junk").write_text("j")
    return top


def test_walk_keeps_structure_and_skips_junk(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    scan = scan_folder(str(top), UploadOptions())
    rel = {(os.path.relpath(p, top), f) for p, f in scan.files}
    assert rel == {("a.txt", "run1"), ("sub/b.txt", "run1/sub"),
                   ("sub/deep/c.txt", "run1/sub/deep")}
    skipped = {os.path.basename(s.path) for s in scan.skipped}
    assert skipped == {".DS_Store", "Thumbs.db", ".git", "__MACOSX"}
    assert len(walk_folder(str(top), UploadOptions(skip_junk=False))) == 7


def test_walk_symlinks(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    (top / "loop").symlink_to(top)                  # a loop, if followed blindly
    (top / "link.txt").symlink_to(top / "a.txt")
    scan = scan_folder(str(top), UploadOptions())
    assert {os.path.basename(s.path) for s in scan.skipped} >= {"loop", "link.txt"}
    followed = scan_folder(str(top), UploadOptions(follow_symlinks=True))
    names = [os.path.basename(p) for p, _ in followed.files]
    assert names.count("link.txt") == 1 and names.count("c.txt") == 1   # loop walked once


def test_pack_zip(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for deflate in (False, True):
        z = pack_folder_zip(str(top), UploadOptions(zip_deflate=deflate), str(out))
        with zipfile.ZipFile(z) as zf:
            assert sorted(zf.namelist()) == ["run1/a.txt", "run1/sub/b.txt",
                                             "run1/sub/deep/c.txt"]
            assert zf.read("run1/sub/b.txt") == b"beta"
            kinds = {i.compress_type for i in zf.infolist()}
            assert kinds == {zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED}


def test_preflight_problems_each_in_words(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2000)
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    ok = tmp_path / "ok.bin"
    ok.write_bytes(b"y" * 100)
    link = tmp_path / "link.bin"
    link.symlink_to(ok)
    report = preflight(_account(max_size=1000), [], [str(big), str(empty), str(ok),
                       str(tmp_path / "gone.bin"), str(link)], UploadOptions(), article_id=7)
    assert [u.name for u in report.uploads] == ["ok.bin"]
    assert report.uploads[0].size == 100 and report.uploads[0].article_id == 7
    msgs = " | ".join(report.lines())
    assert "maximum file size" in msgs and "does not exist" in msgs
    assert "empty file" in msgs and "symbolic link" in msgs
    assert not report.ok
    followed = preflight(None, [], [str(link)], UploadOptions(follow_symlinks=True), article_id=7)
    assert followed.ok and followed.uploads[0].name == "link.bin"


def test_preflight_quota_and_file_count(tmp_path: Path) -> None:
    files = []
    for i in range(3):
        p = tmp_path / f"f{i}.bin"
        p.write_bytes(b"z" * 400)
        files.append(str(p))
    r = preflight(_account(quota=1500, used=500), [], files, UploadOptions(), article_id=1)
    assert not r.ok and any("not enough storage" in p.message for p in r.problems)
    existing = [_file(100 + i, f"old{i}", 1) for i in range(2)]
    r2 = preflight(_account(), existing, files, UploadOptions(max_files_per_item=4),
                   article_id=1)
    assert not r2.ok and any("too many files" in p.message for p in r2.problems)
    r3 = preflight(_account(), existing, files, UploadOptions(max_files_per_item=5),
                   article_id=1)
    assert r3.ok and describe(r3)["files"] == 3


def test_preflight_same_name(tmp_path: Path) -> None:
    p = tmp_path / "data.csv"
    p.write_bytes(b"1,2,3\n")
    digest = hashlib.md5(b"1,2,3\n").hexdigest()
    cache = Md5Cache(tmp_path / "c.sqlite3")
    same = [_file(5, "data.csv", 6, digest)]
    r = preflight(_account(), same, [str(p)], UploadOptions(), article_id=1, md5_cache=cache)
    assert r.ok and not r.uploads and r.skipped[0].existing_file_id == 5
    assert "already on the item" in r.skipped[0].reason
    other = [_file(6, "data.csv", 6, "0" * 32)]
    keep = preflight(_account(), other, [str(p)], UploadOptions(), article_id=1, md5_cache=cache)
    assert len(keep.uploads) == 1 and keep.uploads[0].replace_file_id is None
    assert keep.uploads[0].md5 == digest          # hashed once for the check: reused later
    rep = preflight(_account(), other, [str(p)], UploadOptions(on_conflict="replace"),
                    article_id=1, md5_cache=cache)
    assert rep.uploads[0].replace_file_id == 6
    skip = preflight(_account(), other, [str(p)], UploadOptions(on_conflict="skip"),
                     article_id=1, md5_cache=cache)
    assert not skip.uploads and "different file" in skip.skipped[0].reason
    # same name in another folder (the item's folder_structure says where) is no clash
    elsewhere = [_file(7, "data.csv", 6, digest)]
    r4 = preflight(_account(), elsewhere, [str(p)], UploadOptions(on_conflict="skip"),
                   article_id=1, folders={"7": "x"})
    assert len(r4.uploads) == 1
    r5 = preflight(_account(), elsewhere, [(str(p), "x")], UploadOptions(), article_id=1,
                   folders={"7": "x"})
    assert not r5.uploads and "already on the item" in r5.skipped[0].reason


def test_preflight_expands_folders(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    r = preflight(_account(), [], [str(top)], UploadOptions(), article_id=3)
    assert sorted((u.folder_path or "", u.name) for u in r.uploads) == [
        ("run1", "a.txt"), ("run1/sub", "b.txt"), ("run1/sub/deep", "c.txt")]
    assert len(r.skipped) == 4


class _FakeClient:
    def __init__(self, files: list[FileInfo] | None = None,
                 folders: dict[str, str] | None = None) -> None:
        self.calls: list[str] = []
        self.files = files or []
        self.folders = folders or {}

    def get_account(self) -> Account:
        self.calls.append("account")
        return _account()

    def list_files(self, article_id: int) -> list[FileInfo]:
        self.calls.append(f"files {article_id}")
        return self.files

    def get_my_article(self, article_id: int) -> Article:
        self.calls.append(f"item {article_id}")
        return Article.from_json({"id": article_id, "title": "t",
                                  "folder_structure": self.folders})


def test_preflight_asks_the_client(tmp_path: Path) -> None:
    p = tmp_path / "x.bin"
    p.write_bytes(b"1")
    c = _FakeClient()
    r = preflight(c, None, [str(p)], UploadOptions(), article_id=9)
    assert r.ok and c.calls == ["account", "files 9"]


def test_the_items_folders_are_read_once_and_only_when_a_name_clashes(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes(b"same bytes")
    other = tmp_path / "other.csv"
    other.write_bytes(b"x")
    digest = hashlib.md5(b"same bytes").hexdigest()
    # "data.csv" is on the item inside folder "run1" (Figshare says so in folder_structure).
    c = _FakeClient([_file(5, "data.csv", 10, digest)], {"5": "run1"})
    r = preflight(c, None, [str(other)], UploadOptions(), article_id=9)
    assert r.uploads and c.calls == ["account", "files 9"]      # no clash: no more requests
    c.calls.clear()
    # The same bytes at the top of the item are not the file in run1/: uploaded.
    r = preflight(c, None, [str(data), (str(data), "run1")], UploadOptions(), article_id=9)
    assert [u.folder_path for u in r.uploads] == [None]
    assert len(r.skipped) == 1 and "already on the item" in r.skipped[0].reason
    assert c.calls == ["account", "files 9", "item 9"]          # read once for both
