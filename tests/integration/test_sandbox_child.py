"""The built-in sandbox of ``figdesk --sandbox`` runs in a child process that the app owns."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from figdesk.core.errors import FigdeskError
from figdesk.gui import sandbox_child
from figdesk.gui.sandbox_child import SANDBOX_NICE, SandboxChild

ROOT = Path(__file__).resolve().parents[2]


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A child of this process lingers as a zombie until reaped (then it is gone too).
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def test_serves_with_its_token_at_a_lower_priority_and_stops(tmp_path: Path) -> None:
    child = SandboxChild(items=3, log_path=tmp_path / "sandbox.log")
    child.start()
    pid = child.pid
    assert pid is not None and child.running()
    try:
        answer = requests.get(f"{child.api_url}/account", timeout=10,
                              headers={"Authorization": f"token {child.token}"})
        assert answer.status_code == 200 and answer.json()["id"]
        items = requests.get(f"{child.api_url}/account/articles", timeout=10,
                             params={"page_size": 100},
                             headers={"Authorization": f"token {child.token}"}).json()
        assert len(items) >= 3
        assert os.getpriority(os.PRIO_PROCESS, pid) >= SANDBOX_NICE
    finally:
        child.stop()
    assert not child.running()
    assert _gone(pid)


def test_ends_when_the_app_that_started_it_dies(tmp_path: Path) -> None:
    # A stand-in for the app: starts the sandbox, says its pid, then is killed with SIGKILL
    # (no chance to stop it). The sandbox sees its stdin close and stops by itself.
    app = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from figdesk.gui.sandbox_child import SandboxChild
        child = SandboxChild(samples=False)
        child.start()
        print(child.pid, flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", app], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        pid = int(proc.stdout.readline())
        os.kill(pid, 0)                     # the sandbox runs
        proc.kill()
        proc.wait(10)
        assert _gone(pid), "the sandbox outlived the app that started it"
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_a_child_that_cannot_start_is_an_error_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox_child, "sandbox_command",
                        lambda: [sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(FigdeskError, match="stopped as it started"):
        SandboxChild().start()
    # A child that never says where it listens: given up on, and not left running.
    monkeypatch.setattr(sandbox_child, "sandbox_command",
                        lambda: [sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.setattr(sandbox_child, "START_TIMEOUT", 0.5)
    monkeypatch.setattr(sandbox_child, "STOP_TIMEOUT", 0.5)
    started = time.monotonic()
    with pytest.raises(FigdeskError, match="did not start within"):
        SandboxChild().start()
    assert time.monotonic() - started < 10
