"""``FigshareClient``: every call figdesk makes to Figshare (network: API and upload hosts)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import requests

from figdesk.core.api.articles import ArticlesMixin
from figdesk.core.api.downloads import DownloadsMixin
from figdesk.core.api.files import FilesMixin
from figdesk.core.api.pacer import Pacer
from figdesk.core.api.reference import ReferenceMixin
from figdesk.core.api.retry import RetryPolicy
from figdesk.core.api.stats import RequestStats
from figdesk.core.api.transport import Transport
from figdesk.core.api.uploads import UploadsMixin
from figdesk.core.api.usage import UsageMixin

DEFAULT_API_URL = "https://api.figshare.com/v2"
DEFAULT_TIMEOUT = (10.0, 60.0)


class FigshareClient(ArticlesMixin, FilesMixin, UploadsMixin, ReferenceMixin, DownloadsMixin,
                     UsageMixin):
    """A typed client for Figshare's API v2 and its upload service.

    One ``requests.Session`` (injectable; a pool of 32 keep-alive connections per host when
    the client makes its own), ``timeout`` (connect, read) on every request, a ``Pacer`` for
    the API host (default: ``Pacer.for_url(api_url)``), a ``RetryPolicy`` for safe requests,
    and ``impersonate`` (an account id an institution admin acts for). Every method raises
    only ``FigdeskError`` subclasses. Safe to share between threads.
    """

    def __init__(self, token: str | None, api_url: str = DEFAULT_API_URL, *,
                 session: requests.Session | None = None,
                 timeout: tuple[float, float] | float = DEFAULT_TIMEOUT,
                 pacer: Pacer | None = None, retry: RetryPolicy | None = None,
                 impersonate: int | None = None,
                 _transport: Transport | None = None) -> None:
        self._t = _transport or Transport(token, api_url, session=session, timeout=timeout,
                                          pacer=pacer, retry=retry)
        self._owner = _transport is None
        self.impersonate = int(impersonate) if impersonate is not None else None

    def impersonating(self, account_id: int | None) -> FigshareClient:
        """A client acting for ``account_id`` (None: for the token's own account), sharing
        this one's session, pacer and counters."""
        return FigshareClient(None, self._t.api_url, impersonate=account_id,
                              _transport=self._t)

    @property
    def stats(self) -> RequestStats:
        """Counters of the requests made (shared with impersonating clients)."""
        return self._t.stats

    @property
    def pacer(self) -> Pacer:
        return self._t.pacer

    @property
    def session(self) -> requests.Session:
        return self._t.session

    def worker_credentials(self) -> tuple[str, str | None, int | None]:
        """``(api_url, token, impersonate)``: what figdesk's own upload worker process needs
        to make the same client. It is handed over on the worker's stdin pipe only (see
        ``figdesk.core.queue.remote``), never put on a command line, in the environment or
        in a file."""
        return self._t.api_url, self._t._token, self.impersonate

    def close(self) -> None:
        """Close the session if this client made it (derived clients leave it open)."""
        if self._owner:
            self._t.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        who = f", impersonate={self.impersonate}" if self.impersonate is not None else ""
        return f"FigshareClient({self._t.api_url!r}{who})"
