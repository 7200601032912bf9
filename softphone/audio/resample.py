"""Cheap sample-rate conversion with numpy.

* ``BlockResampler``: streaming linear interpolation between two fixed block sizes of the same
  duration (e.g. 960 samples at 48 kHz <-> 320 at 16 kHz), for a PortAudio device that refuses
  the engine's clock rate. Continuous across blocks (it keeps the previous block's last sample;
  one input sample of delay), all buffers preallocated. When decimating it first averages
  neighbouring samples (a two-tap box filter) to take the edge off aliasing; headset audio has
  little energy above the engine's Nyquist frequency anyway.
* ``resample_signal``: whole-signal conversion for files (windowed-sinc low-pass when
  decimating, then linear interpolation).
"""

from __future__ import annotations

import numpy as np


class BlockResampler:
    """Converts int16 blocks of ``in_samples`` into int16 blocks of ``out_samples``."""

    def __init__(self, in_samples: int, out_samples: int) -> None:
        self.in_samples = in_samples
        self.out_samples = out_samples
        step = in_samples / out_samples
        pos = np.arange(out_samples, dtype=np.float64) * step  # in x coordinates (x[0] = prev)
        self._i0 = np.floor(pos).astype(np.intp)
        self._i1 = self._i0 + 1
        self._w1 = (pos - self._i0).astype(np.float32)
        self._w0 = (1.0 - self._w1).astype(np.float32)
        self._smooth = step > 1.0
        self._x = np.zeros(in_samples + 1, dtype=np.float32)
        self._a = np.empty(out_samples, dtype=np.float32)
        self._b = np.empty(out_samples, dtype=np.float32)
        self._raw = np.zeros(in_samples + 1, dtype=np.float32)

    def process(self, src: np.ndarray, dst: np.ndarray) -> None:
        """``src``: int16[in_samples]; ``dst``: int16[out_samples] (written in place)."""
        x = self._x
        x[0] = x[-1]
        if self._smooth:
            raw = self._raw
            raw[0] = raw[-1]
            raw[1:] = src
            np.add(raw[1:], raw[:-1], out=x[1:])
            x[1:] *= 0.5
        else:
            x[1:] = src
        np.take(x, self._i0, out=self._a)
        np.take(x, self._i1, out=self._b)
        self._a *= self._w0
        self._b *= self._w1
        self._a += self._b
        np.rint(self._a, out=self._a)
        np.clip(self._a, -32768, 32767, out=self._a)
        dst[:] = self._a


def _lowpass(x: np.ndarray, cutoff: float, taps: int = 63) -> np.ndarray:
    """Windowed-sinc low-pass; ``cutoff`` as a fraction of the sample rate (< 0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    h = np.sinc(2 * cutoff * n) * np.hamming(taps)
    h /= h.sum()
    return np.convolve(x, h, mode="same")


def resample_signal(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample a mono float or int signal; returns float64 at ``dst_rate``."""
    x = np.asarray(samples, dtype=np.float64)
    if src_rate == dst_rate or len(x) == 0:
        return x
    if dst_rate < src_rate:
        x = _lowpass(x, 0.45 * dst_rate / src_rate)
    n_out = round(len(x) * dst_rate / src_rate)
    t_out = np.arange(n_out) * (src_rate / dst_rate)
    return np.interp(t_out, np.arange(len(x)), x)


def to_int16(x: np.ndarray) -> np.ndarray:
    """Round and clip a float signal in int16 units to int16."""
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)
