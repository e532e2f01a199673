"""AIMD part concurrency."""

from __future__ import annotations

import threading

import pytest

from figdesk.core.upload import Control, UploadInterrupted
from figdesk.core.upload.concurrency import AdaptiveLimit


def test_halves_on_overload_once_per_burst_and_grows_after_quiet() -> None:
    now = [0.0]
    lim = AdaptiveLimit(8, 8, quiet=10, clock=lambda: now[0])
    now[0] = 5.0
    lim.on_overload()
    lim.on_overload()            # same burst
    assert lim.limit == 4
    now[0] = 6.5
    lim.on_overload()
    assert lim.limit == 2
    now[0] = 10.0
    lim.on_success()             # not quiet long enough
    assert lim.limit == 2
    now[0] = 17.0
    lim.on_success()
    assert lim.limit == 3
    lim.on_success()             # one step per quiet spell
    assert lim.limit == 3
    for _ in range(50):
        now[0] += 11
        lim.on_success()
    assert lim.limit == 8        # never above the maximum
    for _ in range(10):
        now[0] += 2
        lim.on_overload()
    assert lim.limit == 1        # never below one


def test_acquire_blocks_at_the_limit_and_cancel_wakes_it() -> None:
    lim = AdaptiveLimit(1, 4)
    lim.acquire()
    c = Control()
    errors: list[BaseException] = []

    def waiter() -> None:
        try:
            lim.acquire(c)
        except UploadInterrupted as exc:
            errors.append(exc)

    t = threading.Thread(target=waiter)
    t.start()
    assert lim.in_use == 1
    c.cancel()
    t.join(5)
    assert not t.is_alive() and errors
    lim.release()
    lim.acquire()
    assert lim.in_use == 1


@pytest.mark.parametrize("initial,maximum,expect", [(0, 4, 1), (9, 4, 4)])
def test_bounds(initial: int, maximum: int, expect: int) -> None:
    assert AdaptiveLimit(initial, maximum).limit == expect
