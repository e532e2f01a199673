"""``figdesk sandbox`` / ``python -m figdesk.sandbox``: serve a sandbox until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .config import SandboxConfig
from .server import Sandbox

# flag -> (FaultSettings field, type, help)
_FAULT_FLAGS: dict[str, tuple[str, type, str]] = {
    "--latency-ms": ("latency_ms", float, "added latency per request"),
    "--bandwidth": ("bandwidth", int, "bytes/s per connection (bodies in and out)"),
    "--bandwidth-total": ("bandwidth_total", int, "bytes/s over all connections"),
    "--error-rate": ("error_rate", float, "share of API requests answered 5xx"),
    "--upload-error-rate": ("upload_error_rate", float, "share of upload requests answered 5xx"),
    "--error-status": ("error_status", int, "the 5xx code to answer (default 500)"),
    "--rate-limit-rate": ("rate_limit_rate", float, "share of API requests answered 429"),
    "--upload-rate-limit-rate": (
        "upload_rate_limit_rate",
        float,
        "share of upload requests answered 429",
    ),
    "--retry-after": ("retry_after", int, "Retry-After seconds on 429/5xx"),
    "--drop-rate": ("drop_rate", float, "share of part PUTs cut mid-body"),
    "--stall-rate": ("stall_rate", float, "share of requests that hang first"),
    "--stall-seconds": ("stall_seconds", float, "how long a stall lasts"),
    "--fail-after-commit-rate": (
        "fail_after_commit_rate",
        float,
        "share of API writes done but answered by a dropped connection",
    ),
    "--abort-rate": ("abort_rate", float, "share of part PUTs that abort the upload session"),
    "--processing-step": ("processing_step", float, "seconds per file-processing step"),
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="figdesk sandbox", description="A Figshare stand-in on this computer."
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="API port (0: any free port)")
    p.add_argument("--upload-port", type=int, default=0)
    p.add_argument("--stats-port", type=int, default=0)
    p.add_argument("--download-port", type=int, default=0)
    p.add_argument("--data", default=None, help="keep state in this folder (survives restarts)")
    p.add_argument("--token", default=None, help="the main account's token")
    p.add_argument("--items", type=int, default=0, help="generate N extra items")
    p.add_argument("--part-size", type=int, default=10 * 1024 * 1024)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-samples", action="store_true", help="accounts only, no sample items")
    p.add_argument("--body-timeout", type=float, default=30.0)
    p.add_argument(
        "--ic-failure", action="store_true", help="every completed upload fails its check"
    )
    p.add_argument("--nice", type=int, default=0, help="lower this process's priority by N")
    p.add_argument(
        "--until-stdin-closes",
        action="store_true",
        help="stop when stdin reaches its end (a parent process that started it went away)",
    )
    for flag, (_name, kind, text) in _FAULT_FLAGS.items():
        p.add_argument(flag, type=kind, default=None, help=text)
    return p


def config_from(args: argparse.Namespace) -> SandboxConfig:
    faults: dict[str, Any] = {}
    for flag, (name, _kind, _text) in _FAULT_FLAGS.items():
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            faults[name] = value
    if args.ic_failure:
        faults["ic_failure"] = True
    return SandboxConfig(
        host=args.host,
        port=args.port,
        upload_port=args.upload_port,
        stats_port=args.stats_port,
        download_port=args.download_port,
        data_dir=args.data,
        token=args.token,
        items=args.items,
        part_size=args.part_size,
        seed=args.seed,
        samples=not args.no_samples,
        body_timeout=args.body_timeout,
        faults=faults,
    )


def _stop_at_eof(stop: threading.Event) -> None:
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def run(argv: Sequence[str], stop: threading.Event | None = None) -> int:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set); 0 on a clean stop, 2 on bad usage."""
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    stop = stop or threading.Event()
    if args.nice and hasattr(os, "nice"):
        try:
            os.nice(args.nice)      # before any thread starts: they all inherit it
        except OSError:
            pass                    # not allowed here: serve at normal priority
    if args.until_stdin_closes:
        threading.Thread(target=_stop_at_eof, args=(stop,), name="sandbox-stdin",
                         daemon=True).start()
    try:
        sandbox = Sandbox(config_from(args))
    except ValueError as exc:
        print(f"figdesk sandbox: {exc}", file=sys.stderr)
        return 2
    try:
        sandbox.start()
    except OSError as exc:
        print(f"figdesk sandbox: cannot listen: {exc}", file=sys.stderr)
        sandbox.close()
        return 1
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        print(f"API: {sandbox.api_url}")
        print(f"TOKEN: {sandbox.token}")
        print(f"UPLOADS: {sandbox.upload_base}")
        print(f"STATS: {sandbox.stats_url}")
        print(f"DOWNLOADS: {sandbox.download_base}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sandbox.close()
    return 0
