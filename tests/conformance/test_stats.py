"""The stats service (not in swagger.json): its shapes as NOTES.md §9 documents them."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

# NOTES.md §9, written as JSON Schema: totals, timeline (date -> count), error bodies.
TOTALS = {
    "type": "object",
    "required": ["totals"],
    "properties": {"totals": {"type": "integer", "minimum": 0}},
    "additionalProperties": False,
}
TIMELINE = {
    "type": "object",
    "required": ["timeline"],
    "properties": {
        "timeline": {
            "type": ["object", "null"],
            "additionalProperties": {"type": "integer", "minimum": 0},
        }
    },
    "additionalProperties": False,
}
STATS_ERROR = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string", "minLength": 1},
        "code": {"type": ["string", "integer"]},
        "data": {"type": "object"},
    },
}
DATE_KEYS = {
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}(-\d{2})?$"),
    "year": re.compile(r"^\d{4}(-\d{2}-\d{2})?$"),
}


def _valid(schema: dict[str, Any], body: Any) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(body)
    ]
    assert errors == [], (errors, body)


def _get(sandbox: Any, path: str, **params: Any) -> requests.Response:
    return requests.get(sandbox.stats_url + path, params=params, timeout=30)


@pytest.mark.parametrize("counter", ["views", "downloads", "shares"])
def test_totals(sandbox: Any, counter: str) -> None:
    resp = _get(sandbox, f"/total/{counter}/article/123456")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    _valid(TOTALS, resp.json())


def test_totals_of_an_unknown_item_are_empty_not_404(sandbox: Any) -> None:
    resp = _get(sandbox, "/total/views/article/999999999")
    assert resp.status_code == 200
    _valid(TOTALS, resp.json())
    assert resp.json()["totals"] == 0


@pytest.mark.parametrize("granularity", ["day", "month", "year"])
def test_timeline(sandbox: Any, granularity: str) -> None:
    resp = _get(
        sandbox,
        f"/timeline/{granularity}/views/article/123456",
        start_date="2020-01-01",
        end_date="2020-12-31",
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    _valid(TIMELINE, body)
    for key in body["timeline"] or {}:
        assert DATE_KEYS[granularity].match(key), key


def test_timeline_total_granularity(sandbox: Any) -> None:
    resp = _get(sandbox, "/timeline/total/downloads/article/123456")
    assert resp.status_code == 200, resp.text
    _valid(TIMELINE, resp.json())


@pytest.mark.parametrize(
    "path",
    [
        "/total/hugs/article/123456",  # the documented InvalidParams example
        "/total/views/planet/123456",
        "/timeline/hourly/views/article/123456",
    ],
)
def test_invalid_params_are_400_with_an_error_body(sandbox: Any, path: str) -> None:
    resp = _get(sandbox, path)
    assert resp.status_code == 400, (resp.status_code, resp.text)
    _valid(STATS_ERROR, resp.json())


def test_unknown_endpoint_is_404(sandbox: Any) -> None:
    assert _get(sandbox, "/total/views").status_code == 404
    # Any first segment may name an institution, whose paths need Basic auth (403 without);
    # with it, an endpoint that does not exist is still 404.
    assert _get(sandbox, "/someinst/timeline/day/views/article/1").status_code == 403
    with_auth = requests.get(
        f"{sandbox.stats_url}/someinst/no/such/endpoint", auth=("u", "p"), timeout=30
    )
    assert with_auth.status_code == 404
    _valid(STATS_ERROR, with_auth.json())
