"""A look at figdesk without a screen: a built-in sandbox, its items listed, then it serves.

``tools/run.sh`` uses this on machines with no display, so the README's first command shows
something real everywhere. Stop it with Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from figdesk.cli.main import main as figdesk_main
from figdesk.sandbox import Sandbox, SandboxConfig


def run() -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Sandbox(SandboxConfig(host="127.0.0.1", port=0)) as sb:
        print(f"figdesk sandbox: API {sb.api_url}")
        print(f"Items of the sandbox account (figdesk --api {sb.api_url} items list):\n")
        os.environ["FIGSHARE_TOKEN"] = sb.token
        status = figdesk_main(["--api", sb.api_url, "items", "list"])
        print(f"\nTry: FIGSHARE_TOKEN={sb.token} figdesk --api {sb.api_url} whoami")
        print("The sandbox serves until Ctrl-C.")
        sys.stdout.flush()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return status


if __name__ == "__main__":
    raise SystemExit(run())
