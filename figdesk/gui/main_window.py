"""The main window: account strip, items table, metadata editor and files, sign-in flow.

Hooks for the rest of the app: ``add_panel`` docks a panel (the upload queue goes at the
bottom), ``add_tab`` adds a tab beside "Metadata" and "Files", and ``session_changed`` tells
panels which ``Session`` (client, account) is current.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from figdesk.core.credentials import Profile
from figdesk.core.errors import AuthError, FigdeskError
from figdesk.gui.account_bar import AccountBar
from figdesk.gui.accounts import Accounts, Connected
from figdesk.gui.banner import Banner
from figdesk.gui.editor.form import MetadataForm
from figdesk.gui.editor.refdata import ReferenceData, load_reference_data
from figdesk.gui.errors_ui import error_box
from figdesk.gui.files_panel import FilesPanel
from figdesk.gui.item_actions import ItemActions
from figdesk.gui.items_view import ItemsView
from figdesk.gui.session import Session
from figdesk.gui.signin_dialog import SignInDialog
from figdesk.gui.tasks import OwnedTasks
from figdesk.gui.theme import apply_theme

APP_NAME = "figdesk"


class MainWindow(ItemActions, QMainWindow):
    """One window per process. ``sandbox_mode``: running on the embedded demo sandbox."""

    session_changed = Signal(object)

    def __init__(self, accounts: Accounts, *, executor: ThreadPoolExecutor | None = None,
                 sandbox_mode: bool = False) -> None:
        super().__init__()
        self.accounts = accounts
        self.executor = executor or ThreadPoolExecutor(max_workers=4,
                                                       thread_name_prefix="figdesk-io")
        self.sandbox_mode = sandbox_mode
        self.session: Session | None = None
        self.ref = ReferenceData()
        self.signin_dialog: SignInDialog | None = None
        self.last_error: BaseException | None = None
        self._reselecting = False
        # Item opens and reference-data loads in flight: the close cancels them, so none
        # wakes up afterwards to fill widgets Qt has deleted.
        self.tasks = OwnedTasks()
        self.resize(1280, 800)

        self.sandbox_banner = Banner("info")
        self.auth_banner = Banner("error")
        self.notice_banner = Banner("warning")
        self.account_bar = AccountBar()
        self.items = ItemsView()
        self.form = MetadataForm()
        self.files = FilesPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.form, "Metadata")
        self.tabs.addTab(self.files, "Files")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.items)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([800, 540])
        self.splitter = splitter

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        for w in (self.sandbox_banner, self.auth_banner, self.notice_banner, self.account_bar):
            layout.addWidget(w)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(12)
        self.busy.hide()
        self.busy_label = QLabel("")
        self.statusBar().addPermanentWidget(self.busy_label)
        self.statusBar().addPermanentWidget(self.busy)
        self._build_menus()
        self._update_title()

        if sandbox_mode:
            self.sandbox_banner.show_message(
                "Sandbox: a Figshare stand-in running on this computer with sample items. "
                "Nothing you do here reaches figshare.com.", closable=False)
        self.auth_banner.action.connect(self._sign_in_again)
        self.account_bar.profile_chosen.connect(self.switch_profile)
        self.account_bar.add_profile.connect(lambda: self.open_sign_in())
        self.account_bar.sign_out.connect(self.sign_out)
        self.items.current_changed.connect(self._on_current_changed)
        self.items.action.connect(self.on_item_action)
        self.items.new_item.connect(self.new_item)
        self.items.load_failed.connect(self._background_failed)
        self.files.figures.connect(self._files_figures)
        self.files.failed.connect(self._background_failed)
        self.form.save_clicked.connect(self.save_clicked)
        self.form.revert_clicked.connect(self.form.revert)
        self.form.publish_clicked.connect(self.publish_clicked)
        self.form.dirty_changed.connect(lambda _d: self._update_title())

    # --- hooks for other panels -------------------------------------------------------

    def add_panel(self, widget: QWidget, title: str,
                  area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea
                  ) -> QDockWidget:
        """Dock ``widget`` (e.g. the upload queue) and list it in the View menu."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def add_tab(self, widget: QWidget, title: str) -> int:
        return self.tabs.addTab(widget, title)

    # --- menus, title, status -----------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = QAction("&New item", self, shortcut=QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_item)
        self.refresh_action = QAction("&Refresh", self, shortcut=QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.items.refresh)
        self.save_action = QAction("&Save", self, shortcut=QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save_clicked)
        self.cleanup_action = QAction("&Clean up drafts…", self)
        self.cleanup_action.triggered.connect(self.open_cleanup)
        sign_in = QAction("Sign &in…", self)
        sign_in.triggered.connect(lambda: self.open_sign_in())
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for a in (self.new_action, self.refresh_action, self.save_action, None,
                  self.cleanup_action, None, sign_in, None, quit_action):
            if a is None:
                file_menu.addSeparator()
            else:
                file_menu.addAction(a)
        self.view_menu = self.menuBar().addMenu("&View")
        self.dark_action = QAction("&Dark theme", self, checkable=True)
        self.dark_action.toggled.connect(self._set_dark)
        self.view_menu.addAction(self.dark_action)
        self.view_menu.addSeparator()

    def open_cleanup(self) -> None:
        """The drafts cleanup dialog on the signed-in account; the list refreshes after."""
        if self.session is None:
            self.statusBar().showMessage("Sign in first to clean up drafts.", 5000)
            return
        from figdesk.gui.cleanup_dialog import open_cleanup_dialog

        open_cleanup_dialog(self, self.session, on_deleted=lambda _ids: self.items.refresh())

    def _set_dark(self, dark: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, dark)

    def _update_title(self) -> None:
        parts = [APP_NAME]
        if self.sandbox_mode:
            parts.append("SANDBOX (sample data)")
        if self.session is not None:
            parts.append(f"{self.session.account.full_name} on {self.session.profile.display}")
        title = " — ".join(parts)
        self.setWindowTitle(title + (" *" if self.form.dirty else ""))

    def _busy_changed(self, n: int) -> None:
        self.busy.setVisible(n > 0)
        self.busy_label.setText("Talking to Figshare…" if n > 0 else "")

    # --- signing in ---------------------------------------------------------------------

    async def run_blocking(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """For the few calls made without a session (connecting, keyring)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def start(self) -> None:
        """First thing after showing: the sandbox, the last profile, or the sign-in dialog."""
        if self.sandbox_mode:
            profile = Accounts.profile_for("sandbox")
            try:
                connected = await self.run_blocking(self.accounts.connect, profile,
                                                    remember=False)
            except FigdeskError as exc:
                self.show_error(exc, "The built-in sandbox did not start.")
                return
            self.adopt(connected)
            return
        profiles = await self.run_blocking(self.accounts.list_profiles)
        last = await self.run_blocking(self.accounts.last_profile)
        self.account_bar.set_profiles(profiles, last.name if last else "")
        if last is None:
            self.open_sign_in()
            return
        await self._connect_stored(last)

    async def _connect_stored(self, profile: Profile) -> None:
        self.statusBar().showMessage(f"Connecting to {profile.display}…")
        try:
            connected = await self.run_blocking(self.accounts.connect, profile)
        except AuthError as exc:
            self.statusBar().clearMessage()
            self.open_sign_in(profile, reason=f"{profile.display}: {exc.message}")
            return
        except FigdeskError as exc:
            self.statusBar().clearMessage()
            self.notice_banner.show_message(f"{exc.title}: {exc.message}")
            return
        self.statusBar().clearMessage()
        self.adopt(connected)

    async def dialog_connect(self, profile: Profile, token: str) -> Connected:
        result: Connected = await self.run_blocking(self.accounts.connect, profile, token)
        return result

    def open_sign_in(self, profile: Profile | None = None, reason: str = "") -> SignInDialog:
        """Open the sign-in dialog without blocking (the window stays usable behind it)."""
        if self.signin_dialog is not None and self.signin_dialog.isVisible():
            return self.signin_dialog
        dialog = SignInDialog(self.dialog_connect, self, profile=profile, reason=reason)
        dialog.signed_in.connect(self._signed_in)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "signin_dialog", None))
        self.signin_dialog = dialog
        dialog.open()
        return dialog

    def _signed_in(self, connected: Connected) -> None:
        same = self.session is not None and self.session.profile.name == connected.profile.name
        if same and self.session is not None and self.session.auth_lost:
            # Signing in again mid-session: keep the form, the selection and the edits.
            self.session.replace_client(connected.client, connected.account)
            self.auth_banner.hide()
            self.account_bar.set_account(connected.account)
            self._update_title()
            self._note_keyring(connected)
            self.items.refresh()
            return
        self.adopt(connected)

    def adopt(self, connected: Connected) -> None:
        """Make ``connected`` the current session and load its items and reference data."""
        if self.session is not None:
            self.session.close()
        # No Qt parent: background calls still finishing may outlive the window's widgets.
        session = Session(connected.profile, connected.client, connected.account,
                          self.executor)
        session.auth_failed.connect(self._auth_failed)
        session.busy_changed.connect(self._busy_changed)
        self.session = session
        self.auth_banner.hide()
        self.notice_banner.hide()
        self._note_keyring(connected)
        self.account_bar.set_account(connected.account)
        if not self.sandbox_mode:
            self.account_bar.set_profiles(self.accounts.known_profiles(),
                                          connected.profile.name)
        else:
            self.account_bar.set_profiles([connected.profile], connected.profile.name)
        self.form.clear()
        self.items.set_session(session)
        self.files.set_session(session)
        self._update_title()
        self.session_changed.emit(session)
        self.items.refresh()
        self.load_reference_data()

    def _note_keyring(self, connected: Connected) -> None:
        if connected.note:
            self.notice_banner.show_message(connected.note)

    @asyncSlot()
    async def load_reference_data(self) -> None:
        session = self.session
        if session is None:
            return
        self.tasks.adopt_current()
        try:
            ref = await session.call(load_reference_data, session.client,
                                     session.account.group_id or None)
        except FigdeskError as exc:
            self.statusBar().showMessage(f"Could not load categories and licenses: "
                                         f"{exc.message}", 10000)
            return
        if session is self.session:
            self.ref = ref
            self.form.set_reference_data(ref)

    def _auth_failed(self, message: str) -> None:
        session = self.session
        if session is None:
            return
        self.auth_banner.show_message(
            f"Figshare no longer accepts the token of “{session.profile.display}” ({message}). "
            "Nothing is lost: sign in again to carry on.", "Sign in again", closable=False)
        self.open_sign_in(session.profile, reason="Your token stopped working. Paste a new "
                          "one to carry on where you were.")

    def _sign_in_again(self) -> None:
        if self.session is not None:
            self.open_sign_in(self.session.profile, reason="Paste a new token to carry on.")

    @asyncSlot(str)
    async def switch_profile(self, name: str) -> None:
        if not await self.leave_item_ok():
            self.account_bar.set_profiles(self.accounts.known_profiles(),
                                          self.session.profile.name if self.session else "")
            return
        profile = self.accounts.known_profile(name)
        if profile is None:
            return
        await self._connect_stored(profile)

    @asyncSlot()
    async def sign_out(self) -> None:
        session = self.session
        if session is None or not await self.leave_item_ok():
            return
        try:
            await self.run_blocking(self.accounts.sign_out, session.profile)
        except FigdeskError as exc:
            self.show_error(exc, "Signing out")
            return
        session.close()
        self.session = None
        self.form.clear()
        self.items.set_session(None)
        self.files.set_session(None)
        self.account_bar.set_account(None)
        self.auth_banner.hide()
        self._update_title()
        self.session_changed.emit(None)
        self.statusBar().showMessage(f"Signed out of {session.profile.display}; its token was "
                                     "removed from the keyring.", 10000)
        self.open_sign_in(session.profile)

    # --- errors -------------------------------------------------------------------------

    def show_error(self, exc: BaseException, context: str = "") -> None:
        """Errors are shown here and only here. An AuthError is already handled by the
        sign-in banner, so it gets no second box."""
        self.last_error = exc
        if isinstance(exc, AuthError):
            return
        error_box(self, exc, context)

    def _background_failed(self, exc: BaseException) -> None:
        self.last_error = exc
        if isinstance(exc, FigdeskError) and not isinstance(exc, AuthError):
            self.statusBar().showMessage(f"{exc.title}: {exc.message}", 10000)

    # --- leaving ------------------------------------------------------------------------

    def ask_unsaved(self) -> str:
        """"save", "discard" or "cancel" for unsaved edits. Tests replace this method."""
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        answer = QMessageBox.question(self, "Unsaved changes",
                                      "This item has changes that are not saved yet.",
                                      buttons, QMessageBox.StandardButton.Save)
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.form.dirty:
            choice = self.ask_unsaved()
            if choice == "cancel":
                event.ignore()
                return
            if choice == "save":
                event.ignore()
                self._save_then_close()
                return
        self.items.shutdown()
        self.files.shutdown()
        self.tasks.cancel_all()
        if self.session is not None:
            self.session.close()
        super().closeEvent(event)

    @asyncSlot()
    async def _save_then_close(self) -> None:
        if await self.save_form():
            self.close()
