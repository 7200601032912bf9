"""Incoming calls, DTMF, transfer, mute, SRTP modes and log scrubbing against sipp."""

from __future__ import annotations

import logging
import time
import wave

import numpy as np
import pytest
from siptest import SHARED_TESTDATA, wait_until

from softphone.audio.device import AudioDevice
from softphone.sip.events import (
    CallState,
    CallStateChanged,
    DtmfMethod,
    DtmfReceived,
    EngineError,
    IncomingCall,
    MediaStats,
    SrtpMode,
    TransferProgress,
)
from softphone.sip.spec import AccountSpec

pytestmark = [pytest.mark.sipp, pytest.mark.timeout(60)]
LOCAL = AccountSpec(user="alice", domain="127.0.0.1")


def engine_target(engine) -> str:
    return f"127.0.0.1:{engine.local_ports['udp']}"


def incoming(events) -> IncomingCall:
    event = events.wait_for(lambda e: isinstance(e, IncomingCall), 10)
    assert isinstance(event, IncomingCall)
    return event


def test_incoming_call_rings_then_is_answered(engine, events, sipp):
    engine.add_account(LOCAL)
    sp = sipp("uac-call.xml", "-rtp_echo", remote=engine_target(engine), service="alice")
    call = incoming(events)
    assert call.remote_display == "Campaign Line"
    assert ("X-Campaign-Id", "camp-42") in call.headers
    events.wait_call(call.call_id, CallState.EARLY)  # we sent 180
    engine.answer(call.call_id)
    events.wait_call(call.call_id, CallState.CONFIRMED)
    rfc = events.wait_for(lambda e: isinstance(e, DtmfReceived), 5)
    assert (rfc.digit, rfc.method) == ("1", DtmfMethod.RFC4733)
    info = events.wait_for(lambda e: isinstance(e, DtmfReceived) and e is not rfc, 5)
    assert (info.digit, info.method) == ("5", DtmfMethod.SIP_INFO)
    end = events.wait_call(call.call_id, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()
    assert events.call_states(call.call_id) == [
        CallState.INCOMING,
        CallState.EARLY,
        CallState.CONNECTING,
        CallState.CONFIRMED,
        CallState.DISCONNECTED,
    ]
    assert end.code == 200
    wait_until(lambda: engine.active_call_ids() == [], 2)


def test_incoming_call_rejected(engine, events, sipp):
    engine.add_account(LOCAL)
    sp = sipp("uac-reject.xml", remote=engine_target(engine), service="alice")
    call = incoming(events)
    events.wait_call(call.call_id, CallState.EARLY)
    engine.reject(call.call_id, 603, "Decline")
    end = events.wait_call(call.call_id, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()
    assert end.code == 603
    wait_until(lambda: engine.active_call_ids() == [], 2)


def test_bad_ack_from_caller(engine, events, sipp):
    """pjsip's uac-bad-ack scenario: an ACK for the BYE's 200 must not upset the engine."""
    engine.add_account(LOCAL, auto_answer=True)
    scenario = (SHARED_TESTDATA / "sipp" / "pjsip" / "uac-bad-ack.xml").resolve()
    sp = sipp(scenario, "-d", "500", remote=engine_target(engine), service="alice")
    call = incoming(events)
    events.wait_call(call.call_id, CallState.CONFIRMED)
    events.wait_call(call.call_id, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()
    wait_until(lambda: engine.active_call_ids() == [], 2)


def _answered_call(engine, events, sp, spec: AccountSpec = LOCAL) -> int:
    account = engine.add_account(spec)
    call = engine.make_call(account, f"sip:service@{sp.uri_host}")
    events.wait_call(call, CallState.CONFIRMED)
    events.wait_for(lambda e: isinstance(e, CallStateChanged) and e.media_active, 5)
    return call


def test_dtmf_rfc4733_round_trip_through_echo(engine, events, sipp):
    sp = sipp("uas-dtmf-echo.xml", "-rtp_echo")
    call = _answered_call(engine, events, sp)
    engine.send_dtmf(call, "19#")
    for digit in "19#":
        got = events.wait_for(lambda e, d=digit: isinstance(e, DtmfReceived) and e.digit == d, 5)
        assert got.method is DtmfMethod.RFC4733
    engine.hangup(call)
    events.wait_call(call, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()


def test_dtmf_falls_back_to_sip_info(engine, events, sipp):
    sp = sipp("uas-dtmf-info.xml", "-rtp_echo")
    call = _answered_call(engine, events, sp)
    engine.send_dtmf(call, "1#")
    wait_until(lambda: sp.messages().count("INFO sip:") >= 2, 5, "two INFO requests")
    engine.hangup(call)
    events.wait_call(call, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()
    assert not events.of(EngineError, call_id=call)


def test_blind_transfer(engine, events, sipp):
    sp = sipp("uas-transfer.xml", "-rtp_echo")
    call = _answered_call(engine, events, sp)
    engine.transfer(call, "sip:agent2@127.0.0.1")
    final = events.wait_for(lambda e: isinstance(e, TransferProgress) and e.final, 5)
    assert (final.code, final.call_id) == (200, call)
    events.wait_call(call, CallState.DISCONNECTED)  # we hang up after a successful transfer
    assert sp.wait() == 0, sp.diagnostics()
    assert events.of(TransferProgress, call_id=call)[0].code in (100, 200)


class ProbeDevice(AudioDevice):
    """Headset stand-in: says a steady 1 kHz tone, remembers how loud each heard frame was."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []
        self._tone = b""

    def open(self, clock_rate: int, samples_per_frame: int) -> None:
        super().open(clock_rate, samples_per_frame)
        t = np.arange(samples_per_frame) / clock_rate
        self._tone = (8000 * np.sin(2 * np.pi * 1000 * t)).astype("<i2").tobytes()

    def read_capture(self, buf: memoryview) -> None:
        buf[:] = self._tone[: len(buf)]

    def write_playback(self, buf: memoryview) -> None:
        self.levels.append(int(np.abs(np.frombuffer(buf, dtype="<i2")).max(initial=0)))

    def recent_level(self, seconds: float = 0.3) -> int:
        frames = max(1, int(seconds * self.clock_rate / self.samples_per_frame))
        return max(self.levels[-frames:], default=0)


def test_mute_stops_the_headset_to_remote_path(engine_factory, events, sipp):
    """With the far end echoing RTP, the caller hears their own tone until muted."""
    probe = ProbeDevice()
    engine = engine_factory(device=probe)
    sp = sipp("uas-answer.xml", "-rtp_echo")
    call = _answered_call(engine, events, sp)
    wait_until(lambda: probe.recent_level() > 2000, 3, "echoed tone")
    engine.set_mute(call, True)
    events.wait_for(lambda e: isinstance(e, CallStateChanged) and e.muted, 3)
    wait_until(lambda: probe.recent_level() < 100, 3, "silence while muted")
    engine.set_mute(call, False)
    events.wait_for(
        lambda e: (
            isinstance(e, CallStateChanged)
            and not e.muted
            and e.ts > events.of(CallStateChanged, muted=True)[0].ts
        ),
        3,
    )
    wait_until(lambda: probe.recent_level() > 2000, 3, "echoed tone after unmute")
    engine.hangup(call)
    events.wait_call(call, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()


@pytest.mark.parametrize(
    ("mode", "profile", "offer_has_crypto", "secured"),
    [
        (SrtpMode.DISABLED, "RTP/AVP", False, False),
        (SrtpMode.OPTIONAL, "RTP/AVP", True, True),
        (SrtpMode.MANDATORY, "RTP/SAVP", True, True),
    ],
)
def test_srtp_modes(engine, events, sipp, mode, profile, offer_has_crypto, secured):
    sp = sipp("uas-srtp.xml", "-key", "profile", profile)
    spec = AccountSpec(user="alice", domain="127.0.0.1", srtp=mode)
    call = _answered_call(engine, events, sp, spec)
    stats = events.wait_for(lambda e: isinstance(e, MediaStats) and e.call_id == call, 3)
    engine.hangup(call)
    events.wait_call(call, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()
    offer = sp.messages().split("INVITE sip:", 1)[1].split("SIP/2.0 200", 1)[0]
    assert ("a=crypto:" in offer) is offer_has_crypto
    assert (f"{profile} " in offer) or mode is SrtpMode.OPTIONAL
    assert stats.srtp is secured


def test_logs_hold_no_secrets(engine_factory, events, sipp, caplog):
    """A call with digest auth and SDES-SRTP at full log level leaks no secret into logs."""
    password = "Al1ce-s3cret"
    engine = engine_factory(log_level=6)
    caplog.set_level(logging.DEBUG, logger="sampark.sip")
    sp = sipp("uas-auth-401.xml", "-rtp_echo")
    spec = AccountSpec(user="alice", domain="127.0.0.1", password=password, srtp=SrtpMode.OPTIONAL)
    call = _answered_call(engine, events, sp, spec)
    engine.hangup(call)
    events.wait_call(call, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()
    trace = sp.messages()
    keys = [
        line.split("inline:", 1)[1].split("|")[0].strip()
        for line in trace.splitlines()
        if "inline:" in line
    ]
    assert keys, "the offer carried SDES keys"
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "INVITE sip:" in text and "a=crypto" in text  # messages were logged...
    assert password not in text  # ...but not the secrets
    assert 'response="' not in text and "Authorization: Digest" not in text
    assert "8f1c0ffee5eed5a1d" not in text  # the server's nonce
    for key in keys:
        assert key not in text


def _write_tone_wav(path, freq: float = 800.0, seconds: float = 2.0, rate: int = 16000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    samples = (10000 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())


def test_play_and_record_on_a_headsetless_account(engine_factory, events, sipp, tmp_path):
    """``use_headset=False``: the call hears/says only the player and recorder, never the
    headset; the recording holds the played tone echoed back by sipp."""
    probe = ProbeDevice()
    engine = engine_factory(device=probe)
    prompt, recording = tmp_path / "prompt.wav", tmp_path / "heard.wav"
    _write_tone_wav(prompt)
    sp = sipp("uas-answer.xml", "-rtp_echo")
    account = engine.add_account(LOCAL, use_headset=False)
    call = engine.make_call(account, f"sip:service@{sp.uri_host}")
    engine.record_call(call, str(recording))  # before media: attached when it starts
    events.wait_call(call, CallState.CONFIRMED)
    engine.play_to_call(call, str(prompt), loop=True)
    time.sleep(1.5)
    engine.stop_playback(call)
    engine.hangup(call)
    events.wait_call(call, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()
    wait_until(lambda: engine.active_call_ids() == [], 2)
    # pjmedia closes the file on its next conference clock tick after the call ends.
    wait_until(lambda: recording.read_bytes()[4:8] != bytes(4), 1, "recording finalised")
    with wave.open(str(recording), "rb") as wav:
        heard = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        rate = wav.getframerate()
    assert heard.size > rate // 2 and np.abs(heard).max() > 2000
    spectrum = np.abs(np.fft.rfft(heard.astype(float)))
    peak_hz = np.argmax(spectrum) * rate / heard.size
    assert abs(peak_hz - 800) < 20
    assert max(probe.levels, default=0) == 0  # the headset heard nothing of this call
