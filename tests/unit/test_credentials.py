"""Profiles and tokens: the token lives in the keyring only, never in a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backends.fail import Keyring as FailKeyring

from figdesk.core.credentials import (
    KEYRING_SERVICE,
    Profile,
    ProfileStore,
    TokenStore,
    resolve_token,
)
from figdesk.core.errors import AuthError, KeyringUnavailableError, UsageError
from tests.support.memkeyring import MemoryKeyring


def test_profiles_round_trip_and_hold_no_token(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "p.json")
    assert store.list() == [] and store.last is None
    store.save(Profile("work", "https://api.figshare.com/v2", "Work"))
    store.save(Profile("inst", "https://api.example.edu/v2"))
    store.set_last("inst")
    TokenStore().set("work", "secret-token-123")
    assert [p.name for p in store.list()] == ["work", "inst"]
    assert store.last == Profile("inst", "https://api.example.edu/v2")
    assert "secret-token-123" not in (tmp_path / "p.json").read_text()
    store.remove("inst")
    assert store.last is None and store.get("inst") is None


def test_malformed_profile_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{not json")
    with pytest.raises(UsageError, match="cannot be read"):
        ProfileStore(path).list()
    path.write_text("[1, 2]")
    with pytest.raises(UsageError, match="not in figdesk's format"):
        ProfileStore(path).list()


def test_token_store_uses_keyring(isolated_env: MemoryKeyring) -> None:
    tokens = TokenStore()
    tokens.set("work", "abc")
    assert isolated_env.store[(KEYRING_SERVICE, "work")] == "abc"
    assert tokens.get("work") == "abc"
    tokens.delete("work")
    assert tokens.get("work") is None
    tokens.delete("work")  # signing out twice is harmless


def test_no_usable_keyring_refuses_to_store() -> None:
    tokens = TokenStore(FailKeyring())
    assert not tokens.available
    with pytest.raises(KeyringUnavailableError, match="this session only"):
        tokens.set("work", "abc")
    assert tokens.get("work") is None


def test_resolve_token_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    profiles = ProfileStore(tmp_path / "p.json")
    profiles.save(Profile("inst", "https://api.example.edu/v2"))
    TokenStore().set("inst", "from-keyring")
    assert resolve_token(None, "https://api.example.edu/v2", profiles=profiles) == "from-keyring"
    assert resolve_token("inst", None, profiles=profiles) == "from-keyring"
    with pytest.raises(AuthError, match="figdesk login"):
        resolve_token(None, "https://api.figshare.com/v2", profiles=profiles)
    monkeypatch.setenv("FIGSHARE_TOKEN", "from-env")
    assert resolve_token(None, "https://api.figshare.com/v2", profiles=profiles) == "from-env"
