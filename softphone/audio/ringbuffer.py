"""A single-producer/single-consumer ring of fixed-size int16 frames that absorbs clock drift.

The PortAudio callback and pjmedia's clock tick at nominally the same rate but from different
crystals, with different phase and jitter. Between them sits a ``FrameRing``:

* It starts *priming*: reads return filler until ``target`` frames are buffered, so normal
  jitter does not starve the reader.
* **Underflow** (reader finds it empty): the reader gets the last frame at -12 dB once, then
  silence, and the ring primes again up to ``target``. Each inserted frame counts as an
  underrun and a drift correction.
* **Overflow** (writer finds it full): the oldest frame is dropped; counts as an overrun and a
  drift correction.
* **Latency bound**: if more than ``high_water`` frames are buffered when the reader comes, one
  old frame is skipped per read until the level is back under it (a drift correction), so a
  fast producer cannot build up latency beyond ``high_water`` frames.
* **Idle sides are not drift.** pjmedia's conference only calls the headset port while a call
  is wired to it, but PortAudio runs all the time. So an underrun is *counted* when the writer
  next comes, an overrun when the reader next comes — and only if that side was away for at
  most ``2 * capacity`` frames of the other. A side back from longer absence (a call ended,
  another began) starts afresh: the writer flushes stale frames and re-primes uncounted, the
  reader resumes ``target`` frames behind the writer. Counters therefore lag by up to one frame.

Storage is preallocated; ``write``/``read`` copy one frame through preallocated memoryviews
under an uncontended ``threading.Lock`` (about a microsecond). No logging. The counters go to
a shared ``AudioStats`` (the device's); frame totals are the device's business.
"""

from __future__ import annotations

import threading

import numpy as np

from softphone.audio.device import AudioStats


class FrameRing:
    """Fixed-size frames of ``frame_samples`` int16 samples (``frame_bytes`` bytes)."""

    def __init__(
        self,
        frame_samples: int,
        capacity: int = 8,
        target: int = 2,
        high_water: int | None = None,
        stats: AudioStats | None = None,
    ) -> None:
        if not 1 <= target < capacity:
            raise ValueError("need 1 <= target < capacity")
        self.frame_samples = frame_samples
        self.frame_bytes = frame_samples * 2
        self.capacity = capacity
        self.target = target
        self.high_water = min(capacity - 1, high_water or target + 2)
        self.stats = stats if stats is not None else AudioStats()
        self._store = bytearray(self.frame_bytes * capacity)
        whole = memoryview(self._store)
        self._slots = [
            whole[i * self.frame_bytes : (i + 1) * self.frame_bytes] for i in range(capacity)
        ]
        self._frames = np.frombuffer(self._store, dtype=np.int16).reshape(capacity, frame_samples)
        self._soft = np.zeros(frame_samples, dtype=np.int16)  # last frame at -12 dB
        self._soft_view = self._soft.data.cast("B")
        self._silence = memoryview(bytes(self.frame_bytes))
        self._lock = threading.Lock()
        self._w = 0  # frames ever written (monotonic)
        self._r = 0  # frames ever consumed or dropped (monotonic)
        self._priming = True
        self._started = False  # the first priming is not an underrun
        self._fillers = 0  # consecutive filler frames handed out
        self._last = -1  # slot of the last real frame read
        self._idle = 2 * capacity  # a side absent for this many frames of the other is idle
        self._since_read = self._idle + 1  # writes since the reader last came
        self._since_write = self._idle + 1  # reads since the writer last came
        self._grace = capacity  # reads left in which start-up settling is not counted
        self._pending_under = 0  # fillers not yet known to be drift (the writer may be gone)
        self._pending_over = 0  # drops not yet known to be drift (the reader may be gone)

    @property
    def fill(self) -> int:
        """Frames currently buffered."""
        return self._w - self._r

    def clear(self) -> None:
        """Forget buffered frames and history: as if both sides were new (nothing counted)."""
        with self._lock:
            self._r = self._w
            self._priming = True
            self._started = False
            self._last = -1
            self._since_read = self._since_write = self._idle + 1
            self._pending_under = self._pending_over = 0
            self._grace = self.capacity

    def write(self, src: memoryview | bytes | bytearray) -> None:
        """Append one frame (``frame_bytes`` bytes); drops the oldest frame if full."""
        with self._lock:
            if self._since_write > self._idle:  # back from idle: its gap was not drift
                self._pending_under = 0
                self._started = False
                self._priming = True
                self._r = self._w  # what is left is stale
                self._grace = self.capacity
            else:
                self._commit_underruns()
            self._since_write = 0
            self._since_read += 1
            if self._w - self._r >= self.capacity:
                self._r += 1
                self._pending_over += 1
            self._slots[self._w % self.capacity][:] = src
            self._w += 1

    def read(self, dst: memoryview | bytearray) -> bool:
        """Fill ``dst`` with one frame; returns False if it got filler instead of audio."""
        with self._lock:
            if self._since_read > self._idle:  # back from idle: resume at target latency
                self._pending_over = 0
                self._r = max(self._r, self._w - self.target)
                self._grace = self.capacity
            else:
                self._commit_overruns()
            if self._grace:
                self._grace -= 1
            self._since_read = 0
            self._since_write += 1
            level = self._w - self._r
            if self._priming and level >= self.target:
                self._priming = False
                self._started = True
            if self._priming or level == 0:
                self._filler(dst)
                return False
            if level > self.high_water:
                self._r += 1  # skip one old frame: bounds latency when the producer is fast
                if not self._grace:
                    self.stats.drift_corrections += 1
            slot = self._r % self.capacity
            dst[:] = self._slots[slot]
            self._r += 1
            self._last = slot
            self._fillers = 0
            return True

    def _commit_underruns(self) -> None:
        if self._grace:
            self._pending_under = 0
        elif self._pending_under:
            self.stats.underruns += self._pending_under
            self.stats.drift_corrections += self._pending_under
            self._pending_under = 0

    def _commit_overruns(self) -> None:
        if self._grace:
            self._pending_over = 0
        elif self._pending_over:
            self.stats.overruns += self._pending_over
            self.stats.drift_corrections += self._pending_over
            self._pending_over = 0

    def _filler(self, dst: memoryview | bytearray) -> None:
        if self._started:
            self._pending_under += 1
        self._priming = True
        if self._fillers == 0 and self._last >= 0:
            np.right_shift(self._frames[self._last], 2, out=self._soft)
            dst[:] = self._soft_view
        else:
            dst[:] = self._silence
        self._fillers += 1
