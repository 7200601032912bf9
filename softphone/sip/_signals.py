"""The Qt face of the SipEngine: one QObject carrying its signals.

Kept apart from ``engine.py`` so that a headless process (the CLI, a line-check answerer) never
loads QtCore: the engine creates this object on the first access to one of its signals. The
object is moved to the application's main thread, so receivers connected with plain Python
callables run there (queued), whichever thread the engine emits from.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal

from softphone.sip.events import (
    CallStateChanged,
    DtmfReceived,
    EngineError,
    Event,
    IncomingCall,
    MediaStats,
    MonitorEnded,
    MonitorModeChanged,
    MonitorRefused,
    MonitorStarted,
    RegistrationChanged,
    TransferProgress,
)

SIGNAL_NAMES = (
    "event_emitted",
    "registration_changed",
    "call_state_changed",
    "incoming_call_received",
    "media_stats_updated",
    "dtmf_received",
    "transfer_progressed",
    "error_raised",
    "monitor_changed",
)


class EngineSignals(QObject):
    # Every signal carries one frozen event dataclass from softphone.sip.events.
    event_emitted = Signal(object)  # every event, in order
    registration_changed = Signal(object)  # RegistrationChanged
    call_state_changed = Signal(object)  # CallStateChanged
    incoming_call_received = Signal(object)  # IncomingCall
    media_stats_updated = Signal(object)  # MediaStats
    dtmf_received = Signal(object)  # DtmfReceived
    transfer_progressed = Signal(object)  # TransferProgress
    error_raised = Signal(object)  # EngineError
    monitor_changed = Signal(object)  # MonitorStarted / ModeChanged / Ended / Refused

    def __init__(self) -> None:
        super().__init__()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        self._by_type = {
            RegistrationChanged: self.registration_changed,
            CallStateChanged: self.call_state_changed,
            IncomingCall: self.incoming_call_received,
            MediaStats: self.media_stats_updated,
            DtmfReceived: self.dtmf_received,
            TransferProgress: self.transfer_progressed,
            EngineError: self.error_raised,
            MonitorStarted: self.monitor_changed,
            MonitorModeChanged: self.monitor_changed,
            MonitorEnded: self.monitor_changed,
            MonitorRefused: self.monitor_changed,
        }

    def emit_event(self, event: Event) -> None:
        self.event_emitted.emit(event)
        signal = self._by_type.get(type(event))
        if signal is not None:
            signal.emit(event)
