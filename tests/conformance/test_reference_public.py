"""Account, reference data, public articles and institution endpoints, validated against the
relaxed spec; the sample items of the resources page reproduced with their real values."""

from __future__ import annotations

from typing import Any

import pytest

from . import page_examples
from .conftest import Api
from .spec_tools import SpecChecker

AUTH_FAILED = (401, 403)
MISSING = 999_999_999


@pytest.fixture
def admin(api: Api, sandbox: Any) -> Api:
    """An institution administrator of the main account's institution."""
    me = api.check.check_response(api.get("/account"), 200).body
    _, token = sandbox.add_account(
        first_name="Inst", last_name="Admin", institution_id=me["institution_id"], admin=True
    )
    return api.as_token(token)


def test_account(api: Api) -> None:
    resp = api.get("/account")
    api.check.check_request(resp)
    body = api.check.check_response(resp, 200).body
    assert body["quota"] >= body["used_quota"] >= 0
    assert body["maximum_file_size"] > 0


def test_account_auth_errors(api: Api) -> None:
    api.check.check_error(api.as_token(None).get("/account"), AUTH_FAILED)
    api.check.check_error(api.as_token("revoked-or-wrong").get("/account"), AUTH_FAILED)


def test_revoked_token_is_refused(api: Api, sandbox: Any) -> None:
    _, token = sandbox.add_account(first_name="Soon", last_name="Revoked")
    user = api.as_token(token)
    api.check.check_response(user.get("/account"), 200)
    sandbox.revoke_token(token)
    api.check.check_error(user.get("/account"), AUTH_FAILED)
    sandbox.restore_token(token)
    api.check.check_response(user.get("/account"), 200)


