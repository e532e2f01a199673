"""The built-in sandbox of ``figdesk --sandbox`` in a child process of the app.

Inside the app's process the sandbox's request threads took turns at the GIL with the GUI
thread: a 1 GiB upload to it stalled the window for 50-115 ms at a time, against 30-42 ms with
the sandbox in a process of its own (``benchmarks/bench_gui_stall.py --embedded-sandbox``). It
stands in for Figshare's servers, which are not on the user's machine either.

The child prints its addresses and token on stdout (``figdesk sandbox``), runs at a lower
priority, and ends when its stdin closes: when the app stops it, and also when the app dies,
so no sandbox outlives the app that started it. Its state lives in memory, as before.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from figdesk.core.errors import FigdeskError

#: The argument that makes a frozen figdesk bundle (PyInstaller) run as the sandbox: it has no
#: ``python -m`` (see packaging/bundle_entry.py).
BUNDLE_SANDBOX_FLAG = "--sandbox-server"
#: How much nicer than the app the sandbox runs: the GUI thread comes first on a busy machine.
SANDBOX_NICE = 10
START_TIMEOUT = 60.0      # seconds for the child to listen (40 demo items take well under 1)
STOP_TIMEOUT = 5.0


def sandbox_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, BUNDLE_SANDBOX_FLAG]
    return [sys.executable, "-m", "figdesk.sandbox"]


class SandboxChild:
    """A sandbox process: ``start()`` waits until it listens; ``api_url`` and ``token`` then
    say where it is and how to sign in to it."""

    def __init__(self, *, items: int = 0, samples: bool = True,
                 log_path: Path | None = None) -> None:
        self.items = items
        self.samples = samples
        self.log_path = log_path
        self.api_url = ""
        self.token = ""
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the child and wait for its addresses. ``FigdeskError`` (in words) when it
        cannot start or does not answer in time."""
        if self._proc is not None:
            return
        args = [*sandbox_command(), "--port", "0", "--items", str(self.items),
                "--nice", str(SANDBOX_NICE), "--until-stdin-closes"]
        if not self.samples:
            args.append("--no-samples")
        log = open(self.log_path, "ab") if self.log_path else None   # noqa: SIM115
        try:
            proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=log if log is not None else subprocess.DEVNULL)
        except OSError as exc:
            raise FigdeskError(f"The built-in sandbox could not start: {exc}") from exc
        finally:
            if log is not None:
                log.close()       # the child has its own copy of the file
        assert proc.stdout is not None
        try:
            found = _addresses(proc.stdout, START_TIMEOUT)
        except FigdeskError:
            _end(proc)
            raise
        self.api_url, self.token = found["API"], found["TOKEN"]
        self._proc = proc

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _end(proc)


def _addresses(stdout: IO[bytes], timeout: float) -> dict[str, str]:
    """The ``NAME: value`` lines the child prints once it listens (read on a thread, so a
    silent child cannot hang the caller past ``timeout``)."""
    lines: queue.Queue[bytes] = queue.Queue()

    def read() -> None:
        # Reads to the end (later lines too, so the child never blocks on a full pipe), and
        # owns the pipe: it closes it once the child has closed its end.
        with stdout:
            for line in iter(stdout.readline, b""):
                lines.put(line)
        lines.put(b"")          # the child closed its stdout: it stopped

    threading.Thread(target=read, name="figdesk-sandbox-stdout", daemon=True).start()
    found: dict[str, str] = {}
    while "API" not in found or "TOKEN" not in found:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise FigdeskError("The built-in sandbox did not start within "
                               f"{timeout:.0f} s.") from None
        if not line:
            raise FigdeskError("The built-in sandbox stopped as it started (see "
                               "figdesk-sandbox.log in figdesk's log folder).")
        name, sep, value = line.decode("utf-8", "replace").partition(": ")
        if sep:
            found[name.strip()] = value.strip()
    return found


def _end(proc: subprocess.Popen[bytes]) -> None:
    """Close the child's stdin (it stops by itself), then terminate, then kill. Its stdout
    is the reader thread's to close."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass
    for step in (None, proc.terminate, proc.kill):
        if step is not None:
            step()
        try:
            proc.wait(STOP_TIMEOUT)
            break
        except subprocess.TimeoutExpired:
            continue
