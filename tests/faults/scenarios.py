"""Randomized fault scenarios: one new item with small files, uploaded through the queue
while the sandbox misbehaves, then checked against the sandbox with the faults off.

Everything random comes from one seed (printed with every failure), so a failing run can be
replayed with ``FIGDESK_FAULT_SEED=<seed>``.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figdesk.core.api import FigshareClient, RetryPolicy
from figdesk.core.queue import Job, JobKind, JobState, QueueStore, Runner, RunnerOptions
from figdesk.core.queue.enqueue import enqueue_upload
from figdesk.core.queue.execute import default_engine_factory
from figdesk.core.upload import FileUpload, UploadOptions

PART = 64 * 1024

#: Fast settings: tiny backoffs, probes and settle time, short timeouts (stalls time out).
UPLOAD = UploadOptions(parts_in_flight=3, backoff_base=0.01, backoff_cap=0.1, poll_initial=0.01,
                       poll_max=0.05, poll_timeout=20.0, part_retries=8, pause_hold=1.0)
RUNNER = RunnerOptions(files_at_once=2, upload=UPLOAD, probe_initial=0.05, probe_max=0.3,
                       retry_base=0.05, retry_cap=0.3, max_transient=8, poll_interval=0.05,
                       create_settle=2.5)
CLIENT_TIMEOUT = (2.0, 1.0)
STALL_SECONDS = 1.5


def fast_client(token: str, api_url: str) -> FigshareClient:
    return FigshareClient(token, api_url, timeout=CLIENT_TIMEOUT,
                          retry=RetryPolicy(max_attempts=4, base=0.01, cap=0.05,
                                            max_retry_after=1.0))


def round_profile(rng: random.Random) -> tuple[dict[str, Any], int, bool]:
    """Fault settings for one round, how many ic_failures to force, and whether every
    completed upload fails its integrity check (then failures must be clean, not retried
    forever)."""
    kinds = rng.sample(["error", "rate_limit", "drop", "stall", "after_commit", "abort",
                        "ic_failure"], k=rng.randint(1, 3))
    s: dict[str, Any] = {}
    if "error" in kinds:
        s.update(error_rate=rng.uniform(0.03, 0.15), upload_error_rate=rng.uniform(0.03, 0.15),
                 error_status=rng.choice([500, 502, 503]))
    if "rate_limit" in kinds:
        s.update(rate_limit_rate=rng.uniform(0.02, 0.08),
                 upload_rate_limit_rate=rng.uniform(0.02, 0.08), retry_after=1)
    if "drop" in kinds:
        s.update(drop_rate=rng.uniform(0.05, 0.2))
    if "stall" in kinds:
        s.update(stall_rate=rng.uniform(0.01, 0.04), stall_seconds=STALL_SECONDS)
    if "after_commit" in kinds:
        s.update(fail_after_commit_rate=rng.uniform(0.05, 0.2))
    if "abort" in kinds:
        s.update(abort_rate=rng.uniform(0.02, 0.08))
    forced_ic = rng.randint(1, 3) if "ic_failure" in kinds else 0
    every_ic = "ic_failure" in kinds and rng.random() < 0.15
    return s, forced_ic, every_ic


@dataclass
class Scenario:
    seed: int
    number: int
    title: str
    sizes: list[int]
    revoke: bool
    files: list[Path] = field(default_factory=list)
    md5: dict[str, str] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    note: str = ""

    def where(self) -> str:
        return f"[seed {self.seed}, scenario {self.number} {self.title!r}]"


def make_scenario(seed: int, number: int, rng: random.Random, folder: Path) -> Scenario:
    sizes = [rng.choice([rng.randint(1, PART), rng.randint(PART, 4 * PART),
                         rng.randint(1, 200 * 1024)]) for _ in range(rng.randint(1, 2))]
    sc = Scenario(seed, number, f"fault {seed} #{number}", sizes, revoke=rng.random() < 0.08)
    folder.mkdir(parents=True, exist_ok=True)
    for i, size in enumerate(sizes):
        p = folder / f"f{i}.bin"
        data = rng.randbytes(size)
        p.write_bytes(data)
        sc.files.append(p)
        sc.md5[p.name] = hashlib.md5(data).hexdigest()
    return sc


def run_scenario(sc: Scenario, sandbox: Any, token: str, folder: Path,
                 timeout: float = 120.0) -> None:
    """Queue and run the scenario to its end (done, or failed and kept)."""
    client = fast_client(token, sandbox.api_url)
    store = QueueStore(folder / "queue.sqlite3")
    try:
        uploads = []
        for p in sc.files:
            st = p.stat()
            uploads.append(FileUpload(path=str(p), article_id=0, size=st.st_size,
                                      mtime_ns=st.st_mtime_ns, inode=st.st_ino))
        enqueue_upload(store, uploads, new_metadata={"title": sc.title})
        runner = Runner(store, client, options=RUNNER, engine_factory=default_engine_factory)
        if sc.revoke:
            sandbox.revoke_token(token)
        runner.start()
        try:
            if sc.revoke:
                _wait(lambda: runner.status.state == "paused", 30, sc, "auth pause")
                assert runner.status.reason.startswith("Sign-in needed"), sc.where()
                sandbox.restore_token(token)
                runner.resume_all()
            deadline = time.monotonic() + timeout
            while not runner.wait_idle(0.5):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{sc.where()} did not finish: "
                                         f"{[(j.id, j.state.value, j.error) for j in store.list()]}"
                                         f" status {runner.status}")
        finally:
            runner.stop()
            _wait(lambda: not runner.lock.held, 30, sc, "runner end")
        sc.jobs = store.list()
    finally:
        store.close()
        client.close()


def _wait(cond: Any, timeout: float, sc: Scenario, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"{sc.where()} timed out waiting for {what}")
        time.sleep(0.02)


def check_scenario(sc: Scenario, client: FigshareClient) -> str:
    """Check the outcome against the sandbox (faults off). Returns "ok" or "failed"."""
    w = sc.where()
    by_state = {j.id: j for j in sc.jobs}
    for j in sc.jobs:
        assert j.state in (JobState.DONE, JobState.FAILED), \
            f"{w} job {j.id} ended {j.state.value}: {j.error}"
        if j.state is JobState.FAILED:
            assert j.error.strip(), f"{w} job {j.id} failed without saying why"
    items = [a for a in client.list_my_articles() if a.title == sc.title]
    assert len(items) <= 1, f"{w} duplicate items: {[a.id for a in items]}"
    create = next(j for j in sc.jobs if j.kind is JobKind.CREATE_ITEM)
    if create.state is JobState.DONE:
        assert items and items[0].id == create.article_id, f"{w} created item not bound"
    if not items:
        assert create.state is JobState.FAILED, f"{w} no item, yet create is {create.state}"
        return "failed"
    files = client.list_files(items[0].id)
    names = [f.name for f in files]
    assert len(names) == len(set(names)), f"{w} duplicate file records: {names}"
    for f in files:
        if f.status == "available" and f.computed_md5:
            assert f.computed_md5 == sc.md5.get(f.name), f"{w} corrupted file {f.name}"
    for j in by_state.values():
        if j.kind is not JobKind.UPLOAD_FILE or j.state is not JobState.DONE:
            continue
        match = [f for f in files if f.name == j.file_name]
        assert match, f"{w} {j.file_name} done but not on the item"
        assert match[0].status == "available" and match[0].computed_md5 == sc.md5[j.file_name], \
            f"{w} {j.file_name} done but not verified: {match[0].status} {match[0].computed_md5}"
    return "ok" if all(j.state is JobState.DONE for j in sc.jobs) else "failed"
