"""The pjsua2 subclasses and config builders (the only place that knows pjsua2's shapes).

Callbacks run on the SIP thread (``mainThreadOnly``); they only translate pjsua2 data into
events from ``events.py`` and forward them to a sink (the engine's SIP-thread core). They never
create, delete or wire anything themselves. ``PjLogWriter`` may be called from pjmedia threads;
it only scrubs and hands the line to Python ``logging``.
"""

from __future__ import annotations

import logging
from typing import Protocol

import pjsua2 as pj

from softphone.sip._scrub import Scrubber
from softphone.sip.events import (
    CallDirection,
    CallState,
    CallStateChanged,
    DtmfMethod,
    DtmfReceived,
    IncomingCall,
    RegistrationChanged,
    RegState,
    SrtpMode,
    TransferProgress,
    Transport,
)
from softphone.sip.spec import AccountSpec, EndpointSpec

LOGGER_NAME = "sampark.sip"

_CALL_STATES = {
    pj.PJSIP_INV_STATE_NULL: CallState.CALLING,
    pj.PJSIP_INV_STATE_CALLING: CallState.CALLING,
    pj.PJSIP_INV_STATE_INCOMING: CallState.INCOMING,
    pj.PJSIP_INV_STATE_EARLY: CallState.EARLY,
    pj.PJSIP_INV_STATE_CONNECTING: CallState.CONNECTING,
    pj.PJSIP_INV_STATE_CONFIRMED: CallState.CONFIRMED,
    pj.PJSIP_INV_STATE_DISCONNECTED: CallState.DISCONNECTED,
}
_SRTP_USE = {
    SrtpMode.DISABLED: pj.PJMEDIA_SRTP_DISABLED,
    SrtpMode.OPTIONAL: pj.PJMEDIA_SRTP_OPTIONAL,
    SrtpMode.MANDATORY: pj.PJMEDIA_SRTP_MANDATORY,
}
PJ_TRANSPORT_TYPES = {
    Transport.UDP: pj.PJSIP_TRANSPORT_UDP,
    Transport.TCP: pj.PJSIP_TRANSPORT_TCP,
    Transport.TLS: pj.PJSIP_TRANSPORT_TLS,
}
_PY_LEVELS = {0: logging.CRITICAL, 1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO}
_DTMF_IS_UPDATE = 1  # PJMEDIA_STREAM_DTMF_IS_UPDATE (not exported by the wheel)
_HIDDEN_HEADERS = frozenset({"authorization", "proxy-authorization"})


class Sink(Protocol):
    """What the callbacks forward to (implemented by the engine's SIP-thread core)."""

    def on_registration(self, event: RegistrationChanged) -> None: ...
    def on_incoming(self, account_id: int, pj_call_id: int, event_data: dict) -> None: ...
    def on_call_state(self, call_id: int, event: CallStateChanged) -> None: ...
    def on_media_state(self, call_id: int) -> None: ...
    def on_dtmf(self, event: DtmfReceived) -> None: ...
    def on_transfer(self, event: TransferProgress) -> None: ...
    def on_info(self, call_id: int, headers: tuple, body: str) -> None: ...


class PjLogWriter(pj.LogWriter):
    """Routes pjsip log lines into ``logging`` (logger ``sampark.sip``), scrubbed."""

    def __init__(self, scrubber: Scrubber) -> None:
        super().__init__()
        self._scrubber = scrubber
        self._log = logging.getLogger(LOGGER_NAME)

    def write(self, entry: pj.LogEntry) -> None:
        level = _PY_LEVELS.get(entry.level, logging.DEBUG)
        if self._log.isEnabledFor(level):
            self._log.log(level, "%s", self._scrubber.scrub(entry.msg.rstrip()))


class PjAccount(pj.Account):
    def __init__(self, sink: Sink, account_id: int) -> None:
        super().__init__()
        self.sink = sink
        self.account_id = account_id
        self.last_state = RegState.UNREGISTERED

    def _emit(self, state: RegState, code: int = 0, reason: str = "", expires: int = 0) -> None:
        self.last_state = state
        self.sink.on_registration(
            RegistrationChanged(self.account_id, state, code, reason, expires)
        )

    def onRegStarted(self, prm: pj.OnRegStartedParam) -> None:
        if prm.renew and self.last_state is not RegState.REGISTERED:
            self._emit(RegState.REGISTERING)

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        code, reason, expires = int(prm.code), str(prm.reason), int(prm.expiration)
        if prm.status != pj.PJ_SUCCESS or code >= 300 or code == 0:
            state = RegState.FAILED
        elif expires > 0:
            state = RegState.REGISTERED
        else:
            state = RegState.UNREGISTERED
        self._emit(state, code, reason, expires)

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        data = parse_request(prm.rdata.wholeMsg)
        self.sink.on_incoming(self.account_id, int(prm.callId), data)


