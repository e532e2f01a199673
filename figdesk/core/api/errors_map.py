"""Turn HTTP answers and ``requests`` failures into figdesk's error hierarchy, in one place.

Messages are written for a researcher: what happened, and what to do. Figshare's own
``message`` is quoted when there is one (error bodies are ``{message, code, data}`` with
``code`` a string, an int or missing; many bodies are empty, some are HTML error pages).
Everything is passed through ``redact`` so that no token can leak into an error.

The 403 rule: Figshare answers 403 both for a bad token and for a good token that may not do
something. A 403 is an ``AuthError`` when its code or message speaks of the token, credentials,
authentication, a login, or something expired/revoked; otherwise it is a
``PermissionDeniedError`` (``QuotaExceededError``, a subclass that is also a ``QuotaError``,
when it speaks of quota or file size). A 401 is always an ``AuthError``.
"""

from __future__ import annotations

import re
import socket
from typing import Any

import requests

from figdesk.core.api.retry import parse_retry_after
from figdesk.core.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConflictError,
    FigdeskError,
    NotFoundError,
    OfflineError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    TimeoutError_,
    UsageError,
    ValidationError,
)
from figdesk.core.logs import redact

_AUTH_WORDS = re.compile(
    r"(?i)token|credential|authenticat|authorization header|log ?in|sign ?in|expired|revoked|"
    r"unauthori[sz]ed")
_QUOTA_WORDS = re.compile(r"(?i)quota|file ?too ?large|maximum file size")
_MAX_QUOTED = 300
_OFFLINE_TAIL = "Check your network; work is kept and will continue."


def parse_error_body(response: requests.Response) -> tuple[str | None, str | None, Any]:
    """``(message, code, data)`` from an error answer; each None when absent or unreadable."""
    try:
        content = response.content
    except (requests.RequestException, OSError):
        return None, None, None
    if not content or not content.strip():
        return None, None, None
    try:
        body = response.json()
    except ValueError:
        text = content.decode("utf-8", "replace").strip()
        # A short plain-text answer is worth quoting; an HTML error page is not.
        if text and not text.startswith("<") and len(text) <= _MAX_QUOTED:
            return redact(text), None, None
        return None, None, None
    if not isinstance(body, dict):
        return None, None, body
    message = body.get("message")
    code = body.get("code")
    msg = redact(str(message)).strip() if message not in (None, "") else None
    if msg and len(msg) > _MAX_QUOTED:
        msg = msg[:_MAX_QUOTED] + "…"
    return msg or None, (None if code in (None, "") else str(code)), body.get("data")


def _said(message: str | None) -> str:
    return f" Figshare said: {message}" if message else ""


def _field_from(data: Any) -> str | None:
    if isinstance(data, dict):
        for key in ("field", "invalid_params", "param", "name"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, list) and value and isinstance(value[0], str):
                return value[0]
    return None


def is_auth_failure(code: str | None, message: str | None) -> bool:
    """The 403 rule (see the module docstring)."""
    return any(text and _AUTH_WORDS.search(text) for text in (code, message))


