"""Files of an item and the upload service: initiate, file details, UploadInfo and parts, part
PUTs, complete (202, empty), processing to ``available`` with the right md5, delete; errors."""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from typing import Any
from urllib.parse import urljoin

import requests

from .conftest import Api
from .spec_tools import FILE_STATUSES

MISSING = 999_999_999
# UploadInfo declares no required keys; NOTES.md §7.4 documents these, and a client needs them.
UPLOAD_INFO_KEYS = ("token", "name", "size", "md5", "status", "parts")
PART_KEYS = ("partNo", "startOffset", "endOffset", "status", "locked")


def _initiate(api: Api, article_id: int, name: str, data: bytes) -> int:
    resp = api.post(
        f"/account/articles/{article_id}/files",
        json={"name": name, "size": len(data), "md5": hashlib.md5(data).hexdigest()},
    )
    api.check.check_request(resp)
    body = api.check.check_response(resp, 201).body
    location = urljoin(api.base + "/", body["location"])
    assert f"/account/articles/{article_id}/files/" in location
    # The spec declares a Location header on this 201 and NOTES.md §2.1 says it is sent.
    assert urljoin(api.base + "/", resp.headers["Location"]) == location
    return int(location.rstrip("/").rsplit("/", 1)[1])


def _file(api: Api, article_id: int, file_id: int) -> dict[str, Any]:
    resp = api.get(f"/account/articles/{article_id}/files/{file_id}")
    api.check.check_request(resp)
    body: dict[str, Any] = api.check.check_response(resp, 200).body
    # Not in the spec (README.md); NOTES.md §5 step 9 lists the live values.
    assert body["status"] in FILE_STATUSES, body["status"]
    return body


def _upload_info(api: Api, upload_url: str) -> dict[str, Any]:
    resp = requests.get(upload_url, timeout=30)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    api.check.check_component("UploadInfo", body, required=UPLOAD_INFO_KEYS)
    for part in body["parts"]:
        api.check.check_component("UploadFilePart", part, required=PART_KEYS)
    return body


def _put_parts(upload_url: str, data: bytes, parts: list[dict[str, Any]]) -> None:
    for part in parts:
        chunk = data[part["startOffset"] : part["endOffset"] + 1]
        resp = requests.put(f"{upload_url}/{part['partNo']}", data=chunk, timeout=30)
        assert resp.status_code == 200, (part, resp.status_code, resp.text)


def _wait_status(api: Api, article_id: int, file_id: int, final: set[str]) -> dict[str, Any]:
    seen: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        info = _file(api, article_id, file_id)
        if not seen or seen[-1] != info["status"]:
            seen.append(info["status"])
        if info["status"] in final:
            return info
        time.sleep(0.02)
    raise AssertionError(f"file never reached {final}; statuses seen {seen}")


def test_full_upload_protocol(api: Api) -> None:
    article_id = api.create_article("Conformance upload")
    data = bytes(range(256)) * 1000 + b"tail"  # several 64 KiB parts, a short last one
    md5 = hashlib.md5(data).hexdigest()
    file_id = _initiate(api, article_id, "data.bin", data)

    info = _file(api, article_id, file_id)
    assert info["status"] == "created"
    assert (info["name"], info["size"], info["supplied_md5"]) == ("data.bin", len(data), md5)
    assert info["computed_md5"] in ("", None)
    assert info["is_link_only"] is False
    assert info["upload_token"] and info["upload_token"] in info["upload_url"]

    upload = _upload_info(api, info["upload_url"])
    assert (upload["size"], upload["md5"], upload["status"]) == (len(data), md5, "PENDING")
    # NOTES.md §7.4: the upload token, and "<internal id>/<file name>" as the name.
    assert upload["token"] == info["upload_token"]
    assert re.fullmatch(r"\d+/data\.bin", upload["name"]), upload["name"]
    parts = upload["parts"]
    assert len(parts) > 1
    # 1-based part numbers, inclusive offsets, contiguous over the whole file.
    assert [p["partNo"] for p in parts] == list(range(1, len(parts) + 1))
    assert parts[0]["startOffset"] == 0 and parts[-1]["endOffset"] == len(data) - 1
    for before, after in itertools.pairwise(parts):
        assert after["startOffset"] == before["endOffset"] + 1
    assert all(p["status"] == "PENDING" and p["locked"] is False for p in parts)

    one = requests.get(f"{info['upload_url']}/1", timeout=30)
    assert one.status_code == 200
    api.check.check_component("UploadFilePart", one.json(), required=PART_KEYS)
    assert one.json() == parts[0]

    _put_parts(info["upload_url"], data, parts)
    after = _upload_info(api, info["upload_url"])
    assert all(p["status"] == "COMPLETE" for p in after["parts"])

    resp = api.post(f"/account/articles/{article_id}/files/{file_id}")
    api.check.check_request(resp)
    api.check.check_empty(resp, 202)

    done = _wait_status(api, article_id, file_id, {"available", "ic_failure"})
    assert done["status"] == "available"
    assert done["computed_md5"] == md5
    assert _upload_info(api, info["upload_url"])["status"] == "COMPLETED"

    listing = api.get(f"/account/articles/{article_id}/files", params={"page_size": 1000})
    api.check.check_request(listing)
    files = api.check.check_response(listing, 200).body
    assert [(f["id"], f["status"], f["computed_md5"]) for f in files] == [
        (file_id, "available", md5)
    ]

    article = api.check.check_response(api.get(f"/account/articles/{article_id}"), 200).body
    assert [f["id"] for f in article["files"]] == [file_id]
    assert article["size"] == len(data)


