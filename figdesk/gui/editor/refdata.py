"""Reference data the metadata form needs, loaded once per session off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from figdesk.core.errors import FigdeskError
from figdesk.core.models import ITEM_TYPES, Category, CustomField, Group, ItemType, License


@dataclass(frozen=True)
class ReferenceData:
    categories: tuple[Category, ...] = ()
    licenses: tuple[License, ...] = ()
    item_types: tuple[ItemType, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    groups: tuple[Group, ...] = ()
    notes: tuple[str, ...] = field(default=())     # what could not be loaded, in words


def fallback_item_types() -> tuple[ItemType, ...]:
    return tuple(ItemType(i, name, name.replace(" ", "_"), True)
                 for i, name in sorted(ITEM_TYPES.items()))


def load_reference_data(client: Any, group_id: int | None = None) -> ReferenceData:
    """Blocking (network): categories, licenses, item types, custom fields and groups.
    Institution-only lists fail for personal accounts; those come back empty, not as errors.
    ``AuthError`` is re-raised: without a working token nothing else will work either."""
    from figdesk.core.errors import AuthError

    notes: list[str] = []

    def get(what: str, fn: Any, *args: Any, **kw: Any) -> list[Any]:
        try:
            return list(fn(*args, **kw))
        except AuthError:
            raise
        except FigdeskError as exc:
            notes.append(f"{what}: {exc.message}")
            return []

    categories = get("categories", client.list_categories, account=True) or get(
        "categories", client.list_categories)
    licenses = get("licenses", client.list_licenses, account=True)
    item_types = [t for t in get("item types", client.list_item_types) if t.is_selectable]
    custom = get("custom fields", client.list_custom_fields, group_id)
    groups = get("groups", client.list_groups)
    return ReferenceData(tuple(categories), tuple(licenses),
                         tuple(item_types) or fallback_item_types(), tuple(custom),
                         tuple(groups), tuple(notes))
