"""Start/stop on the same ports, persistence in a data folder, the CLI, stats."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading

import pytest
import requests

from figdesk.sandbox import Sandbox, SandboxConfig
from figdesk.sandbox.cli import run
from tests.sandbox.sandbox_helpers import create_item, upload_file, wait_for


def _session(box: Sandbox):
    def call(method, path, body=None, token="main"):
        headers = {"Authorization": f"token {box.token if token == 'main' else token}"}
        url = path if path.startswith("http") else box.api_url + path
        return requests.request(
            method,
            url,
            data=None if body is None else json.dumps(body),
            headers=headers,
            timeout=10,
        )

    return call


def test_stop_start_keeps_ports_and_state(api, sb):
    item = create_item(api, title="survives a restart")
    ports = sb.ports
    sb.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(sb.api_url + "/account", timeout=2)
    sb.start()
    assert sb.ports == ports
    assert api("GET", f"/account/articles/{item}").json()["title"] == "survives a restart"


def test_stop_cuts_keep_alive_connections(sb):
    s = requests.Session()
    assert s.get(sb.api_url + "/categories", timeout=5).status_code == 200
    sb.stop()
    with pytest.raises(requests.ConnectionError):
        s.get(sb.api_url + "/categories", timeout=2)
    sb.start()
    assert s.get(sb.api_url + "/categories", timeout=5).status_code == 200


def test_data_folder_survives_a_new_process_state(tmp_path):
    data = os.urandom(100_000)
    cfg = SandboxConfig(data_dir=tmp_path, part_size=30_000, processing_step=0.01, token="T0KEN")
    with Sandbox(cfg) as box:
        api = _session(box)
        item = create_item(api, title="persisted")
        fid, _ = upload_file(api, item, data)
        api("POST", f"/account/articles/{item}/files/{fid}")
        wait_for(
            lambda: (
                api("GET", f"/account/articles/{item}/files/{fid}").json()["status"] == "available"
            )
        )
        half = create_item(api, title="half uploaded")
        r = api("POST", f"/account/articles/{half}/files", {"name": "h", "size": 60_000})
        url = api("GET", r.json()["location"]).json()["upload_url"]
        assert requests.put(f"{url}/1", data=data[:30_000], timeout=10).status_code == 200
        box.revoke_token(box.token_of(1495683))
    assert (tmp_path / "state.sqlite3").exists()
    with Sandbox(SandboxConfig(data_dir=tmp_path, part_size=30_000, token="T0KEN")) as box:
        api = _session(box)
        assert box.token == "T0KEN"
        f = api("GET", f"/account/articles/{item}/files/{fid}").json()
        assert f["status"] == "available" and f["computed_md5"] == hashlib.md5(data).hexdigest()
        assert requests.get(f"{f['download_url']}?token=T0KEN", timeout=10).content == data
        # The upload session of the other file is still there with its completed part.
        url = api("GET", f"/account/articles/{half}/files").json()[0]["upload_url"]
        assert url.startswith(box.upload_base)
        parts = requests.get(url, timeout=10).json()["parts"]
        assert [p["status"] for p in parts] == ["COMPLETE", "PENDING"]
        assert (
            api("GET", "/account", token=box.token_of(1495683)).status_code == 401
        )  # still revoked
        new = create_item(api, title="after restart")
        assert new > half


def test_cli_run_in_a_thread_prints_its_lines(capsys):
    stop = threading.Event()
    result = {}
    t = threading.Thread(
        target=lambda: result.setdefault("rc", run(["--items", "5", "--seed", "3"], stop))
    )
    t.start()
    lines = wait_for(lambda: (out := capsys.readouterr().out) and out.count("\n") >= 5 and out)
    stop.set()
    t.join(10)
    rows = lines.splitlines()
    assert rows[0].startswith("API: http://127.0.0.1:") and rows[0].endswith("/v2")
    assert rows[1].startswith("TOKEN: ") and len(rows[1]) > 20
    assert [r.split(":")[0] for r in rows[2:5]] == ["UPLOADS", "STATS", "DOWNLOADS"]
    assert result["rc"] == 0
    assert run(["--port", "not-a-number"]) == 2


def test_cli_subprocess_serves_until_sigterm(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "figdesk.sandbox",
            "--data",
            str(tmp_path),
            "--token",
            "abc",
            "--items",
            "20",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        api_line = proc.stdout.readline().strip()
        token_line = proc.stdout.readline().strip()
        assert api_line.startswith("API: ") and token_line == "TOKEN: abc"
        rest = [proc.stdout.readline().split(":")[0] for _ in range(3)]
        assert rest == ["UPLOADS", "STATS", "DOWNLOADS"]
        url = api_line.split(" ", 1)[1]
        r = requests.get(
            url + "/account/articles?page_size=1000",
            headers={"Authorization": "token abc"},
            timeout=10,
        )
        assert r.status_code == 200 and len(r.json()) == 30  # 10 from the resources page + 20
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_stats_service(sb):
    base = sb.stats_url
    views = requests.get(f"{base}/total/views/article/123456", timeout=10).json()
    downloads = requests.get(f"{base}/total/downloads/article/123456", timeout=10).json()
    assert views["totals"] > 0 and downloads["totals"] == views["totals"] // 4
    assert requests.get(f"{base}/total/views/article/999", timeout=10).json() == {"totals": 0}
    r = requests.get(f"{base}/total/hugs/article/123456", timeout=10)
    assert r.status_code == 400 and r.json()["code"] == "InvalidParams"
    assert r.json()["data"]["invalid_params"] == "counter"
    tl = requests.get(
        f"{base}/timeline/day/views/article/123456?start_date=2024-01-01&end_date=2024-01-31",
        timeout=10,
    ).json()["timeline"]
    assert tl and all(k.startswith("2024-01-") for k in tl)
    month = requests.get(
        f"{base}/timeline/month/views/article/123456?start_date=2024-01-01&end_date=2024-03-31",
        timeout=10,
    ).json()["timeline"]
    assert set(month) <= {"2024-01", "2024-02", "2024-03"}
    assert requests.get(f"{base}/timeline/day/views/article/1", timeout=10).json() == {
        "timeline": {}
    }
    bd = requests.get(f"{base}/breakdown/total/views/article/123456", timeout=10).json()[
        "breakdown"
    ]
    assert all(isinstance(c, dict) for c in bd.get("total", {}).values())
    top = requests.get(f"{base}/top/views/article?count=3", timeout=10).json()["top"]
    assert (
        len(top) == 3
        and "123456"
        in requests.get(f"{base}/top/views/article?count=100", timeout=10).json()["top"]
    )
    count = requests.post(
        f"{base}/count/articles", data=json.dumps({"groups": [{"id": 9991}, {"id": 1}]}), timeout=10
    ).json()
    assert count["9991"] > 0 and count["1"] == 0
    assert (
        requests.get(f"{base}/faber/timeline/day/views/article/123456", timeout=10).status_code
        == 403
    )
    assert requests.get(
        f"{base}/faber/timeline/day/views/article/123456", auth=("u", "p"), timeout=10
    ).ok
    with Sandbox(SandboxConfig()) as other:  # same seed, same numbers
        assert (
            requests.get(f"{other.stats_url}/total/views/article/123456", timeout=10).json()
            == views
        )


def test_request_log_is_bounded_and_records_headers():
    with Sandbox(SandboxConfig(request_log_size=5, samples=False)) as box:
        for _ in range(8):
            requests.get(box.api_url + "/categories", headers={"X-Test": "1"}, timeout=10)
        assert len(box.requests) == 5
        rec = list(box.requests)[-1]
        assert rec.service == "api" and rec.method == "GET" and rec.path == "/v2/categories"
        assert rec.headers["X-Test"] == "1" and box.requests.count(service="api") == 5
        assert (
            requests.get(
                box.api_url + "/account/articles",
                headers={"Authorization": f"token {box.token}"},
                timeout=10,
            ).json()
            == []
        )
