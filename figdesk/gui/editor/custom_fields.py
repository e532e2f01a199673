"""The institution's custom fields, one widget per definition, built by ``field_type``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from figdesk.core.models import CustomField


def _options(field: CustomField) -> list[str]:
    opts = field.settings.get("options") if isinstance(field.settings, Mapping) else None
    return [str(o) for o in opts] if isinstance(opts, list) else []


class _DateField(QWidget):
    """A date that may be blank (QDateEdit alone cannot be empty)."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.set = QCheckBox()
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate.currentDate())
        self.date.setEnabled(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.set)
        row.addWidget(self.date, 1)
        self.set.toggled.connect(self.date.setEnabled)
        self.set.toggled.connect(self.changed)
        self.date.dateChanged.connect(self.changed)

    def value(self) -> str:
        return self.date.date().toString("yyyy-MM-dd") if self.set.isChecked() else ""

    def set_value(self, text: str) -> None:
        d = QDate.fromString(text[:10], "yyyy-MM-dd") if text else QDate()
        self.set.setChecked(d.isValid())
        if d.isValid():
            self.date.setDate(d)


class CustomFieldsForm(QWidget):
    """``values()`` gives (name, value) pairs in definition order."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.definitions: list[CustomField] = []
        self.widgets: dict[str, QWidget] = {}
        self.empty = QLabel("Your institution defines no custom fields.")
        self.empty.setObjectName("muted")
        self.form.addRow(self.empty)

    def build(self, definitions: Sequence[CustomField]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.definitions = sorted(definitions, key=lambda d: (d.order, d.name))
        self.widgets = {}
        if not self.definitions:
            self.empty = QLabel("Your institution defines no custom fields.")
            self.empty.setObjectName("muted")
            self.form.addRow(self.empty)
            return
        for d in self.definitions:
            w = self._widget_for(d)
            self.widgets[d.name] = w
            label = f"{d.name} *" if d.is_mandatory else d.name
            self.form.addRow(label, w)

    def _widget_for(self, d: CustomField) -> QWidget:
        placeholder = str(d.settings.get("placeholder", "")) if d.settings else ""
        w: QWidget
        if d.field_type in ("dropdown", "dropdown_large_list"):
            combo = QComboBox()
            combo.addItem("(none)", "")
            for opt in _options(d):
                combo.addItem(opt, opt)
            # Large lists are searchable by typing; the value must still be one of the options.
            combo.setEditable(d.field_type == "dropdown_large_list")
            combo.currentIndexChanged.connect(self.changed)
            w = combo
        elif d.field_type == "textarea":
            text = QPlainTextEdit()
            text.setPlaceholderText(placeholder)
            text.setMaximumHeight(80)
            text.textChanged.connect(self.changed)
            w = text
        elif d.field_type == "date":
            date = _DateField()
            date.changed.connect(self.changed)
            w = date
        else:                       # text, url, email, and types we do not know yet
            line = QLineEdit()
            line.setPlaceholderText(placeholder or {"url": "https://…",
                                                    "email": "name@example.org"}.get(
                                                        d.field_type, ""))
            line.textChanged.connect(self.changed)
            w = line
        w.setToolTip(f"{d.name} ({d.field_type}{', required to publish' if d.is_mandatory else ''})")
        return w

    def values(self) -> tuple[tuple[str, Any], ...]:
        out: list[tuple[str, Any]] = []
        for d in self.definitions:
            w = self.widgets[d.name]
            if isinstance(w, QComboBox):
                value: Any = w.currentData() if not w.isEditable() else (
                    w.currentText() if w.currentText() != "(none)" else "")
            elif isinstance(w, QPlainTextEdit):
                value = w.toPlainText()
            elif isinstance(w, _DateField):
                value = w.value()
            elif isinstance(w, QLineEdit):
                value = w.text().strip()
            else:
                value = ""
            out.append((d.name, value or ""))
        return tuple(out)

    def set_values(self, values: Mapping[str, Any]) -> None:
        for d in self.definitions:
            w = self.widgets[d.name]
            raw = values.get(d.name)
            text = ", ".join(map(str, raw)) if isinstance(raw, list) else (
                "" if raw is None else str(raw))
            w.blockSignals(True)
            if isinstance(w, QComboBox):
                i = w.findData(text)
                if i < 0 and text:
                    w.addItem(text, text)     # a value no longer in the options: keep it
                    i = w.findData(text)
                w.setCurrentIndex(max(0, i))
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(text)
            elif isinstance(w, _DateField):
                w.set_value(text)
            elif isinstance(w, QLineEdit):
                w.setText(text)
            w.blockSignals(False)
