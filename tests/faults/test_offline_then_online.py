"""Queue a new item with files while Figshare (the sandbox) is down; start it again on the
same port: everything completes with no further action."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_queue_offline_then_online(tmp_path: Path) -> None:
    from figdesk.core.api import FigshareClient
    from figdesk.sandbox import Sandbox, SandboxConfig

    sb = Sandbox(SandboxConfig(host="127.0.0.1", port=0, part_size=64 * 1024,
                               processing_step=0.002, samples=False))
    sb.start()
    try:
        token, api = sb.token, sb.api_url
        sb.stop()
        env = dict(os.environ, FIGSHARE_TOKEN=token, FIGDESK_DATA_DIR=str(tmp_path / "data"),
                   FIGDESK_CONFIG_DIR=str(tmp_path / "cfg"), FIGDESK_CACHE_DIR=str(tmp_path / "c"),
                   FIGDESK_LOG_DIR=str(tmp_path / "log"), PYTHONPATH=os.pathsep.join(
                   filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        folder = tmp_path / "study"
        (folder / "raw").mkdir(parents=True)
        blobs = {"a.csv": os.urandom(150_000), "raw/b.bin": os.urandom(70_000)}
        for rel, data in blobs.items():
            (folder / rel).write_bytes(data)
        fig = [sys.executable, "-m", "figdesk", "--api", api]
        queued = subprocess.run([*fig, "upload", str(folder), "--new", "Offline study",
                                 "--queue"], check=False, env=env, capture_output=True, text=True, timeout=60)
        assert queued.returncode == 0, queued.stderr
        run = subprocess.Popen([*fig, "queue", "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            # still down: the runner waits and probes; nothing can have happened yet
            time.sleep(1.0)
            assert run.poll() is None
            sb.start()
            _, err = run.communicate(timeout=90)
        finally:
            if run.poll() is None:
                run.kill()
        assert run.returncode == 0, err
        with FigshareClient(token, api) as client:
            (item,) = [a for a in client.list_my_articles() if a.title == "Offline study"]
            files = client.list_files(item.id)
            assert sorted(f.name for f in files) == ["a.csv", "b.bin"]
            md5 = {os.path.basename(k): hashlib.md5(v).hexdigest() for k, v in blobs.items()}
            for f in files:
                assert f.status == "available" and f.computed_md5 == md5[f.name]
    finally:
        sb.close()
