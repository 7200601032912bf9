"""Translated names for the campaign's fixed vocabulary: system dispositions, the default
pause reasons, workflow states and sync states.

The server sends English labels; the system ones are known here so a Hindi interface shows
them in Hindi. Campaign-specific dispositions and pause reasons are shown as the server sent
them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

CONTEXT = "Campaign"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for lupdate; translated when shown."""
    del context
    return text


DISPOSITIONS = {
    "completed": QT_TRANSLATE_NOOP("Campaign", "Answered — completed"),
    "answered": QT_TRANSLATE_NOOP("Campaign", "Answered — not completed"),
    "no_answer": QT_TRANSLATE_NOOP("Campaign", "No answer"),
    "busy": QT_TRANSLATE_NOOP("Campaign", "Busy"),
    "not_reachable": QT_TRANSLATE_NOOP("Campaign", "Switched off / not reachable"),
    "wrong_number": QT_TRANSLATE_NOOP("Campaign", "Wrong number"),
    "callback": QT_TRANSLATE_NOOP("Campaign", "Call back later"),
    "language_barrier": QT_TRANSLATE_NOOP("Campaign", "Language barrier"),
    "dnc": QT_TRANSLATE_NOOP("Campaign", "Do not call"),
}

PAUSE_REASONS = {
    "break": QT_TRANSLATE_NOOP("Campaign", "Break"),
    "meal": QT_TRANSLATE_NOOP("Campaign", "Meal"),
    "training": QT_TRANSLATE_NOOP("Campaign", "Training"),
    "technical": QT_TRANSLATE_NOOP("Campaign", "Technical problem"),
}

STATES = {
    "logged_out": QT_TRANSLATE_NOOP("Campaign", "Not ready — press Ready (F5)"),
    "fetching": QT_TRANSLATE_NOOP("Campaign", "Fetching contacts…"),
    "preview": QT_TRANSLATE_NOOP("Campaign", "Ready — preview"),
    "dialing": QT_TRANSLATE_NOOP("Campaign", "Dialling…"),
    "in_call": QT_TRANSLATE_NOOP("Campaign", "On call"),
    "wrap_up": QT_TRANSLATE_NOOP("Campaign", "Wrap-up"),
    "paused": QT_TRANSLATE_NOOP("Campaign", "Paused"),
}

SYNC_STATES = {
    "waiting": QT_TRANSLATE_NOOP("Campaign", "waiting"),
    "synced": QT_TRANSLATE_NOOP("Campaign", "synced"),
    "rejected": QT_TRANSLATE_NOOP("Campaign", "rejected"),
    "conflict": QT_TRANSLATE_NOOP("Campaign", "conflict"),
}


def _translate(table: dict[str, str], key: str, fallback: str) -> str:
    source = table.get(key)
    return QCoreApplication.translate(CONTEXT, source) if source else fallback


def disposition(code: str, label: str = "") -> str:
    return _translate(DISPOSITIONS, code, label or code)


def pause_reason(reason: str) -> str:
    return _translate(PAUSE_REASONS, reason, reason)


def state(value: object) -> str:
    key = str(getattr(value, "value", value)).lower()
    return _translate(STATES, key, key)


def sync_state(value: str) -> str:
    return _translate(SYNC_STATES, value, value)
