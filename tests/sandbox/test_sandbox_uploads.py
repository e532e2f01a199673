"""The upload protocol end to end, the part lock, lengths, completion, processing, quota."""

from __future__ import annotations

import hashlib
import http.client
import os
from urllib.parse import urlsplit

import pytest
import requests

from tests.sandbox.sandbox_helpers import PART, create_item, upload_file, wait_for


def _initiate(api, item, size, md5=None, name="data.bin"):
    body = {"name": name, "size": size}
    if md5 is not None:
        body["md5"] = md5
    r = api("POST", f"/account/articles/{item}/files", body)
    assert r.status_code == 201, r.text
    return api("GET", r.json()["location"]).json()


def _raw_put(
    upload_url: str, part_no: int, length: int, first: bytes
) -> http.client.HTTPConnection:
    """Start a PUT with an exact Content-Length but only part of the body sent."""
    u = urlsplit(upload_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.putrequest("PUT", f"{u.path}/{part_no}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    conn.send(first)
    return conn


def test_upload_end_to_end(api, sb):
    item = create_item(api)
    data = os.urandom(3 * PART + 1234)
    md5 = hashlib.md5(data).hexdigest()
    info = _initiate(api, item, len(data), md5)
    assert (
        info["status"] == "created" and info["computed_md5"] == "" and info["supplied_md5"] == md5
    )
    assert info["upload_url"] == f"{sb.upload_base}/upload/{info['upload_token']}"
    up = requests.get(info["upload_url"], timeout=10).json()
    assert up["status"] == "PENDING" and up["size"] == len(data) and up["md5"] == md5
    assert up["name"] == f"{info['id']}/data.bin"
    assert [(p["partNo"], p["startOffset"], p["endOffset"]) for p in up["parts"]] == [
        (1, 0, PART - 1),
        (2, PART, 2 * PART - 1),
        (3, 2 * PART, 3 * PART - 1),
        (4, 3 * PART, len(data) - 1),
    ]
    assert all(p["status"] == "PENDING" and p["locked"] is False for p in up["parts"])
    for p in reversed(up["parts"]):  # any order works
        r = requests.put(
            f"{info['upload_url']}/{p['partNo']}",
            data=data[p["startOffset"] : p["endOffset"] + 1],
            timeout=10,
        )
        assert r.status_code == 200 and r.content == b""
    assert requests.get(f"{info['upload_url']}/2", timeout=10).json()["status"] == "COMPLETE"
    r = api("POST", f"/account/articles/{item}/files/{info['id']}")
    assert r.status_code == 202 and r.content == b""
    assert requests.get(info["upload_url"], timeout=10).json()["status"] == "COMPLETED"
    done = wait_for(
        lambda: (
            (f := api("GET", f"/account/articles/{item}/files/{info['id']}").json())["status"]
            == "available"
            and f
        )
    )
    assert done["computed_md5"] == md5
    assert requests.get(done["download_url"] + f"?token={sb.token}", timeout=10).content == data
    # A completed upload takes no more parts and no resets.
    assert requests.put(f"{info['upload_url']}/1", data=data[:PART], timeout=10).status_code == 409
    assert requests.delete(f"{info['upload_url']}/1", timeout=10).status_code == 409
    assert (
        api("POST", f"/account/articles/{item}/files/{info['id']}").status_code == 202
    )  # idempotent


def test_status_progression_is_observable(api, sb):
    sb.faults.set(processing_step=0.3)
    item = create_item(api)
    fid, _ = upload_file(api, item, b"abc" * 100)
    api("POST", f"/account/articles/{item}/files/{fid}")
    seen = []

    def poll():
        status = api("GET", f"/account/articles/{item}/files/{fid}").json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        return status == "available"

    wait_for(poll)
    assert seen[-1] == "available" and "ic_checking" in seen and "moving_to_final" in seen
    order = ["created", "ic_checking", "moving_to_final", "available"]
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)


def test_md5_mismatch_gives_ic_failure_and_no_md5_is_fine(api):
    item = create_item(api)
    data = b"hello world" * 50
    fid, _ = upload_file(api, item, data, md5="0" * 32)
    api("POST", f"/account/articles/{item}/files/{fid}")
    bad = wait_for(
        lambda: (
            (f := api("GET", f"/account/articles/{item}/files/{fid}").json())["status"]
            in ("ic_failure", "available")
            and f
        )
    )
    assert bad["status"] == "ic_failure" and bad["computed_md5"] == hashlib.md5(data).hexdigest()
    fid2, info = upload_file(api, item, data, md5=None)
    assert info["supplied_md5"] == ""
    api("POST", f"/account/articles/{item}/files/{fid2}")
    ok = wait_for(
        lambda: (
            (f := api("GET", f"/account/articles/{item}/files/{fid2}").json())["status"]
            in ("ic_failure", "available")
            and f
        )
    )
    assert ok["status"] == "available" and ok["computed_md5"] == hashlib.md5(data).hexdigest()


def test_part_lock_gives_409(api, sb):
    item = create_item(api)
    data = os.urandom(2 * PART)
    info = _initiate(api, item, len(data))
    url = info["upload_url"]
    conn = _raw_put(url, 1, PART, data[: PART // 2])
    wait_for(lambda: requests.get(f"{url}/1", timeout=10).json()["locked"])
    assert requests.put(f"{url}/1", data=data[:PART], timeout=10).status_code == 409
    assert requests.delete(f"{url}/1", timeout=10).status_code == 409
    assert requests.get(url, timeout=10).json()["parts"][0]["locked"] is True
    r = api("POST", f"/account/articles/{item}/files/{info['id']}")
    assert r.status_code == 400  # not every part is complete
    conn.send(data[PART // 2 : PART])
    assert conn.getresponse().status == 200
    conn.close()
    part = requests.get(f"{url}/1", timeout=10).json()
    assert part == {
        "partNo": 1,
        "startOffset": 0,
        "endOffset": PART - 1,
        "status": "COMPLETE",
        "locked": False,
    }
    assert requests.delete(f"{url}/1", timeout=10).status_code == 200
    assert requests.get(f"{url}/1", timeout=10).json()["status"] == "PENDING"


def test_lengths_chunked_and_short_bodies(api, sb):
    item = create_item(api)
    data = os.urandom(PART)
    info = _initiate(api, item, len(data))
    url = info["upload_url"]
    r = requests.put(f"{url}/1", data=iter([data[:10], data[10:]]), timeout=10)  # chunked
    assert r.status_code == 411 and r.content == b""
    r = requests.put(f"{url}/1", data=data[:-1], timeout=10)
    assert r.status_code == 400 and r.content == b""
    # A body shorter than its Content-Length: no answer; the connection is dropped later.
    conn = _raw_put(url, 1, PART, data[:100])
    with pytest.raises(
        (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine)
    ):
        conn.getresponse()
    conn.close()
    part = wait_for(
        lambda: (p := requests.get(f"{url}/1", timeout=10).json())["locked"] is False and p
    )
    assert part["status"] == "PENDING"
    assert requests.put(f"{url}/1", data=data, timeout=10).status_code == 200


def test_upload_service_errors_have_empty_bodies(sb):
    for method, path in (
        ("GET", "/upload/nope"),
        ("GET", "/upload/nope/1"),
        ("PUT", "/upload/nope/1"),
        ("DELETE", "/upload/nope/1"),
    ):
        r = requests.request(
            method, sb.upload_base + path, data=b"x" if method == "PUT" else None, timeout=10
        )
        assert r.status_code == 404 and r.content == b""


def test_complete_before_parts_is_400(api):
    item = create_item(api)
    info = _initiate(api, item, 2 * PART)
    r = api("POST", f"/account/articles/{item}/files/{info['id']}")
    assert r.status_code == 400 and "1, 2" in r.json()["message"]
    assert api("GET", f"/account/articles/{item}/files/{info['id']}").json()["status"] == "created"


def test_zero_byte_file(api):
    item = create_item(api)
    info = _initiate(api, item, 0, hashlib.md5(b"").hexdigest())
    assert requests.get(info["upload_url"], timeout=10).json()["parts"] == []
    assert api("POST", f"/account/articles/{item}/files/{info['id']}").status_code == 202
    wait_for(
        lambda: (
            api("GET", f"/account/articles/{item}/files/{info['id']}").json()["status"]
            == "available"
        )
    )


def test_quota_and_maximum_file_size(api, sb):
    acc_id, token = sb.add_account(
        first_name="Q", last_name="Small", quota=1000, maximum_file_size=500
    )
    me = api("GET", "/account", token=token).json()
    assert (me["id"], me["quota"], me["maximum_file_size"]) == (acc_id, 1000, 500)
    item = int(
        api("POST", "/account/articles", {"title": "quota test"}, token=token).json()["entity_id"]
    )
    r = api("POST", f"/account/articles/{item}/files", {"name": "big", "size": 600}, token=token)
    assert (
        r.status_code == 403
        and r.json()["code"] == "FileTooLarge"
        and "maximum" in r.json()["message"]
    )
    first = api("POST", f"/account/articles/{item}/files", {"name": "a", "size": 400}, token=token)
    assert (
        api(
            "POST", f"/account/articles/{item}/files", {"name": "b", "size": 400}, token=token
        ).status_code
        == 201
    )
    r = api("POST", f"/account/articles/{item}/files", {"name": "c", "size": 400}, token=token)
    assert r.status_code == 403 and r.json()["code"] == "QuotaExceeded"
    assert api("GET", "/account", token=token).json()["used_quota_private"] == 800
    assert api("DELETE", first.json()["location"], token=token).status_code == 204
    assert api("GET", "/account", token=token).json()["used_quota_private"] == 400
    assert (
        api(
            "POST", f"/account/articles/{item}/files", {"name": "c", "size": 400}, token=token
        ).status_code
        == 201
    )


def test_initiate_validation(api):
    item = create_item(api)
    for body in (
        {"size": 3},
        {"name": "x"},
        {"name": "x", "size": -1},
        {"name": "x", "size": "3"},
        {"link": "not a url"},
    ):
        assert api("POST", f"/account/articles/{item}/files", body).status_code == 422, body
    assert api("POST", "/account/articles/1/files", {"name": "x", "size": 1}).status_code == 404


def test_delete_file_frees_its_upload(api):
    item = create_item(api)
    info = _initiate(api, item, 10)
    assert api("DELETE", f"/account/articles/{item}/files/{info['id']}").status_code == 204
    assert requests.get(info["upload_url"], timeout=10).status_code == 404
    assert api("GET", f"/account/articles/{item}/files/{info['id']}").status_code == 404


def test_parallel_part_puts(api, sb):
    """Parts of one file on several connections at once end up in the right places."""
    from concurrent.futures import ThreadPoolExecutor

    item = create_item(api)
    data = os.urandom(12 * PART + 77)
    info = _initiate(api, item, len(data), hashlib.md5(data).hexdigest())
    parts = requests.get(info["upload_url"], timeout=10).json()["parts"]

    def put(p):
        with requests.Session() as s:
            return s.put(
                f"{info['upload_url']}/{p['partNo']}",
                data=data[p["startOffset"] : p["endOffset"] + 1],
                timeout=30,
            ).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(put, parts)) == {200}
    api("POST", f"/account/articles/{item}/files/{info['id']}")
    done = wait_for(
        lambda: (
            (f := api("GET", f"/account/articles/{item}/files/{info['id']}").json())["status"]
            == "available"
            and f
        )
    )
    assert done["computed_md5"] == hashlib.md5(data).hexdigest()


def test_stop_during_a_part_put_unlocks_it(api, sb):
    item = create_item(api)
    info = _initiate(api, item, PART)
    url = info["upload_url"]
    conn = _raw_put(url, 1, PART, b"x" * 100)
    wait_for(lambda: requests.get(f"{url}/1", timeout=10).json()["locked"])
    sb.stop()
    conn.close()
    sb.start()
    part = wait_for(
        lambda: (p := requests.get(f"{url}/1", timeout=10).json())["locked"] is False and p
    )
    assert part["status"] == "PENDING"
    assert requests.put(f"{url}/1", data=b"y" * PART, timeout=10).status_code == 200
