"""Peak memory (ru_maxrss) of one upload in a child process: a 256 MiB and a 4 GiB file.

    .venv/bin/python benchmarks/bench_memory.py [--sizes 256 4096]

The files are sparse (they read as zeros: fine for memory). Goal: the peaks within 10% of
each other (nothing grows with the file) and under 150 MB. The baseline column is the
child's peak before uploading (interpreter + imports).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, MiB, machine, make_file, new_item, sandbox

CHILD = r"""
import json, resource, sys
from figdesk.core.api import FigshareClient
from figdesk.core.upload import FileUpload, Md5Cache, UploadEngine, UploadOptions
api, token, aid, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
client = FigshareClient(token, api)
engine = UploadEngine(client, UploadOptions(), Md5Cache(":memory:"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = engine.upload(FileUpload(path=path, article_id=aid))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"state": str(out.state), "error": out.error, "before_kib": before,
                  "peak_kib": peak}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[256, 4096], help="MiB")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="figdesk-bench-") as tmp, sandbox() as sb:
        for size in args.sizes:
            path = Path(tmp) / f"sparse-{size}.bin"
            make_file(path, size * MiB, sparse=True)
            out = subprocess.run([sys.executable, "-c", CHILD, sb.api_url, sb.token,
                                  str(new_item(sb)), str(path)], cwd=ROOT, check=True,
                                 capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[size] = r
            print(f"{size} MiB: {r}", flush=True)
            path.unlink()
    peaks = [r["peak_kib"] / 1024 for r in results.values()]
    print(f"== memory: peak RSS of one upload ({machine()})")
    for size, r in results.items():
        print(f"   {size} MiB: peak {r['peak_kib'] / 1024:.1f} MB "
              f"(after imports {r['before_kib'] / 1024:.1f} MB), state {r['state']}")
    if len(peaks) > 1:
        print(f"   largest/smallest peak: {max(peaks) / min(peaks):.3f} (goal <= 1.10), "
              f"max {max(peaks):.1f} MB (goal < 150)")


if __name__ == "__main__":
    main()
