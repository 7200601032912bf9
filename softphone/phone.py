"""The caller's session model: one account, one current call, one pending incoming call.

``Phone`` sits between a ``SipEngine`` and any front end (the caller window, tests). It keeps
what a front end shows — registration state, the current call (state, direction, remote,
start of talk time, hold, mute, last media statistics, last failure) and a pending incoming
call — and offers the commands of ``softphone.commands``. It is QtCore only, lives on the GUI
thread, and never blocks: every engine call is one of the engine's non-blocking commands, and
engine events arrive as queued Qt signals.

One call at a time (a call-centre seat): while a call is in progress, a new incoming call on
this account is rejected with 486 Busy Here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal

from softphone.sip.events import (
    CallDirection,
    CallState,
    CallStateChanged,
    EngineError,
    IncomingCall,
    MediaStats,
    RegistrationChanged,
    RegState,
    TransferProgress,
)

if TYPE_CHECKING:
    from softphone.sip.engine import SipEngine

T = TypeVar("T")


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks a reason for lupdate; the UI translates it in the ``"Phone"`` context."""
    del context
    return text


NOT_READY = QT_TRANSLATE_NOOP("Phone", "Not ready to dial")
NOT_DIALABLE = QT_TRANSLATE_NOOP("Phone", "Not a dialable number")
TRANSLATION_CONTEXT = "Phone"
_DIAL_CHARS = re.compile(r"[\s\-().]")
_DIALABLE = re.compile(r"^\+?[0-9A-Za-z*#_.!~]+$")
BUSY_HERE = 486


def to_sip_uri(text: str, domain: str) -> str | None:
    """Turn what the caller typed into a SIP URI, or ``None`` if it is not dialable.

    ``"98 765-4321"`` → ``sip:987654321@domain``; ``"tel:+91..."`` → ``sip:+91...@domain``;
    ``"user@host"`` → ``sip:user@host``; ``sip:``/``sips:`` URIs pass unchanged.
    """
    text = text.strip()
    lowered = text.lower()
    if lowered.startswith(("sip:", "sips:")):
        return text if len(text.split(":", 1)[1]) > 0 else None
    if lowered.startswith("tel:"):
        text = text[4:].split(";", 1)[0]
    elif "@" in text:
        user, _, host = text.partition("@")
        return f"sip:{user}@{host}" if user and host else None
    number = _DIAL_CHARS.sub("", text)
    if not number or not _DIALABLE.match(number) or not domain:
        return None
    return f"sip:{number}@{domain}"


@dataclass(frozen=True)
class CallInfo:
    """A snapshot of the current call; a new one is emitted on every change."""

    call_id: int
    state: CallState
    direction: CallDirection
    remote_uri: str = ""
    confirmed_at: float | None = None  # time.monotonic() when talk began (for the timer)
    on_hold: bool = False
    muted: bool = False
    stats: MediaStats | None = None
    code: int = 0  # last SIP status code
    reason: str = ""  # last SIP reason phrase

    @property
    def ended(self) -> bool:
        return self.state is CallState.DISCONNECTED

    def elapsed(self, now: float | None = None) -> float:
        """Seconds of talk time so far (0 before CONFIRMED)."""
        if self.confirmed_at is None:
            return 0.0
        return max(0.0, (time.monotonic() if now is None else now) - self.confirmed_at)


@dataclass(frozen=True)
class Failure:
    """Why the last call or command failed: SIP status code (0 if none) and reason."""

    code: int
    reason: str
    call_id: int | None = None


