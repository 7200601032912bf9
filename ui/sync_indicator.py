"""The status-bar sync indicator: online/offline and how many outcomes wait to be uploaded.

Fed with ``softphone.sync.worker.SyncStatus`` snapshots (through
``CallerWorkflow.sync_status_changed``). Green dot + "Online" when the last request reached
the server; red + "Offline" otherwise; then "N waiting to sync", and rejected/conflict counts
when there are any. The tooltip carries the last error sentence and the last sync time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QWidget

from ui.contact_card import local_time


class SyncIndicator(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_indicator")
        self.status: Any = None
        self.refresh()

    def show_status(self, status: Any) -> None:
        self.status = status
        self.refresh()

    @property
    def online(self) -> bool:
        return bool(self.status is not None and self.status.online)

    @property
    def waiting(self) -> int:
        return int(self.status.waiting) if self.status is not None else 0

    def refresh(self) -> None:
        status = self.status
        if status is None:
            self.setText(self.tr("Not connected"))
            self.setToolTip("")
            return
        colour = "#2e9d3a" if status.online else "#d0302a"
        parts = [self.tr("Online") if status.online else self.tr("Offline")]
        parts.append(self.tr("%1 waiting to sync").replace("%1", str(status.waiting)))
        if status.rejected:
            parts.append(self.tr("%1 rejected").replace("%1", str(status.rejected)))
        if status.conflict:
            parts.append(self.tr("%1 in conflict").replace("%1", str(status.conflict)))
        if getattr(status, "auth_required", False):
            parts.append(self.tr("log in again"))
        self.setText(f'<span style="color:{colour}">●</span> ' + " · ".join(parts))
        tip = []
        if status.last_error:
            tip.append(str(status.last_error))
        if status.last_synced_at is not None:
            tip.append(self.tr("Last synced %1").replace("%1", local_time(status.last_synced_at)))
        self.setToolTip("\n".join(tip))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.refresh()
        super().changeEvent(event)
