"""``figdesk cleanup drafts`` end to end against the in-process sandbox."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from figdesk.cli.main import main
from figdesk.core.api import FigshareClient
from tests.support.clients import upload_small

PUBLISHABLE = {
    "description": "Measurements of things.",
    "keywords": ["measurement", "things"],
    "defined_type": "dataset",
    "license": 1,
    "is_metadata_record": True,
    "metadata_reason": "Data held elsewhere",
}
# The sandbox's sample account has two drafts, both created in 2023.
OLD_SAMPLE_DRAFTS = {8351662, 8260098}


class TtyInput(io.StringIO):
    """Typed answers on a pretend terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def world(sandbox: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """A mix of drafts and public items on top of the sandbox's samples."""
    monkeypatch.setenv("FIGSHARE_TOKEN", sandbox.token)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    client = FigshareClient(sandbox.token, api_url=sandbox.api_url)
    ids: dict[str, int] = {}
    ids["untitled_empty"] = client.create_article({"title": "Untitled Item"}).id
    ids["untitled_links"] = client.create_article({"title": "untitled dataset"}).id
    for k in range(12):   # more than the 10 files embedded in an item
        client.link_file(ids["untitled_links"], f"https://example.org/data/{k}.csv")
    ids["keep_files"] = client.create_article({"title": "Keep me: river data"}).id
    upload_small(client, ids["keep_files"], "river.csv", b"a,b\n1,2\n" * 100)
    ids["empty_named"] = client.create_article({"title": "Lake survey"}).id
    ids["public_untitled"] = client.create_article({**PUBLISHABLE,
                                                    "title": "Untitled Item"}).id
    client.publish_article(ids["public_untitled"])
    client.close()
    sandbox.requests.clear()
    return {"sb": sandbox, "ids": ids, "dir": work}


def run(capsys: pytest.CaptureFixture[str], sb: Any, *args: str) -> tuple[int, str, str]:
    code = main(["--api", sb.api_url, "cleanup", "drafts", *args])
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys: pytest.CaptureFixture[str], sb: Any, *args: str) -> set[int]:
    code, out, err = run(capsys, sb, "--json", *args)
    assert code == 0, err
    return {c["id"] for c in json.loads(out)}


def deletes(sb: Any) -> list[Any]:
    return [r for r in sb.requests if r.method == "DELETE"]


