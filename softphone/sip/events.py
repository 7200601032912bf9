"""The one event vocabulary of the SIP engine.

Enums for call and registration state, frozen dataclasses for events. The UI, the CLI, the
journal and the tests all consume these same objects; each has one ``to_dict()`` for JSON.
pjsua2 types never appear here, so this module is importable everywhere.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field, fields
from typing import Any


class CallState(enum.Enum):
    CALLING = "calling"  # INVITE sent, nothing back yet
    INCOMING = "incoming"  # INVITE received, not answered
    EARLY = "early"  # 18x received/sent (ringing or early media)
    CONNECTING = "connecting"  # 200 OK sent/received, waiting for ACK
    CONFIRMED = "confirmed"  # talking
    DISCONNECTED = "disconnected"  # ended; the call id is gone after this event


class CallDirection(enum.Enum):
    OUTGOING = "outgoing"
    INCOMING = "incoming"


class RegState(enum.Enum):
    UNREGISTERED = "unregistered"
    REGISTERING = "registering"
    REGISTERED = "registered"
    FAILED = "failed"


class Transport(enum.Enum):
    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"


class SrtpMode(enum.Enum):
    DISABLED = "disabled"
    OPTIONAL = "optional"
    MANDATORY = "mandatory"


class MonitorMode(enum.StrEnum):
    """Supervisor monitoring modes (DESIGN.md §3 wiring table)."""

    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


@dataclass(frozen=True)
class MonitorDecision:
    """A monitor gate's answer for one grant (``SipEngine.set_monitor_gate``)."""

    accept: bool
    mode: MonitorMode | None = None
    reason: str = ""
    supervisor_id: int = 0


class DtmfMethod(enum.Enum):
    RFC4733 = "rfc4733"
    SIP_INFO = "sip_info"


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Event:
    """Base of every engine event. ``kind`` names the event in JSON output."""

    kind = "event"

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}
        return {"event": self.kind, **data}


@dataclass(frozen=True)
class RegistrationChanged(Event):
    kind = "registration"
    account_id: int
    state: RegState
    code: int = 0
    reason: str = ""
    expires: int = 0
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class CallStateChanged(Event):
    kind = "call_state"
    call_id: int
    state: CallState
    direction: CallDirection
    remote_uri: str = ""
    code: int = 0  # last SIP status code seen for the INVITE (0 if none)
    reason: str = ""  # last SIP reason phrase / disconnect reason
    media_active: bool = False
    on_hold: bool = False
    muted: bool = False
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class IncomingCall(Event):
    kind = "incoming_call"
    call_id: int
    account_id: int
    remote_uri: str
    remote_display: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class MediaStats(Event):
    """Per-call media statistics, emitted about once a second while media is active."""

    kind = "media_stats"
    call_id: int
    codec: str = ""
    duration_s: float = 0.0
    tx_packets: int = 0
    rx_packets: int = 0
    rx_lost: int = 0
    rx_loss_pct: float = 0.0
    jitter_ms: float = 0.0
    rtt_ms: float = 0.0
    mos: float = 0.0  # E-model (ITU-T G.107) estimate, 1.0..4.5
    underruns: int = 0  # audio device frames that had to be filled with silence
    drift_corrections: int = 0  # frames dropped/inserted by the ring buffers
    srtp: bool = False
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class DtmfReceived(Event):
    kind = "dtmf"
    call_id: int
    digit: str
    method: DtmfMethod = DtmfMethod.RFC4733
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class TransferProgress(Event):
    kind = "transfer"
    call_id: int
    code: int
    reason: str = ""
    final: bool = False
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class EngineError(Event):
    """A command that could not be carried out, or a SIP failure outside a call."""

    kind = "error"
    where: str
    message: str
    code: int = 0
    call_id: int | None = None
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class MonitorStarted(Event):
    """A supervisor's monitor call was accepted and wired to the caller's call (caller side)."""

    kind = "monitor_started"
    call_id: int  # the monitor call (hidden: no CallStateChanged / IncomingCall for it)
    monitored_call_id: int
    mode: MonitorMode
    supervisor_id: int = 0
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class MonitorModeChanged(Event):
    kind = "monitor_mode"
    call_id: int
    mode: MonitorMode
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class MonitorEnded(Event):
    kind = "monitor_ended"
    call_id: int
    reason: str = ""
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True)
class MonitorRefused(Event):
    """A monitor INVITE or mode-change INFO that was refused (403 or mode kept)."""

    kind = "monitor_refused"
    remote_uri: str
    reason: str
    call_id: int | None = None  # set for a refused INFO on an existing monitor call
    ts: float = field(default_factory=time.time)


__all__ = [
    "CallDirection",
    "CallState",
    "CallStateChanged",
    "DtmfMethod",
    "DtmfReceived",
    "EngineError",
    "Event",
    "IncomingCall",
    "MediaStats",
    "MonitorDecision",
    "MonitorEnded",
    "MonitorMode",
    "MonitorModeChanged",
    "MonitorRefused",
    "MonitorStarted",
    "RegState",
    "RegistrationChanged",
    "SrtpMode",
    "TransferProgress",
    "Transport",
]
