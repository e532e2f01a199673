"""Each fault kind, its safety (no half-done creates), and determinism from the seed."""

from __future__ import annotations

import hashlib
import time

import pytest
import requests

from figdesk.sandbox import Faults, Sandbox, SandboxConfig
from figdesk.sandbox.cli import _parser, config_from
from tests.sandbox.sandbox_helpers import PART, create_item, upload_file, wait_for


def _count_items(api) -> int:
    return len(api("GET", "/account/articles?page_size=1000").json())


def test_injected_5xx_creates_nothing(api, sb):
    before = _count_items(api)
    sb.faults.set(error_rate=1.0, retry_after=7)
    r = api("POST", "/account/articles", {"title": "never made"})
    assert (
        r.status_code == 500
        and r.headers["Retry-After"] == "7"
        and isinstance(r.json()["code"], str)
    )
    sb.faults.set(error_rate=0.0)
    assert _count_items(api) == before


def test_error_status_and_upload_errors_are_separate(api, sb):
    item = create_item(api)
    _, info = upload_file(api, item, b"x" * 10)
    sb.faults.set(upload_error_rate=1.0, error_status=503)
    r = requests.get(info["upload_url"], timeout=10)
    assert r.status_code == 503 and r.content == b""
    assert api("GET", "/account").status_code == 200  # the API is not affected
    sb.faults.set(upload_error_rate=0.0, error_rate=1.0)
    assert requests.get(info["upload_url"], timeout=10).status_code == 200
    assert api("GET", "/account").status_code == 503


def test_rate_limit_429_with_retry_after(api, sb):
    sb.faults.set(rate_limit_rate=1.0, retry_after=3)
    r = api("GET", "/account")
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    sb.faults.set(rate_limit_rate=0.0, upload_rate_limit_rate=1.0)
    assert api("GET", "/account").status_code == 200
    assert requests.get(sb.upload_base + "/upload/x", timeout=10).status_code == 429


def test_fail_after_commit_loses_the_answer_not_the_item(api, sb):
    before = _count_items(api)
    sb.faults.fail_next("api", "after_commit", method="POST", path=r"/account/articles$")
    with pytest.raises(requests.ConnectionError):
        api("POST", "/account/articles", {"title": "made but unanswered"})
    assert _count_items(api) == before + 1
    titles = [a["title"] for a in api("GET", "/account/articles?page_size=1").json()]
    assert titles == ["made but unanswered"]


def test_scripted_faults_hit_only_what_they_match(api, sb):
    sb.faults.fail_next("api", "error", method="GET", path="/account$", count=2, status=502)
    assert api("GET", "/account/articles").status_code == 200
    assert [api("GET", "/account").status_code for _ in range(3)] == [502, 502, 200]


