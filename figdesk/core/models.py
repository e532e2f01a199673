"""Dataclasses at the boundary between Figshare's JSON and the rest of figdesk.

Parsing is defensive: Figshare returns ``null`` for blank fields, omits keys, sends
``defined_type`` as an int (names are sent in requests), dates with or without ``Z``. Every
``from_json`` accepts any mapping and never raises on a missing or null key; unknown keys are
kept in ``raw`` so nothing is lost when an item is exported or backed up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]


# --- tolerant field readers -------------------------------------------------------------

def _s(d: Mapping[str, Any], key: str, default: str = "") -> str:
    v = d.get(key)
    if v is None:
        return default
    return v if isinstance(v, str) else str(v)


def _i(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key)
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, (float, str)):
        try:
            return int(v)
        except ValueError:
            return default
    return default


def _oi(d: Mapping[str, Any], key: str) -> int | None:
    v = d.get(key)
    if v is None or isinstance(v, bool):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _b(d: Mapping[str, Any], key: str, default: bool = False) -> bool:
    v = d.get(key)
    return default if v is None else bool(v)


def _l(d: Mapping[str, Any], key: str) -> list[Any]:
    v = d.get(key)
    return list(v) if isinstance(v, list) else []


def _m(d: Mapping[str, Any], key: str) -> JSON:
    v = d.get(key)
    return dict(v) if isinstance(v, Mapping) else {}


def parse_date(value: Any) -> datetime | None:
    """Parse Figshare's ISO dates (``2017-05-18T11:49:03Z``, no ``Z`` on account dates,
    plain ``YYYY-MM-DD`` in timelines) as aware UTC datetimes; ``None`` for blanks or junk."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


# --- item types -------------------------------------------------------------------------

#: Figshare's item type ids (responses) and names (requests), from the spec.
ITEM_TYPES: dict[int, str] = {
    1: "figure", 2: "media", 3: "dataset", 5: "poster", 6: "journal contribution",
    7: "presentation", 8: "thesis", 9: "software", 11: "online resource", 12: "preprint",
    13: "book", 14: "conference contribution", 15: "chapter", 16: "peer review",
    17: "educational resource", 18: "report", 19: "standard", 20: "composition",
    21: "funding", 22: "physical object", 23: "data management plan", 24: "workflow",
    25: "monograph", 26: "performance", 27: "event", 28: "service", 29: "model",
}
ITEM_TYPE_IDS: dict[str, int] = {v: k for k, v in ITEM_TYPES.items()}


# --- account ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    id: int
    user_id: int
    first_name: str
    last_name: str
    email: str
    institution_id: int
    group_id: int
    quota: int
    used_quota: int
    used_quota_private: int
    maximum_file_size: int
    active: bool
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def free_private_quota(self) -> int | None:
        """Bytes left in private quota, or None when the account reports no quota."""
        return max(0, self.quota - self.used_quota_private) if self.quota > 0 else None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Account:
        return cls(
            id=_i(d, "id"), user_id=_i(d, "user_id"), first_name=_s(d, "first_name"),
            last_name=_s(d, "last_name"), email=_s(d, "email"),
            institution_id=_i(d, "institution_id"), group_id=_i(d, "group_id"),
            quota=_i(d, "quota"), used_quota=_i(d, "used_quota"),
            used_quota_private=_i(d, "used_quota_private"),
            maximum_file_size=_i(d, "maximum_file_size"), active=_b(d, "active", True),
            raw=dict(d),
        )


@dataclass(frozen=True)
class ShortAccount:
    """An institution account as listed for admins (for impersonation)."""

    id: int
    user_id: int
    first_name: str
    last_name: str
    email: str
    active: bool
    institution_user_id: str
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ShortAccount:
        return cls(id=_i(d, "id"), user_id=_i(d, "user_id"), first_name=_s(d, "first_name"),
                   last_name=_s(d, "last_name"), email=_s(d, "email"),
                   active=_b(d, "active", True),
                   institution_user_id=_s(d, "institution_user_id"), raw=dict(d))


