"""Article metadata in requests (ArticleCreate / ArticleUpdate): validation and application.

Choices (where Figshare's documents are silent):
- Unknown keys are ignored.  Invalid values give 422 naming the field.
- ``defined_type`` is accepted as a name (case-insensitive) or as an int id.
- An author entry ``{"id": <int>}`` must name a known author; a non-integer ``id`` (the
  resources page sends ``{"id": "Gregg Beckham"}``) is taken as a name, which is the
  lenient reading that lets that page's script run.
- Unknown category ids give 422; ``categories_by_source_id`` values that do not resolve
  become warnings (as Figshare documents).
"""

from __future__ import annotations

from typing import Any

from .core import ApiError, Core
from .model import Article, Author
from .samples import load

_STR_FIELDS = (
    "description",
    "metadata_reason",
    "funding",
    "doi",
    "handle",
    "resource_doi",
    "resource_title",
)
_TIMELINE_KEYS = ("firstOnline", "publisherPublication", "publisherAcceptance")


def _invalid(name: str, why: str) -> ApiError:
    return ApiError(422, f"Invalid value for field '{name}': {why}", "ValidationFailed")


def type_id(value: Any) -> int:
    types = load("item_types.json")
    if isinstance(value, bool):
        raise _invalid("defined_type", "expected an item type name")
    if isinstance(value, int):
        if value == 0 or any(t["id"] == value for t in types):
            return value
    elif isinstance(value, str):
        wanted = value.strip().lower().replace("_", " ")
        for t in types:
            if t["name"] == wanted or t["string_id"] == value.strip().lower():
                return int(t["id"])
        if wanted.isdigit():
            return type_id(int(wanted))
    raise _invalid("defined_type", f"unknown item type {value!r}")


