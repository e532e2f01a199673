"""The drafts cleanup dialog against an in-process sandbox, driven through the qasync loop."""

from __future__ import annotations

import asyncio
import functools
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from figdesk.core.api import FigshareClient
from figdesk.core.models import ArticleSummary
from figdesk.core.workflows.cleanup import DraftCandidate
from figdesk.gui.cleanup_dialog import EMPTY_TEXT, CleanupDialog
from figdesk.gui.cleanup_model import COL_FILES, COL_ID, DraftsFilter, DraftsModel
from tests.gui.conftest import WAIT_MS

PUBLISHABLE = {"description": "Measurements of things.", "keywords": ["measurement"],
               "defined_type": "dataset", "license": 1, "is_metadata_record": True,
               "metadata_reason": "Data held elsewhere"}
SAMPLE_UNTITLED = 8351662        # the sandbox's sample "Untitled Item" draft (2023)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(gui_sandbox: Any) -> Iterator[dict[str, Any]]:
    sb = gui_sandbox
    client = FigshareClient(sb.token, api_url=sb.api_url)
    ids = {
        "untitled": client.create_article({"title": "Untitled Item"}).id,
        "with_links": client.create_article({"title": "Untitled dataset"}).id,
        "named": client.create_article({"title": "Glacier photos (draft)"}).id,
        "public": client.create_article({**PUBLISHABLE, "title": "Untitled Item"}).id,
    }
    for k in range(3):
        client.link_file(ids["with_links"], f"https://example.org/{k}.csv")
    client.publish_article(ids["public"])
    sb.requests.clear()
    yield {"sb": sb, "client": client, "ids": ids}
    client.close()


@pytest.fixture
def open_dialog(qtbot: Any, aloop: Any, executor: ThreadPoolExecutor,
                world: dict[str, Any]) -> Iterator[Any]:
    async def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(
            executor, functools.partial(fn, *args, **kwargs))

    made: list[CleanupDialog] = []

    def make() -> CleanupDialog:
        dialog = CleanupDialog(world["client"], call=call)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.model.rowCount() > 0 and not dialog.busy, timeout=WAIT_MS)
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        dialog.cancel()
        qtbot.waitUntil(lambda d=dialog: not d.busy, timeout=WAIT_MS)


def shown_ids(dialog: CleanupDialog) -> set[int]:
    return {c.id for c in dialog.proxy.visible()}


def candidate(id_: int, title: str, files: int | None = None) -> DraftCandidate:
    return DraftCandidate(ArticleSummary.from_json(
        {"id": id_, "title": title, "created_date": f"2024-01-0{id_ % 9 + 1}T00:00:00Z"}),
        files)


