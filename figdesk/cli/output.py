"""Plain-text and JSON output for the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TextIO


def human_size(n: float) -> str:
    """1536 -> '1.5 KiB'. Binary units, as file managers on Linux show them."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def short_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "-"


def clean(text: str) -> str:
    """Make text from the server safe for a terminal: no control characters (a hostile title
    could otherwise move the cursor or rewrite the screen), one line."""
    return "".join(ch if ch.isprintable() else " " for ch in text.replace("\n", " "))


def print_json(data: Any, out: TextIO | None = None) -> None:
    """Indented JSON; a long list gets one compact item per line instead, because the indenting
    encoder is pure Python and takes seconds on 10,000 items where the compact one is C."""
    out = out or sys.stdout
    if isinstance(data, list) and len(data) > 100:
        lines = (json.dumps(x, ensure_ascii=False, default=str) for x in data)
        out.write("[\n" + ",\n".join(lines) + "\n]\n")
    else:
        out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_table(headers: Sequence[str], rows: Iterable[Sequence[str]],
                out: TextIO | None = None, max_last: int = 80) -> None:
    """Columns padded to their widest cell; the last column (usually a title) is cut."""
    out = out or sys.stdout
    body = [[clean(str(c)) for c in r] for r in rows]
    for r in body:
        if r and len(r[-1]) > max_last:
            r[-1] = r[-1][: max_last - 1] + "…"
    widths = [len(h) for h in headers]
    for r in body:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + ("  {}" if len(widths) > 1 else "{}")
    out.write(fmt.format(*headers).rstrip() + "\n")
    for r in body:
        out.write(fmt.format(*r).rstrip() + "\n")
