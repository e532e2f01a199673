"""md5 throughput: figdesk's streaming md5 against ``md5sum`` on the same file.

    .venv/bin/python benchmarks/bench_hash.py [--size MiB] [--rounds N]

The file is read once first so both read it from the page cache; the rounds alternate and
the best of each is kept (the fairest figure on a shared machine).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import MiB, make_file, report
from figdesk.core.upload.hashing import md5_file


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1024, help="MiB")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="figdesk-bench-") as tmp:
        path = Path(tmp) / "data.bin"
        make_file(path, args.size * MiB)
        md5_file(str(path))                                    # warm the page cache
        ours, theirs = [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            a = md5_file(str(path))
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            b = subprocess.run(["md5sum", str(path)], check=True, capture_output=True,
                               text=True).stdout.split()[0]
            theirs.append(time.perf_counter() - t0)
            assert a == b, "md5 mismatch"
        fig, base = min(ours), min(theirs)
        mbps = args.size * MiB / 1e6
        report(f"md5 of {args.size} MiB (page cache), best of {args.rounds}",
               [("md5", fig, base)],
               {"figdesk_MBps": round(mbps / fig), "md5sum_MBps": round(mbps / base),
                "throughput_ratio": round(base / fig, 3), "all_figdesk": ours,
                "all_md5sum": theirs})


if __name__ == "__main__":
    main()