def test_model_and_proxy_pass_the_model_tester(qtmodeltester: Any) -> None:
    model = DraftsModel()
    public = DraftCandidate(ArticleSummary.from_json(
        {"id": 9, "title": "x", "published_date": "2024-01-01T00:00:00Z"}))
    model.set_candidates([candidate(1, "Untitled Item"), candidate(2, "Ocean", 3), public])
    assert model.rowCount() == 2, "a public item is never offered"
    idx = model.index(0, COL_ID)
    assert model.setData(idx, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.data(idx, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert model.flags(idx) & Qt.ItemFlag.ItemIsUserCheckable
    qtmodeltester.check(model)
    proxy = DraftsFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.sort(COL_ID, Qt.SortOrder.DescendingOrder)       # forwarded to the source model
    assert [c.id for c in proxy.visible()] == [2, 1]
    assert model.data(model.index(1, COL_ID), Qt.ItemDataRole.CheckStateRole) == \
        Qt.CheckState.Checked, "the check mark follows its item"
    proxy.sort(COL_FILES, Qt.SortOrder.AscendingOrder)
    assert [c.id for c in proxy.visible()] == [1, 2]        # unknown count sorts first


def test_filters_select_backup_delete_and_summary(qtbot: Any, open_dialog: Any,
                                                  world: dict[str, Any], tmp_path: Path) -> None:
    sb, ids = world["sb"], world["ids"]
    dialog = open_dialog()
    listed = {c.id for c in dialog.model.candidates()}
    assert ids["public"] not in listed, "public items are never listed"
    assert {ids["untitled"], ids["with_links"], ids["named"], SAMPLE_UNTITLED} <= listed
    assert not any(r.path.split("?")[0].endswith("/files") for r in sb.requests), \
        "no file is listed before a filter needs it"

    dialog.untitled.setChecked(True)
    assert shown_ids(dialog) == {ids["untitled"], ids["with_links"], SAMPLE_UNTITLED}
    dialog.older.setChecked(True)
    dialog.days.setValue(365)
    assert shown_ids(dialog) == {SAMPLE_UNTITLED}
    dialog.older.setChecked(False)
    dialog.match.setText("glacier")
    assert dialog.proxy.rowCount() == 0 and dialog.list_stack.currentWidget() is dialog.empty
    assert dialog.empty.text() == EMPTY_TEXT
    dialog.match.clear()

    dialog.no_files.setChecked(True)          # counts files in the background
    qtbot.waitUntil(lambda: not dialog.busy and shown_ids(dialog) == {ids["untitled"],
                                                                       SAMPLE_UNTITLED},
                    timeout=WAIT_MS)
    dialog.no_files.setChecked(False)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert not dialog.delete_button.isEnabled(), "nothing selected yet"
    qtbot.mouseClick(dialog.select_all, Qt.MouseButton.LeftButton)
    assert {c.id for c in dialog.targets()} == {ids["untitled"], ids["with_links"],
                                                SAMPLE_UNTITLED}
    assert "3 selected" in dialog.count_label.text()

    backup = tmp_path / "drafts.json"
    asked: list[str] = []
    dialog.ask_backup_path = lambda: str(backup)
    dialog.confirm = lambda text: asked.append(text) or True
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert "Delete 3 draft items" in asked[0] and str(backup) in asked[0]
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=WAIT_MS)

    assert dialog.summary.title.text() == "Deleted 3 drafts."
    assert str(backup) in dialog.summary.backup.text()
    doc = json.loads(backup.read_text(encoding="utf-8"))
    entries = {e["id"]: e for e in doc["items"]}
    assert set(entries) == {ids["untitled"], ids["with_links"], SAMPLE_UNTITLED}
    assert len(entries[ids["with_links"]]["files"]) == 3
    log = list(sb.requests)
    first_delete = next(i for i, r in enumerate(log) if r.method == "DELETE")
    for item_id in entries:   # each backup read (the file list) came before any DELETE
        reads = [i for i, r in enumerate(log)
                 if r.method == "GET" and r.path.startswith(f"/v2/account/articles/{item_id}/files")]
        assert reads and max(reads) < first_delete
    remaining = {a.id for a in world["client"].list_my_articles()}
    assert not remaining & set(entries) and ids["public"] in remaining
    assert dialog.proxy.rowCount() == 0, "deleted rows leave the table"


def test_item_deleted_meanwhile_is_reported(qtbot: Any, open_dialog: Any,
                                            world: dict[str, Any], tmp_path: Path) -> None:
    ids = world["ids"]
    dialog = open_dialog()
    dialog.match.setText("untitled item")
    dialog.model.set_checked([ids["untitled"]], True)
    world["client"].delete_article(ids["untitled"])        # someone else, meanwhile
    dialog.ask_backup_path = lambda: str(tmp_path / "b.json")
    dialog.confirm = lambda text: True
    dialog.delete_clicked()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=WAIT_MS)
    assert dialog.summary.title.text() == "Deleted 0 drafts; 1 failed."
    assert f"{ids['untitled']}  Untitled Item: already gone" in \
        dialog.summary.details.toPlainText()
    assert dialog.report is not None and dialog.report.deleted == []


def test_unwritable_backup_or_no_confirmation_deletes_nothing(
        qtbot: Any, open_dialog: Any, world: dict[str, Any], tmp_path: Path) -> None:
    sb, ids = world["sb"], world["ids"]
    dialog = open_dialog()
    dialog.model.set_checked([ids["named"]], True)
    dialog.ask_backup_path = lambda: str(tmp_path / "b.json")
    dialog.confirm = lambda text: False
    dialog.delete_clicked()
    assert not dialog.busy and not (tmp_path / "b.json").exists()

    dialog.ask_backup_path = lambda: str(tmp_path / "no-such-folder" / "b.json")
    dialog.confirm = lambda text: True
    dialog.delete_clicked()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert dialog.error_label.text().endswith("Nothing was deleted.")
    assert dialog.error_label.isVisible()
    assert dialog.pages.currentIndex() == 0
    assert not [r for r in sb.requests if r.method == "DELETE"]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_screenshot(qtbot: Any, qapp: Any, open_dialog: Any, world: dict[str, Any],
                    tmp_path: Path, dark: bool) -> None:
    """Renders the dialog in both looks. Set FIGDESK_SCREENSHOTS=1 to refresh the pictures
    in docs/screenshots; otherwise they go to a temp folder."""
    from figdesk.gui.theme import apply_theme

    before = (qapp.style().name(), qapp.palette(), qapp.styleSheet())
    apply_theme(qapp, dark)
    try:
        dialog = open_dialog()
        dialog.untitled.setChecked(True)
        dialog.model.set_checked([c.id for c in dialog.proxy.visible()][:2], True)
        qtbot.waitUntil(lambda: dialog.table.isVisible(), timeout=WAIT_MS)
        out = SCREENSHOTS if os.environ.get("FIGDESK_SCREENSHOTS") else tmp_path
        out.mkdir(parents=True, exist_ok=True)
        name = f"cleanup-{'dark' if dark else 'light'}.png"
        qapp.processEvents()     # apply pending show/hide (layout requests) before grabbing
        assert dialog.grab().save(str(out / name))
        assert (out / name).stat().st_size > 0
        # And the summary after one of them vanished meanwhile.
        world["client"].delete_article(world["ids"]["untitled"])
        dialog.model.set_checked([world["ids"]["untitled"]], True)
        dialog.ask_backup_path = lambda: str(tmp_path / "backup.json")
        dialog.confirm = lambda text: True
        dialog.delete_clicked()
        qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=WAIT_MS)
        summary = out / f"cleanup-summary-{'dark' if dark else 'light'}.png"
        qapp.processEvents()
        assert dialog.grab().save(str(summary))
    finally:   # the application is shared by every GUI test: leave it as it was
        qapp.setStyle(before[0])
        qapp.setPalette(before[1])
        qapp.setStyleSheet(before[2])


