"""Where the token goes: the API host and upload hosts the API named; never redirects
elsewhere, never a URL, never a log line; and no plain http off loopback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from figdesk.core import errors as E
from figdesk.core.api import FigshareClient, RetryPolicy, check_url
from figdesk.core.logs import RedactingFilter, setup_logging, teardown_logging
from tests.unit.api_fakeserver import TOKEN, FakeServer, Reply, SleepRecorder


@pytest.fixture
def api() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


@pytest.fixture
def other() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


def make(server: FakeServer, **kw: object) -> FigshareClient:
    kw.setdefault("retry", RetryPolicy.never())
    return FigshareClient(TOKEN, server.url + "/v2", **kw)  # type: ignore[arg-type]


def test_download_redirect_to_other_port_drops_the_token(api: FakeServer,
                                                         other: FakeServer) -> None:
    api.route("GET", "/v2/file/download/5",
              Reply(302, headers={"Location": f"{other.url}/storage/5?sig=abc"}))
    other.route("GET", "/storage/5", Reply(200, body=b"hello world"))
    out = io.BytesIO()
    c = make(api)
    assert c.download_file(5, out) == 11 and out.getvalue() == b"hello world"
    assert api.calls()[0].headers["authorization"] == f"token {TOKEN}"
    hop = other.calls()[0]
    assert "authorization" not in hop.headers and hop.query == {"sig": ["abc"]}
    assert c.stats.api_calls == 1 and c.stats.other_calls == 1


def test_redirect_via_another_host_name_drops_the_token(api: FakeServer) -> None:
    # Same port, other host name (localhost vs 127.0.0.1): still another origin.
    target = api.url.replace("127.0.0.1", "localhost") + "/storage/1"
    api.route("GET", "/v2/file/download/1", Reply(301, headers={"Location": target}))
    api.route("GET", "/storage/1", Reply(200, body=b"x"))
    make(api).download_file(1, io.BytesIO())
    first, hop = api.calls()
    assert "authorization" in first.headers and "authorization" not in hop.headers


def test_same_origin_redirect_keeps_the_token(api: FakeServer) -> None:
    api.route("GET", "/v2/account", Reply(307, headers={"Location": "/v2/account2"}))
    api.route("GET", "/v2/account2", Reply(200, json={"id": 3}))
    assert make(api).get_account().id == 3
    assert all(r.headers.get("authorization") == f"token {TOKEN}" for r in api.calls())


def test_chained_redirect_never_regains_the_token(api: FakeServer, other: FakeServer) -> None:
    api.route("GET", "/v2/file/download/2",
              Reply(302, headers={"Location": f"{other.url}/a"}))
    other.route("GET", "/a", Reply(302, headers={"Location": f"{api.url}/v2/back"}))
    api.route("GET", "/v2/back", Reply(200, body=b"ok"))
    make(api).download_file(2, io.BytesIO())
    back = api.calls("GET", "/v2/back")[0]
    assert "authorization" not in back.headers


def test_download_url_on_another_host_gets_no_token(api: FakeServer, other: FakeServer) -> None:
    other.route("GET", "/files/9", Reply(200, body=b"abc"))
    make(api).download_file(f"{other.url}/files/9", io.BytesIO())
    assert "authorization" not in other.calls()[0].headers


def test_upload_host_gets_token_only_once_named_by_the_api(api: FakeServer,
                                                           other: FakeServer) -> None:
    upload_url = f"{other.url}/upload/0f9c2a"
    other.route("GET", "/upload/0f9c2a", Reply(200, json={"token": "0f9c2a", "parts": []}))
    api.route("GET", "/v2/account/articles/1/files/2",
              Reply(200, json={"id": 2, "upload_url": upload_url}))
    c = make(api)
    c.get_upload_info(upload_url)                 # not named yet: no token
    c.get_file(1, 2)                              # the API names the upload host
    c.get_upload_info(upload_url)
    first, second = other.calls()
    assert "authorization" not in first.headers
    assert second.headers["authorization"] == f"token {TOKEN}"


def test_redirect_to_plain_http_off_loopback_is_refused(api: FakeServer) -> None:
    api.route("GET", "/v2/file/download/3",
              Reply(302, headers={"Location": "http://storage.example.org/x"}))
    with pytest.raises(E.InsecureUrlError):
        make(api).download_file(3, io.BytesIO())


@pytest.mark.parametrize("url", ["http://api.figshare.com/v2", "http://10.0.0.5:8080/v2",
                                 "ftp://api.figshare.com/v2", "api.figshare.com/v2"])
def test_insecure_api_urls_refused(url: str) -> None:
    with pytest.raises(E.InsecureUrlError):
        FigshareClient(TOKEN, url)


@pytest.mark.parametrize("url", ["https://api.figshare.com/v2", "http://127.0.0.1:5000/v2",
                                 "http://localhost:5000/v2", "http://[::1]:5000/v2"])
def test_secure_or_loopback_urls_accepted(url: str) -> None:
    check_url(url)


def test_plain_http_upload_url_off_loopback_refused(api: FakeServer) -> None:
    with pytest.raises(E.InsecureUrlError):
        make(api).put_upload_part("http://uploads.example.org/upload/abc", 1, [b"x"], 1)


def test_token_never_in_a_url(api: FakeServer) -> None:
    api.route("GET", "/v2/account", Reply(200, json={"id": 1}))
    api.route("POST", "/v2/account/articles", Reply(201, json={"entity_id": 1}))
    c = make(api)
    c.get_account()
    c.create_article({"title": "t"})
    for rec in api.calls():
        assert TOKEN not in rec.path and TOKEN not in str(rec.query)
        assert TOKEN not in rec.body.decode()


def test_token_redacted_from_logs_of_a_failing_call(api: FakeServer, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """A failing call logs its URL, retries and error. The token also travels in a URL here
    (a server echo and a redirect carrying ?access_token=): none of it may reach the log."""
    log_file = setup_logging(logging.DEBUG, directory=tmp_path)
    caplog.handler.addFilter(RedactingFilter())
    caplog.set_level(logging.DEBUG)
    upload_token = "9dfc5fe3-1111-2222-3333-444455556666"
    api.route("GET", "/v2/account",
              Reply(302, headers={"Location": f"{api.url}/v2/who?access_token={TOKEN}"}))
    api.route("GET", "/v2/who",
              Reply(503, json={"message": f"bad header Authorization: token {TOKEN}"}))
    api.route("GET", f"/upload/{upload_token}", Reply(500))
    c = make(api, retry=RetryPolicy(max_attempts=2, sleep=SleepRecorder()))
    with pytest.raises(E.ServerError) as info:
        c.get_account()
    with pytest.raises(E.ServerError):
        c.get_upload_info(f"{api.url}/upload/{upload_token}")
    logging.getLogger("figdesk.test").error("headers were %s",
                                            {"Authorization": f"token {TOKEN}"})
    try:
        raise RuntimeError(f"boom with {TOKEN}")
    except RuntimeError:
        logging.getLogger("figdesk.test").exception("failed at %s?token=%s", api.url, TOKEN)
    teardown_logging()
    captured = caplog.text + log_file.read_text()
    assert "/v2/who" in captured and "retrying" in captured       # the log did say things
    assert TOKEN not in captured
    assert upload_token not in captured
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value.data)


def test_pasted_token_is_trimmed_and_no_token_sends_no_header(api: FakeServer) -> None:
    api.route("GET", "/v2/categories", Reply(200, json=[]))
    FigshareClient(f"  {TOKEN}\n", api.url + "/v2").list_categories()
    FigshareClient(None, api.url + "/v2").list_categories()
    with_token, without = api.calls()
    assert with_token.headers["authorization"] == f"token {TOKEN}"
    assert "authorization" not in without.headers
