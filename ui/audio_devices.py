"""Audio device choices for the settings dialog, and switching the headset device.

A *provider* is a callable returning ``[(name, factory), ...]`` where ``factory()`` makes a fresh
``AudioDevice`` for that name. The caller window takes one injected (tests pass file devices);
without one it asks ``softphone.audio.devices`` when that module is available, else offers only
the null device. Capture and playback may be different devices: ``SplitDevice`` joins them.
"""

from __future__ import annotations

from collections.abc import Callable

from softphone.audio.device import AudioDevice, NullDevice
from softphone.sip.engine import SipEngine

DeviceFactory = Callable[[], AudioDevice]
DeviceList = list[tuple[str, DeviceFactory]]
DeviceProvider = Callable[[], DeviceList]
NULL_NAME = "null"


def default_provider() -> DeviceList:
    """Devices from ``softphone.audio.devices`` if present; always includes the null device."""
    found: DeviceList = []
    try:
        from softphone.audio import devices  # type: ignore[attr-defined]

        found = list(devices.list_devices())
    except (ImportError, AttributeError, OSError):
        found = []
    if not any(name == NULL_NAME for name, _ in found):
        found.append((NULL_NAME, NullDevice))
    return found


class SplitDevice(AudioDevice):
    """Capture from one device, play back on another; statistics are the playback side's."""

    def __init__(self, capture: AudioDevice, playback: AudioDevice) -> None:
        super().__init__()
        self.capture, self.playback = capture, playback
        self.name = f"{capture.name} / {playback.name}"
        self.stats = playback.stats

    def open(self, clock_rate: int, samples_per_frame: int) -> None:
        super().open(clock_rate, samples_per_frame)
        self.capture.open(clock_rate, samples_per_frame)
        self.playback.open(clock_rate, samples_per_frame)

    def close(self) -> None:
        self.capture.close()
        self.playback.close()

    def read_capture(self, buf: memoryview) -> None:
        self.capture.read_capture(buf)

    def write_playback(self, buf: memoryview) -> None:
        self.playback.write_playback(buf)


class HeadsetSwitcher:
    """Builds the headset device for a (capture, playback) choice and hands it to the engine.

    ``engine.set_audio_device`` is a non-blocking engine command; it works during a call.
    """

    def __init__(self, engine: SipEngine, provider: DeviceProvider) -> None:
        self._engine = engine
        self._provider = provider
        self.current: AudioDevice | None = None

    def names(self) -> list[str]:
        return [name for name, _ in self._provider()]

    def make(self, capture: str, playback: str) -> AudioDevice:
        factories = dict(self._provider())
        fallback = factories.get(NULL_NAME, NullDevice)
        if capture == playback:
            return factories.get(playback, fallback)()
        return SplitDevice(factories.get(capture, fallback)(), factories.get(playback, fallback)())

    def switch(self, capture: str, playback: str) -> AudioDevice:
        device = self.make(capture, playback)
        self._engine.set_audio_device(device)
        self.current = device
        return device
