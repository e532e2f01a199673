"""Shared pieces of the upload benchmarks: the machine, a sandbox in its own process, test
files, and the baseline (the documented flow done with standard tools: md5sum, requests for
the API calls, ONE curl process PUTting the parts in order on one keep-alive connection).

The sandbox runs in a separate process so that it does not share a GIL with the uploader
being measured (it would be measuring the sandbox otherwise).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20
GiB = 1 << 30


def machine() -> str:
    """One line naming the machine: nproc, CPU model, Python version, OS."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"nproc={os.cpu_count()}, CPU: {cpu}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


@dataclass
class SandboxProc:
    api_url: str
    token: str
    proc: subprocess.Popen[str]
    data: str


@contextmanager
def sandbox(*flags: str, part_size: int = 10 * MiB) -> Iterator[SandboxProc]:
    """``figdesk sandbox`` in a child process (state in a temp dir, removed afterwards)."""
    # tmpfs when there is one: the sandbox's disk writeback is noise, not the uploader's speed
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    data = tempfile.mkdtemp(prefix="figdesk-bench-sb-", dir=os.environ.get("FIGDESK_BENCH_SB_DIR",
                                                                           shm))
    cmd = [sys.executable, "-m", "figdesk.sandbox", "--port", "0", "--no-samples", "--data", data,
           "--part-size", str(part_size), "--processing-step", "0", *flags]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        api = token = ""
        assert proc.stdout is not None
        while not (api and token):
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox did not start")
            if line.startswith("API: "):
                api = line[5:].strip()
            elif line.startswith("TOKEN: "):
                token = line[7:].strip()
        yield SandboxProc(api, token, proc, data)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data, ignore_errors=True)


def make_file(path: Path, size: int, *, sparse: bool = False) -> None:
    """A file of ``size`` bytes: random-looking data (1 MiB of urandom, each block stamped so
    no two blocks are alike), or a sparse file of zeros."""
    with path.open("wb") as f:
        if sparse:
            f.truncate(size)
            return
        block = bytearray(os.urandom(MiB))
        left, i = size, 0
        while left:
            block[:8] = i.to_bytes(8, "little")
            n = min(left, MiB)
            f.write(block[:n])
            left -= n
            i += 1


def drop_cache(path: Path) -> None:
    """Ask the kernel to forget the file's pages (so both contenders read it from disk)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def api(sb: SandboxProc, method: str, path: str, **kw: Any) -> requests.Response:
    """One API call the way a shell script would make it (no session: new connection)."""
    url = path if path.startswith("http") else sb.api_url + path
    r = requests.request(method, url, headers={"Authorization": f"token {sb.token}"},
                         timeout=600, **kw)
    r.raise_for_status()
    return r


def new_item(sb: SandboxProc, title: str = "benchmark") -> int:
    return int(api(sb, "POST", "/account/articles", json={"title": title}).json()["entity_id"])


def delete_item(sb: SandboxProc, article_id: int) -> None:
    """Remove a benchmark item and its files (frees the sandbox's tmpfs)."""
    for f in api(sb, "GET", f"/account/articles/{article_id}/files",
                 params={"page_size": 1000}).json():
        api(sb, "DELETE", f"/account/articles/{article_id}/files/{f['id']}")
    api(sb, "DELETE", f"/account/articles/{article_id}")


def _file_id(location: str) -> int:
    return int(re.findall(r"(\d+)/?$", location)[0])


def baseline_upload(sb: SandboxProc, article_id: int, path: Path, workdir: Path) -> dict[str, Any]:
    """The documented flow with standard tools; returns timings (seconds) and the verdict."""
    t0 = time.perf_counter()
    md5 = subprocess.run(["md5sum", str(path)], check=True, capture_output=True,
                         text=True).stdout.split()[0]
    t_hash = time.perf_counter()
    size = path.stat().st_size
    loc = api(sb, "POST", f"/account/articles/{article_id}/files",
              json={"name": path.name, "size": size, "md5": md5}).json()["location"]
    file_id = _file_id(loc)
    info = api(sb, "GET", f"/account/articles/{article_id}/files/{file_id}").json()
    upload_url = info["upload_url"]
    parts = api(sb, "GET", upload_url).json()["parts"]
    part_size = parts[0]["endOffset"] + 1
    # cut the file into parts of the server's size (the documented bash example's `split`)
    pdir = workdir / "parts"
    shutil.rmtree(pdir, ignore_errors=True)
    pdir.mkdir()
    subprocess.run(["split", "-b", str(part_size), "-a", "5", "-d", str(path),
                    str(pdir / "p")], check=True)
    t_split = time.perf_counter()
    cfg = workdir / "curl.cfg"
    lines = []
    for i, p in enumerate(parts):
        if i:
            lines.append("next")
        lines += [f'url = "{upload_url}/{p["partNo"]}"',
                  f'upload-file = "{pdir / f"p{i:05d}"}"', 'output = "/dev/null"', "fail",
                  "silent", "show-error"]
    cfg.write_text("\n".join(lines) + "\n")
    subprocess.run(["curl", "--config", str(cfg)], check=True)
    t_put = time.perf_counter()
    api(sb, "POST", f"/account/articles/{article_id}/files/{file_id}")
    while True:
        f = api(sb, "GET", f"/account/articles/{article_id}/files/{file_id}").json()
        if f["status"] in ("available", "ic_failure"):
            break
        time.sleep(0.05)
    t_end = time.perf_counter()
    shutil.rmtree(pdir, ignore_errors=True)
    ok = f["status"] == "available" and f["computed_md5"] == md5
    return {"total": t_end - t0, "hash": t_hash - t0, "split": t_split - t_hash,
            "put": t_put - t_split, "ok": ok, "parts": len(parts)}


def figdesk_upload(sb: SandboxProc, article_id: int, path: Path, **opts: Any) -> dict[str, Any]:
    """Upload with the engine in this process (fresh client, empty md5 cache)."""
    from figdesk.core.api import FigshareClient
    from figdesk.core.upload import FileUpload, Md5Cache, UploadEngine, UploadOptions

    client = FigshareClient(sb.token, sb.api_url)
    engine = UploadEngine(client, UploadOptions(**opts), Md5Cache(":memory:"))
    fu = FileUpload(path=str(path), article_id=article_id)
    marks: dict[str, float] = {}

    def checkpoint(f: FileUpload) -> None:
        marks.setdefault(str(f.state), time.perf_counter())

    t0 = time.perf_counter()
    out = engine.upload(fu, checkpoint=checkpoint)
    total = time.perf_counter() - t0
    stats = client.stats.snapshot()
    client.close()
    put = marks.get("completing", t0) - marks.get("uploading", t0)
    return {"total": total, "put": put, "ok": out.state == "done", "state": str(out.state),
            "error": out.error, "api_calls": stats.api_calls, "upload_calls": stats.upload_calls,
            "md5": out.md5}


def md5_python(path: Path) -> str:
    h = hashlib.md5()
    with path.open("rb") as f:
        while b := f.read(MiB):
            h.update(b)
    return h.hexdigest()


def report(title: str, rows: list[tuple[str, float, float]], extra: dict[str, Any]) -> None:
    """Print ``name: figdesk X s, baseline Y s, ratio`` lines and a JSON line for RESULTS."""
    print(f"== {title}")
    print(f"   {machine()}")
    for name, fig, base in rows:
        ratio = base / fig if fig else float("inf")
        print(f"   {name}: figdesk {fig:.2f} s, baseline {base:.2f} s, ratio {ratio:.2f}x")
    print("   " + json.dumps(extra, default=str))
