"""Profiles, tokens and connecting, for the GUI (blocking: always call through an executor).

Tokens go to the OS keyring through ``TokenStore``. When no usable keyring exists the token is
kept in this object's memory for this run only, and the caller tells the user so: never a
plaintext file. The built-in sandbox is started here on first use (one per app).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from figdesk.core.credentials import SANDBOX, SERVICES, Profile, ProfileStore, TokenStore
from figdesk.core.errors import AuthError, KeyringUnavailableError, UsageError
from figdesk.core.models import Account
from figdesk.core.paths import log_dir
from figdesk.gui.sandbox_child import SandboxChild

SANDBOX_LOG_FILE = "figdesk-sandbox.log"

#: Where Figshare makes personal tokens (shown as a link in the sign-in dialog).
TOKENS_PAGE = "https://figshare.com/account/applications"

ClientFactory = Callable[[str, str], Any]


def default_client_factory(token: str, api_url: str) -> Any:
    from figdesk.core.api import FigshareClient  # imported late: heavy, and tests swap it

    return FigshareClient(token, api_url=api_url)


@dataclass(frozen=True)
class Connected:
    """The outcome of a successful sign-in or switch."""

    profile: Profile
    client: Any
    account: Account
    token: str
    stored_in_keyring: bool
    note: str = ""          # e.g. why the token is kept for this run only


class SandboxHost:
    """One built-in sandbox per app, started on demand (``figdesk --sandbox`` and the
    sign-in dialog's "built-in sandbox") in a child process (``figdesk.gui.sandbox_child``)."""

    def __init__(self, items: int = 0, samples: bool = True) -> None:
        self._items = items
        self._samples = samples
        self._lock = threading.Lock()
        self.sandbox: SandboxChild | None = None

    def ensure(self) -> SandboxChild:
        """The running sandbox (started, or started again if it stopped). Blocking."""
        with self._lock:
            if self.sandbox is not None and not self.sandbox.running():
                self.sandbox.stop()
                self.sandbox = None
            if self.sandbox is None:
                child = SandboxChild(items=self._items, samples=self._samples,
                                     log_path=log_dir() / SANDBOX_LOG_FILE)
                child.start()
                self.sandbox = child
            return self.sandbox

    def stop(self) -> None:
        with self._lock:
            if self.sandbox is not None:
                self.sandbox.stop()
                self.sandbox = None


class Accounts:
    """Profiles on disk, tokens in the keyring (or memory), and connecting to a profile."""

    def __init__(self, profiles: ProfileStore | None = None, tokens: TokenStore | None = None,
                 client_factory: ClientFactory = default_client_factory,
                 sandbox_host: SandboxHost | None = None) -> None:
        self.profiles = profiles or ProfileStore()
        self.tokens = tokens or TokenStore()
        self.client_factory = client_factory
        self.sandbox_host = sandbox_host or SandboxHost()
        self._memory: dict[str, str] = {}
        self._known: list[Profile] = []

    # --- profiles -----------------------------------------------------------------------

    def list_profiles(self) -> list[Profile]:
        """Blocking (reads the profile file); refreshes ``known_profiles``."""
        self._known = self.profiles.list()
        return list(self._known)

    def known_profiles(self) -> list[Profile]:
        """The profiles as last read or saved: safe on the GUI thread (no disk)."""
        return list(self._known)

    def known_profile(self, name: str) -> Profile | None:
        return next((p for p in self._known if p.name == name), None)

    def last_profile(self) -> Profile | None:
        return self.profiles.last

    @staticmethod
    def profile_for(service: str, custom_url: str = "", name: str = "") -> Profile:
        """The profile for a choice in the sign-in dialog (``figshare``, ``stage``,
        ``sandbox`` or ``custom`` with its URL)."""
        if service == SANDBOX:
            return Profile(name or "sandbox", SANDBOX, "Built-in sandbox")
        if service == "custom":
            url = custom_url.strip().rstrip("/")
            if not url.startswith(("https://", "http://")):
                raise UsageError("Enter the API address, e.g. https://api.figshare.example/v2.")
            host = url.split("://", 1)[1].split("/", 1)[0]
            return Profile(name or host, url, host)
        if service not in SERVICES:
            raise UsageError(f"Unknown service '{service}'.")
        label = {"figshare": "figshare.com", "stage": "Figshare stage"}.get(service, service)
        return Profile(name or service, SERVICES[service], label)

    # --- tokens -------------------------------------------------------------------------

    def token_for(self, profile: Profile) -> str | None:
        return self._memory.get(profile.name) or self.tokens.get(profile.name)

    def sign_out(self, profile: Profile) -> None:
        """Remove the profile's token from the keyring (and from memory)."""
        self._memory.pop(profile.name, None)
        self.tokens.delete(profile.name)

    # --- connecting (network) -----------------------------------------------------------

    def api_url_of(self, profile: Profile) -> str:
        if profile.is_sandbox:
            return str(self.sandbox_host.ensure().api_url)
        return profile.api_url

    def connect(self, profile: Profile, token: str | None = None, *,
                remember: bool = True) -> Connected:
        """Validate a token with GET /account and, when it works, store it and make the profile
        the last one used. Without ``token``, use the stored one. Raises ``AuthError`` when
        there is no token or Figshare refuses it."""
        if profile.is_sandbox and not token:
            token = self.token_for(profile) or str(self.sandbox_host.ensure().token)
        token = (token or self.token_for(profile) or "").strip()
        if not token:
            raise AuthError(f"No token is stored for '{profile.display}'. Sign in again.")
        client = self.client_factory(token, self.api_url_of(profile))
        try:
            account = client.get_account()
        except Exception:
            _close(client)
            raise
        stored, note = False, ""
        if remember:
            stored, note = self._remember(profile, token)
        return Connected(profile, client, account, token, stored, note)

    def _remember(self, profile: Profile, token: str) -> tuple[bool, str]:
        self.profiles.save(profile)
        self.profiles.set_last(profile.name)
        self._known = self.profiles.list()
        if profile.is_sandbox:
            # The embedded sandbox's token is minted per run: nothing worth keeping.
            return False, ""
        try:
            self.tokens.set(profile.name, token)
        except KeyringUnavailableError as exc:
            self._memory[profile.name] = token
            return False, exc.message
        self._memory.pop(profile.name, None)
        return True, ""


def _close(client: Any) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        close()
