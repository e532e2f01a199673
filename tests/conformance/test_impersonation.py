"""Impersonation (NOTES.md §2.6): an institution admin acts as one of its accounts with
``impersonate`` in the query string (GET, DELETE) or in the JSON body (POST, PUT, PATCH)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api


@pytest.fixture
def people(api: Api, sandbox: Any) -> tuple[Api, Api, int]:
    """(admin, member, member's account id), both of the main account's institution."""
    me = api.check.check_response(api.get("/account"), 200).body
    _, admin_token = sandbox.add_account(institution_id=me["institution_id"], admin=True)
    member_id, member_token = sandbox.add_account(institution_id=me["institution_id"])
    return api.as_token(admin_token), api.as_token(member_token), member_id


def test_get_and_delete_with_impersonate_in_the_query(people: tuple[Api, Api, int]) -> None:
    admin, member, member_id = people
    article_id = member.create_article("Member's draft")
    listing = admin.get("/account/articles", params={"impersonate": member_id})
    admin.check.check_request(listing)
    assert [a["id"] for a in admin.check.check_response(listing, 200).body] == [article_id]
    got = admin.get(f"/account/articles/{article_id}", params={"impersonate": member_id})
    assert admin.check.check_response(got, 200).body["id"] == article_id
    # Without impersonating, the admin's own account does not hold the item.
    admin.check.check_error(admin.get(f"/account/articles/{article_id}"), (403, 404))
    gone = admin.delete(f"/account/articles/{article_id}", params={"impersonate": member_id})
    admin.check.check_empty(gone, 204)
    assert member.check.check_response(member.get("/account/articles"), 200).body == []


def test_post_and_patch_with_impersonate_in_the_body(people: tuple[Api, Api, int]) -> None:
    admin, member, member_id = people
    created = admin.post(
        "/account/articles", json={"title": "Made for the member", "impersonate": member_id}
    )
    admin.check.check_request(created)
    article_id = admin.check.check_response(created, 201).body["entity_id"]
    patched = admin.patch(
        f"/account/articles/{article_id}",
        json={"description": "by the admin", "impersonate": member_id},
    )
    admin.check.check_response(patched, 205)
    mine = member.check.check_response(member.get(f"/account/articles/{article_id}"), 200).body
    assert (mine["title"], mine["description"]) == ("Made for the member", "by the admin")
    assert admin.check.check_response(admin.get("/account/articles"), 200).body == []


def test_only_admins_impersonate(people: tuple[Api, Api, int], sandbox: Any) -> None:
    admin, member, _ = people
    other_id, _ = sandbox.add_account(first_name="Else", last_name="Where")
    member.check.check_error(member.get("/account/articles", params={"impersonate": other_id}), 403)
    # Not even an admin, for an account outside the institution.
    admin.check.check_error(admin.get("/account/articles", params={"impersonate": other_id}), 403)
