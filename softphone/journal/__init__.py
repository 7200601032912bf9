"""Sampark's local journal: calls, outcomes, the sync outbox and leased contacts in one SQLite
file per user profile (see DESIGN.md §5). Plain Python, no Qt."""

from softphone.journal.errors import (
    InvalidOutcome,
    JournalCorrupt,
    JournalError,
    JournalFull,
    JournalReadOnly,
)
from softphone.journal.journal import Journal, default_path
from softphone.journal.models import (
    CallRecord,
    HistoryEntry,
    OutboxCounts,
    OutboxItem,
    Outcome,
    new_uuid,
)

__all__ = [
    "CallRecord",
    "HistoryEntry",
    "InvalidOutcome",
    "Journal",
    "JournalCorrupt",
    "JournalError",
    "JournalFull",
    "JournalReadOnly",
    "OutboxCounts",
    "OutboxItem",
    "Outcome",
    "default_path",
    "new_uuid",
]
