"""API economy: requests per file, and what a re-run of finished uploads costs.

    .venv/bin/python benchmarks/bench_api_economy.py [--files N]

Counts the client's own counters (``client.stats``). Goals: at most 5 API calls per file
besides part PUTs; running finished uploads again sends no bytes (the finished FileUploads,
and a fresh pre-flight of the same paths, which finds them already on the item by md5 from
the cache and queues nothing).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import MiB, machine, make_file, new_item, sandbox
from figdesk.core.api import FigshareClient
from figdesk.core.upload import Md5Cache, UploadEngine, UploadOptions, preflight


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="figdesk-bench-") as tmp, sandbox() as sb:
        paths = []
        for i in range(args.files):
            p = Path(tmp) / f"f{i:03d}.bin"
            make_file(p, (i % 4) * 7 * MiB + 1000 + i)       # 1 to 3 parts each
            paths.append(str(p))
        client = FigshareClient(sb.token, sb.api_url)
        cache = Md5Cache(Path(tmp) / "md5.sqlite3")
        engine = UploadEngine(client, UploadOptions(), cache)
        aid = new_item(sb)
        opts = UploadOptions()
        s0 = client.stats.snapshot()
        report = preflight(client, None, paths, opts, article_id=aid, md5_cache=cache)
        s1 = client.stats.snapshot()
        done = engine.upload_many(report.uploads)
        s2 = client.stats.snapshot()
        assert all(f.state == "done" for f in done), [f.error for f in done if f.state != "done"]
        parts = sum(-(-f.size // (10 * MiB)) for f in done)
        api_per_file = (s2.api_calls - s1.api_calls) / len(done)
        upload_other = (s2.upload_calls - s1.upload_calls - parts) / len(done)
        # run again: the finished FileUploads, then a fresh pre-flight of the same paths
        again = engine.upload_many(done)
        s3 = client.stats.snapshot()
        report2 = preflight(client, None, paths, opts, article_id=aid, md5_cache=cache)
        s4 = client.stats.snapshot()
        print(f"== API economy: {len(done)} files, {parts} parts ({machine()})")
        print(f"   pre-flight: {s1.api_calls - s0.api_calls} API calls for the whole batch")
        print(f"   upload: {api_per_file:.2f} API calls per file (goal <= 5) besides "
              f"{parts} part PUTs; {upload_other:.2f} other upload-service calls per file "
              f"(GET upload_url); retries {s2.retries - s1.retries}")
        print(f"   re-run of finished uploads: {s3.total - s2.total} requests, "
              f"{sum(1 for f in again if f.state == 'done')} still done")
        print(f"   fresh pre-flight of the same paths: {s4.api_calls - s3.api_calls} API calls, "
              f"{len(report2.uploads)} files to send, {len(report2.skipped)} skipped as "
              f"already there; bytes sent: 0")
        client.close()


if __name__ == "__main__":
    main()
