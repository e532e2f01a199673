"""``figdesk download``: every file of items, md5-checked, atomic, never outside the folder."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from figdesk.cli.main import main
from figdesk.core.errors import CancelledError, IntegrityError
from figdesk.core.models import FileInfo
from figdesk.core.workflows.download import (
    PART_SUFFIX,
    Planned,
    fetch,
    relative_path,
    safe_component,
)
from tests.support.clients import fast_client, upload_small


def run(capsys: pytest.CaptureFixture[str], sb: Any, *args: str) -> tuple[int, str, str]:
    code = main(["--api", sb.api_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def item(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An item with a file at its top and one in a folder, plus a link-only file."""
    monkeypatch.setenv("FIGSHARE_TOKEN", sandbox.token)
    with fast_client(sandbox) as client:
        article_id = client.create_article({"title": "Files to fetch"}).id
        files = {"top.csv": (b"a,b\n1,2\n" * 500, None),
                 "deep.bin": (bytes(range(256)) * 3000, "run1/sub")}
        for name, (data, folder) in files.items():
            upload_small(client, article_id, name, data, folder)
        client.link_file(article_id, "https://example.org/elsewhere.dat")
        deadline = time.monotonic() + 30
        while any(f.status not in ("available", "") and not f.is_link_only
                  for f in client.list_files(article_id)):
            assert time.monotonic() < deadline, "the sandbox never finished processing"
            time.sleep(0.05)
    return {"id": article_id, "files": files}


def test_a_file_still_processing_is_a_failure_in_words(sandbox: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    monkeypatch.setenv("FIGSHARE_TOKEN", sandbox.token)
    with fast_client(sandbox) as client:
        article_id = client.create_article({"title": "Half uploaded"}).id
        client.initiate_upload(article_id, "unfinished.bin", 10)      # never completed
    code, _out, err = run(capsys, sandbox, "download", str(article_id), "--dest", str(tmp_path))
    assert code == 1 and "unfinished.bin" in err and "not available yet" in err
    assert not list(tmp_path.rglob("unfinished.bin*"))


def test_downloads_every_file_into_its_folder_and_a_rerun_fetches_nothing(
        sandbox: Any, item: dict[str, Any], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "out"
    code, out, err = run(capsys, sandbox, "download", str(item["id"]), "--dest", str(dest))
    assert code == 0, err
    top = dest / str(item["id"]) / "top.csv"
    deep = dest / str(item["id"]) / "run1" / "sub" / "deep.bin"
    assert top.read_bytes() == item["files"]["top.csv"][0]
    assert deep.read_bytes() == item["files"]["deep.bin"][0]
    assert "skipped" in out and "link" in out               # the link-only file
    assert not list(dest.rglob(f"*{PART_SUFFIX}"))

    # Again: nothing is downloaded (the md5 of what is there matches), and a damaged copy is
    # replaced by a good one.
    top.write_bytes(b"damaged")
    sandbox.requests.clear()
    code, out, err = run(capsys, sandbox, "--json", "download", str(item["id"]), "--dest",
                         str(dest))
    assert code == 0, err
    status = {r["file"]: r["status"] for r in json.loads(out)}
    assert status == {"top.csv": "downloaded", "deep.bin": "already there",
                      "elsewhere.dat": "skipped"}
    assert top.read_bytes() == item["files"]["top.csv"][0]
    assert sandbox.requests.count(path_contains="/file/download/") == 1    # top.csv only
    # The bytes came from the storage host, which never saw the token.
    storage = [r for r in sandbox.requests if r.service == "download"]
    assert storage and not any("authorization" in {k.lower() for k in r.headers}
                               for r in storage)


def test_an_unknown_item_is_an_error_in_words(sandbox: Any, item: dict[str, Any],
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, sandbox, "download", "987654321", "--dest", str(tmp_path))
    assert code != 0 and "987654321" in err and len(err.strip().splitlines()) == 1
    assert sandbox.token not in err


@pytest.mark.parametrize("name, folder, expected", [
    ("../../etc/passwd", "", "7/passwd"),
    ("/abs/olute.txt", "../..", "7/olute.txt"),
    ("..", "a/../b", "7/a/b/file-3"),
    ("ok\x00name.txt", "/lead/slash/", "7/lead/slash/ok_name.txt"),
    ("back\\slash.txt", "C:\\win", "7/C_/win/slash.txt"),
])
def test_hostile_names_stay_inside_the_destination(name: str, folder: str,
                                                   expected: str) -> None:
    info = FileInfo.from_json({"id": 3, "name": name, "size": 1})
    rel = relative_path(7, folder, info)
    assert rel.as_posix() == expected
    assert ".." not in rel.parts and not rel.is_absolute()
    assert len(safe_component("x" * 400 + ".tar.gz", "f")) <= 200
    assert safe_component("x" * 400 + ".tar.gz", "f").endswith(".gz")


class _FakeClient:
    """Sends ``payload`` as the file's bytes (or is cancelled half way)."""

    def __init__(self, payload: bytes, cancel_after: int | None = None) -> None:
        self.payload = payload
        self.cancel_after = cancel_after

    def download_file(self, _file: Any, dest: Any, *, progress: Any = None,
                      cancel: threading.Event | None = None) -> int:
        half = self.payload[: self.cancel_after] if self.cancel_after else self.payload
        dest.write(half)
        if self.cancel_after:
            raise CancelledError("Cancelled: downloading this file.")
        return len(self.payload)


@pytest.mark.parametrize("client, error", [
    (_FakeClient(b"B" * 100), IntegrityError),                 # damaged on the way
    (_FakeClient(b"A" * 100, cancel_after=40), CancelledError),
])
def test_a_bad_or_cancelled_download_leaves_the_old_file_alone(
        tmp_path: Path, client: _FakeClient, error: type[Exception]) -> None:
    good = b"A" * 100
    info = FileInfo.from_json({"id": 1, "name": "data.bin", "size": 100, "status": "available",
                               "computed_md5": hashlib.md5(good).hexdigest()})
    planned = Planned(5, info, relative_path(5, "", info))
    target = tmp_path / "5" / "data.bin"
    target.parent.mkdir()
    target.write_bytes(b"the user's own older copy")
    with pytest.raises(error):
        fetch(client, planned, tmp_path)
    assert target.read_bytes() == b"the user's own older copy"
    assert not list(tmp_path.rglob(f"*{PART_SUFFIX}"))


def test_the_progress_line_is_drawn_on_a_terminal_only() -> None:
    import io

    from figdesk.cli.download_cmd import _Line

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term, pipe = Terminal(), io.StringIO()
    for out in (term, pipe):
        line = _Line(out)
        line(50, 100, "1 of 2: data.bin")
        line(100, 100, "2 of 2: more.bin")
        line.clear()
    assert "2 of 2: more.bin" in term.getvalue() and "100%" in term.getvalue()
    assert "ETA" in term.getvalue() and term.getvalue().endswith("\r\x1b[K")
    assert pipe.getvalue() == ""