def _str_list(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(name, "expected a list of strings")
    return [v.strip() for v in value if v.strip()]


def resolve_authors(core: Core, value: Any) -> list[int]:
    if not isinstance(value, list):
        raise _invalid("authors", "expected a list of objects")
    ids: list[int] = []
    store = core.store
    for entry in value:
        if not isinstance(entry, dict):
            raise _invalid("authors", "expected a list of objects")
        ident = entry.get("id")
        if isinstance(ident, int) and not isinstance(ident, bool):
            if ident not in store.authors:
                raise _invalid("authors", f"unknown author id {ident}")
            ids.append(ident)
            continue
        name = entry.get("name") or (ident if isinstance(ident, str) else None)
        first, last = entry.get("first_name") or "", entry.get("last_name") or ""
        if not name and not (first or last):
            raise _invalid("authors", "each author needs an id or a name")
        full = str(name or f"{first} {last}").strip()
        if not (first or last):
            first, _, last = full.rpartition(" ") if " " in full else ("", "", full)
        new = Author(
            id=store.new_id(),
            full_name=full,
            first_name=first,
            last_name=last,
            url_name=full.replace(" ", "_"),
            orcid_id=str(entry.get("orcid_id") or ""),
            email=str(entry.get("email") or ""),
        )
        store.authors[new.id] = new
        store.save(new)
        ids.append(new.id)
    return ids


def _categories(value: Any) -> list[int]:
    known = {c["id"] for c in load("categories.json")}
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        raise _invalid("categories", "expected a list of category ids")
    bad = [v for v in value if v not in known]
    if bad:
        raise _invalid("categories", f"unknown category id(s) {bad}")
    return list(dict.fromkeys(value))


def _funding_list(core: Core, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _invalid("funding_list", "expected a list")
    known = {f["id"]: f for f in load("institution.json")["funding"]}
    out = []
    for entry in value:
        if isinstance(entry, dict) and isinstance(entry.get("id"), int) and entry["id"] in known:
            out.append(dict(known[entry["id"]]))
        elif isinstance(entry, dict) and isinstance(entry.get("title"), str) and entry["title"]:
            out.append(
                {
                    "id": core.store.new_id(),
                    "title": entry["title"],
                    "grant_code": "",
                    "funder_name": "",
                    "is_user_defined": 1,
                    "url": "",
                }
            )
        else:
            raise _invalid("funding_list", "each entry needs a known id or a title")
    return out


def apply(core: Core, art: Article, body: dict[str, Any], *, creating: bool) -> list[str]:
    """Validate ``body`` completely, then change ``art``; returns warnings."""
    warnings: list[str] = []
    changes: dict[str, Any] = {}
    if "title" in body or creating:
        title = body.get("title")
        if not isinstance(title, str) or not 3 <= len(title.strip()) <= 1000:
            raise _invalid("title", "a title of 3 to 1000 characters is required")
        changes["title"] = title.strip()
    for name in _STR_FIELDS:
        if name in body and body[name] is not None:
            if not isinstance(body[name], str):
                raise _invalid(name, "expected a string")
            changes[name] = body[name]
    if len(changes.get("description", "")) > 20000:
        raise _invalid("description", "at most 20000 characters")
    for name in ("tags", "keywords"):
        if name in body and body[name] is not None:
            changes["tags"] = _str_list(name, body[name])
    if body.get("references") is not None:
        changes["references"] = _str_list("references", body["references"])
    if body.get("categories") is not None:
        changes["categories"] = _categories(body["categories"])
    if body.get("categories_by_source_id") is not None:
        by_source = {c["source_id"]: c["id"] for c in load("categories.json") if c["source_id"]}
        ids = []
        for src in _str_list("categories_by_source_id", body["categories_by_source_id"]):
            if src in by_source:
                ids.append(by_source[src])
            else:
                warnings.append(f"Category with source id {src} not found")
        changes["categories"] = list(dict.fromkeys(ids))
    if body.get("defined_type") is not None:
        changes["defined_type"] = type_id(body["defined_type"])
    if body.get("license") is not None:
        lic = load("licenses.json")
        values = {x["value"] for x in lic["public"] + lic["institution"]}
        if not isinstance(body["license"], int) or body["license"] not in values:
            raise _invalid("license", f"unknown license {body['license']!r}")
        changes["license"] = body["license"]
    for name in ("is_metadata_record", "download_disabled"):
        if name in body and body[name] is not None:
            if not isinstance(body[name], bool):
                raise _invalid(name, "expected true or false")
            changes[name] = body[name]
    if body.get("group_id") is not None:
        if not isinstance(body["group_id"], int):
            raise _invalid("group_id", "expected an integer")
        changes["group_id"] = body["group_id"]
    if body.get("timeline") is not None:
        if not isinstance(body["timeline"], dict):
            raise _invalid("timeline", "expected an object")
        changes["timeline"] = {
            k: str(v) for k, v in body["timeline"].items() if k in _TIMELINE_KEYS
        }
    if body.get("custom_fields") is not None:
        if not isinstance(body["custom_fields"], dict):
            raise _invalid("custom_fields", "expected an object")
        changes["custom_fields"] = dict(body["custom_fields"])
    if body.get("custom_fields_list") is not None:
        items = body["custom_fields_list"]
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and "name" in i for i in items
        ):
            raise _invalid("custom_fields_list", "expected a list of {name, value}")
        changes["custom_fields"] = {str(i["name"]): i.get("value") for i in items}
    if body.get("related_materials") is not None:
        if not isinstance(body["related_materials"], list):
            raise _invalid("related_materials", "expected a list")
        changes["related_materials"] = [_related(core, m) for m in body["related_materials"]]
    if body.get("funding_list") is not None:
        changes["funding_list"] = _funding_list(core, body["funding_list"])
    if body.get("authors") is not None:
        changes["authors"] = resolve_authors(core, body["authors"])
    for key, value in changes.items():
        if key == "timeline":
            # Keep the server-set keys ("posted") of a published item.
            value = {**{k: v for k, v in art.timeline.items() if k not in _TIMELINE_KEYS}, **value}
        setattr(art, key, value)
    return warnings


def _related(core: Core, m: Any) -> dict[str, Any]:
    if not isinstance(m, dict) or not isinstance(m.get("identifier"), str):
        raise _invalid("related_materials", "each entry needs an identifier")
    kind = m.get("identifier_type", "URL")
    ident = m["identifier"]
    link = f"https://doi.org/{ident}" if kind == "DOI" else ident
    return {
        "id": core.store.new_id(),
        "identifier": ident,
        "identifier_type": kind,
        "relation": m.get("relation", "References"),
        "title": m.get("title", ""),
        "is_linkout": bool(m.get("is_linkout", False)),
        "link": link,
    }


def missing_for_publish(core: Core, art: Article) -> str | None:
    """The first field Figshare would name in 'Missing mandatory field for publication'."""
    if not art.title:
        return "title"
    if not art.description.strip():
        return "description"
    if not art.authors:
        return "authors"
    if not art.defined_type:
        return "defined_type"
    if not art.license:
        return "license"
    if not art.tags:
        return "keywords"
    files = [core.store.files[f] for f in art.file_ids if f in core.store.files]
    if not files and not art.is_metadata_record:
        return "files"
    return None
