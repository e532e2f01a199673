"""File endpoints of the API: initiate, link, list, complete, delete, public lists, download.

Choices: quota and maximum file size are checked at initiate and refused with 403
(``FileTooLarge`` / ``QuotaExceeded``); the size counts against the private quota from
initiate on.  Completing while any part is not COMPLETE gives 400 (``UploadNotComplete``);
completing again after success is accepted (202) and changes nothing.
"""

from __future__ import annotations

import math
import random
import uuid
from posixpath import basename
from urllib.parse import urlsplit

from . import render
from .api import Reply, Req, int_arg, paginate, route
from .api_articles import NOT_FOUND, own_article
from .core import ApiError, Core
from .model import Article, FileRec, Upload, now_iso


def _own_file(req: Req, art: Article, raw_id: str) -> FileRec:
    fid = int_arg(raw_id, "File")
    rec = req.core.store.files.get(fid)
    if rec is None or fid not in art.file_ids:
        raise ApiError(404, "Entity not found: File", NOT_FOUND)
    return rec


@route("GET", "/account/articles/{article_id}/files")
def list_files(req: Req) -> Reply:
    art = own_article(req, req.args[0])
    offset, limit = paginate(req.query)
    store, urls = req.core.store, req.core.urls
    recs = [store.files[f] for f in art.file_ids if f in store.files]
    return Reply(200, [render.private_file(r, urls) for r in recs[offset : offset + limit]])


@route("POST", "/account/articles/{article_id}/files")
def initiate(req: Req) -> Reply:
    core = req.core
    art = own_article(req, req.args[0])
    body = req.obj()
    if body.get("link") is not None:
        rec = _link(core, art, body["link"])
    else:
        rec = _initiate_upload(core, art, body)
    art.file_ids.append(rec.id)
    art.modified_date = now_iso()
    core.store.save(art)
    loc = f"{core.urls.api}/account/articles/{art.id}/files/{rec.id}"
    return Reply(201, {"location": loc}, {"Location": loc})


def _link(core: Core, art: Article, link: object) -> FileRec:
    if not isinstance(link, str) or not urlsplit(link).scheme.startswith("http"):
        raise ApiError(
            422, "Invalid value for field 'link': an http(s) URL is required", "ValidationFailed"
        )
    rec = FileRec(
        id=core.store.new_id(),
        article_id=art.id,
        name=basename(urlsplit(link).path) or link,
        size=0,
        status="available",
        is_link_only=True,
        link=link,
        source="link",
    )
    core.store.files[rec.id] = rec
    core.store.save(rec)
    return rec


def _initiate_upload(core: Core, art: Article, body: dict[str, object]) -> FileRec:
    name, size, md5 = body.get("name"), body.get("size"), body.get("md5")
    folder = body.get("folder_path") or ""
    if not isinstance(name, str) or not name.strip() or "/" in name:
        raise ApiError(
            422, "Invalid value for field 'name': a file name is required", "ValidationFailed"
        )
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ApiError(
            422, "Invalid value for field 'size': a size in bytes is required", "ValidationFailed"
        )
    if md5 is not None and not isinstance(md5, str):
        raise ApiError(422, "Invalid value for field 'md5'", "ValidationFailed")
    if not isinstance(folder, str):
        raise ApiError(422, "Invalid value for field 'folder_path'", "ValidationFailed")
    owner = core.store.accounts[art.account_id]
    if owner.maximum_file_size and size > owner.maximum_file_size:
        raise ApiError(
            403,
            f"File size exceeds the maximum allowed for this account "
            f"({owner.maximum_file_size} bytes)",
            "FileTooLarge",
        )
    if owner.used_quota_private + size > owner.quota:
        free = max(owner.quota - owner.used_quota_private, 0)
        raise ApiError(
            403,
            f"Not enough private storage quota: {size} bytes asked, {free} bytes free",
            "QuotaExceeded",
        )
    fid = core.store.new_id()
    token = str(
        uuid.UUID(int=random.Random(f"{core.config.seed}/{fid}").getrandbits(128), version=4)
    )
    part_size = core.config.part_size
    up = Upload(
        token=token,
        file_id=fid,
        name=f"{fid}/{name}",
        size=size,
        md5=md5 or "",
        part_size=part_size,
        parts=["PENDING"] * math.ceil(size / part_size),
    )
    rec = FileRec(
        id=fid,
        article_id=art.id,
        name=name,
        size=size,
        supplied_md5=md5 or "",
        upload_token=token,
        folder_path=folder.strip("/"),
    )
    # A sparse file of the final size: parts are written in place at their offsets.
    with open(core.store.file_path(fid), "wb") as f:
        f.truncate(size)
    owner.used_quota_private += size
    core.store.files[fid] = rec
    core.store.uploads[token] = up
    core.store.save(rec, up, owner)
    return rec


