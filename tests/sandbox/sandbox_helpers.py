"""Helpers shared by the sandbox tests (plain requests, no figdesk.core)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import requests

PART = 64 * 1024  # small parts keep the upload tests fast


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll until ``predicate()`` is truthy (bounded); return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def create_item(api: Callable[..., requests.Response], **fields: Any) -> int:
    body = {"title": "A test item", **fields}
    r = api("POST", "/account/articles", body)
    assert r.status_code == 201, r.text
    return int(r.json()["entity_id"])


def upload_file(
    api: Callable[..., requests.Response],
    item: int,
    data: bytes,
    name: str = "f.bin",
    md5: str | None = "auto",
) -> tuple[int, dict[str, Any]]:
    """Initiate + PUT every part; returns (file id, file JSON).  Does not complete."""
    body: dict[str, Any] = {"name": name, "size": len(data)}
    if md5 == "auto":
        body["md5"] = hashlib.md5(data).hexdigest()
    elif md5 is not None:
        body["md5"] = md5
    r = api("POST", f"/account/articles/{item}/files", body)
    assert r.status_code == 201, r.text
    info = api("GET", r.json()["location"]).json()
    parts = requests.get(info["upload_url"], timeout=10).json()["parts"]
    for p in parts:
        chunk = data[p["startOffset"] : p["endOffset"] + 1]
        assert (
            requests.put(f"{info['upload_url']}/{p['partNo']}", data=chunk, timeout=10).status_code
            == 200
        )
    return int(info["id"]), info
