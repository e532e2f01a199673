"""Records -> Figshare's JSON shapes (swagger.json schemas), blanks as Figshare writes them.

Figshare sends ``null`` for some blank fields and ``""`` for others; the real outputs of the
API resources page decide which: ``resource_doi``, ``resource_title``, ``funding``,
``published_date``, ``embargo_date`` and ``embargo_type`` are null when blank, while ``doi``,
``handle``, ``thumb`` and the reason fields stay "".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .model import Account, Article, Author, FileRec, Upload, from_dict
from .samples import load
from .store import Store

EMBEDDED_FILES_CAP = 10


@dataclass(frozen=True)
class Urls:
    api: str  # http://127.0.0.1:P/v2
    upload: str  # http://127.0.0.1:P2
    download: str  # http://localhost:P4


def _blank_null(value: str | None) -> str | None:
    return value or None


def type_name(type_id: int) -> str:
    for t in load("item_types.json"):
        if t["id"] == type_id:
            return str(t["name"])
    return ""


def _slug(title: str) -> str:
    text = re.sub(r"<[^>]+>", "", title)
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "_"


def article_summary(
    art: Article, urls: Urls, *, private: bool, project: bool = False
) -> dict[str, Any]:
    """The ``Article`` schema (lists and searches); ``ArticleWithProject`` when asked."""
    private_api = f"{urls.api}/account/articles/{art.id}"
    public_api = f"{urls.api}/articles/{art.id}"
    tname = type_name(art.defined_type)
    out: dict[str, Any] = {
        "id": art.id,
        "title": art.title,
        "doi": art.doi,
        "handle": art.handle,
        "url": private_api if private else public_api,
        "published_date": art.published_date,
        "thumb": art.thumb,
        "defined_type": art.defined_type,
        "defined_type_name": tname,
        "group_id": art.group_id,
        "url_private_api": private_api,
        "url_public_api": public_api,
        "url_private_html": f"https://figshare.com/account/articles/{art.id}",
        "url_public_html": art.html_url
        or f"https://figshare.com/articles/{(tname or 'dataset').replace(' ', '_')}/{_slug(art.title)}/{art.id}",
        "timeline": dict(art.timeline),
        "resource_title": _blank_null(art.resource_title),
        "resource_doi": _blank_null(art.resource_doi),
        "created_date": art.created_date,
        "modified_date": art.modified_date,
    }
    if project:
        out["project_id"] = art.project_id
    return out


_VIEWS: dict[int, tuple[dict[str, Any], Article]] = {}


def public_view(art: Article) -> Article | None:
    """The article as of its last publish (cached until the next publish)."""
    snap = art.public
    if not snap:
        return None
    hit = _VIEWS.get(art.id)
    if hit is not None and hit[0] is snap:
        return hit[1]
    view = from_dict(Article, snap)
    _VIEWS[art.id] = (snap, view)  # holding snap keeps its identity unique
    return view


def _category(cid: int) -> dict[str, Any] | None:
    for c in load("categories.json"):
        if c["id"] == cid:
            return {
                k: c[k] for k in ("parent_id", "id", "title", "path", "source_id", "taxonomy_id")
            }
    return None


def _license(value: int) -> dict[str, Any] | None:
    lic = load("licenses.json")
    for entry in lic["public"] + lic["institution"]:
        if entry["value"] == value:
            return dict(entry)
    return None


def author(a: Author) -> dict[str, Any]:
    return {
        "id": a.id,
        "full_name": a.full_name,
        "first_name": a.first_name,
        "last_name": a.last_name,
        "is_active": a.is_active,
        "url_name": a.url_name,
        "orcid_id": a.orcid_id,
    }


def _funding(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": entry.get("id", 0),
        "title": entry.get("title", ""),
        "grant_code": entry.get("grant_code", ""),
        "funder_name": entry.get("funder_name", ""),
        "is_user_defined": entry.get("is_user_defined", 1),
        "url": entry.get("url", ""),
    }


def _custom_fields(art: Article) -> list[dict[str, Any]]:
    defs = {f["name"]: f for f in load("institution.json")["custom_fields"]}
    out = []
    for n, (name, value) in enumerate(art.custom_fields.items()):
        d = defs.get(name, {})
        out.append(
            {
                "name": name,
                "value": value,
                "field_type": d.get("field_type", "text"),
                "settings": d.get("settings", {}),
                "order": d.get("order", 100 + n),
                "is_mandatory": d.get("is_mandatory", False),
            }
        )
    return out


def public_file(rec: FileRec, urls: Urls) -> dict[str, Any]:
    return {
        "id": rec.id,
        "name": rec.name,
        "size": rec.size,
        "is_link_only": rec.is_link_only,
        "download_url": rec.link if rec.is_link_only else f"{urls.download}/files/{rec.id}",
        "supplied_md5": rec.supplied_md5,
        "computed_md5": rec.computed_md5,
        "mimetype": rec.mimetype,
    }


def private_file(rec: FileRec, urls: Urls) -> dict[str, Any]:
    out = public_file(rec, urls)
    linked = rec.is_link_only
    out.update(
        {
            "viewer_type": "",
            "preview_state": "preview_not_available",
            "upload_url": None if linked else f"{urls.upload}/upload/{rec.upload_token}",
            "upload_token": None if linked else rec.upload_token,
            "is_attached_to_public_version": rec.is_public,
            "status": rec.status,
        }
    )
    return out


def article_complete(art: Article, store: Store, urls: Urls, *, private: bool) -> dict[str, Any]:
    """``ArticleCompletePrivate`` (private) or ``ArticleComplete`` (public view)."""
    out = article_summary(art, urls, private=private)
    out["url"] = out["url_public_api"] if not private else out["url_private_api"]
    files = [store.files[f] for f in art.file_ids if f in store.files]
    authors = [store.authors[a] for a in art.authors if a in store.authors]
    tname = type_name(art.defined_type) or "Item"
    year = (art.published_date or art.created_date or "")[:4]
    names = "; ".join(
        f"{a.last_name}, {a.first_name}" if a.last_name else a.full_name for a in authors
    )
    citation = art.citation or (
        f"{names} ({year}): {art.title}. figshare. {tname.capitalize()}."
        + (f" https://doi.org/{art.doi}" if art.doi else "")
    )
    out.update(
        {
            "citation": citation,
            "confidential_reason": art.confidential_reason,
            "is_confidential": art.is_confidential,
            "size": sum(f.size for f in files if not f.is_link_only),
            "funding": _blank_null(art.funding),
            "funding_list": [_funding(f) for f in art.funding_list],
            "tags": list(art.tags),
            "keywords": list(art.tags),
            "version": art.version,
            "is_metadata_record": art.is_metadata_record,
            "metadata_reason": art.metadata_reason,
            "status": art.status,
            "description": art.description,
            "is_embargoed": False,
            "is_public": art.status == "public",
            "has_linked_file": any(f.is_link_only for f in files),
            "categories": [c for c in map(_category, art.categories) if c],
            "license": _license(art.license),
            "embargo_title": "",
            "embargo_reason": "",
            "embargo_date": None,
            "embargo_type": None,
            "references": list(art.references),
            "related_materials": list(art.related_materials),
            "figshare_url": out["url_public_html"],
            "download_disabled": art.download_disabled,
            "files": [public_file(f, urls) for f in files[:EMBEDDED_FILES_CAP]],
            "folder_structure": {str(f.id): f.folder_path for f in files if f.folder_path},
            "authors": [author(a) for a in authors],
            "custom_fields": _custom_fields(art),
            "embargo_options": [],
        }
    )
    if private:
        out["account_id"] = art.account_id
        out["curation_status"] = "approved" if art.status == "public" else ""
    return out


def account(acc: Account) -> dict[str, Any]:
    return {
        "id": acc.id,
        "user_id": acc.user_id,
        "first_name": acc.first_name,
        "last_name": acc.last_name,
        "email": acc.email,
        "institution_id": acc.institution_id,
        "institution_user_id": acc.institution_user_id,
        "group_id": acc.group_id,
        "active": acc.active,
        "quota": acc.quota,
        "used_quota": acc.used_quota_private + acc.used_quota_public,
        "used_quota_private": acc.used_quota_private,
        "used_quota_public": acc.used_quota_public,
        "pending_quota_request": False,
        "maximum_file_size": acc.maximum_file_size,
        "orcid_id": acc.orcid_id,
        "symplectic_user_id": "",
        "created_date": acc.created_date,
        "modified_date": acc.modified_date,
    }


def short_account(acc: Account) -> dict[str, Any]:
    full = account(acc)
    keys = (
        "id",
        "first_name",
        "last_name",
        "institution_id",
        "email",
        "active",
        "institution_user_id",
        "quota",
        "used_quota",
        "user_id",
        "orcid_id",
        "symplectic_user_id",
    )
    return {k: full[k] for k in keys}


def upload_info(up: Upload, locked: set[tuple[str, int]]) -> dict[str, Any]:
    return {
        "token": up.token,
        "name": up.name,
        "size": up.size,
        "md5": up.md5,
        "status": up.status,
        "parts": [upload_part(up, n, locked) for n in range(1, len(up.parts) + 1)],
    }


def upload_part(up: Upload, part_no: int, locked: set[tuple[str, int]]) -> dict[str, Any]:
    start, end = up.part_range(part_no)
    return {
        "partNo": part_no,
        "startOffset": start,
        "endOffset": end,
        "status": up.parts[part_no - 1],
        "locked": (up.token, part_no) in locked,
    }
