"""What the main window does with items: open in the editor, save, publish, delete, copy, open.

A mixin of ``MainWindow`` (kept apart so each module stays small). Every network step goes
through ``Session.call``; nothing here blocks the GUI thread.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox
from qasync import asyncSlot, asyncWrap

from figdesk.core.errors import AuthError, FigdeskError, OfflineError
from figdesk.core.metadata import blank, diff_request, from_article, to_request
from figdesk.core.models import Article, Author
from figdesk.core.queue.jobs import owner_stamp
from figdesk.gui.items_model import ItemRow

if TYPE_CHECKING:
    from figdesk.gui.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object


def queue_metadata_job(article_id: int | None, body: dict[str, Any], title: str,
                       owner: dict[str, Any] | None = None) -> str:
    """Blocking (SQLite): queue an update (or a create) to send when Figshare is reachable,
    for the account ``owner`` (``owner_stamp``) names."""
    from figdesk.core.queue import JobKind, QueueStore, article_key

    store = QueueStore()
    try:
        if article_id is None:
            key = store.new_item_key(title)
            store.add(JobKind.CREATE_ITEM, key, {"metadata": body}, owner=owner)
        else:
            key = article_key(article_id)
            store.add(JobKind.UPDATE_ITEM, key, {"metadata": body}, owner=owner)
    finally:
        store.close()
    return key


class ItemActions(_Base):
    """Item-level behaviour of the main window."""

    # --- selection and the editor -------------------------------------------------------

    @asyncSlot(object)
    async def _on_current_changed(self, row: ItemRow | None) -> None:
        if self._reselecting:
            return
        if row is None:
            # A reload clears the table; the form (and any edits in it) stays as it is.
            if not self.items.loading and not self.form.dirty and self.session is not None \
                    and self.items.model.rowCount() == 0:
                self.form.clear()
                self.files.show_item(None)
            return
        if row.item.id == self.form.article_id and not self.form.is_new:
            return
        if not await self.leave_item_ok():
            self._reselect(self.form.article_id)
            return
        await self.open_item(row.item.id, row.item.title)

    def _reselect(self, article_id: int | None) -> None:
        self._reselecting = True
        try:
            self.items.select_article(article_id)
        finally:
            self._reselecting = False

    async def leave_item_ok(self) -> bool:
        """True when the current form may be left (saved, discarded or clean)."""
        if not self.form.dirty:
            return True
        # Modal questions run outside this task (asyncWrap): a nested Qt loop inside a running
        # task would let other tasks step into it, which asyncio forbids.
        choice = await asyncWrap(self.ask_unsaved)
        if choice == "discard":
            self.form.revert()
            return True
        if choice == "save":
            return await self.save_form()
        return False

    async def open_item(self, article_id: int, title: str = "") -> None:
        session = self.session
        if session is None:
            return
        self.tasks.adopt_current()
        self.files.show_item(article_id, title)
        self.form.heading.setText(f"Loading item {article_id}…")
        try:
            article: Article = await session.call(session.client.get_my_article, article_id)
        except FigdeskError as exc:
            self.form.heading.setText(f"Could not load item {article_id}")
            self.show_error(exc, f"Loading item {article_id}")
            return
        current = self.items.current_row()
        if session is not self.session or current is None or current.item.id != article_id:
            return          # the user moved on meanwhile
        row = self.items.model.row_of(article_id)
        count = self.items.model.row_item(row).file_count if row is not None else None
        self.form.load(from_article(article), article_id=article_id,
                       is_public=article.is_public, file_count=count)
        self.items.model.upsert(article)
        self.tabs.setCurrentWidget(self.form)

    def _files_figures(self, article_id: int, count: int, size: int) -> None:
        self.items.model.set_file_figures(article_id, count, size)
        if article_id == self.form.article_id:
            self.form.set_file_count(count)

    @asyncSlot()
    async def new_item(self) -> None:
        if self.session is None or not await self.leave_item_ok():
            return
        self._reselect(None)
        me = self.session.account
        author = Author(id=me.user_id or None, full_name=me.full_name) if me.user_id else None
        self.form.load(blank(authors=[author] if author else []), article_id=None)
        self.files.show_item(None)
        self.tabs.setCurrentWidget(self.form)
        self.form.title.setFocus()

    # --- save ---------------------------------------------------------------------------

    @asyncSlot()
    async def save_clicked(self) -> None:
        await self.save_form()

    async def save_form(self) -> bool:
        """Save the form (create or PATCH). Offline: queue it. Returns True when saved or
        queued; on failure the edits stay in the form."""
        session = self.session
        form = self.form
        if form.article_id is None and not form.is_new:
            return True
        problems = form.field_issues()
        if problems:
            self.statusBar().showMessage("Fix the marked fields first: "
                                         + " ".join(p.message for p in problems), 10000)
            return False
        current = form.current()
        if session is None:
            return False
        try:
            if form.is_new:
                created = await session.call(session.client.create_article, to_request(current))
                article_id, warnings = created.id, tuple(created.warnings)
            else:
                article_id = form.article_id
                assert article_id is not None
                body = diff_request(form.baseline, current)
                warnings = ()
                if body:
                    warnings = tuple(await session.call(session.client.update_article,
                                                        article_id, body))
            article: Article = await session.call(session.client.get_my_article, article_id)
        except OfflineError as exc:
            return await self._queue_offline(current, exc)
        except AuthError:
            return False          # the sign-in banner is up; the edits stay in the form
        except FigdeskError as exc:
            self.show_error(exc, "Saving the item")
            return False
        was_new = form.is_new
        form.mark_saved(from_article(article), article.id)
        form.is_public = article.is_public
        self.items.model.upsert(article)
        if was_new:
            self._reselect(article.id)
            self.files.show_item(article.id, article.title)
        message = "Saved." + (" Figshare warns: " + "; ".join(warnings) if warnings else "")
        self.statusBar().showMessage(message, 10000)
        return True

    async def _queue_offline(self, current: Any, exc: FigdeskError) -> bool:
        form = self.form
        body = to_request(current) if form.is_new else diff_request(form.baseline, current)
        try:
            session = self.session
            owner = (owner_stamp(session.client.api_url, session.account.id)
                     if session is not None else None)
            await self.run_blocking(queue_metadata_job, form.article_id, body, current.title,
                                    owner)
        except (FigdeskError, OSError, sqlite3.Error) as queue_exc:
            # The queue could not take it either: keep the edits in the form and say why.
            self.show_error(exc, f"Saving the item (and it could not be queued: {queue_exc})")
            return False
        if form.article_id is not None:
            form.mark_saved(current, form.article_id)
        else:
            form.clear()        # the queued create owns it now; a second save would duplicate
        self.statusBar().showMessage(
            f"{exc.title}. The change is queued and will be sent when Figshare can be "
            "reached.", 15000)
        return True

    # --- publish, delete, copy, open ----------------------------------------------------

    @asyncSlot()
    async def publish_clicked(self) -> None:
        if self.form.article_id is not None:
            await self.publish(self.form.article_id)

    def confirm(self, title: str, text: str) -> bool:
        """Ask yes/no. Tests replace this method."""
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    async def publish(self, article_id: int) -> bool:
        session = self.session
        if session is None:
            return False
        if article_id == self.form.article_id:
            if self.form.dirty and not await self.save_form():
                return False
            needs = [i.message for i in self.form.publish_issues() if i.blocking]
        else:
            try:
                article = await session.call(session.client.get_my_article, article_id)
            except FigdeskError as exc:
                self.show_error(exc, "Checking the item before publishing")
                return False
            from figdesk.core.metadata import publish_issues

            needs = [i.message for i in publish_issues(from_article(article),
                                                       self.ref.custom_fields) if i.blocking]
        if needs:
            self.show_error(FigdeskError("Publishing still needs " + ", ".join(needs) + ".",
                                         title="Not ready to publish"))
            return False
        if not await asyncWrap(self.confirm, "Publish item", "Publish this item? A public "
                               "version with a DOI is created; it cannot be deleted afterwards."):
            return False
        try:
            await session.call(session.client.publish_article, article_id)
            article = await session.call(session.client.get_my_article, article_id)
        except FigdeskError as exc:
            self.show_error(exc, "Publishing the item")
            return False
        self.items.model.upsert(article)
        if article_id == self.form.article_id:
            self.form.is_public = True
        self.statusBar().showMessage("Published.", 10000)
        return True

    async def delete_draft(self, row: ItemRow) -> bool:
        session = self.session
        if session is None or row.item.is_public:
            return False
        if not await asyncWrap(self.confirm, "Delete draft", f"Delete the draft "
                               f"“{row.item.title}” and its files from Figshare? This cannot "
                               "be undone."):
            return False
        try:
            await session.call(session.client.delete_article, row.item.id)
        except FigdeskError as exc:
            self.show_error(exc, "Deleting the draft")
            return False
        if self.form.article_id == row.item.id:
            self.form.clear()
            self.files.show_item(None)
        self.items.model.remove(row.item.id)
        self.statusBar().showMessage(f"Deleted draft {row.item.id}.", 10000)
        return True

    @asyncSlot(str, object)
    async def on_item_action(self, name: str, row: ItemRow) -> None:
        item = row.item
        if name == "edit":
            self.tabs.setCurrentWidget(self.form)
        elif name == "publish":
            await self.publish(item.id)
        elif name == "delete":
            await self.delete_draft(row)
        elif name == "copy_doi":
            QGuiApplication.clipboard().setText(item.doi)
        elif name == "copy_url":
            QGuiApplication.clipboard().setText(item.url_public_html or item.url_private_html)
        elif name == "open":
            QDesktopServices.openUrl(QUrl(item.url_private_html or item.url_public_html))
