"""Small display formatters shared by the models and widgets (no Qt)."""

from __future__ import annotations

from datetime import datetime

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def human_size(n: int) -> str:
    """Decimal units, as Figshare's website shows quotas (1 GB = 10^9 bytes)."""
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in _UNITS[1:]:
        value /= 1000.0
        if value < 1000 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{n} B"


def short_date(d: datetime | None) -> str:
    # isoformat, not strftime: strftime imports ``time`` on every call, which under PySide's
    # import hook costs ~25 µs each, i.e. most of the time of building 10,000 rows.
    return d.isoformat()[:10] if d else ""
