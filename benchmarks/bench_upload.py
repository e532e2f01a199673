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
    delete_item,
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
    ap.add_argument("--rounds", type=int, default=3)
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
        configs: list[tuple[str, dict[str, Any]]] = []
        for mode in args.modes:
            for parts in args.parts or [None]:
                opts: dict[str, Any] = {"hash_mode": mode}
                if parts:
                    opts["parts_in_flight"] = parts
                    opts["max_connections"] = max(parts, 16)
                configs.append((f"hash={mode}" + (f" parts={parts}" if parts else ""), opts))
        times: dict[str, list[float]] = {"baseline": []}
        results: dict[str, Any] = {"size_mib": args.size, "wan": args.wan,
                                   "total_cap": args.total_cap, "rounds": args.rounds}
        # rounds interleave the contenders; the best of each is kept (shared, noisy machine)
        for _ in range(args.rounds):
            if not args.no_baseline:
                aid = new_item(sb)
                base = baseline_upload(sb, aid, path, work)
                delete_item(sb, aid)
                assert base["ok"], base
                print(f"baseline: {base}", flush=True)
                times["baseline"].append(base["total"])
            for name, opts in configs:
                aid = new_item(sb)
                r = figdesk_upload(sb, aid, path, **opts)
                delete_item(sb, aid)
                assert r["ok"], r
                print(f"figdesk {name}: {r}", flush=True)
                times.setdefault(name, []).append(r["total"])
                results.setdefault(f"{name} runs", []).append(r)
        best_base = min(times["baseline"]) if times["baseline"] else 0.0
        rows = [(name, min(times[name]), best_base) for name, _ in configs]
        results["times"] = times
        if args.total_cap:
            for name, _ in configs:
                puts = [r["put"] for r in results.get(f"{name} runs", [])]
                got = size / min(puts)
                results[f"{name} share of cap"] = round(got / args.total_cap, 3)
                print(f"   {name}: parts sent at {got / 1e6:.1f} MB/s = "
                      f"{100 * got / args.total_cap:.0f}% of the {args.total_cap / 1e6:.0f} "
                      f"MB/s cap (from the first part to the last)")
        title = ("upload " + ("wide-area (40 ms, 25 MB/s per connection)" if args.wan
                              else "loopback") + f", {args.size} MiB, best of {args.rounds}")
        report(title, rows, results)


if __name__ == "__main__":
    main()
