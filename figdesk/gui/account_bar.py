"""The strip at the top of the window: who is signed in, their quota, and the profile menu."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from figdesk.core.credentials import Profile
from figdesk.core.models import Account
from figdesk.gui.fmt import human_size

ADD_PROFILE = "__add__"


class AccountBar(QWidget):
    """Shows name, email and quota; switching profiles is one pick in ``profiles``."""

    profile_chosen = Signal(str)      # a profile name
    add_profile = Signal()
    sign_out = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.name = QLabel("Not signed in")
        self.name.setObjectName("accountName")
        self.email = QLabel("")
        self.email.setObjectName("muted")
        self.quota = QProgressBar()
        self.quota.setMinimumWidth(220)
        self.quota.setMaximumWidth(320)
        self.quota.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.quota.setFormat("")
        self.quota.hide()
        self.profiles = QComboBox()
        self.profiles.setToolTip("Switch profile (service and account)")
        self.profiles.setMinimumContentsLength(18)
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.setToolTip("Forget this profile's token (removes it from the "
                                        "keyring)")
        layout.addWidget(self.name)
        layout.addWidget(self.email)
        layout.addStretch(1)
        layout.addWidget(QLabel("Storage"))
        layout.addWidget(self.quota)
        layout.addSpacing(12)
        layout.addWidget(self.profiles)
        layout.addWidget(self.sign_out_button)
        self._current = ""
        self.profiles.activated.connect(self._activated)
        self.sign_out_button.clicked.connect(self.sign_out)

    def set_profiles(self, profiles: list[Profile], current: str) -> None:
        self.profiles.blockSignals(True)
        self.profiles.clear()
        for p in profiles:
            # Default names (the service's own) add nothing to the label; chosen ones do.
            plain = p.name in ("figshare", "stage", "sandbox") or p.name == p.display
            self.profiles.addItem(p.display if plain else f"{p.name} ({p.display})", p.name)
            self.profiles.setItemData(self.profiles.count() - 1,
                                      f"Profile “{p.name}”: {p.api_url}",
                                      Qt.ItemDataRole.ToolTipRole)
        if current and self.profiles.findData(current) < 0:
            self.profiles.addItem(current, current)
        self.profiles.addItem("Add a profile…", ADD_PROFILE)
        self.profiles.setCurrentIndex(max(0, self.profiles.findData(current)))
        self._current = current
        self.profiles.blockSignals(False)

    def set_account(self, account: Account | None) -> None:
        if account is None:
            self.name.setText("Not signed in")
            self.email.setText("")
            self.quota.hide()
            self.sign_out_button.setEnabled(False)
            return
        self.sign_out_button.setEnabled(True)
        self.name.setText(account.full_name or f"Account {account.id}")
        self.email.setText(account.email)
        if account.quota > 0:
            used = account.used_quota_private or account.used_quota
            # QProgressBar is int-based: scale to per-mille so 20 TB quotas do not overflow.
            self.quota.setRange(0, 1000)
            self.quota.setValue(min(1000, round(1000 * used / account.quota)))
            self.quota.setFormat(f"{human_size(used)} of {human_size(account.quota)}")
            self.quota.setToolTip(f"{used:,} of {account.quota:,} bytes of private storage")
        else:
            self.quota.setRange(0, 1)
            self.quota.setValue(0)
            self.quota.setFormat("no quota reported")
        self.quota.setTextVisible(True)
        self.quota.show()

    def _activated(self, index: int) -> None:
        name = self.profiles.itemData(index)
        if name == ADD_PROFILE:
            self.profiles.setCurrentIndex(max(0, self.profiles.findData(self._current)))
            self.add_profile.emit()
        elif isinstance(name, str) and name != self._current:
            self.profile_chosen.emit(name)
