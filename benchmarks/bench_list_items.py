"""How long `figdesk items list --json` takes for 10,000 items, against curl paging the same API.

Starts `figdesk sandbox --items N` as its own process, as a user would, then times:
- figdesk: `figdesk --api URL items list --json` (token from FIGSHARE_TOKEN), the whole process;
- baseline: curl fetching every page of /account/articles (page_size 1000) on one connection.

Run: .venv/bin/python benchmarks/bench_list_items.py [--items 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_sandbox(items: int) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen([sys.executable, "-m", "figdesk", "sandbox", "--port", "0",
                             "--items", str(items)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    api = proc.stdout.readline().split(": ", 1)[1].strip()
    token = proc.stdout.readline().split(": ", 1)[1].strip()
    return proc, api, token


def time_figdesk(api: str, token: str) -> tuple[float, int]:
    env = {**os.environ, "FIGSHARE_TOKEN": token}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "figdesk", "--api", api, "items", "list",
                          "--json"], capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True).stdout
    return time.perf_counter() - t0, len(json.loads(out))


def time_curl(api: str, token: str, total: int) -> float:
    pages = total // 1000 + 1
    args = ["curl", "-sS", "-o", "/dev/null", "-H", f"Authorization: token {token}"]
    for page in range(1, pages + 1):
        args += [f"{api}/account/articles?page={page}&page_size=1000"]
        if page < pages:
            args += ["--next", "-sS", "-o", "/dev/null", "-H", f"Authorization: token {token}"]
    t0 = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    proc, api, token = start_sandbox(args.items)
    try:
        runs = [time_figdesk(api, token) for _ in range(args.repeat)]
        count = runs[0][1]
        fig = statistics.median(t for t, _ in runs)
        base = statistics.median(time_curl(api, token, count) for _ in range(args.repeat))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    print(f"items listed: {count} (generated {args.items} + samples)")
    print(f"figdesk items list --json: {fig:.2f} s (median of {args.repeat}, whole process)")
    print(f"curl, every page on one connection: {base:.2f} s")
    print(f"ratio figdesk/curl: {fig / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
