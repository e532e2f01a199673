"""Closing the window while items and files are still loading leaves nothing behind: the
tasks it started are cancelled (none destroyed while pending, none waking up later to touch
deleted widgets)."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from figdesk.gui.accounts import Accounts
from figdesk.gui.main_window import MainWindow
from tests.gui.conftest import WAIT_MS, sign_in


def test_close_while_loading_cancels_its_tasks(qtbot: Any, aloop: Any,
                                               executor: ThreadPoolExecutor, gui_sandbox: Any,
                                               caplog: Any, capfd: Any,
                                               monkeypatch: Any) -> None:
    hooked: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda _t, exc, _tb: hooked.append(exc))
    window = MainWindow(Accounts(), executor=executor)
    window.ask_unsaved = lambda: "discard"          # type: ignore[method-assign]
    window.show()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    items, files = window.items, window.files
    qtbot.waitUntil(lambda: not items.loading, timeout=WAIT_MS)
    first = items.model.row_item(0).item.id
    session = window.session
    assert session is not None
    gui_sandbox.faults.set(latency_ms=400)        # the answers arrive after the close
    try:
        items.refresh()
        items.select_article(first)            # the files panel starts listing
        qtbot.waitUntil(lambda: items.loading and len(files.tasks) == 1, timeout=WAIT_MS)
        started = [t for t in asyncio.all_tasks() if not t.done()]
        assert len(items.tasks) == 1
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            window.close()
            window.deleteLater()
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            # The close cancelled what the panels had started: those tasks end at once,
            # without waiting for the sandbox's answers, and touch nothing on the way out.
            qtbot.waitUntil(lambda: all(t.done() for t in started), timeout=WAIT_MS)
            assert sum(t.cancelled() for t in started) >= 2
            qtbot.waitUntil(lambda: session.busy == 0, timeout=WAIT_MS)
            gc.collect()
    finally:
        gui_sandbox.faults.reset()
    assert not [r for r in caplog.records if "destroyed but it is pending" in r.getMessage()]
    assert not hooked, hooked
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err
    assert "already deleted" not in err