def test_md5_mismatch_ends_in_ic_failure(api: Api) -> None:
    article_id = api.create_article("Conformance bad md5")
    data = b"x" * 1000
    resp = api.post(
        f"/account/articles/{article_id}/files",
        json={"name": "bad.bin", "size": len(data), "md5": hashlib.md5(b"other").hexdigest()},
    )
    file_id = int(api.check.check_response(resp, 201).body["location"].rsplit("/", 1)[1])
    info = _file(api, article_id, file_id)
    _put_parts(info["upload_url"], data, _upload_info(api, info["upload_url"])["parts"])
    api.check.check_empty(api.post(f"/account/articles/{article_id}/files/{file_id}"), 202)
    failed = _wait_status(api, article_id, file_id, {"available", "ic_failure"})
    assert failed["status"] == "ic_failure"


def test_link_file(api: Api) -> None:
    article_id = api.create_article("Conformance link")
    resp = api.post(
        f"/account/articles/{article_id}/files", json={"link": "https://example.org/x.csv"}
    )
    api.check.check_request(resp)
    body = api.check.check_response(resp, 201).body
    file_id = int(urljoin(api.base + "/", body["location"]).rsplit("/", 1)[1])
    listing = api.check.check_response(api.get(f"/account/articles/{article_id}/files"), 200).body
    (linked,) = [f for f in listing if f["id"] == file_id]
    assert linked["is_link_only"] is True


def test_delete_file(api: Api) -> None:
    article_id = api.create_article("Conformance delete file")
    file_id = _initiate(api, article_id, "gone.txt", b"bye")
    resp = api.delete(f"/account/articles/{article_id}/files/{file_id}")
    api.check.check_request(resp)
    api.check.check_empty(resp, 204)
    api.check.check_error(api.get(f"/account/articles/{article_id}/files/{file_id}"), 404)
    api.check.check_error(api.delete(f"/account/articles/{article_id}/files/{file_id}"), 404)
    assert (
        api.check.check_response(api.get(f"/account/articles/{article_id}/files"), 200).body == []
    )


def test_initiate_errors(api: Api) -> None:
    article_id = api.create_article("Conformance initiate errors")
    files = f"/account/articles/{article_id}/files"
    # Missing size / md5 and name (not a link): 422 "missing or incorrect params" (NOTES.md §5).
    api.check.check_error(api.post(files, json={"name": "a.bin"}), 422)
    api.check.check_error(
        api.post(files, json={"name": "a.bin", "size": "big", "md5": "0" * 32}), (400, 422)
    )
    api.check.check_error(api.post(files, json={"size": 10, "md5": "0" * 32}), 422)
    api.check.check_error(api.post(files, json={"name": "a.bin", "size": -1, "md5": "0" * 32}), 422)
    api.check.check_error(api.post(files, data="{oops"), 400)
    api.check.check_error(
        api.post(
            f"/account/articles/{MISSING}/files", json={"name": "a", "size": 1, "md5": "0" * 32}
        ),
        404,
    )
    api.check.check_error(
        api.as_token(None).post(files, json={"link": "https://example.org"}), (401, 403)
    )


