"""Ringer: the ringtone loops into a file sink in real time; no device means a reported no-op."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from softphone.audio import ringer as ringer_mod
from softphone.audio.files import read_wav
from softphone.audio.ringer import RING_WAV, Ringer, RingLoop


def test_ring_wav_is_shipped_and_sane() -> None:
    x, rate = read_wav(RING_WAV)
    assert rate == 16000
    assert 2.0 < len(x) / rate < 6.0
    assert 10000 < np.max(np.abs(x)) < 32767  # audible, not clipped
    assert np.max(np.abs(x[-50:])) < 200  # silent loop point: no click


def test_ring_loop_wraps_around() -> None:
    loop = RingLoop(np.arange(1, 8, dtype=np.int16))
    out = np.zeros(5, dtype=np.int16)
    loop.fill(out)
    assert list(out) == [1, 2, 3, 4, 5]
    loop.fill(out)
    assert list(out) == [6, 7, 1, 2, 3]


def test_ringer_plays_the_ringtone_into_a_file_sink_until_stopped(tmp_path: Path) -> None:
    r = Ringer(sink=tmp_path / "ring_out.wav")
    assert r.available
    assert r.start() is True
    assert r.start() is True  # idempotent
    time.sleep(0.6)
    r.stop()
    assert not r.ringing
    x, rate = read_wav(tmp_path / "ring_out.wav")
    ring, _ = read_wav(RING_WAV)
    assert 0.4 < len(x) / rate < 1.2  # written at real-time pace
    assert np.array_equal(x, ring[: len(x)])


def test_ringer_without_device_is_a_reported_noop(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ringer_mod.devices, "portaudio_problem", lambda: "")
    monkeypatch.setattr(ringer_mod.devices, "resolve", lambda *_a, **_k: None)
    r = Ringer()
    assert not r.available
    assert r.start() is False
    assert not r.ringing
    assert "no PortAudio output device" in r.problem
    assert "will not ring" in caplog.text
    r.stop()  # harmless
