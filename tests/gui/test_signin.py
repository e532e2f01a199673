"""Sign-in, profiles and sign-out against an in-process sandbox, tokens in a memory keyring."""

from __future__ import annotations

from typing import Any

import keyring
from keyring.backends.fail import Keyring as FailKeyring

from figdesk.core.api import FigshareClient
from figdesk.core.credentials import KEYRING_SERVICE, ProfileStore
from figdesk.gui.accounts import Accounts
from tests.gui.conftest import WAIT_MS, run_async, sign_in


def fill_dialog(dialog: Any, api_url: str, token: str, name: str = "") -> None:
    dialog.service.setCurrentIndex(dialog.service.findData("custom"))
    dialog.custom_url.setText(api_url)
    dialog.profile_name.setText(name)
    dialog.token.setText(token)


def test_first_run_asks_to_sign_in_then_stores_token(qtbot: Any, gui_sandbox: Any,
                                                     make_window: Any,
                                                     isolated_env: Any) -> None:
    window = make_window()
    run_async(qtbot, window.start())
    dialog = window.signin_dialog
    assert dialog is not None and dialog.isVisible()
    assert "https://figshare.com/account/applications" in dialog.intro.text()

    fill_dialog(dialog, gui_sandbox.api_url, gui_sandbox.token, "lab")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: window.session is not None, timeout=WAIT_MS)

    assert isolated_env.store[(KEYRING_SERVICE, "lab")] == gui_sandbox.token
    account = FigshareClient(gui_sandbox.token, api_url=gui_sandbox.api_url).get_account()
    bar = window.account_bar
    assert bar.name.text() == account.full_name and bar.email.text() == account.email
    assert bar.quota.isVisible() and " of " in bar.quota.format()
    assert ProfileStore().last is not None and ProfileStore().last.name == "lab"  # type: ignore[union-attr]
    assert account.full_name in window.windowTitle()


def test_wrong_token_is_refused_in_words(qtbot: Any, gui_sandbox: Any, make_window: Any,
                                         isolated_env: Any) -> None:
    window = make_window()
    dialog = window.open_sign_in()
    fill_dialog(dialog, gui_sandbox.api_url, "not-a-real-token", "lab")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: "did not accept" in dialog.status.text(), timeout=WAIT_MS)
    assert dialog.isVisible() and dialog.sign_in_button.isEnabled()
    assert window.session is None
    assert isolated_env.store == {}
    dialog.reject()


def test_unreachable_service_is_said_in_words(qtbot: Any, make_window: Any) -> None:
    window = make_window()
    dialog = window.open_sign_in()
    fill_dialog(dialog, "http://127.0.0.1:9/v2", "tok", "nowhere")   # port 9: nothing there
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: "reached" in dialog.status.text().lower()
                    or "connect" in dialog.status.text().lower(), timeout=WAIT_MS)
    assert window.session is None
    dialog.reject()


def test_last_profile_signs_in_without_dialog(qtbot: Any, gui_sandbox: Any,
                                              make_window: Any) -> None:
    first = make_window()
    sign_in(qtbot, first, gui_sandbox.api_url, gui_sandbox.token, "lab")
    second = make_window()
    run_async(qtbot, second.start())
    qtbot.waitUntil(lambda: second.session is not None, timeout=WAIT_MS)
    assert second.signin_dialog is None
    assert second.session.profile.name == "lab"


def test_no_keyring_keeps_token_for_this_run_only(qtbot: Any, gui_sandbox: Any,
                                                  make_window: Any) -> None:
    keyring.set_keyring(FailKeyring())
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token, "lab")
    assert window.notice_banner.isVisible()
    assert "session only" in window.notice_banner.label.text()
    # The token is still usable for this run (switching away and back needs no dialog).
    assert window.accounts.token_for(window.session.profile) == gui_sandbox.token
    assert not list(ProfileStore().path.parent.glob("*token*"))


def test_switch_profiles_and_sign_out(qtbot: Any, gui_sandbox: Any, make_window: Any,
                                      isolated_env: Any) -> None:
    _other_id, other_token = gui_sandbox.add_account(first_name="Bea", last_name="Other",
                                                    email="bea@example.org")
    window = make_window(Accounts())
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token, "main")
    main_name = window.account_bar.name.text()
    sign_in(qtbot, window, gui_sandbox.api_url, other_token, "bea")
    assert window.account_bar.name.text() == "Bea Other"
    names = [window.account_bar.profiles.itemData(i)
             for i in range(window.account_bar.profiles.count())]
    assert {"main", "bea"} <= set(names)

    # One pick in the profile menu switches back.
    window.account_bar.profile_chosen.emit("main")
    qtbot.waitUntil(lambda: window.session is not None
                    and window.session.profile.name == "main"
                    and window.account_bar.name.text() == main_name, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.items.loading, timeout=WAIT_MS)

    window.account_bar.sign_out_button.click()
    qtbot.waitUntil(lambda: window.session is None, timeout=WAIT_MS)
    assert (KEYRING_SERVICE, "main") not in isolated_env.store
    assert isolated_env.store[(KEYRING_SERVICE, "bea")] == other_token
    assert window.signin_dialog is not None and window.signin_dialog.isVisible()
    assert window.items.empty.isVisible()
    window.signin_dialog.reject()


def test_built_in_sandbox_needs_no_token(qtbot: Any, make_window: Any,
                                         isolated_env: Any) -> None:
    window = make_window()
    dialog = window.open_sign_in()
    dialog.service.setCurrentIndex(dialog.service.findData("sandbox"))
    assert not dialog.token.isEnabled()
    try:
        dialog.sign_in_button.click()
        qtbot.waitUntil(lambda: window.session is not None, timeout=WAIT_MS)
        assert window.session.profile.is_sandbox
        qtbot.waitUntil(lambda: not window.items.loading
                        and window.items.model.rowCount() > 0, timeout=WAIT_MS)
        assert isolated_env.store == {}      # a sandbox token is per run: nothing stored
    finally:
        qtbot.waitUntil(lambda: window.session is None or window.session.busy == 0,
                        timeout=WAIT_MS)
        window.accounts.sandbox_host.stop()


def test_closing_with_unsaved_changes_asks(qtbot: Any, gui_sandbox: Any,
                                           make_window: Any) -> None:
    window = make_window()
    sign_in(qtbot, window, gui_sandbox.api_url, gui_sandbox.token)
    run_async(qtbot, window.new_item())
    window.form.title.setText("Not saved yet")
    asked: list[int] = []

    def cancel() -> str:
        asked.append(1)
        return "cancel"

    window.ask_unsaved = cancel
    assert not window.close()
    assert asked and window.isVisible() and window.form.title.text() == "Not saved yet"