def test_file_endpoint_errors(api: Api) -> None:
    article_id = api.create_article("Conformance file errors")
    api.check.check_error(api.get(f"/account/articles/{article_id}/files/{MISSING}"), 404)
    api.check.check_error(api.post(f"/account/articles/{article_id}/files/{MISSING}"), 404)
    api.check.check_error(api.get(f"/account/articles/{MISSING}/files"), 404)
    api.check.check_error(
        api.as_token(None).get(f"/account/articles/{article_id}/files"), (401, 403)
    )


def test_upload_service_errors_have_empty_bodies(api: Api) -> None:
    article_id = api.create_article("Conformance upload errors")
    data = b"y" * 10
    file_id = _initiate(api, article_id, "y.bin", data)
    upload_url = _file(api, article_id, file_id)["upload_url"]
    base = upload_url.rsplit("/", 1)[0]
    for resp in (
        requests.get(f"{base}/00000000-0000-0000-0000-000000000000", timeout=30),
        requests.get(f"{upload_url}/99", timeout=30),
        requests.put(f"{upload_url}/99", data=b"z", timeout=30),
    ):
        assert resp.status_code == 404, (resp.request.url, resp.status_code)
        assert resp.content == b"", resp.content  # NOTES.md §5: every upload error body is empty
    # After completion, resetting a part is refused with 409 (NOTES.md §5 step 7).
    _put_parts(upload_url, data, _upload_info(api, upload_url)["parts"])
    api.check.check_empty(api.post(f"/account/articles/{article_id}/files/{file_id}"), 202)
    reset = requests.delete(f"{upload_url}/1", timeout=30)
    assert reset.status_code == 409 and reset.content == b""


def test_reset_part_before_completion(api: Api) -> None:
    article_id = api.create_article("Conformance reset part")
    data = b"r" * 70_000  # two parts at the fixture's 64 KiB
    file_id = _initiate(api, article_id, "r.bin", data)
    upload_url = _file(api, article_id, file_id)["upload_url"]
    parts = _upload_info(api, upload_url)["parts"]
    _put_parts(upload_url, data, parts[:1])
    assert requests.get(f"{upload_url}/1", timeout=30).json()["status"] == "COMPLETE"
    # NOTES.md §5 step 7: DELETE resets the part to PENDING ("200 Accepted").
    reset = requests.delete(f"{upload_url}/1", timeout=30)
    assert reset.status_code == 200
    part = requests.get(f"{upload_url}/1", timeout=30).json()
    api.check.check_component("UploadFilePart", part, required=PART_KEYS)
    assert part["status"] == "PENDING"
    _put_parts(upload_url, data, parts)
    api.check.check_empty(api.post(f"/account/articles/{article_id}/files/{file_id}"), 202)
    done = _wait_status(api, article_id, file_id, {"available", "ic_failure"})
    assert done["computed_md5"] == hashlib.md5(data).hexdigest()


def test_downloads(api: Api) -> None:
    article_id = api.create_article("Conformance download")
    data = b"download me " * 100
    file_id = _initiate(api, article_id, "d.txt", data)
    upload_url = _file(api, article_id, file_id)["upload_url"]
    _put_parts(upload_url, data, _upload_info(api, upload_url)["parts"])
    api.check.check_empty(api.post(f"/account/articles/{article_id}/files/{file_id}"), 202)
    info = _wait_status(api, article_id, file_id, {"available"})
    # NOTES.md §8: a private file downloads from its download_url with ?token=.
    private = requests.get(info["download_url"], params={"token": api.token}, timeout=30)
    assert private.status_code == 200 and private.content == data
    anonymous = requests.get(info["download_url"], timeout=30)
    assert anonymous.status_code in (401, 403, 404)
    # A public file downloads without auth through GET /file/download/{id} (spec: 200).
    public = requests.get(f"{api.base}/file/download/3074543", timeout=30)
    assert public.status_code == 200 and len(public.content) == 470683
