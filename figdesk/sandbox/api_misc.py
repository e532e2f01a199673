"""Account, reference data, institution (admins), curation reviews and funding search.

Choices: institution endpoints answer 403 for accounts outside an institution; the
accounts, reviews and review endpoints need an institution administrator (403 otherwise).
``GET /account/institution/reviews`` returns a list of ``Curation`` objects, as its
description says ("a list of curation reviews"), although the spec's schema names a single
``Curation``.  Curation reviews are derived from the institution's items: published ones
``approved``, drafts of members ``pending``.
"""

from __future__ import annotations

from typing import Any

from . import render
from .api import Reply, Req, int_arg, paginate, route
from .api_articles import NOT_FOUND
from .core import ApiError
from .model import Account, Article
from .samples import load


@route("GET", "/account")
def get_account(req: Req) -> Reply:
    return Reply(200, render.account(req.me()))


@route("GET", "/categories", auth="none")
def categories(req: Req) -> Reply:
    return Reply(200, load("categories.json"))


@route("GET", "/account/categories")
def account_categories(req: Req) -> Reply:
    return Reply(200, load("categories.json"))


@route("GET", "/licenses", auth="none")
def licenses(req: Req) -> Reply:
    return Reply(200, load("licenses.json")["public"])


@route("GET", "/account/licenses")
def account_licenses(req: Req) -> Reply:
    lic = load("licenses.json")
    extra = lic["institution"] if req.me().institution_id else []
    return Reply(200, lic["public"] + extra)


@route("GET", "/item_types", auth="optional")
def item_types(req: Req) -> Reply:
    if req.query.get("group_id") not in (None, ""):
        int_arg(req.query["group_id"], "Group")
    return Reply(200, load("item_types.json"))


def _member(req: Req) -> Account:
    me = req.me()
    if not me.institution_id:
        raise ApiError(403, "This account does not belong to an institution", "Forbidden")
    return me


def _admin(req: Req) -> Account:
    me = _member(req)
    if not me.is_admin:
        raise ApiError(403, "Only institution administrators can do this", "Forbidden")
    return me


@route("GET", "/account/institution")
def institution(req: Req) -> Reply:
    _member(req)
    return Reply(200, load("institution.json")["institution"])


@route("GET", "/account/institution/groups")
def groups(req: Req) -> Reply:
    _member(req)
    return Reply(200, load("institution.json")["groups"])


@route("GET", "/account/institution/custom_fields")
def custom_fields(req: Req) -> Reply:
    _member(req)
    return Reply(200, load("institution.json")["custom_fields"])


def _accounts(req: Req, params: dict[str, Any]) -> Reply:
    me = _admin(req)
    offset, limit = paginate(params)
    found = [
        a
        for a in sorted(req.core.store.accounts.values(), key=lambda a: a.id)
        if a.institution_id == me.institution_id
    ]
    text = str(params.get("search_for") or "").lower()
    checks = {
        "is_active": lambda a, v: a.active == int(v),
        "institution_user_id": lambda a, v: a.institution_user_id == v,
        "email": lambda a, v: a.email == v,
        "id_lte": lambda a, v: a.id <= int(v),
        "id_gte": lambda a, v: a.id >= int(v),
    }
    try:
        for key, check in checks.items():
            if params.get(key) not in (None, ""):
                found = [a for a in found if check(a, params[key])]
    except (TypeError, ValueError):
        raise ApiError(422, "Invalid filter value", "ValidationFailed") from None
    if text:
        found = [
            a
            for a in found
            if text in f"{a.first_name} {a.last_name} {a.email} {a.institution_user_id}".lower()
        ]
    return Reply(200, [render.short_account(a) for a in found[offset : offset + limit]])


@route("GET", "/account/institution/accounts")
def institution_accounts(req: Req) -> Reply:
    return _accounts(req, req.query)


@route("POST", "/account/institution/accounts/search")
def search_institution_accounts(req: Req) -> Reply:
    return _accounts(req, req.obj())


def _curations(req: Req) -> list[tuple[dict[str, Any], Article]]:
    me = _admin(req)
    store = req.core.store
    out = []
    for art in sorted(store.articles.values(), key=lambda a: a.id):
        owner = store.accounts.get(art.account_id)
        if owner is None or owner.institution_id != me.institution_id or owner.id == me.id:
            continue
        if art.status != "public" and owner.id == art.account_id and owner.id in _members(req):
            status = "pending"
        elif art.status == "public":
            status = "approved"
        else:
            continue
        out.append(
            (
                {
                    "id": 5_000_000 + art.id,
                    "group_id": art.group_id or 0,
                    "account_id": art.account_id,
                    "assigned_to": me.id if status == "approved" else 0,
                    "article_id": art.id,
                    "version": max(art.version, 1) if status == "approved" else art.version + 1,
                    "comments_count": 0,
                    "status": status,
                    "created_date": art.created_date,
                    "modified_date": art.modified_date,
                    "request_number": art.id % 100000,
                    "resolution_comment": "",
                    "review_date": art.published_date,
                },
                art,
            )
        )
    return out


def _members(req: Req) -> set[int]:
    """Accounts whose drafts wait for review: institution accounts other than the main one."""
    from .samples import MEMBER_ACCOUNT_IDS

    return set(MEMBER_ACCOUNT_IDS)


@route("GET", "/account/institution/reviews")
def reviews(req: Req) -> Reply:
    q = req.query
    offset, limit = paginate(q)  # the spec names offset/limit; page/page_size work too
    found = []
    for cur, _art in _curations(req):
        if q.get("status") and cur["status"] != q["status"]:
            continue
        if q.get("group_id") and str(cur["group_id"]) != q["group_id"]:
            continue
        if q.get("article_id") and str(cur["article_id"]) != q["article_id"]:
            continue
        found.append(cur)
    return Reply(200, found[offset : offset + limit])


@route("GET", "/account/institution/review/{curation_id}")
def review(req: Req) -> Reply:
    wanted = int_arg(req.args[0], "Curation")
    for cur, art in _curations(req):
        if cur["id"] == wanted:
            item = render.article_complete(art, req.core.store, req.core.urls, private=False)
            return Reply(200, {**cur, "item": item})
    raise ApiError(404, "Entity not found: Curation", NOT_FOUND)


@route("POST", "/account/funding/search")
def funding_search(req: Req) -> Reply:
    text = str(req.obj().get("search_for") or "").lower()
    found = [
        f
        for f in load("institution.json")["funding"]
        if text in f"{f['title']} {f['funder_name']} {f['grant_code']}".lower()
    ]
    return Reply(200, found)
