"""The files panel: every file of an item with its state and verified mark; delete; download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from figdesk.core.api import FigshareClient
from tests.gui.conftest import WAIT_MS, run_async, sign_in
from tests.support.clients import upload_small


def _showing(qtbot: Any, make_window: Any, sb: Any, article_id: int, *, files: int) -> Any:
    """A window signed in to ``sb`` whose files panel lists ``files`` files of the item."""
    window = make_window()
    sign_in(qtbot, window, sb.api_url, sb.token)
    qtbot.waitUntil(lambda: not window.items.loading, timeout=WAIT_MS)
    assert window.items.select_article(article_id)
    qtbot.waitUntil(lambda: window.files.model.rowCount() == files, timeout=WAIT_MS)
    return window


def test_files_states_download_and_delete(qtbot: Any, gui_sandbox: Any, make_window: Any,
                                          tmp_path: Path) -> None:
    client = FigshareClient(gui_sandbox.token, api_url=gui_sandbox.api_url)
    article_id = client.create_article({"title": "Files panel test"}).id
    # More than one page of the files endpoint's default (10), to prove paging.
    payloads = {f"f{i:02d}.txt": f"file number {i}\n".encode() * (i + 1) for i in range(12)}
    ids = {name: upload_small(client, article_id, name, data) for name, data in payloads.items()}
    qtbot.waitUntil(lambda: all(f.status == "available" for f in client.list_files(article_id)),
                    timeout=WAIT_MS)

    window = _showing(qtbot, make_window, gui_sandbox, article_id, files=12)
    panel = window.files
    states = {panel.model.index(r, 2).data() for r in range(12)}
    assert states == {"available"}
    assert all(panel.model.row_at(r).verified for r in range(12))
    # The items table learnt the number and size of files from the panel.
    row = window.items.model.row_item(window.items.model.row_of(article_id) or 0)
    assert row.file_count == 12 and row.files_size == sum(map(len, payloads.values()))

    assert panel.select_file("f03.txt")
    target = tmp_path / "copy.txt"
    panel.ask_save_path = lambda _suggested: str(target)
    panel.download_button.click()
    qtbot.waitUntil(lambda: panel.status.text().startswith("Saved"), timeout=WAIT_MS)
    assert target.read_bytes() == payloads["f03.txt"]

    # Every file at once, into a folder of the item's id; each checked against Figshare's md5.
    folder = tmp_path / "all"
    panel.ask_folder = lambda: str(folder)
    (folder / str(article_id)).mkdir(parents=True)
    (folder / str(article_id) / "f00.txt").write_bytes(payloads["f00.txt"])   # there already
    assert panel.download_all_button.isEnabled()
    panel.download_all_button.click()
    qtbot.waitUntil(lambda: panel.status.text().startswith("Saved 11 files"), timeout=WAIT_MS)
    assert "1 already there" in panel.status.text()
    assert {p.name: p.read_bytes() for p in (folder / str(article_id)).iterdir()} == payloads

    assert panel.select_file("f05.txt")
    panel.confirm_delete = lambda _name: True
    panel.delete_button.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 11, timeout=WAIT_MS)
    assert ids["f05.txt"] not in {f.id for f in client.list_files(article_id)}
    assert window.items.model.row_item(window.items.model.row_of(article_id) or 0
                                       ).file_count == 11
    run_async(qtbot, panel.load())
    assert panel.model.rowCount() == 11


def test_a_file_still_processing_is_shown_available_once_it_is(qtbot: Any, gui_sandbox: Any,
                                                               make_window: Any) -> None:
    gui_sandbox.faults.set(processing_step=0.7)       # md5 check, then storage: ~1.4 s
    client = FigshareClient(gui_sandbox.token, api_url=gui_sandbox.api_url)
    article_id = client.create_article({"title": "Slow processing"}).id
    upload_small(client, article_id, "slow.csv", b"x,y\n" * 100)
    panel = _showing(qtbot, make_window, gui_sandbox, article_id, files=1).files
    assert panel.model.row_at(0).info.status != "available"       # caught while processing
    assert panel.select_file("slow.csv")
    pages: list[int] = []
    panel.stack.currentChanged.connect(pages.append)
    # No click: the panel reads the list again until Figshare is done with the file, and the
    # table stays on screen with its selection meanwhile.
    qtbot.waitUntil(lambda: panel.model.row_at(0).info.status == "available", timeout=WAIT_MS)
    assert not pages and panel.stack.currentWidget() is panel.table
    selected = panel.selected()
    assert selected is not None and selected.name == "slow.csv"
