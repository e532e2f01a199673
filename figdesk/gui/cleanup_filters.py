"""The filter bar of the cleanup dialog: untitled, no files, older than N days, title text."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QSpinBox, QWidget

from figdesk.core.workflows.cleanup import DraftCriteria


class CleanupFilterBar(QWidget):
    """``changed`` fires on every edit; ``criteria()`` reads the current filters."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.untitled = QCheckBox("Untitled")
        self.untitled.setToolTip("No title, or a placeholder such as 'Untitled Item'")
        self.no_files = QCheckBox("No files")
        self.no_files.setToolTip("Counts each draft's files (about one request a draft)")
        self.older = QCheckBox("Older than")
        self.older.setToolTip("Created more than this many days ago")
        self.days = QSpinBox()
        self.days.setRange(0, 36500)
        self.days.setValue(365)
        self.days.setSuffix(" days")
        self.days.setEnabled(False)
        self.match = QLineEdit()
        self.match.setPlaceholderText("Title contains…")
        self.match.setClearButtonEnabled(True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.untitled, self.no_files, self.older, self.days):
            lay.addWidget(w)
        lay.addSpacing(12)
        lay.addWidget(self.match, 1)
        for box in (self.untitled, self.no_files, self.older):
            box.toggled.connect(self.changed)
        self.days.valueChanged.connect(self.changed)
        self.match.textChanged.connect(self.changed)
        self.older.toggled.connect(lambda _on: self._sync_days())

    def criteria(self) -> DraftCriteria:
        return DraftCriteria(untitled=self.untitled.isChecked(),
                             no_files=self.no_files.isChecked(),
                             older_than_days=self.days.value() if self.older.isChecked() else None,
                             title_contains=self.match.text())

    def setEnabled(self, enabled: bool) -> None:
        super().setEnabled(enabled)
        self._sync_days()

    def _sync_days(self) -> None:
        # The number of days only means something with "Older than" ticked.
        self.days.setEnabled(self.isEnabled() and self.older.isChecked())
