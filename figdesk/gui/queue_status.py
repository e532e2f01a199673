"""The queue's corner of the status bar: the offline indicator and the total progress."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from figdesk.core.queue import RunnerStatus
from figdesk.gui.fmt import human_size
from figdesk.gui.queue_model import QueueTotals


class QueueStatus:
    """Three permanent status-bar widgets, updated by ``show`` on the queue's timer."""

    def __init__(self, bar: QStatusBar) -> None:
        self.offline_label = QLabel("")
        self.offline_label.setObjectName("warning")
        self.offline_label.hide()
        self.total_label = QLabel("")
        self.total_bar = QProgressBar()
        self.total_bar.setRange(0, 100)
        self.total_bar.setMaximumWidth(160)
        self.total_bar.setMaximumHeight(14)
        self.total_bar.setTextVisible(False)
        self.total_bar.hide()
        for w in (self.offline_label, self.total_label, self.total_bar):
            bar.addPermanentWidget(w)

    def show(self, totals: QueueTotals, status: RunnerStatus) -> int:
        """Show the figures; returns how many jobs wait for a connection (-1: online)."""
        waiting = totals.unfinished
        offline = status.state == "offline" and waiting > 0
        if offline:
            self.offline_label.setText(
                f"⚠ Offline: {waiting} job{'s' if waiting != 1 else ''} waiting")
            self.offline_label.setToolTip(status.reason)
        self.offline_label.setVisible(offline)
        if totals.bytes_total > 0 and waiting:
            value = int(totals.fraction * 100)
            if value != self.total_bar.value():
                # setValue repaints synchronously, flushing every pending paint of the window
                # inside this tick; with updates off it only schedules a normal update.
                self.total_bar.setUpdatesEnabled(False)
                self.total_bar.setValue(value)
                self.total_bar.setUpdatesEnabled(True)
            self.total_bar.show()
            paused = " (paused)" if status.state == "paused" else ""
            self.total_label.setText(f"Uploads{paused}: {value} % of "
                                     f"{human_size(totals.bytes_total)}")
        else:
            self.total_bar.hide()
            self.total_label.setText("")
        return waiting if offline else -1
