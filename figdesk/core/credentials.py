"""Profiles (which Figshare to talk to) and their tokens (only ever in the OS keyring).

A profile names a service: figshare.com, Figshare's stage server, an institution's own API URL,
or the built-in sandbox. The profile list lives in the config dir as JSON and never holds a
token. Tokens live in the keyring under the service name ``figdesk``, one entry per profile.
When no usable keyring exists (or only a plaintext-file one), storing refuses with
``KeyringUnavailableError``: the caller keeps the token in memory for this run only. There is
no silent plaintext fallback. ``FIGSHARE_TOKEN`` overrides everything for scripts and CI.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from figdesk.core.errors import AuthError, KeyringUnavailableError, UsageError
from figdesk.core.paths import config_dir

KEYRING_SERVICE = "figdesk"
DEFAULT_API_URL = "https://api.figshare.com/v2"
SANDBOX = "sandbox"

#: Preset services offered at sign-in; an institution gives its own API URL instead.
SERVICES: dict[str, str] = {
    "figshare": DEFAULT_API_URL,
    "stage": "https://api.figsh.com/v2",
}


@dataclass(frozen=True)
class Profile:
    """A named service to sign in to. ``api_url == "sandbox"`` means the built-in sandbox."""

    name: str
    api_url: str
    label: str = ""

    @property
    def is_sandbox(self) -> bool:
        return self.api_url == SANDBOX

    @property
    def display(self) -> str:
        return self.label or self.name


class ProfileStore:
    """The list of profiles and the last one used, in ``profiles.json`` of the config dir."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "profiles.json"

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"last": None, "profiles": []}
        except (OSError, ValueError) as exc:
            raise UsageError(f"The profile list {self.path} cannot be read ({exc}). "
                             "Fix or remove the file.") from exc
        if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
            raise UsageError(f"The profile list {self.path} is not in figdesk's format. "
                             "Fix or remove the file.")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a crash never leaves half a file behind.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".profiles.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        os.replace(tmp, self.path)

    def list(self) -> list[Profile]:
        out = []
        for p in self._read()["profiles"]:
            if isinstance(p, dict) and p.get("name") and p.get("api_url"):
                out.append(Profile(str(p["name"]), str(p["api_url"]), str(p.get("label", ""))))
        return out

    def get(self, name: str) -> Profile | None:
        return next((p for p in self.list() if p.name == name), None)

    def find_by_url(self, api_url: str) -> Profile | None:
        url = api_url.rstrip("/")
        return next((p for p in self.list() if p.api_url.rstrip("/") == url), None)

    def save(self, profile: Profile) -> None:
        data = self._read()
        profiles = [p for p in data["profiles"] if p.get("name") != profile.name]
        profiles.append(asdict(profile))
        data["profiles"] = profiles
        self._write(data)

    def remove(self, name: str) -> None:
        data = self._read()
        data["profiles"] = [p for p in data["profiles"] if p.get("name") != name]
        if data.get("last") == name:
            data["last"] = None
        self._write(data)

    @property
    def last(self) -> Profile | None:
        name = self._read().get("last")
        return self.get(name) if isinstance(name, str) else None

    def set_last(self, name: str) -> None:
        data = self._read()
        data["last"] = name
        self._write(data)


def _usable(backend: KeyringBackend) -> bool:
    """A backend we may trust with a token: a real one, never the fail/null or plaintext ones."""
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False
    if module.startswith("keyrings.alt.file") or "Plaintext" in type(backend).__name__:
        return False
    if module.startswith("keyring.backends.chainer"):
        return any(_usable(b) for b in getattr(backend, "backends", []))
    try:
        return float(backend.priority) > 0
    except Exception:  # noqa: BLE001  # a backend whose priority check fails is not usable
        return False


class TokenStore:
    """Tokens in the OS keyring: service ``figdesk``, one entry per profile name."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        return self._backend or keyring.get_keyring()

    @property
    def available(self) -> bool:
        return _usable(self.backend)

    def get(self, profile: str) -> str | None:
        if not self.available:
            return None
        try:
            return self.backend.get_password(KEYRING_SERVICE, profile)
        except keyring.errors.KeyringError:
            return None

    def set(self, profile: str, token: str) -> None:
        if not self.available:
            raise KeyringUnavailableError(
                "No usable keyring was found on this computer, so the token cannot be stored "
                "safely. It will be kept for this session only.")
        try:
            self.backend.set_password(KEYRING_SERVICE, profile, token)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailableError(
                f"The keyring refused to store the token ({type(exc).__name__}). It will be "
                "kept for this session only.") from exc

    def delete(self, profile: str) -> None:
        if not self.available:
            return
        try:
            self.backend.delete_password(KEYRING_SERVICE, profile)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: signing out is already done
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailableError(
                f"The keyring refused to remove the token ({type(exc).__name__}).") from exc


def resolve_token(profile_name: str | None, api_url: str | None = None, *,
                  tokens: TokenStore | None = None, profiles: ProfileStore | None = None) -> str:
    """The token to use: ``FIGSHARE_TOKEN`` first, else the keyring entry of the profile
    (named, else the one whose API URL matches, else the last used when no URL is given)."""
    env = os.environ.get("FIGSHARE_TOKEN", "").strip()
    if env:
        return env
    profiles = profiles or ProfileStore()
    name = profile_name
    if name is None and api_url:
        match = profiles.find_by_url(api_url)
        name = match.name if match else None
    elif name is None:
        last = profiles.last
        name = last.name if last else None
    token = (tokens or TokenStore()).get(name) if name else None
    if not token:
        where = f"profile '{name}'" if name else "this service"
        raise AuthError(f"No token is stored for {where}. Run 'figdesk login' or set "
                        "FIGSHARE_TOKEN.")
    return token
