"""The editable metadata of an item, and the request bodies built from it.

``Article`` (what Figshare returns) -> ``EditableMetadata`` (what a form edits) -> a request dict
(what ``create_article``/``update_article`` send). Pure functions, no Qt and no network, so the
GUI form, the CLI and the queue build bodies the same way and tests check them directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from figdesk.core.models import ITEM_TYPES, JSON, Article, Author, CustomField

TITLE_MIN, TITLE_MAX = 3, 1000
DESCRIPTION_MAX = 20000

_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class EditableMetadata:
    """Everything the metadata form edits, in request terms (ids and names, not objects)."""

    title: str = ""
    description: str = ""
    authors: tuple[Author, ...] = ()
    categories: tuple[int, ...] = ()
    keywords: tuple[str, ...] = ()
    item_type: str = ""                 # a name, e.g. "dataset" (requests send names)
    license: int | None = None          # the ``value`` from /account/licenses
    references: tuple[str, ...] = ()
    funding: str = ""
    resource_doi: str = ""
    resource_title: str = ""
    first_online: str = ""              # timeline.firstOnline, "YYYY-MM-DD"
    is_metadata_record: bool = False
    metadata_reason: str = ""
    custom_fields: tuple[tuple[str, Any], ...] = ()   # (name, value) in definition order
    group_id: int | None = None

    def custom(self) -> dict[str, Any]:
        return dict(self.custom_fields)



@dataclass(frozen=True)
class Issue:
    """One thing wrong or missing. ``blocking``: publishing (or saving) cannot go ahead."""

    field: str
    message: str
    blocking: bool = True


def _author_key(a: Author) -> tuple[Any, ...]:
    # Figshare echoes authors with extra fields (url_name, is_active); compare on what we send.
    return (a.id, a.full_name, a.orcid_id) if a.id is None else (a.id,)


def from_article(article: Article) -> EditableMetadata:
    """The form's starting point for an existing item."""
    item_type = article.defined_type_name or ITEM_TYPES.get(article.defined_type, "")
    return EditableMetadata(
        title=article.title,
        description=article.description,
        authors=tuple(article.authors),
        categories=tuple(c.id for c in article.categories),
        keywords=tuple(article.tags),
        item_type=item_type.lower(),
        license=article.license.value if article.license else None,
        references=tuple(article.references),
        funding=article.funding,
        resource_doi=article.resource_doi,
        resource_title=article.resource_title,
        first_online=_date_only(article.timeline.get("firstOnline")),
        is_metadata_record=article.is_metadata_record,
        metadata_reason=article.metadata_reason,
        custom_fields=tuple((c.name, c.value) for c in article.custom_fields),
        group_id=article.group_id,
    )


def _date_only(value: Any) -> str:
    return value[:10] if isinstance(value, str) else ""


