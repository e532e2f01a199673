"""Shared plumbing of the client's endpoint groups: JSON calls, impersonation, paging.

Every call to Figshare's API passes through ``_call`` so that impersonation is placed the same
way everywhere: ``impersonate=<id>`` in the query string for GET and DELETE, in the JSON body
for POST, PUT and PATCH (a body-less POST gets ``{"impersonate": id}`` as its body).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from figdesk.core.api.transport import Transport
from figdesk.core.errors import ApiError
from figdesk.core.models import Created

log = logging.getLogger("figdesk.core.api")

#: Figshare's largest page; fewer round trips for the same answer.
MAX_PAGE_SIZE = 1000
#: Figshare's highest page number (spec); also a stop for a server that ignores paging.
MAX_PAGES = 5000
#: Only these verbs are repeated automatically on the API host.
SAFE_METHODS = frozenset({"GET", "DELETE", "HEAD"})


def _each_object(obj: dict[str, Any]) -> dict[str, Any]:
    """``json.loads``'s object hook, returning the object as it is. Its use is that it is
    Python: the C decoder holds the GIL for a whole body (5-10 ms for a page of 1,000 items),
    and the app's GUI thread waits that long for it; a Python call per object is a point where
    the interpreter hands the GIL over when another thread asks (measured: the longest wait
    of a thread beside a decoding one fell from 12 to 5 ms, at no measurable cost)."""
    return obj


def json_of(response: requests.Response) -> Any:
    """The decoded JSON body, or None for an empty body (202, 204, 205)."""
    try:
        content = response.content
    finally:
        response.close()
    if not content or not content.strip():
        return None
    try:
        return json.loads(content, object_hook=_each_object)
    except ValueError:
        raise ApiError("Figshare sent an answer figdesk could not read (not JSON).",
                       status=response.status_code) from None


def trailing_id(url: str) -> int | None:
    """The numeric last path segment of a location (``.../articles/123`` -> 123)."""
    path = urlsplit(url).path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return int(last) if last.isdigit() else None


class ClientBase:
    """State and helpers shared by the endpoint mixins of ``FigshareClient``."""

    _t: Transport
    impersonate: int | None

    @property
    def api_url(self) -> str:
        """The API base, without a trailing slash (``https://api.figshare.com/v2``)."""
        return self._t.api_url

    def _url(self, path: str) -> str:
        return f"{self._t.api_url}{path}"

    def resolve(self, location: str) -> str:
        """An absolute URL for a ``location`` that may be absolute or relative to the API."""
        return urljoin(self._t.api_url + "/", location) if location else ""

    def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None, what: str = "The requested resource",
              with_headers: bool = False, retry: bool | None = None) -> Any:
        """Call the API and return its JSON (None when empty). GET and DELETE are retried
        when that is safe; POST, PUT and PATCH never are. ``retry=False`` asks for one try."""
        method = method.upper()
        query: dict[str, Any] = dict(params or {})
        payload: dict[str, Any] | None = dict(body) if body is not None else None
        if self.impersonate is not None:
            if method in ("GET", "DELETE", "HEAD"):
                query["impersonate"] = self.impersonate
            else:
                payload = payload if payload is not None else {}
                payload["impersonate"] = self.impersonate
        response = self._t.request(method, self._url(path), service="api",
                                   retry=method in SAFE_METHODS and retry is not False,
                                   what=what,
                                   params=query or None, json=payload,
                                   headers={"Accept": "application/json"})
        location_header = response.headers.get("Location", "")
        data = json_of(response)
        if with_headers:
            return data, location_header
        return data

    def _list(self, method: str, path: str, *, what: str,
              params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """A one-shot list answer, keeping only its objects."""
        data = self._call(method, path, params=params, body=body, what=what)
        return _objects(data, what)

    def _pages(self, method: str, path: str, *, what: str,
               params: Mapping[str, Any] | None = None, body: Mapping[str, Any] | None = None,
               page_size: int = MAX_PAGE_SIZE,
               max_results: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """Yield every page of a paginated list (``page`` + ``page_size``), stopping at a short
        page, at ``max_results``, at Figshare's last page, or when a server ignores ``page``
        and sends the same page again."""
        page_size = max(1, min(MAX_PAGE_SIZE, page_size))
        if max_results is not None:
            if max_results <= 0:
                return
            page_size = min(page_size, max_results)
        seen = 0
        previous_first: Any = None
        for page in range(1, MAX_PAGES + 1):
            paging = {"page": page, "page_size": page_size}
            if method.upper() in ("GET", "DELETE"):
                data = self._call(method, path, params={**(params or {}), **paging}, what=what)
            else:
                data = self._call(method, path, params=params, body={**(body or {}), **paging},
                                  what=what)
            items = _objects(data, what)
            if not items:
                return
            first = items[0].get("id", items[0])
            if page > 1 and first == previous_first:
                log.warning("%s: page %d repeats page %d; stopping", path, page, page - 1)
                return
            previous_first = first
            if max_results is not None and seen + len(items) > max_results:
                items = items[:max_results - seen]
            seen += len(items)
            yield items
            if len(items) < page_size or (max_results is not None and seen >= max_results):
                return

    def _created(self, data: Any, location_header: str = "") -> Created:
        """Parse a 201 ``{entity_id, location, warnings}``; the id comes from ``entity_id``
        when present, else from the trailing number of the location."""
        body = data if isinstance(data, Mapping) else {}
        location = self.resolve(str(body.get("location") or location_header or ""))
        raw_id = body.get("entity_id")
        entity_id: int | None
        try:
            entity_id = int(raw_id) if raw_id is not None and not isinstance(raw_id, bool) \
                else None
        except (TypeError, ValueError):
            entity_id = None
        if entity_id is None:
            entity_id = trailing_id(location)
        if entity_id is None:
            raise ApiError("Figshare created something but did not say where it is.",
                           data=body)
        return Created(id=entity_id, location=location, warnings=warnings_of(body))


def _objects(data: Any, what: str) -> list[dict[str, Any]]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise ApiError(f"Figshare sent an unexpected answer for {what[0].lower()}{what[1:]} "
                       "(a list was expected).")
    return [dict(x) for x in data if isinstance(x, Mapping)]


def warnings_of(body: Mapping[str, Any]) -> tuple[str, ...]:
    raw = body.get("warnings")
    if isinstance(raw, list):
        return tuple(str(w) for w in raw if w not in (None, ""))
    if isinstance(raw, str) and raw:
        return (raw,)
    return ()
