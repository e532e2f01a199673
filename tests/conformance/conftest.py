"""Fixtures: the spec (skipped, with the reason, when the shared folder is absent), a sandbox
per test module, and a thin ``requests`` wrapper that talks to it like any Figshare client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from .spec_tools import RESOURCES_PAGE, SPEC_PATH, SpecChecker, load_spec


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        pytest.skip(f"Figshare's OpenAPI spec is absent: expected {SPEC_PATH}")
    return load_spec()


@pytest.fixture(scope="session")
def resources_page_present() -> None:
    if not RESOURCES_PAGE.is_file():
        pytest.skip(f"the API resources page is absent: expected {RESOURCES_PAGE}")


def _running_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from figdesk.sandbox import Sandbox, SandboxConfig

    data_dir = tmp_path_factory.mktemp("sandbox")
    # Small parts so that multi-part uploads stay small and fast.
    config = SandboxConfig(host="127.0.0.1", port=0, data_dir=str(data_dir), part_size=64 * 1024)
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One sandbox per test module (tests there create their own items)."""
    yield from _running_sandbox(tmp_path_factory)


@pytest.fixture
def fresh_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A sandbox of its own for a test that needs the untouched sample items."""
    yield from _running_sandbox(tmp_path_factory)


@dataclass
class Api:
    """One authenticated account on the sandbox's API, with the spec checker at hand."""

    base: str
    token: str | None
    check: SpecChecker
    session: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"Authorization": f"token {self.token}"} if self.token else {}
        h.update(extra or {})
        return h

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw["headers"] = self.headers(kw.get("headers"))
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.url(path), **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def as_token(self, token: str | None) -> Api:
        return Api(self.base, token, self.check, self.session)

    # --- small helpers the tests share -------------------------------------------------

    def create_article(self, title: str, **metadata: Any) -> int:
        resp = self.post("/account/articles", json={"title": title, **metadata})
        self.check.check_request(resp)
        body = self.check.check_response(resp, 201).body
        return int(body["entity_id"])


@pytest.fixture(scope="module")
def checker(spec: dict[str, Any], sandbox: Any) -> SpecChecker:
    return SpecChecker(spec, sandbox.api_url)


@pytest.fixture
def api(sandbox: Any, checker: SpecChecker) -> Iterator[Api]:
    a = Api(sandbox.api_url, sandbox.token, checker)
    yield a
    a.session.close()
