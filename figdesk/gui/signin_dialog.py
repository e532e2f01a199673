"""The sign-in dialog: choose the service, paste a personal token, validate it in the background."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from figdesk.core.credentials import Profile
from figdesk.core.errors import AuthError, FigdeskError
from figdesk.gui.accounts import TOKENS_PAGE, Accounts, Connected

Connect = Callable[[Profile, str], Awaitable[Connected]]

SERVICE_CHOICES = (
    ("figshare", "figshare.com"),
    ("stage", "Figshare stage (api.figsh.com, for testing)"),
    ("sandbox", "Built-in sandbox (on this computer, sample data)"),
    ("custom", "An institution's own API address…"),
)


class SignInDialog(QDialog):
    """Emits ``signed_in`` with the ``Connected`` outcome once Figshare accepted the token."""

    signed_in = Signal(object)

    def __init__(self, connect: Connect, parent: QWidget | None = None, *,
                 profile: Profile | None = None, reason: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Figshare")
        self.setMinimumWidth(520)
        self._connect = connect
        self.result_connected: Connected | None = None

        layout = QVBoxLayout(self)
        self.intro = intro = QLabel(
            "figdesk works with your Figshare account through a <b>personal token</b>. "
            f'Make one on Figshare under <a href="{TOKENS_PAGE}">Applications</a> '
            "(account menu → Integrations), then paste it here. It is kept in your "
            "system's keyring, never in a file.")
        intro.setWordWrap(True)
        intro.setOpenExternalLinks(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        layout.addWidget(intro)
        if reason:
            self.reason_label = QLabel(reason)
            self.reason_label.setWordWrap(True)
            self.reason_label.setObjectName("warning")
            layout.addWidget(self.reason_label)

        form = QFormLayout()
        self.service = QComboBox()
        for key, text in SERVICE_CHOICES:
            self.service.addItem(text, key)
        self.custom_url = QLineEdit()
        self.custom_url.setPlaceholderText("https://api.figshare.example.edu/v2")
        self.profile_name = QLineEdit()
        self.profile_name.setPlaceholderText("Optional, e.g. “work”")
        self.profile_name.setToolTip("Name profiles to keep several accounts, even on the "
                                     "same service; switch between them from the window.")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("Paste your personal token")
        self.show_token = QCheckBox("Show")
        self.show_token.toggled.connect(self._toggle_echo)
        form.addRow("Service", self.service)
        form.addRow("API address", self.custom_url)
        form.addRow("Profile name", self.profile_name)
        form.addRow("Token", self.token)
        form.addRow("", self.show_token)
        layout.addLayout(form)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)      # busy indicator while GET /account runs
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("error")
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.addButton(
            "Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.service.currentIndexChanged.connect(self._service_changed)
        if profile is not None:
            self._preset(profile)
        self._service_changed()

    # --- form ---------------------------------------------------------------------------

    def _preset(self, profile: Profile) -> None:
        if profile.is_sandbox:
            key = "sandbox"
        else:
            key = next((k for k, _ in SERVICE_CHOICES
                        if k in ("figshare", "stage")
                        and Accounts.profile_for(k).api_url == profile.api_url), "custom")
        self.service.setCurrentIndex(self.service.findData(key))
        if key == "custom":
            self.custom_url.setText(profile.api_url)
        self.profile_name.setText(profile.name)

    def _service_changed(self) -> None:
        key = self.service.currentData()
        self.custom_url.setEnabled(key == "custom")
        sandbox = key == "sandbox"
        self.token.setEnabled(not sandbox)
        self.token.setPlaceholderText("Not needed: the sandbox makes its own" if sandbox
                                      else "Paste your personal token")

    def _toggle_echo(self, shown: bool) -> None:
        self.token.setEchoMode(QLineEdit.EchoMode.Normal if shown
                               else QLineEdit.EchoMode.Password)

    def chosen_profile(self) -> Profile:
        name = self.profile_name.text().strip()
        return Accounts.profile_for(str(self.service.currentData()), self.custom_url.text(),
                                    name)

    def set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for w in (self.service, self.custom_url, self.profile_name, self.token,
                  self.sign_in_button):
            w.setEnabled(not busy)
        if not busy:
            self._service_changed()

    # --- sign in ------------------------------------------------------------------------

    @asyncSlot()
    async def submit(self) -> None:
        self.status.setText("")
        try:
            profile = self.chosen_profile()
        except FigdeskError as exc:
            self.status.setText(exc.message)
            return
        token = self.token.text().strip()
        if not token and not profile.is_sandbox:
            self.status.setText("Paste a personal token first.")
            self.token.setFocus()
            return
        self.set_busy(True)
        self.status.setText("Checking the token with Figshare…")
        try:
            connected = await self._connect(profile, token)
        except AuthError:
            self._fail("Figshare did not accept this token. Check that you pasted all of it "
                       "and that it has not been revoked.")
            return
        except FigdeskError as exc:
            self._fail(f"{exc.title}: {exc.message}")
            return
        self.set_busy(False)
        self.result_connected = connected
        self.status.setText(f"Signed in as {connected.account.full_name}.")
        self.signed_in.emit(connected)
        self.accept()

    def _fail(self, message: str) -> None:
        self.set_busy(False)
        self.status.setText(message)
        self.token.setFocus()
