"""The app shows figdesk's own icon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from figdesk.gui.icon import app_icon, icon_path

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_finds_its_icon(qapp: Any) -> None:
    assert icon_path() == ROOT / "resources" / "icons" / "figdesk.svg"
    icon = app_icon()
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()
