"""A thin coloured strip with a message and an optional action button (non-modal notices)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class Banner(QFrame):
    """``kind`` is "info", "warning" or "error" (styled by the theme through the property)."""

    action = Signal()

    def __init__(self, kind: str = "info", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", kind)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.button = QPushButton("")
        self.button.hide()
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip("Hide this message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(self.close_button)
        self.button.clicked.connect(self.action)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    def show_message(self, text: str, action: str = "", closable: bool = True) -> None:
        self.label.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.close_button.setVisible(closable)
        self.show()