def _blank_custom(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _author_request(a: Author) -> JSON:
    body = a.to_request()
    if a.id is None and not a.full_name:
        body.pop("name", None)      # added by ORCID alone: Figshare resolves the person
    return body


def parse_author(text: str) -> Author | None:
    """An author typed in one line: a Figshare author id (digits), an ORCID iD, or a name
    optionally followed by an ORCID iD. None when the text is blank."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return Author(id=int(text), full_name=f"Figshare author {text}")
    orcid = re.search(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", text)
    orcid_id = orcid.group(1) if orcid else ""
    name = text.replace(orcid_id, "").replace("https://orcid.org/", "").strip(" ,;()")
    parts = name.split()
    first, last = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", name)
    return Author(id=None, full_name=name, first_name=first, last_name=last, orcid_id=orcid_id)


def author_label(a: Author) -> str:
    name = a.full_name or "(name from ORCID)"
    if a.orcid_id:
        return f"{name}  ·  ORCID {a.orcid_id}"
    if a.id is not None:
        return f"{name}  ·  Figshare id {a.id}"
    return name


def to_request(m: EditableMetadata) -> JSON:
    """The full ``ArticleCreate``/``ArticleUpdate`` body for these values."""
    body: JSON = {
        "title": m.title.strip(),
        "description": m.description,
        "authors": [_author_request(a) for a in m.authors],
        "categories": list(m.categories),
        "keywords": [k for k in m.keywords if k.strip()],
        "references": [r for r in m.references if r.strip()],
        "funding": m.funding,
        "is_metadata_record": m.is_metadata_record,
        "metadata_reason": m.metadata_reason if m.is_metadata_record else "",
    }
    if m.item_type:
        body["defined_type"] = m.item_type
    if m.license is not None:
        body["license"] = m.license
    # Figshare wants resource_doi and resource_title together or not at all.
    if m.resource_doi or m.resource_title:
        body["resource_doi"] = m.resource_doi
        body["resource_title"] = m.resource_title
    if m.first_online:
        body["timeline"] = {"firstOnline": m.first_online}
    if m.custom_fields:
        body["custom_fields_list"] = [{"name": n, "value": v} for n, v in m.custom_fields]
    if m.group_id:
        body["group_id"] = m.group_id
    return body


def diff_request(old: EditableMetadata, new: EditableMetadata) -> JSON:
    """The PATCH body: only the keys whose value changed (keys that travel together stay
    together), so a save never overwrites what another client changed in other fields."""
    before, after = to_request(old), to_request(new)
    if [_author_key(a) for a in old.authors] == [_author_key(a) for a in new.authors]:
        before.pop("authors", None)
        after.pop("authors", None)
    out: JSON = {k: v for k, v in after.items() if before.get(k) != v}
    # A field cleared in the form is absent from ``after``: send its empty value explicitly.
    for key in before.keys() - after.keys():
        if key in ("resource_doi", "resource_title"):
            out["resource_doi"] = new.resource_doi
            out["resource_title"] = new.resource_title
        elif key == "timeline":
            out["timeline"] = {"firstOnline": ""}
        elif key == "license":
            out["license"] = 0
    if "resource_doi" in out or "resource_title" in out:
        out["resource_doi"] = new.resource_doi
        out["resource_title"] = new.resource_title
    if "is_metadata_record" in out or "metadata_reason" in out:
        out["is_metadata_record"] = new.is_metadata_record
        out["metadata_reason"] = after["metadata_reason"]
    return out


def field_issues(m: EditableMetadata) -> list[Issue]:
    """What is malformed right now (shown inline while typing; blocks saving)."""
    out: list[Issue] = []
    title = m.title.strip()
    if len(title) < TITLE_MIN:
        out.append(Issue("title", f"The title needs at least {TITLE_MIN} characters."))
    elif len(title) > TITLE_MAX:
        out.append(Issue("title", f"The title may have at most {TITLE_MAX} characters."))
    if len(m.description) > DESCRIPTION_MAX:
        out.append(Issue("description",
                         f"The description may have at most {DESCRIPTION_MAX} characters."))
    for a in m.authors:
        if a.orcid_id and not _ORCID.match(a.orcid_id):
            out.append(Issue("authors", f"'{a.orcid_id}' is not an ORCID iD "
                                        "(like 0000-0002-1825-0097)."))
    for ref in m.references:
        if ref.strip() and not _URL.match(ref.strip()):
            out.append(Issue("references", f"'{ref}' is not a web address (http:// or https://)."))
    if m.resource_doi and not _DOI.match(m.resource_doi.strip()):
        out.append(Issue("resource_doi", "The resource DOI should look like 10.1234/abcd."))
    if bool(m.resource_doi.strip()) != bool(m.resource_title.strip()):
        out.append(Issue("resource_doi", "A resource DOI and a resource title go together."))
    if m.first_online and not _DATE.match(m.first_online):
        out.append(Issue("first_online", "The first-online date must be YYYY-MM-DD."))
    if m.is_metadata_record and not m.metadata_reason.strip():
        out.append(Issue("metadata_reason", "Say why this record has no files."))
    return out


def custom_field_issues(m: EditableMetadata, definitions: Sequence[CustomField]) -> list[Issue]:
    """Malformed values of the institution's custom fields (by their ``field_type``)."""
    out: list[Issue] = []
    values = m.custom()
    for d in definitions:
        value = values.get(d.name)
        if _blank_custom(value) or not isinstance(value, str):
            continue
        if d.field_type == "url" and not _URL.match(value):
            out.append(Issue(f"custom:{d.name}", f"{d.name}: not a web address."))
        elif d.field_type == "email" and not _EMAIL.match(value):
            out.append(Issue(f"custom:{d.name}", f"{d.name}: not an email address."))
        elif d.field_type == "date" and not _DATE.match(value[:10]):
            out.append(Issue(f"custom:{d.name}", f"{d.name}: use YYYY-MM-DD."))
        limits = d.settings.get("validations") if isinstance(d.settings, Mapping) else None
        if isinstance(limits, Mapping):
            low, high = limits.get("min_length"), limits.get("max_length")
            if isinstance(high, int) and len(value) > high:
                out.append(Issue(f"custom:{d.name}", f"{d.name}: at most {high} characters."))
            if isinstance(low, int) and len(value) < low:
                out.append(Issue(f"custom:{d.name}", f"{d.name}: at least {low} characters."))
    return out


def publish_issues(m: EditableMetadata, definitions: Sequence[CustomField] = (),
                   *, file_count: int | None = None) -> list[Issue]:
    """What publishing still needs (Figshare has no single list; see NOTES.md 4.3).
    Categories and files are soft: Figshare made categories optional in 2023."""
    out: list[Issue] = []
    if len(m.title.strip()) < TITLE_MIN:
        out.append(Issue("title", "a title"))
    if not _strip_html(m.description):
        out.append(Issue("description", "a description"))
    if not m.authors:
        out.append(Issue("authors", "at least one author"))
    if not m.item_type:
        out.append(Issue("item_type", "an item type"))
    if not m.license:
        out.append(Issue("license", "a license"))
    if not [k for k in m.keywords if k.strip()]:
        out.append(Issue("keywords", "at least one keyword"))
    values = m.custom()
    for d in definitions:
        if d.is_mandatory and _blank_custom(values.get(d.name)):
            out.append(Issue(f"custom:{d.name}", f"a value for '{d.name}'"))
    if not m.categories:
        out.append(Issue("categories", "a category (recommended)", blocking=False))
    if file_count == 0 and not m.is_metadata_record:
        out.append(Issue("files", "a file, or marking it a metadata-only record",
                         blocking=False))
    return out


def _strip_html(text: str) -> str:
    return re.sub(r"<[^>]*>|&nbsp;", " ", text).strip()


def blank(item_type: str = "dataset", authors: Sequence[Author] = ()) -> EditableMetadata:
    """Starting values for a new item."""
    return EditableMetadata(item_type=item_type, authors=tuple(authors))

