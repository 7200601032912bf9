"""Errors raised by the journal: one small family, each with a message a caller can show."""

from __future__ import annotations


class JournalError(Exception):
    """The journal could not read or write its file; earlier committed rows are intact."""


class JournalFull(JournalError):  # noqa: N818 (names fixed by the issue brief)
    """The disk (or the database's page limit) is full: nothing from this write was stored."""


class JournalReadOnly(JournalError):  # noqa: N818 (names fixed by the issue brief)
    """The journal file or its folder is read-only: nothing from this write was stored."""


class JournalCorrupt(JournalError):  # noqa: N818 (names fixed by the issue brief)
    """The file is not a readable SQLite journal (damaged, truncated or not a database)."""


class InvalidOutcome(JournalError, ValueError):  # noqa: N818 (reads as a sentence)
    """The outcome would not be accepted by the server (a field is missing or out of range);
    it was refused before anything was stored. Also a ``ValueError``: the input is wrong."""
