"""The items table against a sandbox with 2,500 generated items: every page, sort, filter."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from figdesk.core.api import FigshareClient
from figdesk.gui.items_model import COL_ID, COL_TITLE, ROW_ROLE
from tests.gui.conftest import WAIT_MS, sign_in


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def catch(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture(scope="module")
def big_sandbox() -> Iterator[Any]:
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, items=2500, seed=7)) as sb:
        yield sb


def test_all_pages_load_then_sort_and_filter(qtbot: Any, big_sandbox: Any,
                                             make_window: Any) -> None:
    expected = FigshareClient(big_sandbox.token, api_url=big_sandbox.api_url).list_my_articles()
    assert len(expected) >= 2500
    window = make_window()
    seen_progress: list[str] = []
    window.items.model.rowsInserted.connect(
        lambda *_: seen_progress.append(window.items.progress_label.text()))
    frozen = gc.get_freeze_count()
    sign_in(qtbot, window, big_sandbox.api_url, big_sandbox.token)
    view = window.items
    qtbot.waitUntil(lambda: not view.loading, timeout=WAIT_MS)
    assert view.model.rowCount() == len(expected)
    assert {r.item.id for r in view.model.rows()} == {a.id for a in expected}
    assert len(seen_progress) >= 3               # rows arrived page by page (1000 a page)
    assert view.progress_label.text() == f"{len(expected):,} items"
    # The listed rows are out of the cyclic GC's reach (a full collection walking them all
    # stalled the GUI thread).
    assert gc.get_freeze_count() >= frozen + len(expected)

    view.table.sortByColumn(COL_ID, Qt.SortOrder.AscendingOrder)
    ids = [int(view.proxy.index(r, COL_ID).data()) for r in range(view.proxy.rowCount())]
    assert ids == sorted(a.id for a in expected)
    view.table.sortByColumn(COL_TITLE, Qt.SortOrder.DescendingOrder)
    titles = [view.proxy.index(r, COL_TITLE).data().casefold()
              for r in range(view.proxy.rowCount())]
    assert titles == sorted(titles, reverse=True)

    drafts = [a for a in expected if not a.is_public]
    view.status_filter.setCurrentIndex(view.status_filter.findData("draft"))
    assert view.proxy.rowCount() == len(drafts)
    probe = expected[len(expected) // 2]
    view.filter.setText(str(probe.id))             # applied when typing pauses
    qtbot.waitUntil(lambda: view.proxy.rowCount() < len(drafts), timeout=WAIT_MS)
    rows = [view.proxy.index(r, 0).data(ROW_ROLE) for r in range(view.proxy.rowCount())]
    assert all(str(probe.id) in f"{r.item.id} {r.item.title} {r.item.doi}".casefold()
               for r in rows)
    assert (probe.id in {r.item.id for r in rows}) == (not probe.is_public)
    view.filter.setText("no such item anywhere xyzzy")
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 0, timeout=WAIT_MS)
    assert view.empty.isVisible()
    assert "match" in view.empty.text()
    view.filter.clear()
    view.status_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: view.proxy.rowCount() == len(expected), timeout=WAIT_MS)

    # File figures fill in lazily for the rows on screen.
    qtbot.waitUntil(lambda: any(r.file_count is not None for r in view.visible_rows()),
                    timeout=WAIT_MS)


def test_empty_account_shows_empty_state(qtbot: Any, big_sandbox: Any,
                                         make_window: Any) -> None:
    _, token = big_sandbox.add_account(first_name="Nil", last_name="Items",
                                       email="nil@example.org")
    window = make_window()
    sign_in(qtbot, window, big_sandbox.api_url, token)
    qtbot.waitUntil(lambda: not window.items.loading, timeout=WAIT_MS)
    assert window.items.model.rowCount() == 0
    assert window.items.empty.isVisible() and "No items yet" in window.items.empty.text()


def test_context_menu_actions(qtbot: Any, big_sandbox: Any, make_window: Any) -> None:
    from PySide6.QtGui import QGuiApplication

    window = make_window()
    sign_in(qtbot, window, big_sandbox.api_url, big_sandbox.token)
    view = window.items
    qtbot.waitUntil(lambda: not view.loading, timeout=WAIT_MS)
    public = next(r for r in view.model.rows() if r.item.is_public and r.item.doi)
    menu = view.build_menu(public)
    names = {a.data(): a for a in menu.actions() if a.data()}
    assert not names["delete"].isEnabled()          # published items are not deleted here
    names["copy_doi"].trigger()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == public.item.doi,
                    timeout=WAIT_MS)

    # "Open on figshare.com" goes to the system browser through QDesktopServices.
    opened = _UrlCatcher()
    QDesktopServices.setUrlHandler("https", opened, "catch")
    QDesktopServices.setUrlHandler("http", opened, "catch")
    try:
        names["open"].trigger()
        qtbot.waitUntil(lambda: bool(opened.urls), timeout=WAIT_MS)
    finally:
        QDesktopServices.unsetUrlHandler("https")
        QDesktopServices.unsetUrlHandler("http")
    assert opened.urls[0] in (public.item.url_private_html, public.item.url_public_html)

    draft = next(r for r in view.model.rows() if not r.item.is_public)
    window.confirm = lambda *_a: True
    view.build_menu(draft)
    view.action.emit("delete", draft)
    qtbot.waitUntil(lambda: view.model.row_of(draft.item.id) is None, timeout=WAIT_MS)
    client = FigshareClient(big_sandbox.token, api_url=big_sandbox.api_url)
    assert draft.item.id not in {a.id for a in client.list_my_articles()}
