"""The one HTTP transport of a FigshareClient: session, auth policy, redirects, retries, pacing.

Who gets the token: the ``Authorization: token <T>`` header goes only to the API host (the
origin of ``api_url``) and to upload hosts the API itself named in an ``upload_url``. Every
redirect is followed here by hand (``allow_redirects=False``), and a hop to any other origin is
made without the header, so download storage (S3 and the like) never sees the token. The
token is never put in a URL. Plain http is refused unless the host is on loopback.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

import figdesk
from figdesk.core.api.errors_map import error_from_exception, error_from_response
from figdesk.core.api.interrupt import interruptible
from figdesk.core.api.pacer import Pacer, is_loopback_host
from figdesk.core.api.retry import (
    RETRY_AFTER_STATUSES,
    RETRY_STATUSES,
    RetryPolicy,
    parse_retry_after,
)
from figdesk.core.api.stats import RequestStats
from figdesk.core.api.timing import wait_or_cancel
from figdesk.core.api.zerocopy import ZeroCopyAdapter
from figdesk.core.errors import ApiError, CancelledError, FigdeskError, InsecureUrlError
from figdesk.core.logs import redact, register_secret

log = logging.getLogger("figdesk.core.api")

USER_AGENT = f"figdesk/{figdesk.__version__} (desktop client for Figshare; python-requests/" \
             f"{getattr(requests, '__version__', '?')})"
#: Enough pooled keep-alive connections per host for parallel part PUTs.
POOL_MAXSIZE = 32
MAX_REDIRECTS = 10
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin:
    """``(scheme, host, port)`` with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def check_url(url: str) -> None:
    """Refuse anything but https, except plain http to a loopback host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https":
        if not parts.hostname:
            raise InsecureUrlError(f"Not a usable address: {redact(url)}")
        return
    if scheme == "http" and is_loopback_host(parts.hostname):
        return
    if scheme == "http":
        raise InsecureUrlError(f"figdesk does not send data over plain http to "
                               f"{parts.hostname}: use an https:// address.")
    raise InsecureUrlError(f"Not a usable address: {redact(url)}")


class _TokenAuth(requests.auth.AuthBase):
    """Sets Figshare's header. As an explicit ``auth`` it also stops requests from adding
    credentials of its own (from ~/.netrc) over ours."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"token {self._token}"
        return r