class PjCall(pj.Call):
    def __init__(
        self,
        account: PjAccount,
        sink: Sink,
        call_id: int,
        direction: CallDirection,
        pj_call_id: int = pj.PJSUA_INVALID_ID,
    ) -> None:
        super().__init__(account, pj_call_id)
        self.sink = sink
        self.call_id = call_id
        self.direction = direction
        self.on_hold = False
        self.muted = False
        self.media_active = False
        self.srtp_active = False
        self.state = (
            CallState.INCOMING if direction is CallDirection.INCOMING else CallState.CALLING
        )

    def state_event(self, ci: pj.CallInfo | None = None) -> CallStateChanged:
        ci = ci or self.getInfo()
        return CallStateChanged(
            call_id=self.call_id,
            state=self.state,
            direction=self.direction,
            remote_uri=str(ci.remoteUri),
            code=int(ci.lastStatusCode),
            reason=str(ci.lastReason),
            media_active=self.media_active,
            on_hold=self.on_hold,
            muted=self.muted,
        )

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        ci = self.getInfo()
        self.state = _CALL_STATES.get(ci.state, CallState.CALLING)
        if self.state is CallState.DISCONNECTED:
            self.media_active = False
        self.sink.on_call_state(self.call_id, self.state_event(ci))

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        self.sink.on_media_state(self.call_id)

    def onDtmfEvent(self, prm: pj.OnDtmfEventParam) -> None:
        """RFC 4733 (start, updates, end) and SIP INFO digits: report each digit once."""
        if prm.flags & _DTMF_IS_UPDATE:
            return
        info = prm.method == pj.PJSUA_DTMF_METHOD_SIP_INFO
        method = DtmfMethod.SIP_INFO if info else DtmfMethod.RFC4733
        self.sink.on_dtmf(DtmfReceived(self.call_id, str(prm.digit), method))

    def onCallTsxState(self, prm: pj.OnCallTsxStateParam) -> None:
        """Incoming in-dialog INFO (not DTMF, which pjsua handles): forwarded once, while its
        transaction is TRYING. pjsua answers it (200) after this callback returns."""
        if prm.e.type != pj.PJSIP_EVENT_TSX_STATE:
            return
        tsx = prm.e.body.tsxState.tsx
        if tsx.role != pj.PJSIP_ROLE_UAS or tsx.method != "INFO":
            return
        if tsx.state != pj.PJSIP_TSX_STATE_TRYING:
            return
        whole = str(prm.e.body.tsxState.src.rdata.wholeMsg)
        body = whole.replace("\r\n", "\n").partition("\n\n")[2]
        self.sink.on_info(self.call_id, parse_request(whole)["headers"], body)

    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        event = TransferProgress(
            self.call_id, int(prm.statusCode), str(prm.reason), bool(prm.finalNotify)
        )
        self.sink.on_transfer(event)


# -- parsing -------------------------------------------------------------------------
def parse_request(whole_msg: str) -> dict:
    """Headers (in order, unfolded) and From display/URI of a received request."""
    head = whole_msg.replace("\r\n", "\n").split("\n\n", 1)[0]
    lines: list[str] = []
    for line in head.split("\n")[1:]:
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()
        elif line:
            lines.append(line)
    headers: list[tuple[str, str]] = []
    for line in lines:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() not in _HIDDEN_HEADERS:
            headers.append((name.strip(), value.strip()))
    return {"headers": tuple(headers)}


def incoming_event(call_id: int, account_id: int, ci: pj.CallInfo, data: dict) -> IncomingCall:
    remote = str(ci.remoteUri)
    display = ""
    if remote.startswith('"'):
        display = remote[1:].split('"', 1)[0]
    return IncomingCall(call_id, account_id, remote, display, data["headers"])


# -- config builders -----------------------------------------------------------------
def ep_config(spec: EndpointSpec, writer: PjLogWriter) -> pj.EpConfig:
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.userAgent = spec.user_agent
    cfg.logConfig.writer = writer
    cfg.logConfig.level = spec.log_level
    cfg.logConfig.consoleLevel = spec.log_level
    cfg.logConfig.msgLogging = True
    cfg.logConfig.decor = pj.PJ_LOG_HAS_SENDER
    med = cfg.medConfig
    med.clockRate = spec.clock_rate
    med.sndClockRate = spec.clock_rate
    med.audioFramePtime = spec.ptime_ms
    med.ptime = spec.ptime_ms
    med.noVad = spec.no_vad
    med.ecTailLen = spec.ec_tail_ms
    med.quality = spec.media_quality
    med.threadCnt = 1
    return cfg


