"""figdesk's own icon, wherever this copy of figdesk was installed from."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon

NAME = "figdesk.svg"


def icon_path() -> Path | None:
    """The icon file: in a source checkout (``resources/icons``), in a PyInstaller bundle, or
    where the wheel put it (``<prefix>/share/icons/hicolor/scalable/apps``)."""
    candidates = [
        Path(__file__).resolve().parents[2] / "resources" / "icons" / NAME,
        Path(getattr(sys, "_MEIPASS", "")) / "resources" / "icons" / NAME,
        Path(sys.prefix) / "share" / "icons" / "hicolor" / "scalable" / "apps" / NAME,
    ]
    return next((p for p in candidates if p.is_file()), None)


def app_icon() -> QIcon:
    """The themed icon when the desktop has it installed, else the file, else none."""
    path = icon_path()
    fallback = QIcon(str(path)) if path else QIcon()
    return QIcon.fromTheme("org.figdesk.Figdesk", fallback)