@route("GET", "/account/articles/{article_id}/files/{file_id}")
def get_file(req: Req) -> Reply:
    art = own_article(req, req.args[0])
    return Reply(200, render.private_file(_own_file(req, art, req.args[1]), req.core.urls))


@route("POST", "/account/articles/{article_id}/files/{file_id}")
def complete(req: Req) -> Reply:
    core = req.core
    art = own_article(req, req.args[0])
    rec = _own_file(req, art, req.args[1])
    up = core.store.uploads.get(rec.upload_token)
    if rec.is_link_only or up is None:
        raise ApiError(400, "This file has no upload to complete", "BadRequest")
    if up.status == "COMPLETED":
        return Reply(202, empty=True)
    if up.status == "ABORTED":
        raise ApiError(
            400, "The upload was aborted; delete the file and upload it again", "UploadAborted"
        )
    missing = [
        str(n + 1)
        for n, s in enumerate(up.parts)
        if s != "COMPLETE" or (up.token, n + 1) in core.store.locked_parts
    ]
    if missing:
        shown = ", ".join(missing[:20]) + (" ..." if len(missing) > 20 else "")
        raise ApiError(
            400, f"Upload not complete: part(s) {shown} not uploaded", "UploadNotComplete"
        )
    up.status = "COMPLETED"
    core.store.save(up)
    core.process_file(rec.id)
    return Reply(202, empty=True)


def remove_file(core: Core, art: Article, fid: int) -> None:
    """Detach a file from the private version; forget it unless a public version has it."""
    rec = core.store.files.get(fid)
    if fid in art.file_ids:
        art.file_ids.remove(fid)
    if rec is None or rec.is_public:
        return
    owner = core.store.accounts.get(art.account_id)
    if owner is not None and not rec.is_link_only:
        owner.used_quota_private = max(owner.used_quota_private - rec.size, 0)
        core.store.save(owner)
    up = core.store.uploads.pop(rec.upload_token, None)
    if up is not None:
        core.store.delete(up)
    del core.store.files[fid]
    core.store.delete(rec)
    core.store.file_path(fid).unlink(missing_ok=True)


@route("DELETE", "/account/articles/{article_id}/files/{file_id}")
def delete_file(req: Req) -> Reply:
    art = own_article(req, req.args[0])
    rec = _own_file(req, art, req.args[1])
    remove_file(req.core, art, rec.id)
    art.modified_date = now_iso()
    req.core.store.save(art)
    return Reply(204, empty=True)


@route("GET", "/articles/{article_id}/files", auth="none")
def list_public_files(req: Req) -> Reply:
    art = req.core.store.articles.get(int_arg(req.args[0], "Article"))
    view = render.public_view(art) if art else None
    if view is None:
        raise ApiError(404, "Entity not found: Article", NOT_FOUND)
    offset, limit = paginate(req.query)
    store = req.core.store
    recs = [store.files[f] for f in view.file_ids if f in store.files]
    return Reply(200, [render.public_file(r, req.core.urls) for r in recs[offset : offset + limit]])


@route("GET", "/file/download/{file_id}", auth="optional")
def download(req: Req) -> Reply:
    core = req.core
    rec = core.store.files.get(int_arg(req.args[0], "File"))
    art = core.store.articles.get(rec.article_id) if rec else None
    if rec is None or art is None:
        raise ApiError(404, "Entity not found: File", NOT_FOUND)
    if not rec.is_public and (req.account is None or req.account.id != art.account_id):
        raise ApiError(404, "Entity not found: File", NOT_FOUND)
    target = rec.link if rec.is_link_only else core.storage_url(rec.id)
    return Reply(302, {"location": target}, {"Location": target})
