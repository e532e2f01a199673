"""The token bucket that paces API calls, driven by an injected clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from figdesk.core import errors as E
from figdesk.core.api import FigshareClient, Pacer, is_loopback_host
from tests.unit.api_fakeserver import TOKEN, FakeServer, Reply


class FakeTime:
    """A clock that only moves when the pacer sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        self.lock = threading.Lock()

    def clock(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        with self.lock:
            self.waits.append(seconds)
            self.now += seconds
        return False


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


def test_burst_then_one_per_second() -> None:
    t = FakeTime()
    p = Pacer(rate=1.0, burst=5, clock=t.clock, sleep=t.sleep)
    waits = [p.acquire() for _ in range(8)]
    assert waits[:5] == [0.0] * 5
    assert waits[5:] == pytest.approx([1.0, 1.0, 1.0])
    assert t.now == pytest.approx(1003.0)


def test_idle_time_refills_up_to_burst_only() -> None:
    t = FakeTime()
    p = Pacer(rate=2.0, burst=3, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        p.acquire()
    t.now += 100.0                        # a long idle period saves at most `burst` tokens
    assert [p.acquire() for _ in range(3)] == [0.0] * 3
    assert p.acquire() == pytest.approx(0.5)


def test_concurrent_callers_queue_up() -> None:
    t = FakeTime()
    # The sleep does not advance the clock here: each reservation must wait longer
    # than the previous one, proving that tokens are reserved, not raced for.
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float, cancel: threading.Event | None = None) -> bool:
        with lock:
            waits.append(seconds)
        return False

    p = Pacer(rate=1.0, burst=1, clock=t.clock, sleep=record)
    threads = [threading.Thread(target=p.acquire) for _ in range(5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert sorted(waits) == pytest.approx([1.0, 2.0, 3.0, 4.0])


def test_cancel_while_waiting_refunds_the_token() -> None:
    t = FakeTime()
    cancel = threading.Event()

    def cancelled(seconds: float, ev: threading.Event | None = None) -> bool:
        return True

    p = Pacer(rate=1.0, burst=1, clock=t.clock, sleep=cancelled)
    assert p.acquire(cancel) == 0.0
    with pytest.raises(E.CancelledError):
        p.acquire(cancel)
    t.now += 1.0                          # the refunded token plus one second of refill
    p._sleep = t.sleep
    assert p.acquire() == 0.0


def test_off_never_waits() -> None:
    p = Pacer.off()
    assert not p.enabled
    assert all(p.acquire() == 0.0 for _ in range(100))


@pytest.mark.parametrize("url,paced", [
    ("https://api.figshare.com/v2", True),
    ("https://api.figsh.com/v2", True),
    ("https://figshare.example.org/v2", True),
    ("http://127.0.0.1:8080/v2", False),
    ("http://127.5.6.7:8080/v2", False),
    ("http://localhost:9/v2", False),
    ("http://[::1]:9/v2", False),
])
def test_for_url(url: str, paced: bool) -> None:
    p = Pacer.for_url(url)
    assert p.enabled is paced
    if paced:
        assert p.rate == 1.0 and p.burst == 5


def test_loopback_detection() -> None:
    assert is_loopback_host("127.0.0.1") and is_loopback_host("LOCALHOST")
    assert not is_loopback_host("10.0.0.1") and not is_loopback_host("localhost.example.com")
    assert not is_loopback_host(None)


def test_client_paces_api_calls_but_not_upload_calls(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(200, json={"id": 1}))
    server.route("PUT", "/upload/tok/1", Reply(200))
    t = FakeTime()
    pacer = Pacer(rate=1.0, burst=2, clock=t.clock, sleep=t.sleep)
    c = FigshareClient(TOKEN, server.url + "/v2", pacer=pacer)
    for _ in range(4):
        c.get_account()
    assert t.waits == pytest.approx([1.0, 1.0])
    for _ in range(10):
        c.put_upload_part(server.url + "/upload/tok", 1, [b"x"], 1)
    assert len(t.waits) == 2                     # part PUTs took no tokens
    assert c.stats.api_calls == 4 and c.stats.upload_calls == 10
    assert c.stats.pacer_wait == pytest.approx(2.0)


def test_impersonating_client_shares_the_pacer(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(200, json={"id": 1}))
    t = FakeTime()
    c = FigshareClient(TOKEN, server.url + "/v2",
                       pacer=Pacer(rate=1.0, burst=1, clock=t.clock, sleep=t.sleep))
    other = c.impersonating(77)
    c.get_account()
    other.get_account()
    assert t.waits == pytest.approx([1.0])
    assert other.pacer is c.pacer and other.stats is c.stats
