"""GUI test fixtures: offscreen Qt, a qasync loop inside pytest-qt's event processing, a
thread pool for the window, an in-process sandbox, and a ready main window.

The root conftest already points FIGDESK_*_DIR at tmp paths and installs an in-memory keyring
(``isolated_env``); these fixtures build on it.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"   # before anything imports Qt

import asyncio
import gc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import qasync

WAIT_MS = 20000      # generous upper bound for a condition; tests wait on conditions, not time


@pytest.fixture
def aloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked as running: its callbacks run whenever pytest-qt (qtbot.waitUntil,
    waitSignal) processes Qt events, exactly as in the app."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]  # leave it closable
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="figdesk-test-io")
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


def run_async(qtbot: Any, coro: Any, timeout: int = WAIT_MS) -> Any:
    """Run a coroutine on the qasync loop while pytest-qt spins Qt; return its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@pytest.fixture
def gui_sandbox() -> Iterator[Any]:
    """An in-process sandbox with the sample items (its own, so faults stay local)."""
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0)) as sb:
        yield sb


@pytest.fixture
def make_window(qtbot: Any, aloop: Any, executor: ThreadPoolExecutor) -> Iterator[Any]:
    """``make_window()`` -> a shown MainWindow (not signed in) on the test loop and pool.

    List a sandbox fixture *before* this one in a test's arguments: pytest tears fixtures
    down in reverse order, and the windows' last background calls need the sandbox up (with
    it gone they retry until the teardown's wait runs out)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from figdesk.gui.accounts import Accounts
    from figdesk.gui.main_window import MainWindow

    made: list[Any] = []

    def make(accounts: Accounts | None = None, **kw: Any) -> MainWindow:
        window = MainWindow(accounts or Accounts(), executor=executor, **kw)
        # Modal questions would block a headless test: answer them unless a test says else.
        window.ask_unsaved = lambda: "discard"
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        # Let background calls finish before the loop and the pool go away.
        if window.session is not None:
            qtbot.waitUntil(lambda w=window: w.session is None or w.session.busy == 0,
                            timeout=WAIT_MS)
            window.session.close()
        window.ask_unsaved = lambda: "discard"
        window.close()
        window.deleteLater()
    # Destroy the windows now, while the loop is still there for anything they cancel.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def sign_in(qtbot: Any, window: Any, api_url: str, token: str, name: str = "test") -> Any:
    """Connect ``window`` to a sandbox account as profile ``name`` and wait for its items."""
    from figdesk.core.credentials import Profile

    profile = Profile(name, api_url, name)
    connected = run_async(qtbot, window.dialog_connect(profile, token))
    window.adopt(connected)
    qtbot.waitUntil(lambda: not window.items.loading and window.items.model.rowCount() > 0
                    or window.items.progress_label.text().endswith(" items"), timeout=WAIT_MS)
    return connected
