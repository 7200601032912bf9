"""Ready / Pause: the caller's availability, with the campaign's pause reasons.

A state label (Ready — preview, On call, Wrap-up, Paused: reason…), the Ready button (the
``ready`` command, F5) and the Pause button (the ``pause`` command, F6) which opens a menu of
the campaign's pause reasons; choosing one emits ``pause_chosen(reason)``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QWidget

from ui import campaign_labels
from ui.actions import CommandActions
from ui.widgets import action_button


class AgentStateBar(QWidget):
    pause_chosen = Signal(str)

    def __init__(self, actions: CommandActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agent_state_bar")
        self.state_label = QLabel(self)
        self.state_label.setObjectName("agent_state")
        font = self.state_label.font()
        font.setBold(True)
        self.state_label.setFont(font)
        self.ready_button = action_button(actions["ready"], self, "ready_button")
        self.pause_button = action_button(actions["pause"], self, "pause_button")
        self.menu = QMenu(self)
        self.menu.setObjectName("pause_menu")
        self.reasons: list[str] = []
        self._state: object = "logged_out"
        self._reason = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state_label, 1)
        layout.addWidget(self.ready_button)
        layout.addWidget(self.pause_button)

    def set_reasons(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        self._fill_menu()

    def _fill_menu(self) -> None:
        self.menu.clear()
        for index, reason in enumerate(self.reasons):
            label = campaign_labels.pause_reason(reason)
            action = QAction(f"&{index + 1} {label}" if index < 9 else label, self.menu)
            action.setObjectName(f"pause_{reason}")
            action.triggered.connect(lambda _c=False, r=reason: self.choose(r))
            self.menu.addAction(action)

    def open_menu(self) -> QMenu:
        """Show the reasons under the Pause button (non-blocking)."""
        self.menu.popup(self.pause_button.mapToGlobal(QPoint(0, self.pause_button.height())))
        return self.menu

    def choose(self, reason: str) -> None:
        self.menu.hide()
        self.pause_chosen.emit(reason)

    def show_state(self, state: object, reason: str = "") -> None:
        self._state, self._reason = state, reason
        text = campaign_labels.state(state)
        if reason:
            text += f": {campaign_labels.pause_reason(reason)}"
        self.state_label.setText(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._fill_menu()
            self.show_state(self._state, self._reason)
        super().changeEvent(event)
