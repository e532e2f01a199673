"""Figshare unreachable, then back; a token that stops working mid-upload. The queue waits,
says so, loses nothing and carries on by itself (or after signing in again)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from figdesk.core.queue import JobKind, JobState
from tests.gui.conftest import WAIT_MS
from tests.gui.queue_helpers import (
    PART,
    drop,
    drop_throttled,
    make_files,
    queue_window,
    small_sandbox_fixture,  # noqa: F401  (the small_sandbox fixture)
)


def test_offline_then_online(qtbot: Any, small_sandbox: Any, make_window: Any,
                             tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    uploads = window.uploads
    port = small_sandbox.ports["api"]
    small_sandbox.stop()

    paths = make_files(tmp_path / "field", {"obs1.csv": 3 * PART, "obs2.csv": 2000,
                                            "obs3.csv": 5000})
    assert drop(window, paths)              # a new item, queued with no connection
    qtbot.waitUntil(lambda: len(uploads.model.rows()) == 4, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: uploads.model.status.state == "offline", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: uploads.offline_label.isVisible(), timeout=WAIT_MS)
    assert "4 jobs waiting" in uploads.offline_label.text()
    assert "4 jobs waiting for a connection" in uploads.panel.offline.text()
    assert all(not r.job.state.finished for r in uploads.model.rows())

    small_sandbox.start()                   # same ports, same state
    assert small_sandbox.ports["api"] == port
    qtbot.waitUntil(lambda: all(r.job.state is JobState.DONE for r in uploads.model.rows()),
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not uploads.offline_label.isVisible(), timeout=WAIT_MS)
    create = next(r.job for r in uploads.model.rows() if r.job.kind is JobKind.CREATE_ITEM)
    article_id = uploads.model.job(create.id).article_id
    files = window.session.client.list_files(article_id)
    assert sorted(f.name for f in files) == ["obs1.csv", "obs2.csv", "obs3.csv"]
    qtbot.waitUntil(lambda: window.form.article_id == article_id, timeout=WAIT_MS)


def test_revoked_token_pauses_queue_until_signed_in_again(
        qtbot: Any, small_sandbox: Any, make_window: Any, tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    uploads = window.uploads
    draft = drop_throttled(qtbot, window, small_sandbox, tmp_path / "t",
                           {"t1.bin": 60 * PART, "t2.bin": 40 * PART})

    small_sandbox.revoke_token(small_sandbox.token)
    qtbot.waitUntil(lambda: uploads.model.status.state == "paused", timeout=WAIT_MS)
    assert "Sign-in" in uploads.model.status.reason
    # The window asks to sign in again (part A's banner and dialog); nothing failed.
    qtbot.waitUntil(lambda: window.auth_banner.isVisible(), timeout=WAIT_MS)
    dialog = window.signin_dialog
    assert dialog is not None and dialog.isVisible()
    assert all(r.job.state in (JobState.QUEUED, JobState.RUNNING)
               for r in uploads.model.rows())

    small_sandbox.faults.reset()
    small_sandbox.restore_token(small_sandbox.token)
    dialog.token.setText(small_sandbox.token)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.auth_banner.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: all(r.job.state is JobState.DONE for r in uploads.model.rows()),
                    timeout=WAIT_MS)
    names = sorted(f.name for f in window.session.client.list_files(draft.item.id))
    assert "t1.bin" in names and "t2.bin" in names
