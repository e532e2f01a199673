"""Fixtures for every suite: no test touches the real home, keyring or FIGSHARE_TOKEN."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from tests.support.memkeyring import MemoryKeyring

# Qt must never try to open a real display in tests; set before any test imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Point figdesk's dirs at a temp folder and its keyring at memory."""
    for name in ("DATA", "CONFIG", "CACHE", "LOG"):
        d = tmp_path / f"figdesk-{name.lower()}"
        monkeypatch.setenv(f"FIGDESK_{name}_DIR", str(d))
    monkeypatch.delenv("FIGSHARE_TOKEN", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def sandbox() -> Iterator[Any]:
    """A fresh in-process sandbox on free loopback ports, with the sample items."""
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0)) as sb:
        yield sb
