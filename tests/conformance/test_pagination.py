"""Pagination rules (NOTES.md §2.2): page+page_size or offset+limit, never both (422); at most
1000 a page; a file list defaults to 10 a page; the files embedded in an article stop at 10."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api

LISTS = ["/account/articles", "/articles", "/account/institution/accounts"]
N_FILES = 12


@pytest.fixture(scope="module")
def many_files(sandbox: object, checker: object) -> int:
    api = Api(sandbox.api_url, sandbox.token, checker)  # type: ignore[attr-defined, arg-type]
    article_id = api.create_article("Conformance many files")
    for i in range(N_FILES):
        resp = api.post(
            f"/account/articles/{article_id}/files",
            json={"link": f"https://example.org/f{i:02d}.csv"},
        )
        api.check.check_response(resp, 201)
    return article_id


@pytest.fixture
def admin(api: Api, sandbox: Any) -> Api:
    """An institution administrator, so that the institution's account list answers too."""
    me = api.check.check_response(api.get("/account"), 200).body
    _, token = sandbox.add_account(institution_id=me["institution_id"], admin=True)
    return api.as_token(token)


@pytest.mark.parametrize("path", LISTS)
def test_mixing_page_and_offset_is_422(admin: Api, path: str) -> None:
    admin.check.check_error(admin.get(path, params={"page": 1, "limit": 10}), 422)
    admin.check.check_error(admin.get(path, params={"page_size": 10, "offset": 0}), 422)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("param", ["page_size", "limit"])
def test_more_than_1000_a_page_is_refused(admin: Api, path: str, param: str) -> None:
    admin.check.check_error(admin.get(path, params={param: 1001}), (400, 422))


@pytest.mark.parametrize("path", LISTS)
def test_page_1000_is_accepted(admin: Api, path: str) -> None:
    resp = admin.get(path, params={"page": 1, "page_size": 1000})
    admin.check.check_request(resp)
    admin.check.check_response(resp, 200)


def test_page_and_offset_styles_agree(api: Api) -> None:
    for i in range(3):
        api.create_article(f"Conformance paging {i}")
    every = api.check.check_response(
        api.get("/account/articles", params={"page_size": 1000}), 200
    ).body
    assert len(every) >= 3
    ids = [a["id"] for a in every]
    page2 = api.get("/account/articles", params={"page": 2, "page_size": 2})
    api.check.check_request(page2)
    assert [a["id"] for a in api.check.check_response(page2, 200).body] == ids[2:4]
    window = api.get("/account/articles", params={"offset": 1, "limit": 2})
    api.check.check_request(window)
    assert [a["id"] for a in api.check.check_response(window, 200).body] == ids[1:3]
    # Defaults: page 1 of 10.
    default = api.check.check_response(api.get("/account/articles"), 200).body
    assert [a["id"] for a in default] == ids[:10]


def test_file_list_defaults_to_10_per_page(api: Api, many_files: int) -> None:
    path = f"/account/articles/{many_files}/files"
    first = api.get(path)
    api.check.check_request(first)
    assert len(api.check.check_response(first, 200).body) == 10
    second = api.check.check_response(api.get(path, params={"page": 2}), 200).body
    assert len(second) == N_FILES - 10
    everything = api.check.check_response(api.get(path, params={"page_size": 1000}), 200).body
    assert len({f["id"] for f in everything}) == N_FILES
    api.check.check_error(api.get(path, params={"page": 1, "offset": 0}), 422)
    api.check.check_error(api.get(path, params={"page_size": 1001}), (400, 422))


def test_embedded_files_are_capped_at_10(api: Api, many_files: int) -> None:
    article = api.check.check_response(api.get(f"/account/articles/{many_files}"), 200).body
    assert len(article["files"]) == 10