# --- articles ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleSummary:
    """An item as listed by ``GET /account/articles`` (no status there: use published_date)."""

    id: int
    title: str
    doi: str
    handle: str
    url: str
    url_public_html: str
    url_private_html: str
    defined_type: int
    defined_type_name: str
    created_date: datetime | None
    modified_date: datetime | None
    published_date: datetime | None
    group_id: int | None
    thumb: str
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_public(self) -> bool:
        return self.published_date is not None

    @property
    def status(self) -> str:
        return "public" if self.is_public else "draft"

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ArticleSummary:
        dtype = _i(d, "defined_type")
        return cls(
            id=_i(d, "id"), title=_s(d, "title"), doi=_s(d, "doi"), handle=_s(d, "handle"),
            url=_s(d, "url"), url_public_html=_s(d, "url_public_html"),
            url_private_html=_s(d, "url_private_html"), defined_type=dtype,
            defined_type_name=_s(d, "defined_type_name", ITEM_TYPES.get(dtype, "")),
            created_date=parse_date(d.get("created_date")),
            modified_date=parse_date(d.get("modified_date")),
            published_date=parse_date(d.get("published_date")),
            group_id=_oi(d, "group_id"), thumb=_s(d, "thumb"), raw=dict(d),
        )


@dataclass(frozen=True)
class Author:
    id: int | None
    full_name: str
    first_name: str = ""
    last_name: str = ""
    orcid_id: str = ""
    is_active: bool = False
    url_name: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Author:
        full = _s(d, "full_name") or _s(d, "name")
        return cls(id=_oi(d, "id"), full_name=full, first_name=_s(d, "first_name"),
                   last_name=_s(d, "last_name"), orcid_id=_s(d, "orcid_id"),
                   is_active=_b(d, "is_active"), url_name=_s(d, "url_name"))

    def to_request(self) -> JSON:
        """The form ArticleCreate/Update accepts: ``{id}`` or ``{name, orcid_id...}``."""
        if self.id is not None:
            return {"id": self.id}
        out: JSON = {"name": self.full_name}
        if self.first_name:
            out["first_name"] = self.first_name
        if self.last_name:
            out["last_name"] = self.last_name
        if self.orcid_id:
            out["orcid_id"] = self.orcid_id
        return out


@dataclass(frozen=True)
class Category:
    id: int
    title: str
    parent_id: int
    path: str = ""
    source_id: str = ""
    taxonomy_id: int = 0
    is_selectable: bool = True
    has_children: bool = False

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Category:
        return cls(id=_i(d, "id"), title=_s(d, "title"), parent_id=_i(d, "parent_id"),
                   path=_s(d, "path"), source_id=_s(d, "source_id"),
                   taxonomy_id=_i(d, "taxonomy_id"), is_selectable=_b(d, "is_selectable", True),
                   has_children=_b(d, "has_children"))


@dataclass(frozen=True)
class License:
    value: int
    name: str
    url: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> License:
        return cls(value=_i(d, "value"), name=_s(d, "name"), url=_s(d, "url"))


@dataclass(frozen=True)
class ItemType:
    id: int
    name: str
    string_id: str
    is_selectable: bool

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ItemType:
        return cls(id=_i(d, "id"), name=_s(d, "name"), string_id=_s(d, "string_id"),
                   is_selectable=_b(d, "is_selectable", True))


@dataclass(frozen=True)
class CustomField:
    """An institution custom field definition (or a value on an article)."""

    name: str
    field_type: str
    id: int | None = None
    value: Any = None
    is_mandatory: bool = False
    order: int = 0
    settings: JSON = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CustomField:
        return cls(name=_s(d, "name"), field_type=_s(d, "field_type", "text"), id=_oi(d, "id"),
                   value=d.get("value"), is_mandatory=_b(d, "is_mandatory"),
                   order=_i(d, "order"), settings=_m(d, "settings"))


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    parent_id: int
    resource_id: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Group:
        return cls(id=_i(d, "id"), name=_s(d, "name"), parent_id=_i(d, "parent_id"),
                   resource_id=_s(d, "resource_id"))


@dataclass(frozen=True)
class FileInfo:
    """A file of an item (``PrivateFile``, or ``PublicFile`` with blanks for the rest)."""

    id: int
    name: str
    size: int
    status: str               # created | ic_checking | moving_to_final | available | ic_failure
    supplied_md5: str
    computed_md5: str
    download_url: str
    upload_url: str
    upload_token: str
    is_link_only: bool
    mimetype: str = ""
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @property
    def verified(self) -> bool:
        """True when Figshare's md5 of the stored bytes equals the md5 we supplied."""
        return bool(self.computed_md5) and self.computed_md5 == self.supplied_md5

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FileInfo:
        return cls(id=_i(d, "id"), name=_s(d, "name"), size=_i(d, "size"),
                   status=_s(d, "status"), supplied_md5=_s(d, "supplied_md5"),
                   computed_md5=_s(d, "computed_md5"), download_url=_s(d, "download_url"),
                   upload_url=_s(d, "upload_url"), upload_token=_s(d, "upload_token"),
                   is_link_only=_b(d, "is_link_only"), mimetype=_s(d, "mimetype"), raw=dict(d))


