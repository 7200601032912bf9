"""The headset bridge port: a pjsua2 ``AudioMediaPort`` whose frames go to and from the
current ``AudioDevice`` (DESIGN.md §3).

INITIAL VERSION (slow element copy) — the audio work replaces the copy with a verified
memmove fast path. Interface (used by the engine):

    port = HeadsetPort(device)
    port.create(clock_rate, samples_per_frame)   # on the SIP thread, after libStart
    port.set_device(new_device)                  # any thread; takes effect next frame
    port.device                                  # current device

``port`` *is* the caller's headset ``AudioMedia``: the engine wires calls with
``port.startTransmit(call_media)`` / ``call_media.startTransmit(port)``.
"""

from __future__ import annotations

import pjsua2 as pj

from softphone.audio.device import AudioDevice


class HeadsetPort(pj.AudioMediaPort):
    def __init__(self, device: AudioDevice) -> None:
        super().__init__()
        self._device = device
        self._frame_bytes = 640
        self._out = bytearray(self._frame_bytes)

    @property
    def device(self) -> AudioDevice:
        return self._device

    def set_device(self, device: AudioDevice) -> None:
        device.open(self._device.clock_rate, self._device.samples_per_frame)
        old, self._device = self._device, device
        old.close()

    def create(self, clock_rate: int, samples_per_frame: int, name: str = "headset") -> None:
        self._frame_bytes = samples_per_frame * 2
        self._out = bytearray(self._frame_bytes)
        self._device.open(clock_rate, samples_per_frame)
        fmt = pj.MediaFormatAudio()
        fmt.type = pj.PJMEDIA_TYPE_AUDIO
        fmt.clockRate = clock_rate
        fmt.channelCount = 1
        fmt.bitsPerSample = 16
        fmt.frameTimeUsec = samples_per_frame * 1_000_000 // clock_rate
        self.createPort(name, fmt)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        out = self._out
        self._device.read_capture(memoryview(out))
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(out)
        frame.size = len(out)

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO or frame.size == 0:
            return
        self._device.write_playback(memoryview(bytes(frame.buf)))
