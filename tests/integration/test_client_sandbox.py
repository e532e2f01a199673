"""FigshareClient end to end against the in-process sandbox (Figshare on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Iterator

import pytest

from figdesk.core import errors as E
from figdesk.core.api import FigshareClient
from figdesk.core.models import FileInfo
from figdesk.sandbox import ADMIN_ACCOUNT_ID, MAIN_ACCOUNT_ID, Sandbox, SandboxConfig
from tests.support.clients import fast_client

PART = 64 * 1024


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, part_size=PART,
                               processing_step=0.01)) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: Sandbox) -> Iterator[FigshareClient]:
    with fast_client(sb) as c:
        yield c


def wait_for_file(client: FigshareClient, article_id: int, file_id: int,
                  done: tuple[str, ...] = ("available", "ic_failure")) -> FileInfo:
    """Poll (bounded) until the file leaves processing."""
    deadline = time.monotonic() + 30
    while True:
        info = client.get_file(article_id, file_id)
        if info.status in done or time.monotonic() > deadline:
            return info
        time.sleep(0.02)


def upload(client: FigshareClient, article_id: int, data: bytes, name: str,
           md5: str | None = None) -> int:
    md5 = md5 or hashlib.md5(data).hexdigest()
    file_id = client.initiate_upload(article_id, name, len(data), md5)
    info = client.get_file(article_id, file_id)
    assert info.status == "created" and info.upload_url
    parts = client.get_upload_info(info.upload_url).parts
    assert len(parts) == -(-len(data) // PART)                  # the server's layout
    source = io.BytesIO(data)
    for part in parts:
        source.seek(part.start)
        client.put_upload_part(info.upload_url, part.part_no, source, part.length)
    assert all(p.complete for p in client.get_upload_info(info.upload_url).parts)
    client.complete_upload(article_id, file_id)
    return file_id


def test_item_life_cycle(sb: Sandbox, client: FigshareClient) -> None:
    me = client.get_account()
    assert me.id == MAIN_ACCOUNT_ID
    created = client.create_article({"title": "figdesk client test", "defined_type": 3})
    assert created.location.startswith(sb.api_url) and created.location.endswith(
        str(created.id))
    item = client.get_my_article(created.id)
    assert item.title == "figdesk client test" and item.defined_type == 3
    assert item.status == "draft"

    client.update_article(created.id, {
        "description": "Made by the client's integration test.", "keywords": ["figdesk"],
        "license": 1, "defined_type": "dataset"})
    item = client.get_my_article(created.id)
    assert item.description.startswith("Made by") and item.tags == ("figdesk",)

    data = os.urandom(3 * PART + 1234)
    file_id = upload(client, created.id, data, "data.bin")
    info = wait_for_file(client, created.id, file_id)
    assert info.status == "available"
    assert info.computed_md5 == hashlib.md5(data).hexdigest() and info.verified

    assert [f.id for f in client.list_files(created.id)] == [file_id]
    assert created.id in {a.id for a in client.list_my_articles()}

    sb.requests.clear()
    out = io.BytesIO()
    assert client.download_file(file_id, out) == len(data) and out.getvalue() == data
    hops = list(sb.requests)
    assert [r.service for r in hops] == ["api", "download"]
    assert "authorization" in {k.lower() for k in hops[0].headers}
    assert "authorization" not in {k.lower() for k in hops[1].headers}

    public_location = client.publish_article(created.id)
    assert public_location.startswith(sb.api_url)
    public = client.get_public_article(created.id)
    assert public.title == "figdesk client test" and public.is_public
    with pytest.raises(E.FigdeskError):
        client.delete_article(created.id)                        # published: refused


def test_delete_draft_and_file(client: FigshareClient) -> None:
    created = client.create_article({"title": "to be deleted"})
    file_id = client.initiate_upload(created.id, "x.txt", 5, hashlib.md5(b"hello").hexdigest())
    client.delete_file(created.id, file_id)
    assert client.list_files(created.id) == []
    client.delete_article(created.id)
    with pytest.raises(E.NotFoundError, match=f"Item {created.id} was not found"):
        client.get_my_article(created.id)


def test_files_list_pages_past_the_embedded_ten(client: FigshareClient) -> None:
    created = client.create_article({"title": "many files"})
    ids = {client.initiate_upload(created.id, f"f{i}.txt", 4, "0" * 32) for i in range(13)}
    assert len(client.get_my_article(created.id).files_embedded) == 10
    assert {f.id for f in client.list_files(created.id)} == ids


def test_md5_mismatch_ends_in_ic_failure(client: FigshareClient) -> None:
    created = client.create_article({"title": "bad md5"})
    file_id = upload(client, created.id, b"some bytes", "bad.bin", md5="0" * 32)
    info = wait_for_file(client, created.id, file_id)
    assert info.status == "ic_failure" and not info.verified


def test_search_private_and_public(client: FigshareClient) -> None:
    client.create_article({"title": "zebrafish findings"})
    found = client.search_my_articles("zebrafish")
    assert any(a.title == "zebrafish findings" for a in found)
    public = client.search_public_articles("figshare", max_results=3)
    assert len(public) <= 3


def test_reference_data(client: FigshareClient) -> None:
    assert client.list_licenses()
    assert client.list_categories()
    assert any(t.name == "dataset" for t in client.list_item_types())


def test_revoked_token_is_an_auth_error(sb: Sandbox, client: FigshareClient) -> None:
    sb.revoke_token(sb.token)
    try:
        with pytest.raises(E.AuthError, match="Sign in again"):
            client.get_account()
    finally:
        sb.restore_token(sb.token)
    assert client.get_account().id == MAIN_ACCOUNT_ID


def test_admin_impersonates_a_member(sb: Sandbox) -> None:
    with FigshareClient(sb.token_of(ADMIN_ACCOUNT_ID), sb.api_url) as admin:
        members = admin.list_institution_accounts()
        assert members
        target = next(m.id for m in members if m.id != ADMIN_ACCOUNT_ID)
        acting = admin.impersonating(target)
        assert acting.get_account().id == target
        created = acting.create_article({"title": "made for a member"})
        assert created.id in {a.id for a in acting.list_my_articles()}
        assert created.id not in {a.id for a in admin.list_my_articles()}


def test_get_retried_post_not(sb: Sandbox, client: FigshareClient) -> None:
    sb.faults.fail_next("api", "error", method="GET", path="/v2/account$", count=2)
    assert client.get_account().id == MAIN_ACCOUNT_ID
    assert client.stats.retries == 2
    before = len(client.list_my_articles())
    sb.faults.fail_next("api", "error", method="POST", path="/v2/account/articles$")
    with pytest.raises(E.ServerError):
        client.create_article({"title": "never twice"})
    assert len(client.list_my_articles()) == before


def test_part_put_survives_an_upload_service_error(sb: Sandbox,
                                                   client: FigshareClient) -> None:
    created = client.create_article({"title": "flaky uploads"})
    sb.faults.fail_next("upload", "error", method="PUT", count=1)
    file_id = upload(client, created.id, os.urandom(PART + 10), "flaky.bin")
    assert wait_for_file(client, created.id, file_id).status == "available"
    assert client.stats.retries >= 1


def test_part_put_survives_a_dropped_connection(sb: Sandbox, client: FigshareClient) -> None:
    created = client.create_article({"title": "dropped part"})
    sb.faults.fail_next("upload", "drop", method="PUT", count=1)
    data = os.urandom(2 * PART)
    file_id = upload(client, created.id, data, "dropped.bin")
    info = wait_for_file(client, created.id, file_id)
    assert info.status == "available" and info.computed_md5 == hashlib.md5(data).hexdigest()
    assert client.stats.retries == 1


def test_upload_part_conflict_and_unknown_upload(sb: Sandbox, client: FigshareClient) -> None:
    created = client.create_article({"title": "finished upload"})
    file_id = upload(client, created.id, b"abc", "done.txt")
    info = wait_for_file(client, created.id, file_id)
    with pytest.raises((E.ConflictError, E.NotFoundError)):
        client.reset_upload_part(info.upload_url or f"{sb.upload_base}/upload/x", 1)
    with pytest.raises(E.NotFoundError):
        client.get_upload_info(f"{sb.upload_base}/upload/00000000-0000-0000-0000-000000000000")


def test_over_quota_initiate_is_a_quota_error(sb: Sandbox) -> None:
    _account_id, token = sb.add_account(quota=1000)
    with FigshareClient(token, sb.api_url) as small:
        item = small.create_article({"title": "too big"})
        with pytest.raises(E.QuotaError):
            small.initiate_upload(item.id, "big.bin", 5000, "0" * 32)
