"""The SIP-thread core of ``SipEngine``: owns the pjsua2 endpoint, accounts, calls and media.

Everything here runs on the SIP thread only (checked). ``SipEngine`` enqueues commands that call
these methods; the pjsua2 callbacks in ``_pj`` forward translated events to the ``on_*``
methods. Lifetimes are explicit: calls are deleted after their DISCONNECTED event, players and
recorders with their call, accounts on removal or shutdown, the endpoint last.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

import pjsua2 as pj

from softphone.audio.device import AudioDevice
from softphone.sip import _pj
from softphone.sip._media_port import HeadsetPort
from softphone.sip._monitor import MonitorBridge
from softphone.sip._scrub import Scrubber
from softphone.sip.buildinfo import endpoint_facts
from softphone.sip.events import (
    CallDirection,
    CallState,
    CallStateChanged,
    DtmfMethod,
    DtmfReceived,
    EngineError,
    Event,
    MediaStats,
    RegistrationChanged,
    RegState,
    TransferProgress,
    Transport,
)
from softphone.sip.quality import estimate_mos
from softphone.sip.spec import AccountSpec, EndpointSpec

log = logging.getLogger("sampark.sip.engine")
_SHUTDOWN_WAIT_S = 3.0
_CLOCK_LINGER_S = 2.0


def _pj_error(where: str, err: pj.Error, call_id: int | None = None) -> EngineError:
    return EngineError(where=where, message=str(err.info()), code=int(err.status), call_id=call_id)


class CallMedia:
    """Per-call conference wiring: headset, players and recorders (SIP thread only)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.players: dict[int, pj.AudioMediaPlayer] = {}
        self.recorders: dict[int, pj.AudioMediaRecorder] = {}
        self.play_req: dict[int, tuple[str, bool]] = {}
        self.record_req: dict[int, str] = {}

    def _audio(self, call_id: int) -> list[pj.AudioMedia]:
        call = self.core.calls.get(call_id)
        if call is None or not call.media_active:
            return []
        return [call.getAudioMedia(i) for i in _pj.audio_media_indexes(call)]

    def wire(self, call_id: int, use_headset: bool) -> None:
        """(Re)connect everything this call should hear and send; idempotent."""
        call = self.core.calls[call_id]
        headset = self.core.headset
        for am in self._audio(call_id):
            if use_headset and headset is not None:
                am.startTransmit(headset)
                if not call.muted:
                    headset.startTransmit(am)
        if call_id in self.play_req and call_id not in self.players:
            self._start_player(call_id)
        if call_id in self.record_req and call_id not in self.recorders:
            self._start_recorder(call_id)

    def set_mute(self, call_id: int, muted: bool) -> None:
        headset = self.core.headset
        for am in self._audio(call_id):
            if headset is None:
                continue
            if muted:
                headset.stopTransmit(am)
            elif self.core.uses_headset(call_id):
                headset.startTransmit(am)

    def request_play(self, call_id: int, path: str, loop: bool) -> None:
        self.stop_play(call_id)
        self.play_req[call_id] = (path, loop)
        if self._audio(call_id):
            self._start_player(call_id)

    def _start_player(self, call_id: int) -> None:
        path, loop = self.play_req[call_id]
        player = pj.AudioMediaPlayer()
        player.createPlayer(path, 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        for am in self._audio(call_id):
            player.startTransmit(am)
        self.players[call_id] = player

    def stop_play(self, call_id: int) -> None:
        self.play_req.pop(call_id, None)
        player = self.players.pop(call_id, None)
        if player is not None:
            for am in self._audio(call_id):
                player.stopTransmit(am)
            del player

    def request_record(self, call_id: int, path: str) -> None:
        self.record_req[call_id] = path
        if self._audio(call_id) and call_id not in self.recorders:
            self._start_recorder(call_id)

    def _start_recorder(self, call_id: int) -> None:
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(self.record_req[call_id])
        for am in self._audio(call_id):
            am.startTransmit(recorder)
        self.recorders[call_id] = recorder

    def release(self, call_id: int) -> None:
        """Drop the call's players/recorders (the call's ports are already gone)."""
        self.play_req.pop(call_id, None)
        self.record_req.pop(call_id, None)
        self.players.pop(call_id, None)
        self.recorders.pop(call_id, None)

    def clear(self) -> None:
        self.players.clear()
        self.recorders.clear()


class Core:
    """Implements ``_pj.Sink``; owns every pjsua2 object of the engine."""

    def __init__(
        self,
        spec: EndpointSpec,
        device: AudioDevice,
        emit: Callable[[Event], None],
        scrubber: Scrubber,
        next_id: Callable[[], int],
    ) -> None:
        self.spec = spec
        self.device = device
        self.emit = emit
        self.next_id = next_id
        self.writer = _pj.PjLogWriter(scrubber)
        self.ep: pj.Endpoint | None = None
        self.headset: HeadsetPort | None = None
        self.ports: dict[str, int] = {}
        self.transport_ids: dict[Transport, int] = {}
        self.tls_available = False
        self.facts: dict[str, object] = {}
        self.accounts: dict[int, _pj.PjAccount] = {}
        self.account_opts: dict[int, tuple[AccountSpec, bool, bool]] = {}
        self.calls: dict[int, _pj.PjCall] = {}
        self.call_account: dict[int, int] = {}
        self.media = CallMedia(self)
        self.monitor = MonitorBridge(self)
        self.dead: list[_pj.PjCall] = []
        self.thread_id = threading.get_ident()
        self._next_stats = 0.0
        self.clock_running = False
        self._idle_since: float | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        self.thread_id = threading.get_ident()
        ep = self.ep = pj.Endpoint()
        ep.libCreate()
        ep.libInit(_pj.ep_config(self.spec, self.writer))
        self.facts = endpoint_facts(ep)
        self.tls_available = bool(self.facts["tls"])
        self._create_transports()
        self._set_codec_priorities()
        ep.libStart()
        self.clock_running = True
        ep.audDevManager().setNullDev()
        spf = self.spec.clock_rate * self.spec.ptime_ms // 1000
        self.headset = HeadsetPort(self.device)
        self.headset.create(self.spec.clock_rate, spf)

    def _set_codec_priorities(self) -> None:
        assert self.ep is not None
        for codec_id, priority in self.spec.codec_priorities:
            try:
                self.ep.codecSetPriority(codec_id, priority)
            except pj.Error as exc:  # a codec this build lacks: keep going
                log.warning("codec %s not available: %s", codec_id, exc.info())

    def _create_transports(self) -> None:
        wanted = {
            Transport.UDP: self.spec.udp_port,
            Transport.TCP: self.spec.tcp_port,
            Transport.TLS: self.spec.tls_port,
        }
        for transport, port in wanted.items():
            if port is not None:
                self._create_transport(transport, port)

    def _create_transport(self, transport: Transport, port: int) -> int:
        if transport is Transport.TLS and not self.tls_available:
            raise RuntimeError("this pjsua2 build has no TLS support")
        assert self.ep is not None
        tcfg = _pj.transport_config(self.spec, port)
        tid = self.ep.transportCreate(_pj.PJ_TRANSPORT_TYPES[transport], tcfg)
        self.transport_ids[transport] = tid
        self.ports[transport.value] = int(self.ep.transportGetInfo(tid).localName.rsplit(":")[-1])
        return tid

    def shutdown(self, drain: Callable[[], None]) -> None:
        """Hang up all calls and wait briefly for them to end, then delete the accounts."""
        ep = self.ep
        if ep is None:
            return
        drain()
        if self.calls:
            ep.hangupAllCalls()
        deadline = time.monotonic() + _SHUTDOWN_WAIT_S
        while self.calls and time.monotonic() < deadline:
            ep.libHandleEvents(_POLL_MS)
            self._reap()
        self._reap()
        self.media.clear()
        self.calls.clear()
        for account_id in list(self.accounts):
            self._delete_account(account_id)

    def destroy(self) -> None:
        """Delete the headset port and destroy the library (last step on the SIP thread)."""
        self.media.clear()
        if self.ep is not None and self.headset is not None:
            # Stop the conference clock first: its thread must not call into the headset
            # port while Python tears that object down (half-cleared attributes, or worse).
            self.set_clock(False)
        self.headset = None
        # Cyclic garbage still holding pjsua2 objects must die now, on this thread, while the
        # library is alive: collected later (on any thread) their destructors would crash.
        gc.collect()
        if self.ep is not None:
            self.ep.libDestroy()
            self.ep = None

    def tick(self) -> None:
        """After each libHandleEvents: delete ended calls, publish stats when due."""
        if self.dead:
            self._reap()
        if self.calls:
            self._idle_since = None
        elif self.clock_running:
            self._maybe_stop_clock()
        if self.calls:
            now = time.monotonic()
            if now >= self._next_stats:
                self._next_stats = now + self.spec.stats_interval_s
                self._publish_stats()

    def _maybe_stop_clock(self) -> None:
        # pjmedia's conference applies port removals on its clock ticks: keep it running a
        # little after the last call so the ended calls' slots are really freed.
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since >= _CLOCK_LINGER_S:
            self.set_clock(False)

    def set_clock(self, running: bool) -> None:
        """Run the conference clock (pjsua's null sound device) only while calls exist, so an
        idle engine costs no per-frame work; the headset port is clocked by it."""
        assert self.ep is not None
        if running == self.clock_running:
            return
        self._idle_since = None
        manager = self.ep.audDevManager()
        if running:
            manager.setNullDev()
        else:
            manager.setNoDev()
        self.clock_running = running

    def _reap(self) -> None:
        dead, self.dead = self.dead, []
        for call in dead:
            del call

    def check_thread(self) -> None:
        if threading.get_ident() != self.thread_id:
            raise RuntimeError("pjsua2 touched outside the SIP thread")

    # -- accounts ----------------------------------------------------------------------
    def add_account(
        self, account_id: int, spec: AccountSpec, use_headset: bool, auto_answer: bool
    ) -> None:
        self.check_thread()
        try:
            tid = self._transport_for(spec.transport)
            srtp = spec.srtp or self.spec.srtp
            acfg = _pj.account_config(spec, srtp, self.spec.srtp_secure_signaling, tid)
            self._rtp_config(acfg)
            account = _pj.PjAccount(self, account_id)
            self.accounts[account_id] = account
            self.account_opts[account_id] = (spec, use_headset, auto_answer)
            account.create(acfg)
        except (pj.Error, RuntimeError) as err:
            self.accounts.pop(account_id, None)
            event = (
                _pj_error("add_account", err)
                if isinstance(err, pj.Error)
                else EngineError(where="add_account", message=str(err))
            )
            self.emit(event)
            self.emit(RegistrationChanged(account_id, RegState.FAILED, event.code, event.message))

    def _transport_for(self, transport: Transport) -> int:
        if transport in self.transport_ids:
            return self.transport_ids[transport]
        if transport is Transport.TLS:
            return self._create_transport(Transport.TLS, 0)  # client TLS, ephemeral listener
        raise RuntimeError(f"no {transport.value} transport configured in EndpointSpec")

    def _rtp_config(self, acfg: pj.AccountConfig) -> None:
        tcfg = acfg.mediaConfig.transportConfig
        tcfg.port = self.spec.rtp_port
        tcfg.portRange = self.spec.rtp_port_range
        if self.spec.bind_address:
            tcfg.boundAddress = self.spec.bind_address

    def set_registration(self, account_id: int, renew: bool) -> None:
        account = self._account(account_id, "register" if renew else "unregister")
        if account is None:
            return
        try:
            account.setRegistration(renew)
        except pj.Error as err:
            self.emit(_pj_error("register" if renew else "unregister", err))

    def remove_account(self, account_id: int) -> None:
        if self._account(account_id, "remove_account") is None:
            return
        for call_id, acc_id in list(self.call_account.items()):
            if acc_id == account_id:
                self.hangup(call_id)
        self._delete_account(account_id)

    def _delete_account(self, account_id: int) -> None:
        account = self.accounts.pop(account_id, None)
        self.account_opts.pop(account_id, None)
        if account is not None:
            account.shutdown()
            del account

    def _account(self, account_id: int, where: str) -> _pj.PjAccount | None:
        self.check_thread()
        account = self.accounts.get(account_id)
        if account is None:
            self.emit(EngineError(where=where, message=f"unknown account {account_id}"))
        return account

    def handle_ip_change(self) -> None:
        assert self.ep is not None
        try:
            self.ep.handleIpChange(pj.IpChangeParam())
        except pj.Error as err:
            self.emit(_pj_error("handle_network_change", err))

    def uses_headset(self, call_id: int) -> bool:
        opts = self.account_opts.get(self.call_account.get(call_id, -1))
        return bool(opts and opts[1])

    # -- calls -------------------------------------------------------------------------
    def make_call(self, account_id: int, call_id: int, uri: str, headers: dict[str, str]) -> None:
        account = self._account(account_id, "make_call")
        if account is None:
            self._failed_call(call_id, uri, 0, "unknown account")
            return
        spec = self.account_opts[account_id][0]
        if not spec.proxy:
            uri = _pj.with_transport(uri, spec.transport)
        self.set_clock(True)
        call = _pj.PjCall(account, self, call_id, CallDirection.OUTGOING)
        self.calls[call_id] = call
        self.call_account[call_id] = account_id
        try:
            call.makeCall(uri, _pj.call_op(headers=headers))
        except pj.Error as err:
            self._forget(call_id)
            self.emit(_pj_error("make_call", err, call_id))
            self._failed_call(call_id, uri, int(err.status), str(err.reason))

    def _failed_call(self, call_id: int, uri: str, code: int, reason: str) -> None:
        self.emit(
            CallStateChanged(
                call_id, CallState.DISCONNECTED, CallDirection.OUTGOING, uri, code, reason
            )
        )

    def _call(self, call_id: int, where: str) -> _pj.PjCall | None:
        self.check_thread()
        call = self.calls.get(call_id)
        if call is None:
            self.emit(EngineError(where=where, message=f"no such call {call_id}", call_id=call_id))
        return call

    def _do(self, call_id: int, where: str, fn: Callable[[_pj.PjCall], None]) -> None:
        call = self._call(call_id, where)
        if call is None:
            return
        try:
            fn(call)
        except pj.Error as err:
            self.emit(_pj_error(where, err, call_id))

    def answer(self, call_id: int, code: int = 200) -> None:
        self._do(call_id, "answer", lambda c: c.answer(_pj.call_op(code)))

    def hangup(self, call_id: int, code: int = 0, reason: str = "") -> None:
        self._do(call_id, "hangup", lambda c: c.hangup(_pj.call_op(code, reason)))

    def hangup_all(self) -> None:
        assert self.ep is not None
        self.ep.hangupAllCalls()

    def set_hold(self, call_id: int, hold: bool) -> None:
        def op(call: _pj.PjCall) -> None:
            if hold:
                call.setHold(_pj.call_op())
            else:
                prm = _pj.call_op()
                prm.opt.flag = pj.PJSUA_CALL_UNHOLD
                call.reinvite(prm)

        self._do(call_id, "hold" if hold else "resume", op)

    def set_mute(self, call_id: int, muted: bool) -> None:
        call = self._call(call_id, "mute")
        if call is None:
            return
        call.muted = muted
        self.media.set_mute(call_id, muted)
        self.emit(call.state_event())

    def send_dtmf(self, call_id: int, digits: str) -> None:
        def op(call: _pj.PjCall) -> None:
            try:
                call.dialDtmf(digits)
            except pj.Error:
                if not self._info_fallback(call_id):
                    raise
                prm = pj.CallSendDtmfParam()
                prm.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
                prm.digits = digits
                call.sendDtmf(prm)

        self._do(call_id, "send_dtmf", op)

    def _info_fallback(self, call_id: int) -> bool:
        opts = self.account_opts.get(self.call_account.get(call_id, -1))
        return bool(opts and opts[0].dtmf_fallback_info)

    def transfer(self, call_id: int, uri: str) -> None:
        self._do(call_id, "transfer", lambda c: c.xfer(uri, _pj.call_op()))

    def set_device(self, device: AudioDevice) -> None:
        self.device = device
        if self.headset is not None:
            self.headset.set_device(device)

    def _forget(self, call_id: int) -> None:
        self.media.release(call_id)
        call = self.calls.pop(call_id, None)
        self.call_account.pop(call_id, None)
        if call is not None:
            self.dead.append(call)

    # -- stats -------------------------------------------------------------------------
    def _publish_stats(self) -> None:
        for call_id, call in list(self.calls.items()):
            if not call.media_active or call_id in self.monitor.hidden:
                continue
            try:
                idxs = _pj.audio_media_indexes(call)
                if not idxs:
                    continue
                numbers = _pj.stream_numbers(call, idxs[0])
            except pj.Error:
                continue
            self.emit(self._stats_event(call_id, numbers, call.srtp_active))

    def _stats_event(self, call_id: int, numbers: dict, srtp: bool) -> MediaStats:
        mos = estimate_mos(
            numbers["codec"], numbers["rx_loss_pct"], numbers["jitter_ms"], numbers["rtt_ms"]
        )
        underruns = drift = 0
        if self.headset is not None and self.uses_headset(call_id):
            stats = self.headset.device.stats
            underruns, drift = stats.underruns, stats.drift_corrections
        return MediaStats(
            call_id=call_id,
            mos=mos,
            underruns=underruns,
            drift_corrections=drift,
            srtp=srtp,
            **numbers,
        )

    # -- callbacks (Sink) --------------------------------------------------------------
    def on_registration(self, event: RegistrationChanged) -> None:
        self.emit(event)

    def on_incoming(self, account_id: int, pj_call_id: int, data: dict) -> None:
        self.check_thread()
        account = self.accounts[account_id]
        call_id = self.next_id()
        self.set_clock(True)
        call = _pj.PjCall(account, self, call_id, CallDirection.INCOMING, pj_call_id)
        self.calls[call_id] = call
        self.call_account[call_id] = account_id
        ci = call.getInfo()
        if self.monitor.on_invite(call_id, account_id, str(ci.remoteUri), data["headers"]):
            return  # a supervisor's monitor attempt: answered or refused silently
        self.emit(_pj.incoming_event(call_id, account_id, ci, data))
        self.emit(call.state_event(ci))
        auto_answer = self.account_opts[account_id][2]
        self.answer(call_id, 200 if auto_answer else 180)

    def on_call_state(self, call_id: int, event: CallStateChanged) -> None:
        if event.state is CallState.DISCONNECTED:
            # Clean up first: whoever sees DISCONNECTED finds the recording closed and the
            # id gone from ``active_call_ids``.
            self._forget(call_id)
        if call_id in self.monitor.hidden:
            if event.state is CallState.DISCONNECTED:
                self.monitor.on_ended(call_id)
            return
        self.emit(event)
        if event.state is CallState.DISCONNECTED:
            self.monitor.on_ended(call_id)

    def on_media_state(self, call_id: int) -> None:
        call = self.calls.get(call_id)
        if call is None:
            return
        call.media_active = bool(_pj.audio_media_indexes(call))
        call.on_hold = _pj.local_hold(call)
        call.srtp_active = call.media_active and _pj.srtp_active(call)
        hidden = call_id in self.monitor.hidden
        try:
            if not hidden:
                self.media.wire(call_id, self.uses_headset(call_id))
            self.monitor.on_media(call_id)
        except pj.Error as err:
            self.emit(_pj_error("media", err, call_id))
        if not hidden:
            self.emit(call.state_event())

    def on_info(self, call_id: int, headers: tuple, body: str) -> None:
        self.monitor.on_info(call_id, headers, body)

    def send_info(self, call_id: int, headers: dict[str, str], body: str, ctype: str) -> None:
        self._do(
            call_id, "send_info", lambda c: c.sendRequest(_pj.info_request(headers, body, ctype))
        )

    def set_monitor_gate(self, account_id: int, gate: object) -> None:
        if gate is None:
            self.monitor.gates.pop(account_id, None)
        else:
            self.monitor.gates[account_id] = gate  # type: ignore[assignment]

    def on_dtmf(self, event: DtmfReceived) -> None:
        self.emit(event)

    def on_transfer(self, event: TransferProgress) -> None:
        self.emit(event)
        if event.final and 200 <= event.code < 300:
            self.hangup(event.call_id)


_POLL_MS = 10
__all__ = ["Core", "DtmfMethod"]