def test_conditional_requests(api: Api) -> None:
    # NOTES.md §1: most responses carry an ETag, and clients are encouraged to use it.
    first = api.get("/account")
    api.check.check_response(first, 200)
    etag = first.headers["ETag"]
    again = api.get("/account", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("path", ["/categories", "/licenses", "/item_types"])
def test_public_reference_lists(api: Api, path: str) -> None:
    resp = api.as_token(None).get(path)
    api.check.check_request(resp)
    assert api.check.check_response(resp, 200).body


@pytest.mark.parametrize("path", ["/account/categories", "/account/licenses"])
def test_account_reference_lists(api: Api, path: str) -> None:
    resp = api.get(path)
    api.check.check_request(resp)
    assert api.check.check_response(resp, 200).body
    api.check.check_error(api.as_token(None).get(path), AUTH_FAILED)


def test_account_licenses_include_the_public_ones(api: Api) -> None:
    public = api.check.check_response(api.as_token(None).get("/licenses"), 200).body
    mine = api.check.check_response(api.get("/account/licenses"), 200).body
    assert {lic["value"] for lic in public} <= {lic["value"] for lic in mine}


def test_item_types_for_a_group(api: Api, admin: Api) -> None:
    groups = admin.check.check_response(admin.get("/account/institution/groups"), 200).body
    resp = api.get("/item_types", params={"group_id": groups[0]["id"]})
    api.check.check_request(resp)
    assert api.check.check_response(resp, 200).body


def test_item_types_errors(api: Api) -> None:
    # group_id is an integer (spec); the spec declares 400 and 404 for this endpoint.
    api.check.check_error(api.get("/item_types", params={"group_id": "abc"}), (400, 404))


def test_public_files_pagination_errors(api: Api) -> None:
    anon = api.as_token(None)
    api.check.check_error(anon.get("/articles/123456/files", params={"page": 1, "limit": 3}), 422)
    api.check.check_error(
        anon.get("/articles/123456/files", params={"page_size": 1001}), (400, 422)
    )


def test_public_article_list(api: Api) -> None:
    resp = api.as_token(None).get("/articles", params={"page_size": 100})
    api.check.check_request(resp)
    body = api.check.check_response(resp, 200).body
    assert 123456 in [a["id"] for a in body]


def test_public_list_order_and_filters(api: Api) -> None:
    anon = api.as_token(None)
    resp = anon.get(
        "/articles", params={"order": "published_date", "order_direction": "asc", "page_size": 100}
    )
    api.check.check_request(resp)
    dates = [a["published_date"] for a in api.check.check_response(resp, 200).body]
    assert dates == sorted(dates) and len(dates) > 1
    since = anon.get("/articles", params={"published_since": "2023-03-01", "page_size": 100})
    api.check.check_request(since)
    later = [a["published_date"] for a in api.check.check_response(since, 200).body]
    assert later and all(d >= "2023-03-01" for d in later) and len(later) < len(dates)


def test_public_search(api: Api) -> None:
    anon = api.as_token(None)
    resp = anon.post("/articles/search", json={"search_for": "Saccharina"})
    api.check.check_request(resp)
    assert 123456 in [a["id"] for a in api.check.check_response(resp, 200).body]
    # As Figshare's own scripts send it: search params in the query string (README.md).
    raw = anon.post("/articles/search", params={"search_for": "Saccharina", "page_size": 10})
    assert 123456 in [a["id"] for a in api.check.check_response(raw, 200).body]


def test_public_search_errors(api: Api) -> None:
    anon = api.as_token(None)
    api.check.check_error(anon.post("/articles/search", data="{oops"), 400)
    api.check.check_error(
        anon.post("/articles/search", json={"search_for": "x", "page": 1, "offset": 0}), 422
    )


def test_public_article_is_the_page_item(api: Api, resources_page_present: None) -> None:
    resp = api.as_token(None).get("/articles/123456")
    api.check.check_request(resp)
    body = api.check.check_response(resp, 200).body
    assert page_examples.differences(body, page_examples.retrieve_item_output()) == []


def test_public_article_errors(api: Api) -> None:
    anon = api.as_token(None)
    api.check.check_error(anon.get(f"/articles/{MISSING}"), 404)
    api.check.check_error(anon.get(f"/articles/{MISSING}/files"), 404)
    # A draft is not public.
    draft = api.create_article("Conformance draft is private")
    api.check.check_error(anon.get(f"/articles/{draft}"), 404)


def test_public_files(api: Api) -> None:
    resp = api.as_token(None).get("/articles/123456/files")
    api.check.check_request(resp)
    files = api.check.check_response(resp, 200).body
    assert [(f["id"], f["computed_md5"]) for f in files] == [
        (3074543, "eb5c9c6b278b533f98aa02feae57c266")
    ]
    # Public files carry no upload details.
    assert not {"upload_url", "upload_token"} & set(files[0])


def test_account_listing_reproduces_the_page(
    fresh_sandbox: Any, spec: dict[str, Any], resources_page_present: None
) -> None:
    # "Authenticate": the first 10 items of the account, as the page shows them, before any
    # test has added items of its own.
    api = Api(fresh_sandbox.api_url, fresh_sandbox.token, SpecChecker(spec, fresh_sandbox.api_url))
    resp = api.get("/account/articles?page=1&page_size=10")
    body = api.check.check_response(resp, 200).body
    expected = page_examples.account_listing_output()
    assert [a["id"] for a in body] == [a["id"] for a in expected]
    assert page_examples.differences(body, expected) == []


def test_institution_endpoints(admin: Api) -> None:
    for path in (
        "/account/institution/custom_fields",
        "/account/institution/groups",
        "/account/institution/accounts",
    ):
        resp = admin.get(path)
        admin.check.check_request(resp)
        assert admin.check.check_response(resp, 200).body, path
        admin.check.check_error(admin.as_token(None).get(path), AUTH_FAILED)


def test_institution_filters(admin: Api) -> None:
    me = admin.check.check_response(admin.get("/account"), 200).body
    by_email = admin.get("/account/institution/accounts", params={"email": me["email"]})
    admin.check.check_request(by_email)
    assert [a["id"] for a in admin.check.check_response(by_email, 200).body] == [me["id"]]
    window = admin.get(
        "/account/institution/accounts", params={"id_gte": me["id"], "id_lte": me["id"]}
    )
    admin.check.check_request(window)
    assert [a["id"] for a in admin.check.check_response(window, 200).body] == [me["id"]]
    groups = admin.check.check_response(admin.get("/account/institution/groups"), 200).body
    fields = admin.get("/account/institution/custom_fields", params={"group_id": groups[0]["id"]})
    admin.check.check_request(fields)
    admin.check.check_response(fields, 200)


def test_institution_accounts_need_an_admin(api: Api) -> None:
    # The main account belongs to the institution but does not administer it.
    api.check.check_error(api.get("/account/institution/accounts"), 403)
