"""The caller's call history: time, contact, number, duration, outcome, quality, sync state.

Reads ``CallerWorkflow.history()`` (``softphone.journal.models.HistoryEntry`` records from the
local journal, newest first) whenever ``history_changed`` fires. Read-only: a plain
``QTableWidget``.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from softphone.journal.models import HistoryEntry
from ui import campaign_labels
from ui.contact_card import local_time
from ui.widgets import format_duration

COLUMNS = ("time", "contact", "number", "duration", "outcome", "quality", "sync")


def quality_text(entry: HistoryEntry) -> str:
    if entry.mos is not None:
        return f"MOS {entry.mos:.1f}"
    return entry.quality or "—"


def row_texts(entry: HistoryEntry) -> list[str]:
    """The seven cells for one history entry."""
    return [
        local_time(entry.time),
        entry.contact_name,
        entry.phone or "",
        format_duration(entry.duration_s),
        campaign_labels.disposition(entry.disposition, entry.disposition),
        quality_text(entry),
        campaign_labels.sync_state(entry.sync_state),
    ]


class HistoryPanel(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("history_panel")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in ("contact", "outcome"):  # the long texts share what is left
            header.setSectionResizeMode(COLUMNS.index(column), QHeaderView.ResizeMode.Stretch)
        self.entries: list[HistoryEntry] = []
        self.retranslate()

    def show_entries(self, entries: Iterable[HistoryEntry]) -> None:
        self.entries = list(entries)
        self.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            for column, text in enumerate(row_texts(entry)):
                self.setItem(row, column, QTableWidgetItem(text))

    def cell_text(self, row: int, column: str) -> str:
        item = self.item(row, COLUMNS.index(column))
        return item.text() if item is not None else ""

    def retranslate(self) -> None:
        headers = (
            self.tr("Time"),
            self.tr("Contact"),
            self.tr("Number"),
            self.tr("Duration"),
            self.tr("Outcome"),
            self.tr("Quality"),
            self.tr("Sync"),
        )
        self.setHorizontalHeaderLabels(list(headers))
        self.show_entries(self.entries)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
