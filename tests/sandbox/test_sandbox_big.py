"""Scale: a 300 MB upload without the sandbox's memory growing, and 10,000 generated items."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys

import requests

from figdesk.sandbox import Sandbox, SandboxConfig
from tests.sandbox.sandbox_helpers import wait_for

MiB = 1024 * 1024


def _rss_kib(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError(key)


def test_300_mb_upload_streams_to_disk(tmp_path):
    """Run the sandbox as its own process and watch its peak RSS over a 300 MB upload."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "figdesk.sandbox",
            "--data",
            str(tmp_path),
            "--no-samples",
            "--processing-step",
            "0.01",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        api_url = proc.stdout.readline().split(" ", 1)[1].strip()
        token = proc.stdout.readline().split(" ", 1)[1].strip()
        s = requests.Session()
        s.headers["Authorization"] = f"token {token}"
        item = s.post(
            api_url + "/account/articles", data='{"title": "big upload"}', timeout=10
        ).json()["entity_id"]
        size = 300 * MiB + 12345
        block = os.urandom(MiB)

        def part_bytes(start: int, end: int) -> bytes:
            # Distinct content per part, made from one random block (cheap to produce).
            n = end - start + 1
            head = start.to_bytes(8, "big")
            return (head + block * (n // MiB + 1))[:n]

        md5 = hashlib.md5()
        info_body = {"name": "big.bin", "size": size}
        r = s.post(f"{api_url}/account/articles/{item}/files", json=info_body, timeout=10)
        info = s.get(r.json()["location"], timeout=10).json()
        up = requests.get(info["upload_url"], timeout=10).json()
        assert len(up["parts"]) == 31 and up["parts"][0]["endOffset"] == 10 * MiB - 1
        base_rss = _rss_kib(proc.pid, "VmRSS")
        upload = requests.Session()  # no Authorization to the upload host
        for p in up["parts"]:
            data = part_bytes(p["startOffset"], p["endOffset"])
            md5.update(data)
            assert (
                upload.put(f"{info['upload_url']}/{p['partNo']}", data=data, timeout=60).status_code
                == 200
            )
        assert (
            s.post(f"{api_url}/account/articles/{item}/files/{info['id']}", timeout=10).status_code
            == 202
        )
        done = wait_for(
            lambda: (
                (
                    f := s.get(
                        f"{api_url}/account/articles/{item}/files/{info['id']}", timeout=10
                    ).json()
                )["status"]
                == "available"
                and f
            ),
            timeout=120,
        )
        assert done["computed_md5"] == md5.hexdigest()
        peak = _rss_kib(proc.pid, "VmHWM")
        assert (tmp_path / "files" / f"{info['id']}.bin").stat().st_size == size
        # The body never sits in memory: growth stays far below the 300 MB that went through.
        assert peak - base_rss < 64 * 1024, (base_rss, peak)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_ten_thousand_items_list_completely():
    with Sandbox(SandboxConfig(items=10_000, samples=False)) as sb:
        s = requests.Session()
        s.headers["Authorization"] = f"token {sb.token}"
        seen: list[int] = []
        page = 1
        while True:
            rows = s.get(
                f"{sb.api_url}/account/articles?page={page}&page_size=1000", timeout=30
            ).json()
            seen += [r["id"] for r in rows]
            if len(rows) < 1000:
                break
            page += 1
        assert len(seen) == len(set(seen)) == 10_000 and seen == sorted(seen, reverse=True)
        public = s.get(f"{sb.api_url}/articles?page_size=1000&page=5", timeout=30).json()
        assert len(public) == 1000  # half of the generated items are published
        hits = s.post(
            f"{sb.api_url}/articles/search",
            data='{"search_for": ":title: coral", "page_size": 1000}',
            timeout=30,
        ).json()
        assert hits and all("coral" in h["title"].lower() for h in hits)
