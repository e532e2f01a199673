"""Views, downloads and shares of items, from Figshare's stats service (NOTES section 9).

The stats service is a host of its own (``https://stats.figshare.com`` for figshare.com) and
needs no authentication for an item's totals, so it never receives the token (the transport
sends the token only to the API host and the upload hosts the API names). An unknown item
has totals of 0, not an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from figdesk.core.api.base import ClientBase, json_of

COUNTERS = ("views", "downloads", "shares")
#: The stats host of each API host whose stats host is documented.
STATS_HOSTS = {"api.figshare.com": "https://stats.figshare.com"}


@dataclass(frozen=True)
class ItemTotals:
    article_id: int
    views: int
    downloads: int
    shares: int


def stats_url_for(api_url: str) -> str | None:
    """The stats service of an API host, when documented (else the caller must be told)."""
    return STATS_HOSTS.get((urlsplit(api_url).hostname or "").lower())


class UsageMixin(ClientBase):
    """Totals of an item's views, downloads and shares."""

    def item_totals(self, stats_url: str, article_id: int) -> ItemTotals:
        """``GET {stats}/total/{counter}/article/{id}`` for each counter."""
        base = stats_url.rstrip("/")
        got: dict[str, int] = {}
        for counter in COUNTERS:
            response = self._t.request("GET", f"{base}/total/{counter}/article/{int(article_id)}",
                                       service="stats", retry=True,
                                       what=f"The {counter} of item {article_id}")
            data = json_of(response)
            value = data.get("totals") if isinstance(data, Mapping) else None
            got[counter] = int(value) if isinstance(value, int | float) else 0
        return ItemTotals(int(article_id), got["views"], got["downloads"], got["shares"])
