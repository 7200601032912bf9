"""Caller-side supervisor monitoring on the SIP thread (DESIGN.md §3–§4, docs/monitoring.md).

``MonitorBridge`` is owned by the engine core. It decides every INVITE that carries
``X-Sampark-Monitor`` through the account's gate (grant verification lives in
``softphone.monitor.grants``), answers accepted ones silently, refuses the rest with 403, and
wires the conference per the table below against the caller's current call and the headset.
Monitor calls are *hidden*: no IncomingCall, CallStateChanged or MediaStats events, never the
ringer; only the Monitor* events.

| mode    | headset →          | remote call →       | supervisor call → |
|---------|--------------------|---------------------|-------------------|
| normal  | remote             | headset             | —                 |
| listen  | remote, supervisor | headset, supervisor | nothing           |
| whisper | remote, supervisor | headset, supervisor | headset           |
| barge   | remote, supervisor | headset, supervisor | headset, remote   |

Only the monitor links (→ supervisor, supervisor →) are touched here; the normal pair stays as
``CallMedia.wire`` made it, so a refused or ended monitor call never disturbs the caller's call.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pjsua2 as pj

from softphone.sip import _pj
from softphone.sip.events import (
    CallState,
    MonitorDecision,
    MonitorEnded,
    MonitorMode,
    MonitorModeChanged,
    MonitorRefused,
    MonitorStarted,
)

if TYPE_CHECKING:
    from softphone.sip._core import Core

HEADER = "X-Sampark-Monitor"
# pjsua2 2.15 answers every non-DTMF INFO itself ("500 Unhandled by dialog usages"; the
# wheel has no way to answer an in-dialog transaction), so the verdict on a mode change
# travels back to the supervisor in an INFO of its own carrying this header.
RESULT_HEADER = "X-Sampark-Monitor-Result"
Gate = Callable[[str | None], MonitorDecision]
log = logging.getLogger("sampark.sip.monitor")
_SUP_TO = {
    MonitorMode.LISTEN: (),
    MonitorMode.WHISPER: ("headset",),
    MonitorMode.BARGE: ("headset", "remote"),
}


def header_value(headers: tuple[tuple[str, str], ...], header: str = HEADER) -> str | None:
    """The header's value ('' when present but empty), or None when absent."""
    for name, value in headers:
        if name.lower() == header.lower():
            return value
    return None


def requested_mode(body: str) -> MonitorMode | str | None:
    """The mode an INFO body asks for (``mode=barge``); None if the body names none, the raw
    text if it names an unknown one."""
    for line in body.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().lower() == "mode":
            try:
                return MonitorMode(value.strip().lower())
            except ValueError:
                return value.strip()
    return None


@dataclass
class Session:
    call_id: int
    monitored_call_id: int
    mode: MonitorMode
    supervisor_id: int
    remote_uri: str
    started: bool = False


