"""Fast frame copy (``softphone.sip._frame_copy``): correctness against the slow path, the
start-up verification, and the fallback when verification fails or a frame looks wrong."""

from __future__ import annotations

import ctypes
import os

import pjsua2 as pj
import pytest

from softphone.audio.device import AudioDevice
from softphone.sip import _frame_copy as fc


def test_layout_verifies_on_this_build() -> None:
    offset, reason = fc.verify_layout()
    assert offset is not None, reason
    assert reason == ""


@pytest.mark.parametrize("frame_bytes", [640, 320, 1920])
def test_fast_read_matches_slow_read_on_random_data(frame_bytes: int) -> None:
    offset, _ = fc.verified_layout()
    fast = fc.FrameCopier(frame_bytes, offset)
    slow = fc.FrameCopier(frame_bytes, None)
    assert fast.fast and not slow.fast
    frame = pj.MediaFrame()
    for _ in range(50):
        data = os.urandom(frame_bytes)
        frame.buf = pj.ByteVector(data)
        fast.read(frame.buf)
        slow.read(frame.buf)
        assert bytes(fast.rx) == bytes(slow.rx) == data
    assert fast.slow_frames == 0


@pytest.mark.parametrize("force_slow", [False, True])
def test_fill_sets_frame_buf_to_tx_bytes(force_slow: bool) -> None:
    copier, _ = fc.make_copier(640, force_slow=force_slow)
    assert copier.fast is not force_slow
    frame = pj.MediaFrame()
    for _ in range(50):
        data = os.urandom(640)
        copier.tx[:] = data
        copier.fill(frame)
        assert frame.buf.size() == 640
        assert bytes(frame.buf) == data


def test_fill_does_not_alias_previous_frames() -> None:
    copier, _ = fc.make_copier(64)
    first, second = pj.MediaFrame(), pj.MediaFrame()
    copier.tx[:] = b"a" * 64
    copier.fill(first)
    copier.tx[:] = b"b" * 64
    copier.fill(second)
    assert bytes(first.buf) == b"a" * 64
    assert bytes(second.buf) == b"b" * 64


def test_wrong_size_vector_takes_slow_path_and_is_counted() -> None:
    offset, _ = fc.verified_layout()
    copier = fc.FrameCopier(640, offset)
    short = os.urandom(100)
    copier.read(pj.ByteVector(short))
    assert copier.slow_frames == 1
    assert bytes(copier.rx) == short + bytes(540)
    long = os.urandom(1000)
    copier.read(pj.ByteVector(long))
    assert copier.slow_frames == 2
    assert bytes(copier.rx) == long[:640]


class _FakeVector:
    """Looks like a ByteVector to the probe, but its C object holds no begin/end pointers."""

    def __init__(self, data: bytes) -> None:
        self._data = bytearray(data)
        self._obj = (ctypes.c_size_t * 4)(0xDEAD, 0xBEEF, 0, 0)
        self.this = ctypes.addressof(self._obj)

    def size(self) -> int:
        return len(self._data)

    def resize(self, n: int) -> None:
        self._data.extend(bytes(n - len(self._data)))

    def __iter__(self):
        return iter(self._data)


def test_verification_failure_is_reported_with_a_reason() -> None:
    offset, reason = fc.verify_layout(new_vector=_FakeVector)
    assert offset is None
    assert "word 0" in reason and "word 1" in reason


def test_verification_rejects_pointer_to_wrong_content() -> None:
    class Lying(_FakeVector):
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self._other = ctypes.create_string_buffer(len(data) + 1)  # right size, wrong bytes
            base = ctypes.addressof(self._other)
            self._obj[0], self._obj[1] = base, base + len(data)

    offset, reason = fc.verify_layout(new_vector=Lying)
    assert offset is None
    assert "content" in reason


def test_headset_port_falls_back_when_verification_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from softphone.audio.device import NullDevice
    from softphone.sip._media_port import HeadsetPort

    monkeypatch.setattr(fc, "_VERIFIED", (None, "forced failure for the test"))
    port = HeadsetPort(NullDevice())
    assert port.copy_path == "slow"
    assert port.copy_fallback_reason == "forced failure for the test"
    frame = pj.MediaFrame()
    data = os.urandom(640)
    frame.buf = pj.ByteVector(data)
    frame.size = 640
    frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
    received: list[bytes] = []
    port._device.write_playback = lambda buf: received.append(bytes(buf))  # type: ignore[method-assign]
    port.onFrameReceived(frame)
    assert received == [data]
    port.onFrameRequested(frame)
    assert bytes(frame.buf) == bytes(640) and frame.size == 640
    assert port.copy_stats()["frames_received"] == 1


class _Recording(AudioDevice):
    def __init__(self, capture: bytes) -> None:
        super().__init__()
        self.capture = capture
        self.heard: list[bytes] = []
        self.closed = False

    def read_capture(self, buf: memoryview) -> None:
        buf[:] = self.capture

    def write_playback(self, buf: memoryview) -> None:
        self.heard.append(bytes(buf))

    def close(self) -> None:
        self.closed = True


def _audio_frame(data: bytes) -> pj.MediaFrame:
    frame = pj.MediaFrame()
    frame.buf = pj.ByteVector(data)
    frame.size = len(data)
    frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
    return frame


def test_headset_port_fast_path_both_directions_and_device_swap() -> None:
    from softphone.sip._media_port import HeadsetPort

    first, second = _Recording(os.urandom(640)), _Recording(os.urandom(640))
    port = HeadsetPort(first)
    assert port.copy_path == "memmove", port.copy_fallback_reason
    sent = [os.urandom(640) for _ in range(20)]
    for data in sent:
        port.onFrameReceived(_audio_frame(data))
    assert first.heard == sent
    out = pj.MediaFrame()
    port.onFrameRequested(out)
    assert bytes(out.buf) == first.capture and out.size == 640
    assert out.type == pj.PJMEDIA_FRAME_TYPE_AUDIO
    port.set_device(second)
    assert first.closed and port.device is second
    port.onFrameRequested(out)
    assert bytes(out.buf) == second.capture
    idle = pj.MediaFrame()  # nothing wired to the headset: a NONE frame, not for the device
    port.onFrameReceived(idle)
    assert second.heard == []
    odd = _audio_frame(os.urandom(320))  # wrong size: silence, never misaligned audio
    port.onFrameReceived(odd)
    assert second.heard == [bytes(640)]
    stats = port.copy_stats()
    assert stats["frames_received"] == 21 and stats["frames_requested"] == 2
    assert stats["frames_skipped"] == 2 and stats["slow_frames"] == 0
