"""API v2 of the sandbox: items, codes, shapes, pagination, publish rules, impersonation."""

from __future__ import annotations

import json

import requests

from figdesk.sandbox import ADMIN_ACCOUNT_ID, MEMBER_ACCOUNT_IDS, SECOND_ACCOUNT_ID
from tests.sandbox.sandbox_helpers import create_item, upload_file, wait_for


def test_account_and_reference_data(api):
    acc = api("GET", "/account").json()
    assert acc["first_name"] == "Jane" and acc["quota"] > 0 and "maximum_file_size" in acc
    cats = api("GET", "/categories", token=None).json()
    by_id = {c["id"]: c for c in cats}
    assert by_id[69]["parent_id"] == 38 and by_id[69]["is_selectable"] is True
    assert by_id[38]["is_selectable"] is False and by_id[38]["has_children"] is True
    lic = {x["value"]: x["name"] for x in api("GET", "/licenses", token=None).json()}
    assert lic[1] == "CC BY 4.0" and lic[2] == "CC0"
    assert len(api("GET", "/account/licenses").json()) == len(lic) + 1  # + the institution's
    types = {t["id"]: t["name"] for t in api("GET", "/item_types").json()}
    assert types[3] == "dataset" and types[9] == "software" and 4 not in types


def test_auth_errors(api, sb):
    r = api("GET", "/account", token=None)
    assert r.status_code == 401 and r.json()["code"] == "MissingToken"
    assert api("GET", "/account", token="nope").status_code == 401
    sb.revoke_token(sb.token)
    r = api("GET", "/account")
    assert r.status_code == 401 and isinstance(r.json()["code"], str)
    sb.restore_token(sb.token)
    assert api("GET", "/account").status_code == 200
    assert api("GET", f"/account?access_token={sb.token}", token=None).status_code == 200


def test_create_read_update_delete(api, sb):
    r = api(
        "POST", "/account/articles", {"title": "Test metadata for upload", "keywords": ["a", "b"]}
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"entity_id", "location", "warnings"}
    assert body["location"] == f"{sb.api_url}/account/articles/{body['entity_id']}"
    art = api("GET", body["location"]).json()
    assert (
        art["title"] == "Test metadata for upload" and art["tags"] == ["a", "b"] == art["keywords"]
    )
    assert art["status"] == "draft" and art["version"] == 0 and art["is_public"] is False
    assert art["defined_type"] == 0 and art["defined_type_name"] == ""
    assert art["resource_doi"] is None and art["funding"] is None and art["published_date"] is None
    assert [a["full_name"] for a in art["authors"]] == ["Jane Researcher"]  # owner auto-added
    r = api(
        "PATCH", body["location"], {"defined_type": "software", "description": "d", "license": 2}
    )
    assert r.status_code == 205 and r.json() == {"location": body["location"], "warnings": []}
    art = api("GET", body["location"]).json()
    assert (art["defined_type"], art["defined_type_name"], art["license"]["value"]) == (
        9,
        "software",
        2,
    )
    assert art["title"] == "Test metadata for upload"  # untouched by a partial update
    r = api("PUT", body["location"], {"defined_type": 3})  # an int is accepted too
    assert r.status_code == 205 and api("GET", body["location"]).json()["defined_type"] == 3
    assert api("DELETE", body["location"]).status_code == 204
    r = api("GET", body["location"])
    assert r.status_code == 404 and r.json()["code"] == "EntityNotFound"


