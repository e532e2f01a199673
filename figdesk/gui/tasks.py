"""The asyncio tasks a panel runs, so that closing the window can cancel them.

A task still awaiting a blocking call when the window closes would otherwise either be
destroyed pending when the loop closes ("Task was destroyed but it is pending!") or wake up
later and touch widgets Qt has deleted by then.
"""

from __future__ import annotations

import asyncio
from typing import Any


class OwnedTasks:
    """Tasks adopted from inside their own coroutine (``adopt_current``), cancelled together
    by ``cancel_all``. Finished tasks drop out by themselves."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closed = False

    def adopt_current(self) -> None:
        """Own the task running this coroutine (a no-op outside a task). After ``cancel_all``
        the task is cancelled at once: nothing starts on a closed panel."""
        task = asyncio.current_task()
        if task is None or task in self._tasks:
            return
        if self.closed:
            task.cancel()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_all(self) -> None:
        self.closed = True
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()

    def __len__(self) -> int:
        return len(self._tasks)
