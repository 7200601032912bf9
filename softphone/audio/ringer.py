"""The ringer: loops ``resources/sounds/ring.wav`` on the ringer device while a call rings.

``Ringer(device_label)``: ``start()`` / ``stop()`` from any thread (the GUI thread normally);
``set_device(label)`` changes the device, also while ringing. Output goes to a sounddevice
``OutputStream`` whose own callback copies the looped samples (no Python thread of ours).
With no usable PortAudio device the ringer is a no-op that says why (``available``,
``problem``), logged once.

``sink=`` a WAV path replaces PortAudio with a file written in real time by a small thread —
for tests and headless line checks.
"""

from __future__ import annotations

import logging
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from softphone import paths
from softphone.audio import devices
from softphone.audio.files import load_wav

log = logging.getLogger(__name__)

RING_WAV = paths.resources_dir() / "sounds" / "ring.wav"


class RingLoop:
    """Endless copy of a sample array into output blocks (no allocation per block)."""

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = samples if len(samples) else np.zeros(1, dtype=np.int16)
        self.pos = 0

    def fill(self, out: np.ndarray) -> None:
        n, done, src = len(out), 0, self.samples
        while done < n:
            chunk = min(n - done, len(src) - self.pos)
            out[done : done + chunk] = src[self.pos : self.pos + chunk]
            done += chunk
            self.pos = (self.pos + chunk) % len(src)


class Ringer:
    def __init__(
        self, device: str = "", wav: str | Path = RING_WAV, sink: str | Path | None = None
    ) -> None:
        """``device``: ringer device label/name ("" = default output)."""
        self.device = device
        self.wav = Path(wav)
        self.sink = Path(sink) if sink else None
        self.problem = ""
        self._lock = threading.Lock()
        self._stream: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._logged = False

    @property
    def available(self) -> bool:
        return self.sink is not None or self._resolve() is not None

    @property
    def ringing(self) -> bool:
        return self._stream is not None or self._thread is not None

    def start(self) -> bool:
        """Start ringing; False (and ``problem`` set) if there is nothing to ring on."""
        with self._lock:
            if self.ringing:
                return True
            try:
                if self.sink is not None:
                    self._start_sink()
                else:
                    self._start_stream()
            except Exception as exc:  # a missing device must never break an incoming call
                self._report(f"ringer failed to start: {exc}")
                return False
            return self.ringing

    def stop(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
            thread, self._thread = self._thread, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:
                log.warning("ringer stream close failed: %s", exc)
        if thread is not None:
            self._stop.set()
            thread.join()

    def set_device(self, device: str) -> None:
        was_ringing = self.ringing
        self.stop()
        self.device = device
        if was_ringing:
            self.start()

    def _report(self, problem: str) -> None:
        self.problem = problem
        if not self._logged:
            log.warning("%s; incoming calls will not ring audibly", problem)
            self._logged = True

    def _resolve(self) -> devices.DeviceInfo | None:
        problem = devices.portaudio_problem()
        if problem:
            self.problem = problem
            return None
        dev = devices.resolve(self.device, "output")
        if dev is None:
            self.problem = "no PortAudio output device for the ringer"
        return dev

    def _start_stream(self) -> None:
        dev = self._resolve()
        if dev is None:
            self._report(self.problem)
            return
        import sounddevice as sd

        rate = int(dev.default_samplerate)
        loop = RingLoop(load_wav(self.wav, rate))

        def callback(outdata: np.ndarray, frames: int, _t: Any, _status: Any) -> None:
            loop.fill(outdata[:, 0])

        stream = sd.OutputStream(
            device=dev.index, samplerate=rate, channels=1, dtype="int16", callback=callback
        )
        stream.start()
        self._stream = stream
        self.problem = ""

    def _start_sink(self) -> None:
        assert self.sink is not None
        rate, block = 16000, 320
        loop = RingLoop(load_wav(self.wav, rate))
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._sink_loop, args=(loop, rate, block), name="ringer-sink", daemon=True
        )
        self._thread.start()

    def _sink_loop(self, loop: RingLoop, rate: int, block: int) -> None:
        out = np.zeros(block, dtype=np.int16)
        assert self.sink is not None
        with wave.open(str(self.sink), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            t0 = time.monotonic()
            i = 0
            while not self._stop.is_set():
                loop.fill(out)
                w.writeframes(out.tobytes())
                i += 1
                self._stop.wait(max(0.0, t0 + i * block / rate - time.monotonic()))
