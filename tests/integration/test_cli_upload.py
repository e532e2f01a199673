"""``figdesk upload`` and ``figdesk queue`` end to end against the in-process sandbox."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from figdesk.cli.main import main
from figdesk.core.api import FigshareClient
from figdesk.core.queue import JobState, QueueStore

PUBLISHABLE = {
    "description": "Measurements of things.",
    "keywords": ["measurement", "things"],
    "defined_type": "dataset",
    "license": 1,
}


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, part_size=64 * 1024,
                               processing_step=0.002, samples=False)) as s:
        monkeypatch.setenv("FIGSHARE_TOKEN", s.token)
        yield s


def run(capsys: pytest.CaptureFixture[str], sb: Any, *args: str) -> tuple[int, str, str]:
    code = main(["--api", sb.api_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def study(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "study"
    (folder / "raw").mkdir(parents=True)
    blobs = {"notes.txt": b"hello\n" * 5000, "raw/data.bin": os.urandom(200_000)}
    for rel, data in blobs.items():
        (folder / rel).write_bytes(data)
    return folder, {Path(k).name: hashlib.md5(v).hexdigest() for k, v in blobs.items()}


def items_titled(sb: Any, title: str) -> list[Any]:
    with FigshareClient(sb.token, sb.api_url) as c:
        return [a for a in c.list_my_articles() if a.title == title]


def test_upload_folder_to_new_item_and_publish(sb: Any, capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    folder, md5 = study(tmp_path)
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(PUBLISHABLE))
    code, out, err = run(capsys, sb, "upload", str(folder), "--new", "Study A", "--metadata",
                         str(meta), "--publish", "--limit-rate", "50M")
    assert code == 0, err
    # not a terminal: plain lines, no ANSI
    assert "\x1b" not in out and "notes.txt: done (verified)" in out
    (item,) = items_titled(sb, "Study A")
    with FigshareClient(sb.token, sb.api_url) as c:
        art = c.get_my_article(item.id)
        files = c.list_files(item.id)
    assert art.is_public
    assert {f.name: f.computed_md5 for f in files} == md5
    with QueueStore() as store:
        assert {j.state for j in store.list()} == {JobState.DONE}


def test_same_command_again_starts_nothing_new(sb: Any, capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    folder, _ = study(tmp_path)
    code, _, err = run(capsys, sb, "upload", str(folder), "--new", "Study B", "--queue")
    assert code == 0, err
    # the same command again finds the queued jobs and runs them
    code, out, err = run(capsys, sb, "upload", str(folder), "--new", "Study B")
    assert code == 0, err
    assert out.startswith("Resuming 2 files")
    assert len(items_titled(sb, "Study B")) == 1
    with QueueStore() as store:
        assert len(store.list()) == 3


def test_dry_run_changes_nothing(sb: Any, capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
    folder, _ = study(tmp_path)
    code, out, err = run(capsys, sb, "upload", str(folder), "--new", "Dry", "--dry-run",
                         "--publish")
    assert code == 0, err
    assert "Would upload 2 files" in out and "then publish" in out and "raw/data.bin" in out
    assert items_titled(sb, "Dry") == []
    with QueueStore() as store:
        assert store.list() == []


def test_queue_then_run_then_list_json(sb: Any, capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    folder, md5 = study(tmp_path)
    with FigshareClient(sb.token, sb.api_url) as c:
        item_id = c.create_article({"title": "Existing"}).id
    code, _, err = run(capsys, sb, "upload", str(folder / "notes.txt"), "--item", str(item_id),
                       "--queue")
    assert code == 0, err
    code, out, _ = run(capsys, sb, "--json", "queue", "list")
    jobs = json.loads(out)["jobs"]
    assert [j["state"] for j in jobs] == ["queued"] and jobs[0]["article_id"] == item_id
    code, _, err = run(capsys, sb, "queue", "run")
    assert code == 0, err
    with FigshareClient(sb.token, sb.api_url) as c:
        (f,) = c.list_files(item_id)
    assert f.computed_md5 == md5["notes.txt"]


def call(sb: Any, *argv: str) -> int:
    """main(), with argparse's own exit (usage errors) turned into the status."""
    try:
        return main(["--api", sb.api_url, *argv])
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize(("args", "message"), [
    (["upload", "nowhere.bin", "--new", "X"], "does not exist"),
    (["upload", "{file}", "--new", "X", "--limit-rate", "fast"], "not a rate"),
    (["upload", "{file}", "--new", "X", "--parts", "0"], "at least 1"),
    (["upload", "{file}", "--new", "X", "--item", "3"], "not allowed with"),
    (["upload", "{file}"], "one of the arguments"),
    (["queue", "retry", "12345"], "no job 12345"),
])
def test_bad_input_is_one_line_and_exit_2(sb: Any, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path, args: list[str], message: str) -> None:
    f = tmp_path / "f.bin"
    f.write_bytes(b"x")
    code = call(sb, *[a.replace("{file}", str(f)) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_item_is_one_line_and_exit_1(sb: Any, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    f = tmp_path / "f.bin"
    f.write_bytes(b"x" * 10)
    code = call(sb, "upload", str(f), "--item", "999999")
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_failed_upload_exits_1_and_stays_in_queue(sb: Any, capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    f = tmp_path / "f.bin"
    f.write_bytes(os.urandom(100_000))
    sb.faults.set(ic_failure=True)      # every upload arrives damaged
    code, _, err = run(capsys, sb, "upload", str(f), "--new", "Damaged")
    assert code == 1
    assert "failed" in err and "Traceback" not in err
    with QueueStore() as store:
        jobs = store.list()
    assert [j.state for j in jobs] == [JobState.DONE, JobState.FAILED]
    assert jobs[1].error
    sb.faults.reset()
    code, _, err = run(capsys, sb, "queue", "retry", str(jobs[1].id))
    assert code == 0, err
    code, _, err = run(capsys, sb, "queue", "run")
    assert code == 0, err
    (item,) = items_titled(sb, "Damaged")
    with FigshareClient(sb.token, sb.api_url) as c:
        assert len(c.list_files(item.id)) == 1


def test_zip_packs_each_folder_into_one_file(sb: Any, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    import zipfile

    folder, _ = study(tmp_path)
    code, _, err = run(capsys, sb, "upload", str(folder), "--new", "Zipped", "--zip")
    assert code == 0, err
    (item,) = items_titled(sb, "Zipped")
    with FigshareClient(sb.token, sb.api_url) as c:
        (f,) = c.list_files(item.id)
    assert f.name == "study.zip" and f.status == "available"
    with QueueStore() as store:
        (zpath,) = [j.path for j in store.list() if j.path]
    with zipfile.ZipFile(zpath) as zf:
        assert sorted(zf.namelist()) == ["study/notes.txt", "study/raw/data.bin"]
    # queued again before it ran: the same zip (not packed again), so the same jobs resume
    code, _, err = run(capsys, sb, "upload", str(folder), "--new", "Zipped 2", "--zip",
                       "--queue")
    assert code == 0, err
    code, out, err = run(capsys, sb, "upload", str(folder), "--new", "Zipped 2", "--zip")
    assert code == 0, err
    assert out.startswith("Resuming 1 file")
    with QueueStore() as store:
        assert {j.path for j in store.list() if j.path} == {zpath}
    assert len(items_titled(sb, "Zipped 2")) == 1


def test_impersonated_upload_stays_for_that_account(sb: Any, capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Queued with --impersonate, run later without it: still done for the member."""
    from figdesk.sandbox import ADMIN_ACCOUNT_ID

    admin_token = sb.token_of(ADMIN_ACCOUNT_ID)
    monkeypatch.setenv("FIGSHARE_TOKEN", admin_token)
    with FigshareClient(admin_token, sb.api_url) as admin:
        member = next(m.id for m in admin.list_institution_accounts()
                      if m.id != ADMIN_ACCOUNT_ID)
    f = tmp_path / "for-member.bin"
    f.write_bytes(os.urandom(5000))
    code, _, err = run(capsys, sb, "--impersonate", str(member), "upload", str(f), "--new",
                       "Member's data", "--queue")
    assert code == 0, err
    code, _, err = run(capsys, sb, "queue", "run")
    assert code == 0, err
    with FigshareClient(admin_token, sb.api_url) as admin:
        assert not [a for a in admin.list_my_articles() if a.title == "Member's data"]
        acting = admin.impersonating(member)
        (item,) = [a for a in acting.list_my_articles() if a.title == "Member's data"]
        (stored,) = acting.list_files(item.id)
    assert stored.name == "for-member.bin" and stored.status == "available"


def test_files_already_on_the_item_are_left_out(sb: Any, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    folder, _ = study(tmp_path)
    notes, more = folder / "notes.txt", folder / "more.txt"
    more.write_text("added later\n")
    with FigshareClient(sb.token, sb.api_url) as c:
        item_id = c.create_article({"title": "Grows"}).id
    code, _, err = run(capsys, sb, "upload", str(notes), "--item", str(item_id))
    assert code == 0, err
    code, out, err = run(capsys, sb, "upload", str(notes), str(more), "--item", str(item_id))
    assert code == 0, err
    assert "notes.txt: already on the item" in err and out.startswith("Uploading 1 file")
    with FigshareClient(sb.token, sb.api_url) as c:
        assert sorted(f.name for f in c.list_files(item_id)) == ["more.txt", "notes.txt"]
