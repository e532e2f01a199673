"""The running md5 kept while parts arrive: out of order, reset, re-PUT, restart."""

from __future__ import annotations

import hashlib
import os

import requests

from figdesk.sandbox import Sandbox, SandboxConfig
from tests.sandbox.sandbox_helpers import PART, create_item, wait_for


def _initiate(api, item, data, md5):
    r = api(
        "POST", f"/account/articles/{item}/files", {"name": "d.bin", "size": len(data), "md5": md5}
    )
    assert r.status_code == 201, r.text
    info = api("GET", r.json()["location"]).json()
    return int(info["id"]), info["upload_url"], info["upload_url"].rstrip("/").rsplit("/", 1)[-1]


def _put(url, data, part_no, body=None):
    chunk = data[(part_no - 1) * PART : part_no * PART] if body is None else body
    assert requests.put(f"{url}/{part_no}", data=chunk, timeout=10).status_code == 200


def _finished(api, item, fid):
    def done():
        f = api("GET", f"/account/articles/{item}/files/{fid}").json()
        return f if f["status"] in ("available", "ic_failure") else None

    return wait_for(done)


def _count_whole_file_passes(sb, monkeypatch):
    calls = []
    real = sb.core._md5_of

    def counted(file_id):
        calls.append(file_id)
        return real(file_id)

    monkeypatch.setattr(sb.core, "_md5_of", counted)
    return calls


def test_out_of_order_reset_and_re_put_give_the_right_md5(api, sb, monkeypatch):
    passes = _count_whole_file_passes(sb, monkeypatch)
    hasher = sb.core.hasher
    item = create_item(api)
    data = os.urandom(6 * PART + 999)  # 7 parts, the last one short
    good = hashlib.md5(data).hexdigest()
    fid, url, token = _initiate(api, item, data, good)

    for n in (3, 1, 5):
        _put(url, data, n)
    wait_for(lambda: hasher.hashed_parts(token) == 1)  # part 2 missing: the prefix stops at 1
    _put(url, data, 2)
    wait_for(lambda: hasher.hashed_parts(token) == 3)  # the gap filled: 2 and 3 caught up

    # A re-PUT of a hashed part with other bytes: hashing starts again from part 1.
    _put(url, data, 1, body=os.urandom(PART))
    wait_for(lambda: hasher.hashed_parts(token) == 3)
    # A reset of a hashed part voids the hash at once (before the DELETE is answered).
    assert requests.delete(f"{url}/2", timeout=10).status_code == 200
    assert hasher.hashed_parts(token) <= 1
    for n in (1, 2, 7, 4, 6):
        _put(url, data, n)
    wait_for(lambda: hasher.hashed_parts(token) == 7)

    assert api("POST", f"/account/articles/{item}/files/{fid}").status_code == 202
    f = _finished(api, item, fid)
    assert f["status"] == "available" and f["computed_md5"] == good
    assert passes == []  # the running hash answered; no whole-file pass at complete
    assert requests.get(f"{f['download_url']}?token={sb.token}", timeout=10).content == data


def test_wrong_supplied_md5_still_ic_failure_with_the_true_md5(api, sb):
    item = create_item(api)
    data = os.urandom(3 * PART + 10)
    fid, url, _token = _initiate(api, item, data, "0" * 32)
    for n in (4, 2, 1, 3):
        _put(url, data, n)
    # Complete at once, likely while the hasher is still behind: complete finishes it off.
    assert api("POST", f"/account/articles/{item}/files/{fid}").status_code == 202
    f = _finished(api, item, fid)
    assert f["status"] == "ic_failure" and f["computed_md5"] == hashlib.md5(data).hexdigest()


def test_a_part_dropped_halfway_does_not_spoil_the_hash(api, sb):
    item = create_item(api)
    data = os.urandom(3 * PART)
    good = hashlib.md5(data).hexdigest()
    fid, url, token = _initiate(api, item, data, good)
    for n in (1, 2, 3):
        _put(url, data, n)
    wait_for(lambda: sb.core.hasher.hashed_parts(token) == 3)
    # A re-PUT of part 2 cut after half its body: the hash is void and the part PENDING.
    sb.faults.fail_next("upload", "drop", method="PUT")
    try:
        requests.put(f"{url}/2", data=os.urandom(PART), timeout=10)
    except requests.ConnectionError:
        pass
    assert sb.core.hasher.hashed_parts(token) <= 1
    assert api("POST", f"/account/articles/{item}/files/{fid}").status_code == 400
    _put(url, data, 2)
    api("POST", f"/account/articles/{item}/files/{fid}")
    f = _finished(api, item, fid)
    assert f["status"] == "available" and f["computed_md5"] == good


def test_after_a_restart_the_hash_is_rebuilt_from_the_stored_parts(tmp_path):
    data = os.urandom(3 * PART + 5)
    good = hashlib.md5(data).hexdigest()
    cfg = {"data_dir": tmp_path, "part_size": PART, "processing_step": 0.01, "token": "T0KEN"}

    def session(box):
        s = requests.Session()
        s.headers["Authorization"] = "token T0KEN"

        def call(method, path, body=None):
            return s.request(
                method, box.api_url + path if path.startswith("/") else path, json=body, timeout=10
            )

        return call

    with Sandbox(SandboxConfig(**cfg)) as box:
        api = session(box)
        item = create_item(api)
        fid, url, token = _initiate(api, item, data, good)
        for n in (1, 3):
            _put(url, data, n)
        wait_for(lambda: box.core.hasher.hashed_parts(token) == 1)
    with Sandbox(SandboxConfig(**cfg)) as box:
        api = session(box)
        assert box.core.hasher.hashed_parts(token) == 0  # the running hash was not kept
        url = api("GET", f"/account/articles/{item}/files/{fid}").json()["upload_url"]
        for n in (2, 4):
            _put(url, data, n)
        api("POST", f"/account/articles/{item}/files/{fid}")
        f = _finished(api, item, fid)
        assert f["status"] == "available" and f["computed_md5"] == good


def test_a_late_wake_up_after_complete_starts_no_new_pass(api, sb):
    hasher = sb.core.hasher
    item = create_item(api)
    data = os.urandom(2 * PART)
    fid, url, token = _initiate(api, item, data, hashlib.md5(data).hexdigest())
    for n in (1, 2):
        _put(url, data, n)
    api("POST", f"/account/articles/{item}/files/{fid}")
    assert _finished(api, item, fid)["status"] == "available"
    # A wake-up for the completed upload, then one for another upload: the thread takes
    # them in order, so once the second is hashed the first has been looked at.
    other = os.urandom(PART)
    _, url2, token2 = _initiate(api, item, other, hashlib.md5(other).hexdigest())
    hasher.part_arrived(token)
    _put(url2, other, 1)
    wait_for(lambda: hasher.hashed_parts(token2) == 1)
    assert hasher.hashed_parts(token) == 0  # no session was made again for the finished one
