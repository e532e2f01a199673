"""The upload queue panel: its model, pause/resume/cancel/retry from the toolbar and the
context menu, the status bar total, and a queue that outlives the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QLabel

from figdesk.core.queue import Job, JobKind, JobState, RunnerStatus
from figdesk.core.upload import Progress
from figdesk.gui.queue_model import COL_PROGRESS, COL_STATE, PROGRESS_ROLE, QueueModel, QueueProxy
from tests.gui.conftest import WAIT_MS, sign_in
from tests.gui.queue_helpers import (
    FAST,
    PART,
    drop,
    drop_throttled,
    make_files,
    queue_window,
    row_position,
    small_sandbox_fixture,  # noqa: F401  (the small_sandbox fixture)
)


def _job(i: int, state: JobState = JobState.QUEUED, kind: JobKind = JobKind.UPLOAD_FILE,
         done: int = 0, error: str = "") -> Job:
    upload = {"path": f"/data/f{i}.bin", "name": f"f{i}.bin", "size": 1000, "bytes_done": done}
    return Job(id=i, kind=kind, state=state, position=float(i), item_key="id:7", group_id="g",
               payload={"upload": upload} if kind is JobKind.UPLOAD_FILE else
               {"metadata": {"title": "T"}}, error=error, article_id=7, updated_at=float(i))


def test_queue_model_passes_modeltester_and_coalesces(qtmodeltester: Any) -> None:
    model = QueueModel()
    proxy = QueueProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(model)
    model.set_jobs([_job(1), _job(2, JobState.RUNNING), _job(3, JobState.FAILED, error="Boom"),
                    _job(4, kind=JobKind.CREATE_ITEM), _job(5, JobState.DONE, done=1000)])
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    assert model.rowCount() == 5

    # Many events, one repaint: nothing shows until flush, then one dataChanged.
    changes: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: changes.append((a.row(), b.row())))
    for done in range(0, 1000, 50):
        model.note_progress(2, Progress("/data/f2.bin", "uploading", done, 1000, 2e6, 1.5))
    assert changes == [] and model.has_pending()
    assert model.flush() == []
    assert changes == [(1, 1)]
    index = model.index(1, COL_PROGRESS)
    assert index.data(PROGRESS_ROLE) == 0.95
    assert model.index(1, COL_STATE).data() == "uploading"
    assert model.index(2, COL_STATE).data() == "failed"
    assert "Boom" in model.index(2, 6).data()
    assert model.index(3, COL_PROGRESS).data(PROGRESS_ROLE) is None   # no bytes: no bar
    model.set_status(RunnerStatus("offline", "no network"))
    assert model.index(0, COL_STATE).data() == "waiting for a connection"

    # An unknown job's news is kept until a reload places it.
    model.note_job(_job(9, JobState.RUNNING))
    assert model.flush() == [9]
    model.set_jobs([_job(1), _job(2, JobState.RUNNING), _job(9)])
    qtmodeltester.check(model)
    assert [r.job.id for r in model.rows()] == [1, 2, 9]
    assert model.job(9).state is JobState.RUNNING     # the newer event won over the read
    proxy.set_hide_finished(True)
    qtmodeltester.check(proxy)
    totals = model.totals()
    assert totals.bytes_total == 3000 and totals.unfinished == 3


def _wait_state(qtbot: Any, window: Any, job_id: int, state: JobState) -> None:
    qtbot.waitUntil(lambda: window.uploads.model.job(job_id) is not None
                    and window.uploads.model.job(job_id).state is state, timeout=WAIT_MS)


def test_pause_resume_cancel_retry(qtbot: Any, small_sandbox: Any, make_window: Any,
                                   tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    uploads = window.uploads
    draft = next(r for r in window.items.model.rows() if not r.item.is_public)
    small_sandbox.faults.set(bandwidth_total=30 * PART)     # ~2 MB/s: slow enough to pause
    paths = make_files(tmp_path / "big", {"one.bin": 120 * PART, "two.bin": 120 * PART})
    assert drop(window.items.table.viewport(), paths, row_position(window, draft.item.id))
    qtbot.waitUntil(lambda: len(uploads.model.rows()) == 2, timeout=WAIT_MS)
    one, two = (r.job.id for r in uploads.model.rows())
    qtbot.waitUntil(lambda: all(r.bytes_done > 0 for r in uploads.model.rows()), timeout=WAIT_MS)
    assert uploads.total_bar.isVisible() and "%" in uploads.total_label.text()

    # Pause one from the toolbar (selection-based).
    uploads.panel.select_jobs([one])
    assert uploads.panel.job_buttons["pause"].isEnabled()
    assert not uploads.panel.job_buttons["retry"].isEnabled()
    uploads.panel.job_buttons["pause"].trigger()
    _wait_state(qtbot, window, one, JobState.PAUSED)
    paused_at = uploads.model.job(one).bytes_done
    assert 0 < paused_at < 120 * PART
    # The item's files panel says "paused" for it too (not "queued").
    assert window.items.select_article(draft.item.id)
    files = window.files.model
    qtbot.waitUntil(lambda: any(files.row_at(r).name == "one.bin"
                                and files.row_at(r).state == "paused"
                                for r in range(files.rowCount())), timeout=WAIT_MS)

    # Cancel the other from the context menu.
    uploads.panel.select_jobs([two])
    menu = uploads.panel.build_menu()
    cancel = next(a for a in menu.actions() if a.data() == "cancel")
    assert cancel.isEnabled()
    cancel.trigger()
    _wait_state(qtbot, window, two, JobState.CANCELLED)

    # Resume the paused one: it carries on from where it was, and finishes.
    small_sandbox.faults.reset()
    uploads.panel.select_jobs([one])
    uploads.panel.job_buttons["resume"].trigger()
    _wait_state(qtbot, window, one, JobState.DONE)

    # Retry the cancelled one (context menu again): it starts over and finishes too.
    uploads.panel.select_jobs([two])
    menu = uploads.panel.build_menu()
    next(a for a in menu.actions() if a.data() == "retry").trigger()
    _wait_state(qtbot, window, two, JobState.DONE)
    names = sorted(f.name for f in window.session.client.list_files(draft.item.id))
    assert names.count("one.bin") == 1 and names.count("two.bin") == 1
    qtbot.waitUntil(lambda: not uploads.total_bar.isVisible(), timeout=WAIT_MS)

    # Clear finished: the list is empty and says how to start.
    uploads.panel.queue_buttons["clear_finished"].trigger()
    qtbot.waitUntil(lambda: uploads.model.rowCount() == 0, timeout=WAIT_MS)
    assert uploads.panel.stack.currentWidget() is uploads.panel.empty


def test_pause_all_and_resume_all(qtbot: Any, small_sandbox: Any, make_window: Any,
                                  tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    uploads = window.uploads
    small_sandbox.faults.set(bandwidth_total=30 * PART)
    paths = make_files(tmp_path / "x", {"x.bin": 100 * PART})
    assert drop(window, paths)
    qtbot.waitUntil(lambda: any(r.bytes_done > 0 for r in uploads.model.rows()),
                    timeout=WAIT_MS)
    uploads.panel.queue_buttons["pause_all"].trigger()
    qtbot.waitUntil(lambda: uploads.model.status.state == "paused", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: all(r.job.state is not JobState.RUNNING
                                for r in uploads.model.rows()), timeout=WAIT_MS)
    assert "paused" in uploads.total_label.text()
    small_sandbox.faults.reset()
    uploads.panel.queue_buttons["resume_all"].trigger()
    qtbot.waitUntil(lambda: all(r.job.state is JobState.DONE for r in uploads.model.rows()),
                    timeout=WAIT_MS)
    assert not uploads.panel.queue_buttons["cancel_all"].isEnabled()


def test_cancel_all_asks_first(qtbot: Any, small_sandbox: Any, make_window: Any,
                               tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    uploads = window.uploads
    small_sandbox.faults.set(bandwidth_total=10 * PART)
    paths = make_files(tmp_path / "c", {"c1.bin": 80 * PART, "c2.bin": 80 * PART,
                                        "c3.bin": 80 * PART})
    assert drop(window, paths)
    qtbot.waitUntil(lambda: any(r.bytes_done > 0 for r in uploads.model.rows()),
                    timeout=WAIT_MS)
    asked: list[str] = []
    uploads.panel.confirm = lambda text: asked.append(text) or False
    uploads.panel.queue_buttons["cancel_all"].trigger()
    assert asked and all(not r.job.state.finished for r in uploads.model.rows()
                         if r.job.kind is JobKind.UPLOAD_FILE)
    uploads.panel.confirm = lambda text: True
    uploads.panel.queue_buttons["cancel_all"].trigger()
    qtbot.waitUntil(lambda: all(r.job.state is JobState.CANCELLED
                                for r in uploads.model.rows()
                                if r.job.kind is JobKind.UPLOAD_FILE), timeout=WAIT_MS)
    create = next(r.job for r in uploads.model.rows() if r.job.kind is JobKind.CREATE_ITEM)
    article_id = uploads.model.job(create.id).article_id
    small_sandbox.faults.reset()
    assert window.session.client.list_files(article_id) == []   # nothing half-sent is left


def test_queue_survives_restart(qtbot: Any, small_sandbox: Any, make_window: Any,
                                tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    uploads = window.uploads
    draft = drop_throttled(qtbot, window, small_sandbox, tmp_path / "r",
                           {"r1.bin": 80 * PART, "r2.bin": 10 * PART, "r3.bin": 10 * PART})
    ids = [r.job.id for r in uploads.model.rows()]
    runner = uploads.runner
    assert window.close()
    assert uploads.closed
    # The old worker lets go of the queue's lock once its job threads have stopped: it ends.
    qtbot.waitUntil(lambda: not runner.running, timeout=WAIT_MS)
    QApplication.processEvents()
    small_sandbox.faults.reset()

    again = make_window()
    from figdesk.gui.queue_controller import install_upload_queue

    install_upload_queue(again, options=FAST, use_tray=False)
    # Listed before signing in, from the queue on disk.
    qtbot.waitUntil(lambda: [r.job.id for r in again.uploads.model.rows()] == ids,
                    timeout=WAIT_MS)
    assert any(not r.job.state.finished for r in again.uploads.model.rows())
    sign_in(qtbot, again, small_sandbox.api_url, small_sandbox.token)
    qtbot.waitUntil(lambda: all(r.job.state is JobState.DONE
                                for r in again.uploads.model.rows()), timeout=WAIT_MS)
    names = [f.name for f in again.session.client.list_files(draft.item.id)]
    assert sorted(n for n in names if n.startswith("r")) == ["r1.bin", "r2.bin", "r3.bin"]


def test_a_killed_worker_is_started_again_and_the_uploads_finish(
        qtbot: Any, small_sandbox: Any, make_window: Any, tmp_path: Path) -> None:
    window = queue_window(qtbot, make_window, small_sandbox)
    uploads = window.uploads
    draft = drop_throttled(qtbot, window, small_sandbox, tmp_path / "k",
                           {"k1.bin": 60 * PART, "k2.bin": 10 * PART})
    first = uploads.runner
    first._proc.kill()                 # as if it crashed
    qtbot.waitUntil(lambda: uploads.runner is not None and uploads.runner is not first
                    and uploads.runner.running, timeout=WAIT_MS)
    assert "started again" in uploads.panel.banner.findChild(QLabel).text()
    small_sandbox.faults.reset()
    qtbot.waitUntil(lambda: uploads.model.rows() and all(
        r.job.state is JobState.DONE for r in uploads.model.rows()), timeout=WAIT_MS)
    names = sorted(f.name for f in window.session.client.list_files(draft.item.id)
                   if f.name.startswith("k"))
    assert names == ["k1.bin", "k2.bin"]          # one record each: resumed, not repeated


def test_delegate_paints_bars(qtbot: Any, qapp: Any) -> None:
    from figdesk.gui.queue_panel import EMPTY_TEXT, QueuePanel

    model = QueueModel()
    panel = QueuePanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 200)
    panel.show()
    assert panel.stack.currentWidget() is panel.empty and panel.empty.text() == EMPTY_TEXT
    model.set_jobs([_job(1, JobState.RUNNING, done=500), _job(2, JobState.DONE, done=1000)])
    panel.update_actions()
    assert panel.stack.currentWidget() is panel.table
    image = panel.table.viewport().grab().toImage()
    rect = panel.table.visualRect(panel.proxy.index(0, COL_PROGRESS))
    # The bar's filled half differs from its empty half (something was drawn).
    left = image.pixelColor(rect.left() + rect.width() // 5, rect.center().y())
    right = image.pixelColor(rect.right() - rect.width() // 5, rect.center().y())
    assert left != right


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_screenshots(qtbot: Any, qapp: Any, small_sandbox: Any, make_window: Any,
                     tmp_path: Path) -> None:
    """The main window with the queue busy (jobs done, running, paused, failed, queued), in
    light and dark, and the empty queue. FIGDESK_SCREENSHOTS=1 writes them to
    docs/screenshots; otherwise to a temp folder."""
    import dataclasses
    import os

    from figdesk.gui.theme import apply_theme

    options = dataclasses.replace(FAST, files_at_once=3)
    window = queue_window(qtbot, make_window, small_sandbox, options=options)
    uploads = window.uploads
    out = SCREENSHOTS if os.environ.get("FIGDESK_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    before = (qapp.style().name(), qapp.palette(), qapp.styleSheet())
    try:
        for dark in (False, True):
            apply_theme(qapp, dark)
            qapp.processEvents()
            name = f"queue-empty-{'dark' if dark else 'light'}.png"
            assert uploads.panel.grab().save(str(out / name))

        draft = next(r for r in window.items.model.rows() if not r.item.is_public)
        pos = row_position(window, draft.item.id)
        viewport = window.items.table.viewport()
        done = make_files(tmp_path / "s", {"readme.txt": 2000})
        assert drop(viewport, done, pos)
        qtbot.waitUntil(lambda: len(uploads.model.rows()) == 1
                        and uploads.model.rows()[0].job.state is JobState.DONE, timeout=WAIT_MS)
        small_sandbox.faults.set(bandwidth_total=12 * PART)
        names = {"scan-001.tif": 300 * PART, "scan-002.tif": 260 * PART,
                 "scan-003.tif": 200 * PART, "notes-draft.docx": 3000,
                 "scan-004.tif": 150 * PART, "scan-005.tif": 120 * PART}
        paths = make_files(tmp_path / "s", names)
        assert drop(viewport, paths, pos)
        qtbot.waitUntil(lambda: len(uploads.model.rows()) == 7, timeout=WAIT_MS)
        ids = {r.job.file_name: r.job.id for r in uploads.model.rows()}
        Path(paths[3]).unlink()      # gone before its turn: that job fails, in words
        qtbot.waitUntil(lambda: uploads.model.job(ids["scan-002.tif"]).state
                        is JobState.RUNNING, timeout=WAIT_MS)
        uploads.job_action("pause", [ids["scan-002.tif"]])
        qtbot.waitUntil(lambda: uploads.model.job(ids["notes-draft.docx"]).state
                        is JobState.FAILED, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: uploads.model.job(ids["scan-002.tif"]).state
                        is JobState.PAUSED, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: all(r.bytes_done > 0 for r in uploads.model.rows()
                                    if r.job.state is JobState.RUNNING)
                        and uploads.total_bar.isVisible(), timeout=WAIT_MS)
        window.items.select_article(draft.item.id)
        qtbot.waitUntil(lambda: window.files.article_id == draft.item.id, timeout=WAIT_MS)
        window.tabs.setCurrentWidget(window.files)
        uploads.panel.select_jobs([ids["scan-001.tif"]])
        for dark in (False, True):
            apply_theme(qapp, dark)
            qtbot.wait(400)     # two coalescing ticks: the rows show their latest figures
            assert window.grab().save(str(out / f"queue-{'dark' if dark else 'light'}.png"))
        states = {r.job.state for r in uploads.model.rows()}
        assert {JobState.DONE, JobState.RUNNING, JobState.PAUSED, JobState.FAILED} <= states
        # The failed one comes back with its file and "Retry failed"; the rest finish, the
        # paused one waits for the user.
        small_sandbox.faults.reset()
        make_files(tmp_path / "s", {"notes-draft.docx": 3000})
        assert uploads.panel.queue_buttons["retry_failed"].isEnabled()
        uploads.panel.queue_buttons["retry_failed"].trigger()
        qtbot.waitUntil(lambda: all(r.job.state is (JobState.PAUSED if r.job.id ==
                                                    ids["scan-002.tif"] else JobState.DONE)
                                    for r in uploads.model.rows()), timeout=WAIT_MS)
    finally:   # the application is shared by every GUI test: leave it as it was
        qapp.setStyle(before[0])
        qapp.setPalette(before[1])
        qapp.setStyleSheet(before[2])


def test_files_feed_and_notices() -> None:
    from figdesk.gui.queue_model import JobRow
    from figdesk.gui.queue_words import failure_notice, files_feed, finished_batches

    def up(i: int, state: JobState, md5: str = "", error: str = "", group: str = "g") -> Job:
        job = _job(i, state, error=error)
        upload = {**job.upload, "md5": md5}
        return Job(id=i, kind=JobKind.UPLOAD_FILE, state=state, position=float(i),
                   item_key="id:7", group_id=group, payload={"upload": upload}, error=error,
                   article_id=7)

    rows = [JobRow(up(1, JobState.DONE, md5="abc")),
            JobRow(up(2, JobState.RUNNING),
                   Progress("/data/f2.bin", "processing", 1000, 1000, 0.0, None)),
            JobRow(up(3, JobState.PAUSED)), JobRow(up(4, JobState.CANCELLED)),
            JobRow(up(5, JobState.FAILED, error="/data/f5.bin: the file has vanished")),
            JobRow(up(6, JobState.RUNNING), Progress("/data/f6.bin", "paused", 10, 1000, 0.0,
                                                     None)),
            JobRow(up(8, JobState.QUEUED))]
    states, md5s = files_feed(rows, 7)
    paused = "Paused: resume it in Uploads"
    assert states == {"f1.bin": ("available", 1000, ""),
                      "f2.bin": ("processing on Figshare", 1000, ""),
                      "f3.bin": ("paused", 1000, paused),
                      "f5.bin": ("failed", 1000, "/data/f5.bin: the file has vanished"),
                      "f6.bin": ("paused", 1000, paused),
                      "f8.bin": ("queued", 1000, "")}
    assert md5s == {"f1.bin": "abc"}
    assert files_feed(rows, 8) == ({}, {}) and files_feed(rows, None) == ({}, {})

    notice = failure_notice([rows[4].job, rows[3].job])
    assert notice is not None and notice.error
    assert notice.text == "f5.bin: the file has vanished (and 1 more)"
    assert failure_notice([]) is None

    watched = {"g", "other"}
    assert finished_batches(rows, watched, {"g": "“T”"}) == []     # job 2 and 3 still open
    assert watched == {"g"}                                         # "other" has no jobs left
    done = [JobRow(up(1, JobState.DONE)), JobRow(up(6, JobState.DONE))]
    [n] = finished_batches(done, watched, {"g": "“T”"})
    assert (n.title, n.text, n.error) == ("Uploads finished",
                                          "2 files uploaded to “T” and verified.", False)
    assert watched == set()
    mixed = [JobRow(up(1, JobState.DONE)), JobRow(up(6, JobState.FAILED))]
    [n] = finished_batches(mixed, {"g"}, {})
    assert n.error and n.text == "1 of 2 files uploaded to item 7; see the queue."
