"""Fixtures: an in-process sandbox on free ports, driven with plain ``requests``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from figdesk.sandbox import Sandbox, SandboxConfig

# The helpers module sits next to this file; pytest may import tests without this folder on
# sys.path (importlib mode), so put it there.
sys.path.insert(0, str(Path(__file__).parent))

from sandbox_helpers import PART


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A fresh sandbox for one test (state is cheap: built in memory in milliseconds)."""
    with Sandbox(SandboxConfig(part_size=PART, processing_step=0.01, body_timeout=2.0)) as box:
        yield box


@pytest.fixture
def api(sb: Sandbox) -> Callable[..., requests.Response]:
    """``api(method, path, json_body=None, token=..., **kw)`` against the sandbox's API."""
    session = requests.Session()

    def call(
        method: str, path: str, body: Any = None, *, token: str | None = "main", **kw: Any
    ) -> requests.Response:
        headers = kw.pop("headers", {})
        if token == "main":
            token = sb.token
        if token:
            headers["Authorization"] = f"token {token}"
        url = path if path.startswith("http") else sb.api_url + path
        data = json.dumps(body) if body is not None else None
        return session.request(method, url, data=data, headers=headers, timeout=30, **kw)

    yield call
    session.close()
