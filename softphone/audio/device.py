"""The local audio device contract: what the caller says (capture) and hears (playback).

The SIP engine owns one "headset" conference port (the PortAudio bridge, see
``softphone.sip._media_port``) and calls the current ``AudioDevice`` from pjmedia's clock
thread once per frame:

* ``read_capture(buf)``  fill ``buf`` (a writable buffer of ``frame_bytes`` bytes, int16 LE mono)
  with what the caller says.
* ``write_playback(buf)`` consume ``buf`` (int16 LE mono) which the caller should hear.

Both run on a real-time-ish thread: no logging, no allocation-heavy work, no Qt, no SQLite.
Devices can be swapped during a call; the engine calls ``open`` on the new device before
switching and ``close`` on the old one after.

Implementations: ``NullDevice`` (silence), ``FileDevice``/``ToneDevice`` (WAV/tone in, WAV out;
used by tests and the CLI), ``PortAudioDevice`` (sounddevice stream + drift-absorbing ring
buffers). A future "native" backend (pjmedia sound devices) will not use this interface at all;
it will give the engine a device port instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AudioStats:
    """Counters kept by a device; read by the engine for ``MediaStats``."""

    underruns: int = 0  # playback/capture frames padded with silence
    overruns: int = 0  # frames dropped because a ring buffer was full
    drift_corrections: int = 0  # frames dropped or inserted to absorb clock drift
    frames_in: int = 0  # playback frames the device took from the engine (caller hears)
    frames_out: int = 0  # capture frames the device gave the engine (caller says)


class AudioDevice:
    """Base class; also the null device (silence in, discard out)."""

    name = "null"

    def __init__(self) -> None:
        self.stats = AudioStats()
        self.clock_rate = 16000
        self.samples_per_frame = 320

    @property
    def frame_bytes(self) -> int:
        return self.samples_per_frame * 2

    def open(self, clock_rate: int, samples_per_frame: int) -> None:
        self.clock_rate = clock_rate
        self.samples_per_frame = samples_per_frame

    def close(self) -> None:
        pass

    def read_capture(self, buf: memoryview) -> None:
        buf[:] = bytes(len(buf))

    def write_playback(self, buf: memoryview) -> None:
        pass


NullDevice = AudioDevice
