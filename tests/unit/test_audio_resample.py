"""Resampling: block (streaming) and whole-signal, checked by the dominant frequency."""

from __future__ import annotations

import numpy as np
import pytest

from softphone.audio.resample import BlockResampler, resample_signal


def _dominant_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec) * rate / len(x))


def _tone(freq: float, rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return 10000 * np.sin(2 * np.pi * freq * t)


@pytest.mark.parametrize(("src", "dst"), [(48000, 16000), (44100, 16000), (8000, 16000)])
def test_resample_signal_keeps_frequency_and_length(src: int, dst: int) -> None:
    y = resample_signal(_tone(1000, src, 1.0), src, dst)
    assert len(y) == dst
    assert abs(_dominant_hz(y, dst) - 1000) < 5
    assert 8000 < np.max(np.abs(y[100:-100])) < 11000


def test_resample_signal_same_rate_is_identity() -> None:
    x = _tone(440, 16000, 0.1)
    assert np.array_equal(resample_signal(x, 16000, 16000), x)


@pytest.mark.parametrize(("src", "dst"), [(48000, 16000), (44100, 16000), (16000, 48000)])
def test_block_resampler_is_continuous_across_blocks(src: int, dst: int) -> None:
    n_in, n_out = src // 50, dst // 50
    r = BlockResampler(n_in, n_out)
    x = _tone(1000, src, 1.0).astype(np.int16)
    out = np.empty(n_out, dtype=np.int16)
    chunks = []
    for i in range(50):
        r.process(x[i * n_in : (i + 1) * n_in], out)
        chunks.append(out.copy())
    y = np.concatenate(chunks).astype(np.float64)
    assert len(y) == dst
    assert abs(_dominant_hz(y, dst) - 1000) < 5
    # continuity: no jump larger than a 1 kHz sine can make between two samples (+ margin)
    max_step = 10000 * 2 * np.pi * 1000 / dst
    assert np.max(np.abs(np.diff(y[10:]))) < max_step * 1.2


def test_block_resampler_allocates_nothing_per_block() -> None:
    r = BlockResampler(960, 320)
    src = np.zeros(960, dtype=np.int16)
    dst = np.empty(320, dtype=np.int16)
    ids = (id(r._x), id(r._a), id(r._b))
    r.process(src, dst)
    assert (id(r._x), id(r._a), id(r._b)) == ids
