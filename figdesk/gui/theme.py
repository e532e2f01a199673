"""Light and dark looks: Fusion with a palette, plus a few named-widget styles."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# The main window lays out its docks and central widget through zero-length animations when
# the style has an animation duration: every relayout (a dock growing, the status bar's text)
# made one QPropertyAnimation per child, finished on a later animation tick and deleted after
# that, 150 in a minute of uploading, each a late second relayout. With no duration, Qt sets
# the geometry at once.
_COMMON = """
QMainWindow > QWidget { widget-animation-duration: 0; }
QLabel#sectionTitle { font-size: 15px; font-weight: 600; }
QLabel#subTitle { font-weight: 600; margin-top: 8px; }
QLabel#accountName { font-weight: 600; }
QLabel#emptyState { font-size: 14px; padding: 24px; }
QFrame#banner { border-radius: 4px; }
QListView#tags::item { border: 1px solid palette(mid); border-radius: 9px; padding: 1px 8px;
                       margin: 1px; }
QListView#tags::item:selected { background: palette(highlight);
                                color: palette(highlighted-text); }
"""

_LIGHT = _COMMON + """
QLabel#muted, QLabel#emptyState { color: #5b6270; }
QLabel#error { color: #b3261e; }
QLabel#warning { color: #8a5300; }
QLabel#readiness { background: #fff4e0; color: #4a3300; border-radius: 4px; padding: 6px; }
QLabel#readiness[ready="true"] { background: #e6f4ea; color: #14532d; }
QFrame#banner[kind="info"] { background: #e3efff; color: #0b3b8c; }
QFrame#banner[kind="warning"] { background: #fff4e0; color: #4a3300; }
QFrame#banner[kind="error"] { background: #fde7e9; color: #7a1020; }
"""

_DARK = _COMMON + """
QLabel#muted, QLabel#emptyState { color: #a9b1bd; }
QLabel#error { color: #ff8a80; }
QLabel#warning { color: #ffcc80; }
QLabel#readiness { background: #3d3020; color: #ffe0b2; border-radius: 4px; padding: 6px; }
QLabel#readiness[ready="true"] { background: #1e3a29; color: #c8f2d4; }
QFrame#banner[kind="info"] { background: #1d3557; color: #dbe9ff; }
QFrame#banner[kind="warning"] { background: #4a3a1a; color: #ffe6b3; }
QFrame#banner[kind="error"] { background: #5a1f24; color: #ffd9dc; }
QFrame#banner QLabel { color: inherit; }
/* Fusion draws unchecked boxes with a border darker than the window: invisible on dark. */
QTreeView::indicator, QListView::indicator, QTableView::indicator, QCheckBox::indicator {
    width: 12px; height: 12px; border: 1px solid #8d939c; border-radius: 2px;
    background: #1c1d20; }
QTreeView::indicator:checked, QListView::indicator:checked, QTableView::indicator:checked,
QCheckBox::indicator:checked { background: #4080d6; border-color: #9cc2ff; }
QCheckBox::indicator:disabled { border-color: #55595f; }
"""


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(37, 39, 43), QColor(28, 29, 32), QColor(230, 232, 236)
    highlight = QColor(64, 128, 214)
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: QColor(44, 46, 51),
        QPalette.ColorRole.ToolTipBase: QColor(50, 52, 58), QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: QColor(50, 52, 58),
        QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.BrightText: QColor(255, 110, 110),
        QPalette.ColorRole.Link: QColor(120, 170, 255), QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.PlaceholderText: QColor(140, 146, 156),
        QPalette.ColorRole.Mid: QColor(70, 72, 78), QPalette.ColorRole.Dark: QColor(20, 21, 23),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    disabled = QColor(125, 128, 135)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply_theme(app: QApplication, dark: bool) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    app.setStyleSheet(_DARK if dark else _LIGHT)


def system_prefers_dark(app: QApplication) -> bool:
    try:
        from PySide6.QtCore import Qt

        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:      # Qt older than 6.5 cannot tell
        return False