def test_each_filter_lists_only_matching_drafts(world: dict[str, Any],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sb, ids = world["sb"], world["ids"]
    mine = {ids[k] for k in ("untitled_empty", "untitled_links", "keep_files", "empty_named")}
    assert listed(capsys, sb) == mine | OLD_SAMPLE_DRAFTS
    assert listed(capsys, sb, "--untitled") == {ids["untitled_empty"], ids["untitled_links"],
                                                8351662}
    assert listed(capsys, sb, "--empty") == {ids["untitled_empty"], ids["empty_named"]} \
        | OLD_SAMPLE_DRAFTS
    assert listed(capsys, sb, "--older-than", "365") == OLD_SAMPLE_DRAFTS
    assert listed(capsys, sb, "--match", "RIVER") == {ids["keep_files"]}
    assert listed(capsys, sb, "--untitled", "--empty", "--older-than", "30") == {8351662}
    assert ids["public_untitled"] not in listed(capsys, sb, "--untitled")
    assert deletes(sb) == [], "listing never deletes"

    code, out, err = run(capsys, sb, "--json", "--count-files", "--match", "untitled")
    assert code == 0, err
    counts = {c["id"]: c["file_count"] for c in json.loads(out)}
    assert counts == {ids["untitled_empty"]: 0, ids["untitled_links"]: 12, 8351662: 0}


def test_table_then_prompt_answered_no_deletes_nothing(
        world: dict[str, Any], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sb = world["sb"]
    monkeypatch.setattr("sys.stdin", TtyInput("n\n"))
    code, out, err = run(capsys, sb, "--untitled", "--count-files")
    assert code == 0, err
    header = out.splitlines()[0].split()
    assert header == ["ID", "CREATED", "MODIFIED", "FILES", "TITLE"]
    assert "3 drafts match." in out and "Nothing deleted." in out
    assert "Delete these 3 drafts after a backup to" in out
    assert deletes(sb) == [] and list(world["dir"].iterdir()) == []


def test_no_terminal_and_no_yes_refuses(world: dict[str, Any],
                                        capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, out, err = run(capsys, world["sb"], "--untitled")
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("figdesk: nothing deleted") and "not a terminal" in last
    assert "--yes" in last and "3 drafts match." in out
    assert deletes(world["sb"]) == []


def test_backup_then_delete(world: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    sb, ids = world["sb"], world["ids"]
    code, out, err = run(capsys, sb, "--untitled", "--yes")
    assert code == 0, err
    assert "Deleted 3 drafts." in out
    backups = list(world["dir"].glob("figdesk-drafts-backup-*.json"))
    assert len(backups) == 1
    doc = json.loads(backups[0].read_text(encoding="utf-8"))
    assert doc["api_url"] == sb.api_url and doc["created"]
    entries = {e["id"]: e for e in doc["items"]}
    assert set(entries) == {ids["untitled_empty"], ids["untitled_links"], 8351662}
    links = entries[ids["untitled_links"]]
    assert links["article"]["title"] == "untitled dataset" and "created_date" in links["article"]
    assert len(links["files"]) == 12
    assert {f["id"] for f in links["files"]} >= {f["id"] for f in links["article"]["files"]}

    # Every item was read for the backup before the first DELETE went out.
    log = list(sb.requests)
    first_delete = next(i for i, r in enumerate(log) if r.method == "DELETE")
    for item_id in entries:
        reads = [i for i, r in enumerate(log)
                 if r.method == "GET" and r.path.startswith(f"/v2/account/articles/{item_id}/files")]
        assert reads and reads[0] < first_delete
    assert len(deletes(sb)) == 3
    remaining = listed(capsys, sb)
    assert remaining == {ids["keep_files"], ids["empty_named"], 8260098}


def test_unwritable_backup_deletes_nothing(world: dict[str, Any],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    sb = world["sb"]
    code, out, err = run(capsys, sb, "--untitled", "--yes", "--backup",
                         str(world["dir"] / "missing-folder" / "b.json"))
    assert code == 1 and "Deleted" not in out
    last = err.strip().splitlines()[-1]
    assert last.startswith("figdesk: ") and last.endswith("Nothing was deleted.")
    assert deletes(sb) == []


def test_item_deleted_meanwhile_is_reported(world: dict[str, Any],
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sb, ids = world["sb"], world["ids"]
    import figdesk.cli.cleanup_cmd as cmd

    real_backup = cmd.backup_drafts

    def backup_then_someone_deletes(client: Any, *a: Any, **k: Any) -> Any:
        result = real_backup(client, *a, **k)
        with FigshareClient(sb.token, api_url=sb.api_url) as other:
            other.delete_article(ids["untitled_empty"])
        return result

    monkeypatch.setattr(cmd, "backup_drafts", backup_then_someone_deletes)
    code, out, err = run(capsys, sb, "--untitled", "--yes", "--json",
                         "--backup", str(world["dir"] / "b.json"))
    assert code == 1 and "Backed up 3 drafts" in err
    report = json.loads(out)
    assert sorted(report["deleted"]) == sorted([ids["untitled_links"], 8351662])
    assert [f["id"] for f in report["failures"]] == [ids["untitled_empty"]]
    assert report["failures"][0]["reason"].startswith("already gone")
    assert report["backup"] == str(world["dir"] / "b.json")


def test_no_match_and_existing_backup(world: dict[str, Any],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    sb = world["sb"]
    code, out, _ = run(capsys, sb, "--match", "no such title anywhere", "--yes")
    assert code == 0 and "No drafts match these filters." in out
    taken = world["dir"] / "taken.json"
    taken.write_text("{}")
    code, _, err = run(capsys, sb, "--untitled", "--yes", "--backup", str(taken))
    assert code == 2 and "already exists" in err
    code, _, err = run(capsys, sb, "--untitled", "--backup", "x.json", "--no-backup")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert deletes(sb) == []


def test_no_backup_when_asked_explicitly(world: dict[str, Any],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    sb, ids = world["sb"], world["ids"]
    code, out, err = run(capsys, sb, "--match", "lake", "--no-backup", "--yes")
    assert code == 0, err
    assert "1 draft matches." in out and "Deleted 1 draft." in out
    assert list(world["dir"].iterdir()) == []
    assert [r.path for r in deletes(sb)] == [f"/v2/account/articles/{ids['empty_named']}"]


def test_first_ctrl_c_cancels_between_items_second_interrupts() -> None:
    import os
    import signal
    import threading

    from figdesk.cli.cleanup_cmd import _ctrl_c_cancels

    before = signal.getsignal(signal.SIGINT)
    cancel = threading.Event()
    with _ctrl_c_cancels(cancel):
        os.kill(os.getpid(), signal.SIGINT)
        assert cancel.wait(5)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            threading.Event().wait(5)   # the handler raises here, long before 5 s
    assert signal.getsignal(signal.SIGINT) is before
