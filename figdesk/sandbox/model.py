"""The sandbox's own records (not the client's models: the sandbox shares nothing with core)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def now_iso() -> str:
    """Figshare's article timestamp form: UTC with a 'Z'."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _copy(value: Any) -> Any:
    # Records hold only JSON-like values; this is much faster than dataclasses.asdict.
    if type(value) is list:
        return [_copy(v) for v in value]
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    return value


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def to_dict(obj: Any) -> dict[str, Any]:
    return {name: _copy(getattr(obj, name)) for name in _names(type(obj))}


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    names = _names(cls)
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Account:
    id: int
    user_id: int
    first_name: str
    last_name: str
    email: str
    quota: int
    maximum_file_size: int
    institution_id: int = 0
    institution_user_id: str = ""
    group_id: int = 0
    used_quota_private: int = 0
    used_quota_public: int = 0
    is_admin: bool = False
    active: int = 1
    orcid_id: str = ""
    created_date: str = "2018-05-22T04:04:04"
    modified_date: str = "2018-05-22T04:04:04"


@dataclass
class Author:
    id: int
    full_name: str
    first_name: str = ""
    last_name: str = ""
    is_active: bool = False
    url_name: str = "_"
    orcid_id: str = ""
    email: str = ""


@dataclass
class Article:
    id: int
    account_id: int
    title: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    authors: list[int] = field(default_factory=list)
    defined_type: int = 0
    license: int = 0
    funding: str = ""
    funding_list: list[dict[str, Any]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    related_materials: list[dict[str, Any]] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    doi: str = ""
    handle: str = ""
    resource_doi: str = ""
    resource_title: str = ""
    timeline: dict[str, str] = field(default_factory=dict)
    group_id: int | None = None
    is_metadata_record: bool = False
    metadata_reason: str = ""
    download_disabled: bool = False
    is_confidential: bool = False
    confidential_reason: str = ""
    created_date: str = ""
    modified_date: str = ""
    published_date: str | None = None
    version: int = 0
    status: str = "draft"
    file_ids: list[int] = field(default_factory=list)
    thumb: str = ""
    html_url: str = ""  # the public page, when the sample data knows the real one
    citation: str = ""
    project_id: int | None = None
    # The public version as it was at the last publish (an Article dict), or None, and the
    # earlier public versions (oldest first) that this sandbox saw being published.
    public: dict[str, Any] | None = None
    older: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FileRec:
    id: int
    article_id: int
    name: str
    size: int
    supplied_md5: str = ""
    computed_md5: str = ""
    status: str = "created"
    upload_token: str = ""
    is_link_only: bool = False
    link: str = ""
    folder_path: str = ""
    mimetype: str = ""
    is_public: bool = False
    # "upload": bytes under the data folder; "gen": bytes made up from the id (sample data).
    source: str = "upload"


@dataclass
class Upload:
    token: str
    file_id: int
    name: str
    size: int
    md5: str
    part_size: int
    status: str = "PENDING"
    parts: list[str] = field(default_factory=list)  # "PENDING" | "COMPLETE" per part

    def part_range(self, part_no: int) -> tuple[int, int]:
        start = (part_no - 1) * self.part_size
        return start, min(start + self.part_size, self.size) - 1
