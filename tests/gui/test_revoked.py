"""A token revoked mid-session: the window asks to sign in again, and nothing is lost."""

from __future__ import annotations

from typing import Any

from tests.gui.conftest import WAIT_MS, sign_in


def test_revoked_token_asks_to_sign_in_again(qtbot: Any, gui_sandbox: Any,
                                             make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    qtbot.waitUntil(lambda: window.ref.licenses != () and not window.items.loading,
                    timeout=WAIT_MS)
    row = next(r for r in window.items.model.rows() if not r.item.is_public)
    window.items.select_article(row.item.id)
    qtbot.waitUntil(lambda: window.form.article_id == row.item.id, timeout=WAIT_MS)
    window.form.title.setText("Edits typed before the token died")

    gui_sandbox.revoke_token(gui_sandbox.token)
    window.form.save_button.click()
    qtbot.waitUntil(lambda: window.auth_banner.isVisible(), timeout=WAIT_MS)
    dialog = window.signin_dialog
    assert dialog is not None and dialog.isVisible()
    assert window.form.dirty and window.form.title.text() == "Edits typed before the token died"
    assert window.items.model.rowCount() > 0          # the table is kept as well

    # Signing in again (here: the token restored) carries on where the user was.
    gui_sandbox.restore_token(gui_sandbox.token)
    dialog.token.setText(gui_sandbox.token)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.auth_banner.isVisible(), timeout=WAIT_MS)
    assert window.form.dirty and window.form.article_id == row.item.id
    window.form.save_button.click()
    qtbot.waitUntil(lambda: not window.form.dirty, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.items.loading, timeout=WAIT_MS)
