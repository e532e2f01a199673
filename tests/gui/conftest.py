"""GUI test fixtures: offscreen Qt, a qasync loop inside pytest-qt's event processing, a
thread pool for the window, an in-process sandbox, and a ready main window.

The root conftest already points FIGDESK_*_DIR at tmp paths and installs an in-memory keyring
(``isolated_env``); these fixtures build on it.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"   # before anything imports Qt

import asyncio
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
