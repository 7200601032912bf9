"""The PortAudio headset device: ``sounddevice`` raw int16 mono streams + drift-absorbing rings.

pjmedia's clock thread calls ``read_capture``/``write_playback`` once per frame; PortAudio's
callback thread fills the capture ring and drains the playback ring (``FrameRing``), which
absorb the drift between the two clocks and count corrections in ``self.stats``.

Streams open at the engine's clock rate with ``blocksize`` = one engine frame. If the device
refuses that rate, they open at the device's default rate with a block of the same duration,
and a ``BlockResampler`` converts inside the callback (cheap linear interpolation).

Streams are opened by ``open`` but *started by the first frame from the engine* (pjmedia's
conference only calls the headset port while a call is wired to it), and they stop themselves
(``CallbackStop``) about a second after the engine's frames stop — so an idle softphone runs
no audio callbacks at all (DESIGN idle-CPU target). A failed restart (headset unplugged)
leaves silence, is logged once and retried about once a second.

Callbacks do no logging and allocate only what numpy/cffi need for views. PortAudio's own
xrun flags are counted in ``xruns``. ``CallbackClock`` records callback times (preallocated)
so tests and benchmarks can check pacing.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from softphone.audio.device import AudioDevice
from softphone.audio.devices import DeviceInfo, Kind, list_devices, resolve
from softphone.audio.resample import BlockResampler
from softphone.audio.ringbuffer import FrameRing

log = logging.getLogger(__name__)


IDLE_CALLBACKS = 100  # callbacks (of both streams) without engine frames before streams stop


class CallbackClock:
    """Preallocated record of the last ``capacity`` callback times (perf_counter seconds)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._t = np.zeros(capacity, dtype=np.float64)
        self.count = 0

    def tick(self) -> None:
        self._t[self.count % len(self._t)] = time.perf_counter()
        self.count += 1

    def intervals_ms(self) -> np.ndarray:
        n = min(self.count, len(self._t))
        start = self.count - n
        idx = np.arange(start, self.count) % len(self._t)
        return np.diff(self._t[idx]) * 1000.0


def _pick_rate(sd: Any, dev: DeviceInfo, kind: Kind, rate: int) -> int:
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    try:
        check(device=dev.index, channels=1, dtype="int16", samplerate=rate)
        return rate
    except Exception as exc:  # PortAudioError or ValueError, depending on the host API
        fallback = int(dev.default_samplerate)
        log.info(
            "%s refuses %d Hz (%s); opening at %d Hz and resampling", dev.label, rate, exc, fallback
        )
        return fallback


