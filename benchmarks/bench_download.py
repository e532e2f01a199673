"""How fast `figdesk download` fetches a big file, against curl plus md5sum doing the same.

Starts `figdesk sandbox` as its own process (state on tmpfs when there is one), uploads one
file of --size-mib MiB with the engine, then times, alternately, --rounds times:
- figdesk: the whole `figdesk --api URL download ID --dest DIR` process (token from
  FIGSHARE_TOKEN), which follows the API's redirect to storage, writes the file, and checks
  its md5 as the bytes arrive; its peak memory (ru_maxrss of the child) too;
- baseline: `curl -L` with the token to the same /file/download/{id}, writing the file, then
  `md5sum` of it (the check the resources page's script leaves out, done the usual way).

Run: .venv/bin/python benchmarks/bench_download.py [--size-mib 1024] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import MiB, machine, make_file, sandbox


def upload(api: str, token: str, path: Path) -> tuple[int, int]:
    """The item id and file id of ``path`` uploaded to a new item (the setup, not measured)."""
    from figdesk.core.api import FigshareClient
    from figdesk.core.upload import FileUpload, Md5Cache, UploadEngine, UploadOptions

    with FigshareClient(token, api) as client:
        article_id = client.create_article({"title": "Download benchmark"}).id
        out = UploadEngine(client, UploadOptions(), Md5Cache(":memory:")).upload(
            FileUpload(path=str(path), article_id=article_id))
        assert out.state == "done" and out.file_id is not None, out.error
        return article_id, out.file_id


def time_figdesk(api: str, token: str, article_id: int, dest: Path) -> tuple[float, float]:
    """Seconds and peak MB of one whole `figdesk download` process."""
    shutil.rmtree(dest, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "figdesk", "--api", api, "download", str(article_id),
                    "--dest", str(dest)], env={**os.environ, "FIGSHARE_TOKEN": token},
                   cwd=ROOT, check=True, capture_output=True)
    took = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return took, max(peak, before) / 1024


def time_baseline(api: str, token: str, file_id: int, dest: Path) -> tuple[float, str]:
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    target = dest / "file.bin"
    t0 = time.perf_counter()
    # The token goes only to the API host: curl -L drops it on the redirect to another host.
    subprocess.run(["curl", "-sSfL", "-H", f"Authorization: token {token}", "-o", str(target),
                    f"{api}/file/download/{file_id}"], check=True)
    digest = subprocess.run(["md5sum", str(target)], check=True, capture_output=True,
                            text=True).stdout.split()[0]
    return time.perf_counter() - t0, digest


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size-mib", type=int, default=1024)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="figdesk-bench-dl-", dir="/dev/shm"
                                 if os.access("/dev/shm", os.W_OK) else None))
    try:
        source = work / "source.bin"
        make_file(source, args.size_mib * MiB)
        with sandbox() as sb:
            article_id, file_id = upload(sb.api_url, sb.token, source)
            ours: list[float] = []
            theirs: list[float] = []
            peaks: list[float] = []
            for _ in range(args.rounds):
                took, peak = time_figdesk(sb.api_url, sb.token, article_id, work / "ours")
                ours.append(took)
                peaks.append(peak)
                took, _digest = time_baseline(sb.api_url, sb.token, file_id, work / "theirs")
                theirs.append(took)
            got = work / "ours" / str(article_id) / "source.bin"
            assert got.stat().st_size == source.stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    best_ours, best_theirs = min(ours), min(theirs)
    print(f"== download, {args.size_mib} MiB, best of {args.rounds} ({machine()})")
    print(f"   figdesk download (whole process, md5 checked): {best_ours:.2f} s "
          f"({args.size_mib / best_ours:.0f} MiB/s); runs {', '.join(f'{t:.2f}' for t in ours)}")
    print(f"   curl -L + md5sum: {best_theirs:.2f} s ({args.size_mib / best_theirs:.0f} MiB/s); "
          f"runs {', '.join(f'{t:.2f}' for t in theirs)}")
    print(f"   ratio (baseline / figdesk): {best_theirs / best_ours:.2f}x; figdesk peak memory "
          f"{max(peaks):.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
