"""The account's own items: ``/account``, ``/account/articles...`` (network: Figshare's API)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from figdesk.core.api.base import MAX_PAGE_SIZE, ClientBase, warnings_of
from figdesk.core.errors import ApiError, ValidationError
from figdesk.core.models import ITEM_TYPES, Account, Article, ArticleSummary, Created


def request_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``metadata`` in the form Figshare accepts: ``defined_type`` as a name.

    Responses carry the item type as an int, requests want its name; an int (or a numeric
    string) is translated with ``ITEM_TYPES``.
    """
    body = dict(metadata)
    dtype = body.get("defined_type")
    if isinstance(dtype, bool):
        raise ValidationError("The item type is not valid.", field="defined_type")
    if isinstance(dtype, str) and dtype.strip().isdigit():
        dtype = int(dtype.strip())
    if isinstance(dtype, int):
        name = ITEM_TYPES.get(dtype)
        if name is None:
            raise ValidationError(f"Unknown item type {dtype}.", field="defined_type")
        body["defined_type"] = name
    return body


class ArticlesMixin(ClientBase):
    """Account details and the account's own items."""

    def get_account(self) -> Account:
        """``GET /account``: who the token belongs to, quotas, maximum file size."""
        data = self._call("GET", "/account", what="Your account")
        return Account.from_json(data if isinstance(data, Mapping) else {})

    def ping(self) -> Account:
        """``GET /account`` once, without retries: "does Figshare answer, and does the token
        still work?" for callers that keep their own backoff (the queue's offline probe)."""
        data = self._call("GET", "/account", what="Your account", retry=False)
        return Account.from_json(data if isinstance(data, Mapping) else {})

    def iter_my_article_pages(self, page_size: int = MAX_PAGE_SIZE
                              ) -> Iterator[list[ArticleSummary]]:
        """``GET /account/articles``, one page at a time, until the last page."""
        for page in self.iter_my_article_page_objects(page_size):
            yield [ArticleSummary.from_json(d) for d in page]

    def iter_my_article_page_objects(self, page_size: int = MAX_PAGE_SIZE
                                     ) -> Iterator[list[dict[str, Any]]]:
        """The same pages as JSON objects, for a caller that makes ``ArticleSummary``s of
        them (``from_json``) where and when it chooses: the app does it on its GUI thread, a
        slice per turn, rather than on the pool thread that waits for the network."""
        return self._pages("GET", "/account/articles", what="Your items", page_size=page_size)

    def list_my_articles(self) -> list[ArticleSummary]:
        """Every item of the account (drafts and published), all pages."""
        return [a for page in self.iter_my_article_pages() for a in page]

    def search_my_articles(self, search_for: str | None = None,
                           **filters: Any) -> list[ArticleSummary]:
        """``POST /account/articles/search`` with ``filters`` (``item_type``, ``group``,
        ``modified_since``, ``order``...), every page."""
        body: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
        if search_for is not None:
            body["search_for"] = search_for
        return [ArticleSummary.from_json(d)
                for page in self._pages("POST", "/account/articles/search", body=body,
                                        what="Your items")
                for d in page]

    def create_article(self, metadata: Mapping[str, Any]) -> Created:
        """``POST /account/articles``: a new draft. Never repeated automatically: if the
        answer is lost the caller must look (e.g. by title) before creating again."""
        data, location = self._call("POST", "/account/articles",
                                    body=request_metadata(metadata), what="A new item",
                                    with_headers=True)
        return self._created(data, location)

    def get_my_article(self, article_id: int) -> Article:
        """``GET /account/articles/{id}``: the full private item. Its ``files_embedded`` holds
        at most 10 files: use ``list_files`` for all of them."""
        data = self._call("GET", f"/account/articles/{int(article_id)}",
                          what=f"Item {article_id}")
        return Article.from_json(data if isinstance(data, Mapping) else {})

    def update_article(self, article_id: int, metadata: Mapping[str, Any], *,
                       replace: bool = False) -> tuple[str, ...]:
        """``PATCH`` (only the keys given) or, with ``replace``, ``PUT`` (the full body) on
        ``/account/articles/{id}``. Returns Figshare's warnings."""
        data = self._call("PUT" if replace else "PATCH", f"/account/articles/{int(article_id)}",
                          body=request_metadata(metadata), what=f"Item {article_id}")
        return warnings_of(data) if isinstance(data, Mapping) else ()

    def delete_article(self, article_id: int) -> None:
        """``DELETE /account/articles/{id}`` (drafts)."""
        self._call("DELETE", f"/account/articles/{int(article_id)}", what=f"Item {article_id}")

    def publish_article(self, article_id: int) -> str:
        """``POST /account/articles/{id}/publish``; returns the public location."""
        data, header = self._call("POST", f"/account/articles/{int(article_id)}/publish",
                                  what=f"Item {article_id}", with_headers=True)
        location = data.get("location") if isinstance(data, Mapping) else None
        return self.resolve(str(location or header or ""))

    def reserve_doi(self, article_id: int) -> str:
        """``POST /account/articles/{id}/reserve_doi``; returns the DOI."""
        data = self._call("POST", f"/account/articles/{int(article_id)}/reserve_doi",
                          what=f"Item {article_id}")
        doi = data.get("doi") if isinstance(data, Mapping) else None
        if not doi:
            raise ApiError(f"Figshare did not return a DOI for item {article_id}.", data=data)
        return str(doi)
