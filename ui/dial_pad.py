"""Number entry with a dial pad. Idle, the pad types into the entry; in a call it sends DTMF.

In a call the entry turns read-only, so digits typed on the keyboard go to the ``dtmf_<digit>``
shortcuts instead of into the entry.

The panel knows nothing about SIP: it triggers the ``dial`` and ``dtmf_<digit>`` actions from
``ui.actions.CommandActions`` and exposes the typed number through ``number()``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QToolButton, QVBoxLayout, QWidget

from ui.actions import CommandActions
from ui.widgets import action_button

_LETTERS = {
    "2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL",
    "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ",
}  # fmt: skip
_ORDER = "123456789*0#"


class DialPad(QWidget):
    """Twelve keys; ``digit_pressed`` says which."""

    digit_pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for index, digit in enumerate(_ORDER):
            button = QToolButton(self)
            button.setObjectName(f"dial_pad_{_key_name(digit)}")
            letters = _LETTERS.get(digit, "")
            button.setText(f"{digit}\n{letters}" if letters else digit)
            button.setMinimumSize(56, 44)
            button.clicked.connect(lambda _c=False, d=digit: self.digit_pressed.emit(d))
            grid.addWidget(button, index // 3, index % 3)
            self.buttons[digit] = button


class DialPanel(QWidget):
    """Number entry + pad + Dial button."""

    def __init__(self, actions: CommandActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self.entry = QLineEdit(self)
        self.entry.setObjectName("number_entry")
        self.entry.setClearButtonEnabled(True)
        self.pad = DialPad(self)
        self.pad.digit_pressed.connect(self._on_digit)
        self.dial_button = action_button(actions["dial"], self, "dial_button")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.entry)
        layout.addWidget(self.pad)
        layout.addWidget(self.dial_button)
        actions["dtmf_0"].changed.connect(self._follow_call)
        self.retranslate()

    def number(self) -> str:
        return self.entry.text().strip()

    def _on_digit(self, digit: str) -> None:
        dtmf = self._actions[f"dtmf_{digit}"]
        if dtmf.isEnabled():
            dtmf.trigger()
            return
        self.entry.insert(digit)
        self.entry.setFocus()

    def _follow_call(self) -> None:
        """In a call the entry is read-only, so typed digits reach the DTMF shortcuts."""
        self.entry.setReadOnly(self._actions["dtmf_0"].isEnabled())

    def retranslate(self) -> None:
        self.entry.setPlaceholderText(self.tr("Number or SIP address"))
        self.entry.setToolTip(self.tr("Type a number and press Enter to dial"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def _key_name(digit: str) -> str:
    return {"*": "star", "#": "hash"}.get(digit, digit)