def test_json_without_content_type_and_bad_json(api, sb):
    r = requests.post(
        sb.api_url + "/account/articles",
        data='{"title": "No header"}',
        headers={"Authorization": f"token {sb.token}"},
        timeout=10,
    )
    assert r.status_code == 201
    r = requests.post(
        sb.api_url + "/account/articles",
        data="{not json",
        headers={"Authorization": f"token {sb.token}"},
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["message"]


def test_validation_422(api):
    for body in (
        {"title": "ab"},
        {},
        {"title": "ok title", "defined_type": "hugs"},
        {"title": "ok title", "license": 999},
        {"title": "ok title", "categories": [999999]},
        {"title": "ok title", "tags": "not a list"},
    ):
        r = api("POST", "/account/articles", body)
        assert r.status_code == 422, body
        assert isinstance(r.json()["code"], str)


def test_list_order_and_pagination(api):
    first = create_item(api, title="older item")
    second = create_item(api, title="newer item")
    ids = [a["id"] for a in api("GET", "/account/articles?page=1&page_size=2").json()]
    assert ids == [second, first]  # newest first
    assert len(api("GET", "/account/articles").json()) == 10  # default page size
    everything = api("GET", "/account/articles?page_size=1000").json()
    by_offset = api("GET", "/account/articles?offset=2&limit=3").json()
    assert [a["id"] for a in by_offset] == [a["id"] for a in everything[2:5]]
    r = api("GET", "/account/articles?page=1&limit=10")
    assert r.status_code == 422 and r.json()["code"] == "InvalidPaginationParams"
    assert api("GET", "/account/articles?page_size=1001").status_code == 422
    assert api("GET", "/account/articles?page=0").status_code == 422
    row = everything[0]
    assert row["url"] == row["url_private_api"] and "status" not in row


def test_resources_page_items(api):
    mine = {a["id"]: a for a in api("GET", "/account/articles?page_size=1000").json()}
    assert mine[8351662]["title"] == "Untitled Item" and mine[8351662]["timeline"] == {}
    assert mine[8327074]["resource_doi"] == "10.1242/jeb.228601"
    assert mine[8365555]["resource_doi"] is None and mine[8260098]["group_id"] == 9999
    pub = api("GET", "/articles/123456", token=None).json()
    assert pub["files"][0]["id"] == 3074543 and pub["files"][0]["size"] == 470683
    assert pub["funding"] is None and pub["embargo_date"] is None and pub["license"]["value"] == 1
    assert pub["authors"][0]["full_name"] == "Yunyan Deng"
    assert "account_id" not in pub


def test_files_list_paginated_and_embedded_cap(api):
    item = create_item(api)
    for n in range(12):
        r = api(
            "POST", f"/account/articles/{item}/files", {"name": f"f{n}.txt", "size": 1, "md5": ""}
        )
        assert r.status_code == 201 and r.headers["Location"] == r.json()["location"]
    assert len(api("GET", f"/account/articles/{item}/files").json()) == 10
    assert len(api("GET", f"/account/articles/{item}/files?page_size=1000").json()) == 12
    assert len(api("GET", f"/account/articles/{item}/files?page=2&page_size=10").json()) == 2
    assert len(api("GET", f"/account/articles/{item}").json()["files"]) == 10
    f = api("GET", f"/account/articles/{item}/files?limit=1").json()[0]
    assert f["status"] == "created" and f["upload_url"].endswith(f["upload_token"])


def test_publish_rules_and_public_delete(api, sb):
    item = create_item(api, title="To publish")
    r = api("POST", f"/account/articles/{item}/publish")
    assert (
        r.status_code == 400
        and r.json()["message"] == "Missing mandatory field for publication - description"
    )
    api("PATCH", f"/account/articles/{item}", {"description": "d", "authors": []})
    r = api("POST", f"/account/articles/{item}/publish")
    assert r.json()["message"].endswith("- description") or r.json()["message"].endswith(
        "- authors"
    )
    api("PATCH", f"/account/articles/{item}", {"authors": [{"name": "Ann Other"}]})
    assert (
        api("POST", f"/account/articles/{item}/publish")
        .json()["message"]
        .endswith("- defined_type")
    )
    api("PATCH", f"/account/articles/{item}", {"defined_type": "dataset"})
    assert api("POST", f"/account/articles/{item}/publish").json()["message"].endswith("- license")
    api("PATCH", f"/account/articles/{item}", {"license": 1})
    assert api("POST", f"/account/articles/{item}/publish").json()["message"].endswith("- keywords")
    api("PATCH", f"/account/articles/{item}", {"keywords": ["k"]})
    assert api("POST", f"/account/articles/{item}/publish").json()["message"].endswith("- files")
    data = b"x" * 1000
    fid, _ = upload_file(api, item, data)
    r = api("POST", f"/account/articles/{item}/publish")
    assert r.status_code == 400  # the upload is not completed yet
    assert api("POST", f"/account/articles/{item}/files/{fid}").status_code == 202
    wait_for(
        lambda: api("GET", f"/account/articles/{item}/files/{fid}").json()["status"] == "available"
    )
    before = api("GET", "/account").json()
    r = api("POST", f"/account/articles/{item}/publish")
    assert r.status_code == 201 and r.json() == {"location": f"{sb.api_url}/articles/{item}"}
    after = api("GET", "/account").json()
    assert after["used_quota_private"] == before["used_quota_private"] - 1000
    assert after["used_quota_public"] == before["used_quota_public"] + 1000
    art = api("GET", f"/account/articles/{item}").json()
    assert art["status"] == "public" and art["version"] == 1 and art["published_date"]
    assert api("GET", f"/articles/{item}", token=None).status_code == 200
    r = api("DELETE", f"/account/articles/{item}")
    assert r.status_code == 403 and r.json()["message"]
    assert api("POST", f"/account/articles/{item}/publish").json()  # a second version
    assert api("GET", f"/articles/{item}", token=None).json()["version"] == 2


def test_metadata_record_publishes_without_files_and_reserve_doi(api):
    item = create_item(
        api,
        description="d",
        defined_type="dataset",
        license=1,
        keywords=["k"],
        is_metadata_record=True,
        metadata_reason="elsewhere",
    )
    r = api("POST", f"/account/articles/{item}/reserve_doi")
    assert r.status_code == 200 and r.json()["doi"].endswith(str(item))
    assert api("POST", f"/account/articles/{item}/publish").status_code == 201


def test_linked_file_record_from_resources_page(api):
    """The resources page's 'metadata only or linked file record' flow."""
    r = api(
        "POST",
        "/account/articles",
        {
            "title": "Producing performance-advantaged bioplastics",
            "description": "Abstract",
            "tags": ["bioplastics"],
            "categories": [614, 1058],
            "authors": [{"name": "Robin M. Cywar"}, {"id": "Gregg Beckham"}],
            "defined_type": "journal contribution",
            "license": 1,
            "doi": "",
            "handle": "",
            "resource_doi": "10.1038/s41557-022-01030-y",
            "resource_title": "Producing",
            "timeline": {"firstOnline": "2022-11-26"},
            "funding": "NREL",
            "custom_fields": {"Journal / Parent title": "Nature Chemistry", "Volume": "14"},
        },
    )
    assert r.status_code == 201, r.text
    url = r.json()["location"]
    assert api("PUT", url, {"authors": [{"name": "Robin M. Cywar"}]}).status_code == 205
    t = api("POST", url + "/files", {"link": "https://doi.org/10.1038/s41557-022-01030-y"})
    assert t.status_code == 201
    linked = api("GET", t.json()["location"]).json()
    assert linked["is_link_only"] is True and linked["upload_url"] is None
    u = api("POST", url + "/publish")
    assert u.status_code == 201, u.text
    art = api("GET", url).json()
    assert (
        art["has_linked_file"] is True
        and art["custom_fields"][0]["name"] == "Journal / Parent title"
    )
    assert [a["full_name"] for a in art["authors"]] == ["Robin M. Cywar"]


def test_authors_endpoints(api):
    item = create_item(api)
    assert len(api("GET", f"/account/articles/{item}/authors").json()) == 1
    assert (
        api("POST", f"/account/articles/{item}/authors", {"authors": [{"name": "B C"}]}).status_code
        == 205
    )
    authors = api("GET", f"/account/articles/{item}/authors").json()
    assert [a["full_name"] for a in authors] == ["Jane Researcher", "B C"]
    assert api("DELETE", f"/account/articles/{item}/authors/{authors[0]['id']}").status_code == 204
    assert (
        api("PUT", f"/account/articles/{item}/authors", {"authors": [{"id": 1000002}]}).status_code
        == 205
    )
    assert [a["id"] for a in api("GET", f"/account/articles/{item}/authors").json()] == [1000002]
    assert (
        api("PUT", f"/account/articles/{item}/authors", {"authors": [{"id": 1}]}).status_code == 422
    )


def test_other_accounts_items_are_404(api, sb):
    other = sb.token_of(SECOND_ACCOUNT_ID)
    item = create_item(api)
    assert api("GET", f"/account/articles/{item}", token=other).status_code == 404
    assert api("DELETE", f"/account/articles/{item}", token=other).status_code == 404


def test_impersonation(api, sb):
    admin = sb.token_of(ADMIN_ACCOUNT_ID)
    member = MEMBER_ACCOUNT_IDS[0]
    mine = api("GET", f"/account/articles?impersonate={member}", token=admin).json()
    assert mine and all(a["id"] in (8400000, 8400001) for a in mine)
    r = api(
        "POST", "/account/articles", {"title": "Made for Ben", "impersonate": member}, token=admin
    )
    assert r.status_code == 201
    new = r.json()["entity_id"]
    art = api("GET", f"/account/articles/{new}?impersonate={member}", token=admin).json()
    assert art["account_id"] == member
    assert api("GET", f"/account/articles/{new}", token=admin).status_code == 404  # not the admin's
    r = api(
        "PUT",
        f"/account/articles/{new}",
        {"authors": [{"id": 1000011}], "impersonate": member},
        token=admin,
    )
    assert r.status_code == 205
    # Impersonation in the query string of a POST is not how Figshare takes it.
    assert (
        api(
            "POST", f"/account/articles/{new}/reserve_doi?impersonate={member}", token=admin
        ).status_code
        == 404
    )
    assert (
        api(
            "POST", f"/account/articles/{new}/reserve_doi", {"impersonate": member}, token=admin
        ).status_code
        == 200
    )
    # Non-admins and accounts outside the institution.
    assert api("GET", f"/account?impersonate={member}").status_code == 403
    assert api("GET", f"/account?impersonate={SECOND_ACCOUNT_ID}", token=admin).status_code == 403


def test_institution_endpoints(api, sb):
    admin = sb.token_of(ADMIN_ACCOUNT_ID)
    assert api("GET", "/account/institution", token=admin).json()["name"] == "Faber University"
    assert {g["id"] for g in api("GET", "/account/institution/groups", token=admin).json()} >= {
        9991,
        9999,
    }
    fields = api("GET", "/account/institution/custom_fields", token=admin).json()
    assert fields and {"id", "name", "field_type"} <= set(fields[0])
    accounts = api("GET", "/account/institution/accounts", token=admin).json()
    assert {a["id"] for a in accounts} >= {ADMIN_ACCOUNT_ID, *MEMBER_ACCOUNT_IDS}
    found = api(
        "POST", "/account/institution/accounts/search", {"search_for": "lena"}, token=admin
    ).json()
    assert [a["first_name"] for a in found] == ["Lena"]
    assert api("GET", "/account/institution/accounts").status_code == 403  # not an admin
    assert (
        api("GET", "/account/institution", token=sb.token_of(SECOND_ACCOUNT_ID)).status_code == 403
    )
    pending = api("GET", "/account/institution/reviews?status=pending", token=admin).json()
    assert pending and all(c["status"] == "pending" for c in pending)
    detail = api("GET", f"/account/institution/review/{pending[0]['id']}", token=admin).json()
    assert detail["item"]["id"] == pending[0]["article_id"]
    funding = api("POST", "/account/funding/search", {"search_for": "ant"}).json()
    assert funding and funding[0]["title"] == "Wood ant navigation"


def test_public_search(api, sb):
    def search(params=None, body=None):
        r = requests.post(
            sb.api_url + "/articles/search",
            params=params,
            data=None if body is None else json.dumps(body),
            timeout=10,
        )
        assert r.status_code == 200, r.text
        return {a["id"] for a in r.json()}

    cat = {"search_for": ":category: 'History and Philosophy of the Humanities'"}
    assert 8262674 in search(params={**cat, "page_size": 1000, "page": 1})
    assert search(body={"search_for": "saccharina"}) == {123456}
    assert 123456 in search(body={"search_for": ":tag: transcriptome"})
    assert 123456 in search(body={"search_for": ":author: Delin Duan"})
    assert 123456 not in search(body={"search_for": ":title: saccharina AND NOT japonica"})
    assert 8351662 not in search(body={"search_for": "untitled"})  # drafts are not public
    assert search(params={"institution": 1, "group": 9999}) == set()
    r = requests.post(sb.api_url + "/articles/search?page=1&limit=3", data="{}", timeout=10)
    assert r.status_code == 422
    listed = requests.get(sb.api_url + "/articles?page_size=1000", timeout=10).json()
    dates = [a["published_date"] for a in listed]
    assert dates == sorted(dates, reverse=True) and 123456 in {a["id"] for a in listed}
    own = api("POST", "/account/articles/search", {"search_for": "wood ants"}).json()
    assert [a["id"] for a in own] == [8327074] and "project_id" in own[0]


def test_public_files_and_download_redirect(api, sb):
    files = requests.get(sb.api_url + "/articles/123456/files", timeout=10).json()
    assert files[0]["name"] == "2011-02-15_14-24-56-228.png" and "status" not in files[0]
    r = requests.get(sb.api_url + "/file/download/3074543", allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"].startswith(sb.download_base + "/storage/")
    r = requests.get(files[0]["download_url"], timeout=10)
    assert r.status_code == 200 and len(r.content) == 470683
    # A private file: the owner's token on the API host, then a token-free storage URL.
    item = create_item(api)
    fid, _ = upload_file(api, item, b"private bytes")
    api("POST", f"/account/articles/{item}/files/{fid}")
    wait_for(
        lambda: api("GET", f"/account/articles/{item}/files/{fid}").json()["status"] == "available"
    )
    assert requests.get(f"{sb.api_url}/file/download/{fid}", timeout=10).status_code == 404
    sb.requests.clear()
    r = api("GET", f"/file/download/{fid}")
    assert r.status_code == 200 and r.content == b"private bytes"
    storage = [x for x in sb.requests if x.service == "download"]
    assert storage and all("Authorization" not in x.headers for x in storage)
    url = api("GET", f"/account/articles/{item}/files/{fid}").json()["download_url"]
    assert requests.get(url, timeout=10).status_code == 403
    assert requests.get(f"{url}?token={sb.token}", timeout=10).content == b"private bytes"


def test_public_versions(api):
    item = create_item(
        api,
        description="d",
        defined_type="dataset",
        license=1,
        keywords=["k"],
        is_metadata_record=True,
        metadata_reason="elsewhere",
    )
    assert api("GET", f"/articles/{item}/versions", token=None).status_code == 404  # not public yet
    api("POST", f"/account/articles/{item}/publish")
    api("PATCH", f"/account/articles/{item}", {"title": "Second title"})
    assert (
        api("GET", f"/articles/{item}", token=None).json()["title"] == "A test item"
    )  # private edit only
    api("POST", f"/account/articles/{item}/publish")
    versions = api("GET", f"/articles/{item}/versions", token=None).json()
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["url"].endswith(
        f"/{item}/versions/1"
    )
    assert api("GET", versions[0]["url"], token=None).json()["title"] == "A test item"
    assert api("GET", versions[1]["url"], token=None).json()["title"] == "Second title"
    assert api("GET", f"/articles/{item}/versions/3", token=None).status_code == 404


def test_etag_revalidation_and_cors(api):
    first = api("GET", "/account/articles/8327074")
    etag = first.headers["ETag"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = api("GET", "/account/articles/8327074", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    api("PATCH", "/account/articles/8327074", {"title": "Data supporting wood ants behaviour (v2)"})
    changed = api("GET", "/account/articles/8327074", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