def test_cancel_stops_between_items(qtbot: Any, open_dialog: Any, world: dict[str, Any],
                                    tmp_path: Path) -> None:
    dialog = open_dialog()
    dialog.untitled.setChecked(True)
    dialog.select_all.click()
    assert len(dialog.targets()) == 3

    def cancel_after_first(step: Any) -> None:
        # Runs on the worker thread (direct connection) while item 1 is being deleted, so
        # the cancel lands before item 2, as a click on Cancel would in a real, paced run.
        if step.phase == "deleting" and step.done == 0:
            dialog._cancel.set()

    dialog._bridge.progress.connect(cancel_after_first, Qt.ConnectionType.DirectConnection)
    dialog.ask_backup_path = lambda: str(tmp_path / "b.json")
    dialog.confirm = lambda text: True
    dialog.delete_clicked()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=WAIT_MS)
    assert dialog.report is not None and len(dialog.report.deleted) == 1
    assert dialog.report.cancelled and len(dialog.report.not_attempted) == 2
    assert dialog.summary.title.text() == "Deleted 1 draft; 2 not attempted (cancelled)."
    assert "Left alone after Cancel" in dialog.summary.details.toPlainText()
    assert len([r for r in world["sb"].requests if r.method == "DELETE"]) == 1


def test_open_on_a_session_and_report_deletions(qtbot: Any, aloop: Any,
                                                executor: ThreadPoolExecutor,
                                                world: dict[str, Any], tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWidget

    from figdesk.core.credentials import Profile
    from figdesk.gui.cleanup_dialog import open_cleanup_dialog
    from figdesk.gui.session import Session

    client = world["client"]
    session = Session(Profile("t", world["sb"].api_url), client, client.get_account(), executor)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[list[int]] = []
    dialog = open_cleanup_dialog(parent, session, seen.append)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0 and not dialog.busy, timeout=WAIT_MS)
    dialog.match.setText("glacier")
    dialog.select_all.click()
    dialog.ask_backup_path = lambda: str(tmp_path / "b.json")
    dialog.confirm = lambda text: True
    dialog.delete_clicked()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=WAIT_MS)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        dialog.summary.done.emit()
    assert seen == [[world["ids"]["named"]]]
    assert session.busy == 0


def test_close_while_busy(qtbot: Any, aloop: Any, executor: ThreadPoolExecutor,
                          world: dict[str, Any], tmp_path: Path) -> None:
    """Closing while listing stops and closes; closing while deleting stops between items
    and keeps the dialog open on the summary."""
    import threading

    from figdesk.core.workflows.cleanup import delete_drafts, find_drafts

    gate, entered = threading.Event(), threading.Event()
    held = {find_drafts}

    async def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        def run() -> Any:
            if fn in held:
                entered.set()
                gate.wait(WAIT_MS / 1000)
            return fn(*args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(executor, run)

    dialog = CleanupDialog(world["client"], call=call)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.busy
    dialog.reject()
    assert dialog.isVisible(), "it waits for the request in flight"
    gate.set()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert dialog.result() == CleanupDialog.DialogCode.Rejected

    gate.clear()
    held.clear()
    held.add(delete_drafts)
    dialog = CleanupDialog(world["client"], call=call)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0 and not dialog.busy, timeout=WAIT_MS)
    dialog.match.setText("glacier")
    dialog.select_all.click()
    dialog.ask_backup_path = lambda: str(tmp_path / "b.json")
    dialog.confirm = lambda text: True
    entered.clear()
    dialog.delete_clicked()
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)     # the backup is written; deleting
    dialog.reject()
    gate.set()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=WAIT_MS)
    assert dialog.isVisible() and dialog.report is not None
    assert dialog.report.deleted == [] and dialog.report.cancelled
    assert (tmp_path / "b.json").exists()
    assert dialog.summary.title.text() == "Deleted 0 drafts; 1 not attempted (cancelled)."
