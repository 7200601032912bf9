"""Audio round trip through the real bridge: headset device -> SipEngine -> RTP -> sipp
``-rtp_echo`` -> RTP -> SipEngine -> HeadsetPort -> the device's recording.

A tone (from a ``ToneDevice``, or a 44.1 kHz stereo WAV through a ``FileDevice``, which also
exercises resampling) is the caller's voice; what the caller hears is recorded to a WAV and
must contain the tone's frequency (Goertzel) and not a different one.
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest
from siptest import EventLog, echo_call, wait_until

from softphone.audio.device import AudioDevice
from softphone.audio.files import FileDevice, ToneDevice, read_wav
from softphone.sip.events import MediaStats

pytestmark = [pytest.mark.sipp, pytest.mark.timeout(90)]

CALL_SECONDS = 3.0


def goertzel_power(x: np.ndarray, freq: float, rate: int) -> float:
    """Normalised power of ``x`` at ``freq`` (Goertzel; amplitude A sine -> about A**2 / 4)."""
    coeff = 2.0 * math.cos(2.0 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for v in x.tolist():
        s1, s2 = v + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return power / (len(x) ** 2)


def _stereo_wav(path: Path, freq: float, rate: int = 44100, seconds: float = 5.0) -> None:
    t = np.arange(int(rate * seconds)) / rate
    mono = (9000 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(mono, 2).tobytes())


def _call_echo(device: AudioDevice, sipp, events: EventLog) -> tuple[MediaStats, dict]:
    with echo_call(sipp, device, events) as call:
        stats = events.wait_for(
            lambda e: isinstance(e, MediaStats) and e.call_id == call.call_id
            and e.rx_packets > 100,
            CALL_SECONDS + 5,
        )  # fmt: skip
        # the real bridge port's counters; hold no reference to the port itself: it must die
        # on the SIP thread before libDestroy (a late destructor aborts in pjmedia)
        copy = call.engine._core.headset.copy_stats()
        call.hang_up()
        wait_until(lambda: call.engine.active_call_ids() == [], 2, "no calls left")
    assert isinstance(stats, MediaStats)
    return stats, copy


def _assert_tone(path: Path, freq: float, other: float) -> None:
    x, rate = read_wav(path)
    assert rate == 16000
    assert len(x) > rate * 1.5, f"recording too short: {len(x)} samples"
    voiced = np.flatnonzero(np.abs(x) > 1000)
    assert len(voiced) > rate, "the echo never came back"
    seg = x[voiced[0] + rate // 4 :][:rate]  # one second, after the first echo settled
    p_tone = goertzel_power(seg, freq, rate)
    p_other = goertzel_power(seg, other, rate)
    assert p_tone > 1e5, p_tone  # amplitude of the echoed tone > ~630
    assert p_tone > 1000 * p_other, (p_tone, p_other)


def test_tone_device_round_trip_through_sipp_echo(tmp_path: Path, sipp) -> None:
    rec = tmp_path / "heard.wav"
    stats, copy = _call_echo(ToneDevice(1000, amplitude=0.3, record=rec), sipp, EventLog())
    assert stats.codec.startswith("PCMU")
    assert copy["copy_path"] == "memmove", copy
    assert copy["frames_received"] > 100 and copy["frames_requested"] > 100
    assert copy["slow_frames"] == 0
    _assert_tone(rec, 1000, 1700)


def test_file_device_round_trip_resamples_44k_stereo(tmp_path: Path, sipp) -> None:
    src, rec = tmp_path / "say.wav", tmp_path / "heard.wav"
    _stereo_wav(src, 700)
    _call_echo(FileDevice(play=src, record=rec), sipp, EventLog())
    _assert_tone(rec, 700, 1000)


def test_device_swap_mid_call_switches_both_directions(tmp_path: Path, sipp) -> None:
    first = ToneDevice(1000, amplitude=0.3, record=tmp_path / "first.wav")
    second = ToneDevice(1500, amplitude=0.3, record=tmp_path / "second.wav")
    with echo_call(sipp, first, EventLog()) as call:
        wait_until(lambda: first.stats.frames_in > 100, 10, "audio on the first device")
        call.engine.set_audio_device(second)
        wait_until(lambda: second.stats.frames_in > 100, 10, "audio on the second device")
    assert first._wav is None  # the engine closed the old device after the swap
    _assert_tone(tmp_path / "first.wav", 1000, 1500)
    x, rate = read_wav(tmp_path / "second.wav")
    tail = x[len(x) // 2 :]  # the old tone may still be in flight at the start
    assert goertzel_power(tail, 1500, rate) > 1000 * goertzel_power(tail, 1000, rate)
