"""The main window's File menu opens the drafts cleanup on the signed-in account."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from figdesk.gui.cleanup_dialog import CleanupDialog
from tests.gui.conftest import WAIT_MS, sign_in


def test_file_menu_opens_cleanup_with_the_accounts_drafts(qtbot: Any, gui_sandbox: Any,
                                                           make_window: Any) -> None:
    window = make_window()
    window.cleanup_action.trigger()            # not signed in: says so, opens nothing
    assert "Sign in first" in window.statusBar().currentMessage()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    window.cleanup_action.trigger()

    def dialog() -> CleanupDialog | None:
        found = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, CleanupDialog) and w.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: dialog() is not None, timeout=WAIT_MS)
    d = dialog()
    assert d is not None
    qtbot.waitUntil(lambda: d.model.rowCount() > 0, timeout=WAIT_MS)
    drafts = {c.id for c in d.model.candidates()}
    public = {a.id for a in window.session.client.list_my_articles() if a.is_public}
    assert drafts and not drafts & public
    d.reject()
