"""figdesk.core.metadata: Article -> EditableMetadata -> request bodies, and the checks."""

from __future__ import annotations

from dataclasses import replace

from figdesk.core.metadata import (
    EditableMetadata,
    diff_request,
    field_issues,
    from_article,
    publish_issues,
    to_request,
)
from figdesk.core.models import Article, Author, CustomField

ARTICLE = Article.from_json({
    "id": 7, "title": "Soil cores", "description": "<p>Cores</p>", "defined_type": 3,
    "defined_type_name": "dataset", "tags": ["soil"], "categories": [{"id": 11, "title": "X"}],
    "authors": [{"id": 5, "full_name": "Ann Lee"}], "license": {"value": 1, "name": "CC BY"},
    "references": ["https://a.example/x"], "timeline": {"firstOnline": "2020-01-02T00:00:00"},
    "custom_fields": [{"name": "Lab", "value": "North", "field_type": "text"}],
    "resource_doi": "", "resource_title": "",
})


def test_round_trip_from_article() -> None:
    m = from_article(ARTICLE)
    assert m.title == "Soil cores" and m.item_type == "dataset" and m.license == 1
    assert m.categories == (11,) and m.keywords == ("soil",) and m.first_online == "2020-01-02"
    body = to_request(m)
    assert body["authors"] == [{"id": 5}]
    assert body["defined_type"] == "dataset" and body["timeline"] == {"firstOnline": "2020-01-02"}
    assert body["custom_fields_list"] == [{"name": "Lab", "value": "North"}]
    assert "resource_doi" not in body


def test_diff_sends_only_changes() -> None:
    old = from_article(ARTICLE)
    assert diff_request(old, old) == {}
    new = replace(old, title="Soil cores 2", keywords=("soil", "peat"),
                  authors=old.authors + (Author(None, "Bo Chen", orcid_id="0000-0002-1825-0097"),))
    body = diff_request(old, new)
    assert body == {"title": "Soil cores 2", "keywords": ["soil", "peat"],
                    "authors": [{"id": 5}, {"name": "Bo Chen", "orcid_id": "0000-0002-1825-0097"}]}
    cleared = diff_request(old, replace(old, license=None, first_online=""))
    assert cleared == {"license": 0, "timeline": {"firstOnline": ""}}
    doi = diff_request(old, replace(old, resource_doi="10.1234/x"))
    assert doi == {"resource_doi": "10.1234/x", "resource_title": ""}


def test_field_issues() -> None:
    bad = EditableMetadata(title="ab", references=("ftp:x",), first_online="2020/1/1",
                           authors=(Author(None, "A", orcid_id="123"),),
                           is_metadata_record=True)
    fields = {i.field for i in field_issues(bad)}
    assert fields == {"title", "references", "first_online", "authors", "metadata_reason"}
    assert field_issues(from_article(ARTICLE)) == []


def test_publish_issues() -> None:
    need = publish_issues(EditableMetadata(title="Good title", description="<p> </p>"),
                          [CustomField("Lab", "text", is_mandatory=True)], file_count=0)
    blocking = {i.field for i in need if i.blocking}
    assert blocking == {"description", "authors", "item_type", "license", "keywords",
                        "custom:Lab"}
    assert {i.field for i in need if not i.blocking} == {"categories", "files"}
    ok = publish_issues(from_article(ARTICLE), [CustomField("Lab", "text", is_mandatory=True)])
    assert ok == []


def test_parse_author() -> None:
    from figdesk.core.metadata import parse_author

    assert parse_author("  ") is None
    assert parse_author("1234").id == 1234  # type: ignore[union-attr]
    a = parse_author("Ann Marie Lee https://orcid.org/0000-0002-1825-0097")
    assert a is not None and a.full_name == "Ann Marie Lee" and a.last_name == "Lee"
    assert a.orcid_id == "0000-0002-1825-0097"
    only = parse_author("0000-0002-1825-0097")
    assert only is not None
    assert to_request(EditableMetadata(authors=(only,)))["authors"] == [
        {"orcid_id": "0000-0002-1825-0097"}]