def test_drop_mid_body_leaves_part_pending(api, sb):
    item = create_item(api)
    data = b"z" * PART
    r = api("POST", f"/account/articles/{item}/files", {"name": "d", "size": PART})
    url = api("GET", r.json()["location"]).json()["upload_url"]
    sb.faults.set(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        requests.put(f"{url}/1", data=data, timeout=10)
    sb.faults.set(drop_rate=0.0)
    part = wait_for(
        lambda: (p := requests.get(f"{url}/1", timeout=10).json())["locked"] is False and p
    )
    assert part["status"] == "PENDING"
    assert requests.put(f"{url}/1", data=data, timeout=10).status_code == 200


def test_stall_hangs_then_answers(api, sb):
    sb.faults.fail_next("api", "stall", seconds=0.4)
    start = time.monotonic()
    assert api("GET", "/account").status_code == 200
    assert time.monotonic() - start >= 0.4  # a lower bound: the stall happened


def test_latency_and_bandwidth_are_applied(api, sb):
    sb.faults.set(latency_ms=200)
    start = time.monotonic()
    api("GET", "/account")
    assert time.monotonic() - start >= 0.2
    sb.faults.set(latency_ms=0, bandwidth=100_000)
    item = create_item(api)
    r = api("POST", f"/account/articles/{item}/files", {"name": "b", "size": PART})
    url = api("GET", r.json()["location"]).json()["upload_url"]
    start = time.monotonic()
    assert requests.put(f"{url}/1", data=b"b" * PART, timeout=30).status_code == 200
    assert time.monotonic() - start >= 0.4  # 64 KiB at 100 kB/s, minus the initial burst


def test_aborted_upload(api, sb):
    item = create_item(api)
    r = api("POST", f"/account/articles/{item}/files", {"name": "a", "size": 2 * PART})
    info = api("GET", r.json()["location"]).json()
    url = info["upload_url"]
    assert requests.put(f"{url}/1", data=b"a" * PART, timeout=10).status_code == 200
    sb.abort_upload(url)
    assert requests.get(url, timeout=10).json()["status"] == "ABORTED"
    assert requests.put(f"{url}/2", data=b"a" * PART, timeout=10).status_code == 404
    r = api("POST", f"/account/articles/{item}/files/{info['id']}")
    assert r.status_code == 400 and r.json()["code"] == "UploadAborted"
    # The random form: a part PUT turns the session ABORTED.
    r = api("POST", f"/account/articles/{item}/files", {"name": "b", "size": PART})
    url2 = api("GET", r.json()["location"]).json()["upload_url"]
    sb.faults.set(abort_rate=1.0)
    assert requests.put(f"{url2}/1", data=b"b" * PART, timeout=10).status_code == 404
    assert requests.get(url2, timeout=10).json()["status"] == "ABORTED"


def test_forced_ic_failure(api, sb):
    sb.faults.force_ic_failure()
    item = create_item(api)
    data = b"good bytes"
    fid, _ = upload_file(api, item, data)
    api("POST", f"/account/articles/{item}/files/{fid}")
    f = wait_for(
        lambda: (
            (x := api("GET", f"/account/articles/{item}/files/{fid}").json())["status"]
            in ("ic_failure", "available")
            and x
        )
    )
    assert f["status"] == "ic_failure" and f["computed_md5"] == hashlib.md5(data).hexdigest()
    fid2, _ = upload_file(api, item, data)  # only one was forced
    api("POST", f"/account/articles/{item}/files/{fid2}")
    wait_for(
        lambda: api("GET", f"/account/articles/{item}/files/{fid2}").json()["status"] == "available"
    )


def test_random_faults_are_deterministic_from_the_seed():
    def run(seed: int) -> list[int]:
        with Sandbox(SandboxConfig(seed=seed, faults={"error_rate": 0.5})) as box:
            s = requests.Session()
            h = {"Authorization": f"token {box.token}"}
            return [
                s.get(box.api_url + "/account", headers=h, timeout=10).status_code
                for _ in range(30)
            ]

    first = run(11)
    assert first == run(11) and {200, 500} == set(first)
    assert first != run(12)


def test_faults_api_and_cli_flags():
    f = Faults(seed=1)
    with pytest.raises(ValueError):
        f.set(no_such_fault=1)
    with pytest.raises(ValueError):
        f.set(error_status=404)
    with pytest.raises(ValueError):
        f.fail_next("api", "explode")
    args = _parser().parse_args(
        [
            "--latency-ms",
            "5",
            "--bandwidth",
            "1000",
            "--error-rate",
            "0.1",
            "--rate-limit-rate",
            "0.2",
            "--drop-rate",
            "0.3",
            "--stall-rate",
            "0.4",
            "--ic-failure",
            "--seed",
            "9",
            "--part-size",
            "1024",
            "--items",
            "3",
        ]
    )
    cfg = config_from(args)
    assert cfg.seed == 9 and cfg.part_size == 1024 and cfg.items == 3
    assert cfg.faults == {
        "latency_ms": 5.0,
        "bandwidth": 1000,
        "error_rate": 0.1,
        "rate_limit_rate": 0.2,
        "drop_rate": 0.3,
        "stall_rate": 0.4,
        "ic_failure": True,
    }
    assert Faults(seed=0, **cfg.faults).settings.drop_rate == 0.3


def test_total_bandwidth_caps_downloads(sb):
    sb.faults.set(bandwidth_total=500_000)
    start = time.monotonic()
    r = requests.get(f"{sb.download_base}/files/3074543", timeout=30)  # 470,683 bytes, public
    assert r.status_code == 200 and len(r.content) == 470_683
    assert time.monotonic() - start >= 0.7  # a lower bound: about 0.94 s at 500 kB/s
