"""File and tone devices: a WAV file or a sine tone as the caller's voice, a WAV as their ears.

Used by tests and by ``sampark call/answer --play/--record``. They are paced by the caller
(pjmedia's clock calls ``read_capture``/``write_playback`` once per frame), so they need no
thread of their own.

* ``FileDevice(play=..., record=..., loop=False)``: capture plays a WAV (8/16/24/32-bit PCM, any
  rate, mono or stereo — mixed down and resampled to the clock rate at ``open``), then silence
  (or loops); playback is written to a 16-bit mono WAV at the clock rate.
* ``ToneDevice(freq_hz, amplitude, record=...)``: capture is a continuous sine tone.

``read_wav``/``write_wav`` are small helpers shared with the ringer and the tests.

numpy is imported only where a WAV is decoded or resampled: a tone or a plain recording keeps
a headless engine process free of it (RSS, see bench/).
"""

from __future__ import annotations

import math
import wave
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

from softphone.audio.device import AudioDevice

if TYPE_CHECKING:
    import numpy as np


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Return (mono float64 samples in int16 units, sample rate) from a PCM WAV file."""
    import numpy as np

    with wave.open(str(path), "rb") as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    if width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) * 256.0
    elif width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / 256.0).astype(np.float64)
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 65536.0
    else:
        raise ValueError(f"{path}: unsupported sample width {width}")
    if channels > 1:
        x = x[: len(x) - len(x) % channels].reshape(-1, channels).mean(axis=1)
    return x, rate


def load_wav(path: str | Path, rate: int) -> np.ndarray:
    """A WAV file as mono int16 at ``rate``."""
    from softphone.audio.resample import resample_signal, to_int16

    x, src_rate = read_wav(path)
    return to_int16(resample_signal(x, src_rate, rate))


def write_wav(path: str | Path, samples: np.ndarray, rate: int) -> None:
    """Write mono int16 samples as a 16-bit WAV."""
    import numpy as np

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())


class _Recorder:
    """Playback side shared by the file and tone devices: frames appended to a WAV."""

    def __init__(self, record: str | Path | None) -> None:
        self.record_path = Path(record) if record else None
        self._wav: wave.Wave_write | None = None

    def _open_record(self, rate: int) -> None:
        self._close_record()
        if self.record_path is not None:
            self.record_path.parent.mkdir(parents=True, exist_ok=True)
            self._wav = wave.open(str(self.record_path), "wb")  # noqa: SIM115 (kept open)
            self._wav.setnchannels(1)
            self._wav.setsampwidth(2)
            self._wav.setframerate(rate)

    def _record(self, buf: memoryview) -> None:
        if self._wav is not None:
            self._wav.writeframesraw(buf)

    def _close_record(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None


class FileDevice(AudioDevice, _Recorder):
    name = "file"

    def __init__(
        self,
        play: str | Path | None = None,
        record: str | Path | None = None,
        loop: bool = False,
    ) -> None:
        AudioDevice.__init__(self)
        _Recorder.__init__(self, record)
        self.play_path = Path(play) if play else None
        self.loop = loop
        self._bytes = memoryview(b"")
        self._pos = 0
        self.finished = self.play_path is None  # True once the play file has been played out

    def open(self, clock_rate: int, samples_per_frame: int) -> None:
        super().open(clock_rate, samples_per_frame)
        if self.play_path is not None:
            samples = load_wav(self.play_path, clock_rate)
            self._bytes = samples.data.cast("B")
            self._pos = 0
            self.finished = len(samples) == 0
        self._open_record(clock_rate)

    def close(self) -> None:
        self._close_record()

    def read_capture(self, buf: memoryview) -> None:
        n = len(buf)
        data = self._bytes
        end = self._pos + n
        if end <= len(data):
            buf[:] = data[self._pos : end]
            self._pos = end
        else:
            self._read_tail(buf)
        self.stats.frames_out += 1

    def _read_tail(self, buf: memoryview) -> None:
        data, n = self._bytes, len(buf)
        rest = max(0, len(data) - self._pos)
        buf[:rest] = data[self._pos : self._pos + rest]
        if self.loop and len(data):
            self._pos = 0
            fill = n - rest
            while fill:  # a file shorter than a frame repeats within the frame
                chunk = min(fill, len(data))
                buf[n - fill : n - fill + chunk] = data[:chunk]
                self._pos = chunk % len(data)
                fill -= chunk
        else:
            buf[rest:] = bytes(n - rest)
            self._pos = len(data)
            self.finished = True

    def write_playback(self, buf: memoryview) -> None:
        self._record(buf)
        self.stats.frames_in += 1


class ToneDevice(AudioDevice, _Recorder):
    """A continuous sine tone as capture (phase-continuous across frames).

    For a whole-number frequency one second is exactly periodic: it is precomputed once (plus
    one frame, so a frame never wraps) and each frame is one slice copy. Other frequencies are
    computed per frame (pure Python, a few tens of microseconds).
    """

    name = "tone"

    def __init__(
        self, freq_hz: float = 1000.0, amplitude: float = 0.3, record: str | Path | None = None
    ) -> None:
        AudioDevice.__init__(self)
        _Recorder.__init__(self, record)
        self.freq_hz = freq_hz
        self.amplitude = amplitude
        self._phase = 0.0
        self._pos = 0

    def open(self, clock_rate: int, samples_per_frame: int) -> None:
        super().open(clock_rate, samples_per_frame)
        self._step = 2 * math.pi * self.freq_hz / clock_rate
        self._scale = 32767.0 * self.amplitude
        self._out = array("h", bytes(samples_per_frame * 2))
        self._table_view: memoryview | None = None
        if float(self.freq_hz).is_integer():
            step, scale = self._step, self._scale
            table = array("h", (round(math.sin(i * step) * scale) for i in range(clock_rate)))
            table.extend(table[:samples_per_frame])
            self._table_view = memoryview(table).cast("B")
            self._pos = 0
        self._open_record(clock_rate)

    def close(self) -> None:
        self._close_record()

    def read_capture(self, buf: memoryview) -> None:
        table = self._table_view
        if table is not None:
            start = self._pos * 2
            buf[:] = table[start : start + len(buf)]
            self._pos = (self._pos + len(buf) // 2) % self.clock_rate
            self.stats.frames_out += 1
            return
        out, phase, step, scale = self._out, self._phase, self._step, self._scale
        for i in range(len(out)):
            out[i] = round(math.sin(phase + i * step) * scale)
        buf[:] = memoryview(out).cast("B")
        self._phase = (phase + step * self.samples_per_frame) % (2 * math.pi)
        self.stats.frames_out += 1

    def write_playback(self, buf: memoryview) -> None:
        self._record(buf)
        self.stats.frames_in += 1
