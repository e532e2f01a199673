"""Dropping files and folders on the window: on an item's row, on the files panel, and
elsewhere for a new item. Each goes through the persistent queue until verified."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from figdesk.core.queue import JobKind, JobState
from tests.gui.conftest import WAIT_MS
from tests.gui.queue_helpers import (
    PART,
    drop,
    file_rows,
    make_files,
    queue_window,
    row_position,
    small_sandbox_fixture,  # noqa: F401  (the small_sandbox fixture)
)


def _draft(window: Any) -> Any:
    return next(r for r in window.items.model.rows() if not r.item.is_public)


def test_drop_on_row_uploads_into_that_item(qtbot: Any, small_sandbox: Any, make_window: Any,
                                            tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    target = _draft(window)
    paths = make_files(tmp_path / "in", {"alpha.bin": 5 * PART + 123, "beta.txt": 1000})
    viewport = window.items.table.viewport()
    pos = row_position(window, target.item.id)
    window.items.select_article(None)
    assert drop(viewport, paths, pos)

    uploads = window.uploads
    qtbot.waitUntil(lambda: sum(1 for r in uploads.model.rows()
                                if r.job.kind is JobKind.UPLOAD_FILE) == 2, timeout=WAIT_MS)
    for row in uploads.model.rows():
        assert row.job.article_id == target.item.id
    qtbot.waitUntil(lambda: all(r.job.state is JobState.DONE for r in uploads.model.rows()),
                    timeout=WAIT_MS)
    # Shown on the item: select it and its files panel lists both, verified by md5.
    window.items.select_article(target.item.id)
    qtbot.waitUntil(lambda: {"alpha.bin", "beta.txt"} <= set(file_rows(window))
                    and all(file_rows(window)[n].verified for n in ("alpha.bin", "beta.txt")),
                    timeout=WAIT_MS)
    # md5 checked and state final are two steps on Figshare's side: the list may catch the
    # file between them, and the panel must then come to show it available.
    qtbot.waitUntil(lambda: file_rows(window)["alpha.bin"].state == "available",
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: any(t == "Uploads finished" for t, _m, _e in
                                uploads.notifier.sent), timeout=WAIT_MS)
    assert uploads.panel.banner.isVisible()        # no tray offscreen: the in-window notice


def test_drop_on_files_panel_feeds_its_states(qtbot: Any, small_sandbox: Any,
                                              make_window: Any, tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    target = _draft(window)
    window.items.select_article(target.item.id)
    qtbot.waitUntil(lambda: window.files.article_id == target.item.id, timeout=WAIT_MS)
    small_sandbox.faults.set(bandwidth=40 * PART)      # slow enough to see "uploading"
    paths = make_files(tmp_path / "in", {"gamma.dat": 30 * PART})
    window.tabs.setCurrentWidget(window.files)
    assert drop(window.files.table.viewport(), paths)
    seen: set[str] = set()

    def state() -> str:
        row = file_rows(window).get("gamma.dat")
        if row is not None:
            seen.add(row.state)
        return row.state if row is not None else ""

    qtbot.waitUntil(lambda: state() == "uploading", timeout=WAIT_MS)
    small_sandbox.faults.reset()
    qtbot.waitUntil(lambda: state() == "available" and file_rows(window)["gamma.dat"].verified,
                    timeout=WAIT_MS)
    assert "uploading" in seen


def test_drop_folder_elsewhere_makes_a_new_item_and_opens_it(
        qtbot: Any, small_sandbox: Any, make_window: Any, tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    folder = tmp_path / "run42"
    make_files(folder, {"a.csv": 2000, "b.csv": 3 * PART})
    make_files(folder / "sub", {"c.csv": 700})
    assert drop(window, [str(folder)])

    uploads = window.uploads
    qtbot.waitUntil(lambda: any(r.job.kind is JobKind.CREATE_ITEM
                                for r in uploads.model.rows()), timeout=WAIT_MS)
    create = next(r.job for r in uploads.model.rows() if r.job.kind is JobKind.CREATE_ITEM)
    assert create.title == "run42"
    assert sum(1 for r in uploads.model.rows() if r.job.kind is JobKind.UPLOAD_FILE) == 3
    qtbot.waitUntil(lambda: all(r.job.state is JobState.DONE for r in uploads.model.rows()),
                    timeout=WAIT_MS)
    new_id = uploads.model.job(create.id).article_id
    assert new_id
    # Ready to edit: selected and open in the editor.
    qtbot.waitUntil(lambda: window.form.article_id == new_id, timeout=WAIT_MS)
    assert window.form.title.text() == "run42"
    files = {f.name: f for f in window.session.client.list_files(new_id)}
    assert sorted(files) == ["a.csv", "b.csv", "c.csv"]
    for name, path in (("a.csv", folder / "a.csv"), ("c.csv", folder / "sub" / "c.csv")):
        assert files[name].computed_md5 == hashlib.md5(path.read_bytes()).hexdigest()
    # The files panel of the new item marks them verified (our md5 equals Figshare's).
    window.tabs.setCurrentWidget(window.files)
    qtbot.waitUntil(lambda: set(file_rows(window)) == set(files)
                    and all(r.verified for r in file_rows(window).values()), timeout=WAIT_MS)


def test_drops_without_local_files_are_left_alone(qtbot: Any, small_sandbox: Any,
                                                  make_window: Any) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QApplication

    window = queue_window(qtbot, make_window, small_sandbox, sign=False)
    text = QMimeData()
    text.setText("just text")
    web = QMimeData()
    web.setUrls([QUrl("https://example.org/data.csv")])
    for mime in (text, web):
        event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        event.setAccepted(False)
        QApplication.sendEvent(window, event)
        assert not event.isAccepted()
    # Signed out: a drop of real files is refused with a notice, and nothing is queued.
    assert drop(window, [__file__])
    qtbot.waitUntil(lambda: bool(window.uploads.notifier.sent), timeout=WAIT_MS)
    assert window.uploads.notifier.sent[-1][0] == "Not signed in"
    assert window.uploads.model.rowCount() == 0
