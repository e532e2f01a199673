"""Every HTTP status and network failure maps to its own FigdeskError, in words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from figdesk.core import errors as E
from figdesk.core.api import FigshareClient, RetryPolicy, parse_retry_after
from tests.unit.api_fakeserver import TOKEN, FakeServer, Reply, SleepRecorder, refused_url


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


def client_for(url: str, **kw: object) -> FigshareClient:
    kw.setdefault("retry", RetryPolicy.never())
    return FigshareClient(TOKEN, url + "/v2", timeout=(2.0, 5.0), **kw)  # type: ignore[arg-type]


BODIES = {
    "string code": {"json": {"message": "Whatever went wrong", "code": "SomeCode"}},
    "int code": {"json": {"message": "Whatever went wrong", "code": 1234, "data": {"a": 1}}},
    "no code": {"json": {"message": "Whatever went wrong"}},
    "empty": {"body": b""},
    "html": {"body": b"<html><body><h1>502 Bad Gateway</h1></body></html>",
             "headers": {"Content-Type": "text/html"}},
    "json list": {"json": ["odd"]},
}

STATUSES = [
    (400, E.BadRequestError),
    (401, E.AuthError),
    (403, E.PermissionDeniedError),
    (404, E.NotFoundError),
    (409, E.ConflictError),
    (422, E.ValidationError),
    (429, E.RateLimitedError),
    (500, E.ServerError),
    (502, E.ServerError),
    (503, E.ServerError),
    (418, E.ApiError),
]


@pytest.mark.parametrize("status,cls", STATUSES)
@pytest.mark.parametrize("body", list(BODIES))
def test_status_maps_to_class(server: FakeServer, status: int, cls: type, body: str) -> None:
    server.route("GET", "/v2/account/articles/7", Reply(status, **BODIES[body]))  # type: ignore[arg-type]
    with pytest.raises(E.FigdeskError) as info:
        client_for(server.url).get_my_article(7)
    err = info.value
    assert type(err) is cls
    assert err.status == status
    text = str(err)
    assert text and "<html" not in text and "Traceback" not in text
    if BODIES[body].get("json") and isinstance(BODIES[body]["json"], dict):
        assert "Whatever went wrong" in text       # Figshare's own words are quoted
    code = BODIES[body].get("json", {})
    if isinstance(code, dict) and "code" in code:
        assert err.code == str(code["code"])        # int codes become strings
    else:
        assert err.code is None


def test_404_names_the_item(server: FakeServer) -> None:
    server.route("GET", "/v2/account/articles/123", Reply(404))
    with pytest.raises(E.NotFoundError) as info:
        client_for(server.url).get_my_article(123)
    assert str(info.value) == "Item 123 was not found, or this account cannot see it."


def test_401_message_tells_to_sign_in(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(401, json={"message": "Invalid token"}))
    with pytest.raises(E.AuthError) as info:
        client_for(server.url).get_account()
    assert str(info.value).startswith("Figshare did not accept your token (it may have expired "
                                      "or been revoked). Sign in again.")
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize("body,cls", [
    ({"message": "Invalid or expired token", "code": "Forbidden"}, E.AuthError),
    ({"message": "Nope", "code": "InvalidOAuthToken"}, E.AuthError),
    ({"message": "Token revoked"}, E.AuthError),
    ({"message": "You cannot edit this item", "code": "Forbidden"}, E.PermissionDeniedError),
    ({"message": "Insufficient privileges", "code": 403}, E.PermissionDeniedError),
    (None, E.PermissionDeniedError),
])
def test_403_rule(server: FakeServer, body: dict[str, object] | None, cls: type) -> None:
    server.route("GET", "/v2/account", Reply(403, json=body))
    with pytest.raises(E.FigdeskError) as info:
        client_for(server.url).get_account()
    assert type(info.value) is cls


def test_422_names_the_field(server: FakeServer) -> None:
    server.route("POST", "/v2/account/articles",
                 Reply(422, json={"message": "Invalid params", "code": "InvalidParams",
                                  "data": {"invalid_params": "title"}}))
    with pytest.raises(E.ValidationError) as info:
        client_for(server.url).create_article({"title": "x"})
    assert info.value.field == "title"
    assert "Invalid params" in str(info.value)


def test_retry_after_carried_on_429_and_503(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(429, headers={"Retry-After": "7"}))
    server.route("GET", "/v2/categories", Reply(503, headers={"Retry-After": "3"}))
    c = client_for(server.url)
    with pytest.raises(E.RateLimitedError) as rl:
        c.get_account()
    assert rl.value.retry_after == 7
    with pytest.raises(E.ServerError) as se:
        c.list_categories()
    assert se.value.retry_after == 3


def test_connection_refused_is_offline() -> None:
    with pytest.raises(E.OfflineError) as info:
        client_for(refused_url()).get_account()
    assert type(info.value) is E.OfflineError
    assert str(info.value) == ("Figshare could not be reached: connection refused. Check your "
                               "network; work is kept and will continue.")


def test_read_timeout_is_timeout_error(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(200, json={}, delay=5.0))
    c = FigshareClient(TOKEN, server.url + "/v2", timeout=(2.0, 0.2), retry=RetryPolicy.never())
    with pytest.raises(E.TimeoutError_) as info:
        c.get_account()
    assert isinstance(info.value, E.OfflineError)


def test_timeout_is_retried_for_get(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(200, json={}, delay=5.0), Reply(200, json={"id": 5}))
    sleeper = SleepRecorder()
    c = FigshareClient(TOKEN, server.url + "/v2", timeout=(2.0, 0.2),
                       retry=RetryPolicy(sleep=sleeper, random=lambda: 0.5))
    assert c.get_account().id == 5
    assert sleeper.waits == [0.25]      # full jitter: 0.5 * min(cap, 0.5 * 2**0)


def test_unreadable_success_body(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(200, body=b"<html>maintenance</html>"))
    with pytest.raises(E.ApiError, match="could not read"):
        client_for(server.url).get_account()


def test_parse_retry_after_forms() -> None:
    from datetime import UTC, datetime
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("12", now) == 12
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize("body", [
    {"message": "Not enough private storage quota", "code": "QuotaExceeded"},
    {"message": "File is larger than the maximum file size", "code": "FileTooLarge"},
])
def test_403_quota_is_a_quota_error(server: FakeServer, body: dict[str, str]) -> None:
    server.route("POST", "/v2/account/articles/1/files", Reply(403, json=body))
    with pytest.raises(E.QuotaExceededError) as info:
        client_for(server.url).initiate_upload(1, "big.bin", 10**12, "0" * 32)
    assert isinstance(info.value, E.PermissionDeniedError)
    assert isinstance(info.value, E.QuotaError)
    assert body["message"] in str(info.value)
