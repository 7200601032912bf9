"""The contact card: who the caller is about to phone, and how earlier attempts went.

Shows a ``softphone.campaign.model.Contact``: name, role, the booth hierarchy (state →
parliamentary constituency → assembly constituency → booth), language, and one button per phone
number (clicking one dials it; Enter in the window dials the first, through the commands).
Earlier attempts come from the contact's ``history`` (server-side attempts: time, outcome,
number, notes). The card only reads the contact; dialling is the ``dial_requested`` signal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

LANGUAGE_NAMES = {"hi": "हिन्दी", "en": "English"}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def local_time(value: datetime | None) -> str:
    """A timestamp in the PC's local time, ``dd MMM HH:MM``; "" for none."""
    if value is None:
        return ""
    return value.astimezone().strftime("%d %b %H:%M")


class ContactCard(QFrame):
    dial_requested = Signal(int)  # index into contact.phones

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contact_card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.contact: Any = None
        self.name_label = QLabel(self)
        self.name_label.setObjectName("contact_name")
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.name_label.setFont(font)
        self.role_label = QLabel(self)
        self.hierarchy_label = QLabel(self)
        self.hierarchy_label.setObjectName("contact_hierarchy")
        self.hierarchy_label.setWordWrap(True)
        self.language_label = QLabel(self)
        self.phone_buttons: list[QPushButton] = []
        self._phones_row = QHBoxLayout()
        self.history_list = QListWidget(self)
        self.history_list.setObjectName("contact_history")
        self.history_list.setMaximumHeight(110)
        self._form = QFormLayout()
        self._captions: list[QLabel] = [QLabel(self) for _ in range(4)]
        self._build()
        self.show_contact(None)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.name_label)
        rows = (self.role_label, self.hierarchy_label, self.language_label)
        for caption, field in zip(self._captions, rows, strict=False):
            self._form.addRow(caption, field)
        phones = QWidget(self)
        phones.setLayout(self._phones_row)
        self._phones_row.setContentsMargins(0, 0, 0, 0)
        self._form.addRow(self._captions[3], phones)
        layout.addLayout(self._form)
        self._attempts_caption = QLabel(self)
        layout.addWidget(self._attempts_caption)
        layout.addWidget(self.history_list)
        self.retranslate()

    def show_contact(self, contact: Any) -> None:
        """Show ``contact`` (a ``Contact``) or an empty card for ``None``."""
        self.contact = contact
        if contact is None:
            self.name_label.setText(self.tr("No contact"))
            for label in (self.role_label, self.hierarchy_label, self.language_label):
                label.setText("")
            self._set_phones([])
            self.history_list.clear()
            return
        self.name_label.setText(contact.name)
        self.role_label.setText(contact.role)
        self.hierarchy_label.setText(hierarchy_text(contact))
        self.language_label.setText(language_name(contact.language))
        self._set_phones(list(contact.phones))
        self._show_history(contact)

    def _set_phones(self, phones: list[str]) -> None:
        for button in self.phone_buttons:
            self._phones_row.removeWidget(button)
            button.deleteLater()
        self.phone_buttons = []
        for index, number in enumerate(phones):
            button = QPushButton(number, self)
            button.setObjectName(f"phone_button_{index}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, i=index: self.dial_requested.emit(i))
            self._phones_row.addWidget(button)
            self.phone_buttons.append(button)
        self._refresh_phone_tips()

    def _refresh_phone_tips(self) -> None:
        for index, button in enumerate(self.phone_buttons):
            tip = self.tr("Call this number") + (" (Enter)" if index == 0 else "")
            button.setToolTip(tip)

    def _show_history(self, contact: Any) -> None:
        self.history_list.clear()
        for attempt in getattr(contact, "history", ()) or ():
            text = f"{local_time(attempt.ended_at)} · {attempt.disposition} · {attempt.phone}"
            if attempt.notes:
                text += f" · {attempt.notes}"
            self.history_list.addItem(text)
        if self.history_list.count() == 0:
            self.history_list.addItem(self.tr("No earlier attempts"))

    def retranslate(self) -> None:
        captions = (self.tr("Role"), self.tr("Booth"), self.tr("Language"), self.tr("Numbers"))
        for label, text in zip(self._captions, captions, strict=True):
            label.setText(text)
        attempts = getattr(self.contact, "attempts", 0) if self.contact is not None else 0
        self._attempts_caption.setText(self.tr("Earlier attempts: %1").replace("%1", str(attempts)))
        self._refresh_phone_tips()
        self.show_contact(self.contact)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def hierarchy_text(contact: Any) -> str:
    """State › PC › AC › booth N (empty parts skipped)."""
    parts = [
        contact.state,
        contact.parliamentary_constituency,
        contact.assembly_constituency,
    ]
    booth = str(contact.booth_number or "")
    text = " › ".join(p for p in parts if p)
    if booth:
        text += f" › {booth}" if text else booth
    return text
