"""The caller's call history: time, contact, number, duration, outcome, quality, sync state.

Reads ``CallerWorkflow.history()`` (``HistoryEntry`` records from the local journal, newest
first) whenever ``history_changed`` fires. Read-only; the table is a plain ``QTableWidget``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui import campaign_labels
from ui.contact_card import local_time
from ui.widgets import format_duration

COLUMNS = ("time", "contact", "number", "duration", "outcome", "quality", "sync")


def entry_value(entry: Any, *names: str) -> Any:
    """The first attribute of ``entry`` among ``names`` (HistoryEntry field names)."""
    for name in names:
        value = getattr(entry, name, None)
        if value is not None:
            return value
    return None


def quality_text(entry: Any) -> str:
    mos = entry_value(entry, "mos", "quality")
    if isinstance(mos, int | float):
        return f"MOS {mos:.1f}"
    return str(mos) if mos else "—"


def row_texts(entry: Any) -> list[str]:
    """The seven cells for one history entry."""
    when = entry_value(entry, "ended_at", "started_at", "saved_at")
    duration = entry_value(entry, "duration_s", "duration") or 0
    code = entry_value(entry, "disposition") or ""
    sync = entry_value(entry, "sync_state", "state") or ""
    return [
        local_time(when),
        str(entry_value(entry, "contact_name", "name") or ""),
        str(entry_value(entry, "phone", "number") or ""),
        format_duration(float(duration)),
        campaign_labels.disposition(code, code),
        quality_text(entry),
        campaign_labels.sync_state(str(getattr(sync, "value", sync))),
    ]


class HistoryPanel(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("history_panel")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.entries: list[Any] = []
        self.retranslate()

    def show_entries(self, entries: Iterable[Any]) -> None:
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