class _NoAuth(requests.auth.AuthBase):
    """Makes sure no Authorization header leaves (not even one set on an injected session)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.pop("Authorization", None)
        return r


SERVICE_NAMES = {"api": "Figshare", "upload": "Figshare's upload service",
                 "download": "The download server", "stats": "Figshare's stats service"}


class Transport:
    """Sends requests for a client (and the clients derived from it with ``impersonating``)."""

    def __init__(self, token: str | None, api_url: str, *, session: requests.Session | None,
                 timeout: tuple[float, float] | float, pacer: Pacer | None,
                 retry: RetryPolicy | None) -> None:
        check_url(api_url)
        self.api_url = api_url.rstrip("/")
        self.api_origin = origin_of(self.api_url)
        self.timeout = timeout
        self.pacer = pacer if pacer is not None else Pacer.for_url(self.api_url)
        self.retry = retry if retry is not None else RetryPolicy()
        self.stats = RequestStats()
        # A pasted token often carries a newline or spaces, which no header may hold.
        self._token = token.strip() if token and token.strip() else None
        register_secret(self._token)
        self._owns_session = session is None
        if session is None:
            session = requests.Session()
            # Our adapter's connections send file-range body chunks (part PUTs) without
            # copying them through Python: sendfile on plain sockets, a reused buffer on TLS.
            adapter = ZeroCopyAdapter(pool_connections=8, pool_maxsize=POOL_MAXSIZE,
                                      max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session
        self._upload_origins: set[Origin] = set()
        self._lock = threading.Lock()

    # --- who may see the token ----------------------------------------------------------

    def note_upload_url(self, url: str) -> None:
        """Remember an upload host the API named, so it may receive the token."""
        if url:
            with self._lock:
                self._upload_origins.add(origin_of(url))

    def sends_token_to(self, url: str) -> bool:
        if not self._token:
            return False
        o = origin_of(url)
        if o == self.api_origin:
            return True
        with self._lock:
            return o in self._upload_origins

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    # --- sending ------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, service: str, stream: bool,
              kw: Mapping[str, Any]) -> requests.Response:
        """One request plus its redirects (GET/HEAD only), each hop checked and counted."""
        check_url(url)
        auth: requests.auth.AuthBase = (_TokenAuth(self._token) if self._token
                                        and self.sends_token_to(url) else _NoAuth())
        headers = {"User-Agent": USER_AGENT}
        headers.update(kw.get("headers") or {})
        started = time.monotonic()
        response = self.session.request(method, url, params=kw.get("params"),
                                        json=kw.get("json"), data=kw.get("data"),
                                        headers=headers, auth=auth, timeout=self.timeout,
                                        allow_redirects=False, stream=stream)
        self.stats.count(service)
        log.debug("%s %s -> %s in %.3f s", method, redact(response.url or url),
                  response.status_code, time.monotonic() - started)
        start_origin = origin_of(url)
        keep = isinstance(auth, _TokenAuth)
        hops = 0
        while response.status_code in _REDIRECT_CODES and method in ("GET", "HEAD"):
            location = response.headers.get("Location")
            if not location:
                break
            hops += 1
            if hops > MAX_REDIRECTS:
                response.close()
                raise ApiError(f"Too many redirects while fetching {redact(url)}.")
            target = urljoin(response.url or url, location)
            response.close()
            check_url(target)
            # The token follows a redirect only while every hop stays on the very same
            # origin; once a hop has left it, it is never sent again in this chain.
            keep = keep and origin_of(target) == start_origin
            hop_auth: requests.auth.AuthBase = (_TokenAuth(self._token) if keep and self._token
                                                else _NoAuth())
            response = self.session.request(method, target, headers={"User-Agent": USER_AGENT},
                                            auth=hop_auth, timeout=self.timeout,
                                            allow_redirects=False, stream=stream)
            self.stats.count(service if keep else "download")
            log.debug("%s %s (redirect) -> %s", method, redact(target), response.status_code)
        return response

    def request(self, method: str, url: str, *, service: str = "api", retry: bool = False,
                what: str = "The requested resource", cancel: threading.Event | None = None,
                stream: bool = False, rewind: Callable[[], None] | None = None,
                **kw: Any) -> requests.Response:
        """Send ``method url`` and return a successful (< 300) response, or raise.

        ``service`` picks pacing (``api`` only), counting and error wording. ``retry=True``
        only for requests that are safe to repeat; ``rewind`` (a callable) is called before a
        repeat to reset a streamed body, and a body that cannot be rewound must pass
        ``retry=False``. ``kw`` goes to requests: ``params``, ``json``, ``data``, ``headers``.
        """
        method = method.upper()
        failures = 0
        host = SERVICE_NAMES.get(service, "Figshare")
        while True:
            if cancel is not None and cancel.is_set():
                raise CancelledError(f"Cancelled before contacting {host}.")
            if service == "api":
                waited = self.pacer.acquire(cancel)
                if waited:
                    self.stats.add_wait(waited)
            try:
                with interruptible(cancel):
                    response = self._send(method, url, service=service, stream=stream, kw=kw)
            except FigdeskError:
                raise
            except requests.RequestException as exc:
                if cancel is not None and cancel.is_set():
                    # Most likely our own doing: a cancel shut the socket mid-request.
                    raise CancelledError(f"Cancelled while talking to {host}.") from exc
                error = error_from_exception(exc, host)
                failures += 1
                delay = self.retry.delay(failures, None) if retry else None
                if delay is None:
                    log.info("%s %s failed: %s", method, redact(url), error.data)
                    raise error from exc
                self._wait_before_retry(method, url, error, delay, failures, cancel, rewind)
                continue
            status = response.status_code
            if status < 300:
                return response
            if status < 400:
                response.close()
                raise ApiError(f"{host} answered with an unexpected redirect (HTTP {status}).",
                               status=status)
            error = error_from_response(response, what, service)
            response.close()
            failures += 1
            delay = None
            if retry and status in RETRY_STATUSES:
                after = (parse_retry_after(response.headers.get("Retry-After"))
                         if status in RETRY_AFTER_STATUSES else None)
                delay = self.retry.delay(failures, after)
            if delay is None:
                log.info("%s %s failed: HTTP %s: %s", method, redact(url), status, error)
                raise error
            self._wait_before_retry(method, url, error, delay, failures, cancel, rewind)

    def _wait_before_retry(self, method: str, url: str, error: FigdeskError, delay: float,
                           failures: int, cancel: threading.Event | None,
                           rewind: Callable[[], None] | None) -> None:
        log.warning("%s %s failed (%s); retrying in %.1f s (attempt %d of %d)", method,
                    redact(url), error, delay, failures + 1, self.retry.max_attempts)
        wait_or_cancel(self.retry.sleep, delay, cancel, "waiting to retry a request")
        self.stats.count_retry()
        if rewind is not None:
            rewind()
