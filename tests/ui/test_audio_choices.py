"""Headset choices: same capture and playback → one device; different → a split device whose
sides were asked for only the role they play."""

from __future__ import annotations

from softphone.audio.device import AudioDevice
from ui.audio_devices import HeadsetSwitcher, SplitDevice


class RoleDevice(AudioDevice):
    def __init__(self, label: str, role: str) -> None:
        super().__init__()
        self.name, self.role = label, role
        self.written = 0

    def read_capture(self, buf: memoryview) -> None:
        buf[:] = bytes([len(self.name)]) * len(buf)

    def write_playback(self, buf: memoryview) -> None:
        self.written += 1


def provider() -> list:
    def factory(label: str):
        return lambda role="both": RoleDevice(label, role)

    return [("usb", factory("usb")), ("speakers", factory("speakers"))]


class NoEngine:
    """Stands in for nothing SIP: make() never touches the engine."""


def test_same_device_for_both_sides() -> None:
    device = HeadsetSwitcher(NoEngine(), provider).make("usb", "usb")  # type: ignore[arg-type]
    assert isinstance(device, RoleDevice) and (device.name, device.role) == ("usb", "both")


def test_split_device_routes_each_side() -> None:
    device = HeadsetSwitcher(NoEngine(), provider).make("usb", "speakers")  # type: ignore[arg-type]
    assert isinstance(device, SplitDevice)
    assert (device.capture.role, device.playback.role) == ("capture", "playback")
    device.open(16000, 320)
    buf = bytearray(640)
    device.read_capture(memoryview(buf))
    assert buf[0] == len("usb")
    device.write_playback(memoryview(buf))
    assert device.playback.written == 1 and device.capture.written == 0
    assert device.stats is device.playback.stats


def test_unknown_name_falls_back_to_null() -> None:
    device = HeadsetSwitcher(NoEngine(), provider).make("gone", "gone")  # type: ignore[arg-type]
    assert type(device) is AudioDevice
