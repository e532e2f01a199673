"""Article endpoints: own items (CRUD, search, publish, DOI, authors) and public items.

Ordering: ``GET /account/articles`` lists newest first (by id, i.e. creation order), as the
resources page's real output and its upload example ("you should see your new item at the
top of the list") show.  Searches order by ``order``/``order_direction`` (private default
created_date, public default published_date; descending).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from . import metadata, render
from .api import Reply, Req, int_arg, paginate, route
from .core import ApiError, Core
from .model import Article, from_dict, now_iso, to_dict
from .search import compile_query

NOT_FOUND = "EntityNotFound"


def own_article(req: Req, raw_id: str) -> Article:
    art = req.core.store.articles.get(int_arg(raw_id, "Article"))
    if art is None or art.account_id != req.me().id:
        raise ApiError(404, "Entity not found: Article", NOT_FOUND)
    return art


def _location(core: Core, art: Article) -> str:
    return f"{core.urls.api}/account/articles/{art.id}"


def _touch(core: Core, art: Article) -> None:
    art.modified_date = now_iso()
    core.store.save(art)


# --- own articles ---------------------------------------------------------------------------
@route("GET", "/account/articles")
def list_own(req: Req) -> Reply:
    offset, limit = paginate(req.query)
    me = req.me().id
    mine = sorted(
        (a for a in req.core.store.articles.values() if a.account_id == me),
        key=lambda a: a.id,
        reverse=True,
    )
    urls = req.core.urls
    return Reply(
        200, [render.article_summary(a, urls, private=True) for a in mine[offset : offset + limit]]
    )


@route("POST", "/account/articles")
def create(req: Req) -> Reply:
    core, me = req.core, req.me()
    body = req.obj()
    stamp = now_iso()
    art = Article(
        id=0,
        account_id=me.id,
        title="",
        created_date=stamp,
        modified_date=stamp,
        group_id=me.group_id or None,
    )
    warnings = metadata.apply(core, art, body, creating=True)
    if not body.get("authors"):
        # Figshare adds the account's owner as the first author [NOTES 4.3, obs].
        art.authors = [me.user_id]
    art.id = core.store.new_id()
    core.store.articles[art.id] = art
    core.store.save(art)
    loc = _location(core, art)
    return Reply(201, {"entity_id": art.id, "location": loc, "warnings": warnings})


@route("POST", "/account/articles/search")
def search_own(req: Req) -> Reply:
    params = {**req.query, **req.obj()}
    offset, limit = paginate(params)
    me = req.me().id
    arts = [a for a in req.core.store.articles.values() if a.account_id == me]
    found = filter_and_order(req.core, arts, params, default_order="created_date")
    urls = req.core.urls
    return Reply(
        200,
        [
            render.article_summary(a, urls, private=True, project=True)
            for a in found[offset : offset + limit]
        ],
    )


@route("GET", "/account/articles/{article_id}")
def get_own(req: Req) -> Reply:
    art = own_article(req, req.args[0])
    return Reply(200, render.article_complete(art, req.core.store, req.core.urls, private=True))


@route("PUT", "/account/articles/{article_id}")
@route("PATCH", "/account/articles/{article_id}")
def update(req: Req) -> Reply:
    # PUT and PATCH both change only the keys sent: the 2017 spec called them equivalent and
    # the resources page's scripts PUT only {"authors": ...} and then publish.
    art = own_article(req, req.args[0])
    warnings = metadata.apply(req.core, art, req.obj(), creating=False)
    _touch(req.core, art)
    return Reply(205, {"location": _location(req.core, art), "warnings": warnings})


@route("DELETE", "/account/articles/{article_id}")
def delete(req: Req) -> Reply:
    core = req.core
    art = own_article(req, req.args[0])
    if art.status == "public" or art.public is not None:
        raise ApiError(
            403,
            "A published item cannot be deleted; ask Figshare to unpublish it first",
            "Forbidden",
        )
    from .api_files import remove_file

    for fid in list(art.file_ids):
        remove_file(core, art, fid)
    del core.store.articles[art.id]
    core.store.delete(art)
    return Reply(204, empty=True)


@route("POST", "/account/articles/{article_id}/publish")
def publish(req: Req) -> Reply:
    core = req.core
    art = own_article(req, req.args[0])
    missing = metadata.missing_for_publish(core, art)
    if missing:
        raise ApiError(
            400,
            f"Missing mandatory field for publication - {missing}",
            "MissingMandatoryFieldException",
        )
    files = [core.store.files[f] for f in art.file_ids if f in core.store.files]
    busy = [f.name for f in files if not f.is_link_only and f.status != "available"]
    if busy:
        raise ApiError(
            400,
            f"Files not ready for publication (upload or processing unfinished): {', '.join(busy)}",
            "FilesNotReady",
        )
    owner = core.store.accounts[art.account_id]
    stamp = now_iso()
    for rec in files:
        if not rec.is_public and not rec.is_link_only:
            owner.used_quota_private -= rec.size
            owner.used_quota_public += rec.size
        rec.is_public = True
        core.store.save(rec)
    art.status, art.version, art.published_date = "public", art.version + 1, stamp
    art.timeline = {**art.timeline, "posted": stamp[:-1]}
    art.timeline.setdefault("firstOnline", stamp[:-1])
    if not art.doi:
        art.doi = f"10.6084/m9.figshare.{art.id}"
    art.modified_date = stamp
    if art.public is not None:
        art.older.append(art.public)
    snap = to_dict(art)
    snap.pop("public", None)
    snap.pop("older", None)
    art.public = snap
    core.store.save(art, owner)
    return Reply(201, {"location": f"{core.urls.api}/articles/{art.id}"})


@route("POST", "/account/articles/{article_id}/reserve_doi")
def reserve_doi(req: Req) -> Reply:
    art = own_article(req, req.args[0])
    if not art.doi:
        art.doi = f"10.6084/m9.figshare.{art.id}"
        _touch(req.core, art)
    return Reply(200, {"doi": art.doi})


@route("GET", "/account/articles/{article_id}/authors")
def list_authors(req: Req) -> Reply:
    art = own_article(req, req.args[0])
    store = req.core.store
    return Reply(200, [render.author(store.authors[a]) for a in art.authors if a in store.authors])


@route("PUT", "/account/articles/{article_id}/authors")
@route("POST", "/account/articles/{article_id}/authors")
def set_authors(req: Req) -> Reply:
    art = own_article(req, req.args[0])
    body = req.obj()
    if "authors" not in body:
        raise ApiError(422, "Missing field 'authors'", "ValidationFailed")
    ids = metadata.resolve_authors(req.core, body["authors"])
    art.authors = ids if req.method == "PUT" else list(dict.fromkeys(art.authors + ids))
    _touch(req.core, art)
    return Reply(205, empty=True)


@route("DELETE", "/account/articles/{article_id}/authors/{author_id}")
def remove_author(req: Req) -> Reply:
    art = own_article(req, req.args[0])
    author_id = int_arg(req.args[1], "Author")
    if author_id not in art.authors:
        raise ApiError(404, "Entity not found: Author", NOT_FOUND)
    art.authors.remove(author_id)
    _touch(req.core, art)
    return Reply(204, empty=True)


# --- public articles ---------------------------------------------------------------------------
def public_articles(core: Core) -> list[Article]:
    out = []
    for art in core.store.articles.values():
        view = render.public_view(art)
        if view is not None:
            out.append(view)
    return out


@route("GET", "/articles", auth="none")
def list_public(req: Req) -> Reply:
    offset, limit = paginate(req.query)
    found = filter_and_order(req.core, public_articles(req.core), req.query, "published_date")
    urls = req.core.urls
    return Reply(
        200,
        [render.article_summary(a, urls, private=False) for a in found[offset : offset + limit]],
    )


@route("POST", "/articles/search", auth="none")
def search_public(req: Req) -> Reply:
    # The resources page sends the search as query parameters (requests.post(params=...)),
    # the spec as a JSON body: both are read, the body winning.
    params = {**req.query, **req.obj()}
    offset, limit = paginate(params)
    found = filter_and_order(req.core, public_articles(req.core), params, "published_date")
    urls = req.core.urls
    return Reply(
        200,
        [
            render.article_summary(a, urls, private=False, project=True)
            for a in found[offset : offset + limit]
        ],
    )


@route("GET", "/articles/{article_id}", auth="none")
def get_public(req: Req) -> Reply:
    art = req.core.store.articles.get(int_arg(req.args[0], "Article"))
    view = render.public_view(art) if art else None
    if view is None:
        raise ApiError(404, "Entity not found: Article", NOT_FOUND)
    return Reply(200, render.article_complete(view, req.core.store, req.core.urls, private=False))


@route("GET", "/articles/{article_id}/versions", auth="none")
def list_versions(req: Req) -> Reply:
    art = req.core.store.articles.get(int_arg(req.args[0], "Article"))
    view = render.public_view(art) if art else None
    if view is None:
        raise ApiError(404, "Entity not found: Article", NOT_FOUND)
    base = f"{req.core.urls.api}/articles/{view.id}/versions"
    return Reply(200, [{"version": v, "url": f"{base}/{v}"} for v in range(1, view.version + 1)])


@route("GET", "/articles/{article_id}/versions/{version}", auth="none")
def get_version(req: Req) -> Reply:
    art = req.core.store.articles.get(int_arg(req.args[0], "Article"))
    wanted = int_arg(req.args[1], "ArticleVersion")
    snaps = [*art.older, art.public] if art and art.public else []
    for snap in snaps:
        if snap.get("version") == wanted:
            view = from_dict(Article, snap)
            return Reply(
                200, render.article_complete(view, req.core.store, req.core.urls, private=False)
            )
    # Versions published before this sandbox's history began are not kept.
    raise ApiError(404, "Entity not found: ArticleVersion", NOT_FOUND)


# --- filtering ---------------------------------------------------------------------------------
@cache
def _category_titles() -> dict[int, str]:
    return {c["id"]: c["title"] for c in render.load("categories.json")}


def _doc(core: Core, art: Article) -> dict[str, str]:
    store = core.store
    cats = _category_titles()
    owner = store.accounts.get(art.account_id)
    files = [store.files[f] for f in art.file_ids if f in store.files]
    authors = [store.authors[a] for a in art.authors if a in store.authors]
    return {
        "title": art.title.lower(),
        "description": art.description.lower(),
        "tag": " | ".join(art.tags).lower(),
        "category": " | ".join(cats.get(c, "") for c in art.categories).lower(),
        "author": " | ".join(a.full_name for a in authors).lower(),
        "orcid": " | ".join(a.orcid_id for a in authors).lower(),
        "item_type": render.type_name(art.defined_type),
        "extension": " | ".join(f.name.rsplit(".", 1)[-1] for f in files).lower(),
        "doi": art.doi.lower(),
        "resource_doi": art.resource_doi.lower(),
        "institution": str(owner.institution_id if owner else ""),
    }


def _int_param(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(422, f"Invalid value for {name}", "ValidationFailed") from None


def filter_and_order(
    core: Core, arts: list[Article], params: dict[str, Any], default_order: str
) -> list[Article]:
    search_for = params.get("search_for")
    pred = compile_query(str(search_for)) if search_for else None
    inst, group = _int_param(params, "institution"), _int_param(params, "group")
    item_type = _int_param(params, "item_type")
    out = []
    for art in arts:
        if inst is not None:
            owner = core.store.accounts.get(art.account_id)
            if owner is None or owner.institution_id != inst:
                continue
        if group is not None and art.group_id != group:
            continue
        if item_type is not None and art.defined_type != item_type:
            continue
        if any(
            params.get(k) and getattr(art, k) != params[k]
            for k in ("doi", "handle", "resource_doi")
        ):
            continue
        if params.get("published_since") and (art.published_date or "") < str(
            params["published_since"]
        ):
            continue
        if params.get("modified_since") and art.modified_date < str(params["modified_since"]):
            continue
        if pred is not None and not pred(_doc(core, art)):
            continue
        out.append(art)
    order = str(params.get("order") or default_order)
    if order not in (
        "published_date",
        "created_date",
        "modified_date",
        "views",
        "shares",
        "downloads",
        "cites",
    ):
        raise ApiError(422, f"Invalid value for order: {order}", "ValidationFailed")
    direction = str(params.get("order_direction") or "desc").lower()
    if direction not in ("asc", "desc"):
        raise ApiError(422, "order_direction must be asc or desc", "ValidationFailed")
    key = order if order.endswith("_date") else "created_date"
    out.sort(key=lambda a: (getattr(a, key) or "", a.id), reverse=direction == "desc")
    return out
