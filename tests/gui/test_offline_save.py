"""Saving with no connection queues the change as an update job and keeps the edits."""

from __future__ import annotations

from typing import Any

from figdesk.core.queue import JobKind, QueueStore
from tests.gui.conftest import WAIT_MS, sign_in


def test_save_offline_queues_update(qtbot: Any, gui_sandbox: Any, make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    qtbot.waitUntil(lambda: window.ref.licenses != () and not window.items.loading,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.session.busy == 0, timeout=WAIT_MS)
    row = next(r for r in window.items.model.rows() if not r.item.is_public)
    window.items.select_article(row.item.id)
    qtbot.waitUntil(lambda: window.form.article_id == row.item.id, timeout=WAIT_MS)
    window.form.title.setText("Typed while offline")
    window.form.keywords.add("offline")

    gui_sandbox.stop()
    try:
        window.form.save_button.click()
        qtbot.waitUntil(lambda: not window.form.dirty, timeout=WAIT_MS)
        assert "queued" in window.statusBar().currentMessage()
        assert window.form.title.text() == "Typed while offline"
        store = QueueStore()
        try:
            jobs = [j for j in store.list() if j.kind == JobKind.UPDATE_ITEM]
        finally:
            store.close()
        assert len(jobs) == 1 and jobs[0].article_id == row.item.id
        assert jobs[0].metadata["title"] == "Typed while offline"
        assert "offline" in jobs[0].metadata["keywords"]
        assert "description" not in jobs[0].metadata     # only what changed travels
    finally:
        gui_sandbox.start()
