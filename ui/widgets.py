"""Small widget helpers shared by the caller window's panels."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget


def action_button(action: QAction, parent: QWidget | None = None, name: str = "") -> QToolButton:
    """A push-button-like ``QToolButton`` that mirrors ``action`` (text, tooltip, enabled)."""
    button = QToolButton(parent)
    button.setDefaultAction(action)
    button.setToolButtonStyle(button.toolButtonStyle().ToolButtonTextOnly)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setMinimumHeight(32)
    if name:
        button.setObjectName(name)
    return button


def format_duration(seconds: float) -> str:
    """``mm:ss`` below an hour, ``h:mm:ss`` above."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def display_uri(uri: str, display_name: str = "") -> str:
    """``"Name" <sip:123@host>`` → ``Name (123)``; ``sip:123@host`` → ``123``."""
    name, _, rest = uri.partition("<") if "<" in uri else ("", "", uri)
    target = rest.rstrip(">")
    user = target.split(":", 1)[-1].split("@", 1)[0].split(";", 1)[0]
    name = display_name or name.strip().strip('"')
    return f"{name} ({user})" if name else user