class PortAudioDevice(AudioDevice):
    name = "portaudio"

    def __init__(
        self,
        capture: str | None = "",
        playback: str | None = "",
        ring_capacity: int = 8,
        ring_target: int = 2,
        latency: str | float = "low",
    ) -> None:
        """``capture``/``playback``: device labels or names ("" = default, None = none)."""
        super().__init__()
        self.capture_name = capture
        self.playback_name = playback
        self.ring_capacity = ring_capacity
        self.ring_target = ring_target
        self.latency = latency
        self.xruns = 0  # PortAudio's own input overflow / output underflow flags
        self.capture_clock = CallbackClock()
        self.playback_clock = CallbackClock()
        self.capture_device: DeviceInfo | None = None
        self.playback_device: DeviceInfo | None = None
        self.device_rates: dict[str, int] = {}
        self.idle_callbacks = IDLE_CALLBACKS
        self.problem = ""  # last stream (re)start failure, "" if none
        self.starts = 0  # how many times the streams were (re)started
        self._streams: list[Any] = []
        self._running = False  # streams started and not yet idle
        self._since_engine = 0  # PortAudio callbacks since the engine last came
        self._retry_in = 0  # engine frames to wait before retrying a failed start
        self._starting = False  # a helper thread is starting the streams
        self._life = threading.Lock()  # serialises stream start with open/close

    # -- engine side (pjmedia clock thread) ------------------------------------------
    def read_capture(self, buf: memoryview) -> None:
        self._since_engine = 0
        if not self._running:
            self._resume()
        self._cap_ring.read(buf)
        self.stats.frames_out += 1

    def write_playback(self, buf: memoryview) -> None:
        self._since_engine = 0
        if not self._running:
            self._resume()
        self._play_ring.write(buf)
        self.stats.frames_in += 1

    def _resume(self) -> None:
        """Have the streams (re)started when the engine sends frames (a call was wired).

        Starting takes tens of milliseconds (JACK: ~40 ms), too long for pjmedia's clock
        thread, so a short-lived helper thread does it; the rings bridge the gap."""
        if self._starting or not self._streams:
            return
        if self._retry_in > 0:
            self._retry_in -= 1
            return
        self._starting = True
        threading.Thread(target=self._start_streams, name="portaudio-start", daemon=True).start()

    def _start_streams(self) -> None:
        with self._life:
            if not self._streams:  # closed meanwhile
                self._starting = False
                return
            try:
                for s in self._streams:
                    if not s.stopped:
                        s.stop()  # finished by CallbackStop while idle: stop before starting
                self._cap_ring.clear()
                self._play_ring.clear()
                for s in self._streams:
                    s.start()
            except Exception as exc:  # unplugged headset: silence, retry about once a second
                self._retry_in = 50
                if str(exc) != self.problem:
                    self.problem = str(exc)
                    log.warning("PortAudio stream start failed: %s", exc)
            else:
                self.problem = ""
                self.starts += 1
                self._running = True
            finally:
                self._starting = False

    # -- lifecycle --------------------------------------------------------------------
    def open(self, clock_rate: int, samples_per_frame: int) -> None:
        """Open (not start) the streams. Never raises: a device that cannot be opened leaves
        silence and says why in ``problem`` (the engine must start even without a headset)."""
        import sounddevice as sd

        self.close()
        super().open(clock_rate, samples_per_frame)
        self._cap_ring = self._ring()
        self._play_ring = self._ring()
        devices = list_devices()
        try:
            if self.capture_name is not None:
                self.capture_device = resolve(self.capture_name, "input", devices)
                if self.capture_device:
                    self._streams.append(self._open_stream(sd, self.capture_device, "input"))
            if self.playback_name is not None:
                self.playback_device = resolve(self.playback_name, "output", devices)
                if self.playback_device:
                    self._streams.append(self._open_stream(sd, self.playback_device, "output"))
        except Exception as exc:  # busy/unplugged device: the call goes on in silence
            self.close()
            self.problem = f"cannot open PortAudio stream: {exc}"
            log.warning("%s; the headset stays silent", self.problem)
            return
        self.problem = ""
        self._running = False  # started by the first frame from the engine

    def _ring(self) -> FrameRing:
        return FrameRing(
            self.samples_per_frame, self.ring_capacity, self.ring_target, stats=self.stats
        )

    def close(self) -> None:
        with self._life:
            self._running = False
            streams, self._streams = self._streams, []
            for s in streams:
                try:
                    s.stop()
                    s.close()
                except Exception as exc:  # a vanished USB headset must not break a device swap
                    log.warning("closing PortAudio stream failed: %s", exc)

    def _open_stream(self, sd: Any, dev: DeviceInfo, kind: Kind) -> Any:
        self._callback_stop = sd.CallbackStop
        rate = _pick_rate(sd, dev, kind, self.clock_rate)
        self.device_rates[kind] = rate
        block = round(rate * self.samples_per_frame / self.clock_rate)
        common = {
            "device": dev.index,
            "samplerate": rate,
            "blocksize": block,
            "channels": 1,
            "dtype": "int16",
            "latency": self.latency,
        }
        if kind == "input":
            cb = self._capture_callback(block)
            return sd.RawInputStream(callback=cb, **common)
        return sd.RawOutputStream(callback=self._playback_callback(block), **common)

    # -- PortAudio callback thread -----------------------------------------------------
    def _check_idle(self, status: Any) -> None:
        """Count xruns; stop this stream (CallbackStop) once the engine has gone quiet."""
        if status:
            self.xruns += 1
        self._since_engine += 1
        if self._since_engine > self.idle_callbacks:
            self._running = False
            raise self._callback_stop

    def _capture_callback(self, block: int) -> Any:
        ring, clock, n = self._cap_ring, self.capture_clock, self.samples_per_frame
        if block == n:

            def direct(indata: Any, frames: int, _t: Any, status: Any) -> None:
                clock.tick()
                self._check_idle(status)
                if frames == n:
                    ring.write(indata)

            return direct
        rs = BlockResampler(block, n)
        out = np.zeros(n, dtype=np.int16)
        out_bytes = out.data.cast("B")

        def resampled(indata: Any, frames: int, _t: Any, status: Any) -> None:
            clock.tick()
            self._check_idle(status)
            if frames == block:
                rs.process(np.frombuffer(indata, dtype=np.int16), out)
                ring.write(out_bytes)

        return resampled

    def _playback_callback(self, block: int) -> Any:
        ring, clock, n = self._play_ring, self.playback_clock, self.samples_per_frame
        if block == n:

            def direct(outdata: Any, frames: int, _t: Any, status: Any) -> None:
                clock.tick()
                self._check_idle(status)
                if frames == n:
                    ring.read(outdata)
                else:
                    outdata[:] = bytes(len(outdata))

            return direct
        rs = BlockResampler(n, block)
        tmp = np.zeros(n, dtype=np.int16)
        tmp_bytes = tmp.data.cast("B")
        out = np.zeros(block, dtype=np.int16)
        out_bytes = out.data.cast("B")

        def resampled(outdata: Any, frames: int, _t: Any, status: Any) -> None:
            clock.tick()
            self._check_idle(status)
            ring.read(tmp_bytes)
            rs.process(tmp, out)
            if frames == block:
                outdata[:] = out_bytes
            else:
                outdata[:] = bytes(len(outdata))

        return resampled
