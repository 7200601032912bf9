"""FileDevice / ToneDevice: WAV in (any common format, resampled), WAV out, tone generator."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from softphone.audio.files import FileDevice, ToneDevice, read_wav, write_wav


def _dominant_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec) * rate / len(x))


def _write(path: Path, x: np.ndarray, rate: int, channels: int, width: int) -> None:
    if width == 1:
        data = (np.clip(x / 256 + 128, 0, 255)).astype(np.uint8)
    elif width == 2:
        data = x.astype("<i2")
    else:
        data = (x.astype(np.int64) * 65536).astype("<i4")
    if channels == 2:
        data = np.repeat(data, 2)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data.tobytes())


def _pull(dev: FileDevice | ToneDevice, frames: int) -> np.ndarray:
    buf = bytearray(dev.frame_bytes)
    out = []
    for _ in range(frames):
        dev.read_capture(memoryview(buf))
        out.append(np.frombuffer(bytes(buf), dtype=np.int16))
    return np.concatenate(out)


@pytest.mark.parametrize(
    ("rate", "channels", "width"), [(16000, 1, 2), (44100, 2, 2), (8000, 1, 1), (48000, 2, 4)]
)
def test_file_device_plays_any_common_wav_at_clock_rate(
    tmp_path: Path, rate: int, channels: int, width: int
) -> None:
    t = np.arange(rate) / rate
    _write(tmp_path / "in.wav", 8000 * np.sin(2 * np.pi * 700 * t), rate, channels, width)
    dev = FileDevice(play=tmp_path / "in.wav")
    dev.open(16000, 320)
    y = _pull(dev, 50).astype(np.float64)
    assert abs(_dominant_hz(y, 16000) - 700) < 5
    assert 6000 < np.max(np.abs(y)) < 9000
    assert not dev.finished
    _pull(dev, 2)
    assert dev.finished
    assert not _pull(dev, 1).any()  # silence after the end


def test_file_device_loops(tmp_path: Path) -> None:
    write_wav(tmp_path / "s.wav", np.arange(1, 101, dtype=np.int16), 16000)
    dev = FileDevice(play=tmp_path / "s.wav", loop=True)
    dev.open(16000, 160)
    y = _pull(dev, 3)
    assert list(y[:100]) == list(range(1, 101))
    assert list(y[100:200]) == list(range(1, 101))
    assert not dev.finished


def test_file_device_records_playback(tmp_path: Path) -> None:
    dev = FileDevice(record=tmp_path / "sub" / "out.wav")
    dev.open(8000, 160)
    frames = [np.full(160, i, dtype=np.int16) for i in range(10)]
    for f in frames:
        dev.write_playback(memoryview(f.tobytes()))
    dev.close()
    dev.close()  # idempotent
    x, rate = read_wav(tmp_path / "sub" / "out.wav")
    assert rate == 8000
    assert np.array_equal(x, np.concatenate(frames))
    assert dev.stats.frames_in == 10


@pytest.mark.parametrize("freq", [1000, 997.5])  # table path, computed path
def test_tone_device_is_phase_continuous(tmp_path: Path, freq: float) -> None:
    dev = ToneDevice(freq, amplitude=0.5, record=tmp_path / "r.wav")
    dev.open(16000, 320)
    y = _pull(dev, 80).astype(np.float64)  # 1.6 s: crosses the table's wrap-around
    assert abs(_dominant_hz(y, 16000) - freq) < 2
    assert abs(np.max(np.abs(y)) - 16383) < 50
    max_step = 16384 * 2 * np.pi * freq / 16000
    assert np.max(np.abs(np.diff(y))) < max_step * 1.01
    assert dev.stats.frames_out == 80
