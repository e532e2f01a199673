"""The last page of the cleanup dialog: what was deleted, what was not and why, where the
backup is. Plain, copyable text: a user may paste it into a ticket."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from figdesk.core.workflows.cleanup import CleanupReport, DraftCandidate, summary_line


def report_lines(report: CleanupReport, targets: Sequence[DraftCandidate]) -> list[str]:
    """Failures first (what needs attention), then what was left after a cancel, then done."""
    lines: list[str] = []
    if report.failures:
        lines.append("Not deleted:")
        lines += [f"  {f.id}  {f.title}: {f.reason}" for f in report.failures]
    if report.not_attempted:
        lines.append("Left alone after Cancel: " + ", ".join(map(str, report.not_attempted)))
    if report.deleted:
        titles = {c.id: c.display_title for c in targets}
        lines.append("Deleted:")
        lines += [f"  {i}  {titles.get(i, '')}" for i in report.deleted]
    return lines


class CleanupSummary(QWidget):
    """``back`` returns to the list; ``done`` closes the dialog."""

    back = Signal()
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.backup = QLabel()
        self.backup.setWordWrap(True)
        self.backup.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        back = QPushButton("Back to drafts")
        back.clicked.connect(self.back)
        close = QPushButton("Close")
        close.clicked.connect(self.done)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(back)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.backup)
        lay.addWidget(self.details, 1)
        lay.addLayout(buttons)

    def show_report(self, report: CleanupReport, backup: Path,
                    targets: Sequence[DraftCandidate]) -> None:
        self.title.setText(summary_line(report))
        self.backup.setText("The metadata and file lists of the selected drafts were backed up "
                            f"to {backup}")
        self.details.setPlainText("\n".join(report_lines(report, targets)))
