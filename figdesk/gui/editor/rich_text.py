"""A rich-text description field: QTextEdit with a small toolbar, HTML out."""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QTextCharFormat, QTextListFormat
from PySide6.QtWidgets import QHBoxLayout, QTextEdit, QToolButton, QVBoxLayout, QWidget

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)


def compact_html(document_html: str, plain: str) -> str:
    """The body of Qt's HTML export without the document boilerplate; "" when empty."""
    if not plain.strip():
        return ""
    match = _BODY.search(document_html)
    body = match.group(1) if match else document_html
    # Qt writes a style attribute on every paragraph with its default margins: noise for Figshare.
    body = re.sub(r' style="\s*margin-top:0px;[^"]*"', "", body)
    body = re.sub(r"<!--StartFragment-->|<!--EndFragment-->", "", body)
    return body.strip()


class RichTextEdit(QWidget):
    """``html()`` gives the description as a compact HTML fragment."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QTextEdit()
        self.edit.setAcceptRichText(True)
        self.edit.setMinimumHeight(110)
        self.edit.setMaximumHeight(220)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip in (("bold", "B", "Bold"), ("italic", "I", "Italic"),
                               ("underline", "U", "Underline"),
                               ("bullets", "• List", "Bulleted list"),
                               ("numbers", "1. List", "Numbered list")):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setCheckable(key in ("bold", "italic", "underline"))
            bar.addWidget(b)
            self.buttons[key] = b
        bar.addStretch(1)
        f = self.buttons["bold"].font()
        f.setBold(True)
        self.buttons["bold"].setFont(f)
        f = self.buttons["italic"].font()
        f.setItalic(True)
        self.buttons["italic"].setFont(f)
        f = self.buttons["underline"].font()
        f.setUnderline(True)
        self.buttons["underline"].setFont(f)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.edit)
        self.buttons["bold"].clicked.connect(self._bold)
        self.buttons["italic"].clicked.connect(
            lambda on: self._merge(lambda fmt: fmt.setFontItalic(on)))
        self.buttons["underline"].clicked.connect(
            lambda on: self._merge(lambda fmt: fmt.setFontUnderline(on)))
        self.buttons["bullets"].clicked.connect(
            lambda: self._list(QTextListFormat.Style.ListDisc))
        self.buttons["numbers"].clicked.connect(
            lambda: self._list(QTextListFormat.Style.ListDecimal))
        self.edit.currentCharFormatChanged.connect(self._sync_buttons)
        self.edit.textChanged.connect(self.changed)

    def html(self) -> str:
        return compact_html(self.edit.toHtml(), self.edit.toPlainText())

    def set_html(self, html: str) -> None:
        self.edit.blockSignals(True)
        self.edit.setHtml(html)
        self.edit.blockSignals(False)

    def _bold(self, on: bool) -> None:
        self._merge(lambda fmt: fmt.setFontWeight(QFont.Weight.Bold if on
                                                  else QFont.Weight.Normal))

    def _merge(self, apply: object) -> None:
        fmt = QTextCharFormat()
        apply(fmt)  # type: ignore[operator]
        cursor = self.edit.textCursor()
        cursor.mergeCharFormat(fmt)
        self.edit.mergeCurrentCharFormat(fmt)
        self.edit.setFocus()

    def _list(self, style: QTextListFormat.Style) -> None:
        cursor = self.edit.textCursor()
        current = cursor.currentList()
        if current is not None and current.format().style() == style:
            # Clicking again takes the paragraph out of the list.
            block = cursor.block()
            current.remove(block)
            fmt = cursor.blockFormat()
            fmt.setIndent(0)
            cursor.setBlockFormat(fmt)
        else:
            cursor.createList(style)
        self.edit.setFocus()

    def _sync_buttons(self, fmt: QTextCharFormat) -> None:
        self.buttons["bold"].setChecked(fmt.fontWeight() >= QFont.Weight.Bold)
        self.buttons["italic"].setChecked(fmt.fontItalic())
        self.buttons["underline"].setChecked(fmt.fontUnderline())