def transport_config(spec: EndpointSpec, port: int) -> pj.TransportConfig:
    tcfg = pj.TransportConfig()
    tcfg.port = port
    if spec.bind_address:
        tcfg.boundAddress = spec.bind_address
    tls = tcfg.tlsConfig
    tls.verifyServer = spec.tls_verify_server
    tls.method = pj.PJSIP_TLSV1_2_METHOD
    if spec.tls_ca_file:
        tls.CaListFile = spec.tls_ca_file
    return tcfg


def with_transport(uri: str, transport: Transport) -> str:
    """Add ``;transport=`` to a SIP URI for TCP/TLS unless it already names one."""
    if not uri or transport is Transport.UDP or "transport=" in uri.lower():
        return uri
    if uri.endswith(">"):
        return f"{uri[:-1]};transport={transport.value}>"
    return f"{uri};transport={transport.value}"


def account_config(
    spec: AccountSpec, srtp: SrtpMode, secure_signaling: int, transport_id: int
) -> pj.AccountConfig:
    acfg = pj.AccountConfig()
    acfg.idUri = spec.uri
    reg = acfg.regConfig
    reg.registrarUri = with_transport(spec.registrar, spec.transport)
    reg.registerOnAdd = bool(spec.registrar)
    reg.timeoutSec = spec.register_expires_s
    reg.retryIntervalSec = spec.retry_interval_s
    reg.firstRetryIntervalSec = min(spec.retry_interval_s, 5)
    reg.randomRetryIntervalSec = 0
    reg.delayBeforeRefreshSec = min(5, max(1, spec.register_expires_s // 4))
    reg.dropCallsOnFail = False
    if spec.password or spec.auth_user:
        cred = pj.AuthCredInfo("digest", "*", spec.auth_user or spec.user, 0, spec.password)
        acfg.sipConfig.authCreds.append(cred)
    if spec.proxy:
        acfg.sipConfig.proxies.append(with_transport(spec.proxy, spec.transport))
    acfg.sipConfig.transportId = transport_id
    acfg.natConfig.sipOutboundUse = 0
    acfg.mediaConfig.srtpUse = _SRTP_USE[srtp]
    acfg.mediaConfig.srtpSecureSignaling = secure_signaling
    return acfg


def call_op(
    code: int = 0, reason: str = "", headers: dict[str, str] | None = None
) -> pj.CallOpParam:
    prm = pj.CallOpParam(True)
    if code:
        prm.statusCode = code
    if reason:
        prm.reason = reason
    for name, value in (headers or {}).items():
        hdr = pj.SipHeader()
        hdr.hName = name
        hdr.hValue = value
        prm.txOption.headers.append(hdr)
    return prm


def info_request(headers: dict[str, str], body: str, ctype: str) -> pj.CallSendRequestParam:
    prm = pj.CallSendRequestParam()
    prm.method = "INFO"
    for name, value in headers.items():
        hdr = pj.SipHeader()
        hdr.hName = name
        hdr.hValue = value
        prm.txOption.headers.append(hdr)
    if body:
        prm.txOption.contentType = ctype or "text/plain"
        prm.txOption.msgBody = body
    return prm


def audio_media_indexes(call: pj.Call) -> list[int]:
    """Indexes of the call's audio streams whose media flows (active or held by the peer)."""
    flowing = (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD)
    ci = call.getInfo()  # keep it alive: ``media`` items point into it
    return [
        int(m.index) for m in ci.media if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status in flowing
    ]


def local_hold(call: pj.Call) -> bool:
    ci = call.getInfo()
    return any(
        m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_LOCAL_HOLD
        for m in ci.media
    )


def srtp_active(call: pj.Call) -> bool:
    """Whether SRTP protects the call's media (pjsua2 exposes this only in the call dump)."""
    try:
        return "SRTP status: Active" in call.dump(True, "")
    except pj.Error:
        return False


def stream_numbers(call: pj.Call, index: int) -> dict:
    """Raw RTP/RTCP figures of one stream, in the units ``MediaStats`` uses."""
    stream = call.getStreamStat(index)
    stat = stream.rtcp
    info = call.getStreamInfo(index)
    rx, tx = stat.rxStat, stat.txStat
    received, lost = int(rx.pkt), int(rx.loss)
    ci = call.getInfo()
    return {
        "codec": f"{info.codecName}/{info.codecClockRate}",
        "duration_s": ci.connectDuration.sec + ci.connectDuration.msec / 1000.0,
        "tx_packets": int(tx.pkt),
        "rx_packets": received,
        "rx_lost": lost,
        "rx_loss_pct": round(100.0 * lost / (received + lost), 2) if received + lost else 0.0,
        "jitter_ms": round(rx.jitterUsec.last / 1000.0, 2),
        "rtt_ms": round(stat.rttUsec.last / 1000.0, 2),
    }
