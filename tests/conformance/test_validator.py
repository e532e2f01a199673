"""The validator itself: it must accept what the live service really sends (the resources
page's outputs) and reject what the spec forbids, or the sandbox tests prove nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openapi_spec_validator import validate as validate_openapi

from . import page_examples
from .spec_tools import LIVE_EXTRA_KEYS, ConformanceError, SpecChecker, relaxed_spec, unknown_keys


@pytest.fixture(scope="module")
def offline_checker(spec: dict[str, Any]) -> SpecChecker:
    return SpecChecker(spec, "http://127.0.0.1:9/v2")


def _only_required_missing(errors: list[str]) -> list[str]:
    """Errors other than a missing key. The page's outputs date from 2023; the current spec
    requires keys added since (created_date, download_disabled, ...), which the sandbox sends."""
    return [e for e in errors if "is a required property" not in e]


def test_relaxed_spec_is_still_valid_openapi(spec: dict[str, Any]) -> None:
    validate_openapi(relaxed_spec(spec))


def test_relaxing_leaves_the_original_untouched(spec: dict[str, Any]) -> None:
    before = copy.deepcopy(spec["components"]["schemas"]["Account"])
    relaxed_spec(spec)
    assert spec["components"]["schemas"]["Account"] == before


def test_page_item_output_validates_apart_from_newer_required_keys(
    offline_checker: SpecChecker, resources_page_present: None
) -> None:
    item = page_examples.retrieve_item_output()
    assert item["embargo_type"] is None and item["funding"] is None  # the nulls under test
    assert _only_required_missing(offline_checker.component_errors("ArticleComplete", item)) == []


def test_page_account_listing_validates_apart_from_newer_required_keys(
    offline_checker: SpecChecker, resources_page_present: None
) -> None:
    listing = page_examples.account_listing_output()
    assert len(listing) == 10
    for article in listing:
        errors = offline_checker.component_errors("Article", article)
        assert _only_required_missing(errors) == [], (article["id"], errors)


def test_unrelaxed_spec_rejects_the_page_nulls(
    spec: dict[str, Any], resources_page_present: None
) -> None:
    # Proof that the relaxation is needed and is what makes the real outputs pass.
    strict = SpecChecker(spec, "http://127.0.0.1:9/v2", relax=False)
    errors = strict.component_errors("ArticleComplete", page_examples.retrieve_item_output())
    assert any("funding" in e and "None" in e for e in errors), errors


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda a: a.update(id="123456"), "at id: '123456' is not of type 'integer'"),
        (lambda a: a.pop("title"), "'title' is a required property"),
        (lambda a: a.update(is_public="true"), "at is_public"),
        (lambda a: a.update(tags=[1]), "at tags/0"),
        (lambda a: a["license"].update(value="1"), "at license/value"),
        (lambda a: a["files"][0].update(size=None, id="x"), "at files/0/id"),
        (lambda a: a.update(embargo_type="everything"), "at embargo_type"),
        (lambda a: a.update(authors={}), "at authors"),
    ],
)
def test_validator_rejects_what_the_spec_forbids(
    offline_checker: SpecChecker, resources_page_present: None, change: Any, needle: str
) -> None:
    item = copy.deepcopy(page_examples.retrieve_item_output())
    # Fill the keys the current spec added so that only the injected fault remains.
    item.update(download_disabled=False, folder_structure={}, keywords=item["tags"])
    for author in item["authors"]:
        author.update(first_name="", last_name="")
    assert offline_checker.component_errors("ArticleComplete", item) == []
    change(item)
    errors = offline_checker.component_errors("ArticleComplete", item)
    assert any(needle in e for e in errors), errors


def test_nulls_allowed_on_every_field_but_types_still_checked(offline_checker: SpecChecker) -> None:
    account = {
        k: None for k in offline_checker.spec["components"]["schemas"]["Account"]["required"]
    }
    assert offline_checker.component_errors("Account", account) == []
    account["quota"] = "lots"
    assert offline_checker.component_errors("Account", account) == [
        "at quota: 'lots' is not of type 'integer'"
    ]


def test_error_code_may_be_string_int_or_missing_but_not_anything(
    offline_checker: SpecChecker,
) -> None:
    ok = [
        {"message": "m", "code": "EntityNotFound"},
        {"message": "m", "code": 404},
        {"message": "m"},
    ]
    for body in ok:
        assert offline_checker.component_errors("ErrorMessage", body) == []
    assert offline_checker.component_errors("ErrorMessage", {"message": "m", "code": {"x": 1}})
    assert offline_checker.component_errors("ErrorMessage", {"message": 3, "code": "X"})


def test_upload_schemas_keep_their_enums(offline_checker: SpecChecker) -> None:
    part = {"partNo": 1, "startOffset": 0, "endOffset": 9, "status": "COMPLETE", "locked": False}
    assert offline_checker.component_errors("UploadFilePart", part) == []
    # "COMPLETED" is the upload's status, never a part's (NOTES.md §7.4).
    assert offline_checker.component_errors("UploadFilePart", {**part, "status": "COMPLETED"})
    info = {
        "token": "t",
        "md5": "",
        "size": 10,
        "name": "1/a",
        "status": "COMPLETE",
        "parts": [part],
    }
    assert offline_checker.component_errors("UploadInfo", info)


def test_custom_field_value_follows_the_specs_own_description(offline_checker: SpecChecker) -> None:
    field = {
        "name": "Volume",
        "value": "14",
        "field_type": "text",
        "settings": {},
        "order": 1,
        "is_mandatory": False,
    }
    for value in ("14", ["a", "b"], {}, None):
        assert (
            offline_checker.component_errors("CustomArticleField", {**field, "value": value}) == []
        )
    assert offline_checker.component_errors("CustomArticleField", {**field, "value": 14})
    assert offline_checker.component_errors("CustomArticleField", {**field, "value": [1]})


def test_unknown_keys_are_found_through_refs_allof_and_lists(
    spec: dict[str, Any], resources_page_present: None
) -> None:
    item = copy.deepcopy(page_examples.retrieve_item_output())
    item["invented"] = 1
    item["files"][0]["md5"] = "x"
    item["license"]["spdx"] = "CC-BY-4.0"
    item["folder_structure"] = {"3074543": "free-form map"}
    found = unknown_keys(spec, {"$ref": "#/components/schemas/ArticleComplete"}, item)
    assert sorted(found) == [
        ("ArticleComplete", "/invented"),
        ("License", "/license/spdx"),
        ("PublicFile", "/files/0/md5"),
        ("Timeline", "/timeline/posted"),
    ]


def test_live_extra_keys_are_exactly_what_the_page_outputs_need(
    spec: dict[str, Any], resources_page_present: None
) -> None:
    seen = {
        (name, path.rsplit("/", 1)[1])
        for name, path in unknown_keys(
            spec,
            {"$ref": "#/components/schemas/ArticleComplete"},
            page_examples.retrieve_item_output(),
        )
    }
    seen |= {
        (name, path.rsplit("/", 1)[1])
        for name, path in unknown_keys(
            spec,
            {"type": "array", "items": {"$ref": "#/components/schemas/Article"}},
            page_examples.account_listing_output(),
        )
    }
    assert seen == LIVE_EXTRA_KEYS - {("ErrorMessage", "data")}


def test_checker_rejects_unknown_keys(offline_checker: SpecChecker) -> None:
    part = {"partNo": 1, "startOffset": 0, "endOffset": 9, "status": "PENDING", "locked": False}
    offline_checker.check_component("UploadFilePart", part)
    with pytest.raises(ConformanceError, match="key not in UploadFilePart"):
        offline_checker.check_component("UploadFilePart", {**part, "lockedBy": "someone"})
    offline_checker.check_component("ErrorMessage", {"message": "m", "code": "X", "data": {}})
