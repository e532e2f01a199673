"""Helpers for the upload queue GUI tests: a sandbox with small parts, a window with the
queue installed, real drop events and file making."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from figdesk.core.queue import RunnerOptions
from figdesk.core.upload import UploadOptions
from tests.gui.conftest import WAIT_MS, sign_in

PART = 64 * 1024

#: Short waits everywhere: the tests wait on conditions, so these only bound how long.
#: (``create_settle`` stays at its default: a create refused while offline must go again at
#: once when Figshare is back, with no settle wait.)
FAST = RunnerOptions(files_at_once=2, probe_initial=0.1, probe_max=0.5, retry_base=0.1,
                     retry_cap=0.5, poll_interval=0.1,
                     upload=UploadOptions(parts_in_flight=2, poll_initial=0.02, poll_max=0.1,
                                          backoff_base=0.05, backoff_cap=0.2))


@pytest.fixture(name="small_sandbox")
def small_sandbox_fixture() -> Iterator[Any]:
    """An in-process sandbox with 64 KiB parts (import this name to use ``small_sandbox``)."""
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, part_size=PART,
                               processing_step=0.01)) as sb:
        yield sb


def make_files(folder: Path, sizes: dict[str, int]) -> list[str]:
    """Files of the given sizes with varied (seeded) content."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n, (name, size) in enumerate(sizes.items()):
        path = folder / name
        block = os.urandom(4096) if n % 2 else bytes(range(256)) * 16
        with open(path, "wb") as fh:
            left = size
            while left > 0:
                fh.write(block[:min(left, len(block))])
                left -= len(block)
        out.append(str(path))
    return out


def queue_window(qtbot: Any, make_window: Any, sandbox: Any, *, sign: bool = True,
                 options: RunnerOptions = FAST) -> Any:
    from figdesk.gui.queue_controller import install_upload_queue

    window = make_window()
    install_upload_queue(window, options=options, use_tray=False)
    if sign:
        sign_in(qtbot, window, sandbox.api_url, sandbox.token)
        qtbot.waitUntil(lambda: window.uploads.runner is not None, timeout=WAIT_MS)
    return window


def drop(widget: QWidget, paths: Sequence[str], pos: QPoint | None = None) -> bool:
    """A real drag-enter then drop of local files at ``pos`` (default: the centre)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    at = pos if pos is not None else widget.rect().center()
    action = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(at, action, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    event = QDropEvent(QPointF(at), action, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def row_position(window: Any, article_id: int) -> QPoint:
    """The centre of an item's row in the items table's viewport."""
    items = window.items
    assert items.select_article(article_id)
    index = items.proxy.mapFromSource(items.model.index(items.model.row_of(article_id), 1))
    items.table.scrollTo(index)
    return items.table.visualRect(index).center()


def file_rows(window: Any) -> dict[str, Any]:
    model = window.files.model
    return {model.row_at(r).name: model.row_at(r) for r in range(model.rowCount())}


def jobs_done(window: Any, ids: Sequence[int]) -> bool:
    from figdesk.core.queue import JobState

    model = window.uploads.model
    states = [model.job(i).state if model.job(i) else None for i in ids]
    return all(s is JobState.DONE for s in states)


def drop_throttled(qtbot: Any, window: Any, sandbox: Any, folder: Path,
                   sizes: dict[str, int]) -> Any:
    """Make files of ``sizes``, cap the sandbox's bandwidth so they take a while, drop them
    on the account's first draft and wait until every job is listed and bytes move. Returns
    the draft's row (``sandbox.faults.reset()`` lifts the cap)."""
    uploads = window.uploads
    draft = next(r for r in window.items.model.rows() if not r.item.is_public)
    sandbox.faults.set(bandwidth_total=30 * PART)
    paths = make_files(folder, sizes)
    assert drop(window.items.table.viewport(), paths, row_position(window, draft.item.id))
    qtbot.waitUntil(lambda: len(uploads.model.rows()) >= len(sizes)
                    and any(r.bytes_done > 0 for r in uploads.model.rows()), timeout=WAIT_MS)
    return draft
