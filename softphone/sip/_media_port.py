"""The headset bridge port: a pjsua2 ``AudioMediaPort`` whose frames go to and from the
current ``AudioDevice`` (DESIGN.md §3).

Interface (used by the engine):

    port = HeadsetPort(device)
    port.create(clock_rate, samples_per_frame)   # on the SIP thread, after libStart
    port.set_device(new_device)                  # any thread; takes effect next frame
    port.device                                  # current device
    port.copy_stats()                            # frame counters and copy path, for stats/doctor

``port`` *is* the caller's headset ``AudioMedia``: the engine wires calls with
``port.startTransmit(call_media)`` / ``call_media.startTransmit(port)``.

The two callbacks run on pjmedia's clock thread once per frame each. They copy with the
verified memmove path of ``_frame_copy`` (microseconds; falls back to the slow, layout-free
copy if the start-up verification fails), use only preallocated buffers, and never log.
"""

from __future__ import annotations

import logging
import threading

import pjsua2 as pj

from softphone.audio.device import AudioDevice
from softphone.sip._frame_copy import FrameCopier, make_copier

log = logging.getLogger(__name__)

_AUDIO = pj.PJMEDIA_FRAME_TYPE_AUDIO


class HeadsetPort(pj.AudioMediaPort):
    def __init__(self, device: AudioDevice, force_slow_copy: bool = False) -> None:
        super().__init__()
        self._device = device
        self._lock = threading.Lock()  # held per frame (uncontended) and while swapping
        self._force_slow = force_slow_copy
        self._init_buffers(640)
        self.frames_received = 0  # frames from the conference (what the caller hears)
        self.frames_requested = 0  # frames to the conference (what the caller says)
        self.frames_skipped = 0  # received frames that were not audio or had a wrong size

    def _init_buffers(self, frame_bytes: int) -> None:
        self._copier: FrameCopier
        self._copier, reason = make_copier(frame_bytes, self._force_slow)
        self._frame_bytes = frame_bytes
        self._rx_view = memoryview(self._copier.rx)
        self._tx_view = memoryview(self._copier.tx)
        self._silence = memoryview(bytes(frame_bytes))
        self.copy_path = "memmove" if self._copier.fast else "slow"
        self.copy_fallback_reason = reason

    @property
    def device(self) -> AudioDevice:
        return self._device

    def set_device(self, device: AudioDevice) -> None:
        """Open ``device`` at the port's format, switch to it, then close the old one."""
        old = self._device
        device.open(old.clock_rate, old.samples_per_frame)
        with self._lock:
            self._device = device
        old.close()

    def create(self, clock_rate: int, samples_per_frame: int, name: str = "headset") -> None:
        self._init_buffers(samples_per_frame * 2)
        if not self._copier.fast:
            log.warning("headset frame copy uses the slow path: %s", self.copy_fallback_reason)
        self._device.open(clock_rate, samples_per_frame)
        fmt = pj.MediaFormatAudio()
        fmt.type = pj.PJMEDIA_TYPE_AUDIO
        fmt.clockRate = clock_rate
        fmt.channelCount = 1
        fmt.bitsPerSample = 16
        fmt.frameTimeUsec = samples_per_frame * 1_000_000 // clock_rate
        self.createPort(name, fmt)

    def copy_stats(self) -> dict[str, object]:
        return {
            "copy_path": self.copy_path,
            "copy_fallback_reason": self.copy_fallback_reason,
            "frames_received": self.frames_received,
            "frames_requested": self.frames_requested,
            "frames_skipped": self.frames_skipped,
            "slow_frames": self._copier.slow_frames,
        }

    # -- pjmedia clock thread ----------------------------------------------------------
    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        with self._lock:
            self._device.read_capture(self._tx_view)
        self._copier.fill(frame)
        frame.type = _AUDIO
        frame.size = self._frame_bytes
        self.frames_requested += 1

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        # pjmedia's conference calls this every tick, also with nothing wired to the headset
        # (a NONE frame). Those do not reach the device, so an idle device stays idle (its
        # PortAudio streams stop) and an idle engine runs no device code.
        if frame.type != _AUDIO:
            self.frames_skipped += 1
            return
        if frame.size == self._frame_bytes:
            self._copier.read(frame.buf)
            view = self._rx_view
        else:  # never seen; keep the device fed with silence rather than misaligned audio
            self.frames_skipped += 1
            view = self._silence
        with self._lock:
            self._device.write_playback(view)
        self.frames_received += 1