def error_from_response(response: requests.Response, what: str = "The requested resource",
                        service: str = "api") -> FigdeskError:
    """The ``FigdeskError`` for an error status. ``what`` names the thing asked for
    ("Item 123"); ``service`` is ``api``, ``upload`` or ``download``."""
    status = response.status_code
    message, code, data = parse_error_body(response)
    kw: dict[str, Any] = {"status": status, "code": code, "data": data}
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status == 401 or (status == 403 and is_auth_failure(code, message)):
        return AuthError("Figshare did not accept your token (it may have expired or been "
                         "revoked). Sign in again." + _said(message), **kw)
    if status == 403 and any(t and _QUOTA_WORDS.search(t) for t in (code, message)):
        return QuotaExceededError("Figshare refused: not enough storage quota, or the file is "
                                  "larger than this account may upload." + _said(message), **kw)
    if status == 403:
        return PermissionDeniedError(f"Figshare did not allow this ({what[0].lower()}"
                                     f"{what[1:]}): the signed-in account lacks the permission."
                                     + _said(message), **kw)
    if status == 404:
        if service == "upload":
            return NotFoundError(f"{what} is unknown to Figshare's upload service (the upload "
                                 "may have expired or been completed)." + _said(message), **kw)
        return NotFoundError(f"{what} was not found, or this account cannot see it."
                             + _said(message), **kw)
    if status == 409:
        if service == "upload":
            return ConflictError(f"{what} is busy or can no longer be changed (another request "
                                 "holds it, or the upload is complete)." + _said(message), **kw)
        return ConflictError("Figshare reported a conflict." + _said(message), **kw)
    if status == 400:
        return BadRequestError("Figshare could not accept the request." + _said(message), **kw)
    if status == 422:
        return ValidationError("Figshare found invalid or missing data." + _said(message),
                               field=_field_from(data), **kw)
    if status == 429:
        wait = f" It asks to wait {retry_after:.0f} s." if retry_after is not None else ""
        return RateLimitedError("Figshare is receiving too many requests from this account and "
                                "asked figdesk to slow down." + wait + _said(message),
                                retry_after=retry_after, **kw)
    if status >= 500:
        return ServerError(f"Figshare had a problem on its side (HTTP {status}). Work is kept; "
                           "try again later." + _said(message), retry_after=retry_after, **kw)
    return ApiError(f"Figshare refused the request (HTTP {status})." + _said(message), **kw)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, kind):
            return True
        seen.add(id(cur))
        nxt = cur.__cause__ or cur.__context__
        if nxt is None and cur.args and isinstance(cur.args[0], BaseException):
            nxt = cur.args[0]
        if nxt is None:
            reason = getattr(cur, "reason", None)
            nxt = reason if isinstance(reason, BaseException) else None
        cur = nxt
    return False


def _reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if _caused_by(exc, ConnectionRefusedError) or "connection refused" in text:
        return "connection refused"
    if _caused_by(exc, socket.gaierror) or "name resolution" in text or "resolve" in text:
        return "the server's name could not be resolved"
    if _caused_by(exc, ConnectionResetError) or "reset" in text or "aborted" in text:
        return "the connection was dropped"
    if "remotedisconnected" in text or "closed connection" in text:
        return "the connection was dropped"
    return "no answer"


def error_from_exception(exc: requests.RequestException, host: str = "Figshare") -> FigdeskError:
    """The ``FigdeskError`` for a request that got no usable answer."""
    detail = redact(f"{type(exc).__name__}: {exc}")
    # A read timeout while a streamed body is consumed arrives as a ConnectionError.
    timed_out = "read timed out" in str(exc).lower()
    if timed_out or isinstance(exc, (requests.ConnectTimeout, requests.ReadTimeout,
                                     requests.Timeout)):
        stage = "connect" if isinstance(exc, requests.ConnectTimeout) else "answer"
        return TimeoutError_(f"{host} did not {stage} in time. {_OFFLINE_TAIL}", data=detail)
    if isinstance(exc, requests.exceptions.SSLError):
        return OfflineError(f"A secure connection to {host} could not be established "
                            "(certificate or TLS problem). Check the address and your network.",
                            data=detail)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return OfflineError(f"The connection to {host} broke while data was being received. "
                            f"{_OFFLINE_TAIL}", data=detail)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return UsageError(f"Not a usable address: {redact(str(exc))}", data=detail)
    if isinstance(exc, requests.ConnectionError):
        return OfflineError(f"{host} could not be reached: {_reason(exc)}. {_OFFLINE_TAIL}",
                            data=detail)
    return OfflineError(f"{host} could not be reached ({type(exc).__name__}). {_OFFLINE_TAIL}",
                        data=detail)
