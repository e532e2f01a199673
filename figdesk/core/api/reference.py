"""Reference data, public items and institution data (network: Figshare's API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from figdesk.core.api.base import ClientBase
from figdesk.core.models import (
    Article,
    ArticleSummary,
    Category,
    CustomField,
    FileInfo,
    Group,
    ItemType,
    License,
    ShortAccount,
)


class ReferenceMixin(ClientBase):
    """Categories, licenses, item types; public items; institution fields, groups, accounts."""

    def list_categories(self, account: bool = False) -> list[Category]:
        """``GET /categories`` (public), or ``/account/categories`` (the institution's)."""
        path = "/account/categories" if account else "/categories"
        return [Category.from_json(d) for d in self._list("GET", path, what="Categories")]

    def list_licenses(self, account: bool = True) -> list[License]:
        """``GET /account/licenses`` (public plus the institution's) or ``/licenses``."""
        path = "/account/licenses" if account else "/licenses"
        return [License.from_json(d) for d in self._list("GET", path, what="Licenses")]

    def list_item_types(self, group_id: int | None = None) -> list[ItemType]:
        """``GET /item_types`` (for a group when given)."""
        params = {"group_id": int(group_id)} if group_id is not None else None
        return [ItemType.from_json(d)
                for d in self._list("GET", "/item_types", params=params, what="Item types")]

    # --- public ----------------------------------------------------------------------------

    def get_public_article(self, article_id: int) -> Article:
        """``GET /articles/{id}``: the latest public version of an item."""
        data = self._call("GET", f"/articles/{int(article_id)}",
                          what=f"Public item {article_id}")
        return Article.from_json(data if isinstance(data, Mapping) else {})

    def search_public_articles(self, search_for: str | None = None, *,
                               max_results: int | None = None,
                               **filters: Any) -> list[ArticleSummary]:
        """``POST /articles/search``, page after page until a short page or ``max_results``."""
        body: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
        if search_for is not None:
            body["search_for"] = search_for
        return [ArticleSummary.from_json(d)
                for page in self._pages("POST", "/articles/search", body=body,
                                        what="Public items", max_results=max_results)
                for d in page]

    def list_public_files(self, article_id: int) -> list[FileInfo]:
        """``GET /articles/{id}/files``, every page."""
        return [FileInfo.from_json(d)
                for page in self._pages("GET", f"/articles/{int(article_id)}/files",
                                        what=f"Public item {article_id}")
                for d in page]

    # --- institution (admins) --------------------------------------------------------------

    def list_custom_fields(self, group_id: int | None = None) -> list[CustomField]:
        """``GET /account/institution/custom_fields`` (for a group when given)."""
        params = {"group_id": int(group_id)} if group_id is not None else None
        return [CustomField.from_json(d)
                for d in self._list("GET", "/account/institution/custom_fields",
                                    params=params, what="Your institution's custom fields")]

    def list_groups(self) -> list[Group]:
        """``GET /account/institution/groups``."""
        return [Group.from_json(d) for d in self._list("GET", "/account/institution/groups",
                                                       what="Your institution's groups")]

    def list_institution_accounts(self, **filters: Any) -> list[ShortAccount]:
        """``GET /account/institution/accounts`` with ``is_active``, ``email``,
        ``institution_user_id``, ``id_lte``, ``id_gte`` filters; every page."""
        # Figshare reads booleans in a query as 1/0, not Python's "True".
        params = {k: (int(v) if isinstance(v, bool) else v) for k, v in filters.items()
                  if v is not None}
        return [ShortAccount.from_json(d)
                for page in self._pages("GET", "/account/institution/accounts", params=params,
                                        what="Your institution's accounts")
                for d in page]
