"""Retries: only where repeating is safe, with backoff and Retry-After; creates never."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest

from figdesk.core import errors as E
from figdesk.core.api import FigshareClient, RetryPolicy
from tests.unit.api_fakeserver import TOKEN, FakeServer, Reply, SleepRecorder, refused_url


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


def make(url: str, sleeper: SleepRecorder, **kw: object) -> FigshareClient:
    policy = RetryPolicy(sleep=sleeper, random=lambda: 1.0, **kw)  # type: ignore[arg-type]
    return FigshareClient(TOKEN, url + "/v2", timeout=(2.0, 5.0), retry=policy)


def test_get_retried_with_backoff_then_succeeds(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(500), Reply(502), Reply(504),
                 Reply(200, json={"id": 42}))
    sleeper = SleepRecorder()
    c = make(server.url, sleeper)
    assert c.get_account().id == 42
    assert len(server.calls("GET", "/v2/account")) == 4
    assert sleeper.waits == [0.5, 1.0, 2.0]         # base * 2**n with random() == 1
    assert c.stats.retries == 3 and c.stats.api_calls == 4


def test_backoff_is_full_jitter_and_capped() -> None:
    lows = RetryPolicy(base=1.0, cap=5.0, random=lambda: 0.0)
    highs = RetryPolicy(base=1.0, cap=5.0, random=lambda: 1.0)
    assert [lows.backoff(n) for n in range(1, 6)] == [0.0] * 5
    assert [highs.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert highs.delay(5, None) is None                 # max_attempts (5) used up
    assert highs.delay(1, 200.0) is None                # longer than max_retry_after
    assert highs.delay(1, 12.0) == 12.0


def test_gives_up_after_max_attempts(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(503))
    sleeper = SleepRecorder()
    with pytest.raises(E.ServerError):
        make(server.url, sleeper, max_attempts=3).get_account()
    assert len(server.calls("GET")) == 3 and len(sleeper.waits) == 2


def test_retry_after_seconds_honoured(server: FakeServer) -> None:
    server.route("GET", "/v2/categories", Reply(429, headers={"Retry-After": "4"}),
                 Reply(503, headers={"Retry-After": "2"}), Reply(200, json=[]))
    sleeper = SleepRecorder()
    assert make(server.url, sleeper).list_categories() == []
    assert sleeper.waits == [4.0, 2.0]


def test_retry_after_http_date_honoured(server: FakeServer) -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.route("GET", "/v2/licenses", Reply(429, headers={"Retry-After": when}),
                 Reply(200, json=[]))
    sleeper = SleepRecorder()
    make(server.url, sleeper).list_licenses(account=False)
    assert len(sleeper.waits) == 1 and 25 <= sleeper.waits[0] <= 30


def test_long_retry_after_is_raised_not_waited(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(429, headers={"Retry-After": "3600"}))
    sleeper = SleepRecorder()
    with pytest.raises(E.RateLimitedError) as info:
        make(server.url, sleeper).get_account()
    assert info.value.retry_after == 3600 and sleeper.waits == []


def test_client_errors_are_not_retried(server: FakeServer) -> None:
    server.route("GET", "/v2/account/articles/1", Reply(404))
    sleeper = SleepRecorder()
    with pytest.raises(E.NotFoundError):
        make(server.url, sleeper).get_my_article(1)
    assert len(server.calls()) == 1 and sleeper.waits == []


def test_delete_is_retried(server: FakeServer) -> None:
    server.route("DELETE", "/v2/account/articles/9", Reply(503), Reply(204))
    sleeper = SleepRecorder()
    make(server.url, sleeper).delete_article(9)
    assert len(server.calls("DELETE")) == 2


@pytest.mark.parametrize("call,method,path", [
    (lambda c: c.create_article({"title": "t"}), "POST", "/v2/account/articles"),
    (lambda c: c.initiate_upload(1, "a", 3, "m"), "POST", "/v2/account/articles/1/files"),
    (lambda c: c.complete_upload(1, 2), "POST", "/v2/account/articles/1/files/2"),
    (lambda c: c.publish_article(1), "POST", "/v2/account/articles/1/publish"),
    (lambda c: c.update_article(1, {"title": "t"}), "PATCH", "/v2/account/articles/1"),
    (lambda c: c.update_article(1, {"title": "t"}, replace=True), "PUT",
     "/v2/account/articles/1"),
])
@pytest.mark.parametrize("status", [500, 503, 429])
def test_writes_never_retried(server: FakeServer, call: object, method: str, path: str,
                              status: int) -> None:
    server.route(method, path, Reply(status, headers={"Retry-After": "1"}),
                 Reply(201, json={"entity_id": 5, "location": "x/5"}))
    sleeper = SleepRecorder()
    with pytest.raises(E.ApiError):
        call(make(server.url, sleeper))  # type: ignore[operator]
    assert len(server.calls(method, path)) == 1 and sleeper.waits == []


def test_create_not_retried_when_connection_fails() -> None:
    sleeper = SleepRecorder()
    with pytest.raises(E.OfflineError):
        make(refused_url(), sleeper).create_article({"title": "t"})
    assert sleeper.waits == []


def test_get_retried_when_connection_fails() -> None:
    sleeper = SleepRecorder()
    with pytest.raises(E.OfflineError):
        make(refused_url(), sleeper, max_attempts=3).get_account()
    assert len(sleeper.waits) == 2


def test_cancel_interrupts_backoff(server: FakeServer) -> None:
    server.route("GET", "/t/upload/abc", Reply(503))
    cancel = threading.Event()

    def cancelling_sleep(seconds: float, ev: threading.Event | None = None) -> bool:
        assert ev is cancel
        cancel.set()
        return True

    c = FigshareClient(TOKEN, server.url + "/v2",
                       retry=RetryPolicy(sleep=cancelling_sleep, random=lambda: 1.0))
    with pytest.raises(E.CancelledError):
        c.get_upload_info(server.url + "/t/upload/abc", cancel=cancel)
    assert len(server.calls()) == 1


def test_default_sleep_wakes_on_cancel() -> None:
    from figdesk.core.api.timing import interruptible_sleep
    cancel = threading.Event()
    threading.Timer(0.05, cancel.set).start()
    assert interruptible_sleep(30.0, cancel) is True


def test_part_put_retried_with_rewind(server: FakeServer) -> None:
    server.route("PUT", "/upload/tok/2", Reply(500), Reply(200))
    sleeper = SleepRecorder()
    c = make(server.url, sleeper)
    source = io.BytesIO(b"0123456789abcdef")
    source.seek(4)
    c.put_upload_part(server.url + "/upload/tok", 2, source, 6)
    bodies = [r.body for r in server.calls("PUT")]
    assert bodies == [b"456789", b"456789"]
    assert c.stats.upload_calls == 2 and c.stats.api_calls == 0


def test_part_put_from_iterable_not_retried(server: FakeServer) -> None:
    server.route("PUT", "/upload/tok/1", Reply(500), Reply(200))
    sleeper = SleepRecorder()
    with pytest.raises(E.ServerError):
        make(server.url, sleeper).put_upload_part(server.url + "/upload/tok", 1,
                                                  iter([b"abc", b"def"]), 6)
    assert len(server.calls("PUT")) == 1


def test_part_get_and_reset_retried(server: FakeServer) -> None:
    part = {"partNo": 1, "startOffset": 0, "endOffset": 9, "status": "COMPLETE",
            "locked": False}
    server.route("GET", "/upload/tok/1", Reply(502), Reply(200, json=part))
    server.route("DELETE", "/upload/tok/1", Reply(503), Reply(200))
    c = make(server.url, SleepRecorder())
    got = c.get_upload_part(server.url + "/upload/tok", 1)
    assert got.complete and got.length == 10
    c.reset_upload_part(server.url + "/upload/tok", 1)
    assert len(server.calls("DELETE")) == 2


def test_ping_tries_once(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(503), Reply(200, json={"id": 7}))
    sleeper = SleepRecorder()
    c = make(server.url, sleeper)
    with pytest.raises(E.ServerError):
        c.ping()
    assert len(server.calls("GET", "/v2/account")) == 1 and sleeper.waits == []
    assert c.ping().id == 7
    with pytest.raises(E.OfflineError):
        make(refused_url(), sleeper).ping()
    assert sleeper.waits == []
