"""kill -9 of ``figdesk upload`` at random moments of a multi-part upload, then resume with
``figdesk queue run`` or the same ``figdesk upload`` command: it finishes, verified, with one
item and one file record, sending again no more than the parts that were in flight."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

PART = 64 * 1024
PARTS = 24
IN_FLIGHT = 2
MOMENTS = 10
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kill_sandbox() -> Iterator[Any]:
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, part_size=PART, processing_step=0.002,
                               samples=False, request_log_size=100_000)) as sb:
        # slow enough that a kill lands in the middle of the parts
        sb.faults.set(bandwidth=768 * 1024)
        yield sb


def _env(tmp: Path, token: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(FIGSHARE_TOKEN=token, FIGDESK_DATA_DIR=str(tmp / "data"),
               FIGDESK_CONFIG_DIR=str(tmp / "config"), FIGDESK_CACHE_DIR=str(tmp / "cache"),
               FIGDESK_LOG_DIR=str(tmp / "log"), PYTHONPATH=os.pathsep.join(
                   filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return env


def _figdesk(sb: Any, *args: str) -> list[str]:
    return [sys.executable, "-m", "figdesk", "--api", sb.api_url, *args]


def _part_puts(sb: Any) -> list[int]:
    out = []
    for r in sb.requests:
        if r.service == "upload" and r.method == "PUT":
            tail = r.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            if tail.isdigit():
                out.append(int(tail))
    return out


def _queued(work: Path) -> bool:
    from figdesk.core.queue import QueueStore

    db = work / "data" / "queue.sqlite3"
    if not db.exists():
        return False
    with QueueStore(db) as store:
        return len(store.list()) > 0


def _wait(cond: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.005)
    return False


def test_kill9_then_resume(kill_sandbox: Any, tmp_path: Path) -> None:
    seed = int(os.environ.get("FIGDESK_FAULT_SEED") or random.SystemRandom().randrange(10**6))
    print(f"kill -9 seed: {seed}")
    rng = random.Random(seed)
    sb = kill_sandbox
    kinds: Counter[str] = Counter()
    for moment in range(MOMENTS):
        where = f"[seed {seed}, moment {moment}]"
        _, token = sb.add_account(first_name=f"Kill{moment}")
        work = tmp_path / f"m{moment}"
        work.mkdir()
        data = rng.randbytes(PARTS * PART - rng.randint(0, PART - 1))
        src = work / "big.bin"
        src.write_bytes(data)
        title = f"kill9 {seed} #{moment}"
        env = _env(work, token)
        cmd = _figdesk(sb, "upload", str(src), "--new", title, "--parts", str(IN_FLIGHT))
        sb.requests.clear()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            if moment % 3 == 0:
                # a moment by the clock once the jobs are queued: may land before the item
                # exists, while hashing, between parts...
                _wait(lambda p=proc, w=work: _queued(w) or p.poll() is not None, 60)
                time.sleep(rng.uniform(0.0, 0.6))
            else:
                k = rng.randint(1, PARTS - 2)
                _wait(lambda k=k, p=proc: len(_part_puts(sb)) >= k or p.poll() is not None, 60)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        before = _part_puts(sb)
        kinds["mid-upload" if 0 < len(set(before)) < PARTS else "other"] += 1
        sb.requests.clear()
        resume = _figdesk(sb, "queue", "run") if moment % 2 == 0 else cmd
        done = subprocess.run(resume, check=False, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{where} resume failed: {done.stderr[-2000:]}"
        after = _part_puts(sb)
        resent = [p for p in after if p in set(before)]
        assert len(resent) <= IN_FLIGHT, \
            f"{where} resent {len(resent)} parts (before kill: {sorted(before)}, after: {after})"

        from figdesk.core.api import FigshareClient

        with FigshareClient(token, sb.api_url) as client:
            items = [a for a in client.list_my_articles() if a.title == title]
            assert len(items) == 1, f"{where} items: {[a.id for a in items]}"
            files = client.list_files(items[0].id)
            assert len(files) == 1, f"{where} file records: {[f.name for f in files]}"
            assert files[0].status == "available", where
            assert files[0].computed_md5 == hashlib.md5(data).hexdigest(), where
    print(f"seed {seed}: kill moments {dict(kinds)}")
    assert kinds["mid-upload"] >= MOMENTS // 2, f"seed {seed}: too few kills mid-upload {kinds}"
