"""Real outputs and scripts of Figshare's API resources page, read from the shared folder.

The page is the reference: its example outputs come from the live service, so the relaxed spec
must accept them, and the sandbox must reproduce the sample items they show. Nothing is copied
into the repository; the page is parsed at test time.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from .spec_tools import RESOURCES_PAGE

_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)


def _page() -> str:
    return RESOURCES_PAGE.read_text(encoding="utf-8")


def _section(heading: str) -> str:
    """The text of the page from ``heading`` up to the next heading of any level."""
    text = _page()
    start = text.index(heading)
    nxt = re.search(r"\n#+ ", text[start + len(heading) :])
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


# Keys whose values name a host: the sandbox serves them from its own hosts, so only the path
# (below /v2 for the API) is compared.
HOSTED_KEYS = frozenset({"url", "url_private_api", "url_public_api", "download_url"})


def _url_path(url: str) -> str:
    path = urlsplit(url).path
    return path[3:] if path.startswith("/v2/") else path


def differences(mine: Any, theirs: Any, where: str = "") -> list[str]:
    """How ``mine`` fails to reproduce ``theirs``: every value the page shows must be there,
    equal (nested objects compared key by key; extra keys in ``mine`` are allowed, since the
    current spec requires keys the page's older output lacks)."""
    if isinstance(theirs, dict):
        if not isinstance(mine, dict):
            return [f"{where or '<root>'}: {mine!r} is not an object"]
        out: list[str] = []
        for key, value in theirs.items():
            sub = f"{where}/{key}" if where else key
            if key not in mine:
                out.append(f"{sub}: absent (page: {value!r})")
            elif key in HOSTED_KEYS and isinstance(value, str) and isinstance(mine[key], str):
                if _url_path(mine[key]) != _url_path(value):
                    out.append(f"{sub}: {mine[key]!r} (page: {value!r})")
            else:
                out += differences(mine[key], value, sub)
        return out
    if isinstance(theirs, list):
        if not isinstance(mine, list) or len(mine) != len(theirs):
            return [f"{where}: {mine!r} (page: {theirs!r})"]
        return [
            d
            for i, (m, t) in enumerate(zip(mine, theirs))
            for d in differences(m, t, f"{where}/{i}")
        ]
    return (
        []
        if mine == theirs and type(mine) is type(theirs)
        else [f"{where}: {mine!r} (page: {theirs!r})"]
    )
