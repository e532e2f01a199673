"""The token round trip through the REAL Secret Service (gnome-keyring under dbus-run-session).

CI runs: dbus-run-session -- sh -c 'echo pw | gnome-keyring-daemon --unlock --components=secrets;
pytest -m keyring ...'. Without a session bus or a secret service the test is skipped.
"""

from __future__ import annotations

import os
import uuid

import pytest
from keyring.errors import KeyringError

from figdesk.core.credentials import TokenStore

pytestmark = pytest.mark.keyring


def _secret_service() -> object:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session bus (run under dbus-run-session with gnome-keyring)")
    try:
        from keyring.backends.SecretService import Keyring as SecretServiceKeyring
    except ImportError as exc:  # pragma: no cover - keyring always ships it
        pytest.skip(f"keyring's SecretService backend is missing: {exc}")
    backend = SecretServiceKeyring()
    try:
        if backend.priority <= 0:  # type: ignore[operator]
            pytest.skip("the Secret Service backend is not usable here")
    except (RuntimeError, KeyringError) as exc:  # keyring says "not here" by raising
        pytest.skip(f"no Secret Service available: {exc}")
    return backend


def test_token_round_trip_through_secret_service() -> None:
    backend = _secret_service()
    store = TokenStore(backend)  # type: ignore[arg-type]
    assert store.available
    profile = f"figdesk-test-{uuid.uuid4().hex[:8]}"
    token = uuid.uuid4().hex
    try:
        store.set(profile, token)
        assert store.get(profile) == token
        # A fresh store (another "run") reads the same entry from the service.
        assert TokenStore(type(backend)()).get(profile) == token  # type: ignore[arg-type]
    finally:
        store.delete(profile)
    assert store.get(profile) is None
