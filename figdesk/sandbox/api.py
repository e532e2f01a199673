"""The API v2 service: routing, authentication, impersonation, bodies, pagination."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .core import ApiError, Core
from .faults import Decision
from .httpbase import Handler
from .model import Account

MAX_PAGE_SIZE = 1000
WRITE_METHODS = ("POST", "PUT", "PATCH")


@dataclass
class Req:
    """One API request, parsed."""

    core: Core
    method: str
    args: tuple[str, ...]
    query: dict[str, str]
    body: Any
    account: Account | None
    headers: Any = None

    def obj(self) -> dict[str, Any]:
        """The JSON body as an object ({} when empty)."""
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise ApiError(400, "The request body must be a JSON object", "BadRequest")
        return self.body

    def me(self) -> Account:
        assert self.account is not None
        return self.account


@dataclass
class Reply:
    status: int
    obj: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    empty: bool = False


RouteFn = Callable[[Req], Reply]
ROUTES: list[tuple[str, re.Pattern[str], RouteFn, str]] = []


def route(method: str, pattern: str, auth: str = "required") -> Callable[[RouteFn], RouteFn]:
    """Register an API route; ``auth`` is required, optional or none."""

    def deco(fn: RouteFn) -> RouteFn:
        regex = re.compile("^/v2" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$")
        ROUTES.append((method, regex, fn, auth))
        return fn

    return deco


def int_arg(value: str, what: str = "id") -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(404, f"Entity not found: {what}", "EntityNotFound") from None


def paginate(params: dict[str, Any], default: int = 10) -> tuple[int, int]:
    """(offset, limit) from page/page_size or offset/limit; 422 when mixed or invalid."""
    paged = [k for k in ("page", "page_size") if params.get(k) not in (None, "")]
    ranged = [k for k in ("offset", "limit") if params.get(k) not in (None, "")]
    if paged and ranged:
        raise ApiError(
            422,
            "Invalid pagination: use either page and page_size, or offset and limit",
            "InvalidPaginationParams",
        )
    values: dict[str, int] = {}
    for key in paged + ranged:
        try:
            values[key] = int(params[key])
        except (TypeError, ValueError):
            raise ApiError(422, f"Invalid value for {key}", "InvalidPaginationParams") from None
    size = values.get("page_size", values.get("limit", default))
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(
            422, f"Page size must be between 1 and {MAX_PAGE_SIZE}", "InvalidPaginationParams"
        )
    if values.get("page", 1) < 1 or values.get("offset", 0) < 0:
        raise ApiError(422, "Invalid page or offset", "InvalidPaginationParams")
    offset = values["offset"] if "offset" in values else (values.get("page", 1) - 1) * size
    return offset, size


class ApiHandler(Handler):
    service = "api"

    def route(self, decision: Decision | None) -> None:
        core = self.core
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        path = parts.path
        try:
            self._serve(core, path, parts.query, query)
        except ApiError as err:
            self.send_json(err.status, {"message": err.message, "code": err.code})

    def _serve(self, core: Core, path: str, raw_query: str, query: dict[str, str]) -> None:
        allowed = False
        for method, regex, fn, auth in ROUTES:
            m = regex.match(path)
            if not m:
                continue
            allowed = True
            if method != self.command:
                continue
            raw = self.read_body() if self.command in WRITE_METHODS else None
            if raw is None and self.command in WRITE_METHODS:
                self.discard_body()
                raise ApiError(413, "Request body too large", "RequestTooLarge")
            if self.command not in WRITE_METHODS:
                self.discard_body()
            body = _parse_json(raw)
            account = self._authenticate(core, auth, raw_query)
            if account is not None:
                account = self._impersonate(core, account, query, body)
            req = Req(core, self.command, tuple(m.groups()), query, body, account, self.headers)
            with core.store.lock:
                reply = fn(req)
            self._answer(reply)
            return
        self.discard_body()
        if allowed:
            raise ApiError(405, f"Method {self.command} not allowed here", "MethodNotAllowed")
        raise ApiError(404, "Endpoint not found", "EndpointNotFound")

    def _authenticate(self, core: Core, auth: str, raw_query: str) -> Account | None:
        if auth == "none":
            return None
        token = core.token_from(self.headers, raw_query)
        account = core.account_for_token(token)
        if account is None and auth == "required":
            if token is None:
                raise ApiError(
                    401, "Missing token: send 'Authorization: token <TOKEN>'", "MissingToken"
                )
            raise ApiError(401, "Invalid or expired token", "InvalidToken")
        return account

    def _impersonate(
        self, core: Core, account: Account, query: dict[str, str], body: Any
    ) -> Account:
        # Figshare: query string for GET and DELETE, JSON body for POST, PUT (and PATCH).
        if self.command in WRITE_METHODS:
            value = body.pop("impersonate", None) if isinstance(body, dict) else None
        else:
            value = query.get("impersonate")
        if value in (None, ""):
            return account
        if not account.is_admin:
            raise ApiError(
                403, "Only institution administrators can impersonate other accounts", "Forbidden"
            )
        try:
            target = core.store.accounts.get(int(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            target = None
        if (
            target is None
            or target.institution_id != account.institution_id
            or not account.institution_id
        ):
            raise ApiError(403, f"Not permitted to impersonate account {value}", "Forbidden")
        return target

    def _answer(self, reply: Reply) -> None:
        # Figshare is open to any origin (CORS) and sends ETags that clients may revalidate.
        headers = {"Access-Control-Allow-Origin": "*", **reply.headers}
        if reply.empty or reply.obj is None and reply.status in (202, 204, 205):
            self.send_bytes(reply.status, b"", None, headers)
            return
        body = json.dumps(reply.obj, separators=(",", ":")).encode()
        if self.command == "GET" and reply.status == 200:
            etag = '"' + hashlib.md5(body).hexdigest() + '"'
            headers["ETag"] = etag
            if etag in self.headers.get("If-None-Match", ""):
                self.send_bytes(304, b"", None, headers)
                return
        self.send_bytes(reply.status, body, "application/json; charset=utf-8", headers)


def _parse_json(raw: bytes | None) -> Any:
    # Figshare's own examples send JSON without a Content-Type header: parse whatever comes.
    if not raw or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Invalid JSON in request body", "BadRequest") from None


def register_all() -> None:
    """Import the route modules (each registers its routes on import)."""
    from . import api_articles, api_files, api_misc  # noqa: F401
