"""The queue's non-repeatable requests against the sandbox when their answers are lost:
a create or a publish is done once, never twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from figdesk.core.api import FigshareClient, RetryPolicy
from figdesk.core.queue import JobKind, JobState, QueueStore, Runner, RunnerOptions, article_key

FAST = RunnerOptions(probe_initial=0.05, probe_max=0.2, retry_base=0.05, poll_interval=0.05,
                     create_settle=0.5)


@pytest.fixture
def sb() -> Iterator[Any]:
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, samples=False)) as s:
        yield s


def run_all(store: QueueStore, client: FigshareClient) -> None:
    runner = Runner(store, client, options=FAST)
    runner.start()
    deadline = time.monotonic() + 30
    while not all(j.state.finished for j in store.list()):
        assert time.monotonic() < deadline, [(j.id, j.state, j.error) for j in store.list()]
        time.sleep(0.02)
    runner.stop()


def test_creates_with_lost_answers_make_one_item_each(sb: Any, tmp_path: Path) -> None:
    client = FigshareClient(sb.token, sb.api_url,
                            retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.05))
    with QueueStore(tmp_path / "q.sqlite3") as store:
        titles = [f"Lost answer {n}" for n in range(5)]
        for title in titles:
            store.add(JobKind.CREATE_ITEM, store.new_item_key(title), {"metadata": {"title": title}})
        sb.faults.fail_next("api", "after_commit", count=2, method="POST", path="articles$")
        sb.faults.fail_next("api", "drop", count=1, method="POST", path="articles$")
        sb.faults.fail_next("api", "error", count=1, method="POST", path="articles$")
        run_all(store, client)
        jobs = store.list()
    assert all(j.state is JobState.DONE for j in jobs)
    mine = [a for a in client.list_my_articles() if a.title.startswith("Lost answer")]
    assert sorted(a.title for a in mine) == titles
    assert sorted(a.id for a in mine) == sorted(j.article_id for j in jobs)
    # 5 creates; the two lost answers were found, the dropped and the failed one sent again
    assert sb.requests.count("api", "POST", "/account/articles") == 7


def test_publish_with_lost_answer_publishes_once(sb: Any, tmp_path: Path) -> None:
    client = FigshareClient(sb.token, sb.api_url,
                            retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.05))
    aid = client.create_article({
        "title": "Publish once", "description": "d", "keywords": ["k"],
        "defined_type": "dataset", "license": 1, "is_metadata_record": True,
        "metadata_reason": "held elsewhere"}).id
    with QueueStore(tmp_path / "q.sqlite3") as store:
        store.add(JobKind.PUBLISH, article_key(aid), {})
        sb.faults.fail_next("api", "after_commit", count=1, method="POST", path="publish")
        run_all(store, client)
        (job,) = store.list()
    assert job.state is JobState.DONE
    assert client.get_my_article(aid).version == 1
    assert sb.requests.count("api", "POST", "publish") == 1
