"""Real outputs and scripts of Figshare's API resources page, read from the shared folder.

The page is the reference: its example outputs come from the live service, so the relaxed spec
must accept them, and the sandbox must reproduce the sample items they show. Nothing is copied
into the repository; the page is parsed at test time.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .spec_tools import RESOURCES_PAGE

_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)


def _page() -> str:
    return RESOURCES_PAGE.read_text(encoding="utf-8")


def _section(heading: str) -> str:
    """The text of the page from ``heading`` up to the next heading of any level."""
    text = _page()
    start = text.index(heading)
    nxt = re.search(r"\n#+ ", text[start + len(heading):])
    end = start + len(heading) + nxt.start() if nxt else len(text)
    return text[start:end]


def output_after(heading: str) -> Any:
    """The JSON example shown under ``Output:`` in the section ``heading``."""
    section = _section(heading)
    out = section.index("Output:")
    match = _FENCE.search(section, out)
    if match is None:
        raise LookupError(f"no output block under {heading!r}")
    return json.loads(match.group(1))


def retrieve_item_output() -> dict[str, Any]:
    """The public metadata of item 123456 ("Retrieve data")."""
    data = output_after("### Retrieve data")
    assert isinstance(data, dict)
    return data


def account_listing_output() -> list[dict[str, Any]]:
    """The ten items of the account listing ("Authenticate")."""
    data = output_after("### Authenticate")
    assert isinstance(data, list)
    return data