class MonitorBridge:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.gates: dict[int, Gate] = {}
        self.sessions: dict[int, Session] = {}
        self.hidden: set[int] = set()  # monitor calls, accepted or being refused

    # -- INVITE --------------------------------------------------------------------------
    def on_invite(self, call_id: int, account_id: int, remote_uri: str, headers: tuple) -> bool:
        """True if the INVITE was a monitor attempt (handled here, hidden from the app)."""
        token = header_value(headers)
        if token is None:
            return False
        self.hidden.add(call_id)
        gate = self.gates.get(account_id)
        decision = self._decide(gate, token)
        target = self.current_call()
        if decision.accept and target is None:
            decision = MonitorDecision(False, None, "nothing_to_monitor")
        if not decision.accept or decision.mode is None:
            self._refuse_invite(call_id, remote_uri, decision.reason or "refused")
            return True
        assert target is not None
        self.sessions[call_id] = Session(
            call_id, target, decision.mode, decision.supervisor_id, remote_uri
        )
        log.info("monitor call %s accepted (%s) on call %s", call_id, decision.mode, target)
        self.core.answer(call_id, 200)
        return True

    def _decide(self, gate: Gate | None, token: str) -> MonitorDecision:
        if gate is None:
            return MonitorDecision(False, None, "monitoring_disabled")
        try:
            return gate(token or None)
        except Exception:  # a broken gate must refuse, never accept
            log.exception("monitor gate failed")
            return MonitorDecision(False, None, "gate_error")

    def _refuse_invite(self, call_id: int, remote_uri: str, reason: str) -> None:
        log.warning("monitor INVITE from %s refused: %s", remote_uri, reason)
        self.core.hangup(call_id, 403, "Forbidden")
        self.core.emit(MonitorRefused(remote_uri, reason))

    def current_call(self) -> int | None:
        """The caller's own call to monitor: the newest confirmed, headset-wired call."""
        best = None
        for call_id, call in self.core.calls.items():
            if call_id in self.hidden or not self.core.uses_headset(call_id):
                continue
            if call.state is CallState.CONFIRMED and not call.on_hold:
                best = call_id if best is None else max(best, call_id)
        return best

    # -- INFO ----------------------------------------------------------------------------
    def on_info(self, call_id: int, headers: tuple, body: str) -> None:
        """An in-dialog INFO: a mode change on a monitor call (caller side), or the verdict
        on one (supervisor side). A refused change keeps the mode."""
        result = header_value(headers, RESULT_HEADER)
        if result is not None and call_id not in self.sessions:
            self._on_result(call_id, result)
            return
        token = header_value(headers)
        session = self.sessions.get(call_id)
        asked = requested_mode(body)
        if session is None or (token is None and asked is None):
            return  # not a monitor mode change
        account_id = self.core.call_account.get(call_id, -1)
        decision = self._decide(self.gates.get(account_id), token or "")
        if decision.accept and asked is not None and asked != decision.mode:
            decision = MonitorDecision(False, None, "mode_not_granted")
        if not decision.accept or decision.mode is None:
            log.warning("monitor mode change on %s refused: %s", call_id, decision.reason)
            self.core.emit(MonitorRefused(session.remote_uri, decision.reason, call_id))
            self._tell(call_id, f"refused={decision.reason}; mode={session.mode}")
            return
        if decision.mode is not session.mode:
            session.mode = decision.mode
            self.rewire(session)
            self.core.emit(MonitorModeChanged(call_id, session.mode))
        self._tell(call_id, f"mode={session.mode}")

    def _tell(self, call_id: int, verdict: str) -> None:
        self.core.send_info(call_id, {RESULT_HEADER: verdict}, "", "")

    def _on_result(self, call_id: int, result: str) -> None:
        """Supervisor side: the caller's verdict on our mode-change INFO, as an event."""
        fields = dict(
            (k.strip().lower(), v.strip()) for k, _, v in
            (part.partition("=") for part in result.split(";"))
        )  # fmt: skip
        call = self.core.calls.get(call_id)
        if call is None:
            return
        if "refused" in fields:
            remote = str(call.getInfo().remoteUri)
            self.core.emit(MonitorRefused(remote, fields["refused"] or "refused", call_id))
            return
        try:
            self.core.emit(MonitorModeChanged(call_id, MonitorMode(fields.get("mode", ""))))
        except ValueError:
            log.warning("unreadable monitor result on call %s: %r", call_id, result)

    # -- media and ends ------------------------------------------------------------------
    def on_media(self, call_id: int) -> None:
        """Media (re)started on any call: rewire sessions that involve it."""
        for session in list(self.sessions.values()):
            if call_id in (session.call_id, session.monitored_call_id):
                self.rewire(session)
                if call_id == session.call_id and not session.started:
                    session.started = True
                    self.core.emit(
                        MonitorStarted(
                            session.call_id,
                            session.monitored_call_id,
                            session.mode,
                            session.supervisor_id,
                        )
                    )

    def on_ended(self, call_id: int) -> None:
        session = self.sessions.pop(call_id, None)
        if session is not None:
            self.core.emit(MonitorEnded(call_id, "monitor call ended"))
        for other in [s for s in self.sessions.values() if s.monitored_call_id == call_id]:
            log.info("caller's call %s ended: hanging up monitor call %s", call_id, other.call_id)
            self.core.hangup(other.call_id)
        self.hidden.discard(call_id)

    def rewire(self, session: Session) -> None:
        headset = self.core.headset
        sup = self._media(session.call_id)
        remote = self._media(session.monitored_call_id)
        if headset is None or sup is None:
            return
        ports = {"headset": headset, "remote": remote}
        for name in ("headset", "remote"):
            port = ports[name]
            if port is None:
                continue
            _stop(sup, port)
            port.startTransmit(sup)  # the supervisor hears both sides in every mode
            if name in _SUP_TO[session.mode]:
                sup.startTransmit(port)

    def _media(self, call_id: int) -> pj.AudioMedia | None:
        call = self.core.calls.get(call_id)
        if call is None or not call.media_active:
            return None
        idxs = _pj.audio_media_indexes(call)
        return call.getAudioMedia(idxs[0]) if idxs else None


def _stop(src: pj.AudioMedia, dst: pj.AudioMedia) -> None:
    with contextlib.suppress(pj.Error):  # was not connected
        src.stopTransmit(dst)


__all__ = ["HEADER", "RESULT_HEADER", "Gate", "MonitorBridge", "header_value", "requested_mode"]
