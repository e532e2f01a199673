"""The uploads side of the main window: the queue runner, its panel, drops, notices.

``install_upload_queue(window)`` docks the queue panel, watches the window for dropped files
and runs the persistent queue (``figdesk.core.queue``) with the signed-in session's client.
The runner works on its own threads; its events reach Qt through ``QueueBridge``; the model
takes them in on a 150 ms timer. Everything that touches the disk or the network (pre-flight,
folder walks, SQLite) runs on the window's thread pool.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from qasync import asyncSlot

from figdesk.core.errors import FigdeskError
from figdesk.core.queue import (
    USER_PAUSE,
    Job,
    JobKind,
    JobState,
    QueueBusyError,
    QueueStore,
    RunnerOptions,
    RunnerStatus,
    owner_stamp,
)
from figdesk.core.queue.enqueue import QueuedUpload, enqueue_upload, upload_signature
from figdesk.core.queue.remote import RemoteRunner
from figdesk.gui.bridge import QueueBridge
from figdesk.gui.dropzone import DropTarget, DropZone
from figdesk.gui.notify import Notifier
from figdesk.gui.queue_actions import (
    apply_job_action,
    apply_queue_action,
    prepare_drop,
)
from figdesk.gui.queue_model import QueueModel
from figdesk.gui.queue_panel import QueuePanel
from figdesk.gui.queue_status import QueueStatus
from figdesk.gui.queue_words import failure_notice, files_feed, finished_batches

T = TypeVar("T")
log = logging.getLogger(__name__)

TICK_MS = 150            # coalescing period: models repaint at most this often
RELOAD_TICKS = 20        # re-read the queue every ~3 s (another process may add jobs)

class UploadQueue(QObject):
    """Owns the runner for the window's session and everything the user sees of it."""

    def __init__(self, window: Any, *, options: RunnerOptions | None = None,
                 store_path: str | Path | None = None, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.options = options or RunnerOptions()
        self.store_path = store_path
        self.store: QueueStore | None = None
        # Uploads run in a worker process: their threads would hold the GIL the GUI thread
        # needs to paint.
        self.runner: RemoteRunner | None = None
        self.busy_elsewhere = False
        self.closed = False
        self._client: Any = None
        self._auto_resumed_for: Any = None
        self._lock = asyncio.Lock()
        self._reload_wanted = False
        self._reloading = False
        self._ticks = 0
        self._failed: list[Job] = []
        self._open_when_created: set[str] = set()      # groups of items dropped as new
        self._labels: dict[str, str] = {}              # group -> "“title”" for notices
        self._watched: set[str] = set()                # groups with work left
        self._fed: tuple[Any, ...] = ()
        self._files_reload = False
        self._restart_at = 0.0          # when a worker that ended is started again
        self._worker_deaths = 0
        self._last_death = -1e9

        self.model = QueueModel(self)
        self.panel = QueuePanel(self.model)
        self.dock = window.add_panel(self.panel, "Uploads")
        self.bridge = QueueBridge(self)
        self.notifier = Notifier(window, self.panel.banner, use_tray=use_tray)
        self.drops = DropZone(window)

        self.status_bar = QueueStatus(window.statusBar())
        self.total_label = self.status_bar.total_label        # the tests read these three
        self.total_bar = self.status_bar.total_bar
        self.offline_label = self.status_bar.offline_label

        queued = Qt.ConnectionType.QueuedConnection
        self.bridge.job_changed.connect(self._on_job, queued)
        self.bridge.job_progress.connect(self.model.note_progress, queued)
        self.bridge.status_changed.connect(self._on_status, queued)
        self.panel.job_action.connect(self.job_action)
        self.panel.queue_action.connect(self.queue_action)
        self.drops.dropped.connect(self._dropped)
        self.drops.hovering.connect(self._hovering)
        window.session_changed.connect(self._session_changed)
        window.installEventFilter(self)

        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        QTimer.singleShot(0, self._startup)

    # --- plumbing -----------------------------------------------------------------------

    async def _blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.window.executor,
                                          functools.partial(fn, *args, **kwargs))

    async def _ensure_store(self) -> QueueStore:
        if self.store is None:
            self.store = await self._blocking(QueueStore, self.store_path)
        return self.store

    @asyncSlot()
    async def _startup(self) -> None:
        await self._ensure_store()
        await self.reload()
        if self.window.session is not None and self.runner is None:
            await self._use_session(self.window.session)

    @asyncSlot(object)
    async def _session_changed(self, session: Any) -> None:
        await self._use_session(session)

    async def _use_session(self, session: Any) -> None:
        async with self._lock:
            if self.closed:
                return
            store = await self._ensure_store()
            if session is None:
                runner, self.runner = self.runner, None
                self.bridge.detach()
                if runner is not None:
                    await self._blocking(runner.stop, 2.0)
                self._client = None
                return
            if self.runner is not None:
                self.runner.set_client(session.client, session.account.id)
                self._client = session.client
                return
            runner = RemoteRunner(store.path, session.client, options=self.options,
                                  account_id=session.account.id)
            self.bridge.attach(runner)
            try:
                await self._blocking(runner.start)
            except QueueBusyError as exc:
                self.bridge.detach()
                self.busy_elsewhere = True
                self.panel.banner.show_message(f"{exc.message} This window shows its progress.")
                return
            self.busy_elsewhere = False
            self.runner = runner
            self._client = session.client
        self.request_reload()

    def shutdown(self) -> None:
        """The window closed: halt the runner where it stands (jobs stay queued for the next
        start) without waiting for it, and stop listening."""
        if self.closed:
            return
        self.closed = True
        self.timer.stop()
        self.bridge.detach()
        self.notifier.close()
        runner, self.runner = self.runner, None
        if runner is not None:
            runner.stop(timeout=0.05)   # the lock goes once the job threads let go

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and not self.closed:
            # Let the window decide first (it may keep itself open for unsaved edits).
            self.window.event(event)
            if event.isAccepted():
                self.shutdown()
            return True
        return False

    # --- the queue's rows ---------------------------------------------------------------

    def request_reload(self) -> None:
        self._reload_wanted = True

    async def reload(self) -> None:
        """Read the whole queue (off the GUI thread) and show it."""
        if self.store is None or self._reloading:
            self._reload_wanted = True
            return
        self._reloading = True
        self._reload_wanted = False
        try:
            jobs = await self._blocking(self.store.list)
        finally:
            self._reloading = False
        if self.closed:
            return
        self.model.set_jobs(jobs)
        self._watched |= {j.group_id for j in jobs if not j.state.finished}
        self._learn_titles()

    def _learn_titles(self) -> None:
        """Titles of the queue's items, from the items list (a dict lookup per job)."""
        items = self.window.items.model
        titles: dict[int, str] = {}
        for row in self.model.rows():
            article_id = row.job.article_id
            if article_id and article_id not in titles:
                index = items.row_of(article_id)
                if index is not None:
                    titles[article_id] = items.row_item(index).item.title
        self.model.set_titles(titles)

    @asyncSlot()
    async def _reload_slot(self) -> None:
        await self.reload()

    def _on_job(self, job: Job) -> None:
        before = self.model.job(job.id)
        self.model.note_job(job)
        if not job.state.finished:
            self._watched.add(job.group_id)
        if job.state is JobState.FAILED and (before is None or before.state is not JobState.FAILED):
            self._failed.append(job)
        if job.state is JobState.DONE and job.article_id is not None:
            if job.kind is JobKind.CREATE_ITEM and job.group_id in self._open_when_created:
                self._open_when_created.discard(job.group_id)
                self._open_item(job.article_id)
            if job.kind is JobKind.UPLOAD_FILE and job.article_id == self.window.files.article_id:
                self._files_reload = True

    def _on_status(self, status: RunnerStatus) -> None:
        self.model.set_status(status)
        if status.state == "paused" and status.reason and status.reason != USER_PAUSE:
            self._check_sign_in()

    @asyncSlot()
    async def _check_sign_in(self) -> None:
        """The runner paused for the token. Ask Figshare once through the session: a refusal
        makes the session announce it (the window asks to sign in again); an answer means the
        token works again, so the queue carries on (once per client, to never loop)."""
        session = self.window.session
        if session is None or session.auth_lost:
            return
        try:
            await session.call(session.client.get_account)
        except FigdeskError:
            return
        if self.runner is not None and self._auto_resumed_for is not session.client:
            self._auto_resumed_for = session.client
            await self._blocking(self.runner.resume_all)

    # --- the timer: everything the user sees, at most ~7 times a second -----------------

    def _tick(self) -> None:
        if self.closed:
            return
        self._ticks += 1
        if self.model.has_pending() and self.model.flush():
            self._reload_wanted = True
        if self._ticks % RELOAD_TICKS == 0:
            self._reload_wanted = True
        if self._reload_wanted and not self._reloading and self.store is not None:
            self._reload_slot()
        self._follow_client()
        self._watch_worker()
        self._show_totals()
        self._feed_files_panel()
        self._announce()

    def _watch_worker(self) -> None:
        """A worker process that ended by itself (it crashed, or was killed) is started
        again, after a pause that grows while it keeps ending; its jobs resume."""
        runner = self.runner
        if runner is None or runner.running or self._restart_at:
            return
        now = time.monotonic()
        self._worker_deaths = self._worker_deaths + 1 if now - self._last_death < 60 else 1
        self._last_death = now
        self._restart_at = now + min(30.0, 0.5 * 2 ** (self._worker_deaths - 1))
        log.warning("the upload worker ended unexpectedly; starting it again")
        self.runner = None
        self.bridge.detach()
        self.panel.banner.show_message("The upload worker stopped unexpectedly; it is being "
                                       "started again and the uploads will carry on.")
        self._restart_worker()

    @asyncSlot()
    async def _restart_worker(self) -> None:
        await asyncio.sleep(max(0.0, self._restart_at - time.monotonic()))
        self._restart_at = 0.0
        session = self.window.session
        if session is not None and not self.closed and self.runner is None:
            await self._use_session(session)

    def _follow_client(self) -> None:
        """After signing in again the session has a new client: give it to the runner."""
        session = self.window.session
        if session is None or self.runner is None or session.client is self._client:
            return
        self._client = session.client
        self.runner.set_client(session.client, session.account.id)
        if self.model.status.state == "paused" and self.model.status.reason != USER_PAUSE:
            self._resume_after_sign_in()

    @asyncSlot()
    async def _resume_after_sign_in(self) -> None:
        if self.runner is not None:
            await self._blocking(self.runner.resume_all)

    def _show_totals(self) -> None:
        waiting = self.status_bar.show(self.model.totals(), self.model.status)
        self.panel.set_offline(waiting, self.model.status.reason)
        self.panel.update_actions()

    def _feed_files_panel(self) -> None:
        files = self.window.files
        article_id = files.article_id
        states, md5s = files_feed(self.model.rows(), article_id)
        key = (article_id, tuple(sorted(states.items())), tuple(sorted(md5s.items())))
        if key != self._fed:
            self._fed = key
            files.model.set_local_md5s(md5s)
            files.model.set_local_states(states)
        if self._files_reload and article_id is not None:
            self._files_reload = False
            files.reload()

    def _announce(self) -> None:
        failed, self._failed = self._failed, []
        notices = [failure_notice(failed),
                   *finished_batches(self.model.rows(), self._watched, self._labels)]
        for notice in notices:
            if notice is not None:
                self.notifier.notify(notice.title, notice.text, error=notice.error)

    # --- drops --------------------------------------------------------------------------

    def _hovering(self, text: str) -> None:
        if text:
            self.window.statusBar().showMessage(text, 2000)
        else:
            self.window.statusBar().clearMessage()

    @asyncSlot(list, object)
    async def _dropped(self, paths: list[str], target: DropTarget) -> None:
        await self.upload_paths(paths, target)

    async def upload_paths(self, paths: list[str], target: DropTarget) -> QueuedUpload | None:
        """Pre-flight ``paths`` (off the GUI thread), then queue them for ``target``. Offline
        or without a working token they are queued unchecked: the runner waits."""
        session = self.window.session
        if session is None:
            self.notifier.notify("Not signed in", "Sign in first, then drop the files again.",
                                 error=True)
            return None
        store = await self._ensure_store()
        new = target.article_id is None
        title = Path(paths[0]).name or "Untitled" if new else ""
        self.window.statusBar().showMessage(f"Checking {len(paths)} dropped "
                                            f"item{'s' if len(paths) != 1 else ''}…")
        try:
            report, online = await self._blocking(prepare_drop, session.client, paths,
                                                  target.article_id, self.options.upload)
        except (FigdeskError, OSError) as exc:
            self.window.statusBar().clearMessage()
            self.notifier.notify("Cannot upload", str(exc), error=True)
            return None
        self.window.statusBar().clearMessage()
        if not report.ok or not report.uploads:
            lines = report.lines() or ["nothing to upload"]
            self.notifier.notify("Nothing uploaded" if report.ok else "Cannot upload",
                                 "; ".join(lines[:3]), error=not report.ok)
            return None
        signature = upload_signature(report.uploads, article_id=target.article_id,
                                     new_title=title if new else None, publish=False)
        label = f"“{title}”" if new else f"“{target.title or target.article_id}”"
        queued = await self._blocking(
            enqueue_upload, store, report.uploads, article_id=target.article_id,
            new_metadata={"title": title} if new else None, signature=signature, label=label,
            owner=owner_stamp(session.client.api_url, session.account.id))
        self._labels[queued.group_id] = label      # watched from the reload that lists it
        if new:
            self._open_when_created.add(queued.group_id)
        await self.reload()
        n = len(queued.upload_jobs)
        where = f"a new item {label}" if new else label
        self.window.statusBar().showMessage(
            f"Queued {n} file{'s' if n != 1 else ''} for {where}"
            + ("" if online else " (Figshare cannot be reached: they go up when it can)"), 8000)
        return queued

    @asyncSlot(int)
    async def _open_item(self, article_id: int) -> None:
        """A dropped-as-new item exists now: list it, select it, open it in the editor."""
        session = self.window.session
        if session is None:
            return
        try:
            article = await session.call(session.client.get_my_article, article_id)
        except FigdeskError:
            return
        if self.closed or session is not self.window.session:
            return
        self.window.items.model.upsert(article)
        self.window.items.select_article(article_id)

    # --- the user's actions -------------------------------------------------------------

    @asyncSlot(str, list)
    async def job_action(self, name: str, ids: list[int]) -> None:
        store = await self._ensure_store()
        try:
            await self._blocking(apply_job_action, self.runner, store, name, ids)
        except FigdeskError as exc:
            self.notifier.notify("Queue", str(exc), error=True)
        await self.reload()

    @asyncSlot(str)
    async def queue_action(self, name: str) -> None:
        store = await self._ensure_store()
        try:
            await self._blocking(apply_queue_action, self.runner, store, name)
        except FigdeskError as exc:
            self.notifier.notify("Queue", str(exc), error=True)
        await self.reload()


def install_upload_queue(window: Any, **kwargs: Any) -> UploadQueue:
    """Give ``window`` its upload queue (panel, drops, runner). Kept on ``window.uploads``."""
    uploads = UploadQueue(window, **kwargs)
    window.uploads = uploads
    return uploads

