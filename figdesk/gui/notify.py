"""Desktop notifications: the system tray when there is one, else a strip in the window.

Neither is modal: a finished batch or a failed upload must never stop the user's work.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QStyle, QSystemTrayIcon, QWidget

from figdesk.gui.banner import Banner

BANNER_MS = 15000     # an in-window notice hides itself after this long


class Notifier(QObject):
    """``notify(title, text, error=False)``. ``banner`` is the in-window fallback, placed by
    the caller; ``sent`` keeps what was said (the tests read it, and it costs nothing)."""

    def __init__(self, window: QWidget, banner: Banner, *, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.banner = banner
        self.sent: list[tuple[str, str, bool]] = []
        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: QSystemTrayIcon | None = None
        if use_tray:
            icon = window.windowIcon()
            if icon.isNull():
                icon = window.style().standardIcon(QStyle.StandardPixmap.SP_ArrowUp)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip("figdesk uploads")
            self.tray.show()
        self._hide = QTimer(self)
        self._hide.setSingleShot(True)
        self._hide.setInterval(BANNER_MS)
        self._hide.timeout.connect(banner.hide)

    def notify(self, title: str, text: str, *, error: bool = False) -> None:
        self.sent.append((title, text, error))
        if self.tray is not None and self.tray.isVisible():
            kind = (QSystemTrayIcon.MessageIcon.Warning if error
                    else QSystemTrayIcon.MessageIcon.Information)
            self.tray.showMessage(title, text, kind, 8000)
            return
        self.banner.setProperty("kind", "error" if error else "info")
        # A dynamic property only restyles after the style is asked to look again.
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner.show_message(f"{title}: {text}")
        self._hide.start()

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
