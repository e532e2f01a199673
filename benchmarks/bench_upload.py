"""Upload throughput, end to end: figdesk's engine against the baseline (md5sum + requests +
one curl PUTting the parts in order on one keep-alive connection), on the sandbox.

    .venv/bin/python benchmarks/bench_upload.py                 # loopback, 1 GiB
    .venv/bin/python benchmarks/bench_upload.py --wan           # 40 ms/request, 25 MB/s/conn
    .venv/bin/python benchmarks/bench_upload.py --wan --total-cap 60000000

Both are timed from the first byte read to the file seen ``available`` with the right md5.
The file is freshly written (in the page cache) for both contenders alike.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    MiB,
    baseline_upload,
    figdesk_upload,
    make_file,
    new_item,
    report,
    sandbox,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1024, help="MiB")
    ap.add_argument("--wan", action="store_true", help="40 ms per request, 25 MB/s per connection")
    ap.add_argument("--total-cap", type=int, default=0, help="bytes/s over all connections")
    ap.add_argument("--parts", type=int, nargs="*", default=None,
                    help="parts_in_flight values to try (default: the engine's default)")
    ap.add_argument("--modes", nargs="*", default=["concurrent", "before"])
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()

    flags: list[str] = []
    if args.wan:
        flags += ["--latency-ms", "40", "--bandwidth", "25000000"]
    if args.total_cap:
        flags += ["--bandwidth-total", str(args.total_cap)]
    size = args.size * MiB
    with tempfile.TemporaryDirectory(prefix="figdesk-bench-") as tmp, sandbox(*flags) as sb:
        work = Path(tmp)
        path = work / "data.bin"
        make_file(path, size)
        base: dict[str, Any] = {"total": 0.0}
        if not args.no_baseline:
            base = baseline_upload(sb, new_item(sb), path, work)
            print(f"baseline: {base}", flush=True)
        rows = []
        results: dict[str, Any] = {"size_mib": args.size, "wan": args.wan,
                                   "total_cap": args.total_cap, "baseline": base}
        for mode in args.modes:
            for parts in args.parts or [None]:
                opts: dict[str, Any] = {"hash_mode": mode}
                if parts:
                    opts["parts_in_flight"] = parts
                    opts["max_connections"] = max(parts, 8)
                r = figdesk_upload(sb, new_item(sb), path, **opts)
                name = f"hash={mode}" + (f" parts={parts}" if parts else "")
                print(f"figdesk {name}: {r}", flush=True)
                results[name] = r
                rows.append((name, r["total"], base["total"]))
                if args.total_cap:
                    got = size / r["total"]
                    print(f"   {name}: {got / 1e6:.1f} MB/s = {100 * got / args.total_cap:.0f}% "
                          f"of the {args.total_cap / 1e6:.0f} MB/s cap")
        title = "upload " + ("wide-area (40 ms, 25 MB/s per connection)" if args.wan
                             else "loopback") + f", {args.size} MiB"
        report(title, rows, results)


if __name__ == "__main__":
    main()
