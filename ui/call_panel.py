"""The current call: who, what state, for how long, how it sounds, and its controls.

Reads the ``Phone`` model (snapshots through ``call_updated`` / ``call_ended``) and triggers
commands only through the shared actions. The talk timer is a 500 ms ``QTimer`` that runs only
while a call is confirmed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from softphone.phone import CallInfo, Phone
from softphone.sip.events import CallDirection, CallState
from ui.actions import CommandActions
from ui.quality_indicator import QualityIndicator
from ui.widgets import action_button, display_uri, format_duration


class CallPanel(QFrame):
    def __init__(self, phone: Phone, actions: CommandActions, parent: QWidget | None = None):
        super().__init__(parent)
        self._phone = phone
        self.remote_label = QLabel(self)
        self.remote_label.setObjectName("remote_label")
        self.state_label = QLabel(self)
        self.state_label.setObjectName("call_state_label")
        self.timer_label = QLabel("00:00", self)
        self.timer_label.setObjectName("call_timer")
        self.quality = QualityIndicator(self)
        self.buttons = {
            cid: action_button(actions[cid], self, f"{cid}_button")
            for cid in ("hangup", "hold", "mute", "transfer")
        }
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._tick)
        self._build()
        phone.call_updated.connect(self._on_call)
        phone.call_ended.connect(self._on_ended)
        phone.media_stats_updated.connect(self.quality.update_stats)
        self._show(phone.call)

    def _build(self) -> None:
        font = self.timer_label.font()
        font.setPointSize(font.pointSize() + 6)
        self.timer_label.setFont(font)
        info = QGridLayout()
        info.addWidget(self.remote_label, 0, 0)
        info.addWidget(self.timer_label, 0, 1)
        info.addWidget(self.state_label, 1, 0)
        info.addWidget(self.quality, 1, 1)
        controls = QGridLayout()
        for index, button in enumerate(self.buttons.values()):
            controls.addWidget(button, index // 2, index % 2)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.addLayout(info)
        layout.addStretch(1)
        layout.addLayout(controls)

    def timer_text(self) -> str:
        return self.timer_label.text()

    def _on_call(self, info: CallInfo) -> None:
        self._show(info)

    def _on_ended(self, info: CallInfo) -> None:
        self._timer.stop()
        self._show(None)
        self.state_label.setText(self._ended_text(info))

    def _show(self, info: CallInfo | None) -> None:
        if info is None:
            self.remote_label.setText(self.tr("No call"))
            self.state_label.setText("")
            self.timer_label.setText("00:00")
            self.quality.clear()
            return
        self.remote_label.setText(display_uri(info.remote_uri))
        self.state_label.setText(self._state_text(info))
        if info.confirmed_at is not None and not self._timer.isActive():
            self._timer.start()
        self._tick()

    def _tick(self) -> None:
        call = self._phone.call
        if call is None:
            self._timer.stop()
            return
        self.timer_label.setText(format_duration(call.elapsed()))

    def _state_text(self, info: CallInfo) -> str:
        if info.state is CallState.CONFIRMED:
            return self.tr("On hold") if info.on_hold else self.tr("In call")
        texts = {
            CallState.CALLING: self.tr("Calling…"),
            CallState.INCOMING: self.tr("Incoming call"),
            CallState.EARLY: self.tr("Ringing…")
            if info.direction is CallDirection.OUTGOING
            else self.tr("Incoming call"),
            CallState.CONNECTING: self.tr("Connecting…"),
            CallState.DISCONNECTED: self.tr("Call ended"),
        }
        return texts[info.state]

    def _ended_text(self, info: CallInfo) -> str:
        if info.confirmed_at is None and info.direction is CallDirection.OUTGOING and info.code:
            return (
                self.tr("Call failed: %1 %2")
                .replace("%1", str(info.code))
                .replace("%2", info.reason)
            )
        return self.tr("Call ended")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._show(self._phone.call)
        super().changeEvent(event)
