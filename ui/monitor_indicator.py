"""The caller's "supervisor is listening" indicator (DESIGN.md §4, centre policy).

A small label for the caller window's status bar. It follows the engine's monitor events
(``MonitorStarted`` / ``MonitorModeChanged`` / ``MonitorEnded``, emitted on the caller's engine
by ``softphone.sip``) and is visible only while a supervisor is on the call *and* the policy
(``settings.show_monitor_indicator``) says the caller sees it. Wiring (the integrator):

    indicator = MonitorIndicator(show=settings.show_monitor_indicator, parent=window)
    engine.event_emitted.connect(indicator.on_event)
    window.statusBar().addPermanentWidget(indicator)
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QWidget

from softphone.sip.events import (
    Event,
    MonitorEnded,
    MonitorMode,
    MonitorModeChanged,
    MonitorStarted,
)

COLOUR = "#b0306a"


class MonitorIndicator(QLabel):
    """Hidden unless a supervisor monitors the caller's call and the policy shows it."""

    def __init__(self, show: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitor_indicator")
        self.policy_shows = show
        self.sessions: dict[int, MonitorMode] = {}  # monitor call id → mode
        self.setVisible(False)

    @property
    def mode(self) -> MonitorMode | None:
        """The strongest mode of the active sessions (barge > whisper > listen)."""
        order = list(MonitorMode)
        return max(self.sessions.values(), key=order.index) if self.sessions else None

    def set_policy(self, show: bool) -> None:
        self.policy_shows = show
        self._refresh()

    def on_event(self, event: Event) -> None:
        if isinstance(event, MonitorStarted | MonitorModeChanged):
            self.sessions[event.call_id] = event.mode
        elif isinstance(event, MonitorEnded):
            self.sessions.pop(event.call_id, None)
        else:
            return
        self._refresh()

    def _refresh(self) -> None:
        mode = self.mode
        texts = {
            MonitorMode.LISTEN: self.tr("Supervisor is listening"),
            MonitorMode.WHISPER: self.tr("Supervisor is listening and can talk to you"),
            MonitorMode.BARGE: self.tr("Supervisor has joined the call"),
        }
        if mode is None:
            self.setText("")
        else:
            self.setText(f'<span style="color:{COLOUR}">●</span> {texts[mode]}')
            self.setToolTip(self.tr("The other party hears the supervisor only in barge mode."))
        self.setVisible(mode is not None and self.policy_shows)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._refresh()
        super().changeEvent(event)


__all__ = ["MonitorIndicator"]
