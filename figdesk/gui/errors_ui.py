"""Errors are shown in one place: a non-blocking message box, details copyable when unexpected."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from figdesk.core.errors import FigdeskError

log = logging.getLogger("figdesk.gui")


def error_box(parent: QWidget | None, exc: BaseException, context: str = "") -> QMessageBox:
    """Build and open (window-modal, not blocking the event loop) a box for ``exc``."""
    box = QMessageBox(parent)
    if isinstance(exc, FigdeskError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(exc.title)
        box.setText(f"{context}\n\n{exc.message}" if context else exc.message)
    else:
        # Unexpected: logged in full, shown with the traceback under "Show Details…" so the
        # user can copy it into a bug report.
        log.error("unexpected error%s", f" ({context})" if context else "", exc_info=exc)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Unexpected error")
        box.setText(f"{context}\n\nfigdesk hit an unexpected problem: {exc}" if context
                    else f"figdesk hit an unexpected problem: {exc}")
        box.setDetailedText("".join(traceback.format_exception(exc)))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box