class Phone(QObject):
    """Session model over a ``SipEngine``. Signals carry snapshots or engine events."""

    registration_changed = Signal(object)  # RegState
    call_updated = Signal(object)  # CallInfo (the current call, after any change)
    call_ended = Signal(object)  # CallInfo in state DISCONNECTED (carries code and reason)
    incoming_call_arrived = Signal(object)  # IncomingCall
    incoming_call_withdrawn = Signal(int)  # call id: answered, rejected or cancelled
    media_stats_updated = Signal(object)  # MediaStats of the current call
    failure_reported = Signal(object)  # Failure
    transfer_progressed = Signal(object)  # TransferProgress of the current call
    commands_changed = Signal()  # something a command's enabled-predicate reads has changed

    def __init__(self, engine: SipEngine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self.account_id: int | None = None
        self.domain = ""
        self.registers = False
        self.reg_state = RegState.UNREGISTERED
        self.reg_code = 0
        self.reg_reason = ""
        self.call: CallInfo | None = None
        self.incoming: IncomingCall | None = None
        self.last_failure: Failure | None = None
        engine.registration_changed.connect(self._on_registration)
        engine.call_state_changed.connect(self._on_call_state)
        engine.incoming_call_received.connect(self._on_incoming)
        engine.media_stats_updated.connect(self._on_stats)
        engine.error_raised.connect(self._on_error)
        engine.transfer_progressed.connect(self._on_transfer)

    @property
    def engine(self) -> SipEngine:
        return self._engine

    def attach_account(self, account_id: int, domain: str, registers: bool = True) -> None:
        """Use this engine account for calls; ``domain`` completes plain numbers."""
        self.account_id = account_id
        self.domain = domain
        self.registers = registers
        self.commands_changed.emit()

    # -- predicates (named by Command.enabled_when) -----------------------------------
    def ready(self) -> bool:
        if self.account_id is None:
            return False
        return self.reg_state is RegState.REGISTERED or not self.registers

    def in_call(self) -> bool:
        return self.call is not None

    def talking(self) -> bool:
        return self.call is not None and self.call.state is CallState.CONFIRMED

    def can_dial(self) -> bool:
        return self.ready() and self.call is None and self.incoming is None

    def can_hangup(self) -> bool:
        return self.call is not None

    def can_answer(self) -> bool:
        return self.incoming is not None

    def can_hold(self) -> bool:
        return self.talking()

    def can_send_dtmf(self) -> bool:
        return self.talking()

    def can_transfer(self) -> bool:
        return self.talking()

    # -- commands ---------------------------------------------------------------------
    def dial(self, number_or_uri: str) -> int | None:
        """Place a call; returns the call id, or ``None`` (and reports why) if it cannot."""
        if not self.can_dial() or self.account_id is None:
            self._fail(0, NOT_READY)
            return None
        uri = to_sip_uri(number_or_uri, self.domain)
        if uri is None:
            self._fail(0, NOT_DIALABLE)
            return None
        call_id = self._command(self._engine.make_call, self.account_id, uri)
        if call_id is None:
            return None
        direction = CallDirection.OUTGOING
        self._set_call(CallInfo(call_id, CallState.CALLING, direction, remote_uri=uri))
        return call_id

    def hangup(self) -> None:
        if self.call is not None:
            self._command(self._engine.hangup, self.call.call_id)

    def answer(self) -> None:
        incoming = self.incoming
        if incoming is None:
            return
        self._command(self._engine.answer, incoming.call_id)
        self._withdraw_incoming()
        info = CallInfo(
            incoming.call_id, CallState.CONNECTING, CallDirection.INCOMING, incoming.remote_uri
        )
        self._set_call(info)

    def reject(self) -> None:
        incoming = self.incoming
        if incoming is None:
            return
        self._command(self._engine.reject, incoming.call_id)
        self._withdraw_incoming()

    def toggle_hold(self) -> None:
        call = self.call
        if call is None or not self.can_hold():
            return
        if call.on_hold:
            self._command(self._engine.resume, call.call_id)
        else:
            self._command(self._engine.hold, call.call_id)
        self._set_call(replace(call, on_hold=not call.on_hold))

    def toggle_mute(self) -> None:
        call = self.call
        if call is None:
            return
        self._command(self._engine.set_mute, call.call_id, not call.muted)
        self._set_call(replace(call, muted=not call.muted))

    def send_dtmf(self, digits: str) -> None:
        if self.call is not None and self.talking() and digits:
            self._command(self._engine.send_dtmf, self.call.call_id, digits)

    def transfer(self, target: str) -> None:
        if self.call is None or not self.can_transfer():
            return
        uri = to_sip_uri(target, self.domain)
        if uri is None:
            self._fail(0, NOT_DIALABLE, self.call.call_id)
            return
        self._command(self._engine.transfer, self.call.call_id, uri)

    # -- engine events ----------------------------------------------------------------
    def _on_registration(self, event: RegistrationChanged) -> None:
        if event.account_id != self.account_id:
            return
        self.reg_state, self.reg_code, self.reg_reason = event.state, event.code, event.reason
        if event.state is RegState.FAILED:
            self._fail(event.code, event.reason)
        self.registration_changed.emit(event.state)
        self.commands_changed.emit()

    def _on_call_state(self, event: CallStateChanged) -> None:
        incoming = self.incoming
        if incoming is not None and event.call_id == incoming.call_id:
            if event.state is CallState.DISCONNECTED:
                self._withdraw_incoming()
            return
        call = self.call
        if call is None or event.call_id != call.call_id:
            return
        self._apply_call_event(call, event)

    def _apply_call_event(self, call: CallInfo, event: CallStateChanged) -> None:
        confirmed_at = call.confirmed_at
        if event.state is CallState.CONFIRMED and confirmed_at is None:
            confirmed_at = time.monotonic()
        info = replace(
            call,
            state=event.state,
            remote_uri=event.remote_uri or call.remote_uri,
            confirmed_at=confirmed_at,
            on_hold=event.on_hold,
            muted=event.muted,
            code=event.code or call.code,
            reason=event.reason or call.reason,
        )
        if not info.ended:
            self._set_call(info)
            return
        self.call = None
        if confirmed_at is None and info.direction is CallDirection.OUTGOING:
            self._fail(info.code, info.reason, info.call_id)
        self.call_updated.emit(info)
        self.call_ended.emit(info)
        self.commands_changed.emit()

    def _on_incoming(self, event: IncomingCall) -> None:
        if event.account_id != self.account_id:
            return
        if self.call is not None or self.incoming is not None:
            self._command(self._engine.reject, event.call_id, BUSY_HERE)
            return
        self.incoming = event
        self.incoming_call_arrived.emit(event)
        self.commands_changed.emit()

    def _on_stats(self, stats: MediaStats) -> None:
        call = self.call
        if call is None or stats.call_id != call.call_id:
            return
        self.call = replace(call, stats=stats)
        self.media_stats_updated.emit(stats)

    def _on_transfer(self, progress: TransferProgress) -> None:
        if self.call is not None and progress.call_id == self.call.call_id:
            self.transfer_progressed.emit(progress)
            if progress.final and progress.code >= 300:
                self._fail(progress.code, progress.reason, progress.call_id)

    def _on_error(self, error: EngineError) -> None:
        mine = error.call_id is None or (
            self.call is not None and error.call_id == self.call.call_id
        )
        if mine:
            self._fail(error.code, error.message, error.call_id)

    # -- helpers ----------------------------------------------------------------------
    def _command(self, method: Callable[..., T], *args: object) -> T | None:
        """Issue one engine command; a stopped engine becomes a reported failure, not a crash."""
        try:
            return method(*args)
        except RuntimeError as exc:  # SipEngineError: the engine is not running
            self._fail(0, str(exc))
            return None

    def _set_call(self, info: CallInfo) -> None:
        changed_commands = self.call is None or self.call.state is not info.state
        self.call = info
        self.call_updated.emit(info)
        if changed_commands:
            self.commands_changed.emit()

    def _withdraw_incoming(self) -> None:
        incoming, self.incoming = self.incoming, None
        if incoming is not None:
            self.incoming_call_withdrawn.emit(incoming.call_id)
            self.commands_changed.emit()

    def _fail(self, code: int, reason: str, call_id: int | None = None) -> None:
        self.last_failure = Failure(code, reason, call_id)
        self.failure_reported.emit(self.last_failure)


__all__ = ["CallInfo", "Failure", "Phone", "to_sip_uri"]