@dataclass(frozen=True)
class Article(ArticleSummary):
    """A full item (``ArticleCompletePrivate`` or the public ``ArticleComplete``)."""

    description: str = ""
    status_text: str = ""      # the server's ``status`` (open set: draft, public, ...)
    version: int = 0
    size: int = 0
    tags: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    authors: tuple[Author, ...] = ()
    license: License | None = None
    references: tuple[str, ...] = ()
    funding: str = ""
    funding_list: tuple[JSON, ...] = ()
    resource_doi: str = ""
    resource_title: str = ""
    timeline: JSON = field(default_factory=dict)
    is_metadata_record: bool = False
    metadata_reason: str = ""
    is_embargoed: bool = False
    is_confidential: bool = False
    custom_fields: tuple[CustomField, ...] = ()
    files_embedded: tuple[FileInfo, ...] = ()   # at most 10: use list_files for all of them
    folder_structure: JSON = field(default_factory=dict)
    figshare_url: str = ""
    citation: str = ""
    account_id: int = 0
    curation_status: str = ""

    @property
    def status(self) -> str:
        return self.status_text or ("public" if self.is_public else "draft")

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Article:
        base = ArticleSummary.from_json(d)
        lic = d.get("license")
        return cls(
            **{k: getattr(base, k) for k in ArticleSummary.__dataclass_fields__},
            description=_s(d, "description"), status_text=_s(d, "status"),
            version=_i(d, "version"), size=_i(d, "size"),
            tags=tuple(str(t) for t in (_l(d, "tags") or _l(d, "keywords")) if t is not None),
            categories=tuple(Category.from_json(c) for c in _l(d, "categories")
                             if isinstance(c, Mapping)),
            authors=tuple(Author.from_json(a) for a in _l(d, "authors") if isinstance(a, Mapping)),
            license=License.from_json(lic) if isinstance(lic, Mapping) else None,
            references=tuple(str(r) for r in _l(d, "references") if r),
            funding=_s(d, "funding"),
            funding_list=tuple(dict(f) for f in _l(d, "funding_list") if isinstance(f, Mapping)),
            resource_doi=_s(d, "resource_doi"), resource_title=_s(d, "resource_title"),
            timeline=_m(d, "timeline"), is_metadata_record=_b(d, "is_metadata_record"),
            metadata_reason=_s(d, "metadata_reason"), is_embargoed=_b(d, "is_embargoed"),
            is_confidential=_b(d, "is_confidential"),
            custom_fields=tuple(CustomField.from_json(c) for c in _l(d, "custom_fields")
                                if isinstance(c, Mapping)),
            files_embedded=tuple(FileInfo.from_json(f) for f in _l(d, "files")
                                 if isinstance(f, Mapping)),
            folder_structure=_m(d, "folder_structure"), figshare_url=_s(d, "figshare_url"),
            citation=_s(d, "citation"), account_id=_i(d, "account_id"),
            curation_status=_s(d, "curation_status"),
        )


@dataclass(frozen=True)
class Created:
    """The answer to a create (201 ``{entity_id, location, warnings}``), location resolved."""

    id: int
    location: str
    warnings: tuple[str, ...] = ()


# --- upload service ---------------------------------------------------------------------

@dataclass(frozen=True)
class UploadPart:
    part_no: int          # 1-based
    start: int            # inclusive
    end: int              # inclusive
    status: str           # PENDING | COMPLETE (| ERROR seen by some)
    locked: bool

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def complete(self) -> bool:
        return self.status == "COMPLETE"

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UploadPart:
        return cls(part_no=_i(d, "partNo"), start=_i(d, "startOffset"),
                   end=_i(d, "endOffset"), status=_s(d, "status"), locked=_b(d, "locked"))


@dataclass(frozen=True)
class UploadInfo:
    token: str
    name: str
    size: int
    md5: str
    status: str           # PENDING | COMPLETED | ABORTED
    parts: tuple[UploadPart, ...]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UploadInfo:
        parts = tuple(sorted((UploadPart.from_json(p) for p in _l(d, "parts")
                              if isinstance(p, Mapping)), key=lambda p: p.part_no))
        return cls(token=_s(d, "token"), name=_s(d, "name"), size=_i(d, "size"),
                   md5=_s(d, "md5"), status=_s(d, "status"), parts=parts)
