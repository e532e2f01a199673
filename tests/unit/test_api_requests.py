"""What the client sends and how it reads answers: impersonation, paging, locations, types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from figdesk.core import errors as E
from figdesk.core.api import USER_AGENT, FigshareClient, RetryPolicy
from tests.unit.api_fakeserver import TOKEN, FakeServer, Recorded, Reply


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


def make(server: FakeServer, **kw: Any) -> FigshareClient:
    return FigshareClient(TOKEN, server.url + "/v2", retry=RetryPolicy.never(), **kw)


CREATED = {"entity_id": 55, "location": "https://x/v2/account/articles/55", "warnings": []}
FILE = {"id": 9, "name": "a.bin", "size": 3, "status": "created",
        "upload_url": "http://127.0.0.1:1/upload/abc", "upload_token": "abc"}


@pytest.mark.parametrize("call,method,path,placement", [
    (lambda c: c.get_account(), "GET", "/v2/account", "query"),
    (lambda c: c.get_my_article(3), "GET", "/v2/account/articles/3", "query"),
    (lambda c: c.list_my_articles(), "GET", "/v2/account/articles", "query"),
    (lambda c: c.list_files(3), "GET", "/v2/account/articles/3/files", "query"),
    (lambda c: c.get_file(3, 9), "GET", "/v2/account/articles/3/files/9", "query"),
    (lambda c: c.delete_article(3), "DELETE", "/v2/account/articles/3", "query"),
    (lambda c: c.delete_file(3, 9), "DELETE", "/v2/account/articles/3/files/9", "query"),
    (lambda c: c.list_groups(), "GET", "/v2/account/institution/groups", "query"),
    (lambda c: c.create_article({"title": "t"}), "POST", "/v2/account/articles", "body"),
    (lambda c: c.search_my_articles("abc"), "POST", "/v2/account/articles/search", "body"),
    (lambda c: c.update_article(3, {"title": "t"}), "PATCH", "/v2/account/articles/3", "body"),
    (lambda c: c.update_article(3, {"title": "t"}, replace=True), "PUT",
     "/v2/account/articles/3", "body"),
    (lambda c: c.initiate_upload(3, "a", 1, "m"), "POST", "/v2/account/articles/3/files",
     "body"),
    (lambda c: c.complete_upload(3, 9), "POST", "/v2/account/articles/3/files/9", "bare"),
    (lambda c: c.publish_article(3), "POST", "/v2/account/articles/3/publish", "bare"),
    (lambda c: c.reserve_doi(3), "POST", "/v2/account/articles/3/reserve_doi", "bare"),
])
def test_impersonation_placement(server: FakeServer, call: Any, method: str, path: str,
                                 placement: str) -> None:
    answer: dict[str, Any] | list[Any] = {"doi": "10.1/x", **CREATED}
    if path.endswith(("/articles", "/files", "/groups", "/search")) and method == "GET":
        answer = []
    if path.endswith("/search"):
        answer = []
    server.route(method, path, Reply(200, json=answer))
    call(make(server).impersonating(4242))
    call(make(server))                                  # and without impersonation
    with_imp, without = server.calls(method, path)
    if placement == "query":
        assert with_imp.query["impersonate"] == ["4242"]
        assert with_imp.body == b""
    else:
        assert with_imp.json()["impersonate"] == 4242
        assert "impersonate" not in with_imp.query
        assert with_imp.headers["content-type"] == "application/json"
    assert "impersonate" not in without.query
    assert "impersonate" not in (without.json() or {})
    if placement == "bare":
        assert with_imp.json() == {"impersonate": 4242}
        assert without.body == b""


def test_upload_service_gets_no_impersonation(server: FakeServer) -> None:
    server.route("GET", "/upload/abc", Reply(200, json={"token": "abc", "parts": []}))
    make(server, impersonate=5).get_upload_info(server.url + "/upload/abc")
    assert server.calls()[0].query == {}


def paged(items: list[dict[str, Any]]) -> Any:
    def reply(rec: Recorded) -> Reply:
        page = int(rec.query.get("page", ["1"])[0]) if rec.method == "GET" \
            else rec.json()["page"]
        size = int(rec.query.get("page_size", ["10"])[0]) if rec.method == "GET" \
            else rec.json()["page_size"]
        return Reply(200, json=items[(page - 1) * size: page * size])
    return reply


def test_list_files_pages_with_1000(server: FakeServer) -> None:
    files = [{"id": i, "name": f"f{i}", "status": "available"} for i in range(1, 2502)]
    server.route("GET", "/v2/account/articles/3/files", paged(files))
    got = make(server).list_files(3)
    assert [f.id for f in got] == list(range(1, 2502))
    calls = server.calls("GET")
    assert [c.query["page"] for c in calls] == [["1"], ["2"], ["3"]]
    assert all(c.query["page_size"] == ["1000"] for c in calls)
    assert all("limit" not in c.query and "offset" not in c.query for c in calls)


def test_exact_multiple_needs_one_more_empty_page(server: FakeServer) -> None:
    items = [{"id": i} for i in range(1, 2001)]
    server.route("GET", "/v2/account/articles", paged(items))
    assert len(make(server).list_my_articles()) == 2000
    assert len(server.calls()) == 3


def test_iter_pages_yields_each_page(server: FakeServer) -> None:
    server.route("GET", "/v2/account/articles", paged([{"id": i} for i in range(1, 8)]))
    pages = list(make(server).iter_my_article_pages(page_size=3))
    assert [[a.id for a in p] for p in pages] == [[1, 2, 3], [4, 5, 6], [7]]


def test_server_ignoring_page_does_not_loop_forever(server: FakeServer) -> None:
    server.route("GET", "/v2/account/articles/3/files",
                 Reply(200, json=[{"id": i} for i in range(1000)]))
    assert len(make(server).list_files(3)) == 1000
    assert len(server.calls()) == 2


def test_private_search_pages_in_body(server: FakeServer) -> None:
    server.route("POST", "/v2/account/articles/search",
                 paged([{"id": i, "project_id": 1} for i in range(1, 1201)]))
    got = make(server).search_my_articles("cats", item_type=3, modified_since=None)
    assert len(got) == 1200
    first = server.calls()[0].json()
    assert first == {"search_for": "cats", "item_type": 3, "page": 1, "page_size": 1000}
    assert got[0].raw["project_id"] == 1


def test_public_search_honours_max_results(server: FakeServer) -> None:
    server.route("POST", "/v2/articles/search", paged([{"id": i} for i in range(1, 5000)]))
    got = make(server).search_public_articles("dna", max_results=25)
    assert [a.id for a in got] == list(range(1, 26))
    assert [c.json()["page_size"] for c in server.calls()] == [25]
    server.requests.clear()
    got = make(server).search_public_articles("dna", max_results=1500)
    assert len(got) == 1500 and len(server.calls()) == 2


def test_public_search_stops_at_short_page(server: FakeServer) -> None:
    server.route("POST", "/v2/articles/search", paged([{"id": i} for i in range(1, 11)]))
    assert len(make(server).search_public_articles("dna")) == 10
    assert len(server.calls()) == 1


@pytest.mark.parametrize("body,headers,want_id,want_location", [
    ({"entity_id": 55, "location": "https://api.figshare.com/v2/account/articles/55"}, {},
     55, "https://api.figshare.com/v2/account/articles/55"),
    ({"location": "/v2/account/articles/56"}, {}, 56, "{base}/v2/account/articles/56"),
    ({"location": "account/articles/57"}, {}, 57, "{base}/v2/account/articles/57"),
    ({"entity_id": "58", "location": "https://x/other/1"}, {}, 58, "https://x/other/1"),
    (None, {"Location": "/v2/account/articles/59"}, 59, "{base}/v2/account/articles/59"),
])
def test_created_location_resolution(server: FakeServer, body: Any, headers: dict[str, str],
                                     want_id: int, want_location: str) -> None:
    server.route("POST", "/v2/account/articles", Reply(201, json=body, headers=headers))
    created = make(server).create_article({"title": "x"})
    assert created.id == want_id
    assert created.location == want_location.format(base=server.url)


def test_created_without_any_id_is_an_error(server: FakeServer) -> None:
    server.route("POST", "/v2/account/articles", Reply(201, json={"location": "/v2/x/new"}))
    with pytest.raises(E.ApiError):
        make(server).create_article({"title": "x"})


def test_initiate_and_link_return_file_ids(server: FakeServer) -> None:
    server.route("POST", "/v2/account/articles/3/files",
                 Reply(201, json={"location": f"{server.url}/v2/account/articles/3/files/77"}),
                 Reply(201, json={"location": "/v2/account/articles/3/files/78"}))
    c = make(server)
    assert c.initiate_upload(3, "a.bin", 10, "0" * 32, folder_path="/x/y") == 77
    assert c.link_file(3, "https://example.org/data.csv") == 78
    init, link = server.calls("POST")
    assert init.json() == {"name": "a.bin", "size": 10, "md5": "0" * 32, "folder_path": "/x/y"}
    assert link.json() == {"link": "https://example.org/data.csv"}


def test_defined_type_int_sent_as_name(server: FakeServer) -> None:
    server.route("POST", "/v2/account/articles", Reply(201, json=CREATED))
    server.route("PATCH", "/v2/account/articles/55",
                 Reply(205, json={"location": "x", "warnings": ["odd category"]}))
    c = make(server)
    c.create_article({"title": "x", "defined_type": 3})
    assert c.update_article(55, {"defined_type": "9"}) == ("odd category",)
    c.update_article(55, {"defined_type": "software"})
    bodies = [r.json() for r in server.calls()]
    assert [b["defined_type"] for b in bodies] == ["dataset", "software", "software"]
    with pytest.raises(E.ValidationError) as info:
        c.create_article({"title": "x", "defined_type": 4})
    assert info.value.field == "defined_type"


def test_publish_and_doi(server: FakeServer) -> None:
    server.route("POST", "/v2/account/articles/3/publish",
                 Reply(201, json={"location": "/v2/articles/3"}))
    server.route("POST", "/v2/account/articles/3/reserve_doi",
                 Reply(200, json={"doi": "10.6084/m9.figshare.3"}))
    c = make(server)
    assert c.publish_article(3) == f"{server.url}/v2/articles/3"
    assert c.reserve_doi(3) == "10.6084/m9.figshare.3"


def test_defensive_parsing_of_nulls(server: FakeServer) -> None:
    server.route("GET", "/v2/account/articles/3",
                 Reply(200, json={"id": 3, "title": None, "defined_type": 3, "license": None,
                                  "files": None, "published_date": None, "tags": None}))
    a = make(server).get_my_article(3)
    assert a.id == 3 and a.title == "" and a.defined_type_name == "dataset"
    assert a.license is None and a.files_embedded == () and a.status == "draft"


def test_reference_and_institution_calls(server: FakeServer) -> None:
    server.route("GET", "/v2/account/categories", Reply(200, json=[{"id": 1, "title": "A"}]))
    server.route("GET", "/v2/account/licenses", Reply(200, json=[{"value": 1, "name": "CC BY"}]))
    server.route("GET", "/v2/item_types", Reply(200, json=[{"id": 3, "name": "dataset"}]))
    server.route("GET", "/v2/account/institution/custom_fields",
                 Reply(200, json=[{"id": 8, "name": "Lab", "field_type": "text"}]))
    server.route("GET", "/v2/account/institution/accounts", paged([{"id": 1}, {"id": 2}]))
    server.route("GET", "/v2/articles/5", Reply(200, json={"id": 5, "title": "P"}))
    server.route("GET", "/v2/articles/5/files", paged([{"id": 50}]))
    c = make(server)
    assert c.list_categories(account=True)[0].title == "A"
    assert c.list_licenses()[0].name == "CC BY"
    assert c.list_item_types(group_id=4)[0].name == "dataset"
    assert c.list_custom_fields(group_id=4)[0].name == "Lab"
    assert [a.id for a in c.list_institution_accounts(is_active=True, email=None)] == [1, 2]
    assert c.get_public_article(5).title == "P"
    assert [f.id for f in c.list_public_files(5)] == [50]
    by_path = {r.path: r.query for r in server.calls()}
    assert by_path["/v2/item_types"] == {"group_id": ["4"]}
    assert by_path["/v2/account/institution/custom_fields"] == {"group_id": ["4"]}
    assert by_path["/v2/account/institution/accounts"]["is_active"] == ["1"]
    assert "email" not in by_path["/v2/account/institution/accounts"]


def test_unexpected_shape_is_an_error(server: FakeServer) -> None:
    server.route("GET", "/v2/categories", Reply(200, json={"not": "a list"}))
    with pytest.raises(E.ApiError):
        make(server).list_categories()


def test_user_agent_and_accept(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(200, json={"id": 1}))
    make(server).get_account()
    rec = server.calls()[0]
    assert rec.headers["user-agent"] == USER_AGENT and USER_AGENT.startswith("figdesk/")
    assert rec.headers["accept"] == "application/json"
    assert rec.headers["authorization"] == f"token {TOKEN}"


class SpySession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, *a: Any,
                **kw: Any) -> requests.Response:
        self.seen.append(kw)
        return super().request(method, url, *a, **kw)


def test_injected_session_and_timeouts_on_every_request(server: FakeServer) -> None:
    server.route("GET", "/v2/account", Reply(200, json={"id": 1}))
    server.route("PUT", "/upload/t/1", Reply(200))
    spy = SpySession()
    c = make(server, session=spy, timeout=(3.0, 7.0))
    c.get_account()
    c.put_upload_part(server.url + "/upload/t", 1, [b"a"], 1)
    c.close()                                      # not ours: must stay usable
    c.get_account()
    assert len(spy.seen) == 3
    assert all(kw["timeout"] == (3.0, 7.0) for kw in spy.seen)
    assert all(kw["allow_redirects"] is False for kw in spy.seen)


def test_own_session_has_a_big_pool() -> None:
    c = FigshareClient(TOKEN, "https://api.figshare.com/v2")
    adapter = c.session.get_adapter("https://uploads.figshare.com/upload/x")
    assert adapter._pool_maxsize >= 32  # type: ignore[attr-defined]
    c.close()
